//! Importing an exported history (docs/HISTORY_FORMAT.md) into a database
//! that does not hold its stream: the chain is verified first, and the
//! events are written exactly as exported (times, request ids, hashes),
//! nothing re-hashed, with the projection their replay gives. An
//! agreement's history is how a historic round is loaded; the reference
//! data's streams (the indicator sets, rounds, areas) are imported the
//! same way, which is how a whole database is copied to another.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use laa_core::area::Area;
use laa_core::indicator_sets::IndicatorSets;
use laa_core::round::Round;
use laa_core::stream::Recorded;
use laa_core::{AgreementId, Event, StreamId, replay};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use serde_json::Value;

use super::plan::target_rows;
use super::{Store, to_i64};
use crate::entity::{agreement, event, request};
use crate::error::StoreError;
use crate::hash::{GENESIS_HASH, HashInput, canonical_json, format_time};
use crate::stored::Stored;

/// The format name every exported line carries.
pub const HISTORY_FORMAT: &str = "laa.history.v1";

/// One line of an exported history: every hashed field, exactly as hashed.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
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
    /// The stream: an agreement, or one of the reference data's.
    pub stream: StreamId,
    /// How many events.
    pub length: u64,
    /// The last event's hash.
    pub head_hash: String,
}

/// Parses an agreement's export (one JSON object a line; blank lines
/// ignored) and verifies its chain without any database: every line in
/// sequence, linked to the one before, hashing to its stored hash, its
/// payload an agreement's event of its kind. The error names the first bad
/// sequence.
pub fn parse_and_verify(text: &str) -> Result<Vec<(ExportedEvent, Event)>, StoreError> {
    parse_and_verify_as(text)
}

/// [`parse_and_verify`] for the stream of any aggregate, whose events
/// record changes of type `C`.
pub fn parse_and_verify_as<C: Recorded>(
    text: &str,
) -> Result<Vec<(ExportedEvent, Event<C>)>, StoreError> {
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
            .is_some_and(|(first, _): &(ExportedEvent, Event<C>)| {
                first.agreement_id != e.agreement_id
            })
        {
            return Err(bad(expected, "another stream's event".into()));
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
        let event: Event<C> = serde_json::from_value(e.payload.clone())
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

/// The stream an export is of, read from its first line (the chain is
/// verified when it is imported).
fn stream_of(text: &str) -> Result<StreamId, StoreError> {
    #[derive(Deserialize)]
    struct Named {
        agreement_id: String,
    }
    let bad = |problem: String| StoreError::InvalidArgument {
        field: "history",
        problem: format!("sequence 1: {problem}"),
    };
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| bad("the history is empty".into()))?;
    let named: Named = serde_json::from_str(first).map_err(|e| bad(e.to_string()))?;
    StreamId::parse(&named.agreement_id).map_err(|e| bad(e.to_string()))
}

impl Store {
    /// Imports an exported history (see [`parse_and_verify`]) of any
    /// stream: an agreement's, or a reference stream's (the indicator
    /// sets, a round, an area). Refused with [`StoreError::AlreadyExists`]
    /// if the database holds the stream already, with
    /// [`StoreError::InvalidArgument`] naming the first bad sequence if the
    /// chain does not verify. The events are written as exported, with the
    /// projection their replay gives, in one transaction.
    pub async fn import_history(&self, text: &str) -> Result<Imported, StoreError> {
        self.check_writable()?;
        match stream_of(text)? {
            StreamId::Agreement(_) => self.import_agreement(text).await,
            stream @ StreamId::IndicatorSets => {
                let imported = self.import_stream::<IndicatorSets>(&stream, text).await?;
                // What `decide` is given next, here and on the database's
                // other servers, is the catalogue the import holds.
                self.refresh_catalogue().await?;
                if let Err(error) = self.announce_names(&[stream.as_stored().as_str()]).await {
                    tracing::warn!(%error, "cannot tell the other servers of the imported catalogue; they read it when a command needs it");
                }
                Ok(imported)
            }
            stream @ StreamId::Round(_) => self.import_stream::<Round>(&stream, text).await,
            stream @ StreamId::Area(_) => self.import_stream::<Area>(&stream, text).await,
        }
    }

    /// Imports a reference stream's history (see [`Store::import_history`]).
    async fn import_stream<A: Stored>(
        &self,
        stream: &StreamId,
        text: &str,
    ) -> Result<Imported, StoreError> {
        let events = parse_and_verify_as::<A::Change>(text)?;
        let name = stream.as_stored();
        if events[0].0.agreement_id != name {
            return Err(StoreError::invalid(
                "history",
                format!(
                    "sequence 1: the stream is named {name} in one form and {} in another",
                    events[0].0.agreement_id
                ),
            ));
        }
        let domain: Vec<Event<A::Change>> = events.iter().map(|(_, e)| e.clone()).collect();
        let projection = A::projection(&domain)?.0;
        let last = &events[events.len() - 1].0;
        let now = self.clock().now_micros();
        let txn = self.begin_write().await?;
        if event::Entity::find()
            .filter_agreement(&name)
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(StoreError::AlreadyExists {
                what: "stream",
                key: name,
            });
        }
        write_exported(&events, now, &txn).await?;
        for write in projection {
            txn.execute_raw(write.statement(self.backend())).await?;
        }
        txn.commit().await?;
        Ok(Imported {
            stream: stream.clone(),
            length: last.sequence,
            head_hash: last.hash.clone(),
        })
    }

    /// Imports an agreement's history (see [`Store::import_history`]).
    async fn import_agreement(&self, text: &str) -> Result<Imported, StoreError> {
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
        write_exported(&events, now, &txn).await?;
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
            round: Set(super::plan::round_of(&state)),
        })
        .exec_without_returning(&txn)
        .await?;
        let targets = target_rows(&state, &id, now)?;
        if !targets.is_empty() {
            target_insert(targets, &txn).await?;
        }
        txn.commit().await?;
        self.forget(&id);
        Ok(Imported {
            stream: StreamId::Agreement(id),
            length: last.sequence,
            head_hash: last.hash.clone(),
        })
    }
}

/// Writes an exported history's rows as they were recorded: its events,
/// and one idempotency record per request over its events.
async fn write_exported<C>(
    events: &[(ExportedEvent, Event<C>)],
    now: DateTime<Utc>,
    db: &impl ConnectionTrait,
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(events.len());
    let mut requests: BTreeMap<String, (i64, i64, DateTime<Utc>)> = BTreeMap::new();
    let mut stream = String::new();
    for (e, _) in events {
        let sequence = to_i64("history", e.sequence)?;
        let recorded_at = parse_time(&e.recorded_at).unwrap_or(now);
        stream.clone_from(&e.agreement_id);
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
        requests
            .entry(e.request_id.clone())
            .and_modify(|(_, last, _)| *last = sequence)
            .or_insert((sequence, sequence, recorded_at));
    }
    let requests = requests
        .into_iter()
        .map(|(request_id, (first, last, at))| request::ActiveModel {
            agreement_id: Set(stream.clone()),
            request_id: Set(request_id),
            first_sequence: Set(first),
            last_sequence: Set(last),
            version: Set(last),
            created_at: Set(at),
            // An export carries no fingerprints: a reuse of an imported
            // request id is recognised by principal and kind of command.
            fingerprint: Set(None),
        })
        .collect::<Vec<_>>();
    for chunk in rows.chunks(500) {
        event::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    for chunk in requests.chunks(500) {
        request::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
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
