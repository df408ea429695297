//! A GO negotiator and an area negotiator negotiate Kent's LAA end to end
//! over gRPC; idempotency, versions, streams and shutdown.

use laa_proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::Code;

use crate::support::*;

fn counter(v: i64, target: u32, terms: pb::Terms, deal_breaker: bool) -> pb::CounterOfferRequest {
    pb::CounterOfferRequest {
        agreement: KENT.into(),
        request_id: rid(),
        expected_version: v,
        target,
        terms: Some(terms),
        rationale: "the evidence supports another figure".into(),
        evidence: vec!["CDRP analysis".into()],
        deal_breaker,
        department: String::new(),
        occurred_at: None,
    }
}

fn agreement_of(r: tonic::Response<pb::AgreementResponse>) -> (pb::Agreement, u32) {
    let r = r.into_inner();
    (r.agreement.expect("agreement"), r.target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_and_an_area_negotiate_an_laa_from_opening_to_a_rebinding_refresh() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;

        let v = open_kent(&mut go).await;
        let opened = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            opened.targets.len(),
            16,
            "the statutory targets exist from opening"
        );
        assert_eq!(opened.status, pb::AgreementStatus::Draft as i32);
        let v = settle_statutory(&mut go, &mut kent, v).await;

        // The partnership offers 10.6%; the Home Office, through the GO, insists on 12%.
        let (a, violent) = agreement_of(
            kent.agreements
                .propose_target(proposal(v, 15, on(15, 10.0, [9.65, 9.29, 8.94])))
                .await
                .unwrap(),
        );
        let (a, _) = agreement_of(
            go.agreements
                .counter_offer(pb::CounterOfferRequest {
                    department: "HO".into(),
                    ..counter(a.version, violent, on(15, 10.0, [9.6, 9.2, 8.8]), true)
                })
                .await
                .unwrap(),
        );
        let v = accept(&mut kent, a.version, violent).await;
        // A Place Survey indicator agreed as a placeholder.
        let mut req = proposal(v, 4, placeholder("awaiting_survey"));
        req.department = "CLG".into();
        let (a, survey) = agreement_of(go.agreements.propose_target(req).await.unwrap());
        let v = accept(&mut kent, a.version, survey).await;
        // NI 31 (withdrawn from set 2008), agreed under set 2007.
        let (a, ni31) = agreement_of(
            kent.agreements
                .propose_target(proposal(v, 31, pct(5.0, [4.5, 4.0, 3.5])))
                .await
                .unwrap(),
        );
        let v = accept(&mut go, a.version, ni31).await;
        // NI 120, declined by the area as a deal-breaker.
        let mut req = proposal(v, 120, on(120, 700.0, [690.0, 680.0, 670.0]));
        req.department = "DH".into();
        let (a, mortality) = agreement_of(go.agreements.propose_target(req).await.unwrap());
        let (a, _) = agreement_of(
            kent.agreements
                .decline_target(pb::DeclineTargetRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: a.version,
                    target: mortality,
                    reason: "a deal breaker: we do not want this indicator in".into(),
                    deal_breaker: true,
                    occurred_at: None,
                })
                .await
                .unwrap(),
        );

        // Submission needs the area's endorsement.
        let refused = go
            .agreements
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: a.version,
                occurred_at: None,
            })
            .await;
        assert_refused(refused, Code::FailedPrecondition, "NOT_ENDORSED");
        let v = sign_off(&mut go, &mut kent, &mut minister, a.version).await;
        let signed = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            signed.status,
            pb::AgreementStatus::Placeholder as i32,
            "NI 4 is still a placeholder"
        );
        assert_eq!(signed.version, v);
        assert_eq!(signed.designated_count, 3);

        // The 2009 refresh rebinds to set 2008: NI 31 must go, placeholders and deferred years be filled.
        let (a, _) = agreement_of(
            go.agreements
                .open_refresh(pb::OpenRefreshRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v,
                    round: "2009".into(),
                    indicator_set: 2008,
                    occurred_at: None,
                })
                .await
                .unwrap(),
        );
        assert_eq!(a.indicator_set, 2008);
        let mut v = a.version;
        for target in (1..=16).chain([survey]) {
            // Targets 1 to 16 are the statutory ones, in the round's order; the survey's is NI 4.
            let ni = laa_core::policy::STATUTORY_2008
                .get(target as usize - 1)
                .map_or(4, |n| i32::from(*n));
            let (a, _) = agreement_of(
                go.agreements
                    .counter_offer(counter(v, target, fitting(ni), false))
                    .await
                    .unwrap(),
            );
            v = accept(&mut kent, a.version, target).await;
        }
        let v = endorse(&mut kent, v).await;
        let refused = go
            .agreements
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await;
        assert_refused(
            refused,
            Code::FailedPrecondition,
            "WITHDRAWN_INDICATORS_OUTSTANDING",
        );
        let (a, _) = agreement_of(
            kent.agreements
                .withdraw_target(pb::WithdrawTargetRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v,
                    target: ni31,
                    reason: "NI 31 was deleted from the set".into(),
                    occurred_at: None,
                })
                .await
                .unwrap(),
        );
        let (a, parks) = agreement_of(
            kent.agreements
                .propose_target(proposal(a.version, 199, pct(55.0, [58.0, 61.0, 64.0])))
                .await
                .unwrap(),
        );
        let v = accept(&mut go, a.version, parks).await;
        sign_off(&mut go, &mut kent, &mut minister, v).await;
        let done = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(done.status, pb::AgreementStatus::Refreshed as i32);
        let by_id = |id: u32| done.targets.iter().find(|t| t.id == id).expect("target");
        assert_eq!(by_id(ni31).status, pb::TargetStatus::Withdrawn as i32);
        assert_eq!(by_id(parks).status, pb::TargetStatus::Refreshed as i32);
        assert_eq!(by_id(survey).status, pb::TargetStatus::Refreshed as i32);

        // The auditor reads the whole history and its chain holds; the store agrees with the API.
        let mut auditor = app.clients(Some(&t.auditor)).await;
        let verified = auditor
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(verified.ok);
        assert_eq!(verified.length, done.version);
        assert_eq!(app.event_count("kent-2008-11").await as i64, done.version);
        let summary = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                agreement: KENT.into(),
                region: 0,
                round: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            summary.deal_breakers, 2,
            "the 12% counter and the NI 120 decline"
        );
        assert_eq!(summary.declined, 1);
        assert_eq!(summary.signed_off, 1);
        let national = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(national.agreements, 1);
        assert_eq!(national.selections_by_indicator.get(&15), Some(&1));
    })
    .await;
}

