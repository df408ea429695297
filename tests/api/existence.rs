//! Existence does not leak: a principal outside an agreement's scope gets
//! the same answer, byte for byte (code, message, `ErrorInfo` reason and
//! metadata), whether the agreement exists, was never opened, is of
//! another round, or names an area that does not exist. Tested as a matrix:
//! every method that names an agreement, by every principal outside Kent's
//! agreement, on each of the four.

use std::collections::BTreeMap;

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

/// The four agreements a principal outside their scope must not tell apart.
const CASES: [(&str, &str); 4] = [
    ("exists", "agreements/kent-2008-11"),
    ("not opened", "agreements/hampshire-2008-11"),
    ("other round", "agreements/kent-2011-14"),
    ("unknown area", "agreements/atlantis-2008-11"),
];

/// Every method that names an agreement.
const METHODS: [&str; 25] = [
    "OpenAgreement",
    "GetAgreement",
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
    "ListEvents",
    "StreamEvents",
    "VerifyHistory",
    "GetNegotiationSummary",
    "GetPerformance",
    "GetReward",
    "ProposeRebaseline",
    "ApproveRebaseline",
    "RejectRebaseline",
    "LodgeExplanation",
];

const READS: [&str; 7] = [
    "GetAgreement",
    "ListEvents",
    "StreamEvents",
    "VerifyHistory",
    "GetNegotiationSummary",
    "GetPerformance",
    "GetReward",
];

/// Calls `method` on `agreement` (for `OpenAgreement`, opens the area the
/// name gives, in the round it gives) with a well-formed request.
async fn call(
    mut c: Clients,
    method: &'static str,
    agreement: &'static str,
    v: i64,
) -> Result<(), tonic::Status> {
    let name = || agreement.to_owned();
    let a = &mut c.agreements;
    match method {
        "OpenAgreement" => {
            let id = agreement.trim_start_matches("agreements/");
            let (area, round) = id.split_at(id.len() - "2008-11".len() - 1);
            a.open_agreement(pb::OpenAgreementRequest {
                area: format!("areas/{area}"),
                round: round.trim_start_matches('-').into(),
                indicator_set: 2007,
                request_id: rid(),
                expected_version: 0,
                ..Default::default()
            })
            .await
            .map(drop)
        }
        "GetAgreement" => a
            .get_agreement(pb::GetAgreementRequest { name: name() })
            .await
            .map(drop),
        "ProposeTarget" => a
            .propose_target(pb::ProposeTargetRequest {
                agreement: name(),
                ..go_proposal(v, 112, on(112, 40.0, [38.0, 36.0, 34.0]), "HO")
            })
            .await
            .map(drop),
        "CounterOffer" => a
            .counter_offer(pb::CounterOfferRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                terms: Some(pct(8.0, [7.0, 6.0, 5.0])),
                rationale: "matrix".into(),
                evidence: vec![],
                deal_breaker: false,
                ..Default::default()
            })
            .await
            .map(drop),
        "LodgeExplanation" => a
            .lodge_explanation(pb::LodgeExplanationRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 117,
                explanation: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "ProposeRebaseline" => a
            .propose_rebaseline(pb::ProposeRebaselineRequest {
                agreement: name(),
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
        "ApproveRebaseline" => a
            .approve_rebaseline(pb::ApproveRebaselineRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                occurred_at: None,
            })
            .await
            .map(drop),
        "RejectRebaseline" => a
            .reject_rebaseline(pb::RejectRebaselineRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                occurred_at: None,
            })
            .await
            .map(drop),
        "AcceptOffer" => a
            .accept_offer(pb::AcceptOfferRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                ..Default::default()
            })
            .await
            .map(drop),
        "DeclineTarget" => a
            .decline_target(pb::DeclineTargetRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                deal_breaker: false,
                ..Default::default()
            })
            .await
            .map(drop),
        "WithdrawTarget" => a
            .withdraw_target(pb::WithdrawTargetRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "EndorseAgreement" => a
            .endorse_agreement(pb::EndorseAgreementRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                ..Default::default()
            })
            .await
            .map(drop),
        "SubmitAgreement" => a
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                ..Default::default()
            })
            .await
            .map(drop),
        "ReturnAgreement" => a
            .return_agreement(pb::ReturnAgreementRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                reason: "matrix".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "SignOffAgreement" => a
            .sign_off_agreement(pb::SignOffAgreementRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                ..Default::default()
            })
            .await
            .map(drop),
        "OpenRefresh" => a
            .open_refresh(pb::OpenRefreshRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                round: "2009".into(),
                indicator_set: 0,
                ..Default::default()
            })
            .await
            .map(drop),
        "RecordActual" => a
            .record_actual(pb::RecordActualRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 1,
                year: "2008/09".into(),
                value: 50.0,
                source: "matrix".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "RevokeDesignation" => a
            .revoke_designation(pb::RevokeDesignationRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                reason: "matrix".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        "CloseAgreement" => a
            .close_agreement(pb::CloseAgreementRequest {
                agreement: name(),
                request_id: rid(),
                expected_version: v,
                ..Default::default()
            })
            .await
            .map(drop),
        "ListEvents" => c
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: name(),
                ..Default::default()
            })
            .await
            .map(drop),
        "StreamEvents" => {
            let mut stream = c
                .audit
                .stream_events(pb::StreamEventsRequest {
                    agreement: name(),
                    from_sequence: 1,
                    follow: false,
                })
                .await?
                .into_inner();
            while stream.message().await?.is_some() {}
            Ok(())
        }
        "VerifyHistory" => c
            .audit
            .verify_history(pb::VerifyHistoryRequest { agreement: name() })
            .await
            .map(drop),
        "GetNegotiationSummary" => c
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                agreement: name(),
                ..Default::default()
            })
            .await
            .map(drop),
        "GetPerformance" => c
            .performance
            .get_performance(pb::GetPerformanceRequest { agreement: name() })
            .await
            .map(drop),
        "GetReward" => c
            .performance
            .get_reward(pb::GetRewardRequest { agreement: name() })
            .await
            .map(drop),
        other => panic!("no such method in the matrix: {other}"),
    }
}

