//! An area's assessment in two parts (recommendation 2: the Comprehensive
//! Area Assessment should "strongly emphasise areas' performance against
//! indicators selected for LAAs rather than against the NIS as a whole",
//! and its public reporting "make a clear distinction" between the two).
//!
//! 1. **The negotiated targets** ([`Negotiated`]): every monitored target
//!    of the agreement with its status per year and overall, the partners
//!    named to deliver it and its place in the indicator's tournament; the
//!    reward grant as last assessed; and the targets grouped by partner, so
//!    each partner is "judged on their contribution".
//! 2. **The rest of the National Indicator Set** ([`Comparison`]): every
//!    indicator the area reported an actual on without a target on it,
//!    against its comparator group (the areas of the same kind: county,
//!    unitary, metropolitan, London borough), for the latest year the area
//!    reported: the group's median and the area's position and quartile,
//!    better judged by the indicator's polarity.
//!
//! A pure function of agreements and the catalogue ([`assess`]): the API,
//! the CLI and the citizens' pages (over the public agreements only) call
//! the same one.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{Agreement, IndicatorRef, TargetKind};
use crate::catalogue::Catalogue;
use crate::ids::{AgreementId, AreaCode, FinancialYear, IndicatorNumber, TargetId};
use crate::partners::{Partner, Partners, position};
use crate::performance::reward::RewardWorking;
use crate::performance::status::{Status, TargetPerformance, agreement_performance, is_monitored};
use crate::performance::tournament::{Standing, entrant, median, tournament};
use crate::polarity::Polarity;
use crate::terms::Unit;

/// One agreement among those an area is compared with, and its area's
/// kind (its comparator group).
#[derive(Debug, Clone, Copy)]
pub struct Comparator<'a> {
    /// The agreement (its actuals and targets).
    pub agreement: &'a Agreement,
    /// Its area's kind, one of [`crate::areas::AREA_KINDS`].
    pub kind: &'a str,
}

/// An area's assessment: its negotiated targets, then the rest of the set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The agreement assessed.
    pub agreement: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// The area's comparator group: its kind.
    pub group: String,
    /// Part 1: the targets negotiated in the agreement.
    pub negotiated: Negotiated,
    /// Part 2: the rest of the National Indicator Set, by indicator.
    pub wider: Vec<Comparison>,
}

/// Part 1 of an assessment: the negotiated targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Negotiated {
    /// Every monitored target (live, with agreed terms), by number.
    pub targets: Vec<AssessedTarget>,
    /// The reward grant as last assessed, if it has been.
    pub reward: Option<RewardWorking>,
    /// The targets grouped by partner, in the partners list's order: each
    /// partner named on at least one target.
    pub partners: Vec<Contribution>,
    /// The targets no partner has been named to deliver.
    pub unassigned: Vec<TargetId>,
}

/// One negotiated target in the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessedTarget {
    /// Its statuses per year and overall.
    pub performance: TargetPerformance,
    /// Who delivers it, if named.
    pub partners: Option<Partners>,
    /// The area's standing in the indicator's tournament, when it takes
    /// part (a National Indicator target with agreed values and an actual).
    pub standing: Option<Standing>,
}

/// One partner's contribution: the targets it leads and contributes to,
/// and how many of each stand at each overall status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    /// The partner.
    pub partner: Partner,
    /// The targets it leads.
    pub leads: Vec<TargetId>,
    /// The targets it contributes to.
    pub contributes: Vec<TargetId>,
    /// The targets it leads, counted by overall status.
    pub led: BTreeMap<Status, u32>,
    /// The targets it contributes to, counted by overall status.
    pub contributed: BTreeMap<Status, u32>,
}

/// One indicator of the rest of the set against the comparator group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The indicator.
    pub indicator: IndicatorNumber,
    /// Its title, as the agreement's bound set words it.
    pub title: String,
    /// Its unit.
    pub unit: Unit,
    /// Which way is better.
    pub polarity: Polarity,
    /// The latest year the area reported.
    pub year: FinancialYear,
    /// The area's actual for that year.
    #[serde(with = "crate::decimal::serde_written")]
    pub value: Decimal,
    /// How many areas of the group (the area included) reported the
    /// indicator for that year.
    pub group_size: usize,
    /// The group's median for that year, when the group is large enough.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub group_median: Option<Decimal>,
    /// The area's position in the group from 1 (the best; equal values
    /// share one), when the group is large enough.
    pub position: Option<u32>,
    /// The area's quartile in the group, 1 (the best quarter) to 4.
    pub quartile: Option<u8>,
    /// Why it is not placed, when it is not.
    pub unplaced_because: Option<String>,
}

/// The value `agreement` reported for `indicator` in `year`: its monitored
/// target's actual, else its actual on the indicator without a target.
pub fn reported(
    agreement: &Agreement,
    indicator: IndicatorNumber,
    year: FinancialYear,
) -> Option<Decimal> {
    agreement
        .live_target_on(&IndicatorRef::National(indicator))
        .filter(|t| is_monitored(t))
        .and_then(|t| t.actuals.get(&year))
        .or_else(|| {
            agreement
                .indicator_actuals
                .get(&indicator)
                .and_then(|years| years.get(&year))
        })
        .map(|a| a.value)
}

