//! `ListAdviceRequests`: the requests for advice (recommendation 4) across
//! the agreements a caller may read, a department's inbox and the GO's.
//! Requests live in each agreement's state, so the agreements in scope are
//! read as the listings read them, and their requests gathered in
//! agreement and request order; the page token is a position in that order.

use laa_proto::v1 as pb;
use laa_store::{AgreementFilter, PageLimits};
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, advice_to_pb};

impl Engine {
    /// Answers `ListAdviceRequests`.
    pub(super) async fn advice_inbox(
        &self,
        request: Request<pb::ListAdviceRequestsRequest>,
    ) -> Result<Response<pb::ListAdviceRequestsResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let department = convert::department(&r.department)?;
        let mut filter = AgreementFilter {
            region: convert::region("region", r.region)?,
            ..AgreementFilter::default()
        };
        let assigned = self.scope_filter(&actor, &mut filter)?;
        let size = convert::page_size(r.page_size, PageLimits::PERFORMANCE)?;
        let offset: usize =
            convert::parse_page_token(&r.page_token, convert::numeric_position)?.unwrap_or(0);
        let (rows, _) = self
            .list_where(filter, u64::MAX, None, |row| {
                !row.agreement.advice.is_empty()
                    && assigned
                        .as_deref()
                        .is_none_or(|champion| row.agreement.is_champion(champion))
            })
            .await?;
        let mut matching = rows.iter().flat_map(|row| {
            let opening = row.agreement.opening.as_ref();
            row.agreement
                .advice
                .iter()
                .filter(|(_, asked)| {
                    department.as_ref().is_none_or(|d| asked.department == *d)
                        && !(r.open_only && asked.answer.is_some())
                })
                .map(move |(n, asked)| pb::ListedAdviceRequest {
                    agreement: format!("agreements/{}", row.id),
                    area: opening
                        .map(|o| format!("areas/{}", o.area))
                        .unwrap_or_default(),
                    region: opening
                        .map_or(pb::Region::Unspecified, |o| convert::region_to_pb(o.region))
                        .into(),
                    request: Some(advice_to_pb(*n, asked)),
                })
        });
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let requests: Vec<_> = matching.by_ref().skip(offset).take(size).collect();
        let next_page_token = if matching.next().is_some() {
            convert::page_token(&offset.saturating_add(size).to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListAdviceRequestsResponse {
            requests,
            next_page_token,
        }))
    }
}
