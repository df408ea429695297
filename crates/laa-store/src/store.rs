//! The [`Store`]: connecting, appending, loading and verifying agreements.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use laa_core::{
    Agreement, AgreementId, Catalogue, Event, IndicatorRef, RefreshId, Target, TargetId,
    TargetKind, TargetStatus, Terms, apply, replay,
};
use laa_migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, InsertStatement, OnConflict, PostgresQueryBuilder,
    SqliteQueryBuilder, SubQueryStatement, UpdateStatement, Values, WithClause,
};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

use crate::entity::{agreement, event, request, target};
use crate::error::{StoreError, is_unique_violation};
use crate::hash::{GENESIS_HASH, HashInput, canonical_json, now_micros};
use crate::options::{Backend, BeforeCommit, StoreOptions, Synchronous};

/// The longest request id accepted, in bytes.
pub const MAX_REQUEST_ID_LEN: usize = 200;

/// How many events [`Store::verify`] reads per query.
const VERIFY_PAGE: u64 = 1_000;

/// The persistent home of agreements, their histories, reference data and
/// credentials. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite only: one writer at a time in this process (see [`Store::begin_write`]).
    write_lock: Option<Mutex<()>>,
    catalogue: Catalogue,
    before_commit: Option<BeforeCommit>,
    /// The last head seen of each agreement (see [`Head`]).
    heads: std::sync::Mutex<HashMap<AgreementId, Arc<Head>>>,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The sequence of the first event appended.
    pub first_sequence: u64,
    /// The sequence of the last event appended.
    pub last_sequence: u64,
    /// The agreement's version afterwards (the last sequence).
    pub version: u64,
    /// True when the request id had been applied already: this is the first
    /// outcome again, and nothing was written.
    pub replayed: bool,
}

/// One event as stored: the event and the store's record around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its position among all events of all agreements; only grows. (On
    /// PostgreSQL ids are taken at insert, so a transaction committing later
    /// may hold a smaller id: a follower should re-read a short window
    /// behind its cursor.)
    pub global_id: u64,
    /// The agreement.
    pub agreement: AgreementId,
    /// Its sequence within the agreement, from 1.
    pub sequence: u64,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The request that produced it.
    pub request_id: String,
    /// The event's kind, such as `offer_made`.
    pub kind: String,
    /// The event.
    pub event: Event,
    /// The previous event's hash, in hex ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// This event's hash, in hex.
    pub hash: String,
}

/// The result of checking an agreement's hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// True when every event is intact, in order, with no gap.
    pub ok: bool,
    /// How many events were found.
    pub length: u64,
    /// The stored hash of the last event found ([`GENESIS_HASH`] if none).
    pub head_hash: String,
    /// The first sequence at which the history is not what was appended.
    pub first_bad_sequence: Option<u64>,
}

/// What an append will write, and what it will have done.
struct Plan {
    /// The writes, in order.
    writes: Vec<Write>,
    /// The outcome once they are committed.
    outcome: AppendOutcome,
    /// The agreement's head once they are committed.
    head: Head,
}

/// A pooled SQLite connection that is closed, not returned to the pool,
/// unless released: see [`Store::run_sqlite_batch`].
struct CloseUnlessReleased(Option<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>>);

impl CloseUnlessReleased {
    /// Returns the connection to the pool when dropped.
    fn release(&mut self) {
        self.0 = None;
    }
}

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(conn) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// A driver error as the database error sea-orm would give.
fn db_err(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Database(sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(
        Arc::new(e),
    )))
}

/// An agreement's state at a version, with the hash of its last event.
///
/// The store remembers the head of each agreement it last appended to or
/// loaded, so the next append can skip reading and parsing the snapshot.
/// That is safe because the database still guards every write: if another
/// process moved the agreement on, the insert of the next sequence fails on
/// the unique key, and the head is forgotten.
pub(crate) struct Head {
    /// The version (the last sequence).
    version: u64,
    /// The last event's hash ([`GENESIS_HASH`] before any).
    hash: String,
    /// The state at that version.
    pub(crate) state: Agreement,
    /// True when the `agreements` row exists at that version.
    projected: bool,
    /// The version of the snapshot stored in that row (0 for none).
    snapshot_version: u64,
}

/// How many agreement heads a store remembers (England has 150 areas).
const MAX_REMEMBERED: usize = 10_000;

/// How many events an agreement's stored snapshot may lag its history.
/// Rewriting the whole state on every append would triple the pages (and
/// the WAL) an append writes; readers apply the few events since the
/// snapshot instead, or take the state this store remembers.
pub const SNAPSHOT_EVERY: u64 = 16;

