//! The lock a process holds while it brings a database's schema and
//! reference data up to date, so that two processes opening one fresh
//! database (two servers, a server and `laa token issue`) never both run
//! the same migration: the second waits for the first, then finds the
//! schema finished and nothing left to do.
//!
//! - PostgreSQL: a session-level advisory lock on [`KEY`], on one pooled
//!   connection held for the duration (a process that dies loses its
//!   session, and the lock with it).
//! - SQLite: an exclusive lock on the file `<database>.schema-lock` beside
//!   the database (the operating system drops it when the process dies).
//!   Not the database file itself: closing any other descriptor of that
//!   file would drop SQLite's own locks on it.

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::{self, Postgres, pool::PoolConnection};

use super::db_err;
use crate::error::StoreError;
use crate::options::sqlite_file;

/// The advisory lock's key on PostgreSQL (the bytes of `laa_schm`), other
/// than the servers' own ([`super::server_lock::KEY`]).
pub const KEY: i64 = 0x6c61_615f_7363_686d;

/// A held schema lock; [`SchemaLock::release`] gives it up (dropping it
/// does too, less promptly on PostgreSQL: the connection is closed).
pub(super) enum SchemaLock {
    /// The connection holding the advisory lock.
    Postgres(Option<PoolConnection<Postgres>>),
    /// The locked file.
    Sqlite(Option<std::fs::File>),
    /// An in-memory SQLite database: no other process can open it.
    Nothing,
}

impl SchemaLock {
    /// Takes a PostgreSQL database's lock, waiting for another process
    /// that holds it.
    pub(super) async fn postgres(db: &DatabaseConnection) -> Result<Self, StoreError> {
        let mut conn = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(db_err)?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(KEY)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        Ok(SchemaLock::Postgres(Some(conn)))
    }

    /// Takes an SQLite database's lock (before any connection to it is
    /// opened), waiting for another process that holds it.
    pub(super) async fn sqlite(url: &str) -> Result<Self, StoreError> {
        let Some(path) = sqlite_file(url) else {
            return Ok(SchemaLock::Nothing);
        };
        let lock_path = format!("{path}.schema-lock");
        let cannot = |e: std::io::Error| {
            StoreError::invalid("database_url", format!("cannot lock {lock_path}: {e}"))
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(cannot)?;
        // `File::lock` blocks its thread until the other holder lets go.
        tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| cannot(std::io::Error::other(e)))?
            .map(|file| SchemaLock::Sqlite(Some(file)))
            .map_err(cannot)
    }

    /// Gives the lock up.
    pub(super) async fn release(mut self) -> Result<(), StoreError> {
        match &mut self {
            SchemaLock::Postgres(held) => {
                if let Some(mut conn) = held.take() {
                    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                        .bind(KEY)
                        .execute(&mut *conn)
                        .await;
                    if unlocked.is_err() {
                        // A connection that may still hold the lock must
                        // not go back to the pool: closing it releases it.
                        conn.close_on_drop();
                    }
                    unlocked.map_err(db_err)?;
                }
                Ok(())
            }
            SchemaLock::Sqlite(file) => match file.take() {
                Some(file) => file.unlock().map_err(|e| {
                    StoreError::invalid("database_url", format!("cannot unlock the schema: {e}"))
                }),
                None => Ok(()),
            },
            SchemaLock::Nothing => Ok(()),
        }
    }
}

impl Drop for SchemaLock {
    fn drop(&mut self) {
        // Dropped without `release` (an error while migrating): the
        // connection is closed, not pooled, so the lock goes with it.
        if let SchemaLock::Postgres(Some(conn)) = self {
            conn.close_on_drop();
        }
    }
}
