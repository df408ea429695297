//! An indicator's national target built bottom-up, on its page
//! (recommendation 15): per round, the national trajectory the public
//! (signed-off) local targets imply, with every other area at the floor a
//! department stated, beside the national target it proposed. The working
//! is the core's (`laa_core::national`), over the public agreements only.

use laa_core::national::{
    Aggregation, NationalProposal, NationalTrajectory, national_trajectory, trajectory_input,
};
use laa_core::{Catalogue, IndicatorNumber, Unit};
use laa_store::RoundRecord;
use maud::{Markup, html};

use crate::facts::with_unit;
use crate::model::Snapshot;

/// One round's question: the round and the proposal standing in it.
#[derive(Debug, Clone)]
pub struct RoundProposal {
    /// The round.
    pub round: RoundRecord,
    /// The national target proposed for the indicator, if any.
    pub proposal: Option<NationalProposal>,
}

fn figure(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

fn trajectory(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    number: IndicatorNumber,
    r: &RoundProposal,
) -> Option<(NationalTrajectory, Unit)> {
    let measure = catalogue
        .indicator_in(r.round.indicator_set, number)
        .or_else(|| catalogue.indicator(number))?;
    let areas: Vec<_> = snapshot
        .areas
        .iter()
        .map(|a| (a.code.clone(), a.population.as_ref().map(|p| p.count)))
        .collect();
    let agreements = snapshot
        .published
        .iter()
        .filter(|p| p.round() == r.round.policy.name)
        .map(|p| &p.record.agreement);
    let input = trajectory_input(
        agreements,
        &areas,
        number,
        measure.unit,
        measure.polarity,
        r.round.policy.period.years().collect(),
        None,
        r.proposal.clone(),
    );
    Some((national_trajectory(&input), measure.unit))
}

/// A difference between two values: of percentages, in percentage points.
fn difference(d: rust_decimal::Decimal, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{} percentage points", d.normalize()),
        _ => with_unit(d, unit),
    }
}

/// "1 area has" or "3 areas have".
fn areas_have(n: usize) -> String {
    if n == 1 {
        "1 area has".into()
    } else {
        format!("{n} areas have")
    }
}

/// The section: one table per round where an area has a public target on
/// the indicator or a national target was proposed for it.
pub fn section(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    number: IndicatorNumber,
    rounds: &[RoundProposal],
) -> Markup {
    let shown: Vec<_> = rounds
        .iter()
        .filter_map(|r| Some((r, trajectory(snapshot, catalogue, number, r)?)))
        .filter(|(r, (t, _))| r.proposal.is_some() || t.areas_with_target > 0)
        .collect();
    html! {
        h2 { "A national target built from the local ones" }
        p {
            "The national figure the areas' signed-off targets add up to, with every area that has no target on this indicator counted at the base level a government department expects of it. "
        }
        @if shown.is_empty() {
            p { "No signed-off agreement carries a target on this indicator and no national target has been proposed for it." }
        }
        @for (r, (t, unit)) in &shown {
            @let id = format!("national-{}", r.round.policy.name);
            p {
                (areas_have(t.areas_with_target)) " a target on it and " (t.areas_without_target) " do not. "
                @match t.aggregation {
                    Aggregation::PopulationWeighted => { "Each area's figure counts in proportion to its population." }
                    Aggregation::Summed => { "The areas' figures are added together." }
                }
                @if let Some(floor) = t.floor {
                    " Areas without a target are counted at " (with_unit(floor, *unit)) "."
                } @else {
                    " No base level has been stated for the areas without a target, so only the areas' own targets are added up."
                }
            }
            div.table-wrap role="region" aria-labelledby=(id) tabindex="0" {
                table {
                    caption id=(id) { "NI " (number.get()) ", round " (r.round.policy.name) ": the national trajectory the local targets imply" }
                    thead { tr {
                        th scope="col" { "Year" }
                        th.num scope="col" { "Areas' targets alone" }
                        th.num scope="col" { "England, with the base level for the rest" }
                        th.num scope="col" { "Areas with a value" }
                    } }
                    tbody {
                        @for row in &t.rows {
                            tr {
                                th scope="row" { @match row.year { Some(y) => { (y) } None => { "Baseline" } } }
                                td.num { (figure(row.local)) }
                                td.num { (figure(row.national)) }
                                td.num { (row.areas_with_value) }
                            }
                        }
                    }
                }
            }
            @if let Some(p) = &r.proposal {
                p {
                    "Proposed national target (" (crate::names::department_name(&p.department)) "): " (with_unit(p.value, *unit)) " in " (p.year) ". " (p.rationale)
                }
            }
            @if let Some(g) = &t.gap {
                p {
                    "The local targets imply " (with_unit(g.implied, *unit)) " in " (g.year) ": the proposal is "
                    @if g.more_demanding { "more demanding than the local targets carry, by " } @else { "within what the local targets carry, by " }
                    (difference(g.difference.abs(), *unit)) "."
                }
            }
        }
    }
}
