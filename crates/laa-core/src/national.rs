//! National targets built bottom-up (recommendation 15, DOMAIN.md 9).
//!
//! The report asks Government to "base national targets on an aggregate"
//! of the local targets, "with some base level of performance expected ...
//! of areas not prioritising the indicator through the LAA". For one
//! indicator in one round, [`national_trajectory`] aggregates the
//! signed-off local targets into the national figure they imply, year by
//! year, with every area without a target counted at a stated floor (that
//! base level), and sets it beside the national target a department
//! proposed (the gap).
//!
//! How local figures add up depends on the indicator's unit
//! ([`Aggregation::of`]): a count is summed (the homes each area builds add
//! up to the homes England builds); every other unit is a level or an
//! average per person, household or case (a percentage, a rate, NI 186's
//! tonnes of CO2 per head, NI 191's kilograms per household), so the
//! national figure is the mean of the areas' figures weighted by their
//! population.
//!
//! Every figure is an exact decimal; a weighted mean is rounded to two
//! decimal places (half away from zero) once, at the end.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::agreement::{Agreement, IndicatorRef, TargetKind};
use crate::ids::{AreaCode, Department, FinancialYear, IndicatorNumber};
use crate::polarity::Polarity;
use crate::terms::{Terms, Unit, YearValue};

/// The decimal places a population-weighted national figure is given to.
pub const WEIGHTED_PLACES: u32 = 2;

/// How areas' figures make a national one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The mean of the areas' figures, each weighted by its population.
    PopulationWeighted,
    /// The sum of the areas' figures (a count).
    Summed,
}

impl Aggregation {
    /// How figures in `unit` add up: a count is summed, every other unit
    /// (a level or an average per person, household or case) weighted by
    /// population.
    pub fn of(unit: Unit) -> Self {
        match unit {
            Unit::Count => Aggregation::Summed,
            _ => Aggregation::PopulationWeighted,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::PopulationWeighted => "population_weighted",
            Aggregation::Summed => "summed",
        }
    }
}

/// One area's signed-off target on the indicator: its baseline and the
/// value it agreed for each year (`None` for a year deferred to a refresh,
/// or every year of a placeholder: nothing is promised for it yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTarget {
    /// The area.
    pub area: AreaCode,
    /// Its population, if recorded.
    pub population: Option<u64>,
    /// Its baseline, when the target has values.
    pub baseline: Option<Decimal>,
    /// The value agreed for each year of the round's period.
    pub years: BTreeMap<FinancialYear, Option<Decimal>>,
}

/// An area with no signed-off target on the indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaWithout {
    /// The area.
    pub area: AreaCode,
    /// Its population, if recorded.
    pub population: Option<u64>,
}

/// A department's proposed national target for an indicator in a round,
/// as the round records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalProposal {
    /// The indicator.
    pub indicator: IndicatorNumber,
    /// The department proposing it.
    pub department: Department,
    /// The year it is a target for (one of the round's years).
    pub year: FinancialYear,
    /// The national value proposed for that year, in the indicator's unit.
    #[serde(with = "crate::decimal::serde_written")]
    pub value: Decimal,
    /// The base level expected of every area without a local target on
    /// the indicator, in its unit (per area, for a count).
    #[serde(with = "crate::decimal::serde_written")]
    pub floor: Decimal,
    /// Why: the department's argument.
    pub rationale: String,
}

/// The question: an indicator's local targets and the areas without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrajectoryInput {
    /// The indicator's unit.
    pub unit: Unit,
    /// Its polarity: which way the gap is more demanding.
    pub polarity: Polarity,
    /// The round's years, in order.
    pub years: Vec<FinancialYear>,
    /// Every signed-off local target on it.
    pub targets: Vec<LocalTarget>,
    /// Every other area.
    pub without: Vec<AreaWithout>,
    /// The base level each area without a target is counted at; `None`
    /// when none is stated (the figures then cover the areas with a
    /// target alone, and no national figure is given).
    pub floor: Option<Decimal>,
    /// The national target proposed, if any.
    pub proposal: Option<NationalProposal>,
}

/// One row of the trajectory: the baseline, or a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrajectoryRow {
    /// The year; `None` for the baseline row.
    pub year: Option<FinancialYear>,
    /// The aggregate of the local targets alone (the areas with a value
    /// for this row).
    pub local: Option<Decimal>,
    /// The national figure: the local targets and every other area at
    /// the floor (`None` without a floor).
    pub national: Option<Decimal>,
    /// The areas whose target gives a value for this row.
    pub areas_with_value: usize,
    /// The areas counted at the floor for this row: those without a
    /// target, and those whose target promises nothing for it yet.
    pub areas_at_floor: usize,
}

