//! `laa-migration`'s destructive commands refuse a database whose event
//! log holds events (the audit trail), and go ahead on one that holds none.

use std::process::Command;

use laa_migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database};

fn laa_migration(url: &str, command: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_laa-migration"))
        .args(["-u", url, command])
        .output()
        .expect("run laa-migration")
}

#[tokio::test]
async fn destructive_commands_refuse_a_database_holding_events() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/guard.db?mode=rwc", dir.path().display());
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO events (id, agreement_id, sequence, recorded_at, actor, kind, payload, request_id, prev_hash, hash) \
         VALUES (1, 'kent-2008-11', 1, '2026-01-01T00:00:00Z', 'gose:jane', 'opened', '{}', 'r-1', 'p', 'h')",
    )
    .await
    .unwrap();
    for command in ["reset", "fresh", "refresh", "down"] {
        let out = laa_migration(&url, command);
        assert_eq!(out.status.code(), Some(4), "{command}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("audit trail"), "{command}: {err}");
    }
    let row = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM events",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get_by_index::<i64>(0).unwrap(),
        1,
        "the event survived"
    );

    // With no event, a reset goes ahead (a fresh or test database).
    db.execute_unprepared("DELETE FROM events").await.unwrap();
    db.close().await.unwrap();
    let out = laa_migration(&url, "reset");
    assert!(out.status.success(), "{out:?}");
}