impl Store {
    /// Opens the database at `url`, brings its schema up to date and loads
    /// the reference data (the indicator sets from `laa-core`'s catalogue,
    /// the nine regions, the 150 areas of 2008) if it is missing.
    ///
    /// SQLite (`sqlite://laa.db?mode=rwc`; `mode=rwc` creates the file):
    /// WAL journal, `synchronous` as [`StoreOptions::sqlite_synchronous`]
    /// says (`FULL` by default), a busy timeout, foreign keys on.
    /// PostgreSQL: `postgres://user@host:port/db`.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let backend = Backend::of_url(url)?;
        let catalogue = Catalogue::national()
            .map_err(|e| StoreError::corrupt("catalogue", 0, e.to_string()))?;
        let mut connect = ConnectOptions::new(url.to_owned());
        connect
            .sqlx_logging(false)
            .acquire_timeout(options.acquire_timeout)
            .max_connections(options.max_connections.unwrap_or(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 20,
            }));
        let synchronous = match options.sqlite_synchronous {
            Synchronous::Full => SqliteSynchronous::Full,
            Synchronous::Normal => SqliteSynchronous::Normal,
        };
        let busy_timeout = options.busy_timeout;
        connect.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
        let db = Database::connect(connect).await?;
        let store = Store {
            inner: Arc::new(Inner {
                db,
                backend,
                write_lock: (backend == Backend::Sqlite).then(|| Mutex::new(())),
                catalogue,
                before_commit: options.before_commit,
                heads: std::sync::Mutex::new(HashMap::new()),
            }),
        };
        {
            // Migrations write; on SQLite they queue behind this process's
            // other writers like any write.
            let _guard = store.write_guard().await;
            Migrator::up(&store.inner.db, None).await?;
        }
        store.seed_reference_data().await?;
        Ok(store)
    }

    /// The database connection, for health checks and tools.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Which database this store is on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The indicator catalogue the store was seeded from (`laa-core`'s
    /// embedded National Indicator Set).
    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// Closes the connection pool; clones of this store stop working.
    pub async fn close(&self) -> Result<(), StoreError> {
        self.inner.db.close_by_ref().await?;
        Ok(())
    }

    /// Waits for this process's turn to write (SQLite only).
    pub(crate) async fn write_guard(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.inner.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

    /// Begins a write transaction.
    ///
    /// SQLite: sqlx and sea-orm begin with a plain (deferred) `BEGIN`, which
    /// takes the write lock only at the first write; a transaction that read
    /// first then finds another writer ahead of it fails with "database is
    /// locked" however long the busy timeout. sea-orm 2's
    /// [`TransactionOptions::sqlite_transaction_mode`] issues
    /// `BEGIN IMMEDIATE` instead, which takes the lock up front (waiting up
    /// to the busy timeout for another process); callers hold
    /// [`Store::write_guard`] first, so writers in this process queue in
    /// order on a mutex rather than polling SQLite's busy handler.
    /// PostgreSQL ignores the mode: its transactions are READ COMMITTED, and
    /// the unique keys order concurrent writers.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self
            .inner
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// The outcome of a request already applied to an agreement, if it was.
    /// The server calls this before deciding, so a retried command is
    /// answered without being decided again.
    pub async fn find_outcome(
        &self,
        agreement: &AgreementId,
        request_id: &str,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        find_outcome_in(&self.inner.db, agreement, request_id).await
    }

    /// Appends the events `decide` returned for one command, as the next
    /// events of the agreement, if the agreement is still at
    /// `expected_version` (0 before its first event).
    ///
    /// In one transaction (on SQLite an explicit `BEGIN IMMEDIATE` one; on
    /// PostgreSQL a single statement, which is its own transaction): the
    /// events with their hash chain, the agreement and target projections
    /// (the state after applying the events to the stored state), and the
    /// idempotency record of `request_id`. A stale
    /// `expected_version` fails with [`StoreError::VersionConflict`] and
    /// writes nothing, even when writers race. A `request_id` already
    /// applied to this agreement returns the first outcome with
    /// `replayed: true` and writes nothing, whatever the expected version.
    pub async fn append(
        &self,
        agreement: &AgreementId,
        expected_version: u64,
        request_id: &str,
        events: &[Event],
    ) -> Result<AppendOutcome, StoreError> {
        if request_id.trim().is_empty() || request_id.len() > MAX_REQUEST_ID_LEN {
            return Err(StoreError::invalid(
                "request_id",
                format!("a request id is 1 to {MAX_REQUEST_ID_LEN} bytes"),
            ));
        }
        if events.is_empty() {
            return Err(StoreError::invalid(
                "events",
                "there are no events to append",
            ));
        }
        let expected = to_i64("expected_version", expected_version)?;
        let result = self
            .append_once(agreement, expected, request_id, events)
            .await;
        let actual = match result {
            Ok(outcome) => return Ok(outcome),
            Err(StoreError::VersionConflict { actual, .. }) => actual,
            Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                self.current_version(agreement).await?
            }
            Err(other) => {
                self.forget(agreement);
                return Err(other);
            }
        };
        // Nothing was written. Either this request was applied before (its
        // idempotency record, or a concurrent retry of it that committed
        // first, stopped this one), and the answer is its first outcome; or
        // another writer moved the agreement on, and the answer is a
        // conflict. Checking here rather than before writing keeps the
        // common path one query shorter; the server asks `find_outcome`
        // before deciding anyway.
        self.forget(agreement);
        if let Some(outcome) = self.find_outcome(agreement, request_id).await? {
            return Ok(outcome);
        }
        Err(StoreError::VersionConflict {
            expected: expected_version,
            actual,
        })
    }

    /// One attempt at an append, by the cheapest safe route.
    async fn append_once(
        &self,
        id: &AgreementId,
        expected: i64,
        request_id: &str,
        events: &[Event],
    ) -> Result<AppendOutcome, StoreError> {
        let expected_u = to_u64(expected);
        let recalled = self.recalled(id).filter(|h| h.version == expected_u);
        let conflict = |actual| StoreError::VersionConflict {
            expected: expected_u,
            actual,
        };
        match (self.inner.backend, &self.inner.before_commit, recalled) {
            // PostgreSQL: the writes are one statement (see `one_statement`),
            // which PostgreSQL runs as a transaction of its own; wrapping it
            // in BEGIN and COMMIT would only add two round trips. The head,
            // when it must be read first, needs no transaction around it:
            // if another writer moves the agreement on in between, the
            // statement fails on the unique key and writes nothing.
            (Backend::Postgres, None, recalled) => {
                let db = &self.inner.db;
                let head = match recalled {
                    Some(head) => head,
                    None => Arc::new(read_head(self, db, id).await?),
                };
                if head.version != expected_u {
                    return Err(conflict(head.version));
                }
                let plan = self.plan(&head, id, expected, request_id, events)?;
                db.execute_raw(one_statement(Backend::Postgres, plan.writes, false))
                    .await?;
                self.remember(id, plan.head);
                Ok(plan.outcome)
            }
            // SQLite, when this store holds the head: BEGIN IMMEDIATE, the
            // writes and COMMIT as one batch, one hand-off to SQLite's
            // worker thread instead of three (see `Store::run_sqlite_batch`).
            (Backend::Sqlite, None, Some(head)) => {
                let _guard = self.write_guard().await;
                let plan = self.plan(&head, id, expected, request_id, events)?;
                self.run_sqlite_batch(one_statement(Backend::Sqlite, plan.writes, true))
                    .await?;
                self.remember(id, plan.head);
                Ok(plan.outcome)
            }
            // Otherwise an explicit transaction: on SQLite, BEGIN IMMEDIATE
            // queues this writer for the write lock before it reads the
            // head, so the read and the writes see one state. (With a
            // `before_commit` hook both databases take this route, so that
            // the hook runs inside an open transaction.)
            (_, _, recalled) => {
                let _guard = self.write_guard().await;
                let txn = self.begin_write().await?;
                let head = match recalled {
                    Some(head) => head,
                    None => Arc::new(read_head(self, &txn, id).await?),
                };
                if head.version != expected_u {
                    txn.rollback().await?;
                    return Err(conflict(head.version));
                }
                // On any error below, dropping the transaction rolls it back.
                let plan = self.plan(&head, id, expected, request_id, events)?;
                txn.execute_raw(one_statement(self.inner.backend, plan.writes, false))
                    .await?;
                if let Some(hook) = &self.inner.before_commit {
                    hook().await;
                }
                txn.commit().await?;
                self.remember(id, plan.head);
                Ok(plan.outcome)
            }
        }
    }

    /// Runs an SQLite batch that begins and commits its own transaction, on
    /// one pooled connection. If the batch fails part way (a unique key
    /// refused a write), its transaction is rolled back on that connection;
    /// if the rollback fails too, or the caller goes away while the batch
    /// runs, the connection is closed rather than returned to the pool, and
    /// closing it rolls back whatever it left open. No connection goes back
    /// to the pool inside a transaction.
    async fn run_sqlite_batch(&self, batch: Statement) -> Result<(), StoreError> {
        use sea_orm::sqlx::{self, Executor};
        let pool = self.inner.db.get_sqlite_connection_pool();
        let conn = pool.acquire().await.map_err(db_err)?;
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
                conn.release();
                Ok(())
            }
            Err(e) => {
                if c.execute("ROLLBACK").await.is_ok() {
                    conn.release();
                }
                Err(db_err(e))
            }
        }
    }

    /// Computes an append: the rows to write, the outcome, and the new head.
    fn plan(
        &self,
        head: &Head,
        id: &AgreementId,
        expected: i64,
        request_id: &str,
        events: &[Event],
    ) -> Result<Plan, StoreError> {
        let mut state = head.state.clone();
        for e in events {
            apply(&mut state, e);
        }
        let Some(opening) = state.opening.clone() else {
            return Err(StoreError::invalid(
                "events",
                "an agreement's first event must open it",
            ));
        };

        let now = now_micros();
        let mut prev_hash = head.hash.clone();
        let mut rows = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let sequence = expected + 1 + i as i64;
            let payload = serde_json::to_value(e)
                .map(|v| canonical_json(&v))
                .map_err(|err| StoreError::invalid("events", err.to_string()))?;
            let kind = e.change.kind();
            let hash = HashInput {
                agreement_id: id.as_str(),
                sequence: to_u64(sequence),
                recorded_at: now,
                request_id,
                actor: &e.actor.principal,
                kind,
                payload: &payload,
                prev_hash: &prev_hash,
            }
            .hash();
            rows.push(event::ActiveModel {
                id: NotSet,
                agreement_id: Set(id.as_str().to_owned()),
                sequence: Set(sequence),
                recorded_at: Set(now),
                actor: Set(e.actor.principal.clone()),
                kind: Set(kind.to_owned()),
                payload: Set(payload),
                request_id: Set(request_id.to_owned()),
                prev_hash: Set(std::mem::replace(&mut prev_hash, hash.clone())),
                hash: Set(hash),
            });
        }
        let version = expected + events.len() as i64;
        let new_snapshot = !head.projected
            || to_u64(version).saturating_sub(head.snapshot_version) >= SNAPSHOT_EVERY;
        let snapshot = if new_snapshot {
            Some(serde_json::to_string(&state).map_err(|err| {
                StoreError::corrupt(id.as_str(), to_u64(version), err.to_string())
            })?)
        } else {
            None
        };
        let snapshot_version = if new_snapshot {
            to_u64(version)
        } else {
            head.snapshot_version
        };
        // The projection row: updated in what changes (so the indexes on
        // area, region and status are left alone when those columns are,
        // and on SQLite the record keeps its size and only its first page
        // is rewritten), or written whole when there is none yet.
        let projection = match (head.projected, snapshot) {
            (true, snapshot) => {
                let mut changes = agreement::ActiveModel {
                    version: Set(version),
                    head_hash: Set(prev_hash.clone()),
                    updated_at: Set(now),
                    ..Default::default()
                };
                if let Some(snapshot) = snapshot {
                    changes.snapshot = Set(snapshot);
                    changes.snapshot_version = Set(version);
                }
                if state.status != head.state.status {
                    changes.status = Set(state.status.as_str().to_owned());
                }
                if state.indicator_set != head.state.indicator_set {
                    changes.indicator_set = Set(state.indicator_set.map(|s| i32::from(s.get())));
                }
                Write::Update(
                    agreement::Entity::update_many()
                        .set(changes)
                        .filter(agreement::Column::Id.eq(id.as_str()))
                        .into_query(),
                )
            }
            (false, snapshot) => Write::Insert(
                agreement::Entity::insert(agreement::ActiveModel {
                    id: Set(id.as_str().to_owned()),
                    area: Set(opening.area.as_str().to_owned()),
                    region: Set(opening.region.code().to_owned()),
                    status: Set(state.status.as_str().to_owned()),
                    version: Set(version),
                    indicator_set: Set(state.indicator_set.map(|s| i32::from(s.get()))),
                    head_hash: Set(prev_hash.clone()),
                    updated_at: Set(now),
                    snapshot_version: Set(version),
                    snapshot: Set(snapshot.unwrap_or_default()),
                })
                .on_conflict(
                    OnConflict::column(agreement::Column::Id)
                        .update_columns([
                            agreement::Column::Status,
                            agreement::Column::Version,
                            agreement::Column::IndicatorSet,
                            agreement::Column::HeadHash,
                            agreement::Column::UpdatedAt,
                            agreement::Column::SnapshotVersion,
                            agreement::Column::Snapshot,
                        ])
                        .to_owned(),
                )
                .into_query(),
            ),
        };

        // The targets whose projected columns changed (all of them when the
        // projection is being rebuilt).
        let mut changed = Vec::new();
        for (tid, t) in &state.targets {
            let row = TargetProjection::of(&state, t);
            let unchanged = head.projected
                && head
                    .state
                    .targets
                    .get(tid)
                    .is_some_and(|b| TargetProjection::of(&head.state, b) == row);
            if !unchanged {
                changed.push(row.into_model(id, t.id, now)?);
            }
        }

        // The idempotency record; its primary key refuses a request id
        // applied before, which rolls everything back.
        let record = request::Entity::insert(request::ActiveModel {
            agreement_id: Set(id.as_str().to_owned()),
            request_id: Set(request_id.to_owned()),
            first_sequence: Set(expected + 1),
            last_sequence: Set(version),
            version: Set(version),
            created_at: Set(now),
        });

        // The unique (agreement_id, sequence) key on the events is the
        // guard: of two writers that both passed the version check, the
        // second fails on it (on PostgreSQL it waits for the first to
        // commit, then fails), and nothing of its batch is written.
        let mut writes = vec![
            Write::Insert(event::Entity::insert_many(rows).into_query()),
            projection,
        ];
        if !changed.is_empty() {
            writes.push(Write::Insert(
                target::Entity::insert_many(changed)
                    .on_conflict(
                        OnConflict::columns([
                            target::Column::AgreementId,
                            target::Column::TargetId,
                        ])
                        .update_columns([
                            target::Column::IndicatorNumber,
                            target::Column::LocalCode,
                            target::Column::Kind,
                            target::Column::Status,
                            target::Column::Terms,
                            target::Column::DueRefresh,
                            target::Column::UpdatedAt,
                        ])
                        .to_owned(),
                    )
                    .into_query(),
            ));
        }
        writes.push(Write::Insert(record.into_query()));
        let outcome = AppendOutcome {
            first_sequence: to_u64(expected + 1),
            last_sequence: to_u64(version),
            version: to_u64(version),
            replayed: false,
        };
        let head = Head {
            version: to_u64(version),
            hash: prev_hash,
            state,
            projected: true,
            snapshot_version,
        };
        Ok(Plan {
            writes,
            outcome,
            head,
        })
    }

    /// The head this process last committed or loaded for an agreement.
    fn recalled(&self, id: &AgreementId) -> Option<Arc<Head>> {
        self.heads().get(id).cloned()
    }

    /// Remembers an agreement's head, as committed or loaded (never
    /// going back to an older one a slower reader saw).
    fn remember(&self, id: &AgreementId, head: Head) {
        let mut heads = self.heads();
        match heads.get(id) {
            Some(known) if known.version > head.version => return,
            Some(_) => {}
            None if heads.len() >= MAX_REMEMBERED => heads.clear(),
            None => {}
        }
        heads.insert(id.clone(), Arc::new(head));
    }

    /// Forgets an agreement's head, after anything unexpected.
    fn forget(&self, id: &AgreementId) {
        self.heads().remove(id);
    }

    fn heads(&self) -> std::sync::MutexGuard<'_, HashMap<AgreementId, Arc<Head>>> {
        // A panic while holding this lock cannot leave a map half-updated
        // (each operation is one call), so a poisoned lock is still sound.
        self.inner
            .heads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The agreement's current version (0 if it has no events).
    pub async fn current_version(&self, id: &AgreementId) -> Result<u64, StoreError> {
        let version: Option<i64> = agreement::Entity::find_by_id(id.as_str().to_owned())
            .select_only()
            .column(agreement::Column::Version)
            .into_tuple()
            .one(&self.inner.db)
            .await?;
        match version {
            Some(v) => Ok(to_u64(v)),
            None => Ok(self.last_sequence(id).await?),
        }
    }

    async fn last_sequence(&self, id: &AgreementId) -> Result<u64, StoreError> {
        let last: Option<Option<i64>> = event::Entity::find()
            .select_only()
            .column_as(event::Column::Sequence.max(), "max_sequence")
            .filter(event::Column::AgreementId.eq(id.as_str()))
            .into_tuple()
            .one(&self.inner.db)
            .await?;
        Ok(last.flatten().map_or(0, to_u64))
    }

    /// The agreement's current state, or `None` if it has no events.
    ///
    /// The state this store last appended or loaded, when the database is
    /// still at its version; otherwise the stored snapshot with the few
    /// events recorded since it applied; without a projection, the whole
    /// history replayed. [`Store::replay`] always replays.
    pub async fn load(&self, id: &AgreementId) -> Result<Option<Agreement>, StoreError> {
        // The version and head hash first: when this store remembers that
        // head, the snapshot need not be read at all.
        let at: Option<(i64, String)> = agreement::Entity::find_by_id(id.as_str().to_owned())
            .select_only()
            .column(agreement::Column::Version)
            .column(agreement::Column::HeadHash)
            .into_tuple()
            .one(&self.inner.db)
            .await?;
        let Some((version, hash)) = at else {
            return self.replay(id).await;
        };
        if let Some(head) = self
            .recalled(id)
            .filter(|h| h.version == to_u64(version) && h.hash == hash)
        {
            return Ok(Some(head.state.clone()));
        }
        let Some(row) = agreement::Entity::find_by_id(id.as_str().to_owned())
            .one(&self.inner.db)
            .await?
        else {
            return self.replay(id).await;
        };
        let head = self.head_of(&self.inner.db, row).await?;
        let state = head.state.clone();
        self.remember(id, head);
        Ok(Some(state))
    }

    /// An agreement's head from its projection row: the remembered one if
    /// it is at the row's version, or the snapshot brought up to date.
    pub(crate) async fn head_of<C: ConnectionTrait>(
        &self,
        db: &C,
        row: agreement::Model,
    ) -> Result<Head, StoreError> {
        let version = to_u64(row.version);
        let id = AgreementId::new(row.id.clone())
            .map_err(|e| StoreError::corrupt(&row.id, version, e.to_string()))?;
        if let Some(head) = self
            .recalled(&id)
            .filter(|h| h.version == version && h.hash == row.head_hash)
        {
            return Ok(Head {
                version,
                hash: head.hash.clone(),
                state: head.state.clone(),
                projected: true,
                snapshot_version: head.snapshot_version,
            });
        }
        let mut state = decode_snapshot(&row)?;
        if state.version < version {
            let later = event::Entity::find()
                .filter(event::Column::AgreementId.eq(id.as_str()))
                .filter(event::Column::Sequence.gt(row.snapshot_version))
                .filter(event::Column::Sequence.lte(row.version))
                .order_by_asc(event::Column::Sequence)
                .all(db)
                .await?;
            for stored in later {
                apply(&mut state, &decode_event(stored)?.event);
            }
        }
        if state.version != version {
            return Err(StoreError::corrupt(
                id.as_str(),
                state.version + 1,
                format!("the history ends before the agreement's version {version}"),
            ));
        }
        Ok(Head {
            version,
            hash: row.head_hash,
            state,
            projected: true,
            snapshot_version: to_u64(row.snapshot_version),
        })
    }

    /// The agreement's state rebuilt from its whole history alone, or `None`
    /// if it has no events.
    pub async fn replay(&self, id: &AgreementId) -> Result<Option<Agreement>, StoreError> {
        let events = self.events(id, 1, u64::MAX).await?;
        if events.is_empty() {
            return Ok(None);
        }
        Ok(Some(replay(id.clone(), events.iter().map(|s| &s.event))))
    }

    /// Up to `limit` events of an agreement, from sequence `from_sequence`
    /// on, in order.
    pub async fn events(
        &self,
        id: &AgreementId,
        from_sequence: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::AgreementId.eq(id.as_str()))
            .filter(event::Column::Sequence.gte(clamp_i64(from_sequence)))
            .order_by_asc(event::Column::Sequence)
            .limit(limit.min(i64::MAX as u64))
            .all(&self.inner.db)
            .await?;
        rows.into_iter().map(decode_event).collect()
    }

    /// Walks the agreement's hash chain and reports the first sequence that
    /// is not what was appended: a changed row (its hash no longer matches
    /// its content), a missing one (a gap, or a history shorter than the
    /// agreement's recorded version), rows swapped or reordered (a broken
    /// link to the previous hash), or a payload that is no longer an event.
    /// [`StoreError::NotFound`] if the agreement has neither events nor a
    /// projection.
    pub async fn verify(&self, id: &AgreementId) -> Result<Verification, StoreError> {
        let mut expected_sequence: u64 = 1;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut first_bad: Option<u64> = None;
        let mut after: i64 = 0;
        let mut length: u64 = 0;
        loop {
            let rows = event::Entity::find()
                .filter(event::Column::AgreementId.eq(id.as_str()))
                .filter(event::Column::Sequence.gt(after))
                .order_by_asc(event::Column::Sequence)
                .limit(VERIFY_PAGE)
                .all(&self.inner.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.sequence;
            for row in &rows {
                length += 1;
                if first_bad.is_none() && !row_is_sound(row, expected_sequence, &prev_hash) {
                    first_bad = Some(expected_sequence);
                }
                prev_hash.clone_from(&row.hash);
                expected_sequence += 1;
            }
            if (rows.len() as u64) < VERIFY_PAGE {
                break;
            }
        }
        let projection = agreement::Entity::find_by_id(id.as_str().to_owned())
            .one(&self.inner.db)
            .await?;
        match &projection {
            None if length == 0 => {
                return Err(StoreError::NotFound {
                    what: "agreement",
                    key: id.to_string(),
                });
            }
            // A history shorter than the recorded version lost its tail;
            // one longer, or ending in another hash, was written around the store.
            Some(p) if first_bad.is_none() => {
                let version = to_u64(p.version);
                if version > length {
                    first_bad = Some(length + 1);
                } else if version < length {
                    first_bad = Some(version + 1);
                } else if p.head_hash != prev_hash {
                    first_bad = Some(length.max(1));
                }
            }
            _ => {}
        }
        Ok(Verification {
            ok: first_bad.is_none(),
            length,
            head_hash: prev_hash,
            first_bad_sequence: first_bad,
        })
    }
}

