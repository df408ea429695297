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
//!
//! Under a steady write load a passive pass alone never lets the log start
//! again from its beginning: SQLite restarts it only when a writer finds
//! every frame already copied, and by the time a pass has copied them the
//! next commits have added more. The log then grows without end (3 GB
//! behind a 330 MB database after three minutes of eight negotiators), and
//! its index, which every connection maps into memory, grows with it. So
//! once the log holds [`RESTART_AT`] pages, a pass asks for a `TRUNCATE`
//! checkpoint: it waits (the busy timeout) for the commit in progress and
//! for readers of older snapshots, copies the few frames the passive passes
//! left, and empties the log; the next commit begins it again. The log, its
//! index and the file stay bounded.
//!
//! How far past [`RESTART_AT`] the log gets is what the writers add between
//! two passes: on a fast machine a quarter of a second of steady commits
//! is several megabytes. So once the log is halfway there, the passes come
//! [`SOONER`], until a restart empties it.

use std::sync::Weak;
use std::time::Duration;

use sea_orm::sqlx;

use super::{Inner, Store};

/// How often the log is checkpointed.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// The log's length, in pages (16 MiB of 4 KiB pages), at which a pass
/// empties it ([`TRUNCATE`](self)) rather than only copying it.
pub const RESTART_AT: i64 = 4_096;

/// How often the log is checkpointed once it holds half of [`RESTART_AT`].
pub const SOONER: Duration = Duration::from_millis(50);

/// Starts the checkpointing task of the store `inner`; it ends when the
/// store is dropped.
pub(super) fn start(inner: Weak<Inner>) {
    tokio::spawn(async move {
        let mut next = CHECKPOINT_EVERY;
        loop {
            tokio::time::sleep(next).await;
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let store = Store { inner };
            let pool = store.connection().get_sqlite_connection_pool();
            if pool.is_closed() {
                return;
            }
            // A failed pass (a full disk, a closing pool) is tried again
            // by the next; no commit depends on it. It answers whether it
            // was blocked, the log's length and how much of it is copied.
            let pass: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(pool)
                .await;
            let log = pass.map_or(0, |(_, log, _)| log);
            next = if log >= RESTART_AT {
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(pool)
                    .await;
                CHECKPOINT_EVERY
            } else if log >= RESTART_AT / 2 {
                SOONER
            } else {
                CHECKPOINT_EVERY
            };
        }
    });
}
