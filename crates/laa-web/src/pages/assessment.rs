//! An agreement's assessment on its area's page (recommendation 2): the
//! report asks that public reporting "make a clear distinction between
//! assessment findings relating to LAA priorities and those taking the
//! broader perspective". Part 1, the negotiated targets (each one's
//! verdict, who delivers it and its rank among similar areas, the reward,
//! then each partner's targets), comes first and in full; part 2, the rest
//! of the National Indicator Set the area reported, against the other
//! areas of its kind, follows in a box of its own, headed as the broader
//! view. The assessment is the core's (`laa_core::performance::assess`),
//! over the public agreements only.

use laa_core::performance::{AssessedTarget, Assessment, Contribution, Status};
use laa_core::{Catalogue, IndicatorRef, partners};
use maud::{Markup, html};

use crate::facts::{Polarity, status_verdict, with_unit};
use crate::model::{Published, Snapshot};
use crate::pages::area::title_of;

/// A kind of area in words, as a group of similar areas.
pub fn kind_words(kind: &str) -> &str {
    match kind {
        "county" => "county councils",
        "unitary" => "unitary councils",
        "metropolitan" => "metropolitan districts",
        "london_borough" => "London boroughs",
        other => other,
    }
}

fn rank_words(t: &AssessedTarget) -> Markup {
    match &t.standing {
        None => html! { span.secondary { "No actual value yet" } },
        Some(s) => match s.rank {
            Some(rank) => html! {
                (rank) " of " (s.group_size)
                @if s.top_quartile { " (top quarter)" }
            },
            None => {
                html! { span.secondary { "Not ranked: " (s.unranked_because.as_deref().unwrap_or("")) } }
            }
        },
    }
}

