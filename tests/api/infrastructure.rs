//! Reflection, health, and the reference data a fresh server starts with.

use laa_proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_and_health_are_served() {
    for_each_database(|app| async move {
        let channel = tonic::transport::Channel::from_shared(app.url())
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut reflection = ServerReflectionClient::new(channel.clone());
        let request = tonic_reflection::pb::v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut responses = reflection
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let Some(Ok(response)) = responses.next().await else {
            panic!("no reflection answer")
        };
        let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
            panic!("not a service list")
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for service in [
            "laa.v1.AgreementService",
            "laa.v1.AuditService",
            "laa.v1.IndicatorService",
            "laa.v1.AreaService",
            "grpc.health.v1.Health",
        ] {
            assert!(
                names.contains(&service.to_owned()),
                "{service} in {names:?}"
            );
        }
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: "laa.v1.AgreementService".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_server_knows_the_indicator_sets_regions_and_150_areas() {
    for_each_database(|app| async move {
        let mut c = app.clients(Some(&app.tokens.auditor)).await;
        let sets = c
            .indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .unwrap()
            .into_inner()
            .indicator_sets;
        assert_eq!(
            sets.iter()
                .map(|s| (s.version, s.active_count))
                .collect::<Vec<_>>(),
            [(2007, 198), (2008, 198)]
        );
        let mut all = Vec::new();
        let mut page_token = String::new();
        loop {
            let r = c
                .indicators
                .list_indicators(pb::ListIndicatorsRequest {
                    indicator_set: "indicatorSets/2008".into(),
                    page_size: 50,
                    page_token,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            all.extend(r.indicators);
            if r.next_page_token.is_empty() {
                break;
            }
            page_token = r.next_page_token;
        }
        assert_eq!(all.len(), 199, "198 active and NI 31 withdrawn");
        let statutory = c
            .indicators
            .list_indicators(pb::ListIndicatorsRequest {
                indicator_set: "2008".into(),
                statutory: Some(true),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .indicators;
        assert_eq!(statutory.len(), 16);
        let neet = c
            .indicators
            .get_indicator(pb::GetIndicatorRequest {
                name: "indicatorSets/2008/indicators/117".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(neet.laa_selections_2008, Some(115));
        let mut areas = 0;
        let mut page_token = String::new();
        loop {
            let r = c
                .areas
                .list_areas(pb::ListAreasRequest {
                    page_size: 40,
                    page_token,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            areas += r.areas.len();
            if r.next_page_token.is_empty() {
                break;
            }
            page_token = r.next_page_token;
        }
        assert_eq!(areas, 150);
        let kent = c
            .areas
            .get_area(pb::GetAreaRequest {
                name: "areas/kent".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(kent.region, pb::Region::SouthEast as i32);
    })
    .await;
}
