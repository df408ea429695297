//! A history edited around the server: once a break is known, the
//! agreement refuses writes with DATA_LOSS naming the sequence, reads say
//! so, and the refusal survives a restart; a projection edited alone is
//! found by verification and the agreement is served as its history says.

use laa_proto::v1 as pb;
use sea_orm::{ConnectionTrait, Database};
use tonic::Code;

use crate::support::{
    Clients, TestApp, for_each_database, go_proposal, on, open_kent, pct, reason, rid,
};

const KENT: &str = "agreements/kent-2008-11";

/// Kent opened with three Government proposals: four events.
async fn four_events(go: &mut Clients) -> i64 {
    let mut v = open_kent(go).await;
    for (n, department) in [(117, "DCSF"), (112, "HO"), (39, "DH")] {
        v = go
            .agreements
            .propose_target(go_proposal(
                v,
                n,
                on(n, 40.0, [38.0, 36.0, 34.0]),
                department,
            ))
            .await
            .expect("a proposal")
            .into_inner()
            .agreement
            .expect("agreement")
            .version;
    }
    v
}

async fn sql(app: &TestApp, statements: &[&str]) {
    let db = Database::connect(&app.database_url).await.expect("connect");
    for statement in statements {
        db.execute_unprepared(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    db.close().await.ok();
}

async fn verify(app: &TestApp) -> pb::VerifyHistoryResponse {
    app.clients(Some(&app.tokens.auditor))
        .await
        .audit
        .verify_history(pb::VerifyHistoryRequest {
            agreement: KENT.into(),
        })
        .await
        .unwrap_or_else(|s| panic!("verification answers ({}): {s:?}", app.backend))
        .into_inner()
}

/// A write to Kent: refused with DATA_LOSS / HISTORY_BROKEN naming `sequence`.
async fn assert_writes_refused(app: &TestApp, version: i64, sequence: i64, kind: &str) {
    let mut go = app.clients(Some(&app.tokens.go)).await;
    let status = go
        .agreements
        .propose_target(go_proposal(
            version,
            120,
            on(120, 700.0, [690.0, 680.0, 670.0]),
            "DH",
        ))
        .await
        .expect_err("a broken history takes no writes");
    assert_eq!(
        status.code(),
        Code::DataLoss,
        "{kind} ({}): {status:?}",
        app.backend
    );
    assert_eq!(reason(&status), "HISTORY_BROKEN", "{kind}: {status:?}");
    assert!(
        status.message().contains(&format!("sequence {sequence}")),
        "{kind}: {}",
        status.message()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_break_refuses_writes_before_and_after_a_restart() {
    let kinds: [(&str, &[&str], i64); 3] = [
        (
            "an edited payload",
            &[
                "UPDATE events SET payload = REPLACE(payload, '\"DCSF\"', '\"HMT\"') \
               WHERE agreement_id = 'kent-2008-11' AND sequence = 2",
            ],
            2,
        ),
        (
            "two events swapped",
            &[
                "UPDATE events SET sequence = 100 WHERE agreement_id = 'kent-2008-11' AND sequence = 2",
                "UPDATE events SET sequence = 2 WHERE agreement_id = 'kent-2008-11' AND sequence = 3",
                "UPDATE events SET sequence = 3 WHERE agreement_id = 'kent-2008-11' AND sequence = 100",
            ],
            2,
        ),
        (
            "a deleted event",
            &["DELETE FROM events WHERE agreement_id = 'kent-2008-11' AND sequence = 3"],
            3,
        ),
    ];
    for (kind, statements, bad) in kinds {
        for_each_database(|mut app| async move {
            let mut go = app.clients(Some(&app.tokens.go)).await;
            let v = four_events(&mut go).await;
            sql(&app, statements).await;
            let verified = verify(&app).await;
            assert!(!verified.ok, "{kind}");
            assert_eq!(
                verified.first_bad_sequence,
                Some(bad),
                "{kind} ({})",
                app.backend
            );
            assert_writes_refused(&app, v, bad, kind).await;
            // Reads still answer, and say so (or, where the state cannot
            // be rebuilt, fail DATA_LOSS naming the agreement).
            let read = go
                .agreements
                .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
                .await;
            match read {
                Ok(a) => {
                    assert_eq!(a.into_inner().first_bad_sequence, Some(bad), "{kind}");
                    // A broken history waits on the auditors.
                    let waiting = app
                        .clients(Some(&app.tokens.auditor))
                        .await
                        .agreements
                        .list_agreements(pb::ListAgreementsRequest {
                            waiting_on_me: true,
                            ..Default::default()
                        })
                        .await
                        .expect("the auditor's listing")
                        .into_inner();
                    let names: Vec<&str> =
                        waiting.agreements.iter().map(|a| a.name.as_str()).collect();
                    assert_eq!(names, [KENT], "{kind} ({})", app.backend);
                }
                Err(status) => assert_eq!(status.code(), Code::DataLoss, "{kind}: {status:?}"),
            }
            app.restart().await;
            assert_writes_refused(&app, v, bad, kind).await;
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_projection_is_found_and_the_history_is_served() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = four_events(&mut go).await;
        // The status column says closed; the history says draft.
        sql(
            &app,
            &["UPDATE agreements SET status = 'closed' WHERE id = 'kent-2008-11'"],
        )
        .await;
        let verified = verify(&app).await;
        assert!(verified.ok, "the history itself holds");
        assert!(verified.projection_rebuilt, "{}", app.backend);
        let agreement = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("read")
            .into_inner();
        assert_eq!(agreement.status, pb::AgreementStatus::Draft as i32);
        assert_eq!((agreement.version, agreement.targets.len()), (v, 19));
        assert_eq!(agreement.first_bad_sequence, None);
        // The next command rewrites the projection; the listing agrees.
        go.agreements
            .propose_target(go_proposal(
                v,
                120,
                on(120, 700.0, [690.0, 680.0, 670.0]),
                "DH",
            ))
            .await
            .expect("writes go on: the history is sound");
        let listed = app
            .clients(Some(&app.tokens.auditor))
            .await
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                status: pb::AgreementStatus::Draft as i32,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner();
        assert!(
            listed.agreements.iter().any(|a| a.name == KENT),
            "{}: {listed:?}",
            app.backend
        );
        assert!(verify(&app).await.ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_value_no_write_could_store_is_data_loss_naming_the_row() {
    for_each_database(|mut app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        four_events(&mut go).await;
        sql(
            &app,
            &["UPDATE agreements SET version = -3 WHERE id = 'kent-2008-11'"],
        )
        .await;
        app.restart().await;
        let status = app
            .clients(Some(&app.tokens.go))
            .await
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect_err("a negative version is not read as 0");
        assert_eq!(status.code(), Code::DataLoss, "{}: {status:?}", app.backend);
        assert!(
            status.message().contains("agreements.version holds -3"),
            "{}",
            status.message()
        );
        assert!(
            status.message().contains("kent-2008-11"),
            "{}",
            status.message()
        );
    })
    .await;
}

/// Issue 9 (item 5): a principal who may not make a command at all learns
/// nothing from a request id: a used one and a fresh one get the same
/// PERMISSION_DENIED, never ALREADY_EXISTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_reveals_nothing_to_a_principal_who_may_not_act() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut used = go_proposal(v, 117, pct(8.0, [7.5, 7.0, 6.5]), "DCSF");
        used.request_id = "used-by-the-go".into();
        go.agreements
            .propose_target(used.clone())
            .await
            .expect("the GO's proposal");
        for token in [&app.tokens.auditor, &app.tokens.sign_off] {
            let mut other = app.clients(Some(token)).await;
            let reused = other
                .agreements
                .propose_target(used.clone())
                .await
                .expect_err("may not propose");
            let mut fresh_request = used.clone();
            fresh_request.request_id = rid();
            let fresh = other
                .agreements
                .propose_target(fresh_request)
                .await
                .expect_err("may not propose");
            assert_eq!(reused.code(), Code::PermissionDenied, "{reused:?}");
            assert_eq!(
                (reused.code(), reused.message(), reason(&reused)),
                (fresh.code(), fresh.message(), reason(&fresh)),
                "{}",
                app.backend
            );
        }
    })
    .await;
}

/// The National Indicator Set's history edited around the server (2008's
/// set said to be a draft): verification names the first bad sequence, and
/// the catalogue refuses every command with DATA_LOSS until it is restored,
/// also after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_catalogue_history_refuses_set_commands() {
    for_each_database(|mut app| async move {
        sql(
            &app,
            &["UPDATE events SET payload = REPLACE(payload, '\"status\":\"published\"', '\"status\":\"draft\"') \
               WHERE agreement_id = 'indicator-sets/national' AND sequence = 2"],
        )
        .await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let verified = auditor
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: "indicator-sets/national".into(),
            })
            .await
            .expect("verification answers")
            .into_inner();
        assert!(!verified.ok, "{verified:?}");
        assert_eq!(verified.first_bad_sequence, Some(2));
        for restarted in [false, true] {
            if restarted {
                app.restart().await;
            }
            let mut admin = app.clients(Some(&app.tokens.admin)).await;
            let refused = admin
                .indicators
                .create_indicator_set(pb::CreateIndicatorSetRequest {
                    version: 2011,
                    based_on: "2008".into(),
                    ..Default::default()
                })
                .await
                .expect_err("a broken history takes no write");
            assert_eq!(refused.code(), Code::DataLoss, "{refused:?}");
            assert_eq!(reason(&refused), "HISTORY_BROKEN", "after a restart: {restarted}");
        }
    })
    .await;
}