/// The national target proposed beside what the local targets imply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The year the proposal is for.
    pub year: FinancialYear,
    /// The value proposed.
    pub proposed: Decimal,
    /// The national figure the local targets and the floor imply for it.
    pub implied: Decimal,
    /// `proposed - implied`.
    pub difference: Decimal,
    /// True when the proposal asks for better than the bottom-up figure
    /// (by the indicator's polarity): national ambition the local targets
    /// do not carry.
    pub more_demanding: bool,
}

/// The answer: the bottom-up national trajectory and its gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NationalTrajectory {
    /// How the areas' figures were added up.
    pub aggregation: Aggregation,
    /// The floor used, if any.
    pub floor: Option<Decimal>,
    /// How many areas have a signed-off target on the indicator.
    pub areas_with_target: usize,
    /// How many have none.
    pub areas_without_target: usize,
    /// The population of the areas with a target.
    pub population_with_target: u64,
    /// The population of the areas without one.
    pub population_without_target: u64,
    /// Areas left out of a population-weighted figure because their
    /// population is not recorded, in code order.
    pub areas_without_population: Vec<AreaCode>,
    /// The baseline row, then one row per year.
    pub rows: Vec<TrajectoryRow>,
    /// The proposal beside the implied figure, when there is a proposal
    /// and a national figure for its year.
    pub gap: Option<Gap>,
}

impl NationalTrajectory {
    /// The row of `year`.
    pub fn year(&self, year: FinancialYear) -> Option<&TrajectoryRow> {
        self.rows.iter().find(|r| r.year == Some(year))
    }
}

/// An area's signed-off target on `indicator`, from the agreement as last
/// signed off (see [`crate::publication`]): its live National Indicator
/// target with agreed terms. A placeholder is a target with no values
/// yet. `None` when the area has no such target.
pub fn signed_off_target(
    signed_off: &Agreement,
    indicator: IndicatorNumber,
    population: Option<u64>,
) -> Option<LocalTarget> {
    let opening = signed_off.opening.as_ref()?;
    let target = signed_off.live_target_on(&IndicatorRef::National(indicator))?;
    if target.kind == TargetKind::Local {
        return None;
    }
    let agreed = target.agreed.as_ref()?;
    let years = opening
        .policy
        .period
        .years()
        .map(|y| {
            let value = match agreed {
                Terms::Values(v) => match v.trajectory.get(&y) {
                    Some(YearValue::Value(d)) => Some(*d),
                    _ => None,
                },
                Terms::Placeholder { .. } => None,
            };
            (y, value)
        })
        .collect();
    Some(LocalTarget {
        area: opening.area.clone(),
        population,
        baseline: match agreed {
            Terms::Values(v) => Some(v.baseline.value),
            Terms::Placeholder { .. } => None,
        },
        years,
    })
}

/// The question for `indicator` from the round's agreements as last
/// signed off (never signed off: not given) and every area with its
/// population: each area with a signed-off target on it is a
/// [`LocalTarget`], every other area an [`AreaWithout`]. The floor is the
/// one asked for, else the proposal's.
#[allow(clippy::too_many_arguments)]
pub fn trajectory_input<'a>(
    signed_off: impl IntoIterator<Item = &'a Agreement>,
    areas: &[(AreaCode, Option<u64>)],
    indicator: IndicatorNumber,
    unit: Unit,
    polarity: Polarity,
    years: Vec<FinancialYear>,
    floor: Option<Decimal>,
    proposal: Option<NationalProposal>,
) -> TrajectoryInput {
    let population: BTreeMap<&AreaCode, Option<u64>> =
        areas.iter().map(|(code, p)| (code, *p)).collect();
    let mut targets: Vec<LocalTarget> = signed_off
        .into_iter()
        .filter_map(|a| {
            let area = &a.opening.as_ref()?.area;
            signed_off_target(a, indicator, population.get(area).copied().flatten())
        })
        .collect();
    targets.sort_by(|a, b| a.area.cmp(&b.area));
    targets.dedup_by(|a, b| a.area == b.area);
    let without = areas
        .iter()
        .filter(|(code, _)| !targets.iter().any(|t| t.area == *code))
        .map(|(code, population)| AreaWithout {
            area: code.clone(),
            population: *population,
        })
        .collect();
    TrajectoryInput {
        unit,
        polarity,
        years,
        targets,
        without,
        floor: floor.or(proposal.as_ref().map(|p| p.floor)),
        proposal,
    }
}