/// Endorse, submit, sign off; returns the version.
pub(crate) async fn sign_off(
    go: &mut Clients,
    kent: &mut Clients,
    minister: &mut Clients,
    v: i64,
) -> i64 {
    let v = endorse(kent, v).await;
    let v = go
        .agreements
        .submit_agreement(pb::SubmitAgreementRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            occurred_at: None,
        })
        .await
        .expect("submit")
        .into_inner()
        .agreement
        .expect("agreement")
        .version;
    minister
        .agreements
        .sign_off_agreement(pb::SignOffAgreementRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            occurred_at: None,
        })
        .await
        .expect("sign off")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_request_id_twice_appends_once_and_a_stale_version_is_aborted() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut req = go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF");
        req.request_id = "propose-neet-1".into();
        let first = go
            .agreements
            .propose_target(req.clone())
            .await
            .unwrap()
            .into_inner();
        let again = go
            .agreements
            .propose_target(req.clone())
            .await
            .unwrap()
            .into_inner();
        assert!(!first.replayed);
        assert!(
            again.replayed,
            "the retry is answered with the first outcome"
        );
        assert_eq!(
            (again.first_sequence, again.last_sequence),
            (first.first_sequence, first.last_sequence)
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            2,
            "opened and proposed, once"
        );
        // The same request id even with a now-stale version still replays.
        req.expected_version = 0;
        assert!(
            go.agreements
                .propose_target(req)
                .await
                .unwrap()
                .into_inner()
                .replayed
        );

        // A stale expected version is ABORTED / VERSION_CONFLICT and writes nothing.
        let stale = go
            .agreements
            .propose_target(proposal(v, 112, on(112, 40.0, [38.0, 36.0, 34.0])))
            .await;
        let status = assert_refused(stale, Code::Aborted, "VERSION_CONFLICT");
        assert!(status.message().contains("version"), "{status:?}");
        assert_eq!(app.event_count("kent-2008-11").await, 2);
    })
    .await;
}

