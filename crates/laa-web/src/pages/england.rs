//! The England page: the nine regions and their areas, each with its
//! targets and the share on track, off track, met, missed or without data.

use laa_core::Region;
use maud::{Markup, html};

use crate::facts::Verdict;
use crate::model::{Snapshot, Tally};
use crate::names::region_name;
use crate::pages::layout::{page, rounds_nav};

fn tally_cells(tally: &Tally) -> Markup {
    html! {
        td.num { (tally.total()) }
        @for v in Verdict::ALL {
            td.num {
                (tally.count(v))
                @if tally.total() > 0 { span.secondary.share { " (" (tally.share(v)) "%)" } }
            }
        }
    }
}

fn head(first: &str) -> Markup {
    html! {
        thead {
            tr {
                th scope="col" { (first) }
                th.num scope="col" { "Targets" }
                @for v in Verdict::ALL { th.num scope="col" { (v.words()) } }
            }
        }
    }
}

/// The England page for the round `snapshot` holds in full, so that a
/// round's targets are tallied on their own (2008-11's met targets are not
/// added to 2026-29's on track), with every round with a public agreement
/// linked.
pub fn england(snapshot: &Snapshot) -> Markup {
    let rounds = snapshot.rounds();
    let round = snapshot.round.as_deref();
    let mut national = Tally::default();
    for p in &snapshot.published {
        national.merge(p.tally());
    }
    let signed = snapshot
        .areas
        .iter()
        .filter(|a| snapshot.of_area(&a.code).next().is_some())
        .count();
    // The years the round covers (its policy's, as its agreements hold it).
    let (from, to) = snapshot
        .published
        .iter()
        .find_map(|p| p.record.agreement.policy())
        .map_or((2008, 2011), |policy| {
            (
                policy.period.first().start(),
                policy.period.last().start() + 1,
            )
        });
    let latest = rounds.last().copied();
    let title = match round {
        Some(r) if Some(r) != latest => format!("Local Area Agreements in England, {r}"),
        _ => "Local Area Agreements in England".to_owned(),
    };
    let crumbs: &[(&str, &str)] = if title.ends_with("England") {
        &[]
    } else {
        &[("England", "/")]
    };
    page(
        &title,
        crumbs,
        snapshot.as_of(),
        html! {
            h1 { (title) }
            p.lead {
                "Each of England's " (snapshot.areas.len()) " upper-tier areas agreed with government "
                "a set of targets for improving local services from " (from) " to " (to) ". "
                "This service shows what each area agreed and how it is doing, area by area."
            }
            p {
                (signed) " of " (snapshot.areas.len()) " areas "
                @if signed == 1 { "has" } @else { "have" }
                " a signed-off agreement for " (from) " to " (to) " published here, with "
                (national.total()) " targets in all. Agreements still being negotiated are not shown."
            }
            (rounds_nav(
                &rounds,
                round,
                "/",
                "Each round of agreements runs for three years. Its targets are counted on their own.",
            ))
            div.table-wrap role="region" aria-labelledby="england-targets" tabindex="0" {
                table {
                    caption #england-targets { "All targets in England, by how they are doing" }
                    (head("England"))
                    tbody { tr { th scope="row" { "England" } (tally_cells(&national)) } }
                }
            }
            p {
                "A target is " strong { "on track" } " or " strong { "off track" } " by its latest actual value against the plan for that year, and "
                strong { "met" } " or " strong { "missed" } " by the final year's. "
                a href="/indicators" { "Browse the indicators" } " or "
                a href="/data" { "download every table as CSV or JSON" } "."
            }
            @for region in Region::ALL {
                (region_section(snapshot, region))
            }
        },
    )
}

fn region_section(snapshot: &Snapshot, region: Region) -> Markup {
    let areas: Vec<_> = snapshot
        .areas
        .iter()
        .filter(|a| a.region == region)
        .collect();
    let mut total = Tally::default();
    for a in &areas {
        for p in snapshot.of_area(&a.code) {
            total.merge(p.tally());
        }
    }
    html! {
        section aria-labelledby=(format!("region-{}", region.code())) {
            h2 id=(format!("region-{}", region.code())) { (region_name(region)) }
            p.secondary { (areas.len()) " areas. Negotiated by the " (region.name()) "." }
            @let areas_id = format!("region-{}-areas", region.code());
            div.table-wrap role="region" aria-labelledby=(areas_id) tabindex="0" {
                table {
                    caption id=(areas_id) { "Areas in " (region_name(region)) }
                    (head("Area"))
                    tbody {
                        @for a in &areas {
                            @let published: Vec<_> = snapshot.of_area(&a.code).collect();
                            @if published.is_empty() {
                                tr {
                                    th scope="row" { (a.name) }
                                    td colspan="6" { span.secondary { "Not yet signed off" } }
                                }
                            }
                            @for p in published {
                                tr {
                                    th scope="row" {
                                        a href=(format!("/areas/{}", a.code)) { (a.name) }
                                    }
                                    (tally_cells(&p.tally()))
                                }
                            }
                        }
                        tr { th scope="row" { (region_name(region)) " total" } (tally_cells(&total)) }
                    }
                }
            }
        }
    }
}
