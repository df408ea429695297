//! National targets built bottom-up (recommendation 15): a department's
//! proposed national target recorded on the round's stream, and the
//! national trajectory the signed-off local targets imply
//! (`laa_core::national`, where every rule of it lives). This file
//! gathers the question (the round's agreements as last signed off, every
//! area's population, the standing proposal) and renders the answer.

use laa_core::authorise::{authorise_national_target, authorise_tournament};
use laa_core::decimal::written;
use laa_core::national::{
    NationalProposal, NationalTrajectory, national_trajectory, trajectory_input,
};
use laa_core::publication::{is_signed_off, publish};
use laa_core::round::{Round, RoundCommand};
use laa_core::{Agreement, IndicatorNumber, Polarity, RoundName, StreamId, Unit};
use laa_proto::v1 as pb;
use laa_store::AgreementFilter;
use rust_decimal::Decimal;
use std::sync::Arc;

use crate::Engine;
use crate::convert;
use crate::error::ApiError;

/// A decimal exactly as written (`"7.6"`), refused when it is not one.
fn decimal(field: &str, text: &str) -> Result<Decimal, ApiError> {
    Decimal::from_str_exact(text.trim()).map_err(|_| {
        ApiError::bad_argument(
            field,
            format!(
                "{} is not a number such as 7.6{}",
                laa_core::quote(text),
                if text.trim().is_empty() {
                    " (the field is required)"
                } else {
                    ""
                }
            ),
        )
    })
}

/// `rounds/{round}` or the bare id (empty: 2008-11), as a round name.
fn round_named(field: &str, text: &str) -> Result<RoundName, ApiError> {
    let name = match crate::rounds::round_name(text) {
        "" => crate::agreements::DEFAULT_ROUND,
        other => other,
    };
    RoundName::new(name).map_err(|e| ApiError::bad_argument(field, e.problem))
}

/// The answer and what it was asked of.
pub struct Answer {
    /// The round.
    pub round: RoundName,
    /// The indicator.
    pub indicator: IndicatorNumber,
    /// Its unit in the round's set.
    pub unit: Unit,
    /// Its polarity in the round's set.
    pub polarity: Polarity,
    /// The proposal standing, if any.
    pub proposal: Option<NationalProposal>,
    /// The trajectory.
    pub trajectory: NationalTrajectory,
}

