//! `RoundService`: negotiating rounds and their policy, as data.

use chrono::NaiveDate;
use laa_core::authorise::authorise_administration;
use laa_core::decimal::written;
use laa_core::money::Money;
use laa_core::performance::{Similarity, TournamentPolicy};
use laa_core::policy::{DEFAULT_BACKDATING_DAYS, Period, RefreshRound, RewardPolicy};
use laa_core::round::{Round, RoundCommand};
use laa_core::{DomainError, IndicatorNumber, RoundName, RoundPolicy, StreamId};
use laa_proto::v1 as pb;
use laa_store::RoundRecord;
use rust_decimal::Decimal;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert;
use crate::error::ApiError;

/// A round to the wire.
pub fn round_to_pb(r: &RoundRecord) -> pb::Round {
    let p = &r.policy;
    pb::Round {
        name: format!("rounds/{}", p.name),
        round: p.name.clone(),
        indicator_set: i32::from(r.indicator_set.get()),
        designated_cap: i32::from(p.designated_cap),
        statutory_indicators: p
            .statutory_indicators
            .iter()
            .map(|n| i32::from(n.get()))
            .collect(),
        years: p.period.years().map(|y| y.to_string()).collect(),
        refreshes: p
            .refresh_rounds
            .iter()
            .map(|r| pb::RefreshDeadline {
                refresh: r.id.to_string(),
                deadline: r.deadline.to_string(),
            })
            .collect(),
        late_demand_cutoff: p
            .late_demand_cutoff
            .map(|d| d.to_string())
            .unwrap_or_default(),
        max_whitehall_priorities: p.max_whitehall_priorities.map(i32::from),
        max_government_targets: p.max_government_targets.map(i32::from),
        reward_per_target: written(p.reward.per_target.amount()),
        reward_floor_percent: written(p.reward.floor_percent),
        reward_full_percent: written(p.reward.full_percent),
        reward_multiplier: written(p.reward.multiplier),
        reward_bearing: p.reward.bearing.as_str().into(),
        max_backdating_days: i32::from(p.max_backdating_days),
        create_time: Some(convert::timestamp(r.created_at)),
        tournament_similar_by: p.tournament.similar_by.as_str().into(),
        tournament_min_group: i32::from(p.tournament.min_group),
        tournament_prize: written(p.tournament.prize.amount()),
        rebaseline_needs_ministers: p.rebaseline_needs_ministers,
    }
}

fn date(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::bad_argument(
            field,
            format!("{} is not a date such as 2011-12-01", laa_core::quote(text)),
        )
    })
}

