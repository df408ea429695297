//! What the engine lists to a person for the reference pages and the form
//! that opens an agreement: every area (of a region), round and indicator
//! set. A list the engine refuses is empty: a page shows what it can.

use laa_proto::v1 as pb;
use laa_proto::v1::area_service_server::AreaService;
use laa_proto::v1::indicator_service_server::IndicatorService;
use laa_proto::v1::round_service_server::RoundService;

use crate::Workspace;
use crate::session::Person;

/// Every area of `region` (0: every region) the engine lists to `person`,
/// page after page (at most a few over a thousand, more than England has).
pub(super) async fn every_area(
    workspace: &Workspace,
    person: &Person,
    region: i32,
) -> Vec<pb::Area> {
    let mut areas = Vec::new();
    let mut page_token = String::new();
    loop {
        let Ok(listed) = workspace
            .engine
            .list_areas(person.request(pb::ListAreasRequest {
                region,
                page_size: 200,
                page_token: page_token.clone(),
            }))
            .await
            .map(tonic::Response::into_inner)
        else {
            break;
        };
        areas.extend(listed.areas);
        if listed.next_page_token.is_empty() || areas.len() > 1000 {
            break;
        }
        page_token = listed.next_page_token;
    }
    areas
}

/// Every round the engine lists to `person`.
pub(super) async fn every_round(workspace: &Workspace, person: &Person) -> Vec<pb::Round> {
    workspace
        .engine
        .list_rounds(person.request(pb::ListRoundsRequest {}))
        .await
        .map(|r| r.into_inner().rounds)
        .unwrap_or_default()
}

/// Every indicator set the engine lists to `person` (drafts included).
pub(super) async fn every_set(workspace: &Workspace, person: &Person) -> Vec<pb::IndicatorSet> {
    workspace
        .engine
        .list_indicator_sets(person.request(pb::ListIndicatorSetsRequest {}))
        .await
        .map(|r| r.into_inner().indicator_sets)
        .unwrap_or_default()
}
