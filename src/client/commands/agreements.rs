//! `laa agreement`: list, show, open, and the lifecycle.

use laa_proto::names::parse_agreement_status;
use laa_proto::v1 as pb;

use crate::client::args::AgreementCommand;
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::suggest::{did_you_mean, region};
use crate::client::{paging, render};

use super::catalogue::unknown_area;
use super::change::{Prepared, get_agreement};

fn status(text: &str) -> Result<pb::AgreementStatus, CliError> {
    parse_agreement_status(text).ok_or_else(|| {
        let names = [
            "draft",
            "submitted",
            "placeholder",
            "agreed",
            "refresh_open",
            "refreshed",
            "closed",
        ];
        CliError::usage(format!("'{text}' is not an agreement status")).hint(
            did_you_mean(text, names)
                .unwrap_or_else(|| format!("the statuses are: {}", names.join(", "))),
        )
    })
}

/// Runs `laa agreement`.
pub async fn run(session: &Session, command: AgreementCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        AgreementCommand::List {
            region: r,
            status: s,
            refresh_overdue,
            waiting_on_me,
            round,
        } => {
            let round = round.unwrap_or_default();
            let round = &round;
            let region = match r {
                Some(r) => region(&r)? as i32,
                None => 0,
            };
            let status = match s {
                Some(s) => status(&s)? as i32,
                None => 0,
            };
            let all = paging::all(|page_token| async move {
                let r = rpc!(
                    session,
                    agreements.list_agreements(pb::ListAgreementsRequest {
                        region,
                        status,
                        area: String::new(),
                        page_size: 200,
                        page_token,
                        refresh_overdue,
                        waiting_on_me,
                        round: round.clone(),
                    })
                )?;
                Ok((r.agreements, r.next_page_token))
            })
            .await?;
            render::agreements(out, &all)
        }
        AgreementCommand::Export(args) => super::sheets::export(session, args).await,
        AgreementCommand::Show { agreement } => {
            render::agreement(out, &get_agreement(session, &agreement).await?)
        }
        AgreementCommand::Open {
            area,
            set,
            round,
            request_id,
            occurred_at,
        } => {
            let area = area.trim().trim_start_matches("areas/").to_owned();
            let opened = rpc!(
                session,
                agreements.open_agreement(pb::OpenAgreementRequest {
                    area: format!("areas/{area}"),
                    round,
                    indicator_set: set,
                    request_id: super::change::request_id(request_id),
                    expected_version: 0,
                    occurred_at: super::change::occurred_at(occurred_at.as_deref())?,
                })
            );
            match opened {
                Ok(r) => render::changed(out, "agreement opened", &r),
                Err(e) if matches!(e.exit, Exit::NotFound | Exit::Denied | Exit::Usage) => {
                    Err(unknown_area(session, &area).await.unwrap_or(e))
                }
                Err(e) => Err(e),
            }
        }
        lifecycle => change(session, lifecycle).await,
    }
}

/// The lifecycle commands.
async fn change(session: &Session, command: AgreementCommand) -> Result<(), CliError> {
    let change = match &command {
        AgreementCommand::Endorse { change }
        | AgreementCommand::Submit { change }
        | AgreementCommand::Return { change, .. }
        | AgreementCommand::SignOff { change }
        | AgreementCommand::OpenRefresh { change, .. }
        | AgreementCommand::Close { change }
        | AgreementCommand::RefuseRequest { change, .. }
        | AgreementCommand::DeclarePriorities { change, .. } => change.clone(),
        _ => return Err(CliError::usage("not a lifecycle command")),
    };
    let p = Prepared::new(session, &change).await?;
    let (agreement, request_id, expected_version) =
        (p.agreement.clone(), p.request_id.clone(), p.version);
    let (what, result) = match command {
        AgreementCommand::Endorse { .. } => (
            "agreement endorsed",
            rpc!(
                session,
                agreements.endorse_agreement(pb::EndorseAgreementRequest {
                    agreement,
                    request_id,
                    expected_version,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::Submit { .. } => (
            "agreement submitted to Ministers",
            rpc!(
                session,
                agreements.submit_agreement(pb::SubmitAgreementRequest {
                    agreement,
                    request_id,
                    expected_version,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::Return { reason, .. } => (
            "agreement returned",
            rpc!(
                session,
                agreements.return_agreement(pb::ReturnAgreementRequest {
                    agreement,
                    request_id,
                    expected_version,
                    reason,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::SignOff { .. } => (
            "agreement signed off",
            rpc!(
                session,
                agreements.sign_off_agreement(pb::SignOffAgreementRequest {
                    agreement,
                    request_id,
                    expected_version,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::OpenRefresh { round, set, .. } => (
            "refresh opened",
            rpc!(
                session,
                agreements.open_refresh(pb::OpenRefreshRequest {
                    agreement,
                    request_id,
                    expected_version,
                    round,
                    indicator_set: set.unwrap_or(0),
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::Close { .. } => (
            "agreement closed",
            rpc!(
                session,
                agreements.close_agreement(pb::CloseAgreementRequest {
                    agreement,
                    request_id,
                    expected_version,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::RefuseRequest {
            indicator,
            department,
            rationale,
            ..
        } => (
            "refused request recorded",
            rpc!(
                session,
                agreements.record_refused_request(pb::RecordRefusedRequestRequest {
                    agreement,
                    request_id,
                    expected_version,
                    indicator_number: indicator,
                    department,
                    rationale,
                    occurred_at: p.occurred_at,
                })
            ),
        ),
        AgreementCommand::DeclarePriorities { priorities, .. } => {
            let priorities = priorities
                .iter()
                .map(|p| priority(p))
                .collect::<Result<Vec<_>, _>>()?;
            (
                "priorities declared",
                rpc!(
                    session,
                    agreements.declare_priorities(pb::DeclarePrioritiesRequest {
                        agreement,
                        request_id,
                        expected_version,
                        priorities,
                        occurred_at: p.occurred_at,
                    })
                ),
            )
        }
        _ => return Err(CliError::usage("not a lifecycle command")),
    };
    p.finish(what, result)
}

/// "STATEMENT|DEPT,DEPT": one Whitehall priority as typed.
fn priority(spec: &str) -> Result<pb::Priority, CliError> {
    let Some((statement, departments)) = spec.rsplit_once('|') else {
        return Err(CliError::usage(format!(
            "'{spec}' is not STATEMENT|DEPTS, such as \"Young people in learning or work|DCSF,DIUS\""
        )));
    };
    Ok(pb::Priority {
        statement: statement.trim().to_owned(),
        departments: departments
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}
