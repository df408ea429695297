//! Moving data between databases: a reference stream's export imports
//! into another database like an agreement's, and `laa copy` copies a whole
//! database (every stream, every token) into a new one of either kind,
//! every history verifying there with the head hash it had.

use std::process::{Command, Output};

use laa_proto::v1 as pb;
use laa_store::{Schema, Store, StoreOptions};

use crate::cli::{fails, laa, ok};
use crate::rounds::round_2011_14;
use crate::support::*;

fn laa_copy(from: &str, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(["copy", "--from", from, "--to", to])
        .env_remove("LAA_DATABASE_URL")
        .output()
        .expect("run laa")
}

/// The 2011-14 round, created by the administrator.
async fn create_round(app: &TestApp) {
    let mut admin = app.clients(Some(&app.tokens.admin)).await;
    admin
        .rounds
        .create_round(pb::CreateRoundRequest {
            round: Some(round_2011_14()),
            request_id: rid(),
        })
        .await
        .expect("create the round");
}

/// What `VerifyHistory` says of `stream` on `app`'s server.
async fn verified(app: &TestApp, stream: &str) -> pb::VerifyHistoryResponse {
    let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
    auditor
        .audit
        .verify_history(pb::VerifyHistoryRequest {
            agreement: stream.into(),
        })
        .await
        .expect("verify")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rounds_history_imports_into_another_database_and_a_held_stream_is_refused() {
    for_each_database(|app| async move {
        create_round(&app).await;
        let exported = ok(&laa(
            &app,
            Some(&app.tokens.auditor),
            &["history", "export", "rounds/2011-14"],
        ));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("round.ndjson");
        std::fs::write(&file, &exported).unwrap();
        let file_arg = file.to_str().unwrap();

        let other = spawn_other(app.backend).await;
        let denied = laa(
            &other,
            Some(&other.tokens.go),
            &["history", "import", "--file", file_arg],
        );
        assert_eq!(denied.status.code(), Some(6), "administrators only");
        let tampered = dir.path().join("tampered.ndjson");
        std::fs::write(
            &tampered,
            exported.replacen("\"2011/12\"", "\"2011/13\"", 1),
        )
        .unwrap();
        let err = fails(&laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", tampered.to_str().unwrap()],
        ));
        assert!(err.contains("sequence 1"), "{err}");
        let imported = ok(&laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", file_arg],
        ));
        assert!(imported.contains("rounds/2011-14"), "{imported}");

        // The round is there, as a projection of the imported stream.
        let mut reader = other.clients(Some(&other.tokens.kent)).await;
        let round = reader
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "rounds/2011-14".into(),
            })
            .await
            .expect("the imported round")
            .into_inner();
        assert_eq!(round.designated_cap, 20);
        let here = verified(&app, "rounds/2011-14").await;
        let there = verified(&other, "rounds/2011-14").await;
        assert!(there.ok);
        assert_eq!(there.head_hash, here.head_hash, "nothing re-hashed");

        // Held already: the round again, and the catalogue every database
        // begins with.
        let again = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", file_arg],
        );
        assert_eq!(again.status.code(), Some(5), "already there");
        let catalogue = ok(&laa(
            &app,
            Some(&app.tokens.auditor),
            &["history", "export", "indicator-sets/national"],
        ));
        std::fs::write(&file, &catalogue).unwrap();
        let held = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", file_arg],
        );
        assert_eq!(
            held.status.code(),
            Some(5),
            "every database begins the catalogue"
        );
    })
    .await;
}

/// Where a copy of `app`'s database goes: a new database of the other kind
/// when PostgreSQL is there to test, else a new SQLite file.
async fn new_database(
    backend: &str,
    dir: &std::path::Path,
) -> (String, Option<laa_testkit::FreshPostgres>) {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin_url) if backend == "sqlite" => {
            let pg = laa_testkit::FreshPostgres::create(&admin_url, "laa_copy").await;
            (pg.url.clone(), Some(pg))
        }
        _ => (format!("sqlite://{}/copy.db?mode=rwc", dir.display()), None),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_copied_into_a_new_one_keeps_every_history_and_token() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let v = open_kent(&mut go).await;
        settle_statutory(&mut go, &mut kent, v).await;
        create_round(&app).await;

        let dir = tempfile::tempdir().unwrap();
        let (to, _pg) = new_database(app.backend, dir.path()).await;
        let out = ok(&laa_copy(&app.database_url, &to));
        assert!(out.contains("every history verified"), "{out}");

        let source = Store::connect(
            &app.database_url,
            StoreOptions {
                schema: Schema::Existing,
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        let target = Store::connect(
            &to,
            StoreOptions {
                schema: Schema::Existing,
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        let streams = source.streams_logged().await.unwrap();
        assert_eq!(target.streams_logged().await.unwrap(), streams);
        assert!(streams.len() > 150, "the catalogue, rounds, areas, Kent");
        for stream in &streams {
            let (a, b) = (
                source.verify_stream(stream).await.unwrap(),
                target.verify_stream(stream).await.unwrap(),
            );
            assert!(b.ok, "{stream}");
            assert_eq!((a.length, a.head_hash), (b.length, b.head_hash), "{stream}");
        }
        assert!(out.contains(&format!("{} streams", streams.len())), "{out}");
        target.close().await.unwrap();

        // Again into the copy: refused, and nothing written.
        let err = fails(&laa_copy(&app.database_url, &to));
        assert!(err.contains("new database"), "{err}");

        // A server on the copy: the same people sign in with the same
        // tokens, and Kent's history goes on from where it was.
        let copy = spawn_on(
            to.clone(),
            if to.starts_with("postgres") {
                "postgres"
            } else {
                "sqlite"
            },
            None,
            None,
            laa_server::ServerConfig::default(),
        )
        .await;
        let mut kent_there = copy.clients(Some(&app.tokens.kent)).await;
        let agreement = kent_there
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("Kent's token works on the copy")
            .into_inner();
        let mut go_there = copy.clients(Some(&app.tokens.go)).await;
        let round = go_there
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "rounds/2011-14".into(),
            })
            .await
            .expect("the created round is in the copy");
        assert_eq!(round.into_inner().designated_cap, 20);
        let id = laa_core::AgreementId::new("kent-2008-11").unwrap();
        let before = copy.store.verify(&id).await.unwrap();
        assert!(before.ok);
        assert_eq!(agreement.version as u64, before.length);
        source.close().await.unwrap();
    })
    .await;
}
