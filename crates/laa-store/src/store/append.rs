//! Appending a command's events: the public entry points, the idempotency
//! rule (a request id names one request of one principal), and the
//! one-command path that a group commit falls back to.

use std::sync::Arc;

use laa_core::{Agreement, AgreementId, CommandKind, Event, RequestId, StreamId};

use super::request::Request;
use sea_orm::sea_query::Values;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use super::committer::{Job, Work};
use super::rows::Rows;
use super::{
    AppendOutcome, CloseUnlessReleased, SqlitePooled, Store, db_err, read_head, stored, to_i64,
};
use crate::entity::request;
use crate::error::{StoreError, is_unique_violation};
use crate::options::Backend;

/// What an append left behind: its outcome, and the agreement's state
/// after it (the store applied the events once; callers need not again).
#[derive(Debug, Clone)]
pub struct Committed {
    /// What was recorded, or the first outcome of a replayed request.
    pub outcome: AppendOutcome,
    /// The agreement after the append; `None` for a replayed request (the
    /// agreement may have moved on since: load it).
    pub state: Option<Arc<Agreement>>,
}

impl Committed {
    pub(super) fn replayed(outcome: AppendOutcome) -> Self {
        Self {
            outcome,
            state: None,
        }
    }
}

/// A request id's idempotency record, as found.
struct FirstRequest {
    /// What the request recorded.
    outcome: AppendOutcome,
    /// The first event it recorded (who sent it, and its kind of command).
    first: Option<Event>,
    /// Its fingerprint, if the record keeps one.
    fingerprint: Option<String>,
}

impl Store {
    /// The outcome of a request already applied to an agreement, if it was,
    /// whoever sent it. [`Store::find_request`] also checks who sent it.
    pub async fn find_outcome(
        &self,
        agreement: &AgreementId,
        request_id: &RequestId,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        Ok(self
            .first_request(agreement, request_id.as_str())
            .await?
            .map(|found| found.outcome))
    }

    /// The first outcome of a request id on an agreement, if it was applied:
    /// `Ok(Some(..))` when the same principal sent the same request before
    /// (a retry, answered with its first outcome), [`StoreError::RequestIdReused`]
    /// when the id was applied for another principal, another command or
    /// other fields (AIP-155: a request id names one request), `Ok(None)`
    /// when it was never applied. This is the one place the rule lives.
    ///
    /// The same request is the same fingerprint ([`Request::of`]); where
    /// either side has none (a record written before fingerprints were
    /// kept, or an append by [`Store::append`]), the same kind of command.
    pub async fn find_request(
        &self,
        agreement: &AgreementId,
        request: &Request,
        principal: &str,
        kind: CommandKind,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        let reused = |first_command| StoreError::RequestIdReused {
            request_id: request.id().as_str().to_owned(),
            first_command,
        };
        let Some(found) = self.first_request(agreement, request.id().as_str()).await? else {
            return Ok(None);
        };
        let Some(first) = found.first else {
            return Err(reused(None));
        };
        if first.actor.principal != principal {
            return Err(reused(None));
        }
        let first_kind = first.change.command_kind();
        let same = match (found.fingerprint.as_deref(), request.fingerprint()) {
            (Some(then), Some(now)) => then == now,
            _ => first_kind == kind,
        };
        if same {
            Ok(Some(found.outcome))
        } else {
            Err(reused(Some(first_kind)))
        }
    }

    /// The idempotency record of a request id, with the first event it
    /// recorded.
    async fn first_request(
        &self,
        id: &AgreementId,
        request_id: &str,
    ) -> Result<Option<FirstRequest>, StoreError> {
        let found = request::Entity::find_by_id((id.as_str().to_owned(), request_id.to_owned()))
            .one(self.connection())
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let (first, last) = (
            stored(id.as_str(), "requests.first_sequence", row.first_sequence)?,
            stored(id.as_str(), "requests.last_sequence", row.last_sequence)?,
        );
        let events = self
            .events(id, first, last.saturating_sub(first) + 1)
            .await?;
        let outcome = AppendOutcome {
            first_sequence: first,
            last_sequence: last,
            version: stored(id.as_str(), "requests.version", row.version)?,
            replayed: true,
            target: events.iter().find_map(|e| e.event.change.target()),
        };
        Ok(Some(FirstRequest {
            outcome,
            first: events.into_iter().next().map(|e| e.event),
            fingerprint: row.fingerprint,
        }))
    }

    /// Appends the events `decide` returned for one command, as the next
    /// events of the agreement, if the agreement is still at
    /// `expected_version` (0 before its first event).
    ///
    /// In one transaction: the events with their hash chain, the agreement
    /// and target projections (the state after applying the events to the
    /// stored state), and the idempotency record of `request_id`.
    /// Concurrent appends to different agreements share a transaction and
    /// its flush (see `committer`); each is answered only once the
    /// transaction holding it has committed, and a refused one fails alone.
    /// A stale `expected_version` fails with [`StoreError::VersionConflict`]
    /// and writes nothing, even when writers race. A `request_id` already
    /// applied to this agreement by the same principal for the same kind of
    /// command returns the first outcome with `replayed: true` and writes
    /// nothing, whatever the expected version; applied for another request,
    /// it fails with [`StoreError::RequestIdReused`].
    pub async fn append(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request_id: &RequestId,
        events: &[Event],
    ) -> Result<AppendOutcome, StoreError> {
        let request = Request::by_id(request_id.clone());
        Ok(self
            .append_command(agreement, expected_version, &request, events.to_vec())
            .await?
            .outcome)
    }

