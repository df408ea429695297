//! The [`Store`]: connecting, appending, loading and verifying agreements.
//!
//! One concern a file: `append` (the public append, idempotency and the
//! single-command path), `committer` (group commit: concurrent appends
//! share one transaction and one flush), `plan` (what an append writes),
//! `heads` (the state remembered per agreement), `request` (a request id
//! and the fingerprint of what it asked for), `history` (reading
//! agreements back) and `verify` (the hash chain).

mod announce;
mod append;
mod batch;
mod broken;
mod checkpoint;
mod committer;
mod copy;
mod genesis;
mod heads;
mod history;
mod import;
mod plan;
mod pool;
mod request;
mod rows;
mod schema_lock;
mod server_lock;
mod streams;
mod unnest;
mod verify;

pub use announce::EVENTS_CHANNEL;
pub use append::Committed;
pub use broken::BrokenHistory;
pub use checkpoint::{CHECKPOINT_EVERY, RESTART_AT};
pub use committer::{GroupCommits, MAX_BATCH, MIN_BATCH_BESIDE};
pub use copy::Copied;
pub use genesis::{GENESIS_PRINCIPAL, GENESIS_REQUEST};
pub(crate) use heads::Head;
pub use heads::SNAPSHOT_EVERY;
pub use history::REPLAY_PAGE;
pub use import::{ExportedEvent, HISTORY_FORMAT, Imported, parse_and_verify, parse_and_verify_as};
pub use request::Request;
pub(crate) use rows::Write;
pub use schema_lock::KEY as SCHEMA_LOCK_KEY;
pub use server_lock::{APPLICATION_NAME as SERVER_LOCK_APPLICATION, KEY as SERVER_LOCK_KEY};
pub use streams::{StreamEvent, StreamHead};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use laa_core::{AgreementId, Catalogue, Event, TargetId};
use laa_migration::{Migrator, MigratorTrait};
use sea_orm::{
    Database, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, MutexGuard};

use crate::error::StoreError;
use crate::options::{Backend, BeforeCommit, StoreOptions};
use history::read_head;

/// The event log: the database opened, every stream's events appended,
/// loaded, verified, exported, imported and followed. What else the
/// database holds is reached through the handles of [`crate::roles`],
/// taken from it. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite only: one writer at a time in this process (see [`Store::begin_write`]).
    write_lock: Option<Mutex<()>>,
    /// The catalogue the database holds (see `indicator_sets.rs`).
    catalogue: std::sync::RwLock<Arc<Catalogue>>,
    before_commit: Option<BeforeCommit>,
    before_batch_commit: Option<BeforeCommit>,
    /// The last head seen of each agreement (see [`Head`]).
    heads: std::sync::Mutex<HashMap<AgreementId, Arc<Head>>>,
    /// Where appends queue for the next group commit (see `committer`).
    committer: committer::Queue,
    /// Live tokens recently resolved (see [`Store::resolve_token`]).
    tokens: crate::credentials::TokenCache,
    /// The agreements whose history is known broken (see `broken`).
    broken: broken::Known,
    /// The exclusive lock of a sole writer (see
    /// [`StoreOptions::sole_writer`]), held for the store's life; `Some`
    /// when reads may answer from the remembered heads.
    sole_writer: Option<SoleWriter>,
    /// PostgreSQL: this server's hold on the database beside other
    /// servers (see `server_lock`); `None` for a store that does not serve.
    server_lock: Option<server_lock::ServerLock>,
    /// The clock every time the store records is read from.
    clock: crate::Clock,
}

/// Proof that this store is its database's only writer of agreements.
struct SoleWriter {
    /// The locked file (its lock is released when it is closed).
    _lock: Option<std::fs::File>,
}

