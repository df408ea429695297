//! PostgreSQL: a batch's rows as one statement whose text never changes.
//!
//! The generic statement (`Rows::statement`) spells every row out, so
//! its text differs with every batch's size and members: PostgreSQL parses,
//! analyses and plans it afresh each time (a third of its CPU in the
//! national round), and each connection's statement cache fills with texts
//! met once. Here every column of a table travels as one array parameter,
//! unnested into rows, so the text is the same for one command or thirty
//! two: it is prepared once a connection, its plan reused, and a batch is
//! one round trip. The rows, the order of the writes and what the database
//! refuses are those of the generic statement: the unique
//! `(agreement_id, sequence)` key on the events is still the guard, and
//! the statement is still its own transaction.
//!
//! A batch that creates a projection row (an agreement's first command, or
//! a projection being rebuilt) takes the generic statement: that upsert of
//! a whole row is rare and differs in shape.

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::{PgArguments, Postgres};
use sea_orm::sqlx::query::Query;

use sea_orm::ConnectionTrait;

use super::rows::{EventRow, Projection, ProjectionUpdate, Rows};
use super::{Store, db_err};
use crate::entity::{request, target};
use crate::error::StoreError;
use crate::options::Backend;

impl Store {
    /// PostgreSQL: writes the rows of one or more appends (to different
    /// agreements) as one statement, which is its own transaction.
    pub(super) async fn write_on_postgres(&self, rows: Vec<Rows>) -> Result<(), StoreError> {
        match statement(rows) {
            Ok(query) => {
                query
                    .execute(self.connection().get_postgres_connection_pool())
                    .await
                    .map_err(db_err)?;
            }
            Err(rows) => {
                self.connection()
                    .execute_raw(Rows::statement(rows, Backend::Postgres, false))
                    .await?;
            }
        }
        Ok(())
    }
}

/// The statement; `$1` to `$42` are arrays, one a column.
const BATCH: &str = "\
WITH new_events AS (
    INSERT INTO events
        (agreement_id, sequence, recorded_at, actor, kind, payload, request_id, prev_hash, hash)
    SELECT * FROM UNNEST($1::varchar[], $2::int8[], $3::timestamptz[], $4::varchar[],
        $5::varchar[], $6::text[], $7::varchar[], $8::varchar[], $9::varchar[])
), projections AS (
    UPDATE agreements AS a SET
        version = p.version,
        head_hash = p.head_hash,
        updated_at = p.updated_at,
        snapshot = COALESCE(p.snapshot, a.snapshot),
        snapshot_version = CASE WHEN p.snapshot IS NULL THEN a.snapshot_version ELSE p.version END,
        status = COALESCE(p.status, a.status),
        indicator_set = CASE WHEN p.set_indicator_set THEN p.indicator_set ELSE a.indicator_set END
    FROM UNNEST($10::varchar[], $11::int8[], $12::varchar[], $13::timestamptz[], $14::text[],
        $15::varchar[], $16::bool[], $17::int4[])
        AS p(id, version, head_hash, updated_at, snapshot, status, set_indicator_set, indicator_set)
    WHERE a.id = p.id
), whole_targets AS (
    INSERT INTO targets
        (agreement_id, target_id, indicator_number, local_code, kind, status, terms, due_refresh, updated_at)
    SELECT * FROM UNNEST($18::varchar[], $19::int4[], $20::int4[], $21::varchar[],
        $22::varchar[], $23::varchar[], $24::text[], $25::varchar[], $26::timestamptz[])
    ON CONFLICT (agreement_id, target_id) DO UPDATE SET
        indicator_number = EXCLUDED.indicator_number,
        local_code = EXCLUDED.local_code,
        kind = EXCLUDED.kind,
        status = EXCLUDED.status,
        terms = EXCLUDED.terms,
        due_refresh = EXCLUDED.due_refresh,
        updated_at = EXCLUDED.updated_at
), lean_targets AS (
    INSERT INTO targets
        (agreement_id, target_id, indicator_number, local_code, kind, status, terms, due_refresh, updated_at)
    SELECT * FROM UNNEST($27::varchar[], $28::int4[], $29::int4[], $30::varchar[],
        $31::varchar[], $32::varchar[], $33::text[], $34::varchar[], $35::timestamptz[])
    ON CONFLICT (agreement_id, target_id) DO UPDATE SET
        status = EXCLUDED.status,
        terms = EXCLUDED.terms,
        updated_at = EXCLUDED.updated_at
)
INSERT INTO requests
    (agreement_id, request_id, first_sequence, last_sequence, version, created_at, fingerprint)
