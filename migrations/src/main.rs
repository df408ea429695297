//! `laa-migration`: apply, roll back or inspect the LAA schema.
//!
//! The database comes from `DATABASE_URL` or `-u URL`, such as
//! `sqlite://laa.db?mode=rwc` or `postgres://postgres@127.0.0.1:5432/laa`.
//! Subcommands are sea-orm's: `up`, `down`, `status`, `fresh`, `refresh`,
//! `reset` (run with `--help` for the list).

use std::time::Duration;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectOptions, Database, DbConn};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    cli::run_cli_with_connection(laa_migration::Migrator, connect).await;
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
