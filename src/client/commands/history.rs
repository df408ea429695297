//! `laa history` and `laa summary`: reading the deal history.

use laa_proto::v1 as pb;

use crate::client::args::{ExportFormat, HistoryCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::output::{csv, proto_json};
use crate::client::{history_file, paging, render};

use super::change::{agreement_name, explain_not_found};

async fn all_events(
    session: &Session,
    agreement: &str,
    from: i64,
) -> Result<Vec<pb::Event>, CliError> {
    let name = stream_name(agreement);
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
            let started = audit
                .stream_events(pb::StreamEventsRequest {
                    agreement: agreement_name(&agreement),
                    from_sequence: from,
                    follow: true,
                })
                .await;
            let mut stream = match started {
                Ok(stream) => stream.into_inner(),
                Err(status) => return Err(session.failed(&status).await),
            };
            loop {
                match stream.message().await {
                    Ok(Some(event)) => render::event_line(out, &event)?,
                    Ok(None) => return Ok(()),
                    Err(status) => return Err(session.failed(&status).await),
                }
            }
        }
        HistoryCommand::Verify {
            file: Some(file), ..
        } => verify_file(out, &file),
        HistoryCommand::Import { file } => {
            let history = std::fs::read_to_string(&file)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
            let r = rpc!(
                session,
                audit.import_history(pb::ImportHistoryRequest { history })
            )?;
            if out.format() == crate::client::args::Format::Json {
                return out.json(&serde_json::json!({
                    "agreement": r.agreement,
                    "length": r.length,
                    "head_hash": r.head_hash,
                }));
            }
            println!(
                "{}: imported, {}, head {}",
                r.agreement,
                crate::client::words::count(r.length, "event"),
                r.head_hash
            );
            Ok(())
        }
        HistoryCommand::Verify { agreement, .. } => {
            let name = stream_name(&agreement.unwrap_or_default());
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
                ExportFormat::Ndjson => {
                    let mut text = String::new();
                    for e in &events {
                        text.push_str(
                            &history_file::line(e).map_err(|why| {
                                CliError::new(Exit::Failure, "EXPORT_FAILED", why)
                            })?,
                        );
                        text.push('\n');
                    }
                    print!("{text}");
                    Ok(())
                }
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

/// The stream a history command names: an agreement (`kent-2008-11` or
/// `agreements/kent-2008-11`), or the reference data's
/// (`indicator-sets/national`, `rounds/2011-14`, `areas/kent`).
fn stream_name(name: &str) -> String {
    let name = name.trim();
    if name.contains('/') {
        name.to_owned()
    } else {
        agreement_name(name)
    }
}

/// `laa history verify --file`: the chain recomputed from the export alone.
pub fn verify_file(
    out: &crate::client::output::Output,
    file: &std::path::Path,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    let checked = history_file::verify(&text);
    let shown = file.display().to_string();
    let v = pb::VerifyHistoryResponse {
        ok: checked.first_bad.is_none(),
        length: i64::try_from(checked.length).unwrap_or(i64::MAX),
        head_hash: checked.head_hash.clone(),
        first_bad_sequence: checked
            .first_bad
            .as_ref()
            .map(|(s, _)| i64::try_from(*s).unwrap_or(i64::MAX)),
        ..Default::default()
    };
    let name = if checked.agreement.is_empty() {
        shown.clone()
    } else {
        format!("agreements/{} ({shown})", checked.agreement)
    };
    render::verification(out, &name, &v)?;
    match checked.first_bad {
        None => Ok(()),
        Some((sequence, why)) => Err(CliError::new(
            Exit::Failure,
            "HISTORY_BROKEN",
            format!("the export {shown} is broken at sequence {sequence}: {why}"),
        )),
    }
}

/// Runs `laa summary`.
pub async fn summary(
    session: &Session,
    area: Option<String>,
    region: Option<String>,
    round: Option<String>,
) -> Result<(), CliError> {
    let agreement = area
        .map(|a| {
            let round = round.as_deref().unwrap_or(laa_core::policy::DEFAULT_ROUND);
            format!("agreements/{}-{}", a.trim(), round.trim())
        })
        .unwrap_or_default();
    // Without an area, a round narrows the scope to its agreements.
    let round = if agreement.is_empty() {
        round.unwrap_or_default()
    } else {
        String::new()
    };
    let region = match region.as_deref() {
        Some(r) => crate::client::suggest::region(r)?,
        None => pb::Region::Unspecified,
    };
    let s = rpc!(
        session,
        audit.get_negotiation_summary(pb::GetNegotiationSummaryRequest {
            agreement: agreement.clone(),
            region: region as i32,
            round: round.clone(),
        })
    );
    let s = match s {
        Err(e) if e.exit == Exit::NotFound => {
            return Err(explain_not_found(session, &agreement, e).await);
        }
        other => other?,
    };
    let scope = if agreement.is_empty() && region != pb::Region::Unspecified {
        format!("region {}", laa_proto::names::region_code(region))
    } else if agreement.is_empty() {
        "all agreements in your scope".to_owned()
    } else {
        agreement
    };
    let scope = match round.trim() {
        "" => scope,
        round => format!("{scope}, round {round}"),
    };
    render::summary(&session.out, &scope, &s)
}
