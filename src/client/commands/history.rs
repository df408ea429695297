//! `laa history` and `laa summary`: reading the deal history.

use laa_proto::v1 as pb;

use crate::client::args::{ExportFormat, HistoryCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::output::{csv, proto_json};
use crate::client::{paging, render};

use super::change::{agreement_name, explain_not_found};

async fn all_events(
    session: &Session,
    agreement: &str,
    from: i64,
) -> Result<Vec<pb::Event>, CliError> {
    let name = agreement_name(agreement);
    let name = &name;
    let events = paging::all(|page_token| async move {
        let r = rpc!(
            session,
            audit.list_events(pb::ListEventsRequest {
                agreement: name.clone(),
                from_sequence: from,
                page_size: 1000,
                page_token,
            })
        )?;
        Ok((r.events, r.next_page_token))
    })
    .await;
    match events {
        Err(e) if e.exit == Exit::NotFound => Err(explain_not_found(session, agreement, e).await),
        other => other,
    }
}

/// Runs `laa history`.
pub async fn run(session: &Session, command: HistoryCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        HistoryCommand::Show { agreement, from } => {
            render::events(out, &all_events(session, &agreement, from).await?)
        }
        HistoryCommand::Follow { agreement, from } => {
            // A followed stream has no deadline: its own clients, without one.
            let mut audit = session.streaming_clients()?.audit;
            let mut stream = audit
                .stream_events(pb::StreamEventsRequest {
                    agreement: agreement_name(&agreement),
                    from_sequence: from,
                    follow: true,
                })
                .await
                .map_err(|s| session.failed(&s))?
                .into_inner();
            while let Some(event) = stream.message().await.map_err(|s| session.failed(&s))? {
                render::event_line(out, &event)?;
            }
            Ok(())
        }
        HistoryCommand::Verify { agreement } => {
            let name = agreement_name(&agreement);
            let v = rpc!(
                session,
                audit.verify_history(pb::VerifyHistoryRequest {
                    agreement: name.clone(),
                })
            )?;
            render::verification(out, &name, &v)?;
            if v.ok {
                Ok(())
            } else {
                Err(CliError::new(
                    Exit::Failure,
                    "HISTORY_BROKEN",
                    format!(
                        "the history of {name} is broken at sequence {}: an event was changed, deleted or reordered outside the engine",
                        v.first_bad_sequence.unwrap_or_default()
                    ),
                ))
            }
        }
        HistoryCommand::Export { agreement, format } => {
            let events = all_events(session, &agreement, 1).await?;
            match format {
                ExportFormat::Json => {
                    let all = events
                        .iter()
                        .map(proto_json)
                        .collect::<Result<Vec<_>, _>>()?;
                    out.json(&all)
                }
                ExportFormat::Csv => {
                    print!("{}", csv(&render::export_rows(&events)));
                    Ok(())
                }
            }
        }
    }
}

/// Runs `laa summary`.
pub async fn summary(session: &Session, area: Option<String>, round: &str) -> Result<(), CliError> {
    let agreement = area
        .map(|a| format!("agreements/{}-{round}", a.trim()))
        .unwrap_or_default();
    let s = rpc!(
        session,
        audit.get_negotiation_summary(pb::GetNegotiationSummaryRequest {
            agreement: agreement.clone(),
        })
    );
    let s = match s {
        Err(e) if e.exit == Exit::NotFound => {
            return Err(explain_not_found(session, &agreement, e).await);
        }
        other => other?,
    };
    let scope = if agreement.is_empty() {
        "all agreements in your scope".to_owned()
    } else {
        agreement
    };
    render::summary(&session.out, &scope, &s)
}