SELECT * FROM UNNEST($36::varchar[], $37::varchar[], $38::int8[], $39::int8[], $40::int8[],
    $41::timestamptz[], $42::varchar[])";

/// A bound query, one array parameter more at each step.
type Bound = Query<'static, Postgres, PgArguments>;

/// The `events` columns, one array each.
#[derive(Default)]
struct EventColumns {
    agreement_id: Vec<String>,
    sequence: Vec<i64>,
    recorded_at: Vec<DateTime<Utc>>,
    actor: Vec<String>,
    kind: Vec<String>,
    payload: Vec<String>,
    request_id: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl EventColumns {
    fn push(&mut self, e: EventRow) {
        self.agreement_id.push(e.agreement_id);
        self.sequence.push(e.sequence);
        self.recorded_at.push(e.recorded_at);
        self.actor.push(e.actor);
        self.kind.push(e.kind);
        self.payload.push(e.payload);
        self.request_id.push(e.request_id);
        self.prev_hash.push(e.prev_hash);
        self.hash.push(e.hash);
    }

    fn bind(self, q: Bound) -> Bound {
        q.bind(self.agreement_id)
            .bind(self.sequence)
            .bind(self.recorded_at)
            .bind(self.actor)
            .bind(self.kind)
            .bind(self.payload)
            .bind(self.request_id)
            .bind(self.prev_hash)
            .bind(self.hash)
    }
}

/// What changes in the `agreements` rows, one array a column; an absent
/// snapshot or status is NULL (the row keeps its own), and an indicator
/// set is written only where `set_indicator_set` says so (it may be set to
/// NULL).
#[derive(Default)]
struct ProjectionColumns {
    id: Vec<String>,
    version: Vec<i64>,
    head_hash: Vec<String>,
    updated_at: Vec<DateTime<Utc>>,
    snapshot: Vec<Option<String>>,
    status: Vec<Option<String>>,
    set_indicator_set: Vec<bool>,
    indicator_set: Vec<Option<i32>>,
}

impl ProjectionColumns {
    fn push(&mut self, p: ProjectionUpdate) {
        self.id.push(p.id);
        self.version.push(p.version);
        self.head_hash.push(p.head_hash);
        self.updated_at.push(p.updated_at);
        self.snapshot.push(p.snapshot);
        self.status.push(p.status);
        self.set_indicator_set.push(p.indicator_set.is_some());
        self.indicator_set.push(p.indicator_set.flatten());
    }

    fn bind(self, q: Bound) -> Bound {
        q.bind(self.id)
            .bind(self.version)
            .bind(self.head_hash)
            .bind(self.updated_at)
            .bind(self.snapshot)
            .bind(self.status)
            .bind(self.set_indicator_set)
            .bind(self.indicator_set)
    }
}

/// The `targets` columns, one array each.
#[derive(Default)]
struct TargetColumns {
    agreement_id: Vec<String>,
    target_id: Vec<i32>,
    indicator_number: Vec<Option<i32>>,
    local_code: Vec<Option<String>>,
    kind: Vec<String>,
    status: Vec<String>,
    terms: Vec<Option<String>>,
    due_refresh: Vec<Option<String>>,
    updated_at: Vec<DateTime<Utc>>,
}

impl TargetColumns {
    fn push(&mut self, t: target::Model) {
        self.agreement_id.push(t.agreement_id);
        self.target_id.push(t.target_id);
        self.indicator_number.push(t.indicator_number);
        self.local_code.push(t.local_code);
        self.kind.push(t.kind);
        self.status.push(t.status);
        self.terms.push(t.terms);
        self.due_refresh.push(t.due_refresh);
        self.updated_at.push(t.updated_at);
    }

    fn bind(self, q: Bound) -> Bound {
        q.bind(self.agreement_id)
            .bind(self.target_id)
            .bind(self.indicator_number)
            .bind(self.local_code)
            .bind(self.kind)
            .bind(self.status)
            .bind(self.terms)
            .bind(self.due_refresh)
            .bind(self.updated_at)
    }
}

/// The `requests` columns, one array each.
#[derive(Default)]
struct RequestColumns {
    agreement_id: Vec<String>,
    request_id: Vec<String>,
    first_sequence: Vec<i64>,
    last_sequence: Vec<i64>,
    version: Vec<i64>,
    created_at: Vec<DateTime<Utc>>,
    fingerprint: Vec<Option<String>>,
}

impl RequestColumns {
    fn push(&mut self, r: request::Model) {
        self.agreement_id.push(r.agreement_id);
        self.request_id.push(r.request_id);
        self.first_sequence.push(r.first_sequence);
        self.last_sequence.push(r.last_sequence);
        self.version.push(r.version);
        self.created_at.push(r.created_at);
        self.fingerprint.push(r.fingerprint);
    }

