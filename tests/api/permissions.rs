//! The permission matrix: every method, called by every role, in scope and
//! out of scope.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Go,
    GoLondon,
    Kent,
    Surrey,
    SignOff,
    Auditor,
    Admin,
    Anonymous,
}

const EVERYONE: [Who; 8] = [
    Who::Go,
    Who::GoLondon,
    Who::Kent,
    Who::Surrey,
    Who::SignOff,
    Who::Auditor,
    Who::Admin,
    Who::Anonymous,
];

/// Calls one method as `c`; returns the status code (Ok for success).
async fn call(c: &mut Clients, method: &str, v: i64) -> Code {
    let result: Result<(), tonic::Status> = match method {
        "OpenAgreement" => c
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: String::new(),
                indicator_set: 2007,
                request_id: rid(),
                expected_version: 0,
                occurred_at: None,
            })
            .await
            .map(drop),
        "GetAgreement" => c
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .map(drop),
        "RecordRefusedRequest" => c
            .agreements
            .record_refused_request(pb::RecordRefusedRequestRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 47,
                department: "DfT".into(),
                rationale: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "ListDepartments" => c
            .indicators
            .list_departments(pb::ListDepartmentsRequest {})
            .await
            .map(drop),
        "ListAgreements" => c
            .agreements
            .list_agreements(pb::ListAgreementsRequest::default())
            .await
            .map(drop),
        "ProposeTarget" => c
            .agreements
            .propose_target(proposal(v, 112, on(112, 40.0, [38.0, 36.0, 34.0])))
            .await
            .map(drop),
        "CounterOffer" => c
            .agreements
            .counter_offer(pb::CounterOfferRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                terms: Some(pct(8.0, [7.0, 6.0, 5.0])),
                rationale: "matrix".into(),
                evidence: vec![],
                deal_breaker: false,
                department: String::new(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "AcceptOffer" => c
            .agreements
            .accept_offer(pb::AcceptOfferRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                occurred_at: None,
            })
            .await
            .map(drop),
        "DeclineTarget" => c
            .agreements
            .decline_target(pb::DeclineTargetRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                deal_breaker: false,
                occurred_at: None,
            })
            .await
            .map(drop),
        "WithdrawTarget" => c
            .agreements
            .withdraw_target(pb::WithdrawTargetRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "EndorseAgreement" => c
            .agreements
            .endorse_agreement(pb::EndorseAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .map(drop),
        "SubmitAgreement" => c
            .agreements
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .map(drop),
        "ReturnAgreement" => c
            .agreements
            .return_agreement(pb::ReturnAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                reason: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "SignOffAgreement" => c
            .agreements
            .sign_off_agreement(pb::SignOffAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .map(drop),
        "OpenRefresh" => c
            .agreements
            .open_refresh(pb::OpenRefreshRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                round: "2009".into(),
                indicator_set: 0,
                occurred_at: None,
            })
            .await
            .map(drop),
        "RecordActual" => c
            .agreements
            .record_actual(pb::RecordActualRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 1,
                year: "2008/09".into(),
                value: 50.0,
                source: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "RevokeDesignation" => c
            .agreements
            .revoke_designation(pb::RevokeDesignationRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "CloseAgreement" => c
            .agreements
            .close_agreement(pb::CloseAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .map(drop),
        "ListEvents" => c
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: KENT.into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "StreamEvents" => match c
            .audit
            .stream_events(pb::StreamEventsRequest {
                agreement: KENT.into(),
                from_sequence: 1,
                follow: false,
            })
            .await
        {
            Ok(s) => {
                let mut s = s.into_inner();
                let mut result = Ok(());
                while let Some(item) = s.message().await.transpose() {
                    if let Err(e) = item {
                        result = Err(e);
                        break;
                    }
                }
                result
            }
            Err(e) => Err(e),
        },
        "VerifyHistory" => c
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .map(drop),
        "GetNegotiationSummary" => c
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                agreement: KENT.into(),
                region: 0,
            })
            .await
            .map(drop),
        "ListIndicatorSets" => c
            .indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .map(drop),
        "ListIndicators" => c
            .indicators
            .list_indicators(pb::ListIndicatorsRequest {
                indicator_set: "2008".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "GetIndicator" => c
            .indicators
            .get_indicator(pb::GetIndicatorRequest {
                name: "indicatorSets/2008/indicators/117".into(),
            })
            .await
            .map(drop),
        "ListAreas" => c
            .areas
            .list_areas(pb::ListAreasRequest::default())
            .await
            .map(drop),
        "GetArea" => c
            .areas
            .get_area(pb::GetAreaRequest {
                name: "areas/kent".into(),
            })
            .await
            .map(drop),
        "CreateArea" => c
            .areas
            .create_area(pb::CreateAreaRequest {
                area: Some(pb::Area {
                    code: format!("new-area-{}", rid()),
                    display_name: "A New Unitary".into(),
                    region: pb::Region::SouthEast as i32,
                    kind: "unitary".into(),
                    ..Default::default()
                }),
                request_id: rid(),
            })
            .await
            .map(drop),
        "ProposeRebaseline" => c
            .agreements
            .propose_rebaseline(pb::ProposeRebaselineRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                terms: Some(pct(8.0, [7.0, 6.0, 5.0])),
                reason: "measurement_change".into(),
                rationale: "matrix".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "ApproveRebaseline" => c
            .agreements
            .approve_rebaseline(pb::ApproveRebaselineRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                occurred_at: None,
            })
            .await
            .map(drop),
        "RejectRebaseline" => c
            .agreements
            .reject_rebaseline(pb::RejectRebaselineRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "LodgeExplanation" => c
            .agreements
            .lodge_explanation(pb::LodgeExplanationRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 117,
                explanation: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "GetTournament" => c
            .performance
            .get_tournament(pb::GetTournamentRequest {
                indicator_number: 117,
                round: String::new(),
            })
            .await
            .map(drop),
        "GetPerformance" => c
            .performance
            .get_performance(pb::GetPerformanceRequest {
                agreement: KENT.into(),
            })
            .await
            .map(drop),
        "GetReward" => c
            .performance
            .get_reward(pb::GetRewardRequest {
                agreement: KENT.into(),
            })
            .await
            .map(drop),
        "ListPerformance" => c
            .performance
            .list_performance(pb::ListPerformanceRequest::default())
            .await
            .map(drop),
        "GetIndicatorSet" => c
            .indicators
            .get_indicator_set(pb::GetIndicatorSetRequest {
                name: "indicatorSets/2008".into(),
            })
            .await
            .map(drop),
        "CreateIndicatorSet" => c
            .indicators
            .create_indicator_set(pb::CreateIndicatorSetRequest {
                version: 2030,
                based_on: "2008".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "CommentOnIndicatorSet" => c
            .indicators
            .comment_on_indicator_set(pb::CommentOnIndicatorSetRequest {
                indicator_set: "2030".into(),
                text: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "PublishIndicatorSet" => c
            .indicators
            .publish_indicator_set(pb::PublishIndicatorSetRequest {
                name: "2030".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "CreateRound" => c
            .rounds
            .create_round(pb::CreateRoundRequest { round: None })
            .await
            .map(drop),
        "GetRound" => c
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "rounds/2008-11".into(),
            })
            .await
            .map(drop),
        "ListRounds" => c
            .rounds
            .list_rounds(pb::ListRoundsRequest {})
            .await
            .map(drop),
        "DeclarePriorities" => c
            .agreements
            .declare_priorities(pb::DeclarePrioritiesRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                priorities: vec![],
                occurred_at: None,
            })
            .await
            .map(drop),
        other => panic!("no such method in the matrix: {other}"),
    };
    match result {
        Ok(()) => Code::Ok,
        Err(status) => {
            if status.code() == Code::PermissionDenied {
                assert_eq!(reason(&status), "OUT_OF_SCOPE", "{method}: {status:?}");
            }
            status.code()
        }
    }
}

/// Who may call a method (in Kent's scope); everyone else is denied.
fn allowed(method: &str) -> &'static [Who] {
    use Who::*;
    match method {
        "OpenAgreement"
        | "SubmitAgreement"
        | "OpenRefresh"
        | "RecordRefusedRequest"
        | "DeclarePriorities" => &[Go],
        "ProposeTarget" | "CounterOffer" | "AcceptOffer" | "DeclineTarget" | "WithdrawTarget"
        | "ProposeRebaseline" => &[Go, Kent],
        "EndorseAgreement" | "RecordActual" | "LodgeExplanation" => &[Kent],
        "GetTournament" => &[Go, GoLondon, Kent, Surrey, SignOff, Auditor],
        "ReturnAgreement" | "SignOffAgreement" | "RevokeDesignation" | "CloseAgreement"
        | "ApproveRebaseline" | "RejectRebaseline" => &[SignOff],
        "GetAgreement"
        | "ListEvents"
        | "StreamEvents"
        | "VerifyHistory"
        | "GetNegotiationSummary"
        | "GetPerformance"
        | "GetReward" => &[Go, Kent, SignOff, Auditor],
        "ListAgreements" | "ListPerformance" => &[Go, GoLondon, Kent, Surrey, SignOff, Auditor],
        "ListIndicatorSets"
        | "ListIndicators"
        | "GetIndicator"
        | "ListDepartments"
        | "ListAreas"
        | "GetArea"
        | "GetIndicatorSet"
        | "CommentOnIndicatorSet"
        | "GetRound"
        | "ListRounds" => &[Go, GoLondon, Kent, Surrey, SignOff, Auditor, Admin],
        "CreateArea" | "CreateIndicatorSet" | "PublishIndicatorSet" | "CreateRound" => &[Admin],
        _ => &[],
    }
}

const METHODS: [&str; 44] = [
    "OpenAgreement",
    "GetAgreement",
    "ListAgreements",
    "ProposeTarget",
    "CounterOffer",
    "AcceptOffer",
    "DeclineTarget",
    "WithdrawTarget",
    "EndorseAgreement",
    "SubmitAgreement",
    "ReturnAgreement",
    "SignOffAgreement",
    "OpenRefresh",
    "RecordActual",
    "RevokeDesignation",
    "CloseAgreement",
    "RecordRefusedRequest",
    "ListDepartments",
    "ListEvents",
    "StreamEvents",
    "VerifyHistory",
    "GetNegotiationSummary",
    "ListIndicatorSets",
    "ListIndicators",
    "GetIndicator",
    "ListAreas",
    "GetArea",
    "CreateArea",
    "GetPerformance",
    "GetReward",
    "ListPerformance",
    "ProposeRebaseline",
    "ApproveRebaseline",
    "RejectRebaseline",
    "LodgeExplanation",
    "GetTournament",
    "GetIndicatorSet",
    "CreateIndicatorSet",
    "CommentOnIndicatorSet",
    "PublishIndicatorSet",
    "CreateRound",
    "GetRound",
    "ListRounds",
    "DeclarePriorities",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_by_every_role_in_and_out_of_scope() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let v = open_kent(&mut go).await;
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("a proposal to act on");
        for method in METHODS {
            for who in EVERYONE {
                let token = match who {
                    Who::Go => Some(t.go.as_str()),
                    Who::GoLondon => Some(t.go_london.as_str()),
                    Who::Kent => Some(t.kent.as_str()),
                    Who::Surrey => Some(t.surrey.as_str()),
                    Who::SignOff => Some(t.sign_off.as_str()),
                    Who::Auditor => Some(t.auditor.as_str()),
                    Who::Admin => Some(t.admin.as_str()),
                    Who::Anonymous => None,
                };
                let mut c = app.clients(token).await;
                let before = app.event_count("kent-2008-11").await;
                let v = version(&mut app.clients(Some(&t.auditor)).await, KENT).await;
                let code = call(&mut c, method, v).await;
                let expected_denied = !allowed(method).contains(&who);
                match who {
                    Who::Anonymous => assert_eq!(
                        code,
                        Code::Unauthenticated,
                        "{method} anonymously ({})",
                        app.backend
                    ),
                    _ if expected_denied => {
                        assert_eq!(
                            code,
                            Code::PermissionDenied,
                            "{method} by {who:?} ({})",
                            app.backend
                        );
                        assert_eq!(
                            app.event_count("kent-2008-11").await,
                            before,
                            "a denied {method} wrote nothing"
                        );
                    }
                    _ => assert!(
                        !matches!(
                            code,
                            Code::PermissionDenied
                                | Code::Unauthenticated
                                | Code::Internal
                                | Code::Unknown
                        ),
                        "{method} by {who:?} should be allowed, got {code:?} ({})",
                        app.backend
                    ),
                }
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_narrowed_to_the_callers_scope() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        open_kent(&mut go).await;
        let list = |token: String| {
            let app = &app;
            async move {
                app.clients(Some(&token))
                    .await
                    .agreements
                    .list_agreements(pb::ListAgreementsRequest::default())
                    .await
                    .map(|r| r.into_inner().agreements.len())
            }
        };
        assert_eq!(list(t.go.clone()).await.unwrap(), 1);
        assert_eq!(list(t.kent.clone()).await.unwrap(), 1);
        assert_eq!(list(t.auditor.clone()).await.unwrap(), 1);
        assert_eq!(
            list(t.go_london.clone()).await.unwrap(),
            0,
            "London's GO sees none of the South East"
        );
        assert_eq!(
            list(t.surrey.clone()).await.unwrap(),
            0,
            "Surrey sees none of Kent's"
        );
        // Asking for another region explicitly is refused, not silently emptied.
        let status = app
            .clients(Some(&t.go_london))
            .await
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                region: pb::Region::SouthEast as i32,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_is_checked_before_existence() {
    for_each_database(|app| async move {
        // Surrey asks about Kent's agreement, which does not exist yet: the
        // answer must not differ from the one it gets once it does.
        let mut surrey = app.clients(Some(&app.tokens.surrey)).await;
        let before = surrey
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap_err();
        assert_eq!(before.code(), Code::PermissionDenied);
        open_kent(&mut app.clients(Some(&app.tokens.go)).await).await;
        let after = surrey
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap_err();
        assert_eq!(after.code(), Code::PermissionDenied);
        // Kent itself is told its missing agreement is not found.
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let missing = kent
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: "agreements/kent-2011-14".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        assert_eq!(reason(&missing), "NOT_FOUND");
    })
    .await;
}
