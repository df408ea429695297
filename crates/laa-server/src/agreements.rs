//! `AgreementService`: every command, and reading agreements.
//!
//! The path of a command (see `docs/ARCHITECTURE.md`): authenticate, parse
//! the request into a `laa_core::Command`, load the agreement, answer a
//! retried request id with its first outcome, `decide`, `append` (version
//! check, events, projections and idempotency record in one transaction),
//! tell followers, and return the agreement as it now stands.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

use laa_core::authorise::{Visible, authorise_listing, authorise_read, authorise_unopened};
use laa_core::{
    Actor, Agreement, AgreementId, Command, Context, DomainError, ErrorClass, TargetId, decide,
};
use laa_proto::v1 as pb;
use laa_store::{AgreementFilter, AppendOutcome};
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, agreement_to_pb, agreement_with_targets_to_pb};
use crate::error::ApiError;

/// The wire form of the agreements last read, each kept while the store's
/// state it was rendered from is current: a state is shared (`Arc`) until
/// the agreement changes, so the same allocation means the same version,
/// and a read of an unchanged agreement copies its rendering instead of
/// rendering it again.
#[derive(Default)]
pub struct Rendered(std::sync::Mutex<HashMap<AgreementId, (Arc<Agreement>, pb::Agreement)>>);

/// How many renderings are kept (England has 150 areas).
const MAX_RENDERED: usize = 10_000;

impl Rendered {
    /// The agreement on the wire.
    fn agreement(
        &self,
        id: &AgreementId,
        state: &Arc<Agreement>,
        catalogue: &laa_core::Catalogue,
    ) -> pb::Agreement {
        // Each operation is one map call: a poisoned lock is still sound.
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((from, rendered)) = kept.get(id)
            && Arc::ptr_eq(from, state)
        {
            return rendered.clone();
        }
        let rendered = agreement_to_pb(state, catalogue);
        if kept.len() >= MAX_RENDERED {
            kept.clear();
        }
        kept.insert(id.clone(), (state.clone(), rendered.clone()));
        rendered
    }
}

pub use laa_core::policy::DEFAULT_ROUND;

impl Engine {
    /// Loads an agreement for reading, checking the reader's scope first.
    /// An agreement that is not there, or cannot be loaded, is answered as
    /// [`laa_core::authorise::authorise_unopened`] says: a reader outside its
    /// scope learns nothing about it.
    pub(crate) async fn read_agreement(
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
        if let Some(opening) = &state.opening {
            authorise_read(actor, &opening.area, opening.region)?;
        }
        Ok(())
    }

