//! Group commit: appends that arrive while a transaction is being flushed
//! are written together in the next one, so concurrent negotiators share
//! the cost of the disk's flush instead of queueing for one each.
//!
//! Every append of a store goes through one queue, drained by one task:
//! it takes what has queued (at most one command per agreement and
//! [`MAX_BATCH`] commands), plans each against its agreement's head exactly
//! as a lone append would, writes them all in one transaction (SQLite: one
//! `BEGIN IMMEDIATE .. COMMIT` batch; PostgreSQL: one statement, which is
//! its own transaction), and only then answers each caller. While one
//! batch is written (in a task of its own), the commands that arrive are
//! planned for the next, which takes off as soon as there is room in the
//! air: on SQLite, which writes one transaction at a time, when the last
//! one lands; on PostgreSQL, while up to
//! [`DEFAULT_BATCHES_IN_FLIGHT`](crate::DEFAULT_BATCHES_IN_FLIGHT) others
//! are still being written, each on a connection of its own, so that one
//! flush of PostgreSQL's log commits several (a batch takes off beside
//! others only once it holds [`MIN_BATCH_BESIDE`] commands). A command whose agreement is
//! in a batch in the air waits for it to land, so an agreement's events
//! are committed in the order of their sequence. Per-agreement
//! order, the version check, idempotency and the hash chain are those of a
//! lone append, because each command is planned as one. A command whose
//! agreement is not at its expected version is answered alone (a conflict,
//! or the first outcome of a retried request) without touching the batch;
//! if the database refuses the batch as a whole (a unique key: another
//! process wrote, or a request id was applied before; or any other error),
//! nothing of it was written, and each member is retried in a transaction
//! of its own, so a refused command fails alone, never its neighbours.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use laa_core::{AgreementId, Event, StreamId};
use sea_orm::DbErr;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{Id as TaskId, JoinSet};

use super::append::Committed;
use super::batch::Prepared;
use super::plan::Plan;
use super::rows::Rows;
use super::{Inner, Request, SqlitePooled, Store};
use crate::error::StoreError;

/// The most commands one group commit writes. On PostgreSQL the batch is
/// one statement, whose bind parameters (at most 65,535) this keeps well
/// clear of: a command binds a few hundred at most.
pub const MAX_BATCH: usize = 32;

/// The fewest commands a batch takes off with while another is still being
/// written (PostgreSQL): fewer wait for it to land and go in the next, as
/// on SQLite. Each transaction costs PostgreSQL a statement and a commit,
/// so many small ones side by side cost more than they save (measured at
/// 16 clients: batches of 2.4 beside each other, 3,860-4,200 commands a
/// second; of 6.7 to 6.8, 4,690-6,080).
pub const MIN_BATCH_BESIDE: usize = MAX_BATCH / 4;

/// One append waiting for its group commit.
pub(super) struct Job {
    pub(super) stream: StreamId,
    pub(super) expected: u64,
    pub(super) request: Request,
    pub(super) work: Work,
    pub(super) reply: Option<oneshot::Sender<Result<Committed, StoreError>>>,
}

/// What a command appends.
pub(super) enum Work {
    /// An agreement's events, planned on its head when the batch is made
    /// (from memory when the store remembers it at the expected version).
    Agreement {
        /// The agreement.
        id: AgreementId,
        /// Its new events.
        events: Vec<Event>,
    },
    /// Another stream's rows, planned by the caller on the head it decided
    /// on (its streams are short and rarely written; the unique key on
    /// `(stream, sequence)` refuses them if the stream moved on since).
    Planned(Box<Plan>),
}

