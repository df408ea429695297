//! PostgreSQL: which servers serve the database. Every `laa serve` on
//! PostgreSQL holds a session-level advisory lock on one key, on a
//! connection of its own, for its whole life:
//!
//! - a **sole server** (`laa serve --sole-server`) holds it exclusively: no
//!   other server can start beside it, so it answers reads of agreements
//!   from the heads it remembers, as a server on SQLite does;
//! - any other server holds it shared: several may run together, and a
//!   sole server cannot start while one does.
//!
//! A server takes its lock, then waits [`GRACE`] before serving, and checks
//! the lock's connection every [`CHECK_EVERY`]. When the connection is lost
//! (and the lock with it), a sole server reads through the database from
//! then on, and every server stops writing agreements ("fenced") until it
//! holds the shared lock again: a sole server that started meanwhile sees
//! no write it did not make. The grace outlasts the check, so a server
//! that lost its lock has stopped writing before a new sole server serves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::sqlx::{self, Connection, PgConnection};

use crate::error::StoreError;
use crate::options::PostgresServer;

/// The advisory lock's key (the bytes of `laa_serv`).
pub const KEY: i64 = 0x6c61_615f_7365_7276;

/// How often a server checks that its lock's connection holds.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

/// How long a server waits after taking its lock before it serves: longer
/// than [`CHECK_EVERY`], so that a server that lost its lock has noticed.
pub const GRACE: Duration = Duration::from_secs(1);

/// The name the lock's connection carries in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "laa-server-lock";

/// A server's hold on its PostgreSQL database.
pub(crate) struct ServerLock {
    /// True while this server is the sole server and holds the lock.
    sole: Arc<AtomicBool>,
    /// True while this server holds no lock: it writes no agreement.
    fenced: Arc<AtomicBool>,
    watch: tokio::task::JoinHandle<()>,
}

impl Drop for ServerLock {
    fn drop(&mut self) {
        // Closing the lock's connection releases the lock.
        self.watch.abort();
    }
}

impl ServerLock {
    /// Takes the lock as `mode` says, or says who holds it.
    pub(crate) async fn take(url: &str, mode: PostgresServer) -> Result<Self, StoreError> {
        let conn = lock(url, mode).await?.ok_or_else(|| {
            StoreError::invalid(
                "database_url",
                match mode {
                    PostgresServer::Sole => {
                        "another laa server serves this database: stop it first, or start this one without --sole-server"
                    }
                    PostgresServer::Shared => {
                        "a sole server (laa serve --sole-server) serves this database: stop it first"
                    }
                },
            )
        })?;
        tokio::time::sleep(GRACE).await;
        let sole = Arc::new(AtomicBool::new(mode == PostgresServer::Sole));
        let fenced = Arc::new(AtomicBool::new(false));
        let watch = tokio::spawn(watch(conn, url.to_owned(), sole.clone(), fenced.clone()));
        Ok(Self {
            sole,
            fenced,
            watch,
        })
    }

    /// True while reads may answer from the remembered heads.
    pub(crate) fn is_sole(&self) -> bool {
        self.sole.load(Ordering::SeqCst)
    }

    /// Refuses a write while this server holds no lock.
    pub(crate) fn check_writable(&self) -> Result<(), StoreError> {
        if self.fenced.load(Ordering::SeqCst) {
            return Err(StoreError::Database(sea_orm::DbErr::Custom(
                "this server lost its lock on the database and writes nothing until it holds it again (another server may have started as the sole server)".into(),
            )));
        }
        Ok(())
    }
}

/// A connection holding the lock in `mode`, or `None` if it is held otherwise.
async fn lock(url: &str, mode: PostgresServer) -> Result<Option<PgConnection>, StoreError> {
    let mut conn = PgConnection::connect(url).await.map_err(super::db_err)?;
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(APPLICATION_NAME)
        .execute(&mut conn)
        .await
        .map_err(super::db_err)?;
    let sql = match mode {
        PostgresServer::Sole => "SELECT pg_try_advisory_lock($1)",
        PostgresServer::Shared => "SELECT pg_try_advisory_lock_shared($1)",
    };
    let taken: bool = sqlx::query_scalar(sql)
        .bind(KEY)
        .fetch_one(&mut conn)
        .await
        .map_err(super::db_err)?;
    Ok(taken.then_some(conn))
}

/// Checks the lock's connection; once it is lost, reads go through the
/// database and writes stop until the shared lock is held again.
async fn watch(
    mut conn: PgConnection,
    url: String,
    sole: Arc<AtomicBool>,
    fenced: Arc<AtomicBool>,
) {
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        if sqlx::query("SELECT 1").execute(&mut conn).await.is_ok() {
            continue;
        }
        fenced.store(true, Ordering::SeqCst);
        if sole.swap(false, Ordering::SeqCst) {
            tracing::error!(
                "the sole server's lock on PostgreSQL was lost: reads now ask the database"
            );
        }
        tracing::error!(
            "this server's lock on PostgreSQL was lost: no writes until it holds it again"
        );
        conn = loop {
            tokio::time::sleep(CHECK_EVERY).await;
            if let Ok(Some(again)) = lock(&url, PostgresServer::Shared).await {
                break again;
            }
        };
        fenced.store(false, Ordering::SeqCst);
        tracing::warn!("this server holds its lock on PostgreSQL again (shared): writes resume");
    }
}