/// Running totals for one row.
#[derive(Default)]
struct Totals {
    /// Σ value (summed) or Σ population × value (weighted), local targets.
    local: Decimal,
    /// Σ 1 (summed) or Σ population (weighted), local targets.
    local_weight: Decimal,
    /// The same over the areas at the floor.
    floor_weight: Decimal,
    with_value: usize,
    at_floor: usize,
}

/// The bottom-up national trajectory (recommendation 15).
///
/// Each row (the baseline, then each year) adds up the local targets'
/// values for it and counts every other area at the floor: the areas
/// without a target, and those whose target promises nothing for that
/// row yet (a deferred year, a placeholder). Summed for a count
/// (`Σ values + floor × areas at the floor`); otherwise the
/// population-weighted mean (`(Σ population × value + floor × population
/// at the floor) / total population`), leaving out any area whose
/// population is not recorded.
pub fn national_trajectory(input: &TrajectoryInput) -> NationalTrajectory {
    let aggregation = Aggregation::of(input.unit);
    let weighted = aggregation == Aggregation::PopulationWeighted;
    // An area's weight in a row: 1 when summed, its population when
    // weighted (none when its population is unknown: it is left out).
    let weight = |population: Option<u64>| -> Option<Decimal> {
        if weighted {
            population.map(Decimal::from)
        } else {
            Some(Decimal::ONE)
        }
    };
    let mut unweighted: Vec<AreaCode> = Vec::new();
    if weighted {
        unweighted.extend(
            input
                .targets
                .iter()
                .filter(|t| t.population.is_none())
                .map(|t| t.area.clone()),
        );
        unweighted.extend(
            input
                .without
                .iter()
                .filter(|a| a.population.is_none())
                .map(|a| a.area.clone()),
        );
        unweighted.sort();
    }
    let row = |year: Option<FinancialYear>| -> TrajectoryRow {
        let mut t = Totals::default();
        for target in &input.targets {
            let value = match year {
                None => target.baseline,
                Some(y) => target.years.get(&y).copied().flatten(),
            };
            let Some(w) = weight(target.population) else {
                continue;
            };
            match value {
                Some(v) => {
                    t.local += w * v;
                    t.local_weight += w;
                    t.with_value += 1;
                }
                None => {
                    t.floor_weight += w;
                    t.at_floor += 1;
                }
            }
        }
        for area in &input.without {
            if let Some(w) = weight(area.population) {
                t.floor_weight += w;
                t.at_floor += 1;
            }
        }
        let finish = |total: Decimal, weight: Decimal| -> Option<Decimal> {
            if weighted {
                (!weight.is_zero()).then(|| {
                    (total / weight).round_dp_with_strategy(
                        WEIGHTED_PLACES,
                        RoundingStrategy::MidpointAwayFromZero,
                    )
                })
            } else {
                Some(total.normalize())
            }
        };
        let local = (t.with_value > 0)
            .then(|| finish(t.local, t.local_weight))
            .flatten();
        let national = input.floor.and_then(|floor| {
            finish(
                t.local + floor * t.floor_weight,
                t.local_weight + t.floor_weight,
            )
        });
        TrajectoryRow {
            year,
            local,
            national,
            areas_with_value: t.with_value,
            areas_at_floor: t.at_floor,
        }
    };
    let rows: Vec<TrajectoryRow> = std::iter::once(None)
        .chain(input.years.iter().copied().map(Some))
        .map(row)
        .collect();
    let gap = input.proposal.as_ref().and_then(|p| {
        let implied = rows
            .iter()
            .find(|r| r.year == Some(p.year))
            .and_then(|r| r.national)?;
        Some(Gap {
            year: p.year,
            proposed: p.value,
            implied,
            difference: (p.value - implied).normalize(),
            more_demanding: input.polarity.gain(implied, p.value) > Decimal::ZERO,
        })
    });
    let population = |p: &[Option<u64>]| p.iter().flatten().sum::<u64>();
    NationalTrajectory {
        aggregation,
        floor: input.floor,
        areas_with_target: input.targets.len(),
        areas_without_target: input.without.len(),
        population_with_target: population(
            &input
                .targets
                .iter()
                .map(|t| t.population)
                .collect::<Vec<_>>(),
        ),
        population_without_target: population(
            &input
                .without
                .iter()
                .map(|a| a.population)
                .collect::<Vec<_>>(),
        ),
        areas_without_population: unweighted,
        rows,
        gap,
    }
}
