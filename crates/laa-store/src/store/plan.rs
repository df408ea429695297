//! An append planned on its agreement's head: its events applied and hash-chained,
//! what it changes in the projections and the idempotency record (the rows
//! themselves are `rows.rs`).

use std::sync::Arc;

use super::rows::{EventRow, Projection, ProjectionUpdate, Rows, Whole, target_active};
use super::{AppendOutcome, Head, Request, SNAPSHOT_EVERY, Store, to_i64, to_u64};
use crate::entity::{agreement, request, target};
use crate::error::StoreError;
use crate::hash::{HashInput, canonical_json};
use chrono::{DateTime, Utc};
use laa_core::{
    Agreement, AgreementId, Event, IndicatorRef, Recorded, RefreshId, Target, TargetId, TargetKind,
    TargetStatus, Terms, apply,
};

/// What an append will write, and what it will have done.
pub(super) struct Plan {
    /// The rows to write (taken when they are written).
    pub(super) rows: Option<Rows>,
    /// The outcome once they are committed.
    pub(super) outcome: AppendOutcome,
    /// An agreement's head once they are committed (other streams' heads
    /// are their callers' to keep).
    pub(super) head: Option<Head>,
}

impl Plan {
    /// The same plan, to write again (a job planned by its caller is
    /// written whole by a batch, or alone when the batch failed).
    pub(super) fn again(&self) -> Plan {
        Plan {
            rows: self.rows.clone(),
            outcome: self.outcome,
            head: None,
        }
    }
}

impl Store {
    /// Computes an append: the rows to write, the outcome, and the new head.
    pub(super) fn plan(
        &self,
        head: &Head,
        id: &AgreementId,
        request: &Request,
        events: &[Event],
    ) -> Result<Plan, StoreError> {
        let request_id = request.id().as_str();
        let expected = to_i64("expected_version", head.version)?;
        let mut state = Agreement::clone(&head.state);
        for e in events {
            apply(&mut state, e);
        }
        let Some(opening) = state.opening.clone() else {
            return Err(StoreError::invalid(
                "events",
                "an agreement's first event must open it",
            ));
        };

        let now = self.clock().now_micros();
        let mut prev_hash = head.hash.clone();
        let rows = chained(
            id.as_str(),
            request_id,
            now,
            expected,
            &mut prev_hash,
            events,
        )?;
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
            (true, snapshot) => Projection::Update(ProjectionUpdate {
                id: id.as_str().to_owned(),
                version,
                head_hash: prev_hash.clone(),
                updated_at: now,
                snapshot,
                status: (state.status != head.state.status)
                    .then(|| state.status.as_str().to_owned()),
                indicator_set: (state.indicator_set != head.state.indicator_set)
                    .then(|| state.indicator_set.map(|s| i32::from(s.get()))),
            }),
            (false, snapshot) => Projection::Whole(agreement::Model {
                id: id.as_str().to_owned(),
                area: opening.area.as_str().to_owned(),
                region: opening.region.code().to_owned(),
                status: state.status.as_str().to_owned(),
                version,
                indicator_set: state.indicator_set.map(|s| i32::from(s.get())),
                head_hash: prev_hash.clone(),
                updated_at: now,
                snapshot_version: version,
                snapshot: snapshot.unwrap_or_default(),
                round: round_of(&state),
            }),
        };

        // The targets whose projected columns changed (all of them when the
        // projection is being rebuilt).
        let mut changed = Vec::new();
        // A target the events did not touch is the very target the head
        // shares (its projection depends besides only on the round's policy,
        // fixed at opening), so it is passed over without comparing.
        for (tid, t) in &state.targets {
            let before = head.state.targets.get(tid);
            if head.projected && before.is_some_and(|b| Arc::ptr_eq(b, t)) {
                continue;
            }
            let row = TargetProjection::of(&state, t);
            let before = before
                .filter(|_| head.projected)
                .map(|b| TargetProjection::of(&head.state, b));
            if before.as_ref() == Some(&row) {
                continue;
            }
            let whole = Whole(before.is_none_or(|b| !b.same_indexed_columns(&row)));
            changed.push((row.into_model(id, t.id, now)?, whole));
        }

