//! `IndicatorService`: the National Indicator Set, by version.

use laa_core::IndicatorStatus;
use laa_proto::v1 as pb;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, indicator_to_pb};
use crate::error::ApiError;

#[tonic::async_trait]
impl pb::indicator_service_server::IndicatorService for Engine {
    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        authenticate(&self.store, &request).await?;
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: laa_core::departments::departments_2008()
                .iter()
                .map(|d| pb::Department {
                    name: format!("departments/{}", d.code),
                    code: d.code.to_string(),
                    display_name: d.name.clone(),
                    kind: d.kind.clone(),
                })
                .collect(),
        }))
    }

    async fn list_indicator_sets(
        &self,
        request: Request<pb::ListIndicatorSetsRequest>,
    ) -> Result<Response<pb::ListIndicatorSetsResponse>, Status> {
        authenticate(&self.store, &request).await?;
        let sets = self.store.indicator_sets().await.map_err(ApiError::from)?;
        Ok(Response::new(pb::ListIndicatorSetsResponse {
            indicator_sets: sets
                .into_iter()
                .map(|s| pb::IndicatorSet {
                    name: format!("indicatorSets/{}", s.version),
                    version: i32::from(s.version.get()),
                    status: match s.status {
                        laa_core::SetStatus::Draft => "draft".into(),
                        laa_core::SetStatus::Published => "published".into(),
                    },
                    active_count: i32::try_from(s.active).unwrap_or(i32::MAX),
                })
                .collect(),
        }))
    }

    async fn list_indicators(
        &self,
        request: Request<pb::ListIndicatorsRequest>,
    ) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let version = convert::set_name("indicator_set", &r.indicator_set)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::INDICATORS)?;
        // An offset token is 1 or more (the first page has no token).
        let offset: usize =
            convert::parse_page_token(&r.page_token, convert::numeric_position)?.unwrap_or(0);
        let status = match r.status.trim() {
            "" => None,
            "active" => Some(IndicatorStatus::Active),
            "withdrawn" => Some(IndicatorStatus::Withdrawn),
            other => {
                return Err(ApiError::bad_argument(
                    "status",
                    format!("{} is not active or withdrawn", laa_core::quote(other)),
                )
                .into());
            }
        };
        let catalogue = self.store.catalogue();
        let set = catalogue.set(version).ok_or(ApiError::NotFound {
            what: "indicator set",
            key: version.to_string(),
        })?;
        let matching: Vec<pb::Indicator> = set
            .members
            .iter()
            .filter(|(_, s)| status.is_none_or(|wanted| **s == wanted))
            .filter_map(|(n, _)| indicator_to_pb(catalogue, version, *n))
            .filter(|i| r.statutory.is_none_or(|s| i.statutory == s))
            .filter(|i| {
                r.subject_group.is_empty()
                    || i.subject_group.eq_ignore_ascii_case(r.subject_group.trim())
            })
            .collect();
        let end = offset
            .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
            .min(matching.len());
        let page = matching
            .get(offset.min(end)..end)
            .unwrap_or_default()
            .to_vec();
        let next = if end < matching.len() {
            convert::page_token(&end.to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListIndicatorsResponse {
            indicators: page,
            next_page_token: next,
        }))
    }

    async fn get_indicator(
        &self,
        request: Request<pb::GetIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        authenticate(&self.store, &request).await?;
        let (version, number) = convert::indicator_name("name", &request.get_ref().name)?;
        indicator_to_pb(self.store.catalogue(), version, number)
            .map(Response::new)
            .ok_or_else(|| {
                ApiError::NotFound {
                    what: "indicator",
                    key: request.get_ref().name.clone(),
                }
                .into()
            })
    }
}
