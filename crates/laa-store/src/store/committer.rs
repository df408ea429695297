//! Group commit: appends that arrive while a transaction is being flushed
//! are written together in the next one, so concurrent negotiators share
//! the cost of the disk's flush instead of queueing for one each.
//!
//! Every append of a store goes through one queue, drained by one task:
//! it takes what has queued (at most one command per agreement and
//! [`MAX_BATCH`] commands), plans each against its agreement's head exactly
//! as a lone append would, writes them all in one transaction (SQLite: one
//! `BEGIN IMMEDIATE .. COMMIT` batch; PostgreSQL: one statement, which is
//! its own transaction), and only then answers each caller. Per-agreement
//! order, the version check, idempotency and the hash chain are those of a
//! lone append, because each command is planned as one. A command whose
//! agreement is not at its expected version is answered alone (a conflict,
//! or the first outcome of a retried request) without touching the batch;
//! if the database refuses the batch as a whole (a unique key: another
//! process wrote, or a request id was applied before; or any other error),
//! nothing of it was written, and each member is retried in a transaction
//! of its own, so a refused command fails alone, never its neighbours.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use laa_core::{AgreementId, Event};
use sea_orm::{ConnectionTrait, DbErr};
use tokio::sync::{mpsc, oneshot};

use super::append::Committed;
use super::plan::{Plan, Rows, Write, one_statement};
use super::{Inner, SqlitePooled, Store, read_head};
use crate::error::StoreError;
use crate::options::Backend;

/// The most commands one group commit writes. On PostgreSQL the batch is
/// one statement, whose bind parameters (at most 65,535) this keeps well
/// clear of: a command binds a few hundred at most.
pub const MAX_BATCH: usize = 32;

/// One append waiting for its group commit.
pub(super) struct Job {
    pub(super) agreement: AgreementId,
    pub(super) expected: u64,
    pub(super) request_id: String,
    pub(super) events: Vec<Event>,
    pub(super) reply: Option<oneshot::Sender<Result<Committed, StoreError>>>,
}

impl Job {
    /// Answers the caller (who may have gone away: then nobody hears).
    fn answer(mut self, result: Result<Committed, StoreError>) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
    }

    /// True when nobody waits for this job's answer any more (the caller
    /// was cancelled before its command was written): it is dropped, as a
    /// lone append's transaction would have been.
    fn abandoned(&self) -> bool {
        self.reply.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}

/// The queue appends wait in; its task ends when the store is dropped.
pub(super) struct Queue {
    sender: mpsc::UnboundedSender<Job>,
    counts: Arc<Counts>,
}

/// What the committer has done so far, for tests, benchmarks and metrics.
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// Appends queued and not yet taken into a batch.
    queued: AtomicUsize,
    /// Batches committed.
    batches: AtomicU64,
    /// Commands in those batches.
    commands: AtomicU64,
    /// The most commands one committed batch held.
    largest: AtomicU64,
}

impl Counts {
    /// Counts a committed batch of `size` commands.
    fn committed(&self, size: u64) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.commands.fetch_add(size, Ordering::Relaxed);
        self.largest.fetch_max(size, Ordering::Relaxed);
    }
}

/// The group commits a store has made since it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupCommits {
    /// Transactions committed by the committer (each one flush).
    pub batches: u64,
    /// Commands those transactions held.
    pub commands: u64,
    /// The most commands one of them held.
    pub largest: u64,
    /// Appends waiting now for the next transaction.
    pub queued: usize,
}

fn stopped() -> StoreError {
    StoreError::Database(DbErr::Custom(
        "the store's writer has stopped: the store was closed".into(),
    ))
}

impl Queue {
    /// Starts the task that drains the queue for the store `inner`.
    pub(super) fn start(inner: Weak<Inner>) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let counts = Arc::new(Counts::default());
        tokio::spawn(drain(receiver, inner, counts.clone()));
        Queue { sender, counts }
    }

    /// What the committer has done so far.
    pub(super) fn group_commits(&self) -> GroupCommits {
        GroupCommits {
            batches: self.counts.batches.load(Ordering::Relaxed),
            commands: self.counts.commands.load(Ordering::Relaxed),
            largest: self.counts.largest.load(Ordering::Relaxed),
            queued: self.counts.queued.load(Ordering::Relaxed),
        }
    }

    /// Queues an append and waits until the transaction holding it has
    /// committed (or it was refused).
    pub(super) async fn submit(&self, mut job: Job) -> Result<Committed, StoreError> {
        let (reply, answer) = oneshot::channel();
        job.reply = Some(reply);
        self.counts.queued.fetch_add(1, Ordering::Relaxed);
        if self.sender.send(job).is_err() {
            self.counts.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())?
    }
}

