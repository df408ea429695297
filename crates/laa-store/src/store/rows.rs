//! The rows an append writes, table by table, and the generic statements
//! that write them (sea-query, the same on both databases): one statement
//! a batch, whatever its size. PostgreSQL's usual batch takes a statement
//! of fixed text instead (`unnest.rs`); this one writes what that cannot.

use sea_orm::sea_query::{
    Alias, CommonTableExpression, InsertStatement, OnConflict, PostgresQueryBuilder,
    SqliteQueryBuilder, SubQueryStatement, UpdateStatement, Values, WithClause,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement,
};

use chrono::{DateTime, Utc};

use crate::entity::{agreement, event, request, target};
use crate::options::Backend;

/// The rows one append writes, table by table.
#[derive(Clone)]
pub(super) struct Rows {
    /// The events, hash-chained.
    pub(super) events: Vec<EventRow>,
    /// The stream's projection: an agreement's row (an update of what
    /// changed, or the whole row when there is none yet), or another
    /// stream's writes.
    pub(super) projection: Projection,
    /// The target rows whose projected columns changed: with whether the
    /// row is written whole (new, rebuilt, or its refresh due changed) or
    /// only in its status and terms (see [`Rows::writes`]).
    pub(super) targets: Vec<(target::Model, Whole)>,
    /// The idempotency record.
    pub(super) request: request::Model,
}

/// One event's row (its `id` is the database's to give).
#[derive(Clone)]
pub(super) struct EventRow {
    pub(super) agreement_id: String,
    pub(super) sequence: i64,
    pub(super) recorded_at: DateTime<Utc>,
    pub(super) actor: String,
    pub(super) kind: String,
    /// The event as canonical JSON.
    pub(super) payload: String,
    pub(super) request_id: String,
    pub(super) prev_hash: String,
    pub(super) hash: String,
}

impl EventRow {
    fn into_active(self) -> event::ActiveModel {
        event::ActiveModel {
            id: NotSet,
            agreement_id: Set(self.agreement_id),
            sequence: Set(self.sequence),
            recorded_at: Set(self.recorded_at),
            actor: Set(self.actor),
            kind: Set(self.kind),
            payload: Set(self.payload),
            request_id: Set(self.request_id),
            prev_hash: Set(self.prev_hash),
            hash: Set(self.hash),
        }
    }
}

/// What an append writes of its stream's projection.
#[derive(Clone)]
pub(super) enum Projection {
    /// An agreement's row exists: what changes in it.
    Update(ProjectionUpdate),
    /// There is none yet (or it is being rebuilt): the whole row, upserted.
    Whole(agreement::Model),
    /// Another stream's projection (the catalogue's tables, a round's row,
    /// an area's row): its writes, in order.
    Other(Vec<Write>),
}

/// The columns of an existing projection row an append changes: always
/// its version, head and time; the others only when they change (so the
/// indexes on status and indicator set are left alone when those are, and
/// on SQLite the record keeps its size and only its first page is
/// rewritten).
#[derive(Clone)]
pub(super) struct ProjectionUpdate {
    pub(super) id: String,
    pub(super) version: i64,
    pub(super) head_hash: String,
    pub(super) updated_at: DateTime<Utc>,
    /// A new snapshot, at `version`.
    pub(super) snapshot: Option<String>,
    pub(super) status: Option<String>,
    pub(super) indicator_set: Option<Option<i32>>,
}