/// Takes the sole writer's lock of an SQLite database URL: an exclusive
/// lock on `<file>.lock`, or nothing to lock for an in-memory database.
fn lock_sole_writer(url: &str) -> Result<SoleWriter, StoreError> {
    let Some(path) = crate::options::sqlite_file(url) else {
        return Ok(SoleWriter { _lock: None });
    };
    let lock_path = format!("{path}.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            StoreError::invalid("database_url", format!("cannot open {lock_path}: {e}"))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(SoleWriter { _lock: Some(file) }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::invalid(
            "database_url",
            format!(
                "another laa server already writes to this database (it holds {lock_path}): stop it first, or use PostgreSQL to run several servers"
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::invalid(
            "database_url",
            format!("cannot lock {lock_path}: {e}"),
        )),
    }
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The sequence of the first event appended.
    pub first_sequence: u64,
    /// The sequence of the last event appended.
    pub last_sequence: u64,
    /// The agreement's version afterwards (the last sequence).
    pub version: u64,
    /// True when the request id had been applied already: this is the first
    /// outcome again, and nothing was written.
    pub replayed: bool,
    /// The target the request created or acted on first, if any.
    pub target: Option<TargetId>,
}

/// One event as stored: the event and the store's record around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its position among all events of all agreements; only grows. (On
    /// PostgreSQL ids are taken at insert, so a transaction committing later
    /// may hold a smaller id: a follower should re-read a short window
    /// behind its cursor.)
    pub global_id: u64,
    /// The agreement.
    pub agreement: AgreementId,
    /// Its sequence within the agreement, from 1.
    pub sequence: u64,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The request that produced it.
    pub request_id: String,
    /// The event's kind, such as `offer_made`.
    pub kind: String,
    /// The event.
    pub event: Event,
    /// The event exactly as stored and hashed (canonical JSON).
    pub payload: String,
    /// The previous event's hash, in hex ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// This event's hash, in hex.
    pub hash: String,
}

/// The result of checking an agreement's hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// True when every event is intact, in order, with no gap.
    pub ok: bool,
    /// How many events were found.
    pub length: u64,
    /// The stored hash of the last event found ([`GENESIS_HASH`] if none).
    pub head_hash: String,
    /// The first sequence at which the history is not what was appended.
    pub first_bad_sequence: Option<u64>,
    /// True when the history held but the projection (the agreement and
    /// target rows queries read) was not the state it replays to: the
    /// projection was dropped, to be rebuilt from the history.
    pub projection_rebuilt: bool,
}

/// A pooled SQLite connection that is closed, not returned to the pool,
/// unless released: see [`Store::run_sqlite_batch`].
struct CloseUnlessReleased(Option<SqlitePooled>);

/// A connection checked out of an SQLite pool.
pub(crate) type SqlitePooled = sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>;

impl CloseUnlessReleased {
    /// Hands the connection back, to keep or to drop (which returns it to
    /// the pool).
    fn release(&mut self) -> Option<SqlitePooled> {
        self.0.take()
    }
}

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(conn) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// The connections of a store's pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConnections {
    /// The connections open.
    pub open: u32,
    /// Those of them no one is using.
    pub idle: u32,
}

/// A driver error as the database error sea-orm would give.
pub(crate) fn db_err(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Database(sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(
        Arc::new(e),
    )))
}