    /// Loads the agreement a command acts on. One that is not there (or
    /// cannot be loaded) is first authorised by the area its id names, so
    /// a principal outside its scope gets the answer an opened agreement
    /// of that area would give.
    async fn load_for(
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
            if let Some(area) = self.store.area(&code).await? {
                named = Some(area);
                break;
            }
        }
        authorise_unopened(actor, command, named.as_ref().map(|a| (&a.code, a.region)))?;
        Ok(())
    }

    /// Runs one command against one agreement, end to end.
    ///
    /// The request id is not looked up before deciding: the append detects
    /// a replay itself (its idempotency record), and a retried command whose
    /// agreement has moved on fails `decide` (its expected version is
    /// stale), after which the request id is looked up. Authorisation
    /// errors are answered before any lookup, so a request id reveals
    /// nothing to a caller who may not act.
    async fn execute(
        &self,
        actor: &Actor,
        id: AgreementId,
        request_id: &str,
        expected_version: i64,
        occurred_at: Option<DateTime<Utc>>,
        command: Command,
    ) -> Result<pb::AgreementResponse, ApiError> {
        tracing::Span::current().record("agreement", id.as_str());
        let request_id = convert::request_id(request_id)?;
        let expected = convert::expected_version(expected_version)?;
        let named_target = command_target(&command);
        let kind = command.kind();
        // The remembered state first (no read): the database refuses a write
        // built on a stale one, and any refusal is decided again on the
        // current state before it is answered.
        let (state, events) = match self.store.recall(&id) {
            Some(state) => match self.decide(actor, &state, command.clone(), expected, occurred_at)
            {
                Ok(events) => (state, Ok(events)),
                Err(_) => {
                    self.decide_current(actor, &id, command, expected, occurred_at)
                        .await?
                }
            },
            None => {
                self.decide_current(actor, &id, command, expected, occurred_at)
                    .await?
            }
        };
        let events = match events {
            Ok(events) => events,
            Err(refused) if refused.class() == ErrorClass::Forbidden => return Err(refused.into()),
            Err(refused) => {
                return match self
                    .store
                    .find_request(&id, &request_id, &actor.principal, kind)
                    .await?
                {
                    Some(first) => {
                        self.authorise_read(actor, &state)?;
                        Ok(response(
                            None,
                            &state,
                            first.target.or(named_target),
                            first,
                            &self.store.catalogue(),
                        ))
                    }
                    None => Err(refused.into()),
                };
            }
        };
        let appending = std::time::Instant::now();
        let committed = self
            .store
            .append_command(&id, expected, &request_id, events)
            .await;
        crate::metrics::appended(appending.elapsed(), committed.is_ok());
        let committed = committed?;
        let outcome = committed.outcome;
        let target = outcome.target.or(named_target);
        Ok(match committed.state {
            Some(after) => {
                self.announce(&id);
                tracing::info!(agreement = %id, command = %kind, principal = %actor.principal, version = outcome.version, "command applied");
                response(
                    Some(&state),
                    &after,
                    target,
                    outcome,
                    &self.store.catalogue(),
                )
            }
            None => {
                let now = self.store.load_shared(&id).await?.unwrap_or(state);
                response(None, &now, target, outcome, &self.store.catalogue())
            }
        })
    }

    /// Decides a command against a state at the server's clock.
    fn decide(
        &self,
        actor: &Actor,
        state: &Agreement,
        command: Command,
        expected: u64,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<laa_core::Event>, DomainError> {
        let catalogue = self.store.catalogue();
        let ctx = Context {
            now: match occurred_at {
                Some(at) if self.replay_dates => at,
                _ => Utc::now(),
            },
            catalogue: &catalogue,
            expected_version: Some(expected),
            occurred_at,
        };
        decide(state, command, actor, &ctx)
    }

    /// Loads the agreement's current state from the database and decides
    /// the command against it: the state, and what `decide` said.
    async fn decide_current(
        &self,
        actor: &Actor,
        id: &AgreementId,
        command: Command,
        expected: u64,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<(Arc<Agreement>, Result<Vec<laa_core::Event>, DomainError>), ApiError> {
        let loaded = self.load_for(actor, id, &command).await?;
        let state = loaded.unwrap_or_else(|| Arc::new(Agreement::unopened(id.clone())));
        let mut decided = self.decide(actor, &state, command.clone(), expected, occurred_at);
        // A set drafted or published by another server since this one read
        // the catalogue: read it again, and decide again if it changed.
        if let Err(
            DomainError::IndicatorSetUnknown { .. }
            | DomainError::IndicatorSetNotPublished { .. }
            | DomainError::IndicatorUnknown { .. }
            | DomainError::IndicatorNotActive { .. },
        ) = &decided
            && self.store.refresh_catalogue().await?.1
        {
            decided = self.decide(actor, &state, command, expected, occurred_at);
        }
        Ok((state, decided))
    }

    /// Authenticates, reads the request's agreement, request id and
    /// expected version, parses its command, and executes it.
    async fn run<T: Mutating>(
        &self,
        request: Request<T>,
        parse: impl FnOnce(T) -> Result<Command, ApiError>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", r.agreement())?;
        let (request_id, expected) = (r.request_id().to_owned(), r.expected_version());
        let occurred_at = convert::occurred_at(r.occurred_at())?;
        let command = parse(r)?;
        Ok(Response::new(
            self.execute(&actor, id, &request_id, expected, occurred_at, command)
                .await?,
        ))
    }
}

/// The envelope every mutating request of an existing agreement carries
/// (AIP-155 request id, AIP-154-style expected version).
trait Mutating {
    fn agreement(&self) -> &str;
    fn request_id(&self) -> &str;
    fn expected_version(&self) -> i64;
    fn occurred_at(&self) -> Option<&prost_types::Timestamp>;
}

macro_rules! mutating {
    ($($request:ty),* $(,)?) => {$(
        impl Mutating for $request {
            fn agreement(&self) -> &str {
                &self.agreement
            }
            fn request_id(&self) -> &str {
                &self.request_id
            }
            fn expected_version(&self) -> i64 {
                self.expected_version
            }
            fn occurred_at(&self) -> Option<&prost_types::Timestamp> {
                self.occurred_at.as_ref()
            }
        }
    )*};
}

mutating!(
    pb::ProposeTargetRequest,
    pb::CounterOfferRequest,
    pb::AcceptOfferRequest,
    pb::DeclineTargetRequest,
    pb::WithdrawTargetRequest,
    pb::EndorseAgreementRequest,
    pb::SubmitAgreementRequest,
    pb::ReturnAgreementRequest,
    pb::SignOffAgreementRequest,
    pb::OpenRefreshRequest,
    pb::RecordActualRequest,
    pb::RevokeDesignationRequest,
    pb::CloseAgreementRequest,
    pb::RecordRefusedRequestRequest,
    pb::DeclarePrioritiesRequest,
    pb::ProposeRebaselineRequest,
    pb::LodgeExplanationRequest,
);

fn command_target(command: &Command) -> Option<TargetId> {
    match command {
        Command::CounterOffer { target, .. }
        | Command::AcceptOffer { target }
        | Command::DeclineTarget { target, .. }
        | Command::WithdrawTarget { target, .. }
        | Command::RecordActual { target, .. }
        | Command::ProposeRebaseline { target, .. } => Some(*target),
        Command::RevokeDesignation { target, .. } => *target,
        _ => None,
    }
}

/// A command's answer: the agreement as it now stands, with the targets
/// the command changed (or, for a replayed request, the target it acted
/// on) rather than every target: `GetAgreement` reads them all. An answer
/// costs the command's own size, not the agreement's.
fn response(
    before: Option<&Agreement>,
    state: &Agreement,
    target: Option<TargetId>,
    outcome: AppendOutcome,
    catalogue: &laa_core::Catalogue,
) -> pb::AgreementResponse {
    let changed = state.targets.values().filter(|t| match before {
        Some(before) => before.targets.get(&t.id) != Some(*t),
        None => Some(t.id) == target,
    });
    pb::AgreementResponse {
        agreement: Some(agreement_with_targets_to_pb(state, changed, catalogue)),
        target: target.map_or(0, TargetId::get),
        first_sequence: i64::try_from(outcome.first_sequence).unwrap_or(i64::MAX),
        last_sequence: i64::try_from(outcome.last_sequence).unwrap_or(i64::MAX),
        replayed: outcome.replayed,
    }
}

#[tonic::async_trait]
impl pb::agreement_service_server::AgreementService for Engine {
    async fn open_agreement(
        &self,
        request: Request<pb::OpenAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let code = convert::area_name("area", &r.area)?;
        let round = if r.round.trim().is_empty() {
            DEFAULT_ROUND
        } else {
            r.round.trim()
        };
        let policy = self
            .store
            .round(round)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::bad_argument(
                    "round",
                    format!(
                        "{} is not a round this server knows: see ListRounds (default {DEFAULT_ROUND})",
                        laa_core::quote(round)
                    ),
                )
            })?
            .policy;
        let indicator_set = convert::set_version("indicator_set", r.indicator_set)?;
        let Some(area) = self.store.area(&code).await.map_err(ApiError::from)? else {
            // An unknown area lies outside every regional or area scope.
            authorise_unopened(&actor, Some(laa_core::CommandKind::Open), None)
                .map_err(ApiError::from)?;
            return Err(ApiError::NotFound {
                what: "area",
                key: code.to_string(),
            }
            .into());
        };
        let id = AgreementId::for_area(&code, round)
            .map_err(|e| ApiError::bad_argument("area", e.problem))?;
        let command = Command::OpenAgreement {
            area: area.code,
            region: area.region,
            policy,
            indicator_set,
        };
        Ok(Response::new(
            self.execute(
                &actor,
                id,
                &r.request_id,
                r.expected_version,
                convert::occurred_at(r.occurred_at.as_ref())?,
                command,
            )
            .await?,
        ))
    }

    async fn get_agreement(
        &self,
        request: Request<pb::GetAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let id = convert::agreement_name("name", &request.get_ref().name)?;
        let state = self.read_agreement(&actor, &id).await?;
        let mut agreement = self
            .rendered
            .agreement(&id, &state, &self.store.catalogue());
        agreement.first_bad_sequence = self
            .store
            .broken(&id)
            .map(|b| i64::try_from(b.first_bad_sequence).unwrap_or(i64::MAX));
        Ok(Response::new(agreement))
    }

    async fn list_agreements(
        &self,
        request: Request<pb::ListAgreementsRequest>,
    ) -> Result<Response<pb::ListAgreementsResponse>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let mut filter = AgreementFilter {
            region: convert::region(r.region)?,
            area: if r.area.trim().is_empty() {
                None
            } else {
                Some(convert::area_name("area", &r.area)?)
            },
            status: convert::status_filter(r.status)?,
            refresh_overdue_on: r.refresh_overdue.then(|| Utc::now().date_naive()),
        };
        self.scope_filter(&actor, &mut filter)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::AGREEMENTS)?;
        let after = convert::parse_page_token(&r.page_token, |p| {
            AgreementId::new(p).ok().map(|id| id.to_string())
        })?;
        let (rows, next) = self
            .store
            .list_agreements(filter, size, after)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListAgreementsResponse {
            agreements: rows
                .iter()
                .map(|row| agreement_to_pb(&row.agreement, &self.store.catalogue()))
                .collect(),
            next_page_token: next.map(|n| convert::page_token(&n)).unwrap_or_default(),
        }))
    }

    async fn propose_target(
        &self,
        request: Request<pb::ProposeTargetRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            let (number, local) = match r.indicator {
                Some(pb::propose_target_request::Indicator::IndicatorNumber(n)) => (Some(n), None),
                Some(pb::propose_target_request::Indicator::LocalIndicator(l)) => (None, Some(l)),
                None => (None, None),
            };
            Ok(Command::ProposeTarget {
                indicator: convert::proposed_indicator(number, local)?,
                terms: convert::terms(r.terms)?,
                rationale: r.rationale,
                evidence: r.evidence,
                department: convert::department(&r.department)?,
                priority: match r.priority {
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
        })
        .await
    }

    async fn counter_offer(
        &self,
        request: Request<pb::CounterOfferRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::CounterOffer {
                target: convert::target_id("target", r.target)?,
                terms: convert::terms(r.terms)?,
                rationale: r.rationale,
                evidence: r.evidence,
                deal_breaker: r.deal_breaker,
                department: convert::department(&r.department)?,
            })
        })
        .await
    }

    async fn propose_rebaseline(
        &self,
        request: Request<pb::ProposeRebaselineRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::ProposeRebaseline {
                target: convert::target_id("target", r.target)?,
                terms: convert::terms(r.terms)?,
                reason: convert::rebaseline_reason(&r.reason)?,
                rationale: r.rationale,
                evidence: r.evidence,
                department: convert::department(&r.department)?,
            })
        })
        .await
    }

    async fn lodge_explanation(
        &self,
        request: Request<pb::LodgeExplanationRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::LodgeExplanation {
                indicator: convert::indicator_number("indicator_number", r.indicator_number)?,
                explanation: r.explanation,
            })
        })
        .await
    }

    async fn accept_offer(
        &self,
        request: Request<pb::AcceptOfferRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::AcceptOffer {
                target: convert::target_id("target", r.target)?,
            })
        })
        .await
    }

    async fn decline_target(
        &self,
        request: Request<pb::DeclineTargetRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::DeclineTarget {
                target: convert::target_id("target", r.target)?,
                reason: r.reason,
                deal_breaker: r.deal_breaker,
            })
        })
        .await
    }

    async fn withdraw_target(
        &self,
        request: Request<pb::WithdrawTargetRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::WithdrawTarget {
                target: convert::target_id("target", r.target)?,
                reason: r.reason,
            })
        })
        .await
    }

    async fn endorse_agreement(
        &self,
        request: Request<pb::EndorseAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |_| Ok(Command::EndorseAgreement)).await
    }

    async fn submit_agreement(
        &self,
        request: Request<pb::SubmitAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |_| Ok(Command::SubmitAgreement)).await
    }

    async fn return_agreement(
        &self,
        request: Request<pb::ReturnAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::ReturnAgreement { reason: r.reason })
        })
        .await
    }

    async fn sign_off_agreement(
        &self,
        request: Request<pb::SignOffAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |_| Ok(Command::SignOffAgreement)).await
    }

    async fn open_refresh(
        &self,
        request: Request<pb::OpenRefreshRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::OpenRefresh {
                round: convert::refresh("round", &r.round).map_err(|_| {
                    ApiError::bad_argument("round", "the refresh round is required, e.g. 2009")
                })?,
                indicator_set: match r.indicator_set {
                    0 => None,
                    v => Some(convert::set_version("indicator_set", v)?),
                },
            })
        })
        .await
    }

    async fn record_actual(
        &self,
        request: Request<pb::RecordActualRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::RecordActual {
                target: convert::target_id("target", r.target)?,
                year: convert::year("year", &r.year)?,
                value: convert::value("value", r.value)?,
                source: r.source,
            })
        })
        .await
    }

    async fn revoke_designation(
        &self,
        request: Request<pb::RevokeDesignationRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::RevokeDesignation {
                target: match r.target {
                    0 => None,
                    t => Some(convert::target_id("target", t)?),
                },
                reason: r.reason,
            })
        })
        .await
    }

    async fn close_agreement(
        &self,
        request: Request<pb::CloseAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |_| Ok(Command::CloseAgreement)).await
    }

    async fn record_refused_request(
        &self,
        request: Request<pb::RecordRefusedRequestRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::RecordRefusedRequest {
                indicator: convert::indicator_number("indicator_number", r.indicator_number)?,
                department: convert::department(&r.department)?.ok_or_else(|| {
                    ApiError::invalid(
                        convert::TERMS,
                        "department",
                        format!(
                            "the department that asked is required, one of {}",
                            laa_core::departments::valid_codes()
                        ),
                    )
                })?,
                rationale: r.rationale,
            })
        })
        .await
    }

    async fn declare_priorities(
        &self,
        request: Request<pb::DeclarePrioritiesRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            let priorities = r
                .priorities
                .into_iter()
                .map(|p| {
                    let departments = p
                        .departments
                        .iter()
                        .map(|d| convert::department(d))
                        .collect::<Result<Vec<_>, _>>()?
                        .into_iter()
                        .flatten()
                        .collect();
                    Ok(laa_core::agreement::Priority {
                        statement: p.statement,
                        departments,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(Command::DeclarePriorities { priorities })
        })
        .await
    }
}

impl Engine {
    /// Narrows a listing to what the caller may read (rule 10): a GO
    /// negotiator sees its region, an area negotiator its area; asking for
    /// more is OUT_OF_SCOPE.
    pub(crate) fn scope_filter(
        &self,
        actor: &Actor,
        filter: &mut AgreementFilter,
    ) -> Result<(), ApiError> {
        match authorise_listing(actor, filter.region, filter.area.as_ref())? {
            Visible::All => {}
            Visible::Region(region) => filter.region = Some(region),
            Visible::Area(area) => filter.area = Some(area),
        }
        Ok(())
    }
}
