//! One group commit's batch against the database: each command planned
//! on its agreement's head (as remembered, or as the database holds it),
//! the batch written in one transaction, and a batch the database refused
//! retried member by member. The committer (`committer.rs`) decides what
//! goes in a batch and when.

use std::sync::Arc;

use sea_orm::ConnectionTrait;

use super::committer::Job;
use super::plan::Plan;
use super::rows::Rows;
use super::{Head, SqlitePooled, Store, db_err, read_head};
use crate::error::StoreError;
use crate::options::Backend;

/// What planning a command found.
pub(super) enum Prepared {
    /// Its writes, ready for the batch.
    Planned(Box<Plan>),
    /// The agreement is at another version than the command expects.
    Behind(u64),
}

impl Store {
    /// Plans one command against its agreement's head as remembered, if it
    /// is remembered at the version the command expects (`None` if not).
    pub(super) fn plan_from_memory(&self, job: &Job) -> Result<Option<Box<Plan>>, StoreError> {
        self.refuse_if_broken(&job.agreement)?;
        let Some(head) = self
            .recalled(&job.agreement)
            .filter(|h| h.version == job.expected)
        else {
            return Ok(None);
        };
        self.plan_job(&head, job).map(Some)
    }

    /// Plans `job` on `head` (at the version it expects).
    fn plan_job(&self, head: &Head, job: &Job) -> Result<Box<Plan>, StoreError> {
        Ok(Box::new(self.plan(
            head,
            &job.agreement,
            &job.request,
            &job.events,
        )?))
    }

    /// Plans one command against its agreement's head as the database
    /// holds it. The `writer` is returned to the pool first, so that even
    /// a pool of one connection serves the read.
    pub(super) async fn prepare(
        &self,
        job: &Job,
        writer: &mut Option<SqlitePooled>,
    ) -> Result<Prepared, StoreError> {
        self.refuse_if_broken(&job.agreement)?;
        *writer = None;
        let head = match read_head(self, self.connection(), &job.agreement).await {
            Ok(head) => Arc::new(head),
            Err(e) => return Err(self.found_broken(&job.agreement, e).await),
        };
        if head.version != job.expected {
            return Ok(Prepared::Behind(head.version));
        }
        self.plan_job(&head, job).map(Prepared::Planned)
    }

    /// Nothing of a failed batch was written. A lone command gets the
    /// answer a lone append would; the members of a larger batch are each
    /// appended alone, so that the one the database refused fails alone.
    pub(super) async fn after_failed_batch(
        &self,
        planned: Vec<(Job, Box<Plan>)>,
        error: StoreError,
    ) {
        for (job, _) in &planned {
            self.forget(&job.agreement);
        }
        if planned.len() == 1 {
            let Some((job, _)) = planned.into_iter().next() else {
                return;
            };
            let result = self
                .after_refusal(
                    &job.agreement,
                    job.expected,
                    &job.request,
                    &job.events,
                    error,
                )
                .await;
            job.answer(result);
            return;
        }
        for (job, _) in planned {
            let result = self
                .append_alone(&job.agreement, job.expected, &job.request, &job.events)
                .await;
            job.answer(result);
        }
    }

    /// Writes a batch's rows in one transaction.
    pub(super) async fn write_batch(
        &self,
        rows: Vec<Rows>,
        writer: &mut Option<SqlitePooled>,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        let backend = self.inner.backend;
        match (&self.inner.before_batch_commit, backend) {
            (None, Backend::Sqlite) => {
                let _guard = self.write_guard().await;
                self.run_sqlite_batch_on(Rows::statement(rows, backend, true), writer)
                    .await
            }
            (None, Backend::Postgres) => self.write_on_postgres(rows).await,
            (Some(hook), _) => {
                // PostgreSQL: the statement production writes, in a
                // transaction held open for the hook.
                let rows = match backend {
                    Backend::Postgres => match super::unnest::statement(rows) {
                        Ok(query) => {
                            let pool = self.connection().get_postgres_connection_pool();
                            let mut txn = pool.begin().await.map_err(db_err)?;
                            query.execute(&mut *txn).await.map_err(db_err)?;
                            crate::options::run_hook(hook).await;
                            return txn.commit().await.map_err(db_err);
                        }
                        Err(rows) => rows,
                    },
                    Backend::Sqlite => rows,
                };
                let _guard = self.write_guard().await;
                let txn = self.begin_write().await?;
                txn.execute_raw(Rows::statement(rows, backend, false))
                    .await?;
                crate::options::run_hook(hook).await;
                txn.commit().await?;
                Ok(())
            }
        }
    }
}
