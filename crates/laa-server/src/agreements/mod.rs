//! `AgreementService`: every command, and reading agreements.
//!
//! - this module: the service's methods, each parsing its request into a
//!   `laa_core::Command` (or a read) and handing it on;
//! - [`command`]: the path of a command (see `docs/ARCHITECTURE.md`):
//!   authenticate, load the agreement, `decide`, `append` (version check,
//!   events, projections and idempotency record in one transaction), tell
//!   followers, and answer with what changed;
//! - [`advice`]: `ListAdviceRequests`, requests for advice across agreements;
//! - [`import`]: `ImportTargets`, many targets' terms at once, and its
//!   preview (`validate_only`);
//! - [`rendered`]: the wire form of unchanged agreements, kept;
//! - [`by_state`]: listings narrowed by each agreement's state (what waits
//!   on the caller, what a champion is assigned to).

/// Implements [`command::Mutating`] for a request of an existing agreement:
/// its agreement, request id and date are its own fields; `$expected`
/// says which version it holds to (`None`: the agreement as it stands).
macro_rules! mutating {
    ($request:ty, |$r:ident| $expected:expr) => {
        impl $crate::agreements::command::Mutating for $request {
            fn agreement(&self) -> &str {
                &self.agreement
            }
            fn request_id(&self) -> &str {
                &self.request_id
            }
            fn expected_version(&self) -> Option<i64> {
                let $r = self;
                $expected
            }
            fn occurred_at(&self) -> Option<&prost_types::Timestamp> {
                self.occurred_at.as_ref()
            }
        }
    };
}

mod advice;
mod by_state;
mod command;
mod import;
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

/// `AgreementService`: each command registered on one line (the method and
/// its request, which `convert::commands` parses), every one taking the one
/// command path ([`Engine::run`]); and the methods that open or read
/// agreements, written out.
macro_rules! agreement_service {
    (
        commands { $($method:ident: $request:ty,)* }
        administration { $($admin_method:ident: $admin_request:ty,)* }
        $($reads:tt)*
    ) => {
        $(mutating!($request, |r| Some(r.expected_version));)*
        $(mutating!($admin_request, |_r| None);)*

        #[tonic::async_trait]
        impl pb::agreement_service_server::AgreementService for Engine {
            $(
                async fn $method(
                    &self,
                    request: Request<$request>,
                ) -> Result<Response<pb::AgreementResponse>, Status> {
                    self.run(request).await
                }
            )*
            $(
                async fn $admin_method(
                    &self,
                    request: Request<$admin_request>,
                ) -> Result<Response<pb::AgreementResponse>, Status> {
                    self.run(request).await
                }
            )*

            $($reads)*
        }
    };
}

agreement_service! {
    commands {
        propose_target: pb::ProposeTargetRequest,
        counter_offer: pb::CounterOfferRequest,
        propose_rebaseline: pb::ProposeRebaselineRequest,
        approve_rebaseline: pb::ApproveRebaselineRequest,
        reject_rebaseline: pb::RejectRebaselineRequest,
        lodge_explanation: pb::LodgeExplanationRequest,
        accept_offer: pb::AcceptOfferRequest,
        decline_target: pb::DeclineTargetRequest,
        withdraw_target: pb::WithdrawTargetRequest,
        endorse_agreement: pb::EndorseAgreementRequest,
        submit_agreement: pb::SubmitAgreementRequest,
        return_agreement: pb::ReturnAgreementRequest,
        sign_off_agreement: pb::SignOffAgreementRequest,
        open_refresh: pb::OpenRefreshRequest,
        record_actual: pb::RecordActualRequest,
        revoke_designation: pb::RevokeDesignationRequest,
        close_agreement: pb::CloseAgreementRequest,
        record_refused_request: pb::RecordRefusedRequestRequest,
        declare_priorities: pb::DeclarePrioritiesRequest,
        request_advice: pb::RequestAdviceRequest,
        record_advice: pb::RecordAdviceRequest,
        comment_on_target: pb::CommentOnTargetRequest,
        record_indicator_actual: pb::RecordIndicatorActualRequest,
        name_partners: pb::NamePartnersRequest,
    }

    // An administrator's commands of an agreement: decided on the agreement
    // as it stands, since an administrator reads no agreement's version.
    administration {
        assign_champion: pb::AssignChampionRequest,
        end_champion_assignment: pb::EndChampionAssignmentRequest,
    }

    async fn open_agreement(
        &self,
        request: Request<pb::OpenAgreementRequest>,
    ) -> Result<Response<pb::AgreementResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let code = convert::area_name("area", &r.area)?;
        let round = if r.round.trim().is_empty() {
            DEFAULT_ROUND
        } else {
            r.round.trim()
        };
        let policy = self
            .queries
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
        let Some(area) = self.queries.area(&code).await.map_err(ApiError::from)? else {
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
            self.execute_command(
                &actor,
                id,
                &r.request_id,
                Some(r.expected_version),
                convert::occurred_at(r.occurred_at.as_ref())?,
                command,
            )
            .await?,
        ))
    }

    async fn import_targets(
        &self,
        request: Request<pb::ImportTargetsRequest>,
    ) -> Result<Response<pb::ImportTargetsResponse>, Status> {
        self.run_import(request).await
    }

    async fn get_agreement(
        &self,
        request: Request<pb::GetAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
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

    async fn list_advice_requests(
        &self,
        request: Request<pb::ListAdviceRequestsRequest>,
    ) -> Result<Response<pb::ListAdviceRequestsResponse>, Status> {
        self.advice_inbox(request).await
    }

    async fn list_agreements(
        &self,
        request: Request<pb::ListAgreementsRequest>,
    ) -> Result<Response<pb::ListAgreementsResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
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
            round: convert::round_filter("round", &r.round)?,
        };
        let assigned = self.scope_filter(&actor, &mut filter)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::AGREEMENTS)?;
        let after = convert::parse_page_token(&r.page_token, |p| {
            AgreementId::new(p).ok().map(|id| id.to_string())
        })?;
        let (rows, next) = if r.waiting_on_me {
            // The rule reaches only what the caller may read, a champion's
            // assignments included.
            self.list_waiting_on(&actor, filter, size, after).await?
        } else if let Some(champion) = assigned {
            self.list_where(filter, size, after, |row| {
                row.agreement.is_champion(&champion)
            })
            .await?
        } else {
            self.queries
                .list_agreements(filter, size, after)
                .await
                .map_err(ApiError::from)?
        };
        Ok(Response::new(pb::ListAgreementsResponse {
            agreements: rows
                .iter()
                .map(|row| agreement_to_pb(&row.agreement, &self.store.catalogue()))
                .collect(),
            next_page_token: next.map(|n| convert::page_token(&n)).unwrap_or_default(),
        }))
    }

}

impl Engine {
    /// Narrows a listing to what the caller may read (rule 10): a GO
    /// negotiator sees its region, an area negotiator its area; asking for
    /// more is OUT_OF_SCOPE. A negotiating champion sees the agreements
    /// assigned to them, which no filter column holds: the champion's
    /// principal is answered, for the caller to keep only those.
    pub(crate) fn scope_filter(
        &self,
        actor: &Actor,
        filter: &mut AgreementFilter,
    ) -> Result<Option<String>, ApiError> {
        match authorise_listing(actor, filter.region, filter.area.as_ref())? {
            Visible::All => {}
            Visible::Region(region) => filter.region = Some(region),
            Visible::Area(area) => filter.area = Some(area),
            Visible::Assigned(champion) => return Ok(Some(champion)),
        }
        Ok(None)
    }
}