/// AIP-155 with a fingerprint: the same id sent again for another
/// indicator, another department or another command is refused and records
/// nothing; only the identical request replays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_reused_for_other_fields_is_refused_not_replayed() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut first = go_proposal(v, 118, fitting(118), "DCSF");
        first.request_id = "r-118".into();
        let recorded = go.agreements.propose_target(first.clone()).await.unwrap();
        let v = recorded.into_inner().agreement.expect("agreement").version;

        let mut other_indicator = go_proposal(v, 119, fitting(119), "DH");
        other_indicator.request_id = "r-118".into();
        let mut other_department = first.clone();
        other_department.expected_version = v;
        other_department.department = "DH".into();
        for request in [other_indicator, other_department] {
            let status = assert_refused(
                go.agreements.propose_target(request).await,
                Code::InvalidArgument,
                "REQUEST_ID_REUSED",
            );
            assert!(status.message().contains("ProposeTarget"), "{status:?}");
            assert_eq!(bad_fields(&status), ["request_id"], "{status:?}");
        }
        let other_command = pb::EndorseAgreementRequest {
            agreement: KENT.into(),
            request_id: "r-118".into(),
            expected_version: v,
            ..Default::default()
        };
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        // Another principal's reuse is refused without naming their command.
        let status = assert_refused(
            kent.agreements.endorse_agreement(other_command).await,
            Code::InvalidArgument,
            "REQUEST_ID_REUSED",
        );
        assert!(!status.message().contains("ProposeTarget"), "{status:?}");
        assert_eq!(
            app.event_count("kent-2008-11").await,
            2,
            "nothing was recorded"
        );

        // The identical request, even at a later version and with its
        // department in another case (one department), is a retry.
        first.expected_version = v;
        first.department = "dcsf".into();
        let again = go.agreements.propose_target(first).await.unwrap();
        assert!(again.into_inner().replayed);
        assert_eq!(app.event_count("kent-2008-11").await, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_clients_at_one_version_get_one_winner() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut tasks = tokio::task::JoinSet::new();
        for (k, n) in [117, 112, 15, 16, 20, 30, 32, 39].into_iter().enumerate() {
            let (mut c, request) = if k % 2 == 0 {
                let request = go_proposal(v, n, on(n, 8.0, [7.0, 6.0, 5.0]), "HO");
                (app.clients(Some(&app.tokens.go)).await, request)
            } else {
                let request = proposal(v, n, on(n, 8.0, [7.0, 6.0, 5.0]));
                (app.clients(Some(&app.tokens.kent)).await, request)
            };
            tasks.spawn(async move { c.agreements.propose_target(request).await.map(drop) });
        }
        let mut won = 0;
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Ok(()) => won += 1,
                Err(status) => {
                    assert_eq!(status.code(), Code::Aborted, "{status:?}");
                    assert_eq!(reason(&status), "VERSION_CONFLICT");
                }
            }
        }
        assert_eq!(won, 1);
        assert_eq!(app.event_count("kent-2008-11").await, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_receives_events_appended_by_another_client() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let mut stream = auditor
            .audit
            .stream_events(pb::StreamEventsRequest {
                agreement: KENT.into(),
                from_sequence: 1,
                follow: true,
            })
            .await
            .unwrap()
            .into_inner();
        let first = stream.next().await.expect("the opening event").unwrap();
        assert_eq!(
            (first.sequence, first.kind.as_str()),
            (1, "agreement_opened")
        );
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        kent.agreements
            .propose_target(proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0])))
            .await
            .unwrap();
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .expect("the follower is told within seconds")
            .expect("stream still open")
            .unwrap();
        assert_eq!(next.sequence, 2);
        assert_eq!(next.kind, "target_proposed");
        assert_eq!(next.actor.unwrap().principal, "kent:officer");
        assert_eq!(next.prev_hash, first.hash, "the chain links");
        let payload: serde_json::Value = serde_json::from_str(&next.payload_json).unwrap();
        assert_eq!(payload["kind"], "target_proposed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_with_every_acknowledged_write_durable() {
    for_each_database(|mut app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let acknowledged = kent
            .agreements
            .propose_target(proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0])))
            .await
            .unwrap()
            .into_inner()
            .agreement
            .unwrap()
            .version;
        // A follower is open when the signal comes: shutdown must still finish.
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let mut stream = auditor
            .audit
            .stream_events(pb::StreamEventsRequest {
                agreement: KENT.into(),
                from_sequence: 1,
                follow: true,
            })
            .await
            .unwrap()
            .into_inner();
        stream.next().await.unwrap().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(20), app.shutdown())
            .await
            .expect("the server stops promptly");
        // Reopen the database from scratch: the acknowledged write is there.
        let reopened =
            laa_store::Store::connect(&app.database_url, laa_store::StoreOptions::default())
                .await
                .unwrap();
        let state = reopened
            .load(&laa_core::AgreementId::new("kent-2008-11").unwrap())
            .await
            .unwrap()
            .expect("the agreement survived");
        assert_eq!(state.version as i64, acknowledged);
        assert!(
            reopened
                .verify(&laa_core::AgreementId::new("kent-2008-11").unwrap())
                .await
                .unwrap()
                .ok
        );
        reopened.close().await.ok();
    })
    .await;
}
