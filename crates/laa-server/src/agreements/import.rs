//! `ImportTargets`: many targets' terms in one command, recorded all or
//! none on the one command path, and its preview (`validate_only`), which
//! answers every row's outcome as `laa_core::decide::preview_import`
//! decides it and records nothing.

use chrono::{DateTime, Utc};
use laa_core::decide::{ImportPreview, preview_import};
use laa_core::error::row_field;
use laa_core::{Actor, AgreementId, Command, Context, DomainError, TargetRow};
use laa_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::command::Mutating;
use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, commands::ToCommand};
use crate::error::ApiError;

mutating!(pb::ImportTargetsRequest, |r| Some(r.expected_version));

impl ToCommand for pb::ImportTargetsRequest {
    fn command(self) -> Result<Command, ApiError> {
        let rows = self
            .rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| target_row(row).map_err(|e| within(i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Command::ImportTargets { rows })
    }
}

/// One row parsed as `ProposeTargetRequest`'s and `CounterOfferRequest`'s
/// fields are.
fn target_row(row: pb::TargetRow) -> Result<TargetRow, ApiError> {
    let (number, local) = match row.indicator {
        Some(pb::target_row::Indicator::IndicatorNumber(n)) => (Some(n), None),
        Some(pb::target_row::Indicator::LocalIndicator(l)) => (None, Some(l)),
        None => (None, None),
    };
    Ok(TargetRow {
        indicator: convert::proposed_indicator(number, local)?,
        terms: convert::terms(row.terms)?,
        rationale: row.rationale,
        evidence: row.evidence,
        department: convert::department(&row.department)?,
        deal_breaker: row.deal_breaker,
        priority: match row.priority {
            0 => None,
            n => Some(u16::try_from(n).map_err(|_| {
                ApiError::invalid(
                    convert::TERMS,
                    "priority",
                    format!("{n} is not a declared priority's number"),
                )
            })?),
        },
    })
}

/// A row's malformed field named from the request: `rows[3].terms.values.unit`.
fn within(row: usize, error: ApiError) -> ApiError {
    match error {
        ApiError::Invalid { reason, violations } => ApiError::Invalid {
            reason,
            violations: violations
                .into_iter()
                .map(|(field, problem)| (format!("rows[{row}].{field}"), problem))
                .collect(),
        },
        other => other,
    }
}

impl Engine {
    /// `ImportTargets`: the preview when `validate_only`, else the command
    /// on the one command path, answered with every row's outcome.
    pub(super) async fn run_import(
        &self,
        request: Request<pb::ImportTargetsRequest>,
    ) -> Result<Response<pb::ImportTargetsResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", r.agreement())?;
        let occurred_at = convert::occurred_at(r.occurred_at())?;
        let (request_id, expected_version, validate_only) =
            (r.request_id.clone(), r.expected_version, r.validate_only);
        let command = r.command()?;
        let expected = convert::expected_version(expected_version)?;
        let preview = self
            .preview_import(&actor, &id, &command, expected, occurred_at)
            .await;
        if validate_only {
            return Ok(Response::new(pb::ImportTargetsResponse {
                applied: None,
                rows: outcomes(preview?),
            }));
        }
        let applied = self
            .execute_command(
                &actor,
                id,
                &request_id,
                Some(expected_version),
                occurred_at,
                command,
            )
            .await?;
        // The preview was decided on the state the import was decided on
        // (the version the caller expected, which the append held to), so
        // its outcomes are the import's; a replay has none of its own.
        let rows = match preview {
            Ok(preview) if !applied.replayed => outcomes(preview),
            _ => Vec::new(),
        };
        Ok(Response::new(pb::ImportTargetsResponse {
            applied: Some(applied),
            rows,
        }))
    }

    /// Every row's outcome on the agreement as it stands, nothing recorded.
    async fn preview_import(
        &self,
        actor: &Actor,
        id: &AgreementId,
        command: &Command,
        expected: u64,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<ImportPreview, ApiError> {
        let Command::ImportTargets { rows } = command else {
            return Err(ApiError::bad_argument("rows", "not an import"));
        };
        let state = match self.load_for(actor, id, command).await? {
            Some(state) => state,
            None => {
                return Err(DomainError::AgreementNotFound {
                    agreement: id.clone(),
                }
                .into());
            }
        };
        let catalogue = self.store.catalogue();
        let ctx = Context {
            now: self.store.clock().deciding_at(occurred_at),
            catalogue: &catalogue,
            expected_version: Some(expected),
            occurred_at,
        };
        Ok(preview_import(&state, rows, actor, &ctx)?)
    }
}

/// The outcomes on the wire.
fn outcomes(preview: ImportPreview) -> Vec<pb::ImportRowOutcome> {
    preview
        .outcomes
        .into_iter()
        .map(|o| {
            let (reason, message, field) = match &o.result {
                Ok(()) => (String::new(), String::new(), String::new()),
                Err(e) => (
                    e.reason().as_str().to_owned(),
                    e.to_string(),
                    row_field(o.row, e),
                ),
            };
            pb::ImportRowOutcome {
                row: i32::try_from(o.row).unwrap_or(i32::MAX),
                action: o.action.as_str().to_owned(),
                target: o.target.get(),
                accepted: o.result.is_ok(),
                reason,
                message,
                field,
            }
        })
        .collect()
}