    /// [`Store::append`] for a command's request (so that a reuse of its
    /// id for other fields is refused, see [`Store::find_request`]), also
    /// returning the agreement's new state.
    pub async fn append_command(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request: &Request,
        events: Vec<Event>,
    ) -> Result<Committed, StoreError> {
        if events.is_empty() {
            return Err(StoreError::invalid(
                "events",
                "there are no events to append",
            ));
        }
        to_i64("expected_version", expected_version)?;
        if self.inner.before_commit.is_some() {
            // Fault injection: the caller's own transaction, so that
            // aborting the caller aborts it.
            return self
                .append_alone(agreement, expected_version, request, &events)
                .await;
        }
        self.inner
            .committer
            .submit(Job {
                stream: StreamId::Agreement(agreement.clone()),
                expected: expected_version,
                request: request.clone(),
                work: Work::Agreement {
                    id: agreement.clone(),
                    events,
                },
                reply: None,
            })
            .await
    }

    /// One append in a transaction of its own; the path of a store with a
    /// `before_commit` hook, and of every member of a group commit that
    /// failed as a whole (so that a refused member fails alone). A server
    /// that lost its lock on the database writes nothing, here as in a
    /// batch.
    pub(super) async fn append_alone(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request: &Request,
        events: &[Event],
    ) -> Result<Committed, StoreError> {
        self.check_writable()?;
        self.refuse_if_broken(agreement)?;
        match self
            .append_once(agreement, expected_version, request, events)
            .await
        {
            Ok(committed) => Ok(committed),
            Err(error) => {
                self.after_refusal(agreement, expected_version, request, events, error)
                    .await
            }
        }
    }

    /// The answer to an append the database refused or that failed: a
    /// version conflict or a unique key is resolved by [`Store::unwritten`]
    /// (a retry's first outcome, or a conflict); anything else forgets the
    /// head and is returned as it is.
    pub(super) async fn after_refusal(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request: &Request,
        events: &[Event],
        error: StoreError,
    ) -> Result<Committed, StoreError> {
        let actual = match error {
            StoreError::VersionConflict { actual, .. } => actual,
            StoreError::Database(e) if is_unique_violation(&e) => {
                self.current_version(agreement).await?
            }
            other => {
                self.forget(agreement);
                return Err(other);
            }
        };
        self.unwritten(agreement, expected_version, request, events, actual)
            .await
    }

    /// The answer to an append that wrote nothing because the agreement was
    /// not at the expected version: either this request was applied before
    /// (its idempotency record, or a concurrent retry of it that committed
    /// first, stopped it), and the answer is its first outcome; or another
    /// writer moved the agreement on, and the answer is a conflict.
    /// Checking here rather than before writing keeps the common path free
    /// of the lookup.
    pub(super) async fn unwritten(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request: &Request,
        events: &[Event],
        actual: u64,
    ) -> Result<Committed, StoreError> {
        self.forget(agreement);
        if let Some(first) = events.first()
            && let Some(outcome) = self
                .find_request(
                    agreement,
                    request,
                    &first.actor.principal,
                    first.change.command_kind(),
                )
                .await?
        {
            return Ok(Committed::replayed(outcome));
        }
        Err(StoreError::VersionConflict {
            expected: expected_version,
            actual,
        })
    }

