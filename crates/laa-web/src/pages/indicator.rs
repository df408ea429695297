//! The indicator pages: the list of National Indicators, and one
//! indicator's wording, unit, polarity and standing in each set version,
//! its owner, how many areas chose it (Appendix 3d for 2008, and the
//! signed-off agreements here), how those areas compare, and the national
//! target their local targets add up to (recommendation 15).

use laa_core::catalogue::Owner;
use laa_core::{Catalogue, IndicatorNumber, IndicatorStatus, SetStatus};
use maud::{Markup, html};

use crate::facts::{indicator_polarity, polarity};
use crate::model::Snapshot;
use crate::names::department_name;
use crate::pages::layout::{page, rounds_nav};

fn status_words(status: IndicatorStatus) -> &'static str {
    match status {
        IndicatorStatus::Active => "Active",
        IndicatorStatus::Withdrawn => "Withdrawn",
    }
}

fn set_words(status: SetStatus) -> &'static str {
    match status {
        SetStatus::Draft => "Draft, under consultation",
        SetStatus::Published => "Published",
    }
}

/// The list of every National Indicator, newest set first.
pub fn list(snapshot: &Snapshot, catalogue: &Catalogue) -> Markup {
    let choosing = snapshot.choosing();
    page(
        "National Indicators",
        &[("England", "/")],
        snapshot.as_of(),
        html! {
            h1 { "National Indicators" }
            p.lead { "Areas chose their targets from the National Indicator Set: 198 measures of local services, each owned by a government department." }
            div.table-wrap role="region" aria-labelledby="indicators" tabindex="0" {
                table {
                    caption #indicators { "Every National Indicator" }
                    thead { tr {
                        th scope="col" { "Indicator" }
                        th scope="col" { "Subject" }
                        th.num scope="col" { "Areas choosing it in 2008" }
                        th.num scope="col" {
                            @match &snapshot.round {
                                Some(round) => { "Agreements in " (round) }
                                None => { "Agreements here" }
                            }
                        }
                    } }
                    tbody {
                        @for i in catalogue.indicators() {
                            tr {
                                th scope="row" { a href=(format!("/indicators/{}", i.number.get())) { "NI " (i.number.get()) ": " (i.title) } }
                                td { (i.subject_group) }
                                td.num {
                                    @match (i.laa_selections_2008, i.statutory) {
                                        (_, true) => { "All (statutory)" }
                                        (Some(n), _) => { (n) }
                                        (None, false) => { "" }
                                    }
                                }
                                td.num { (choosing.get(&i.number).copied().unwrap_or(0)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One indicator's page in the round `snapshot` holds in full, with the
/// other rounds linked; `None` when the catalogue has no such indicator.
/// `proposals` are every round's national targets proposed for it: the
/// page shows its round's and those of rounds with nothing public yet.
pub fn indicator(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    number: IndicatorNumber,
    proposals: &[crate::pages::national::RoundProposal],
) -> Option<Markup> {
    let i = catalogue.indicator(number)?;
    let public_rounds = snapshot.rounds();
    let proposals: Vec<_> = proposals
        .iter()
        .filter(|r| {
            let name = r.round.policy.name.as_str();
            snapshot.round.as_deref() == Some(name) || !public_rounds.contains(&name)
        })
        .cloned()
        .collect();
    let path = format!("/indicators/{}", number.get());
    let carrying: Vec<_> = snapshot
        .published
        .iter()
        .filter_map(|p| {
            let t = p
                .targets()
                .find(|t| t.indicator.national() == Some(number))?;
            Some((p, t))
        })
        .collect();
    let title = match &snapshot.round {
        Some(round) if !snapshot.is_latest() => {
            format!("NI {}: {}, {round}", number.get(), i.title)
        }
        _ => format!("NI {}: {}", number.get(), i.title),
    };
    // Each set version that declares relations with it, newest first: a
    // draft's are shown while it is consulted on, marked as a draft's.
    let related: Vec<_> = catalogue
        .sets()
        .filter(|set| set.relations_of(number).next().is_some())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Some(page(
        &title,
        &[("England", "/"), ("Indicators", "/indicators")],
        snapshot.as_of(),
        html! {
            span.caption { (i.subject_group) }
            h1 { (title) }
            dl.summary {
                div { dt { "Owned by" } dd {
                    @match &i.owner {
                        Owner::Psa(n) => { "Public Service Agreement " (n) }
                        Owner::Dso(d) => { (department_name(d)) " (a departmental strategic objective)" }
                        Owner::Unassigned => { "Not stated in the National Indicator Set" }
                    }
                } }
                div { dt { "Statutory" } dd {
                    @if i.statutory { "Yes: every area carries a target on it" } @else { "No: areas chose it by negotiation" }
                } }
                div { dt { "Areas choosing it in 2008" } dd {
                    @match (i.laa_selections_2008, i.statutory) {
                        (_, true) => { "All 150 (statutory)" }
                        (Some(n), _) => { (n) " of 150 (Appendix 3d of the report)" }
                        (None, false) => { "Not recorded" }
                    }
                } }
                div {
                    dt {
                        "Signed-off agreements carrying it"
                        @if let Some(round) = &snapshot.round { " in " (round) }
                    }
                    dd { (carrying.len()) }
                }
            }
            (rounds_nav(
                &public_rounds,
                snapshot.round.as_deref(),
                &path,
                "The areas, rankings and national figures below are the round's own.",
            ))
            @if !related.is_empty() {
                h2 { "Indicators it influences" }
                p { "The indicator set declares how this indicator and others move together, so a target on one can be read beside the others." }
                @for set in &related {
                    h3 { "In the " (set.version.get()) " set (" (set_words(set.status)) ")" }
                    ul.list {
                        @for r in set.relations_of(number) {
                            @if let Some(other) = r.other_than(number) {
                                li {
                                    a href={ "/indicators/" (other.get()) } {
                                        "NI " (other.get())
                                        @if let Some(o) = catalogue.indicator_in(set.version, other) { ": " (o.title) }
                                    }
                                    ". " (r.note)
                                }
                            }
                        }
                    }
                }
            }
            h2 { "In each version of the indicator set" }
            div.table-wrap role="region" aria-labelledby="versions" tabindex="0" {
                table {
                    caption #versions { "NI " (number.get()) " by set version" }
                    thead { tr {
                        th scope="col" { "Set" }
                        th scope="col" { "Set status" }
                        th scope="col" { "Indicator status" }
                        th scope="col" { "Wording" }
                        th scope="col" { "Measured in" }
                        th scope="col" { "Which way is better" }
                    } }
                    tbody {
                        @for set in catalogue.sets() {
                            @if let Some(status) = set.status_of(number) {
                                tr {
                                    th scope="row" { (set.version.get()) }
                                    td { (set_words(set.status)) }
                                    td { (status_words(status)) }
                                    @let worded = catalogue.indicator_in(set.version, number).unwrap_or(i);
                                    td { (worded.title) }
                                    td { (crate::facts::unit_words(worded.unit)) }
                                    td {
                                        @match indicator_polarity(worded) {
                                            Some(p) => { (p.words()) }
                                            None => { span.secondary { "Not recorded in the set; each target below shows the direction it plans" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Areas with a target on it" }
            @if carrying.is_empty() {
                p { "No signed-off agreement published here carries a target on this indicator." }
            } @else {
                ul.columns {
                    @for (p, t) in &carrying {
                        li {
                            a href=(format!("{}#target-{}", snapshot.area_path(&p.area), t.id.get())) {
                                (snapshot.area(p.area.as_str()).map_or(p.area.as_str(), |a| a.name.as_str()))
                            }
                            @if let Some(pol) = polarity(p.record.agreement.measure(catalogue, number).or(Some(i)), t) { span.secondary { " (" (pol.words().to_lowercase()) ")" } }
                        }
                    }
                }
            }
            (crate::pages::tournament::section(snapshot, catalogue, number))
            (crate::pages::national::section(snapshot, catalogue, number, &proposals))
        },
    ))
}
