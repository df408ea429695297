//! The path of a command: authenticate, load the agreement, `decide`,
//! `append`, tell followers, answer with what changed.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use laa_core::authorise::{authorise_read_agreement, authorise_unopened};
use laa_core::{Actor, Agreement, AgreementId, Command, DomainError, StreamId, TargetId};
use laa_proto::v1 as pb;
use laa_store::{AppendOutcome, StoreError};
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::commands::ToCommand;
use crate::convert::{self, agreement_with_targets_to_pb};
use crate::error::ApiError;

impl Engine {
    /// Loads an agreement for reading, checking the reader's scope first.
    /// An agreement that is not there, or cannot be loaded, is answered as
    /// [`laa_core::authorise::authorise_unopened`] says: a reader outside its
    /// scope learns nothing about it.
    pub async fn read_agreement(
        &self,
        actor: &Actor,
        id: &AgreementId,
    ) -> Result<Arc<Agreement>, ApiError> {
        match self.store.load_shared(id).await {
            Ok(Some(state)) => {
                self.authorise_read(actor, &state)?;
                Ok(state)
            }
            Ok(None) => {
                self.authorise_by_name(actor, id, None).await?;
                Err(DomainError::AgreementNotFound {
                    agreement: id.clone(),
                }
                .into())
            }
            Err(e) => {
                self.authorise_by_name(actor, id, None).await?;
                Err(e.into())
            }
        }
    }

    /// Rule 10 for reading an opened agreement.
    pub(crate) fn authorise_read(&self, actor: &Actor, state: &Agreement) -> Result<(), ApiError> {
        Ok(authorise_read_agreement(actor, state)?)
    }

    /// Loads the agreement a command acts on. One that is not there (or
    /// cannot be loaded) is first authorised by the area its id names, so
    /// a principal outside its scope gets the answer an opened agreement
    /// of that area would give.
    pub(crate) async fn load_for(
        &self,
        actor: &Actor,
        id: &AgreementId,
        command: &Command,
    ) -> Result<Option<Arc<Agreement>>, ApiError> {
        let opening = matches!(command, Command::OpenAgreement { .. });
        match self.store.load_shared(id).await {
            Ok(None) if !opening => {
                self.authorise_by_name(actor, id, Some(command.kind()))
                    .await?;
                Ok(None)
            }
            Ok(loaded) => Ok(loaded),
            Err(e) => {
                self.authorise_by_name(actor, id, Some(command.kind()))
                    .await?;
                Err(e.into())
            }
        }
    }

    /// Rule 10 for an agreement known only by its id: the area the id names
    /// by the `{area}-{round}` convention, if it is one, decides.
    pub(crate) async fn authorise_by_name(
        &self,
        actor: &Actor,
        id: &AgreementId,
        command: Option<laa_core::CommandKind>,
    ) -> Result<(), ApiError> {
        let text = id.as_str();
        let mut named = None;
        for (cut, _) in text.match_indices('-') {
            let Ok(code) = laa_core::AreaCode::new(&text[..cut]) else {
                continue;
            };
            if let Some(area) = self.queries.area(&code).await? {
                named = Some(area);
                break;
            }
        }
        authorise_unopened(actor, command, named.as_ref().map(|a| (&a.code, a.region)))?;
        Ok(())
    }