    /// One attempt at a single append, by the cheapest safe route.
    async fn append_once(
        &self,
        id: &AgreementId,
        expected: u64,
        request: &Request,
        events: &[Event],
    ) -> Result<Committed, StoreError> {
        let recalled = self.recalled(id).filter(|h| h.version == expected);
        let conflict = |actual| StoreError::VersionConflict { expected, actual };
        match (self.inner.backend, &self.inner.before_commit, recalled) {
            // PostgreSQL: the writes are one statement (see `Rows::statement`),
            // which PostgreSQL runs as a transaction of its own; wrapping it
            // in BEGIN and COMMIT would only add two round trips. The head,
            // when it must be read first, needs no transaction around it:
            // if another writer moves the agreement on in between, the
            // statement fails on the unique key and writes nothing.
            (Backend::Postgres, None, recalled) => {
                let db = self.connection();
                let head = match recalled {
                    Some(head) => head,
                    None => Arc::new(read_head(self, db, id).await?),
                };
                if head.version != expected {
                    return Err(conflict(head.version));
                }
                let mut plan = self.plan(&head, id, request, events)?;
                self.write_on_postgres(plan.rows.take().into_iter().collect())
                    .await?;
                Ok(self.committed(Some(id), plan.outcome, plan.head))
            }
            // SQLite: BEGIN IMMEDIATE, the writes and COMMIT as one batch,
            // one hand-off to SQLite's worker thread instead of three (see
            // `Store::run_sqlite_batch`). The head, when this store does not
            // hold it, is read first, outside the transaction: if another
            // process moves the agreement on in between, the batch fails on
            // the unique key and writes nothing.
            (Backend::Sqlite, None, recalled) => {
                let head = match recalled {
                    Some(head) => head,
                    None => Arc::new(read_head(self, self.connection(), id).await?),
                };
                if head.version != expected {
                    return Err(conflict(head.version));
                }
                let _guard = self.write_guard().await;
                let mut plan = self.plan(&head, id, request, events)?;
                let rows = plan.rows.take().into_iter().collect();
                self.run_sqlite_batch(Rows::statement(rows, Backend::Sqlite, true))
                    .await?;
                Ok(self.committed(Some(id), plan.outcome, plan.head))
            }
            // With a `before_commit` hook, an explicit transaction, so that
            // the hook runs inside an open transaction: on SQLite, BEGIN
            // IMMEDIATE queues this writer for the write lock before it
            // reads the head, so the read and the writes see one state.
            (_, Some(hook), recalled) => {
                let _guard = self.write_guard().await;
                let txn = self.begin_write().await?;
                let head = match recalled {
                    Some(head) => head,
                    None => Arc::new(read_head(self, &txn, id).await?),
                };
                if head.version != expected {
                    txn.rollback().await?;
                    return Err(conflict(head.version));
                }
                // On any error below, dropping the transaction rolls it back.
                let mut plan = self.plan(&head, id, request, events)?;
                let rows = plan.rows.take().into_iter().collect();
                txn.execute_raw(Rows::statement(rows, self.inner.backend, false))
                    .await?;
                crate::options::run_hook(hook).await;
                txn.commit().await?;
                Ok(self.committed(Some(id), plan.outcome, plan.head))
            }
        }
    }

    /// Remembers the head a committed append to an agreement produced and
    /// answers with it (another stream's head is its caller's to keep).
    pub(super) fn committed(
        &self,
        id: Option<&AgreementId>,
        outcome: AppendOutcome,
        head: Option<super::Head>,
    ) -> Committed {
        let (Some(id), Some(head)) = (id, head) else {
            return Committed {
                outcome,
                state: None,
            };
        };
        let head = Arc::new(head);
        let state = head.state.clone();
        self.remember(id, head);
        Committed {
            outcome,
            state: Some(state),
        }
    }

    /// Runs an SQLite batch that begins and commits its own transaction, on
    /// one pooled connection. If the batch fails part way (a unique key
    /// refused a write, the disk is full), its transaction is rolled back on
    /// that connection; if the rollback fails too, or the caller goes away
    /// while the batch runs, the connection is closed rather than returned to
    /// the pool, and closing it rolls back whatever it left open. No
    /// connection goes back to the pool inside a transaction.
    pub(super) async fn run_sqlite_batch(&self, batch: Statement) -> Result<(), StoreError> {
        self.run_sqlite_batch_on(batch, &mut None).await
    }

    /// [`Store::run_sqlite_batch`] on the connection `held`, if there is
    /// one (else on one from the pool), which is left in `held` afterwards
    /// unless it was closed. The committer keeps its connection between
    /// batches this way: its page cache stays valid (a connection's cache
    /// is dropped whenever another connection has written since it last
    /// read, and the pool hands out the connection idle the longest), and
    /// a batch costs no check-out and return.
    pub(super) async fn run_sqlite_batch_on(
        &self,
        batch: Statement,
        held: &mut Option<SqlitePooled>,
    ) -> Result<(), StoreError> {
        use sea_orm::sqlx::{self, Executor};
        let conn = match held.take() {
            Some(conn) => conn,
            None => self
                .connection()
                .get_sqlite_connection_pool()
                .acquire()
                .await
                .map_err(db_err)?,
        };
        let mut conn = CloseUnlessReleased(Some(conn));
        let Some(c) = conn.0.as_mut() else {
            return Ok(());
        };
        let values = batch.values.unwrap_or_else(|| Values(Vec::new()));
        let result = sqlx::query_with(
            sqlx::AssertSqlSafe(batch.sql),
            sea_query_sqlx::SqlxValues(values),
        )
        .execute(&mut **c)
        .await;
        match result {
            Ok(_) => {
                *held = conn.release();
                Ok(())
            }
            Err(e) => {
                // A broken constraint has rolled the batch back already
                // (its statements are `OR ROLLBACK`); anything else may
                // have left the transaction open.
                let rolled_back = match c.execute("ROLLBACK").await {
                    Ok(_) => true,
                    Err(sqlx::Error::Database(r)) => {
                        r.message().contains("no transaction is active")
                    }
                    Err(_) => false,
                };
                if rolled_back {
                    *held = conn.release();
                }
                Err(db_err(e))
            }
        }
    }
}
