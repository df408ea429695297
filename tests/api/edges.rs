//! The edges of a call's life: a follow stream whose token is revoked, a
//! request that runs out of time, verification of a history that has lost
//! an event, and a creation retried after its answer was lost.

use std::process::Command;
use std::time::Duration;

use laa_core::{Role, Scope};
use laa_proto::v1 as pb;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use tonic::Code;

use crate::support::*;

/// A guard against a hang, not a measurement: the test fails rather than
/// waiting for ever if the stream never ends.
const HANG: Duration = Duration::from_secs(60);

/// Revokes a token with `laa token revoke`, directly on the database.
fn revoke_with_the_cli(app: &TestApp, token_id: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(["token", "revoke", token_id])
        .env("LAA_DATABASE_URL", &app.database_url)
        .output()
        .expect("run laa token revoke");
    assert!(
        out.status.success(),
        "laa token revoke: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The next item of a stream, which must come.
async fn next(
    stream: &mut tonic::Streaming<pb::Event>,
) -> Result<Option<pb::Event>, tonic::Status> {
    tokio::time::timeout(HANG, stream.message())
        .await
        .expect("the stream answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_stream_ends_unauthenticated_once_its_token_is_revoked() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let follow = || pb::StreamEventsRequest {
            agreement: KENT.into(),
            from_sequence: 1,
            follow: true,
        };

        // A quiet stream: nothing more is appended; it still ends.
        let (quiet_id, quiet) = app
            .store
            .credentials()
            .issue_token(Role::Auditor, Scope::National, "quiet follower")
            .await
            .expect("issue");
        let mut stream = app
            .clients(Some(&quiet))
            .await
            .audit
            .stream_events(follow())
            .await
            .expect("follow")
            .into_inner();
        assert_eq!(
            next(&mut stream)
                .await
                .expect("ok")
                .expect("opened")
                .sequence,
            1
        );
        revoke_with_the_cli(&app, quiet_id.as_str());
        let status = next(&mut stream).await.expect_err("ends once revoked");
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert_eq!(reason(&status), "UNAUTHENTICATED");

        // A busy stream: what is appended after the revocation is never delivered.
        let (busy_id, busy) = app
            .store
            .credentials()
            .issue_token(
                Role::AreaNegotiator,
                Scope::Area(laa_core::AreaCode::new("kent").unwrap()),
                "kent follower",
            )
            .await
            .expect("issue");
        let mut stream = app
            .clients(Some(&busy))
            .await
            .audit
            .stream_events(follow())
            .await
            .expect("follow")
            .into_inner();
        assert_eq!(
            next(&mut stream)
                .await
                .expect("ok")
                .expect("opened")
                .sequence,
            1
        );
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("a proposal while the token is good");
        assert_eq!(
            next(&mut stream)
                .await
                .expect("ok")
                .expect("delivered")
                .sequence,
            2
        );
        revoke_with_the_cli(&app, busy_id.as_str());
        go.agreements
            .propose_target(go_proposal(
                v + 1,
                112,
                on(112, 40.0, [38.0, 36.0, 34.0]),
                "HO",
            ))
            .await
            .expect("a proposal after the revocation");
        let status = next(&mut stream)
            .await
            .expect_err("nothing is delivered after the revocation");
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert_eq!(reason(&status), "UNAUTHENTICATED");
        // And a new call with the revoked token is refused.
        let status = app
            .clients(Some(&busy))
            .await
            .audit
            .stream_events(follow())
            .await
            .expect_err("revoked");
        assert_eq!(status.code(), Code::Unauthenticated);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_runs_out_of_time_is_deadline_exceeded_with_an_error_info() {
    let config = laa_server::ServerConfig {
        request_timeout: Duration::from_millis(1_500),
        ..Default::default()
    };
    for_each_database_with(config, |app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        // Another process holds the write lock for longer than the timeout.
        let outside = Database::connect(&app.database_url).await.expect("connect");
        let lock = outside.begin().await.expect("begin");
        let statement = match app.backend {
            "postgres" => "LOCK TABLE events IN EXCLUSIVE MODE",
            _ => "UPDATE credentials SET label = label",
        };
        lock.execute_unprepared(statement)
            .await
            .expect("take the lock");
        let status = go
            .agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect_err("stalls behind the lock");
        lock.rollback().await.expect("release");
        assert_eq!(
            status.code(),
            Code::DeadlineExceeded,
            "{status:?} ({})",
            app.backend
        );
        assert_eq!(reason(&status), "DEADLINE_EXCEEDED");
        // (Whether the stalled write went through once the lock was released
        // is not said: DEADLINE_EXCEEDED means "may or may not have happened";
        // a retry with the same request id finds out.)
        outside.close().await.ok();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_names_a_deleted_event_even_after_a_restart() {
    for_each_database(|mut app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut v = open_kent(&mut go).await;
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
        assert_eq!(v, 4);
        let db = Database::connect(&app.database_url).await.expect("connect");
        db.execute_unprepared(
            "DELETE FROM events WHERE agreement_id = 'kent-2008-11' AND sequence = 4",
        )
        .await
        .expect("delete the last event");
        db.close().await.ok();
        app.restart().await;
        let verified = app
            .clients(Some(&app.tokens.auditor))
            .await
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap_or_else(|s| panic!("verification answers ({}): {s:?}", app.backend))
            .into_inner();
        assert!(!verified.ok);
        assert_eq!(verified.length, 3);
        assert_eq!(verified.first_bad_sequence, Some(4));
        // Outside its scope, a broken agreement answers like any other.
        let status = app
            .clients(Some(&app.tokens.go_london))
            .await
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .expect_err("out of scope");
        assert_eq!(status.code(), Code::PermissionDenied);
    })
    .await;
}

/// Creating an area that exists just so succeeds again (a retry whose first
/// answer was lost); another area under the same code is ALREADY_EXISTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_area_creation_is_answered_again() {
    for_each_database(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let area = pb::Area {
            code: "new-town".into(),
            display_name: "New Town".into(),
            region: pb::Region::SouthEast as i32,
            kind: "unitary".into(),
            ..Default::default()
        };
        let create = |area: pb::Area| pb::CreateAreaRequest {
            area: Some(area),
            request_id: rid(),
        };
        for attempt in ["first", "retry"] {
            let created = admin
                .areas
                .create_area(create(area.clone()))
                .await
                .unwrap_or_else(|e| panic!("{attempt}: {e:?}"))
                .into_inner();
            assert_eq!(created.display_name, "New Town");
        }
        assert_refused(
            admin
                .areas
                .create_area(create(pb::Area {
                    kind: "county".into(),
                    ..area.clone()
                }))
                .await,
            Code::AlreadyExists,
            "ALREADY_EXISTS",
        );
        let listed = admin
            .areas
            .list_areas(pb::ListAreasRequest {
                region: pb::Region::SouthEast as i32,
                page_size: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .areas;
        assert_eq!(listed.iter().filter(|a| a.code == "new-town").count(), 1);
    })
    .await;
}
