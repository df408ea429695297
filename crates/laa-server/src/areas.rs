//! `AreaService`: England's upper-tier areas.

use laa_core::StreamId;
use laa_core::area::{Area, AreaCommand, Population};
use laa_core::authorise::authorise_administration;
use laa_proto::v1 as pb;
use laa_store::AreaRecord;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, region_to_pb};
use crate::error::ApiError;

/// An area to the wire.
pub fn area_to_pb(a: &AreaRecord) -> pb::Area {
    pb::Area {
        name: format!("areas/{}", a.code),
        code: a.code.to_string(),
        display_name: a.name.clone(),
        region: region_to_pb(a.region).into(),
        kind: a.kind.clone(),
        population: a
            .population
            .as_ref()
            .map_or(0, |p| i64::try_from(p.count).unwrap_or(i64::MAX)),
        population_as_of: a
            .population
            .as_ref()
            .map(|p| p.as_of.to_string())
            .unwrap_or_default(),
        population_source: a
            .population
            .as_ref()
            .map(|p| p.source.clone())
            .unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl pb::area_service_server::AreaService for Engine {
    async fn list_areas(
        &self,
        request: Request<pb::ListAreasRequest>,
    ) -> Result<Response<pb::ListAreasResponse>, Status> {
        authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let region = convert::region("region", r.region)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::AREAS)?;
        let after = convert::parse_page_token(&r.page_token, |p| {
            laa_core::AreaCode::new(p).ok().map(|code| code.to_string())
        })?;
        let (areas, next) = self
            .queries
            .list_areas(region, size, after)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListAreasResponse {
            areas: areas.iter().map(area_to_pb).collect(),
            next_page_token: next.map(|n| convert::page_token(&n)).unwrap_or_default(),
        }))
    }

    async fn get_area(
        &self,
        request: Request<pb::GetAreaRequest>,
    ) -> Result<Response<pb::Area>, Status> {
        authenticate(&self.credentials, &request).await?;
        let code = convert::area_name("name", &request.get_ref().name)?;
        let area = self
            .queries
            .area(&code)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound {
                what: "area",
                key: code.to_string(),
            })?;
        Ok(Response::new(area_to_pb(&area)))
    }

    async fn create_area(
        &self,
        request: Request<pb::CreateAreaRequest>,
    ) -> Result<Response<pb::Area>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        authorise_administration(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let request_id = convert::request_id(&r.request_id)?;
        let area = r
            .area
            .ok_or_else(|| ApiError::bad_argument("area", "the area is required"))?;
        let code = convert::area_name("area.code", &area.code)?;
        let region = convert::region("area.region", area.region)?
            .ok_or_else(|| ApiError::bad_argument("area.region", "the region is required"))?;
        let executed = self
            .execute::<Area>(
                &StreamId::Area(code.clone()),
                &actor,
                request_id,
                None,
                AreaCommand::Create {
                    code: code.clone(),
                    name: area.display_name,
                    region,
                    kind: area.kind,
                },
                None,
            )
            .await?;
        let created = executed
            .after
            .state
            .created
            .ok_or_else(|| ApiError::NotFound {
                what: "area",
                key: code.to_string(),
            })?;
        let record = AreaRecord {
            code: created.code,
            name: created.name,
            region: created.region,
            kind: created.kind,
            population: executed.after.state.population,
        };
        tracing::info!(area = %record.code, principal = %actor.principal, "area created");
        Ok(Response::new(area_to_pb(&record)))
    }

    async fn set_area_population(
        &self,
        request: Request<pb::SetAreaPopulationRequest>,
    ) -> Result<Response<pb::Area>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        authorise_administration(&actor).map_err(ApiError::from)?;
        let r = request.into_inner();
        let request_id = convert::request_id(&r.request_id)?;
        let code = convert::area_name("area", &r.area)?;
        let count = u64::try_from(r.population)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_argument("population", "a population is at least 1"))?;
        let as_of =
            chrono::NaiveDate::parse_from_str(r.as_of.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::bad_argument(
                    "as_of",
                    format!(
                        "{} is not a date such as 2007-06-30",
                        laa_core::quote(&r.as_of)
                    ),
                )
            })?;
        if self
            .queries
            .area(&code)
            .await
            .map_err(ApiError::from)?
            .is_none()
        {
            return Err(ApiError::NotFound {
                what: "area",
                key: code.to_string(),
            }
            .into());
        }
        self.execute::<Area>(
            &StreamId::Area(code.clone()),
            &actor,
            request_id,
            None,
            AreaCommand::SetPopulation {
                population: Population {
                    count,
                    as_of,
                    source: r.source,
                },
            },
            None,
        )
        .await?;
        let area = self
            .queries
            .area(&code)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound {
                what: "area",
                key: code.to_string(),
            })?;
        tracing::info!(area = %code, principal = %actor.principal, "area population set");
        Ok(Response::new(area_to_pb(&area)))
    }
}