fn partner_list(codes: &[partners::Partner]) -> String {
    codes
        .iter()
        .map(|p| partners::name(p).to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_counts(c: &std::collections::BTreeMap<Status, u32>) -> Markup {
    html! {
        @for (status, n) in c {
            @let v = status_verdict(*status);
            span.nowrap { strong.(v.tag_class()) { (v.words()) } " " (n) } " "
        }
    }
}

fn partner_rows(
    id: &str,
    contributions: &[Contribution],
    a: &Assessment,
    catalogue: &Catalogue,
) -> Markup {
    let title = |target: &laa_core::TargetId| {
        a.negotiated
            .targets
            .iter()
            .find(|t| &t.performance.target == target)
            .map(|t| title_of(&t.performance.indicator, catalogue).0)
            .unwrap_or_default()
    };
    html! {
        div.table-wrap role="region" aria-labelledby=(id) tabindex="0" {
            table {
                caption id=(id) { "The negotiated targets by partner: the targets each partner leads and contributes to" }
                thead { tr {
                    th scope="col" { "Partner" }
                    th scope="col" { "Leads" }
                    th scope="col" { "Contributes to" }
                    th scope="col" { "Targets it leads, by verdict" }
                } }
                tbody {
                    @for c in contributions {
                        tr {
                            th scope="row" { (partners::name(&c.partner)) }
                            td { (c.leads.iter().map(title).collect::<Vec<_>>().join("; ")) }
                            td { (c.contributes.iter().map(title).collect::<Vec<_>>().join("; ")) }
                            td { (status_counts(&c.led)) }
                        }
                    }
                }
            }
        }
    }
}

/// The assessment of one public agreement: its two parts, apart.
pub fn section(snapshot: &Snapshot, p: &Published, catalogue: &Catalogue) -> Markup {
    let Some(a) = snapshot.assessment(p, catalogue) else {
        return html! {};
    };
    let id = format!("assessment-{}", p.id);
    let group = kind_words(&a.group);
    html! {
        h3 id=(id) { "How the area is assessed" }
        p {
            "The area is judged first on the targets it negotiated in this agreement, and on what each partner "
            "(the council, the police, the primary care trust, fire and rescue and others) contributes to them. "
            "Its results on the rest of the National Indicator Set are shown apart, against similar areas, as the broader view."
        }
        section.assessment-part.negotiated aria-labelledby=(format!("{id}-negotiated")) {
            h4 id=(format!("{id}-negotiated")) {
                span.caption { "Part 1" }
                "The targets negotiated in this agreement"
            }
            @let caption = format!("{id}-targets");
            div.table-wrap role="region" aria-labelledby=(caption) tabindex="0" {
                table {
                    caption id=(caption) { "Each negotiated target, its verdict, who delivers it and its rank among similar areas" }
                    thead { tr {
                        th scope="col" { "Target" }
                        th scope="col" { "Verdict" }
                        th scope="col" { "Lead partner" }
                        th scope="col" { "Contributing partners" }
                        th scope="col" { "Rank among similar areas" }
                    } }
                    tbody {
                        @for t in &a.negotiated.targets {
                            @let v = status_verdict(t.performance.overall);
                            tr {
                                th scope="row" {
                                    a href=(format!("#target-{}", t.performance.target.get())) {
                                        (title_of(&t.performance.indicator, catalogue).0)
                                    }
                                    " " span.secondary { (title_of(&t.performance.indicator, catalogue).1) }
                                }
                                td { strong.(v.tag_class()) { (v.words()) } }
                                td {
                                    @match &t.partners {
                                        Some(named) => { (partners::name(&named.lead)) }
                                        None => { span.secondary { "Not named" } }
                                    }
                                }
                                td { (t.partners.as_ref().map(|n| partner_list(&n.contributors)).unwrap_or_default()) }
                                td { (rank_words(t)) }
                            }
                        }
                    }
                }
            }
            p {
                strong { "Reward grant: " }
                @match &a.negotiated.reward {
                    Some(r) => { (r.total) " of a possible " (r.pot) "." }
                    None => { "not assessed yet; it is assessed once every reward-bearing target has its final year's actual value." }
                }
            }
            h5 { "What each partner contributes" }
            @if a.negotiated.partners.is_empty() {
                p { "No partner has been named to deliver a target yet." }
            } @else {
                (partner_rows(&format!("{id}-partners"), &a.negotiated.partners, &a, catalogue))
            }
        }
        section.assessment-part.wider aria-labelledby=(format!("{id}-wider")) {
            h4 id=(format!("{id}-wider")) {
                span.caption { "Part 2" }
                "The rest of the National Indicator Set: the broader view"
            }
            p {
                "These are indicators the area reports although it agreed no target on them. They are not the area's agreed priorities: "
                "they are shown to keep minimum standards in view, against the other " (group) " (the median of those reporting the same year, and where the area stands among them)."
            }
            @if a.wider.is_empty() {
                p { "The area has not reported an indicator outside its negotiated targets yet." }
            } @else {
                @let caption = format!("{id}-wider-table");
                div.table-wrap role="region" aria-labelledby=(caption) tabindex="0" {
                    table {
                        caption id=(caption) { "Indicators without a target, against the other " (group) }
                        thead { tr {
                            th scope="col" { "Indicator" }
                            th scope="col" { "Which way is better" }
                            th scope="col" { "Year" }
                            th.num scope="col" { "The area" }
                            th.num scope="col" { "Median of similar areas" }
                            th scope="col" { "Position" }
                        } }
                        tbody {
                            @for c in &a.wider {
                                tr {
                                    th scope="row" {
                                        a href=(format!("/indicators/{}", c.indicator.get())) { (c.title) }
                                        " " span.secondary { (title_of(&IndicatorRef::National(c.indicator), catalogue).1) }
                                    }
                                    td { (Polarity::from(c.polarity).words()) }
                                    td { (c.year.to_string()) }
                                    td.num { (with_unit(c.value, c.unit)) }
                                    td.num {
                                        @match c.group_median {
                                            Some(m) => { (with_unit(m.round_dp(2), c.unit)) }
                                            None => { "" }
                                        }
                                    }
                                    td {
                                        @match (c.position, c.quartile) {
                                            (Some(p), Some(q)) => { (p) " of " (c.group_size) ", quarter " (q) " of 4" }
                                            _ => { span.secondary { (c.unplaced_because.as_deref().unwrap_or("")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