        // The idempotency record; its primary key refuses a request id
        // applied before, which rolls everything back.
        let record = idempotency_record(id.as_str(), request, expected, version, now);
        let rows = Rows {
            events: rows,
            projection,
            targets: changed,
            request: record,
        };
        let outcome = AppendOutcome {
            first_sequence: to_u64(expected + 1),
            last_sequence: to_u64(version),
            version: to_u64(version),
            replayed: false,
            target: events.iter().find_map(|e| e.change.target()),
        };
        let head = Head {
            version: to_u64(version),
            hash: prev_hash,
            state: Arc::new(state),
            projected: true,
            snapshot_version,
        };
        Ok(Plan {
            rows: Some(rows),
            outcome,
            head: Some(head),
        })
    }
}

/// The idempotency record of an append to `stream` that takes it from
/// version `expected` to `version`.
pub(super) fn idempotency_record(
    stream: &str,
    request: &Request,
    expected: i64,
    version: i64,
    now: DateTime<Utc>,
) -> request::Model {
    request::Model {
        agreement_id: stream.to_owned(),
        request_id: request.id().as_str().to_owned(),
        fingerprint: request.fingerprint().map(str::to_owned),
        first_sequence: expected + 1,
        last_sequence: version,
        version,
        created_at: now,
    }
}

/// The rows of `events` appended to `stream` after `version`, each hashed
/// over the one before (`head_hash`, left as the last one's hash): the
/// one place an event's row and hash are made, for every stream.
pub(super) fn chained<C: Recorded>(
    stream: &str,
    request_id: &str,
    recorded_at: DateTime<Utc>,
    version: i64,
    head_hash: &mut String,
    events: &[Event<C>],
) -> Result<Vec<EventRow>, StoreError> {
    let mut rows = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let sequence = version + 1 + i as i64;
        let payload = serde_json::to_value(e)
            .map(|v| canonical_json(&v))
            .map_err(|err| StoreError::invalid("events", err.to_string()))?;
        let kind = e.change.kind();
        let hash = HashInput {
            agreement_id: stream,
            sequence: to_u64(sequence),
            recorded_at,
            request_id,
            actor: &e.actor.principal,
            kind,
            payload: &payload,
            prev_hash: head_hash,
        }
        .hash();
        rows.push(EventRow {
            agreement_id: stream.to_owned(),
            sequence,
            recorded_at,
            actor: e.actor.principal.clone(),
            kind: kind.to_owned(),
            payload,
            request_id: request_id.to_owned(),
            prev_hash: std::mem::replace(head_hash, hash.clone()),
            hash,
        });
    }
    Ok(rows)
}

/// Every target's row of the `targets` table, for a projection written
/// whole (an imported history).
pub(super) fn target_rows(
    state: &Agreement,
    id: &AgreementId,
    now: DateTime<Utc>,
) -> Result<Vec<target::ActiveModel>, StoreError> {
    state
        .targets
        .values()
        .map(|t| {
            TargetProjection::of(state, t)
                .into_model(id, t.id, now)
                .map(target_active)
        })
        .collect()
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
    /// True when the columns the `targets` indexes hold (indicator and
    /// refresh due; the kind goes with the indicator) are the same.
    fn same_indexed_columns(&self, other: &Self) -> bool {
        self.indicator == other.indicator
            && self.kind == other.kind
            && self.due_refresh == other.due_refresh
    }

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
    ) -> Result<target::Model, StoreError> {
        let terms = self
            .agreed
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt(id.as_str(), 0, e.to_string()))?;
        let (indicator_number, local_code) = match self.indicator {
            IndicatorRef::National(n) => (Some(i32::from(n.get())), None),
            IndicatorRef::Local { code, .. } => (None, Some(code.as_str().to_owned())),
        };
        Ok(target::Model {
            agreement_id: id.as_str().to_owned(),
            target_id: i32::try_from(target.get()).map_err(|_| {
                StoreError::invalid("events", format!("target {} is out of range", target.get()))
            })?,
            indicator_number,
            local_code,
            kind: self.kind.as_str().to_owned(),
            status: self.status.as_str().to_owned(),
            terms,
            due_refresh: self.due_refresh.map(|r| r.as_str().to_owned()),
            updated_at: now,
        })
    }
}

/// The name of the round an agreement belongs to: its policy's, recorded
/// when it was opened.
pub(crate) fn round_of(state: &laa_core::Agreement) -> String {
    state.policy().map(|p| p.name.clone()).unwrap_or_default()
}
