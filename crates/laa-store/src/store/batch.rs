//! One group commit's batch against the database: each command planned
//! on its agreement's head (as remembered, or as the database holds it),
//! the batch written in one transaction, and a batch the database refused
//! retried member by member. The committer (`committer.rs`) decides what
//! goes in a batch and when.

use std::sync::Arc;

use sea_orm::ConnectionTrait;

use laa_core::StreamId;

use super::append::Committed;
use super::committer::{Job, Work};
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
        let (id, events) = match &job.work {
            Work::Agreement { id, events } => (id, events),
            Work::Planned(plan) => {
                self.refuse_if_stream_broken(&job.stream.as_stored())?;
                return Ok(Some(Box::new(plan.again())));
            }
        };
        self.refuse_if_broken(id)?;
        let Some(head) = self.recalled(id).filter(|h| h.version == job.expected) else {
            return Ok(None);
        };
        Ok(Some(Box::new(self.plan(
            &head,
            id,
            &job.request,
            events,
        )?)))
    }

    /// Plans one command against its agreement's head as the database
    /// holds it. The `writer` is returned to the pool first, so that even
    /// a pool of one connection serves the read.
    pub(super) async fn prepare(
        &self,
        job: &Job,
        writer: &mut Option<SqlitePooled>,
    ) -> Result<Prepared, StoreError> {
        let (id, events) = match &job.work {
            Work::Agreement { id, events } => (id, events),
            Work::Planned(plan) => {
                self.refuse_if_stream_broken(&job.stream.as_stored())?;
                return Ok(Prepared::Planned(Box::new(plan.again())));
            }
        };
        self.refuse_if_broken(id)?;
        *writer = None;
        let head: Arc<Head> = match read_head(self, self.connection(), id).await {
            Ok(head) => Arc::new(head),
            Err(e) => return Err(self.found_broken(id, e).await),
        };
        if head.version != job.expected {
            return Ok(Prepared::Behind(head.version));
        }
        Ok(Prepared::Planned(Box::new(self.plan(
            &head,
            id,
            &job.request,
            events,
        )?)))
    }

    /// The answer to a job that wrote nothing because its stream was at
    /// `actual`, not the version it expected (see [`Store::unwritten`]).
    pub(super) async fn unwritten_job(
        &self,
        job: &Job,
        actual: u64,
    ) -> Result<Committed, StoreError> {
        match &job.work {
            Work::Agreement { id, events } => {
                self.unwritten(id, job.expected, &job.request, events, actual)
                    .await
            }
            Work::Planned(plan) => {
                self.unwritten_elsewhere(&job.stream, job.expected, &job.request, plan, actual)
                    .await
            }
        }
    }

    /// Forgets what this store remembers of a stream's head.
    pub(super) fn forget_stream(&self, stream: &StreamId) {
        if let StreamId::Agreement(id) = stream {
            self.forget(id);
        }
    }

    /// A job alone in a transaction of its own (see [`Store::append_alone`]).
    async fn job_alone(&self, job: &Job) -> Result<Committed, StoreError> {
        match &job.work {
            Work::Agreement { id, events } => {
                self.append_alone(id, job.expected, &job.request, events)
                    .await
            }
            Work::Planned(plan) => {
                self.planned_alone(&job.stream, job.expected, &job.request, plan)
                    .await
            }
        }
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
            self.forget_stream(&job.stream);
        }
        if planned.len() == 1 {
            let Some((job, _)) = planned.into_iter().next() else {
                return;
            };
            let result = match &job.work {
                Work::Agreement { id, events } => {
                    self.after_refusal(id, job.expected, &job.request, events, error)
                        .await
                }
                Work::Planned(plan) => {
                    self.planned_refused(&job.stream, job.expected, &job.request, plan, error)
                        .await
                }
            };
            job.answer(result);
            return;
        }
        for (job, _) in planned {
            let result = self.job_alone(&job).await;
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