/// True when a row sits where it should, links to the previous hash, and
/// hashes to its stored hash, and its payload is an event of its kind.
fn row_is_sound(row: &event::Model, expected_sequence: u64, prev_hash: &str) -> bool {
    if row.sequence != clamp_i64(expected_sequence) || row.prev_hash != prev_hash {
        return false;
    }
    let Ok(payload) = serde_json::from_str::<Value>(&row.payload) else {
        return false;
    };
    let recomputed = HashInput {
        agreement_id: &row.agreement_id,
        sequence: expected_sequence,
        recorded_at: row.recorded_at,
        request_id: &row.request_id,
        actor: &row.actor,
        kind: &row.kind,
        payload: &canonical_json(&payload),
        prev_hash,
    }
    .hash();
    if recomputed != row.hash {
        return false;
    }
    match serde_json::from_value::<Event>(payload) {
        Ok(e) => e.change.kind() == row.kind && e.actor.principal == row.actor,
        Err(_) => false,
    }
}

async fn find_outcome_in<C: ConnectionTrait>(
    db: &C,
    id: &AgreementId,
    request_id: &str,
) -> Result<Option<AppendOutcome>, StoreError> {
    let found = request::Entity::find_by_id((id.as_str().to_owned(), request_id.to_owned()))
        .one(db)
        .await?;
    Ok(found.map(|r| AppendOutcome {
        first_sequence: to_u64(r.first_sequence),
        last_sequence: to_u64(r.last_sequence),
        version: to_u64(r.version),
        replayed: true,
    }))
}