impl Engine {
    /// The national trajectory of `indicator` in `round`: its agreements
    /// as last signed off (the current state of one in force; the
    /// published record of one whose refresh is under way; none before
    /// its first sign-off), every area with its population, and the
    /// floor asked for or the standing proposal's.
    pub async fn national_trajectory(
        &self,
        round: &RoundName,
        indicator: IndicatorNumber,
        floor: Option<Decimal>,
    ) -> Result<Answer, ApiError> {
        let record =
            self.queries
                .round(round.as_str())
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    what: "round",
                    key: round.to_string(),
                })?;
        let catalogue = self.queries.catalogue();
        let measure = catalogue
            .indicator_in(record.indicator_set, indicator)
            .or_else(|| catalogue.indicator(indicator))
            .ok_or(ApiError::from(laa_core::DomainError::IndicatorUnknown {
                indicator,
            }))?;
        let (unit, polarity) = (measure.unit, measure.polarity);
        let proposal = self
            .queries
            .round_state(round)
            .await?
            .national_targets
            .get(&indicator)
            .cloned();
        let areas: Vec<_> = self
            .queries
            .all_areas()
            .await?
            .into_iter()
            .map(|a| (a.code, a.population.map(|p| p.count)))
            .collect();
        let mut signed_off: Vec<Arc<Agreement>> = Vec::new();
        let mut after = None;
        loop {
            let (rows, next) = self
                .queries
                .list_agreements(AgreementFilter::default(), 200, after)
                .await?;
            for row in rows {
                let state = &row.agreement;
                if state.policy().is_none_or(|p| p.name != round.as_str()) {
                    continue;
                }
                if is_signed_off(state.status) {
                    signed_off.push(state.clone());
                } else if state.first_signed_off_at.is_some() {
                    let events = self.queries.events(&state.id, 1, state.version).await?;
                    if let Some(public) = publish(state.id.clone(), events.iter().map(|e| &e.event))
                    {
                        signed_off.push(Arc::new(public.agreement));
                    }
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let input = trajectory_input(
            signed_off.iter().map(|a| &**a),
            &areas,
            indicator,
            unit,
            polarity,
            record.policy.period.years().collect(),
            floor,
            proposal.clone(),
        );
        Ok(Answer {
            round: round.clone(),
            indicator,
            unit,
            polarity,
            proposal,
            trajectory: national_trajectory(&input),
        })
    }
}

/// The answer on the wire.
pub fn trajectory_to_pb(a: &Answer) -> pb::NationalTrajectory {
    let t = &a.trajectory;
    let optional = |d: Option<Decimal>| d.map(written).unwrap_or_default();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let people = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    pb::NationalTrajectory {
        round: a.round.to_string(),
        indicator_number: i32::from(a.indicator.get()),
        unit: a.unit.as_str().into(),
        polarity: a.polarity.as_str().into(),
        aggregation: t.aggregation.as_str().into(),
        floor: optional(t.floor),
        areas_with_target: count(t.areas_with_target),
        areas_without_target: count(t.areas_without_target),
        population_with_target: people(t.population_with_target),
        population_without_target: people(t.population_without_target),
        areas_without_population: t
            .areas_without_population
            .iter()
            .map(ToString::to_string)
            .collect(),
        rows: t
            .rows
            .iter()
            .map(|r| pb::NationalTrajectoryRow {
                year: r.year.map(|y| y.to_string()).unwrap_or_default(),
                local: optional(r.local),
                national: optional(r.national),
                areas_with_value: count(r.areas_with_value),
                areas_at_floor: count(r.areas_at_floor),
            })
            .collect(),
        proposal: a.proposal.as_ref().map(|p| pb::NationalTargetProposal {
            department: p.department.to_string(),
            year: p.year.to_string(),
            value: written(p.value),
            floor: written(p.floor),
            rationale: p.rationale.clone(),
        }),
        gap: t.gap.as_ref().map(|g| pb::NationalTargetGap {
            year: g.year.to_string(),
            proposed: written(g.proposed),
            implied: written(g.implied),
            difference: written(g.difference),
            more_demanding: g.more_demanding,
        }),
    }
}

/// `GetNationalTrajectory`: every signed-in role but administrators (a
/// national target, like a league table, is published).
pub async fn get_national_trajectory(
    engine: &Engine,
    actor: &laa_core::Actor,
    r: pb::GetNationalTrajectoryRequest,
) -> Result<pb::NationalTrajectory, ApiError> {
    authorise_tournament(actor)?;
    let round = round_named("round", &r.round)?;
    let indicator = convert::indicator_number("indicator_number", r.indicator_number)?;
    let floor = match r.floor.trim() {
        "" => None,
        text => Some(decimal("floor", text)?),
    };
    let answer = engine.national_trajectory(&round, indicator, floor).await?;
    Ok(trajectory_to_pb(&answer))
}

/// `ProposeNationalTarget`: the round named (a write names it), parsed, then the one command path on the
/// round's stream.
pub async fn propose_national_target(
    engine: &Engine,
    actor: &laa_core::Actor,
    r: pb::ProposeNationalTargetRequest,
) -> Result<pb::NationalTrajectory, ApiError> {
    authorise_national_target(actor)?;
    let request_id = convert::request_id(&r.request_id)?;
    if r.round.trim().is_empty() {
        return Err(ApiError::bad_argument("round", "the round is required"));
    }
    let round = round_named("round", &r.round)?;
    let indicator = convert::indicator_number("indicator_number", r.indicator_number)?;
    let department = convert::department_in("department", &r.department)?
        .ok_or_else(|| ApiError::bad_argument("department", "the department is required"))?;
    let year = convert::year("year", &r.year)?;
    let value = decimal("value", &r.value)?;
    let floor = decimal("floor", &r.floor)?;
    if engine.queries.round(round.as_str()).await?.is_none() {
        return Err(ApiError::NotFound {
            what: "round",
            key: round.to_string(),
        });
    }
    engine
        .execute::<Round>(
            &StreamId::Round(round.clone()),
            actor,
            request_id,
            None,
            RoundCommand::ProposeNationalTarget {
                indicator,
                department,
                year,
                value,
                floor,
                rationale: r.rationale,
            },
            None,
        )
        .await?;
    tracing::info!(round = %round, indicator = %indicator, principal = %actor.principal, "national target proposed");
    let answer = engine.national_trajectory(&round, indicator, None).await?;
    Ok(trajectory_to_pb(&answer))
}
