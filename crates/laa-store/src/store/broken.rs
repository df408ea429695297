//! Broken histories: a stream (an agreement's, or the reference data's)
//! whose hash chain is known not to hold (found by a verification, or by
//! the store reading it) refuses writes, and the refusal is recorded, so it
//! survives a restart.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use laa_core::AgreementId;
use sea_orm::sqlx;

use super::{Store, db_err, to_i64};
use crate::error::StoreError;
use crate::options::Backend;

/// What is known to be wrong with an agreement's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenHistory {
    /// The first sequence that is not what was appended.
    pub first_bad_sequence: u64,
    /// What was found there.
    pub problem: String,
}

/// The broken histories a store knows of, by stream (its stored name:
/// an agreement's id, or another stream's name).
pub(super) type Known = std::sync::Mutex<HashMap<String, BrokenHistory>>;

impl Store {
    /// What is known to be wrong with an agreement's history, if anything:
    /// such an agreement refuses every write ([`StoreError::HistoryBroken`]).
    pub fn broken(&self, id: &AgreementId) -> Option<BrokenHistory> {
        self.broken_stream(id.as_str())
    }

    /// [`Store::broken`] for any stream, by its stored name.
    pub fn broken_stream(&self, stream: &str) -> Option<BrokenHistory> {
        self.known_broken().get(stream).cloned()
    }

    fn known_broken(&self) -> std::sync::MutexGuard<'_, HashMap<String, BrokenHistory>> {
        // Each operation is one map call: a poisoned lock is still sound.
        self.inner
            .broken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Refuses a write to an agreement whose history is known broken.
    pub(super) fn refuse_if_broken(&self, id: &AgreementId) -> Result<(), StoreError> {
        self.refuse_if_stream_broken(id.as_str())
    }

    /// Refuses a write to any stream whose history is known broken.
    pub(super) fn refuse_if_stream_broken(&self, stream: &str) -> Result<(), StoreError> {
        match self.broken_stream(stream) {
            Some(b) => Err(StoreError::HistoryBroken {
                agreement: stream.to_owned(),
                first_bad_sequence: b.first_bad_sequence,
                problem: b.problem,
            }),
            None => Ok(()),
        }
    }

    /// An error met reading an agreement: when it is corruption of its
    /// history, the agreement is marked broken there (so it refuses writes
    /// from now on, and after a restart), and the answer is
    /// [`StoreError::HistoryBroken`] naming the earliest break known.
    /// Other errors are returned as they are.
    pub(super) async fn found_broken(&self, id: &AgreementId, error: StoreError) -> StoreError {
        // Sequence 0 names a projection row, not the history: that is
        // corruption to report, but the history may be sound.
        let StoreError::Corrupt {
            sequence, problem, ..
        } = &error
        else {
            return error;
        };
        if *sequence == 0 {
            return error;
        }
        if let Err(e) = self.mark_broken(id, *sequence, problem).await {
            return e;
        }
        match self.refuse_if_broken(id) {
            Err(broken) => broken,
            Ok(()) => error,
        }
    }

    /// Reads the recorded broken histories (when the store opens).
    pub(super) async fn recall_broken(&self) -> Result<(), StoreError> {
        let rows: Vec<(String, i64, String)> = match self.inner.backend {
            Backend::Sqlite => sqlx::query_as(
                "SELECT agreement_id, first_bad_sequence, problem FROM broken_histories",
            )
            .fetch_all(self.connection().get_sqlite_connection_pool())
            .await
            .map_err(db_err)?,
            Backend::Postgres => sqlx::query_as(
                "SELECT agreement_id, first_bad_sequence, problem FROM broken_histories",
            )
            .fetch_all(self.connection().get_postgres_connection_pool())
            .await
            .map_err(db_err)?,
        };
        let mut known = self.known_broken();
        for (agreement, sequence, problem) in rows {
            let id = laa_core::StreamId::parse(&agreement)
                .map_err(|e| {
                    StoreError::corrupt("broken_histories", 0, format!("{agreement}: {e}"))
                })?
                .as_stored();
            let first_bad_sequence = u64::try_from(sequence).map_err(|_| {
                StoreError::corrupt(
                    "broken_histories",
                    0,
                    format!("{agreement}: sequence {sequence}"),
                )
            })?;
            known.insert(
                id,
                BrokenHistory {
                    first_bad_sequence,
                    problem,
                },
            );
        }
        Ok(())
    }

    /// Records that an agreement's history is broken at `sequence` (the
    /// earliest break found is kept), and forgets its head. From now on,
    /// and after a restart, the agreement refuses writes.
    pub(crate) async fn mark_broken(
        &self,
        id: &AgreementId,
        sequence: u64,
        problem: &str,
    ) -> Result<(), StoreError> {
        self.forget(id);
        self.mark_stream_broken(id.as_str(), sequence, problem)
            .await
    }

    /// [`Store::mark_broken`] for any stream, by its stored name.
    pub(crate) async fn mark_stream_broken(
        &self,
        id: &str,
        sequence: u64,
        problem: &str,
    ) -> Result<(), StoreError> {
        if self
            .broken_stream(id)
            .is_some_and(|known| known.first_bad_sequence <= sequence)
        {
            return Ok(());
        }
        let at: DateTime<Utc> = self.clock().now_micros();
        let seq = to_i64("sequence", sequence)?;
        let sql = |p: &str| {
            format!(
                "INSERT INTO broken_histories (agreement_id, first_bad_sequence, problem, found_at) \
                 VALUES ({p}1, {p}2, {p}3, {p}4) ON CONFLICT (agreement_id) DO UPDATE SET \
                 first_bad_sequence = excluded.first_bad_sequence, problem = excluded.problem, \
                 found_at = excluded.found_at \
                 WHERE excluded.first_bad_sequence < broken_histories.first_bad_sequence"
            )
        };
        {
            let _guard = self.write_guard().await;
            match self.inner.backend {
                Backend::Sqlite => {
                    sqlx::query(sqlx::AssertSqlSafe(sql("?")))
                        .bind(id)
                        .bind(seq)
                        .bind(problem)
                        .bind(at)
                        .execute(self.connection().get_sqlite_connection_pool())
                        .await
                        .map_err(db_err)?;
                }
                Backend::Postgres => {
                    sqlx::query(sqlx::AssertSqlSafe(sql("$")))
                        .bind(id)
                        .bind(seq)
                        .bind(problem)
                        .bind(at)
                        .execute(self.connection().get_postgres_connection_pool())
                        .await
                        .map_err(db_err)?;
                }
            }
        }
        self.known_broken().insert(
            id.to_owned(),
            BrokenHistory {
                first_bad_sequence: sequence,
                problem: problem.to_owned(),
            },
        );
        Ok(())
    }
}
