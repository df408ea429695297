//! How the store's connection pool is set up on each database: its size,
//! SQLite's journal, flushes, checkpoints and statement cache, when a
//! pooled connection is pinged before it is handed out, and PostgreSQL's
//! sockets without Nagle's delay.

use std::sync::Arc;

use sea_orm::ConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

use crate::options::{Backend, StoreOptions, Synchronous};

/// How many prepared statements an SQLite connection keeps.
const STATEMENT_CACHE: usize = 24;

/// PostgreSQL: a pooled connection idle this long is pinged before it is
/// handed out; one used more recently is not.
const PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// The pool's options for the database at `url` (a `backend` one), as
/// `options` ask.
pub(super) fn connect_options(
    url: &str,
    backend: Backend,
    options: &StoreOptions,
) -> ConnectOptions {
    let mut connect = ConnectOptions::new(url.to_owned());
    connect
        .sqlx_logging(false)
        .acquire_timeout(options.acquire_timeout)
        .max_connections(options.max_connections.unwrap_or(match backend {
            // A sole writer reads agreements from memory and writes
            // through one committer: each SQLite connection is a thread
            // and a page cache of its own, so it keeps fewer.
            Backend::Sqlite if options.sole_writer => 4,
            Backend::Sqlite => 8,
            Backend::Postgres => 20,
        }));
    if backend == Backend::Sqlite {
        // sqlx pings an idle connection before handing it out; for
        // SQLite that is a round trip to the connection's own thread
        // (two thread wake-ups) before every batch and every read, to
        // learn what cannot happen: a local file does not hang up.
        connect.test_before_acquire(false);
    } else {
        // On PostgreSQL the ping is a round trip to the database before
        // every read and every batch: a read that asks the database
        // once (the scope's version, an agreement's head) asked it
        // twice. A connection in use within the last second is handed
        // out as it is; one idle longer (which a failover, a proxy or a
        // firewall may have cut) is pinged first. A connection cut
        // within that second fails the one request that gets it, as a
        // request in flight at the cut does, and is then discarded.
        connect.test_before_acquire_if_idle_for(PING_AFTER_IDLE);
    }
    let synchronous = match options.sqlite_synchronous {
        Synchronous::Full => SqliteSynchronous::Full,
        Synchronous::Normal => SqliteSynchronous::Normal,
    };
    let busy_timeout = options.busy_timeout;
    // A sole writer checkpoints from a task of its own (see `checkpoint`).
    let autocheckpoint = if options.sole_writer { "0" } else { "1000" };
    connect.map_sqlx_sqlite_opts(move |o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(busy_timeout)
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", autocheckpoint)
            // A group commit's text changes with its size and members:
            // the common ones stay prepared, and a hundred rarely met
            // batches of a dozen statements each (sqlx's default) are
            // not kept in memory on every connection.
            .statement_cache_capacity(STATEMENT_CACHE)
    });
    connect.map_sqlx_sqlite_before_acquire(outside_transactions);
    if backend == Backend::Postgres {
        let ports = Arc::new(crate::nodelay::database_ports(url));
        connect.map_sqlx_postgres_pool_opts(move |pool| {
            let ports = ports.clone();
            pool.after_connect(move |_connection, _meta| {
                crate::nodelay::database_sockets_nodelay(&ports);
                Box::pin(async { Ok(()) })
            })
        });
    }
    connect
}

/// Whether a pooled SQLite connection may be handed out: only when the
/// driver counts it outside any transaction; otherwise the pool discards
/// it (closing it rolls back whatever it holds) and takes another.
///
/// A COMMIT the database refuses (a full disk: SQLite then rolls the
/// transaction back itself) leaves the driver counting the connection as
/// inside the transaction, and the ROLLBACK that follows fails, there being
/// none. The next transaction begun on that connection would be a
/// SAVEPOINT instead of `BEGIN IMMEDIATE`, and once rolled back it leaves a
/// real transaction open, inside which later writes on the connection are
/// answered as committed and never are (the disk-full tests in
/// `tests/store/disk_full.rs`).
fn outside_transactions(
    conn: &mut sea_orm::sqlx::sqlite::SqliteConnection,
    _meta: sea_orm::sqlx::pool::PoolConnectionMetadata,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<bool, sea_orm::sqlx::Error>> + Send + '_>,
> {
    use sea_orm::sqlx::Connection;
    Box::pin(std::future::ready(Ok(!conn.is_in_transaction())))
}
