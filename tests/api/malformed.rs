//! Malformed requests get INVALID_ARGUMENT or FAILED_PRECONDITION with the
//! right reason, never INTERNAL or a panic, and leave the log unchanged.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

fn with_value(at: usize, value: f64) -> pb::Terms {
    let mut t = pct(50.0, [52.0, 54.0, 56.0]);
    if let Some(pb::terms::Kind::Values(v)) = &mut t.kind {
        v.trajectory[at].value = Some(pb::year_value::Value::Amount(value));
    }
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_with_their_reason_and_change_nothing() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let before = app.event_count("kent-2008-11").await;

        let cases: Vec<(&str, pb::ProposeTargetRequest, Code, &str)> = vec![
            (
                "unknown indicator",
                proposal(v, 250, pct(50.0, [52.0, 54.0, 56.0])),
                Code::InvalidArgument,
                "INDICATOR_UNKNOWN",
            ),
            (
                "indicator 0",
                proposal(v, 0, pct(50.0, [52.0, 54.0, 56.0])),
                Code::InvalidArgument,
                "INDICATOR_UNKNOWN",
            ),
            (
                "withdrawn or absent from the set",
                proposal(v, 199, pct(50.0, [52.0, 54.0, 56.0])),
                Code::FailedPrecondition,
                "INDICATOR_NOT_ACTIVE",
            ),
            (
                "NaN",
                proposal(v, 117, with_value(1, f64::NAN)),
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "infinity",
                proposal(v, 117, with_value(2, f64::INFINITY)),
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a percentage of 250",
                proposal(v, 117, with_value(0, 250.0)),
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "missing terms",
                pb::ProposeTargetRequest {
                    terms: None,
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "missing indicator",
                pb::ProposeTargetRequest {
                    indicator: None,
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "missing agreement",
                pb::ProposeTargetRequest {
                    agreement: String::new(),
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_ARGUMENT",
            ),
            (
                "missing rationale",
                pb::ProposeTargetRequest {
                    rationale: String::new(),
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                // Refused at the edge, before the handler reads the terms.
                "a NUL in the rationale",
                pb::ProposeTargetRequest {
                    rationale: "fine\0not".into(),
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_ARGUMENT",
            ),
            (
                "a 10 MB rationale",
                pb::ProposeTargetRequest {
                    rationale: "x".repeat(10 * 1024 * 1024),
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a bad unit",
                {
                    let mut t = pct(1.0, [1.0, 1.0, 1.0]);
                    if let Some(pb::terms::Kind::Values(v)) = &mut t.kind {
                        v.unit = "furlongs".into();
                    }
                    proposal(v, 117, t)
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a missing year",
                {
                    let mut t = pct(1.0, [1.0, 1.0, 1.0]);
                    if let Some(pb::terms::Kind::Values(v)) = &mut t.kind {
                        v.trajectory.pop();
                    }
                    proposal(v, 117, t)
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a baseline without its period",
                {
                    let mut t = pct(1.0, [1.0, 1.0, 1.0]);
                    if let Some(pb::terms::Kind::Values(v)) = &mut t.kind {
                        v.baseline.as_mut().unwrap().period.clear();
                    }
                    proposal(v, 117, t)
                },
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a placeholder due at no refresh",
                proposal(
                    v,
                    117,
                    pb::Terms {
                        kind: Some(pb::terms::Kind::Placeholder(pb::Placeholder {
                            reason: "no_baseline".into(),
                            due: "2015".into(),
                        })),
                    },
                ),
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a bad placeholder reason",
                proposal(v, 117, placeholder("because")),
                Code::InvalidArgument,
                "INVALID_TERMS",
            ),
            (
                "a negative expected version",
                pb::ProposeTargetRequest {
                    expected_version: -1,
                    ..proposal(v, 117, pct(1.0, [1.0, 1.0, 1.0]))
                },
                Code::InvalidArgument,
                "INVALID_ARGUMENT",
            ),
        ];
        for (what, request, code, why) in cases {
            let status = assert_refused(go.agreements.propose_target(request).await, code, why);
            if code == Code::InvalidArgument && why != "INDICATOR_UNKNOWN" {
                assert!(
                    !bad_fields(&status).is_empty(),
                    "{what}: BadRequest names the field: {status:?}"
                );
            }
            assert_eq!(
                app.event_count("kent-2008-11").await,
                before,
                "{what} wrote nothing ({})",
                app.backend
            );
        }

        // Pages and names.
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let bad_page = auditor
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: KENT.into(),
                page_token: "not-a-token".into(),
                ..Default::default()
            })
            .await;
        assert_refused(bad_page, Code::InvalidArgument, "INVALID_ARGUMENT");
        let bad_page = auditor
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                page_token: "garbage".into(),
                ..Default::default()
            })
            .await;
        assert_refused(bad_page, Code::InvalidArgument, "INVALID_ARGUMENT");
        let bad_name = auditor
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: "agreements/Kent County!".into(),
            })
            .await;
        assert_refused(bad_name, Code::InvalidArgument, "INVALID_ARGUMENT");
        let bad_size = auditor
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                page_size: -5,
                ..Default::default()
            })
            .await;
        assert_refused(bad_size, Code::InvalidArgument, "INVALID_ARGUMENT");
        let bad_indicator = auditor
            .indicators
            .get_indicator(pb::GetIndicatorRequest {
                name: "indicators/117".into(),
            })
            .await;
        assert_refused(bad_indicator, Code::InvalidArgument, "INVALID_ARGUMENT");
        let unknown_set = auditor
            .indicators
            .list_indicators(pb::ListIndicatorsRequest {
                indicator_set: "2031".into(),
                ..Default::default()
            })
            .await;
        assert_refused(unknown_set, Code::NotFound, "NOT_FOUND");
        let unknown_area = go
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/atlantis".into(),
                indicator_set: 2007,
                ..Default::default()
            })
            .await;
        // An area that does not exist lies outside the GO's region: opening
        // it answers as any other area outside its scope would (issue 9).
        assert_refused(unknown_area, Code::PermissionDenied, "OUT_OF_SCOPE");
        let unknown_area = go
            .areas
            .get_area(pb::GetAreaRequest {
                name: "areas/atlantis".into(),
            })
            .await;
        assert_refused(unknown_area, Code::NotFound, "NOT_FOUND");
        assert_eq!(app.event_count("kent-2008-11").await, before);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_36th_designated_target_is_refused() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut v = open_kent(&mut go).await;
        let pool: Vec<i32> = (1..=70)
            .filter(|n| ![31, 72, 73, 74, 75, 83, 87].contains(n))
            .take(36)
            .collect();
        for n in &pool[..35] {
            v = go
                .agreements
                .propose_target(go_proposal(v, *n, fitting(*n), "HO"))
                .await
                .unwrap()
                .into_inner()
                .agreement
                .unwrap()
                .version;
        }
        let status = assert_refused(
            go.agreements
                .propose_target(go_proposal(
                    v,
                    pool[35],
                    pct(50.0, [52.0, 54.0, 56.0]),
                    "HO",
                ))
                .await,
            Code::FailedPrecondition,
            "DESIGNATED_CAP_REACHED",
        );
        let info = tonic_types::StatusExt::get_error_details(&status);
        assert_eq!(
            info.error_info()
                .unwrap()
                .metadata
                .get("cap")
                .map(String::as_str),
            Some("35")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_unknown_credentials_are_unauthenticated() {
    for_each_database(|app| async move {
        let mut anonymous = app.clients(None).await;
        let status = anonymous
            .areas
            .list_areas(pb::ListAreasRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
        assert_eq!(reason(&status), "UNAUTHENTICATED");
        let mut forged = app
            .clients(Some(
                "laa_0000000000000000000000000000000000000000000000000000000000000000",
            ))
            .await;
        let status = forged
            .areas
            .list_areas(pb::ListAreasRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
        // A revoked token stops working at once.
        let (id, secret) = app
            .store
            .credentials()
            .issue_token(laa_core::Role::Auditor, laa_core::Scope::National, "temp")
            .await
            .unwrap();
        let mut temp = app.clients(Some(&secret)).await;
        temp.areas
            .list_areas(pb::ListAreasRequest::default())
            .await
            .unwrap();
        assert!(app.store.credentials().revoke_token(&id).await.unwrap());
        let status = temp
            .areas
            .list_areas(pb::ListAreasRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    })
    .await;
}
