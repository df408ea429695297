//! Backup, restore and migrations: an online SQLite backup restores into a
//! new file with every history verified; PostgreSQL points to pg_dump; the
//! event log cannot be dropped by accident.

use std::process::{Command, Output};

use crate::cli::{fails, ok};
use crate::support::*;

fn laa_db(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(args)
        .env("LAA_DATABASE_URL", url)
        .output()
        .expect("run laa")
}

/// Kent's agreement with its statutory targets settled: many events.
async fn negotiate(app: &TestApp) {
    let mut go = app.clients(Some(&app.tokens.go)).await;
    let mut kent = app.clients(Some(&app.tokens.kent)).await;
    let v = open_kent(&mut go).await;
    settle_statutory(&mut go, &mut kent, v).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_with_every_history_verified() {
    for_each_database(|app| async move {
        negotiate(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("laa-backup.db");
        let file_arg = file.to_str().unwrap();
        if app.backend == "postgres" {
            let out = laa_db(&app.database_url, &["backup", "--to", file_arg]);
            assert_eq!(out.status.code(), Some(2), "{out:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("pg_dump") && err.contains("DEPLOYMENT.md"),
                "{err}"
            );
            return;
        }
        // Online: the server keeps running and writing meanwhile.
        let out = ok(&laa_db(&app.database_url, &["backup", "--to", file_arg]));
        assert!(out.contains("backed"), "{out}");
        let err = fails(&laa_db(&app.database_url, &["backup", "--to", file_arg]));
        assert!(err.contains("never overwrites"), "{err}");
        // A folder that does not exist is named, with the reason.
        let missing = dir.path().join("backups").join("laa.db");
        let out = laa_db(
            &app.database_url,
            &["backup", "--to", missing.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "the folder {} does not exist",
                dir.path().join("backups").display()
            )) && err.contains("mkdir -p"),
            "{err}"
        );
        assert!(!dir.path().join("backups").exists());

        let restored = dir.path().join("restored.db");
        let restored_url = format!("sqlite://{}?mode=rwc", restored.display());
        let out = ok(&laa_db(
            "unused",
            &[
                "restore",
                "--from",
                file_arg,
                "--database-url",
                &restored_url,
            ],
        ));
        let events = app.event_count("kent-2008-11").await;
        assert!(
            out.contains("1 agreement,")
                && out.contains(&format!("{events} events"))
                && out.contains("every history verified"),
            "{out}"
        );
        let err = fails(&laa_db(
            "unused",
            &[
                "restore",
                "--from",
                file_arg,
                "--database-url",
                &restored_url,
            ],
        ));
        assert!(err.contains("exists"), "{err}");

        // The restored history is the original, hash for hash.
        let copy = laa_store::Store::connect(&restored_url, laa_store::StoreOptions::default())
            .await
            .unwrap();
        let id = laa_core::AgreementId::new("kent-2008-11").unwrap();
        let (original, restored) = (
            app.store.verify(&id).await.unwrap(),
            copy.verify(&id).await.unwrap(),
        );
        assert!(restored.ok);
        assert_eq!(
            (original.length, original.head_hash),
            (restored.length, restored.head_hash)
        );
        copy.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_report_their_status_and_never_drop_the_audit_trail_by_accident() {
    for_each_database(|app| async move {
        let url = app.database_url.clone();
        let status = ok(&laa_db(&url, &["migrate", "status"]));
        // One line per migration of the schema crate.
        let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/src"))
            .expect("the migrations")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("m2026"))
            .count();
        assert_eq!(status.lines().count(), migrations, "{status}");
        assert!(status.lines().all(|l| l.ends_with("Applied")), "{status}");
        let json: serde_json::Value =
            serde_json::from_str(&ok(&laa_db(&url, &["migrate", "status", "-o", "json"])))
                .expect("`migrate status -o json` prints JSON");
        let listed = json.as_array().expect("a list");
        assert_eq!(listed.len(), migrations, "{json}");
        assert!(
            listed
                .iter()
                .all(|m| m["status"] == "Applied" && m["name"].is_string()),
            "{json}"
        );
        assert!(ok(&laa_db(&url, &["migrate", "up"])).contains("applied 0 migrations"));

        negotiate(&app).await;
        let events = app.event_count("kent-2008-11").await;
        for args in [&["migrate", "reset"][..], &["migrate", "down"][..]] {
            let out = laa_db(&url, args);
            assert_eq!(out.status.code(), Some(4), "{out:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("audit trail")
                    && err.contains("--i-understand-this-destroys-the-audit-trail"),
                "{err}"
            );
        }
        assert_eq!(
            app.event_count("kent-2008-11").await,
            events,
            "nothing was dropped"
        );

        // On purpose, it goes ahead; up builds the schema again.
        ok(&laa_db(
            &url,
            &[
                "migrate",
                "reset",
                "--i-understand-this-destroys-the-audit-trail",
            ],
        ));
        let status = ok(&laa_db(&url, &["migrate", "status"]));
        assert!(status.lines().all(|l| l.ends_with("Pending")), "{status}");
        assert!(
            ok(&laa_db(&url, &["migrate", "up"]))
                .contains(&format!("applied {migrations} migrations"))
        );
    })
    .await;
}
