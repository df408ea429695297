//! `PerformanceService`: monitoring after sign-off and the reward grant.
//! The statuses and the reward's working are `laa_core::performance`'s;
//! this file reads, filters and renders.

use laa_core::performance::{Status, agreement_performance};
use laa_proto::v1 as pb;
use laa_store::AgreementFilter;
use tonic::{Request, Response, Status as GrpcStatus};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, agreement_performance_to_pb, reward_to_pb, target_performance_to_pb};
use crate::error::ApiError;
use crate::read_models::PerformanceRow;

#[tonic::async_trait]
impl pb::performance_service_server::PerformanceService for Engine {
    async fn get_performance(
        &self,
        request: Request<pb::GetPerformanceRequest>,
    ) -> Result<Response<pb::AgreementPerformance>, GrpcStatus> {
        let actor = authenticate(&self.credentials, &request).await?;
        let id = convert::agreement_name("agreement", &request.get_ref().agreement)?;
        let state = self.read_agreement(&actor, &id).await?;
        let targets = agreement_performance(&state, &self.store.catalogue());
        Ok(Response::new(agreement_performance_to_pb(&state, &targets)))
    }

    async fn list_performance(
        &self,
        request: Request<pb::ListPerformanceRequest>,
    ) -> Result<Response<pb::ListPerformanceResponse>, GrpcStatus> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let region = convert::region("region", r.region)?;
        let indicator = match r.indicator_number {
            0 => None,
            n => Some(convert::indicator_number("indicator_number", n)?),
        };
        let status = match r.status.trim() {
            "" => None,
            text => {
                Some(Status::parse(text).map_err(|e| ApiError::bad_argument("status", e.problem))?)
            }
        };
        let size = convert::page_size(r.page_size, laa_store::PageLimits::PERFORMANCE)?;
        let offset: usize =
            convert::parse_page_token(&r.page_token, convert::numeric_position)?.unwrap_or(0);
        let mut filter = AgreementFilter {
            region,
            ..AgreementFilter::default()
        };
        let assigned = self.scope_filter(&actor, &mut filter)?;
        let reach = match &assigned {
            Some(champion) => Some(self.assigned_to(champion, &filter).await?),
            None => None,
        };
        // Every agreement's rows first (kept, shared), then only the page's
        // rows copied into the answer.
        let mut kept = Vec::new();
        for listed in self
            .queries
            .agreement_versions(&filter)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .filter(|listed| reach.as_ref().is_none_or(|ids| ids.contains(&listed.id)))
        {
            kept.push(
                match self.read_models.performance.at(&listed.id, listed.version) {
                    Some(rows) => rows,
                    None => self.performance_rows(&listed.id).await?,
                },
            );
        }
        let mut matching = kept.iter().flat_map(|rows| rows.iter()).filter(|p| {
            indicator.is_none_or(|n| p.indicator == Some(n))
                && status.is_none_or(|s| p.overall == s)
        });
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let page: Vec<pb::TargetPerformance> = matching
            .by_ref()
            .skip(offset)
            .take(size)
            .map(|p| p.row.clone())
            .collect();
        let next = if matching.next().is_some() {
            convert::page_token(&offset.saturating_add(size).to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListPerformanceResponse {
            targets: page,
            next_page_token: next,
        }))
    }

    async fn get_tournament(
        &self,
        request: Request<pb::GetTournamentRequest>,
    ) -> Result<Response<pb::Tournament>, GrpcStatus> {
        let actor = authenticate(&self.credentials, &request).await?;
        laa_core::authorise::authorise_tournament(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let indicator = convert::indicator_number("indicator_number", r.indicator_number)?;
        let round = match r.round.trim() {
            "" => crate::agreements::DEFAULT_ROUND,
            other => other,
        };
        let catalogue = self.store.catalogue();
        // Judged by the indicator's polarity as the entrants' bound set
        // words it (the newest wording when no area has entered).
        let mut polarity =
            catalogue
                .indicator(indicator)
                .map(|i| i.polarity)
                .ok_or(ApiError::from(laa_core::DomainError::IndicatorUnknown {
                    indicator,
                }))?;
        let mut bound = false;
        let mut entrants = Vec::new();
        let mut policy = None;
        // Final once every agreement with a place in it is closed.
        let mut all_closed = true;
        let mut after = None;
        loop {
            let (rows, next) = self
                .queries
                .list_agreements(AgreementFilter::default(), 200, after)
                .await
                .map_err(ApiError::from)?;
            for row in &rows {
                let state = &row.agreement;
                let Some(round_policy) = state.policy().filter(|p| p.name == round) else {
                    continue;
                };
                policy.get_or_insert_with(|| round_policy.tournament.clone());
                // An agreement is opened only for an area the reference
                // data holds, and areas are never removed: one missing is
                // corruption, not an area of no kind.
                let kind = self
                    .queries
                    .area(&row.area)
                    .await
                    .map_err(ApiError::from)?
                    .map(|a| a.kind)
                    .ok_or_else(|| {
                        ApiError::from(laa_store::StoreError::Corrupt {
                            agreement: state.id.to_string(),
                            sequence: state.version,
                            problem: format!("its area {} is not in the reference data", row.area),
                        })
                    })?;
                if let Some(entrant) = laa_core::performance::entrant(state, indicator, &kind) {
                    if !bound && let Some(measure) = state.measure(&catalogue, indicator) {
                        polarity = measure.polarity;
                        bound = true;
                    }
                    all_closed &= state.status == laa_core::AgreementStatus::Closed;
                    entrants.push(entrant);
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let policy = policy.unwrap_or_default();
        let is_final = all_closed && !entrants.is_empty();
        let table = laa_core::performance::tournament(polarity, entrants, &policy);
        Ok(Response::new(convert::tournament_to_pb(
            indicator, round, polarity, &policy, &table, is_final,
        )))
    }

    async fn get_reward(
        &self,
        request: Request<pb::GetRewardRequest>,
    ) -> Result<Response<pb::Reward>, GrpcStatus> {
        let actor = authenticate(&self.credentials, &request).await?;
        let id = convert::agreement_name("agreement", &request.get_ref().agreement)?;
        let state = self.read_agreement(&actor, &id).await?;
        Ok(Response::new(reward_to_pb(&state)))
    }
}

impl Engine {
    /// Derives an agreement's targets' performance from its current state,
    /// and keeps it at that state's version ([`crate::read_models`]).
    async fn performance_rows(
        &self,
        id: &laa_core::AgreementId,
    ) -> Result<std::sync::Arc<Vec<PerformanceRow>>, ApiError> {
        let state = self.store.load_shared(id).await?.ok_or_else(|| {
            ApiError::from(laa_store::StoreError::NotFound {
                what: "agreement",
                key: id.to_string(),
            })
        })?;
        let rows = agreement_performance(&state, &self.store.catalogue())
            .iter()
            .map(|p| PerformanceRow {
                indicator: p.indicator.national(),
                overall: p.overall,
                row: target_performance_to_pb(&state, p),
            })
            .collect();
        Ok(self.read_models.performance.keep(id, state.version, rows))
    }
}
