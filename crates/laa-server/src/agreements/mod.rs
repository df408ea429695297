//! `AgreementService`: every command, and reading agreements.
//!
//! - this module: the service's methods, each parsing its request into a
//!   `laa_core::Command` (or a read) and handing it on;
//! - [`command`]: the path of a command (see `docs/ARCHITECTURE.md`):
//!   authenticate, load the agreement, `decide`, `append` (version check,
//!   events, projections and idempotency record in one transaction), tell
//!   followers, and answer with what changed;
//! - [`rendered`]: the wire form of unchanged agreements, kept.

mod command;
mod rendered;

use laa_core::authorise::{Visible, authorise_listing, authorise_unopened};
use laa_core::{Actor, AgreementId, Command};
use laa_proto::v1 as pb;
use laa_store::AgreementFilter;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, agreement_to_pb};
use crate::error::ApiError;

pub use rendered::Rendered;

pub use laa_core::policy::DEFAULT_ROUND;

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
            region: convert::region("region", r.region)?,
            area: if r.area.trim().is_empty() {
                None
            } else {
                Some(convert::area_name("area", &r.area)?)
            },
            status: convert::status_filter(r.status)?,
            refresh_overdue_on: r.refresh_overdue.then(|| self.store.clock().today()),
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

    async fn approve_rebaseline(
        &self,
        request: Request<pb::ApproveRebaselineRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::ApproveRebaseline {
                target: convert::target_id("target", r.target)?,
            })
        })
        .await
    }

    async fn reject_rebaseline(
        &self,
        request: Request<pb::RejectRebaselineRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        self.run(request, |r| {
            Ok(Command::RejectRebaseline {
                target: convert::target_id("target", r.target)?,
                reason: r.reason,
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
                .enumerate()
                .map(|(i, p)| {
                    let departments = p
                        .departments
                        .iter()
                        .enumerate()
                        .map(|(j, d)| {
                            convert::department_in(&format!("priorities[{i}].departments[{j}]"), d)
                        })
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