impl Projection {
    fn into_writes(self) -> Vec<Write> {
        match self {
            Projection::Other(writes) => writes,
            Projection::Update(p) => {
                let mut changes = agreement::ActiveModel {
                    version: Set(p.version),
                    head_hash: Set(p.head_hash),
                    updated_at: Set(p.updated_at),
                    ..Default::default()
                };
                if let Some(snapshot) = p.snapshot {
                    changes.snapshot = Set(snapshot);
                    changes.snapshot_version = Set(p.version);
                }
                if let Some(status) = p.status {
                    changes.status = Set(status);
                }
                if let Some(indicator_set) = p.indicator_set {
                    changes.indicator_set = Set(indicator_set);
                }
                vec![Write::Update(
                    agreement::Entity::update_many()
                        .set(changes)
                        .filter(agreement::Column::Id.eq(p.id))
                        .into_query(),
                )]
            }
            Projection::Whole(m) => vec![Write::Insert(
                agreement::Entity::insert(agreement::ActiveModel {
                    id: Set(m.id),
                    area: Set(m.area),
                    region: Set(m.region),
                    status: Set(m.status),
                    version: Set(m.version),
                    indicator_set: Set(m.indicator_set),
                    head_hash: Set(m.head_hash),
                    updated_at: Set(m.updated_at),
                    snapshot_version: Set(m.snapshot_version),
                    snapshot: Set(m.snapshot),
                    round: Set(m.round),
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
            )],
        }
    }
}

/// A target row to insert or upsert.
pub(super) fn target_active(m: target::Model) -> target::ActiveModel {
    target::ActiveModel {
        agreement_id: Set(m.agreement_id),
        target_id: Set(m.target_id),
        indicator_number: Set(m.indicator_number),
        local_code: Set(m.local_code),
        kind: Set(m.kind),
        status: Set(m.status),
        terms: Set(m.terms),
        due_refresh: Set(m.due_refresh),
        updated_at: Set(m.updated_at),
    }
}

fn request_active(m: request::Model) -> request::ActiveModel {
    request::ActiveModel {
        agreement_id: Set(m.agreement_id),
        request_id: Set(m.request_id),
        first_sequence: Set(m.first_sequence),
        last_sequence: Set(m.last_sequence),
        version: Set(m.version),
        created_at: Set(m.created_at),
        fingerprint: Set(m.fingerprint),
    }
}

impl Rows {
    /// The writes of one or more appends (to different agreements) as one
    /// statement (see [`one_statement`]).
    pub(super) fn statement(all: Vec<Rows>, backend: Backend, own_transaction: bool) -> Statement {
        one_statement(backend, Rows::writes(all), own_transaction)
    }

    /// The writes of one or more appends (to different agreements), as few
    /// statements as the tables need: one insert of every event, one
    /// upsert of every changed target, one insert of every idempotency
    /// record, and one write of each agreement's projection row. Fewer
    /// statements are fewer round trips to SQLite's worker thread and less
    /// for PostgreSQL to plan; a group commit of 16 commands is 19
    /// statements, not 64.
    ///
    /// The unique `(agreement_id, sequence)` key on the events comes first
    /// and is the guard: of two writers that both passed the version check,
    /// the second fails on it (on PostgreSQL it waits for the first to
    /// commit, then fails), and nothing of its transaction is written.
    fn writes(all: Vec<Rows>) -> Vec<Write> {
        let mut events = Vec::new();
        let mut projections = Vec::with_capacity(all.len());
        let mut targets = Vec::new();
        let mut requests = Vec::with_capacity(all.len());
        for rows in all {
            events.extend(rows.events.into_iter().map(EventRow::into_active));
            projections.extend(rows.projection.into_writes());
            targets.extend(rows.targets);
            requests.push(request_active(rows.request));
        }
        let mut writes = Vec::with_capacity(projections.len() + 3);
        writes.push(Write::Insert(
            event::Entity::insert_many(events).into_query(),
        ));
        writes.extend(projections);
        // An upsert that sets an indexed column rewrites that index's
        // entry even when its value is unchanged (on SQLite a page more
        // each), so rows whose indexed columns did not change set only
        // their status, terms and time.
        let (whole, lean): (Vec<_>, Vec<_>) = targets.into_iter().partition(|(_, w)| w.0);
        for (rows, columns) in [
            (
                whole,
                &[
                    target::Column::IndicatorNumber,
                    target::Column::LocalCode,
                    target::Column::Kind,
                    target::Column::Status,
                    target::Column::Terms,
                    target::Column::DueRefresh,
                    target::Column::UpdatedAt,
                ][..],
            ),
            (
                lean,
                &[
                    target::Column::Status,
                    target::Column::Terms,
                    target::Column::UpdatedAt,
                ][..],
            ),
        ] {
            if rows.is_empty() {
                continue;
            }
            writes.push(Write::Insert(
                target::Entity::insert_many(rows.into_iter().map(|(row, _)| target_active(row)))
                    .on_conflict(
                        OnConflict::columns([
                            target::Column::AgreementId,
                            target::Column::TargetId,
                        ])
                        .update_columns(columns.iter().copied())
                        .to_owned(),
                    )
                    .into_query(),
            ));
        }
        writes.push(Write::Insert(
            request::Entity::insert_many(requests).into_query(),
        ));
        writes
    }
}

/// One write of an append.
#[derive(Clone)]
pub(crate) enum Write {
    /// An insert (or upsert).
    Insert(InsertStatement),
    /// An update.
    Update(UpdateStatement),
}

impl Write {
    /// The write as a statement of its own, in `backend`'s dialect (for a
    /// write inside a transaction the caller holds).
    pub(crate) fn statement(&self, backend: Backend) -> Statement {
        match backend {
            Backend::Sqlite => {
                let (text, values) = self.build_sqlite(false);
                Statement::from_sql_and_values(DbBackend::Sqlite, text, values)
            }
            Backend::Postgres => {
                let (text, values) = match self {
                    Write::Insert(q) => q.build(PostgresQueryBuilder),
                    Write::Update(q) => q.build(PostgresQueryBuilder),
                };
                Statement::from_sql_and_values(DbBackend::Postgres, text, values)
            }
        }
    }

    /// The statement in SQLite's dialect; with `or_rollback`, a constraint
    /// it breaks rolls back the whole transaction (`INSERT OR ROLLBACK`,
    /// `UPDATE OR ROLLBACK`) instead of only the statement, so SQLite keeps
    /// no statement journal to undo a statement alone (on a group commit of
    /// 32 commands, a fifth of the transaction's time). Only for a batch
    /// that is its own transaction, which fails whole whatever fails in it.
    fn build_sqlite(&self, or_rollback: bool) -> (String, Values) {
        let (text, values) = match self {
            Write::Insert(q) => q.build(SqliteQueryBuilder),
            Write::Update(q) => q.build(SqliteQueryBuilder),
        };
        if !or_rollback {
            return (text, values);
        }
        let text = match (text.strip_prefix("INSERT "), text.strip_prefix("UPDATE ")) {
            (Some(rest), _) => format!("INSERT OR ROLLBACK {rest}"),
            (_, Some(rest)) => format!("UPDATE OR ROLLBACK {rest}"),
            _ => text,
        };
        (text, values)
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
                let (text, bound) = write.build_sqlite(own_transaction);
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

/// Whether a target's row is written whole, indexed columns included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Whole(pub(super) bool);