    fn bind(self, q: Bound) -> Bound {
        q.bind(self.agreement_id)
            .bind(self.request_id)
            .bind(self.first_sequence)
            .bind(self.last_sequence)
            .bind(self.version)
            .bind(self.created_at)
            .bind(self.fingerprint)
    }
}

/// The batch as the fixed statement, or the rows back when a projection
/// row is written whole (see the module's documentation).
pub(super) fn statement(all: Vec<Rows>) -> Result<Bound, Vec<Rows>> {
    if all
        .iter()
        .any(|rows| matches!(rows.projection, Projection::Whole(_) | Projection::Other(_)))
    {
        return Err(all);
    }
    let mut events = EventColumns::default();
    let mut projections = ProjectionColumns::default();
    let (mut whole, mut lean) = (TargetColumns::default(), TargetColumns::default());
    let mut requests = RequestColumns::default();
    for rows in all {
        for e in rows.events {
            events.push(e);
        }
        if let Projection::Update(p) = rows.projection {
            projections.push(p);
        }
        for (t, w) in rows.targets {
            if w.0 { whole.push(t) } else { lean.push(t) }
        }
        requests.push(rows.request);
    }
    let q = events.bind(sea_orm::sqlx::query(BATCH));
    Ok(requests.bind(lean.bind(whole.bind(projections.bind(q)))))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::entity::agreement;
    use crate::store::rows::Whole;

    fn rows(projection: Projection) -> Rows {
        let now = Utc::now();
        let id = "kent-2008-11".to_owned();
        Rows {
            events: vec![EventRow {
                agreement_id: id.clone(),
                sequence: 2,
                recorded_at: now,
                actor: "gose:negotiator".into(),
                kind: "offer_made".into(),
                payload: "{}".into(),
                request_id: "r-2".into(),
                prev_hash: "a".into(),
                hash: "b".into(),
            }],
            projection,
            targets: vec![(
                target::Model {
                    agreement_id: id.clone(),
                    target_id: 17,
                    indicator_number: Some(72),
                    local_code: None,
                    kind: "designated".into(),
                    status: "offered".into(),
                    terms: None,
                    due_refresh: None,
                    updated_at: now,
                },
                Whole(false),
            )],
            request: request::Model {
                agreement_id: id,
                request_id: "r-2".into(),
                first_sequence: 2,
                last_sequence: 2,
                version: 2,
                created_at: now,
                fingerprint: Some("f".repeat(64)),
            },
        }
    }

    fn update() -> Projection {
        Projection::Update(ProjectionUpdate {
            id: "kent-2008-11".into(),
            version: 2,
            head_hash: "b".into(),
            updated_at: Utc::now(),
            snapshot: None,
            status: None,
            indicator_set: Some(None),
        })
    }

    fn whole() -> Projection {
        Projection::Whole(agreement::Model {
            id: "kent-2008-11".into(),
            area: "kent".into(),
            region: "SE".into(),
            status: "draft".into(),
            version: 1,
            indicator_set: None,
            head_hash: "b".into(),
            updated_at: Utc::now(),
            snapshot_version: 1,
            snapshot: "{}".into(),
            round: "2008-11".into(),
        })
    }

    #[test]
    fn batches_that_only_update_projections_take_the_fixed_statement() {
        assert!(statement(vec![rows(update())]).is_ok());
        assert!(statement(vec![rows(update()), rows(update())]).is_ok());
    }

    #[test]
    fn a_batch_that_writes_a_projection_row_whole_keeps_the_generic_statement() {
        let back = statement(vec![rows(update()), rows(whole())])
            .err()
            .expect("the rows back");
        assert_eq!(back.len(), 2);
    }

    #[test]
    fn the_statement_numbers_one_parameter_a_column() {
        // 9 event columns, 8 of the projection, 9 for each of the two target
        // upserts, 7 of the requests: $1 to $42, each once as an array.
        for n in 1..=42 {
            assert!(BATCH.contains(&format!("${n}::")), "${n}");
        }
        assert!(!BATCH.contains("$43"));
    }
}
