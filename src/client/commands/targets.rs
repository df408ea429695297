//! `laa target` and `laa actual`: negotiating targets, recording actuals.

use laa_proto::v1 as pb;

use crate::client::args::{ActualCommand, TargetCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};

use super::catalogue::indicators_near;
use super::change::Prepared;

/// The unit of National Indicator `n` in set `set`, as the server knows
/// it; `None` when it cannot say (the server then judges the terms).
async fn indicator_unit(session: &Session, set: i32, n: i32) -> Option<String> {
    let name = format!("indicatorSets/{set}/indicators/{n}");
    rpc!(
        session,
        indicators.get_indicator(pb::GetIndicatorRequest { name })
    )
    .ok()
    .map(|indicator| indicator.unit)
    .filter(|unit| !unit.is_empty())
}

/// New terms for target `target` of the agreement as read: without
/// `--unit`, in its indicator's unit.
async fn target_terms(
    p: &Prepared<'_>,
    target: u32,
    terms: &crate::client::terms::TermsArgs,
) -> Result<pb::Terms, CliError> {
    let number = p
        .current
        .targets
        .iter()
        .find(|t| t.id == target)
        .and_then(|t| match t.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => Some(n),
            _ => None,
        });
    let unit = match number {
        Some(n) if terms.needs_unit() => {
            indicator_unit(p.session, p.current.indicator_set, n).await
        }
        _ => None,
    };
    terms.to_pb(unit.as_deref()).map_err(CliError::usage)
}

/// Runs `laa target`.
pub async fn run(session: &Session, command: TargetCommand) -> Result<(), CliError> {
    match command {
        TargetCommand::Import(args) => super::sheets::import(session, args).await,
        TargetCommand::Propose {
            change,
            indicator,
            local_code,
            local_title,
            terms,
            rationale,
            evidence,
            department,
            priority,
        } => {
            let indicator = match (indicator, local_code) {
                (Some(n), None) => pb::propose_target_request::Indicator::IndicatorNumber(n),
                (None, Some(code)) => {
                    pb::propose_target_request::Indicator::LocalIndicator(pb::LocalIndicator {
                        code,
                        title: local_title.unwrap_or_default(),
                    })
                }
                _ => {
                    return Err(CliError::usage(
                        "give --indicator NUMBER, or --local-code and --local-title",
                    ));
                }
            };
            let p = Prepared::new(session, &change).await?;
            let unit = match (&indicator, terms.needs_unit()) {
                (pb::propose_target_request::Indicator::IndicatorNumber(n), true) => {
                    indicator_unit(session, p.current.indicator_set, *n).await
                }
                _ => None,
            };
            let terms = terms.to_pb(unit.as_deref()).map_err(CliError::usage)?;
            let result = rpc!(
                session,
                agreements.propose_target(pb::ProposeTargetRequest {
                    priority: priority.map_or(0, i32::from),
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    indicator: Some(indicator.clone()),
                    terms: Some(terms),
                    rationale,
                    evidence,
                    department: department.unwrap_or_default(),
                    occurred_at: p.occurred_at,
                })
            );
            let result = match (result, &indicator) {
                (Err(e), pb::propose_target_request::Indicator::IndicatorNumber(n))
                    if e.reason == "INDICATOR_UNKNOWN" =>
                {
                    let hint = indicators_near(session, p.current.indicator_set, *n).await;
                    Err(match hint {
                        Some(h) => e.hint(h),
                        None => e,
                    })
                }
                (result, _) => result,
            };
            p.finish("target proposed", result)
        }
        TargetCommand::Counter {
            change,
            which,
            terms,
            rationale,
            evidence,
            deal_breaker,
            department,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let terms = target_terms(&p, target, &terms).await?;
            let result = rpc!(
                session,
                agreements.counter_offer(pb::CounterOfferRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    terms: Some(terms),
                    rationale,
                    evidence,
                    deal_breaker,
                    department: department.unwrap_or_default(),
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("counter-offer made", result)
        }
        TargetCommand::Rebaseline {
            change,
            which,
            terms,
            rationale,
            evidence,
            department,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let terms = target_terms(&p, target, &terms).await?;
            let result = rpc!(
                session,
                agreements.propose_rebaseline(pb::ProposeRebaselineRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    terms: Some(terms),
                    reason: "measurement_change".into(),
                    rationale,
                    evidence,
                    department: department.unwrap_or_default(),
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("re-baselining proposed", result)
        }
        TargetCommand::ApproveRebaseline { change, which } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.approve_rebaseline(pb::ApproveRebaselineRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("re-baselining approved", result)
        }
        TargetCommand::RejectRebaseline {
            change,
            which,
            reason,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.reject_rebaseline(pb::RejectRebaselineRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    reason,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("re-baselining rejected", result)
        }
        TargetCommand::Comment {
            change,
            which,
            text,
            brokering,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.comment_on_target(pb::CommentOnTargetRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    text,
                    brokering,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish(
                if brokering {
                    "brokering comment made"
                } else {
                    "comment made"
                },
                result,
            )
        }
        TargetCommand::Accept { change, which } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.accept_offer(pb::AcceptOfferRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("offer accepted", result)
        }
        TargetCommand::Decline {
            change,
            which,
            reason,
            deal_breaker,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.decline_target(pb::DeclineTargetRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    reason,
                    deal_breaker,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("target declined", result)
        }
        TargetCommand::Withdraw {
            change,
            which,
            reason,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
            let result = rpc!(
                session,
                agreements.withdraw_target(pb::WithdrawTargetRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    reason,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("target withdrawn", result)
        }
        TargetCommand::Revoke {
            change,
            target,
            indicator,
            all,
            reason,
        } => {
            let p = Prepared::new(session, &change).await?;
            let target = match (target, indicator, all) {
                (Some(t), _, _) => t,
                (None, Some(n), _) => p.target_on(n)?,
                (None, None, true) => 0,
                (None, None, false) => {
                    return Err(CliError::new(
                        Exit::Usage,
                        "USAGE",
                        "name the designation to revoke with --target or --indicator, or revoke every one with --all",
                    ));
                }
            };
            let result = rpc!(
                session,
                agreements.revoke_designation(pb::RevokeDesignationRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    target,
                    reason,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish(
                if target == 0 {
                    "every designation revoked"
                } else {
                    "designation revoked"
                },
                result,
            )
        }
    }
}

/// Runs `laa actual`.
pub async fn actual(session: &Session, command: ActualCommand) -> Result<(), CliError> {
    let ActualCommand::Record {
        change,
        which,
        year,
        value,
        source,
    } = command;
    let p = Prepared::new(session, &change).await?;
    let target = p.target(&which)?;
    let result = rpc!(
        session,
        agreements.record_actual(pb::RecordActualRequest {
            agreement: p.agreement.clone(),
            request_id: p.request_id.clone(),
            expected_version: p.version,
            target,
            year,
            value,
            source,
            occurred_at: p.occurred_at,
        })
    );
    p.finish("actual recorded", result)
}
