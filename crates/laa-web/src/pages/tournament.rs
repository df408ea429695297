//! An indicator's tournament on its page (recommendation 14): the areas
//! with a target on it ranked by value added, their improvement against the
//! median of similar areas, with any explanation they lodged. The ranking is
//! the core's (`laa_core::performance::tournament`), over the public
//! agreements only.

use std::collections::BTreeMap;

use laa_core::performance::{Entrant, Similarity, TournamentPolicy, entrant, tournament};
use laa_core::{Catalogue, IndicatorNumber, Money, Polarity};
use maud::{Markup, html};

use crate::model::Snapshot;

fn similar_words(similar_by: Similarity) -> &'static str {
    match similar_by {
        Similarity::AreaKind => {
            "areas of the same kind (county, unitary, metropolitan district, London borough)"
        }
        Similarity::Region => "areas in the same region",
    }
}

/// The tournament tables of `number`, one per round with areas in it.
pub fn section(snapshot: &Snapshot, catalogue: &Catalogue, number: IndicatorNumber) -> Markup {
    let Some(indicator) = catalogue.indicator(number) else {
        return html! {};
    };
    // Per round: its tournament policy, the polarity its entrants' bound
    // set gives the indicator, and the entrants.
    let mut rounds: BTreeMap<String, (TournamentPolicy, Polarity, Vec<Entrant>)> = BTreeMap::new();
    let mut explanations = BTreeMap::new();
    for p in &snapshot.published {
        let agreement = &p.record.agreement;
        let Some(policy) = agreement.policy() else {
            continue;
        };
        let kind = snapshot
            .area(p.area.as_str())
            .map_or("", |a| a.kind.as_str());
        if let Some(e) = entrant(agreement, number, kind) {
            if let Some(text) = agreement.explanations.get(&number) {
                explanations.insert(p.id.clone(), text.clone());
            }
            let polarity = agreement
                .measure(catalogue, number)
                .map_or(indicator.polarity, |i| i.polarity);
            rounds
                .entry(p.round().to_owned())
                .or_insert_with(|| (policy.tournament.clone(), polarity, Vec::new()))
                .2
                .push(e);
        }
    }
    html! {
        h2 { "How the areas compare" }
        @if rounds.is_empty() {
            p { "No area with a signed-off target on this indicator has recorded an actual value yet, so there is no ranking." }
        }
        @for (round, (policy, polarity, entrants)) in rounds {
            @let standings = tournament(polarity, entrants, &policy);
            p {
                "Each area's improvement is the change from its baseline to its latest actual value, in the better direction, as a share of the baseline. "
                "Its value added is that improvement less the median improvement of " (similar_words(policy.similar_by)) ". "
                "A group of fewer than " (policy.min_group) " similar areas is not ranked. "
                @if policy.prize > Money::ZERO {
                    "The top quarter of the ranked areas each earn " (policy.prize) "."
                }
            }
            @let ranked = format!("tournament-{round}");
            div.table-wrap role="region" aria-labelledby=(ranked) tabindex="0" {
                table {
                    caption id=(ranked) { "NI " (number.get()) ", round " (round) ": areas ranked by value added (best first)" }
                    thead { tr {
                        th scope="col" { "Rank" }
                        th scope="col" { "Area" }
                        th.num scope="col" { "Improvement" }
                        th.num scope="col" { "Value added" }
                        th scope="col" { "Explanation from the area" }
                    } }
                    tbody {
                        @for s in &standings {
                            tr {
                                td {
                                    @match s.rank {
                                        Some(rank) => { (rank) @if s.top_quartile { " (top quarter)" } }
                                        None => { span.secondary { "Not ranked" } }
                                    }
                                }
                                th scope="row" {
                                    a href=(snapshot.area_path(&s.entrant.area)) {
                                        (snapshot.area(s.entrant.area.as_str()).map_or(s.entrant.area.as_str(), |a| a.name.as_str()))
                                    }
                                }
                                td.num {
                                    @match s.improvement_percent {
                                        Some(v) => { (v.round_dp(1).normalize()) "%" }
                                        None => { "" }
                                    }
                                }
                                td.num {
                                    @match s.value_added {
                                        Some(v) => { (v.round_dp(1).normalize()) " points" }
                                        None => { span.secondary { (s.unranked_because.as_deref().unwrap_or("")) } }
                                    }
                                }
                                td { (explanations.get(&s.entrant.agreement).map_or("", String::as_str)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