    /// Runs one command against one agreement through the one command path
    /// ([`Engine::execute`]), and answers with what changed.
    pub(super) async fn execute_command(
        &self,
        actor: &Actor,
        id: AgreementId,
        request_id: &str,
        expected_version: Option<i64>,
        occurred_at: Option<DateTime<Utc>>,
        command: Command,
    ) -> Result<pb::AgreementResponse, ApiError> {
        tracing::Span::current().record("agreement", id.as_str());
        let request_id = convert::request_id(request_id)?;
        let expected = expected_version
            .map(convert::expected_version)
            .transpose()?;
        let named_target = command_target(&command);
        let kind = command.kind();
        let executed = self
            .execute::<Agreement>(
                &StreamId::Agreement(id.clone()),
                actor,
                request_id,
                expected,
                command,
                occurred_at,
            )
            .await?;
        let Some(outcome) = executed.outcome else {
            return Err(StoreError::InvalidArgument {
                field: "events",
                problem: "there are no events to append".into(),
            }
            .into());
        };
        if outcome.replayed {
            // The first outcome is read back only by whoever may read it.
            self.authorise_read(actor, &executed.after)?;
        } else {
            // The call's one `request` line carries the new version; the
            // command's own line is for debugging.
            tracing::Span::current().record("version", outcome.version);
            tracing::debug!(agreement = %id, command = %kind, principal = %actor.principal, version = outcome.version, "command applied");
        }
        let mut answer = response(
            executed.before.as_deref(),
            &executed.after,
            outcome.target.or(named_target),
            outcome,
            &self.store.catalogue(),
        );
        // An administrator's assignment is answered with what it changed,
        // never the agreement's content, which administrators do not read.
        if self.authorise_read(actor, &executed.after).is_err()
            && let Some(agreement) = answer.agreement.take()
        {
            answer.agreement = Some(pb::Agreement {
                name: agreement.name,
                area: agreement.area,
                region: agreement.region,
                round: agreement.round,
                status: agreement.status,
                version: agreement.version,
                champions: agreement.champions,
                had_champion: agreement.had_champion,
                ..Default::default()
            });
        }
        Ok(answer)
    }

    /// Authenticates, reads the request's agreement, request id and
    /// expected version, parses its command, and executes it.
    pub(super) async fn run<T: Mutating>(
        &self,
        request: Request<T>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", r.agreement())?;
        let (request_id, expected) = (r.request_id().to_owned(), r.expected_version());
        let occurred_at = convert::occurred_at(r.occurred_at())?;
        let command = r.command()?;
        Ok(Response::new(
            self.execute_command(&actor, id, &request_id, expected, occurred_at, command)
                .await?,
        ))
    }
}

/// The envelope every mutating request of an existing agreement carries
/// (AIP-155 request id, AIP-154-style expected version); implemented for
/// each registered request by `agreement_service!`.
pub(super) trait Mutating: ToCommand {
    fn agreement(&self) -> &str;
    fn request_id(&self) -> &str;
    /// `None` for a command decided on the agreement as it stands.
    fn expected_version(&self) -> Option<i64>;
    fn occurred_at(&self) -> Option<&prost_types::Timestamp>;
}

pub(super) fn command_target(command: &Command) -> Option<TargetId> {
    match command {
        Command::CounterOffer { target, .. }
        | Command::AcceptOffer { target }
        | Command::DeclineTarget { target, .. }
        | Command::WithdrawTarget { target, .. }
        | Command::RecordActual { target, .. }
        | Command::ProposeRebaseline { target, .. }
        | Command::ApproveRebaseline { target }
        | Command::RejectRebaseline { target, .. } => Some(*target),
        Command::RevokeDesignation { target, .. } => *target,
        _ => None,
    }
}

/// A command's answer: the agreement as it now stands, with the targets
/// the command changed (or, for a replayed request, the target it acted
/// on) rather than every target: `GetAgreement` reads them all. An answer
/// costs the command's own size, not the agreement's.
pub(super) fn response(
    before: Option<&Agreement>,
    state: &Agreement,
    target: Option<TargetId>,
    outcome: AppendOutcome,
    catalogue: &laa_core::Catalogue,
) -> pb::AgreementResponse {
    // A target no command touched is the same shared target in both
    // states, so the comparison is a pointer's.
    let changed = state
        .targets
        .values()
        .filter(|t| match before {
            Some(before) => before.targets.get(&t.id) != Some(*t),
            None => Some(t.id) == target,
        })
        .map(|t| &**t);
    pb::AgreementResponse {
        agreement: Some(agreement_with_targets_to_pb(state, changed, catalogue)),
        target: target.map_or(0, TargetId::get),
        first_sequence: i64::try_from(outcome.first_sequence).unwrap_or(i64::MAX),
        last_sequence: i64::try_from(outcome.last_sequence).unwrap_or(i64::MAX),
        replayed: outcome.replayed,
    }
}
