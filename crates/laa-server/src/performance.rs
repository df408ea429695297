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
use crate::read_models::{KeptPerformance, PerformanceRow, ScopeStamp};

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
            round: convert::round_filter("round", &r.round)?,
            ..AgreementFilter::default()
        };
        let assigned = self.scope_filter(&actor, &mut filter)?;
        // Every agreement's rows first (kept, shared), then only the page's
        // rows copied into the answer.
        let kept = match &assigned {
            Some(champion) => {
                let reach = self.assigned_to(champion, &filter).await?;
                std::sync::Arc::new(self.scope_rows(&filter, Some(&reach)).await?)
            }
            None => self.kept_scope_rows(&filter).await?,
        };
        let mut matching = kept.rows.iter().flat_map(|rows| rows.iter()).filter(|p| {
            indicator.is_none_or(|n| p.indicator == Some(n))
                && status.is_none_or(|s| p.overall == s)
        });
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        // The page's rows are sent as they are kept, encoded (each by this
        // process, from a message it made): a copy of their bytes each.
        let page: Vec<prost::bytes::Bytes> = matching
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
            encoded_targets: page,
            next_page_token: next,
            ..Default::default()
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

    async fn get_area_assessment(
        &self,
        request: Request<pb::GetAreaAssessmentRequest>,
    ) -> Result<Response<pb::AreaAssessment>, GrpcStatus> {
        let actor = authenticate(&self.credentials, &request).await?;
        let id = convert::agreement_name("agreement", &request.get_ref().agreement)?;
        let state = self.read_agreement(&actor, &id).await?;
        let round = state.policy().map(|p| p.name.clone()).unwrap_or_default();
        let (kinds, others) = self.round_comparators(&round).await?;
        let kind_of = |area: &laa_core::AreaCode| kinds.get(area).map_or("", String::as_str);
        let me = state
            .opening
            .as_ref()
            .map(|o| laa_core::performance::Comparator {
                agreement: &state,
                kind: kind_of(&o.area),
            })
            .ok_or_else(|| {
                ApiError::from(laa_store::StoreError::NotFound {
                    what: "agreement",
                    key: id.to_string(),
                })
            })?;
        let comparators: Vec<laa_core::performance::Comparator<'_>> = others
            .iter()
            .map(|(area, agreement)| laa_core::performance::Comparator {
                agreement,
                kind: kind_of(area),
            })
            .collect();
        let assessment = laa_core::performance::assess(me, &comparators, &self.store.catalogue())
            .ok_or_else(|| {
            ApiError::from(laa_store::StoreError::NotFound {
                what: "agreement",
                key: id.to_string(),
            })
        })?;
        Ok(Response::new(convert::assessment_to_pb(
            &state,
            &assessment,
        )))
    }
}

/// Every area's kind, by code: its comparator group.
type Kinds = std::collections::HashMap<laa_core::AreaCode, String>;

/// The agreements of a round, each with its area.
type RoundAgreements = Vec<(laa_core::AreaCode, std::sync::Arc<laa_core::Agreement>)>;

impl Engine {
    /// Every area's kind and every agreement of `round` (its state as the
    /// database holds it): what an area is compared with
    /// (`GetAreaAssessment`). Read a page at a time; the states are shared
    /// with the store's memory, not copied.
    async fn round_comparators(&self, round: &str) -> Result<(Kinds, RoundAgreements), ApiError> {
        let mut kinds = Kinds::new();
        let mut after = None;
        loop {
            let (page, next) = self
                .queries
                .list_areas(None, 1_000, after)
                .await
                .map_err(ApiError::from)?;
            kinds.extend(page.into_iter().map(|a| (a.code, a.kind)));
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let mut agreements = Vec::new();
        let mut after = None;
        loop {
            let (rows, next) = self
                .queries
                .list_agreements(AgreementFilter::default(), 200, after)
                .await
                .map_err(ApiError::from)?;
            agreements.extend(
                rows.into_iter()
                    .filter(|row| row.agreement.policy().is_some_and(|p| p.name == round))
                    .map(|row| (row.area, row.agreement)),
            );
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok((kinds, agreements))
    }

    /// The rows of every agreement of `scope`, as last listed if the
    /// scope's version has not moved since ([`KeptPerformance`]), or
    /// listed now and kept.
    async fn kept_scope_rows(
        &self,
        scope: &AgreementFilter,
    ) -> Result<std::sync::Arc<KeptPerformance>, ApiError> {
        let kept = self
            .read_models
            .scope_performance
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(scope)
            .cloned();
        if let Some(kept) = kept
            && kept.scope.holds(&self.queries, scope).await?
        {
            return Ok(kept);
        }
        let listed = std::sync::Arc::new(self.scope_rows(scope, None).await?);
        // A scope of no agreement (a round that does not exist) is not
        // kept, so what is kept is bounded by the rounds and regions there are.
        if listed.rows.is_empty() {
            return Ok(listed);
        }
        self.read_models
            .scope_performance
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(scope.clone(), listed.clone());
        Ok(listed)
    }

    /// The rows of every agreement of `scope` (only those in `reach`, if
    /// given), each as kept at its version or derived now.
    async fn scope_rows(
        &self,
        scope: &AgreementFilter,
        reach: Option<&std::collections::BTreeSet<laa_core::AgreementId>>,
    ) -> Result<KeptPerformance, ApiError> {
        let mut versions = self.queries.agreement_versions(scope).await?;
        if let Some(ids) = reach {
            versions.retain(|listed| ids.contains(&listed.id));
        }
        let mut rows = Vec::with_capacity(versions.len());
        for listed in &versions {
            rows.push(
                match self.read_models.performance.at(&listed.id, listed.version) {
                    Some(kept) => kept,
                    None => self.performance_rows(&listed.id).await?,
                },
            );
        }
        Ok(KeptPerformance {
            scope: ScopeStamp::of(&versions),
            rows,
        })
    }

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
                row: prost::Message::encode_to_vec(&target_performance_to_pb(&state, p)).into(),
            })
            .collect();
        Ok(self.read_models.performance.keep(id, state.version, rows))
    }
}
