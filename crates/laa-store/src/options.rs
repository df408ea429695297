//! How a [`Store`](crate::Store) opens its database.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::StoreError;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded: `sqlite://laa.db?mode=rwc`.
    Sqlite,
    /// PostgreSQL: `postgres://user@host:5432/db`.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::invalid(
                "database_url",
                "use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB",
            ))
        }
    }
}

/// SQLite's `synchronous` setting in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is synced to disk before it is acknowledged: an
    /// acknowledged write survives power loss. The default.
    #[default]
    Full,
    /// Commits are synced at checkpoints only: faster, and still never
    /// corrupt, but the last acknowledged writes may be lost on power loss
    /// (not on a crash of the process).
    Normal,
}

/// A hook awaited inside an append's transaction, after every row is
/// written and before the commit. Only fault-injection tests set one (to
/// kill or stall a writer mid-transaction); it is `None` in production.
pub type BeforeCommit = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Settings for [`Store::connect`](crate::Store::connect).
#[derive(Clone)]
pub struct StoreOptions {
    /// SQLite only: `FULL` (default) or `NORMAL`; see [`Synchronous`].
    pub sqlite_synchronous: Synchronous,
    /// SQLite only: how long a write waits for another process's write
    /// lock before it fails. Writers in the same process queue on a mutex
    /// and never reach this limit.
    pub busy_timeout: Duration,
    /// The connection pool's size; `None` for the default (SQLite 8,
    /// PostgreSQL 20).
    pub max_connections: Option<u32>,
    /// How long to wait for a pooled connection before failing.
    pub acquire_timeout: Duration,
    /// This store is the only writer of the database's agreements (one
    /// `laa serve` on its SQLite file): a read of an agreement it holds
    /// the head of answers from memory, without asking the database
    /// whether another process moved it on. On SQLite, `Store::connect`
    /// then takes an exclusive lock on the file `<database>.lock` for the
    /// store's life, and fails if another sole writer holds it. Ignored on
    /// PostgreSQL, where several servers may share one database, and for
    /// an in-memory SQLite database.
    pub sole_writer: bool,
    /// How a server's store holds a PostgreSQL database beside other
    /// servers (`None` for a store that does not serve: the CLI's tools).
    /// Ignored on SQLite, where a server is always its database's sole
    /// writer (see `sole_writer`).
    pub postgres_server: Option<PostgresServer>,
    /// Fault injection for tests; see [`BeforeCommit`]. A store with this
    /// hook appends in the caller's task, one command a transaction (no
    /// group commit), so that aborting the caller aborts its transaction.
    pub before_commit: Option<BeforeCommit>,
    /// Fault injection for tests: awaited inside each group commit's
    /// transaction, after every row of the batch is written and before the
    /// commit (with the number of appends in the batch known to the hook's
    /// caller only through what it observes). `None` in production.
    pub before_batch_commit: Option<BeforeCommit>,
    /// How many group commits may be written at once; `None` for the
    /// default ([`DEFAULT_BATCHES_IN_FLIGHT`] on PostgreSQL). SQLite writes
    /// one transaction at a time, so there it is always 1.
    pub batches_in_flight: Option<usize>,
}

/// PostgreSQL: how many group commits a store writes at once by default.
/// Each is a transaction on a connection of its own; PostgreSQL flushes
/// the commits that arrive together with one write of its log, so while
/// one batch waits for its flush the next is already being written.
pub const DEFAULT_BATCHES_IN_FLIGHT: usize = 4;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(30),
            max_connections: None,
            acquire_timeout: Duration::from_secs(30),
            sole_writer: false,
            postgres_server: None,
            before_commit: None,
            before_batch_commit: None,
            batches_in_flight: None,
        }
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreOptions")
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("busy_timeout", &self.busy_timeout)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("sole_writer", &self.sole_writer)
            .field("before_commit", &self.before_commit.is_some())
            .field("before_batch_commit", &self.before_batch_commit.is_some())
            .field("batches_in_flight", &self.batches_in_flight)
            .finish()
    }
}

/// How a server holds its PostgreSQL database (an advisory lock held for
/// the server's life on a connection of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgresServer {
    /// Several servers share the database: a read of an agreement asks the
    /// database for its head, so a write through another server is seen
    /// at once. No sole server can start beside them.
    Shared,
    /// This server is the database's only server (`laa serve
    /// --sole-server`): reads answer from the heads it remembers, and no
    /// other server can start beside it.
    Sole,
}
