//! Importing an exported history (docs/HISTORY_FORMAT.md) into a database
//! that does not hold the agreement: the chain is verified first, and the
//! events are written exactly as exported (times, request ids, hashes),
//! nothing re-hashed. This is also how a historic round is loaded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use laa_core::{AgreementId, Event, replay};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use serde_json::Value;

use super::plan::target_rows;
use super::{Store, to_i64};
use crate::entity::{agreement, event, request};
use crate::error::StoreError;
use crate::hash::{GENESIS_HASH, HashInput, canonical_json, format_time};

/// The format name every exported line carries.
pub const HISTORY_FORMAT: &str = "laa.history.v1";

/// One line of an exported history: every hashed field, exactly as hashed.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportedEvent {
    /// [`HISTORY_FORMAT`].
    pub format: String,
    /// The agreement id, such as `kent-2008-11`.
    pub agreement_id: String,
    /// 1, 2, 3... without gaps.
    pub sequence: u64,
    /// RFC 3339, UTC, six fractional digits.
    pub recorded_at: String,
    /// The request that produced it.
    pub request_id: String,
    /// The acting principal.
    pub actor: String,
    /// The event's kind.
    pub kind: String,
    /// The event itself (its canonical JSON is what is hashed).
    pub payload: Value,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// What an import loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The agreement.
    pub agreement: AgreementId,
    /// How many events.
    pub length: u64,
    /// The last event's hash.
    pub head_hash: String,
}

/// Parses an export (one JSON object a line; blank lines ignored) and
/// verifies its chain without any database: every line in sequence, linked
/// to the one before, hashing to its stored hash, its payload an event of
/// its kind. The error names the first bad sequence.
pub fn parse_and_verify(text: &str) -> Result<Vec<(ExportedEvent, Event)>, StoreError> {
    let mut out = Vec::new();
    let mut prev = GENESIS_HASH.to_owned();
    let bad = |sequence: u64, problem: String| StoreError::InvalidArgument {
        field: "history",
        problem: format!("sequence {sequence}: {problem}"),
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let expected = out.len() as u64 + 1;
        let e: ExportedEvent =
            serde_json::from_str(line).map_err(|err| bad(expected, err.to_string()))?;
        if e.format != HISTORY_FORMAT {
            return Err(bad(
                expected,
                format!("format '{}' is not {HISTORY_FORMAT}", e.format),
            ));
        }
        if e.sequence != expected {
            return Err(bad(expected, format!("found sequence {}", e.sequence)));
        }
        if out
            .first()
            .is_some_and(|(first, _): &(ExportedEvent, Event)| first.agreement_id != e.agreement_id)
        {
            return Err(bad(expected, "another agreement's event".into()));
        }
        if e.prev_hash != prev {
            return Err(bad(expected, "does not link to the previous event".into()));
        }
        let recorded_at = parse_time(&e.recorded_at).ok_or_else(|| {
            bad(
                expected,
                "recorded_at is not RFC 3339 with six digits".into(),
            )
        })?;
        let hash = HashInput {
            agreement_id: &e.agreement_id,
            sequence: e.sequence,
            recorded_at,
            request_id: &e.request_id,
            actor: &e.actor,
            kind: &e.kind,
            payload: &canonical_json(&e.payload),
            prev_hash: &e.prev_hash,
        }
        .hash();
        if hash != e.hash {
            return Err(bad(expected, "its hash does not match its content".into()));
        }
        let event: Event = serde_json::from_value(e.payload.clone())
            .map_err(|err| bad(expected, format!("payload: {err}")))?;
        if event.change.kind() != e.kind || event.actor.principal != e.actor {
            return Err(bad(
                expected,
                "payload is not an event of its kind and actor".into(),
            ));
        }
        prev = hash;
        out.push((e, event));
    }
    if out.is_empty() {
        return Err(bad(1, "the history is empty".into()));
    }
    Ok(out)
}

/// An exported time: exactly as [`format_time`] writes it.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    (format_time(at) == text).then_some(at)
}

