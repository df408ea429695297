//! `laa target` and `laa actual`: negotiating targets, recording actuals.

use laa_proto::v1 as pb;

use crate::client::args::{ActualCommand, TargetCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};

use super::catalogue::indicators_near;
use super::change::Prepared;

/// Runs `laa target`.
pub async fn run(session: &Session, command: TargetCommand) -> Result<(), CliError> {
    match command {
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
            let terms = terms.to_pb().map_err(CliError::usage)?;
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
            let terms = terms.to_pb().map_err(CliError::usage)?;
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
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
            let terms = terms.to_pb().map_err(CliError::usage)?;
            let p = Prepared::new(session, &change).await?;
            let target = p.target(&which)?;
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