impl Job {
    /// Answers the caller (who may have gone away: then nobody hears).
    pub(super) fn answer(mut self, result: Result<Committed, StoreError>) {
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
        // The server's metrics (`laa_server::metrics`) take each batch's
        // size as a histogram; without a recorder installed this is a no-op.
        metrics::histogram!("laa_group_commit_batch_size").record(size as f64);
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
    /// Starts the task that drains the queue for the store `inner`,
    /// writing at most `in_flight` batches at once.
    pub(super) fn start(inner: Weak<Inner>, in_flight: usize) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let counts = Arc::new(Counts::default());
        tokio::spawn(drain(receiver, inner, counts.clone(), in_flight));
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

/// What a flight brings back.
struct Landed {
    store: Store,
    planned: Vec<(Job, Box<Plan>)>,
    result: Result<(), StoreError>,
    writer: Option<SqlitePooled>,
}

/// The committer's work in hand: while batches are written (each a flight,
/// in a task of its own), the commands that arrive are planned, so that
/// the next batch takes off the moment there is room in the air. A command
/// whose agreement is in flight waits for it to land, so each agreement's
/// commands are still planned one at a time against the head the last one
/// left.
struct Committer {
    inner: Weak<Inner>,
    counts: Arc<Counts>,
    /// Arrived and not yet planned, in order of arrival.
    waiting: VecDeque<Job>,
    /// Planned against their agreements' heads, for the next transaction.
    next: Vec<(Job, Box<Plan>)>,
    /// The agreements in `next` or in flight: their next commands wait.
    busy: HashSet<StreamId>,
    /// The transactions being written.
    flights: JoinSet<Landed>,
    /// The agreements each flight writes: their next commands wait for it.
    in_air: HashMap<TaskId, HashSet<StreamId>>,
    /// The most flights in the air at once (1 on SQLite).
    max_flights: usize,
    /// SQLite: the connection the batches are written on, kept while there
    /// is work (see `Store::run_sqlite_batch_on`) and returned to the pool
    /// whenever the queue runs dry, so that closing the pool, which waits
    /// for every connection, is never kept waiting by an idle committer.
    writer: Option<SqlitePooled>,
}

/// The committer's loop: wait for work, plan it, write it, repeat.
async fn drain(
    mut receiver: mpsc::UnboundedReceiver<Job>,
    inner: Weak<Inner>,
    counts: Arc<Counts>,
    max_flights: usize,
) {
    let mut committer = Committer {
        inner,
        counts,
        waiting: VecDeque::new(),
        next: Vec::new(),
        busy: HashSet::new(),
        flights: JoinSet::new(),
        in_air: HashMap::new(),
        max_flights,
        writer: None,
    };
    let mut open = true;
    loop {
        while let Ok(job) = receiver.try_recv() {
            committer.waiting.push_back(job);
        }
        if committer.idle() {
            committer.writer = None;
            if !open {
                return;
            }
            match receiver.recv().await {
                Some(job) => committer.waiting.push_back(job),
                None => return,
            }
            continue;
        }
        {
            let Some(inner) = committer.inner.upgrade() else {
                return;
            };
            let store = Store { inner };
            committer.plan(&store).await;
            committer.take_off(&store);
        }
        if committer.flights.is_empty() {
            continue;
        }
        tokio::select! {
            biased;
            Some(landed) = committer.flights.join_next_with_id() => {
                committer.land(landed).await;
            }
            job = receiver.recv(), if open => match job {
                Some(job) => committer.waiting.push_back(job),
                None => open = false,
            },
        }
    }
}

/// The next commands to plan: the oldest waiting command of each agreement
/// that is not `busy` (in flight or already planned), oldest first, at most
/// `room`; the rest wait, in order. An agreement passed over stays passed
/// over for the rest of the queue, so its commands keep their order.
fn take_batch(waiting: &mut VecDeque<Job>, busy: &HashSet<StreamId>, room: usize) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut seen: HashSet<StreamId> = HashSet::new();
    let mut rest = VecDeque::with_capacity(waiting.len());
    for job in waiting.drain(..) {
        let first = seen.insert(job.stream.clone());
        if first && !busy.contains(&job.stream) && batch.len() < room {
            batch.push(job);
        } else {
            rest.push_back(job);
        }
    }
    *waiting = rest;
    batch
}

impl Committer {
    /// True when there is nothing to plan, write or wait for.
    fn idle(&self) -> bool {
        self.waiting.is_empty() && self.next.is_empty() && self.flights.is_empty()
    }

    /// Answers a job without writing it.
    fn answer(&self, job: Job, result: Result<Committed, StoreError>) {
        self.counts.queued.fetch_sub(1, Ordering::Relaxed);
        job.answer(result);
    }

    /// Plans what is waiting and may be planned now (see [`take_batch`]).
    /// A command the memory cannot plan (its agreement's head is not
    /// remembered at the version it expects) is planned, or refused, on
    /// what the database says (see [`Committer::plan_from_database`]).
    async fn plan(&mut self, store: &Store) {
        let room = MAX_BATCH.saturating_sub(self.next.len());
        for job in take_batch(&mut self.waiting, &self.busy, room) {
            if job.abandoned() {
                self.counts.queued.fetch_sub(1, Ordering::Relaxed);
                continue;
            }
            match store.plan_from_memory(&job) {
                Ok(Some(plan)) => self.plan_next(job, plan),
                Ok(None) => self.plan_from_database(store, job).await,
                Err(e) => {
                    store.forget_stream(&job.stream);
                    self.answer(job, Err(e));
                }
            }
        }
    }

    /// Puts a planned command in the next batch.
    fn plan_next(&mut self, job: Job, plan: Box<Plan>) {
        self.busy.insert(job.stream.clone());
        self.next.push((job, plan));
    }

    /// [`Committer::plan`] for one command, on what the database says.
    /// On SQLite the flight lands first: it may hold the connection the
    /// read needs. PostgreSQL's flights each hold a connection of their
    /// own, and none writes this command's agreement (it is not busy), so
    /// the read does not wait for them.
    async fn plan_from_database(&mut self, store: &Store, job: Job) {
        if self.max_flights == 1 {
            while let Some(landed) = self.flights.join_next_with_id().await {
                self.land(landed).await;
            }
        }
        match store.prepare(&job, &mut self.writer).await {
            Ok(Prepared::Planned(plan)) => self.plan_next(job, plan),
            Ok(Prepared::Behind(actual)) => {
                self.writer = None;
                let result = store.unwritten_job(&job, actual).await;
                self.answer(job, result);
            }
            Err(e) => {
                store.forget_stream(&job.stream);
                self.answer(job, Err(e));
            }
        }
    }