impl Store {
    /// Imports an exported history (see [`parse_and_verify`]) as a new
    /// agreement: refused with [`StoreError::AlreadyExists`] if the database
    /// holds it already, with [`StoreError::InvalidArgument`] naming the
    /// first bad sequence if the chain does not verify. The events are
    /// written as exported, with the projection their replay gives.
    pub async fn import_history(&self, text: &str) -> Result<Imported, StoreError> {
        self.check_writable()?;
        let events = parse_and_verify(text)?;
        let first = &events[0].0;
        let id = AgreementId::new(first.agreement_id.clone()).map_err(|e| {
            StoreError::InvalidArgument {
                field: "history",
                problem: e.to_string(),
            }
        })?;
        let domain: Vec<Event> = events.iter().map(|(_, e)| e.clone()).collect();
        let state = replay(id.clone(), &domain);
        let Some(opening) = state.opening.clone() else {
            return Err(StoreError::InvalidArgument {
                field: "history",
                problem: "sequence 1: an agreement's first event must open it".into(),
            });
        };
        let last = &events[events.len() - 1].0;
        let version = to_i64("history", last.sequence)?;
        let now = self.clock().now_micros();

        let txn = self.begin_write().await?;
        if agreement::Entity::find_by_id(id.as_str().to_owned())
            .one(&txn)
            .await?
            .is_some()
            || event::Entity::find()
                .filter_agreement(id.as_str())
                .one(&txn)
                .await?
                .is_some()
        {
            return Err(StoreError::AlreadyExists {
                what: "agreement",
                key: id.to_string(),
            });
        }
        let mut rows = Vec::with_capacity(events.len());
        let mut requests: BTreeMap<String, (i64, i64, DateTime<Utc>)> = BTreeMap::new();
        for (e, _) in &events {
            let sequence = to_i64("history", e.sequence)?;
            let recorded_at = parse_time(&e.recorded_at).unwrap_or(now);
            rows.push(event::ActiveModel {
                id: NotSet,
                agreement_id: Set(e.agreement_id.clone()),
                sequence: Set(sequence),
                recorded_at: Set(recorded_at),
                actor: Set(e.actor.clone()),
                kind: Set(e.kind.clone()),
                payload: Set(canonical_json(&e.payload)),
                request_id: Set(e.request_id.clone()),
                prev_hash: Set(e.prev_hash.clone()),
                hash: Set(e.hash.clone()),
            });
            // One idempotency record per request, over its events.
            requests
                .entry(e.request_id.clone())
                .and_modify(|(_, last, _)| *last = sequence)
                .or_insert((sequence, sequence, recorded_at));
        }
        let requests: Vec<request::ActiveModel> = requests
            .into_iter()
            .map(|(rid, (first, last, at))| request_row(&id, (rid, first, last, at)))
            .collect();
        for chunk in rows.chunks(500) {
            event::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        agreement::Entity::insert(agreement::ActiveModel {
            id: Set(id.as_str().to_owned()),
            area: Set(opening.area.as_str().to_owned()),
            region: Set(opening.region.code().to_owned()),
            status: Set(state.status.as_str().to_owned()),
            version: Set(version),
            indicator_set: Set(state.indicator_set.map(|s| i32::from(s.get()))),
            head_hash: Set(last.hash.clone()),
            updated_at: Set(now),
            snapshot_version: Set(version),
            snapshot: Set(serde_json::to_string(&state)
                .map_err(|e| StoreError::corrupt(id.as_str(), last.sequence, e.to_string()))?),
        })
        .exec_without_returning(&txn)
        .await?;
        let targets = target_rows(&state, &id, now)?;
        if !targets.is_empty() {
            target_insert(targets, &txn).await?;
        }
        for chunk in requests.chunks(500) {
            request::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        self.forget(&id);
        Ok(Imported {
            agreement: id,
            length: last.sequence,
            head_hash: last.hash.clone(),
        })
    }
}

fn request_row(
    id: &AgreementId,
    (request_id, first, last, at): (String, i64, i64, DateTime<Utc>),
) -> request::ActiveModel {
    request::ActiveModel {
        agreement_id: Set(id.as_str().to_owned()),
        request_id: Set(request_id),
        first_sequence: Set(first),
        last_sequence: Set(last),
        version: Set(last),
        created_at: Set(at),
        // An export carries no fingerprints: a reuse of an imported
        // request id is recognised by principal and kind of command.
        fingerprint: Set(None),
    }
}

async fn target_insert(
    rows: Vec<crate::entity::target::ActiveModel>,
    db: &impl ConnectionTrait,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        crate::entity::target::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

trait FilterAgreement {
    fn filter_agreement(self, id: &str) -> Self;
}

impl FilterAgreement for sea_orm::Select<event::Entity> {
    fn filter_agreement(self, id: &str) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(event::Column::AgreementId.eq(id))
    }
}