fn decimal(field: &str, text: &str) -> Result<Decimal, ApiError> {
    // An example of the field's own kind: a percentage, a multiplier or pounds.
    let example = if field.ends_with("_percent") {
        "60"
    } else if field.ends_with("_multiplier") {
        "2"
    } else {
        "40000"
    };
    // Exactly as written: a decimal too long to hold is refused, not rounded.
    Decimal::from_str_exact(text.trim()).map_err(|_| {
        ApiError::bad_argument(
            field,
            format!(
                "{} is not a number such as {example}{}",
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

fn small(field: &str, n: i32) -> Result<u16, ApiError> {
    u16::try_from(n)
        .map_err(|_| ApiError::bad_argument(field, format!("{n} is out of range (0 to 65535)")))
}

/// A round's policy from the wire, each field parsed; the policy as a whole
/// is checked by the store against its indicator set.
pub fn round_from_pb(r: &pb::Round) -> Result<RoundPolicy, ApiError> {
    let statutory_indicators = r
        .statutory_indicators
        .iter()
        .map(|n| {
            u16::try_from(*n)
                .map_err(|_| ())
                .and_then(|n| IndicatorNumber::new(n).map_err(|_| ()))
                .map_err(|()| {
                    ApiError::bad_argument(
                        "round.statutory_indicators",
                        format!("{n} is not an indicator number"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let years = r
        .years
        .iter()
        .map(|y| convert::year("round.years", y))
        .collect::<Result<Vec<_>, _>>()?;
    let period =
        Period::from_years(&years).map_err(|e| ApiError::bad_argument("round.years", e.problem))?;
    let refresh_rounds = r
        .refreshes
        .iter()
        .map(|f| {
            Ok(RefreshRound {
                id: convert::refresh("round.refreshes.refresh", &f.refresh)?,
                deadline: date("round.refreshes.deadline", &f.deadline)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let late_demand_cutoff = if r.late_demand_cutoff.trim().is_empty() {
        None
    } else {
        Some(date("round.late_demand_cutoff", &r.late_demand_cutoff)?)
    };
    let per_target = decimal("round.reward_per_target", &r.reward_per_target)?;
    if per_target < Decimal::ZERO {
        return Err(ApiError::bad_argument(
            "round.reward_per_target",
            "the reward per target is not negative",
        ));
    }
    Ok(RoundPolicy {
        name: r.round.trim().to_owned(),
        designated_cap: small("round.designated_cap", r.designated_cap)?,
        statutory_indicators,
        period,
        refresh_rounds,
        late_demand_cutoff,
        max_backdating_days: match r.max_backdating_days {
            0 => DEFAULT_BACKDATING_DAYS,
            n => small("round.max_backdating_days", n)?,
        },
        max_whitehall_priorities: r
            .max_whitehall_priorities
            .map(|n| small("round.max_whitehall_priorities", n))
            .transpose()?,
        max_government_targets: r
            .max_government_targets
            .map(|n| small("round.max_government_targets", n))
            .transpose()?,
        rebaseline_needs_ministers: r.rebaseline_needs_ministers,
        tournament: TournamentPolicy {
            similar_by: match r.tournament_similar_by.trim() {
                "" => Similarity::default(),
                text => Similarity::parse(text).map_err(|e| {
                    ApiError::bad_argument("round.tournament_similar_by", e.problem)
                })?,
            },
            min_group: match r.tournament_min_group {
                0 => TournamentPolicy::default().min_group,
                n => small("round.tournament_min_group", n)?,
            },
            prize: match r.tournament_prize.trim() {
                "" => Money::ZERO,
                text => {
                    let prize = decimal("round.tournament_prize", text)?;
                    if prize.is_sign_negative() {
                        return Err(ApiError::bad_argument(
                            "round.tournament_prize",
                            "a prize is 0 or more pounds",
                        ));
                    }
                    Money::pounds(prize)
                }
            },
        },
        reward: RewardPolicy {
            per_target: Money::pounds(per_target),
            floor_percent: decimal("round.reward_floor_percent", &r.reward_floor_percent)?,
            full_percent: decimal("round.reward_full_percent", &r.reward_full_percent)?,
            multiplier: match r.reward_multiplier.trim() {
                "" => Decimal::ONE,
                text => decimal("round.reward_multiplier", text)?,
            },
            bearing: match r.reward_bearing.trim() {
                "" | "designated" => laa_core::RewardBearing::Designated,
                "designated_and_statutory" => laa_core::RewardBearing::DesignatedAndStatutory,
                other => {
                    return Err(ApiError::bad_argument(
                        "round.reward_bearing",
                        format!(
                            "{} is not designated or designated_and_statutory",
                            laa_core::quote(other)
                        ),
                    ));
                }
            },
        },
    })
}

/// `rounds/{round}` or the bare id.
pub fn round_name(name: &str) -> &str {
    let name = name.trim();
    name.strip_prefix("rounds/").unwrap_or(name)
}

#[tonic::async_trait]
impl pb::round_service_server::RoundService for Engine {
    async fn create_round(
        &self,
        request: Request<pb::CreateRoundRequest>,
    ) -> Result<Response<pb::Round>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        authorise_administration(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let request_id = convert::request_id(&r.request_id)?;
        let round = r
            .round
            .ok_or_else(|| ApiError::bad_argument("round", "the round is required"))?;
        let policy = round_from_pb(&round)?;
        let set = convert::set_version("round.indicator_set", round.indicator_set)?;
        let name = RoundName::new(policy.name.clone())
            .map_err(|e| ApiError::bad_argument("round.round", e.problem))?;
        let executed = self
            .execute::<Round>(
                &StreamId::Round(name),
                &actor,
                request_id,
                None,
                RoundCommand::Create {
                    policy,
                    indicator_set: set,
                },
                None,
            )
            .await
            .map_err(|e| match e {
                // The policy's own rules name the request's fields.
                ApiError::Domain(DomainError::Invalid { field, problem }) => {
                    let field = match field {
                        "name" => "round",
                        "refresh_rounds" => "refreshes",
                        "reward" => "reward_floor_percent",
                        other => other,
                    };
                    ApiError::bad_argument(format!("round.{field}"), problem)
                }
                other => other,
            })?;
        let created = executed
            .after
            .state
            .created
            .ok_or_else(|| ApiError::NotFound {
                what: "round",
                key: round.round.clone(),
            })?;
        let record = RoundRecord {
            policy: created.policy,
            indicator_set: created.indicator_set,
            created_at: created.created_at,
        };
        tracing::info!(round = %record.policy.name, principal = %actor.principal, "round created");
        Ok(Response::new(round_to_pb(&record)))
    }

    async fn get_round(
        &self,
        request: Request<pb::GetRoundRequest>,
    ) -> Result<Response<pb::Round>, Status> {
        authenticate(&self.credentials, &request).await?;
        let name = round_name(&request.get_ref().name);
        let record = self
            .queries
            .round(name)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound {
                what: "round",
                key: name.to_owned(),
            })?;
        Ok(Response::new(round_to_pb(&record)))
    }

    async fn list_rounds(
        &self,
        request: Request<pb::ListRoundsRequest>,
    ) -> Result<Response<pb::ListRoundsResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        let rounds = self.queries.rounds().await.map_err(ApiError::from)?;
        Ok(Response::new(pb::ListRoundsResponse {
            rounds: rounds.iter().map(round_to_pb).collect(),
        }))
    }

    async fn propose_national_target(
        &self,
        request: Request<pb::ProposeNationalTargetRequest>,
    ) -> Result<Response<pb::NationalTrajectory>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let answer =
            crate::national::propose_national_target(self, &actor, request.into_inner()).await?;
        Ok(Response::new(answer))
    }

    async fn get_national_trajectory(
        &self,
        request: Request<pb::GetNationalTrajectoryRequest>,
    ) -> Result<Response<pb::NationalTrajectory>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let answer =
            crate::national::get_national_trajectory(self, &actor, request.into_inner()).await?;
        Ok(Response::new(answer))
    }
}