/// Who is outside Kent's agreement for a method: the London GO and Surrey's
/// officer always; a national principal whose role may not call it at all.
fn outsiders(method: &str) -> Vec<&'static str> {
    let mut who = vec!["go-london", "surrey"];
    let role_may = |role: &str| match method {
        "OpenAgreement" | "SubmitAgreement" | "OpenRefresh" => role == "go",
        "ProposeTarget" | "CounterOffer" | "AcceptOffer" | "DeclineTarget" | "WithdrawTarget"
        | "ProposeRebaseline" => role == "go" || role == "area",
        "EndorseAgreement" | "RecordActual" | "LodgeExplanation" => role == "area",
        "ReturnAgreement" | "SignOffAgreement" | "RevokeDesignation" | "CloseAgreement"
        | "ApproveRebaseline" | "RejectRebaseline" => role == "sign-off",
        _ => role == "auditor" || role == "sign-off",
    };
    for role in ["auditor", "sign-off", "admin"] {
        if !role_may(role) {
            who.push(role);
        }
    }
    who
}

/// One answer, as the bytes a client can compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    code: Code,
    message: String,
    details: Vec<u8>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_its_scope_an_agreement_that_exists_looks_like_one_that_does_not() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let v = open_kent(&mut go).await;
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("a target to act on");
        let v = version(&mut go, KENT).await;
        let events_before = app.event_count("kent-2008-11").await;
        let clients: BTreeMap<&str, Clients> = [
            ("go-london", app.clients(Some(&t.go_london)).await),
            ("surrey", app.clients(Some(&t.surrey)).await),
            ("auditor", app.clients(Some(&t.auditor)).await),
            ("sign-off", app.clients(Some(&t.sign_off)).await),
            ("admin", app.clients(Some(&t.admin)).await),
        ]
        .into_iter()
        .collect();

        let mut cells = Vec::new();
        for method in METHODS {
            for who in outsiders(method) {
                for (case, agreement) in CASES {
                    if method == "OpenAgreement" && case == "other round" {
                        // A round the server does not know is a malformed
                        // request (INVALID_ARGUMENT) before anything is looked up.
                        continue;
                    }
                    cells.push((method, who, case, agreement));
                }
            }
        }
        let mut answers: BTreeMap<(&str, &str), Vec<(&str, Answer)>> = BTreeMap::new();
        for chunk in cells.chunks(48) {
            let mut set = tokio::task::JoinSet::new();
            for &(method, who, case, agreement) in chunk {
                let c = clients[who].clone();
                set.spawn(async move {
                    let status = call(c, method, agreement, v)
                        .await
                        .expect_err(&format!("{method} by {who} on {case}"));
                    let answer = Answer {
                        code: status.code(),
                        message: status.message().to_owned(),
                        details: status.details().to_vec(),
                    };
                    (method, who, case, answer)
                });
            }
            while let Some(joined) = set.join_next().await {
                let (method, who, case, answer) = joined.expect("a call");
                answers
                    .entry((method, who))
                    .or_default()
                    .push((case, answer));
            }
        }
        let mut checked = 0;
        for ((method, who), mut row) in answers {
            row.sort_by_key(|(case, _)| CASES.iter().position(|(c, _)| c == case));
            let (first_case, first) = &row[0];
            assert_eq!(
                first.code,
                Code::PermissionDenied,
                "{method} by {who} on {first_case} ({}): {first:?}",
                app.backend
            );
            for (case, answer) in &row[1..] {
                assert_eq!(
                    answer, first,
                    "{method} by {who}: {case} differs from {first_case} ({})",
                    app.backend
                );
                checked += 1;
            }
        }
        assert!(checked >= 200, "{checked} cells compared");
        assert_eq!(app.event_count("kent-2008-11").await, events_before);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_is_told_the_same_about_agreements_that_exist_and_that_do_not() {
    for_each_database(|app| async move {
        open_kent(&mut app.clients(Some(&app.tokens.go)).await).await;
        let admin = app.clients(Some(&app.tokens.admin)).await;
        for method in READS {
            let exists = call(admin.clone(), method, KENT, 1)
                .await
                .expect_err("administrators do not read agreements");
            let missing = call(admin.clone(), method, "agreements/kent-2011-14", 1)
                .await
                .expect_err("nor ones that do not exist");
            assert_eq!(exists.code(), Code::PermissionDenied, "{method}");
            assert_eq!(reason(&exists), "OUT_OF_SCOPE");
            assert_eq!(missing.code(), exists.code(), "{method} ({})", app.backend);
            assert_eq!(missing.message(), exists.message(), "{method}");
            assert_eq!(missing.details(), exists.details(), "{method}");
        }
    })
    .await;
}
