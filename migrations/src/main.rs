//! `laa-migration`: apply, roll back or inspect the LAA schema.
//!
//! The database comes from `DATABASE_URL` or `-u URL`, such as
//! `sqlite://laa.db?mode=rwc` or `postgres://postgres@127.0.0.1:5432/laa`.
//! Subcommands are sea-orm's: `up`, `down`, `status`, `fresh`, `refresh`,
//! `reset` (run with `--help` for the list).
//!
//! The destructive ones (`down`, `fresh`, `refresh`, `reset`) refuse a
//! database whose event log holds events: the event log is the audit
//! trail. `laa migrate down|reset --i-understand-this-destroys-the-audit-trail`
//! is the one way to destroy it, on purpose.

use std::time::Duration;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DbConn};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(refusal) = guard_audit_trail().await {
        eprintln!("error: {refusal}");
        std::process::exit(4);
    }
    cli::run_cli_with_connection(laa_migration::Migrator, connect).await;
}

/// Refuses a destructive subcommand on a database holding events.
async fn guard_audit_trail() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let destructive = args
        .iter()
        .any(|a| matches!(a.as_str(), "down" | "fresh" | "refresh" | "reset"));
    if !destructive {
        return Ok(());
    }
    let url = args
        .iter()
        .position(|a| a == "-u" || a == "--database-url")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--database-url=").map(str::to_owned))
        })
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let Some(url) = url else {
        return Ok(()); // sea-orm's command line says the URL is missing
    };
    let db = connect(ConnectOptions::new(url))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let manager = SchemaManager::new(&db);
    if !manager.has_table("events").await.unwrap_or(false) {
        return Ok(());
    }
    let held = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM events",
        ))
        .await
        .map_err(|e| format!("cannot count the events: {e}"))?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()
        .map_err(|e| format!("cannot count the events: {e}"))?
        .unwrap_or(0);
    if held > 0 {
        return Err(format!(
            "the database holds {held} events, the audit trail, and this command would destroy it; \
             take a backup (laa backup, or pg_dump), then use \
             `laa migrate down|reset --i-understand-this-destroys-the-audit-trail`"
        ));
    }
    Ok(())
}

/// Opens the database as the store does: on SQLite with a busy timeout, so
/// a migration waits for a running server's write instead of failing.
async fn connect(mut options: ConnectOptions) -> Result<DbConn, DbErr> {
    options.map_sqlx_sqlite_opts(|o| {
        o.busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .create_if_missing(true)
    });
    Database::connect(options).await
}