/// The two-part assessment of `area` (its agreement and kind) among
/// `comparators` (every agreement it may be compared with; those of
/// another round are left out, and `area` itself is counted once);
/// `None` for an agreement not yet opened.
pub fn assess(
    area: Comparator<'_>,
    comparators: &[Comparator<'_>],
    catalogue: &Catalogue,
) -> Option<Assessment> {
    let agreement = area.agreement;
    let code = agreement.opening.as_ref()?.area.clone();
    let round = agreement.policy().map(|p| p.name.as_str());
    let mut same_round: Vec<Comparator<'_>> = comparators
        .iter()
        .copied()
        .filter(|c| c.agreement.id != agreement.id)
        .filter(|c| c.agreement.policy().map(|p| p.name.as_str()) == round)
        .collect();
    same_round.push(area);
    let negotiated = negotiated(area, &same_round, catalogue);
    let wider = wider(area, &same_round, catalogue);
    Some(Assessment {
        agreement: agreement.id.clone(),
        area: code,
        group: area.kind.to_owned(),
        negotiated,
        wider,
    })
}

fn negotiated(
    area: Comparator<'_>,
    same_round: &[Comparator<'_>],
    catalogue: &Catalogue,
) -> Negotiated {
    let agreement = area.agreement;
    let policy = agreement
        .policy()
        .map(|p| p.tournament.clone())
        .unwrap_or_default();
    let targets: Vec<AssessedTarget> = agreement_performance(agreement, catalogue)
        .into_iter()
        .map(|performance| {
            let standing = match (&performance.indicator, performance.kind) {
                (IndicatorRef::National(n), TargetKind::Statutory | TargetKind::Designated) => {
                    entrant(agreement, *n, area.kind).and_then(|_| {
                        let entrants = same_round
                            .iter()
                            .filter_map(|c| entrant(c.agreement, *n, c.kind))
                            .collect();
                        tournament(performance.polarity, entrants, &policy)
                            .into_iter()
                            .find(|s| s.entrant.agreement == agreement.id)
                    })
                }
                _ => None,
            };
            AssessedTarget {
                partners: agreement.partners.get(&performance.target).cloned(),
                performance,
                standing,
            }
        })
        .collect();
    let mut partners: BTreeMap<(usize, Partner), Contribution> = BTreeMap::new();
    let mut unassigned = Vec::new();
    for t in &targets {
        let Some(named) = &t.partners else {
            unassigned.push(t.performance.target);
            continue;
        };
        let status = t.performance.overall;
        let id = t.performance.target;
        let roles = std::iter::once((&named.lead, true))
            .chain(named.contributors.iter().map(|p| (p, false)));
        for (partner, leads) in roles {
            let c = partners
                .entry((position(partner), partner.clone()))
                .or_insert_with(|| Contribution {
                    partner: partner.clone(),
                    leads: Vec::new(),
                    contributes: Vec::new(),
                    led: BTreeMap::new(),
                    contributed: BTreeMap::new(),
                });
            if leads {
                c.leads.push(id);
                *c.led.entry(status).or_default() += 1;
            } else {
                c.contributes.push(id);
                *c.contributed.entry(status).or_default() += 1;
            }
        }
    }
    Negotiated {
        targets,
        reward: agreement.reward.clone(),
        partners: partners.into_values().collect(),
        unassigned,
    }
}

fn wider(
    area: Comparator<'_>,
    same_round: &[Comparator<'_>],
    catalogue: &Catalogue,
) -> Vec<Comparison> {
    let agreement = area.agreement;
    let min_group = agreement
        .policy()
        .map_or(5, |p| usize::from(p.tournament.min_group));
    let mut out = Vec::new();
    for (&number, years) in &agreement.indicator_actuals {
        // An indicator that became a target since (a refresh) is judged
        // in part 1, on its target.
        if agreement
            .live_target_on(&IndicatorRef::National(number))
            .is_some_and(is_monitored)
        {
            continue;
        }
        let (Some(measure), Some((&year, actual))) = (
            agreement.measure(catalogue, number),
            years.iter().next_back(),
        ) else {
            continue;
        };
        let polarity = measure.polarity;
        let group: Vec<Decimal> = same_round
            .iter()
            .filter(|c| c.kind == area.kind)
            .filter_map(|c| reported(c.agreement, number, year))
            .collect();
        let mut comparison = Comparison {
            indicator: number,
            title: measure.title.clone(),
            unit: measure.unit,
            polarity,
            year,
            value: actual.value,
            group_size: group.len(),
            group_median: None,
            position: None,
            quartile: None,
            unplaced_because: None,
        };
        if group.len() < min_group {
            comparison.unplaced_because = Some(format!(
                "fewer than {min_group} areas of its kind ({}) reported NI {} for {year}",
                area.kind,
                number.get()
            ));
        } else {
            let better = group
                .iter()
                .filter(|v| !polarity.at_least_as_good(actual.value, **v))
                .count();
            let place = better + 1;
            comparison.group_median = median(group.clone());
            comparison.position = u32::try_from(place).ok();
            comparison.quartile = u8::try_from((place * 4).div_ceil(group.len()).clamp(1, 4)).ok();
        }
        out.push(comparison);
    }
    out
}
