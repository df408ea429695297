//! `AreaService`: England's upper-tier areas.

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
    }
}

#[tonic::async_trait]
impl pb::area_service_server::AreaService for Engine {
    async fn list_areas(
        &self,
        request: Request<pb::ListAreasRequest>,
    ) -> Result<Response<pb::ListAreasResponse>, Status> {
        authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let region = convert::region("region", r.region)?;
        let size = convert::page_size(r.page_size, laa_store::PageLimits::AREAS)?;
        let after = convert::parse_page_token(&r.page_token, |p| {
            laa_core::AreaCode::new(p).ok().map(|code| code.to_string())
        })?;
        let (areas, next) = self
            .store
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
        authenticate(&self.store, &request).await?;
        let code = convert::area_name("name", &request.get_ref().name)?;
        let area = self
            .store
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
        let actor = authenticate(&self.store, &request).await?;
        authorise_administration(&actor).map_err(ApiError::from)?;
        let area = request
            .into_inner()
            .area
            .ok_or_else(|| ApiError::bad_argument("area", "the area is required"))?;
        let code = convert::area_name("area.code", &area.code)?;
        let region = convert::region("area.region", area.region)?
            .ok_or_else(|| ApiError::bad_argument("area.region", "the region is required"))?;
        let name = area.display_name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(ApiError::bad_argument(
                "area.display_name",
                "a name of 1 to 200 characters is required",
            )
            .into());
        }
        let kind = area.kind.trim();
        if !laa_core::areas::AREA_KINDS.contains(&kind) {
            return Err(ApiError::bad_argument(
                "area.kind",
                format!(
                    "{} is not one of {}",
                    laa_core::quote(kind),
                    laa_core::areas::AREA_KINDS.join(", ")
                ),
            )
            .into());
        }
        let record = AreaRecord {
            code,
            name: name.to_owned(),
            region,
            kind: kind.to_owned(),
        };
        self.store
            .create_area(record.clone())
            .await
            .map_err(ApiError::from)?;
        tracing::info!(area = %record.code, principal = %actor.principal, "area created");
        Ok(Response::new(area_to_pb(&record)))
    }
}
