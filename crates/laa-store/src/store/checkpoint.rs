//! WAL checkpoints off the commit path (SQLite, a sole writer).
//!
//! By default SQLite checkpoints inside the commit that takes its
//! write-ahead log past 1,000 pages: that commit copies the log's pages into
//! the database file and flushes it before it returns, so every few dozen
//! group commits one waits several milliseconds longer, and every append in
//! it with it. A sole writer (`laa serve`) turns the automatic checkpoint
//! off on its connections and checkpoints from a task of its own instead,
//! in `PASSIVE` mode, which never blocks a writer or a reader. Durability is
//! unchanged: a commit is durable once its log frames are flushed
//! (`synchronous=FULL`), and a checkpoint only moves committed pages.

use std::sync::Weak;
use std::time::Duration;

use sea_orm::sqlx;

use super::{Inner, Store};

/// How often the log is checkpointed.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Starts the checkpointing task of the store `inner`; it ends when the
/// store is dropped.
pub(super) fn start(inner: Weak<Inner>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let store = Store { inner };
            let pool = store.connection().get_sqlite_connection_pool();
            if pool.is_closed() {
                return;
            }
            // A failed pass (a full disk, a closing pool) is tried again
            // by the next; no commit depends on it.
            let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(pool)
                .await;
        }
    });
}