    /// Starts writing what is planned, if there is room in the air (and,
    /// beside another batch, if it holds at least [`MIN_BATCH_BESIDE`]).
    fn take_off(&mut self, store: &Store) {
        let room = self.flights.len() < self.max_flights;
        let worth = self.flights.is_empty() || self.next.len() >= MIN_BATCH_BESIDE;
        if !room || !worth || self.next.is_empty() {
            return;
        }
        let mut planned = std::mem::take(&mut self.next);
        self.counts
            .queued
            .fetch_sub(planned.len(), Ordering::Relaxed);
        // A caller cancelled while its command waited: it is dropped, as a
        // lone append's transaction would have been.
        planned.retain(|(job, _)| {
            let keep = !job.abandoned();
            if !keep {
                self.busy.remove(&job.stream);
            }
            keep
        });
        if planned.is_empty() {
            return;
        }
        let agreements: HashSet<StreamId> = planned.iter().map(|(j, _)| j.stream.clone()).collect();
        let rows: Vec<Rows> = planned
            .iter_mut()
            .filter_map(|(_, plan)| plan.rows.take())
            .collect();
        let mut writer = self.writer.take();
        let store = store.clone();
        let task = self.flights.spawn(async move {
            let result = store.write_batch(rows, &mut writer).await;
            Landed {
                store,
                planned,
                result,
                writer,
            }
        });
        self.in_air.insert(task.id(), agreements);
    }

    /// Answers the members of a batch that has been written, or not.
    async fn land(&mut self, landed: Result<(TaskId, Landed), tokio::task::JoinError>) {
        let task = match &landed {
            Ok((task, _)) => *task,
            Err(e) => e.id(),
        };
        let agreements = self.in_air.remove(&task).unwrap_or_default();
        for agreement in &agreements {
            self.busy.remove(agreement);
        }
        let Landed {
            store,
            planned,
            result,
            writer,
        } = match landed {
            Ok((_, landed)) => landed,
            Err(_) => {
                // The write panicked: its callers hear that the writer
                // stopped, and what their agreements hold is read afresh.
                self.writer = None;
                if let Some(inner) = self.inner.upgrade() {
                    let store = Store { inner };
                    for stream in &agreements {
                        store.forget_stream(stream);
                    }
                }
                return;
            }
        };
        match result {
            Ok(()) => {
                self.writer = writer;
                self.counts.committed(planned.len() as u64);
                for (job, plan) in planned {
                    let committed =
                        store.committed(job.stream.agreement(), plan.outcome, plan.head);
                    job.answer(Ok(committed));
                }
            }
            Err(error) => {
                self.writer = None;
                store.after_failed_batch(planned, error).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(agreement: &str, expected: u64) -> Job {
        let id = AgreementId::new(agreement.to_owned()).unwrap_or_else(|e| panic!("{e}"));
        Job {
            stream: StreamId::Agreement(id.clone()),
            expected,
            request: Request::by_id(
                laa_core::RequestId::new(&format!("{agreement}-{expected}"))
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
            work: Work::Agreement {
                id,
                events: Vec::new(),
            },
            reply: None,
        }
    }

    fn names(batch: &[Job]) -> Vec<(String, u64)> {
        batch
            .iter()
            .map(|j| (j.stream.as_stored(), j.expected))
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
        let first = take_batch(&mut waiting, &HashSet::new(), MAX_BATCH);
        assert_eq!(
            names(&first),
            [
                ("kent-2008-11".to_owned(), 4),
                ("surrey-2008-11".to_owned(), 9),
                ("medway-2008-11".to_owned(), 1)
            ]
        );
        let second = take_batch(&mut waiting, &HashSet::new(), MAX_BATCH);
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
        let first = take_batch(&mut waiting, &HashSet::new(), MAX_BATCH);
        assert_eq!(first.len(), MAX_BATCH);
        let rest: Vec<u64> = waiting.iter().map(|j| j.expected).collect();
        assert_eq!(
            rest,
            [MAX_BATCH as u64, MAX_BATCH as u64 + 1, MAX_BATCH as u64 + 2]
        );
    }

    #[test]
    fn an_agreement_in_flight_or_planned_waits_and_keeps_its_order() {
        let mut waiting: VecDeque<Job> = [
            job("kent-2008-11", 5),
            job("surrey-2008-11", 9),
            job("kent-2008-11", 6),
            job("medway-2008-11", 1),
        ]
        .into_iter()
        .collect();
        let busy: HashSet<StreamId> = [job("kent-2008-11", 4).stream].into();
        let taken = take_batch(&mut waiting, &busy, 1);
        assert_eq!(names(&taken), [("surrey-2008-11".to_owned(), 9)]);
        assert_eq!(
            names(waiting.make_contiguous()),
            [
                ("kent-2008-11".to_owned(), 5),
                ("kent-2008-11".to_owned(), 6),
                ("medway-2008-11".to_owned(), 1)
            ]
        );
    }
}
