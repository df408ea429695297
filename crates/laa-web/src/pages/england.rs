//! The England page: the nine regions and their areas, each with its
//! targets and the share on track, off track, met, missed or without data.

use laa_core::Region;
use maud::{Markup, html};

use crate::facts::Verdict;
use crate::model::{Snapshot, Tally};
use crate::names::region_name;
use crate::pages::layout::page;

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

/// The England page.
pub fn england(snapshot: &Snapshot) -> Markup {
    let mut national = Tally::default();
    for p in &snapshot.published {
        national.merge(p.tally());
    }
    let signed = snapshot
        .areas
        .iter()
        .filter(|a| snapshot.of_area(&a.code).next().is_some())
        .count();
    // The years the published agreements cover: one round's, or every
    // round's since the first.
    let periods = snapshot
        .published
        .iter()
        .filter_map(|p| p.record.agreement.policy())
        .map(|policy| {
            (
                policy.period.first().start(),
                policy.period.last().start() + 1,
            )
        });
    let (from, to) = periods
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
        .unwrap_or((2008, 2011));
    page(
        "Local Area Agreements in England",
        &[],
        snapshot.as_of(),
        html! {
            h1 { "Local Area Agreements in England" }
            p.lead {
                "Each of England's " (snapshot.areas.len()) " upper-tier areas agreed with government "
                "a set of targets for improving local services from " (from) " to " (to) ". "
                "This service shows what each area agreed and how it is doing, area by area."
            }
            p {
                (signed) " of " (snapshot.areas.len()) " areas have a signed-off agreement published here, with "
                (national.total()) " targets in all. Agreements still being negotiated are not shown."
            }
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
                                        @if p.round() != "2008-11" { " " span.secondary { (p.round()) } }
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