/// The committer's loop: wait for work, take a batch, commit it, repeat.
async fn drain(
    mut receiver: mpsc::UnboundedReceiver<Job>,
    inner: Weak<Inner>,
    counts: Arc<Counts>,
) {
    let mut waiting: VecDeque<Job> = VecDeque::new();
    // SQLite: the connection the batches are written on, kept while there
    // is work (see `Store::run_sqlite_batch_on`) and returned to the pool
    // whenever the queue runs dry, so that closing the pool, which waits
    // for every connection, is never kept waiting by an idle committer.
    let mut writer: Option<SqlitePooled> = None;
    loop {
        if waiting.is_empty() {
            let job = match receiver.try_recv() {
                Ok(job) => Some(job),
                Err(_) => {
                    writer = None;
                    receiver.recv().await
                }
            };
            match job {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        while let Ok(job) = receiver.try_recv() {
            waiting.push_back(job);
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let batch = take_batch(&mut waiting);
        counts.queued.fetch_sub(batch.len(), Ordering::Relaxed);
        Store { inner }.commit_batch(batch, &mut writer).await;
    }
}

/// The next batch: the oldest waiting command of each agreement, oldest
/// first, at most [`MAX_BATCH`]; the rest wait, in order, for the next.
fn take_batch(waiting: &mut VecDeque<Job>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut taken = HashSet::new();
    let mut rest = VecDeque::with_capacity(waiting.len());
    for job in waiting.drain(..) {
        if batch.len() < MAX_BATCH && !taken.contains(&job.agreement) {
            taken.insert(job.agreement.clone());
            batch.push(job);
        } else {
            taken.insert(job.agreement.clone());
            rest.push_back(job);
        }
    }
    *waiting = rest;
    batch
}

/// What planning a command found.
enum Prepared {
    /// Its writes, ready for the batch.
    Planned(Box<Plan>),
    /// The agreement is at another version than the command expects.
    Behind(u64),
}

impl Store {
    /// Plans one command against its agreement's head.
    /// Anything read from the database is read after the `writer` is
    /// returned to the pool, so that even a pool of one connection serves it.
    async fn prepare(
        &self,
        job: &Job,
        writer: &mut Option<SqlitePooled>,
    ) -> Result<Prepared, StoreError> {
        self.refuse_if_broken(&job.agreement)?;
        let head = match self
            .recalled(&job.agreement)
            .filter(|h| h.version == job.expected)
        {
            Some(head) => head,
            None => {
                *writer = None;
                match read_head(self, self.connection(), &job.agreement).await {
                    Ok(head) => Arc::new(head),
                    Err(e) => return Err(self.found_broken(&job.agreement, e).await),
                }
            }
        };
        if head.version != job.expected {
            return Ok(Prepared::Behind(head.version));
        }
        Ok(Prepared::Planned(Box::new(self.plan(
            &head,
            &job.agreement,
            &job.request_id,
            &job.events,
        )?)))
    }

    /// Plans, writes and answers one batch.
    async fn commit_batch(&self, jobs: Vec<Job>, writer: &mut Option<SqlitePooled>) {
        let mut planned: Vec<(Job, Box<Plan>)> = Vec::with_capacity(jobs.len());
        let mut behind: Vec<(Job, u64)> = Vec::new();
        for job in jobs {
            if job.abandoned() {
                continue;
            }
            match self.prepare(&job, writer).await {
                Ok(Prepared::Planned(plan)) => planned.push((job, plan)),
                Ok(Prepared::Behind(actual)) => behind.push((job, actual)),
                Err(e) => {
                    self.forget(&job.agreement);
                    job.answer(Err(e));
                }
            }
        }
        if !planned.is_empty() {
            let writes = Rows::writes(
                planned
                    .iter_mut()
                    .filter_map(|(_, plan)| plan.rows.take())
                    .collect(),
            );
            match self.write_batch(writes, writer).await {
                Ok(()) => {
                    self.inner.committer.counts.committed(planned.len() as u64);
                    for (job, plan) in planned {
                        let committed = self.committed(&job.agreement, plan.outcome, plan.head);
                        job.answer(Ok(committed));
                    }
                }
                Err(error) => {
                    *writer = None;
                    self.after_failed_batch(planned, error).await;
                }
            }
        }
        if !behind.is_empty() {
            *writer = None;
        }
        for (job, actual) in behind {
            let result = self
                .unwritten(
                    &job.agreement,
                    job.expected,
                    &job.request_id,
                    &job.events,
                    actual,
                )
                .await;
            job.answer(result);
        }
    }

    /// Nothing of a failed batch was written. A lone command gets the
    /// answer a lone append would; the members of a larger batch are each
    /// appended alone, so that the one the database refused fails alone.
    async fn after_failed_batch(&self, planned: Vec<(Job, Box<Plan>)>, error: StoreError) {
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
                    &job.request_id,
                    &job.events,
                    error,
                )
                .await;
            job.answer(result);
            return;
        }
        for (job, _) in planned {
            let result = self
                .append_alone(&job.agreement, job.expected, &job.request_id, &job.events)
                .await;
            job.answer(result);
        }
    }

    /// Writes a batch's rows in one transaction.
    async fn write_batch(
        &self,
        writes: Vec<Write>,
        writer: &mut Option<SqlitePooled>,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        let backend = self.inner.backend;
        match (&self.inner.before_batch_commit, backend) {
            (None, Backend::Sqlite) => {
                let _guard = self.write_guard().await;
                self.run_sqlite_batch_on(one_statement(backend, writes, true), writer)
                    .await
            }
            (None, Backend::Postgres) => {
                self.connection()
                    .execute_raw(one_statement(backend, writes, false))
                    .await?;
                Ok(())
            }
            (Some(hook), _) => {
                let _guard = self.write_guard().await;
                let txn = self.begin_write().await?;
                txn.execute_raw(one_statement(backend, writes, false))
                    .await?;
                hook().await;
                txn.commit().await?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(agreement: &str, expected: u64) -> Job {
        Job {
            agreement: AgreementId::new(agreement.to_owned()).unwrap_or_else(|e| panic!("{e}")),
            expected,
            request_id: format!("{agreement}-{expected}"),
            events: Vec::new(),
            reply: None,
        }
    }

    fn names(batch: &[Job]) -> Vec<(String, u64)> {
        batch
            .iter()
            .map(|j| (j.agreement.as_str().to_owned(), j.expected))
            .collect()
    }

    #[test]
    fn a_batch_takes_one_command_per_agreement_in_arrival_order() {
        let mut waiting: VecDeque<Job> = [
            job("kent-2008-11", 4),
            job("surrey-2008-11", 9),
            job("kent-2008-11", 5),
            job("medway-2008-11", 1),
            job("surrey-2008-11", 10),
        ]
        .into_iter()
        .collect();
        let first = take_batch(&mut waiting);
        assert_eq!(
            names(&first),
            [
                ("kent-2008-11".to_owned(), 4),
                ("surrey-2008-11".to_owned(), 9),
                ("medway-2008-11".to_owned(), 1)
            ]
        );
        let second = take_batch(&mut waiting);
        assert_eq!(
            names(&second),
            [
                ("kent-2008-11".to_owned(), 5),
                ("surrey-2008-11".to_owned(), 10)
            ]
        );
        assert!(waiting.is_empty());
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_commands_and_keeps_the_rest_in_order() {
        let mut waiting: VecDeque<Job> = (0..(MAX_BATCH as u64 + 3))
            .map(|i| job(&format!("area{i}-2008-11"), i))
            .collect();
        let first = take_batch(&mut waiting);
        assert_eq!(first.len(), MAX_BATCH);
        let rest: Vec<u64> = waiting.iter().map(|j| j.expected).collect();
        assert_eq!(
            rest,
            [MAX_BATCH as u64, MAX_BATCH as u64 + 1, MAX_BATCH as u64 + 2]
        );
    }
}