impl Store {
    /// Opens the database at `url`, brings its schema up to date and loads
    /// the reference data (the indicator sets from `laa-core`'s catalogue,
    /// the nine regions, the 150 areas of 2008) if it is missing.
    ///
    /// SQLite (`sqlite://laa.db?mode=rwc`; `mode=rwc` creates the file):
    /// WAL journal, `synchronous` as [`StoreOptions::sqlite_synchronous`]
    /// says (`FULL` by default), a busy timeout, foreign keys on.
    /// PostgreSQL: `postgres://user@host:port/db`.
    ///
    /// An error never quotes a password of `url` (the driver's messages
    /// may quote the whole URL): see [`crate::options::masked`].
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        Self::open(url, options).await.map_err(|error| {
            let message = error.to_string();
            let shown = crate::options::masked(&message, url);
            if shown == message {
                error
            } else {
                StoreError::CannotOpen(shown)
            }
        })
    }

    async fn open(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let backend = Backend::of_url(url)?;
        let connect = pool::connect_options(url, backend, &options);
        let sole_writer = match (options.sole_writer, backend) {
            (true, Backend::Sqlite) => Some(lock_sole_writer(url)?),
            _ => None,
        };
        // On SQLite the schema lock is taken before connecting: opening
        // sets the journal mode (WAL), which on a fresh file races with
        // another process doing the same ("database is locked").
        let sqlite_schema = match backend {
            Backend::Sqlite => Some(schema_lock::SchemaLock::sqlite(url).await?),
            Backend::Postgres => None,
        };
        let db = Database::connect(connect).await?;
        // Taken before the migrations run, so that a server refused here
        // changes nothing.
        let server_lock = match (options.postgres_server, backend) {
            (Some(mode), Backend::Postgres) => {
                Some(server_lock::ServerLock::take(url, mode).await?)
            }
            _ => None,
        };
        let store = Store {
            inner: Arc::new_cyclic(|inner| Inner {
                db,
                backend,
                write_lock: (backend == Backend::Sqlite).then(|| Mutex::new(())),
                catalogue: Default::default(),
                #[cfg(feature = "test-hooks")]
                before_commit: options.before_commit,
                #[cfg(feature = "test-hooks")]
                before_batch_commit: options.before_batch_commit,
                #[cfg(not(feature = "test-hooks"))]
                before_commit: None,
                #[cfg(not(feature = "test-hooks"))]
                before_batch_commit: None,
                heads: std::sync::Mutex::new(HashMap::new()),
                committer: committer::Queue::start(
                    inner.clone(),
                    match backend {
                        Backend::Sqlite => 1,
                        Backend::Postgres => options
                            .batches_in_flight
                            .unwrap_or(crate::options::DEFAULT_BATCHES_IN_FLIGHT)
                            .max(1),
                    },
                ),
                tokens: Default::default(),
                broken: Default::default(),
                sole_writer,
                server_lock,
                clock: options.clock,
            }),
        };
        // One process at a time brings the schema and the reference data
        // up to date; another opening the database meanwhile waits, then
        // finds nothing left to do.
        let schema = match sqlite_schema {
            Some(held) => held,
            None => schema_lock::SchemaLock::postgres(&store.inner.db).await?,
        };
        if options.schema == crate::options::Schema::Existing
            && !laa_migration::SchemaManager::new(&store.inner.db)
                .has_table(laa_migration::tables::LAA_TABLE)
                .await?
        {
            schema.release().await?;
            return Err(StoreError::Unprepared);
        }
        {
            // Migrations write; on SQLite they queue behind this process's
            // other writers like any write.
            let _guard = store.write_guard().await;
            Migrator::up(&store.inner.db, None).await?;
        }
        store.seed_regions().await?;
        if options.schema == crate::options::Schema::Copy {
            // A copy brings every stream; one begun here would be this
            // database's own, not the copied one's.
            if let Some(held) = store.streams_logged().await?.first() {
                schema.release().await?;
                return Err(StoreError::AlreadyExists {
                    what: "stream",
                    key: held.as_stored(),
                });
            }
        } else {
            store.begin_reference_streams().await?;
        }
        schema.release().await?;
        store.load_catalogue().await?;
        store.recall_broken().await?;
        if crate::upkeep::autovacuum_is_off(&store.inner.db).await? {
            tracing::warn!("{}", crate::upkeep::AUTOVACUUM_OFF);
        }
        if store.is_sole_writer() && backend == Backend::Sqlite {
            checkpoint::start(Arc::downgrade(&store.inner));
        }
        Ok(store)
    }

    /// The database connection: private to this crate, which holds every
    /// statement the engine runs.
    #[cfg(not(feature = "test-hooks"))]
    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The database connection, public only with the `test-hooks` feature,
    /// which only dev-dependencies enable: the suites' fixtures corrupt and
    /// inspect rows through it. A production build has no connection
    /// outside this crate.
    #[cfg(feature = "test-hooks")]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Checks that the database answers (one round trip on a pooled
    /// connection): what a health check asks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.inner.db.ping().await?)
    }

    /// The group commits this store has made since it was opened, and the
    /// appends waiting for the next.
    pub fn group_commits(&self) -> GroupCommits {
        self.inner.committer.group_commits()
    }

    /// The connection pool's connections now, and how many of them are
    /// idle (for the pool's metrics).
    pub fn pool_connections(&self) -> PoolConnections {
        let db = &self.inner.db;
        let (size, idle) = match self.inner.backend {
            Backend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            Backend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        PoolConnections {
            open: size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
        }
    }

    /// True when this store is its database's only writer of agreements
    /// (see [`StoreOptions::sole_writer`]): on SQLite for its life, on
    /// PostgreSQL while it holds the sole server's lock
    /// ([`crate::PostgresServer::Sole`]).
    pub fn is_sole_writer(&self) -> bool {
        self.inner.sole_writer.is_some()
            || self
                .inner
                .server_lock
                .as_ref()
                .is_some_and(|lock| lock.is_sole())
    }

    /// Refuses to write agreements while a PostgreSQL server holds no lock
    /// on its database (see `server_lock`).
    pub(crate) fn check_writable(&self) -> Result<(), StoreError> {
        match &self.inner.server_lock {
            Some(lock) => lock.check_writable(),
            None => Ok(()),
        }
    }

    /// The tokens this store resolved recently.
    pub(crate) fn token_cache(&self) -> &crate::credentials::TokenCache {
        &self.inner.tokens
    }

    /// The clock this store was opened with: the one every time read goes
    /// through (see [`crate::clock`]).
    pub fn clock(&self) -> crate::Clock {
        self.inner.clock
    }

    /// Which database this store is on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The cell holding the remembered catalogue.
    pub(crate) fn catalogue_cell(&self) -> &std::sync::RwLock<Arc<Catalogue>> {
        &self.inner.catalogue
    }

    /// Closes the connection pool; clones of this store stop working.
    pub async fn close(&self) -> Result<(), StoreError> {
        self.inner.db.close_by_ref().await?;
        Ok(())
    }

    /// Waits for this process's turn to write (SQLite only).
    pub(crate) async fn write_guard(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.inner.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

    /// Begins a write transaction.
    ///
    /// SQLite: sqlx and sea-orm begin with a plain (deferred) `BEGIN`, which
    /// takes the write lock only at the first write; a transaction that read
    /// first then finds another writer ahead of it fails with "database is
    /// locked" however long the busy timeout. sea-orm 2's
    /// [`TransactionOptions::sqlite_transaction_mode`] issues
    /// `BEGIN IMMEDIATE` instead, which takes the lock up front (waiting up
    /// to the busy timeout for another process); callers hold
    /// [`Store::write_guard`] first, so writers in this process queue in
    /// order on a mutex rather than polling SQLite's busy handler.
    /// PostgreSQL ignores the mode: its transactions are READ COMMITTED, and
    /// the unique keys order concurrent writers.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self
            .inner
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }
}

/// A count computed by the store itself (never negative by construction).
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A count or id read from the database: a negative one cannot have been
/// written by the store, so it is corruption naming its row, never a
/// plausible 0.
pub(crate) fn stored(row: &str, column: &str, v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| {
        StoreError::corrupt(
            row,
            0,
            format!("{column} holds {v}, which no write could have stored"),
        )
    })
}

pub(crate) fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn to_i64(field: &'static str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::invalid(field, format!("{v} is too large")))
}