fn decode_snapshot(row: &agreement::Model) -> Result<Agreement, StoreError> {
    let state: Agreement = serde_json::from_str(&row.snapshot)
        .map_err(|e| StoreError::corrupt(&row.id, to_u64(row.version), format!("snapshot: {e}")))?;
    if state.version != to_u64(row.snapshot_version) || state.id.as_str() != row.id {
        return Err(StoreError::corrupt(
            &row.id,
            to_u64(row.version),
            "the snapshot is of another agreement or version",
        ));
    }
    Ok(state)
}

fn decode_event(row: event::Model) -> Result<StoredEvent, StoreError> {
    let sequence = to_u64(row.sequence);
    let agreement = AgreementId::new(row.agreement_id.clone())
        .map_err(|e| StoreError::corrupt(&row.agreement_id, sequence, e.to_string()))?;
    let event: Event = serde_json::from_str(&row.payload)
        .map_err(|e| StoreError::corrupt(&row.agreement_id, sequence, format!("payload: {e}")))?;
    Ok(StoredEvent {
        global_id: to_u64(row.id),
        agreement,
        sequence,
        recorded_at: row.recorded_at,
        request_id: row.request_id,
        kind: row.kind,
        event,
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
}

/// One write of an append.
enum Write {
    /// An insert (or upsert).
    Insert(InsertStatement),
    /// An update.
    Update(UpdateStatement),
}

impl Write {
    fn build_sqlite(&self) -> (String, Values) {
        match self {
            Write::Insert(q) => q.build(SqliteQueryBuilder),
            Write::Update(q) => q.build(SqliteQueryBuilder),
        }
    }
}

impl From<Write> for SubQueryStatement {
    fn from(write: Write) -> Self {
        match write {
            Write::Insert(q) => SubQueryStatement::InsertStatement(q),
            Write::Update(q) => SubQueryStatement::UpdateStatement(q),
        }
    }
}

/// Several writes as one statement, so an append costs one round trip to
/// the database, however many tables it writes.
///
/// SQLite: the statements joined by `;` (sqlx runs them in order, binding
/// the parameters across them in sequence), between `BEGIN IMMEDIATE` and
/// `COMMIT` when `own_transaction` asks. PostgreSQL, which prepares one
/// statement at a time: all but the last as data-modifying `WITH` clauses
/// of the last, which PostgreSQL runs to completion, atomically, with
/// parameters numbered across the whole. The statements themselves are the
/// same sea-query statements on both.
fn one_statement(backend: Backend, mut writes: Vec<Write>, own_transaction: bool) -> Statement {
    match backend {
        Backend::Sqlite => {
            let mut sql = String::new();
            let mut values = Vec::new();
            if own_transaction {
                sql.push_str("BEGIN IMMEDIATE;\n");
            }
            for write in &writes {
                let (text, bound) = write.build_sqlite();
                sql.push_str(&text);
                sql.push_str(";\n");
                values.extend(bound.0);
            }
            if own_transaction {
                sql.push_str("COMMIT;\n");
            }
            Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
        }
        Backend::Postgres => {
            let last = writes
                .pop()
                .unwrap_or_else(|| Write::Insert(InsertStatement::default()));
            let mut with = WithClause::new();
            for (i, write) in writes.into_iter().enumerate() {
                with.cte(
                    CommonTableExpression::new()
                        .query(write)
                        .table_name(Alias::new(format!("write_{i}")))
                        .to_owned(),
                );
            }
            let (sql, values) = with.query(last).build(PostgresQueryBuilder);
            Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
        }
    }
}

/// What the `targets` table records of one target.
#[derive(PartialEq, Eq)]
struct TargetProjection<'a> {
    indicator: &'a IndicatorRef,
    kind: TargetKind,
    status: TargetStatus,
    agreed: Option<&'a Terms>,
    /// The refresh the agreed terms' open parts (a placeholder, or a
    /// deferred year) are next due in: the earliest in the round's order.
    due_refresh: Option<&'a RefreshId>,
}

impl<'a> TargetProjection<'a> {
    fn of(state: &'a Agreement, t: &'a Target) -> Self {
        let due_refresh = t.agreed.as_ref().and_then(|terms| {
            terms.due_refreshes().into_iter().min_by_key(|r| {
                state
                    .policy()
                    .and_then(|p| p.refresh_position(r))
                    .unwrap_or(usize::MAX)
            })
        });
        Self {
            indicator: &t.indicator,
            kind: t.kind,
            status: t.status,
            agreed: t.agreed.as_ref(),
            due_refresh,
        }
    }

    fn into_model(
        self,
        id: &AgreementId,
        target: TargetId,
        now: DateTime<Utc>,
    ) -> Result<target::ActiveModel, StoreError> {
        let terms = self
            .agreed
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt(id.as_str(), 0, e.to_string()))?;
        let (indicator_number, local_code) = match self.indicator {
            IndicatorRef::National(n) => (Some(i32::from(n.get())), None),
            IndicatorRef::Local { code, .. } => (None, Some(code.as_str().to_owned())),
        };
        Ok(target::ActiveModel {
            agreement_id: Set(id.as_str().to_owned()),
            target_id: Set(i32::try_from(target.get()).unwrap_or(i32::MAX)),
            indicator_number: Set(indicator_number),
            local_code: Set(local_code),
            kind: Set(self.kind.as_str().to_owned()),
            status: Set(self.status.as_str().to_owned()),
            terms: Set(terms),
            due_refresh: Set(self.due_refresh.map(|r| r.as_str().to_owned())),
            updated_at: Set(now),
        })
    }
}

/// Reads an agreement's head inside a write transaction: from its
/// projection row, or, without one, by replaying its history (a new
/// agreement, or one whose projection was lost: the log is the record).
async fn read_head<C: ConnectionTrait>(
    store: &Store,
    txn: &C,
    id: &AgreementId,
) -> Result<Head, StoreError> {
    if let Some(row) = agreement::Entity::find_by_id(id.as_str().to_owned())
        .one(txn)
        .await?
    {
        return store.head_of(txn, row).await;
    }
    let history = event::Entity::find()
        .filter(event::Column::AgreementId.eq(id.as_str()))
        .order_by_asc(event::Column::Sequence)
        .all(txn)
        .await?;
    let hash = history
        .last()
        .map_or_else(|| GENESIS_HASH.to_owned(), |e| e.hash.clone());
    let history = history
        .into_iter()
        .map(decode_event)
        .collect::<Result<Vec<_>, _>>()?;
    let state = replay(id.clone(), history.iter().map(|s| &s.event));
    Ok(Head {
        version: state.version,
        hash,
        state,
        projected: false,
        snapshot_version: 0,
    })
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_i64(field: &'static str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::invalid(field, format!("{v} is too large")))
}
