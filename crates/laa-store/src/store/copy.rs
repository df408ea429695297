//! Copying one database into a new one (an SQLite pilot onto PostgreSQL,
//! or back): each stream is exported in the history format
//! (docs/HISTORY_FORMAT.md) and imported as any export is, its chain
//! verified on the way in, its events written as they were recorded,
//! nothing re-hashed; and the bearer tokens (their hashes) are copied, so
//! that the same people sign in. Sessions, one-time sign-in links and
//! email subscriptions are not: people sign in again on the new database.
//!
//! The new database must hold no event: a database a server prepared has
//! begun the reference data's streams (the indicator sets, the 2008-11
//! round, the 150 areas) with genesis events of its own, which are not the
//! copied database's. So the target is opened with [`Schema::Copy`], which
//! gives it the schema and begins no stream, and the copy brings them.
//!
//! [`Schema::Copy`]: crate::options::Schema::Copy

use laa_core::StreamId;
use sea_orm::EntityTrait;

use super::import::{ExportedEvent, HISTORY_FORMAT};
use super::{Store, StreamEvent};
use crate::entity::credential;
use crate::error::StoreError;
use crate::hash::format_time;

/// How many events are read from the source at a time.
const PAGE: u64 = 1_000;

/// What a copy wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Each stream copied, in the order written, with its length and head
    /// hash (the same in both databases).
    pub streams: Vec<(StreamId, u64, String)>,
    /// How many bearer tokens (revoked and expired ones included).
    pub tokens: usize,
}

impl Copied {
    /// How many events, over every stream.
    pub fn events(&self) -> u64 {
        self.streams.iter().map(|(_, length, _)| length).sum()
    }

    /// How many of the streams are agreements'.
    pub fn agreements(&self) -> usize {
        self.streams
            .iter()
            .filter(|(s, _, _)| s.agreement().is_some())
            .count()
    }
}

impl Store {
    /// Copies every stream `source` holds, and its tokens, into this
    /// store, which must hold no stream and no token
    /// ([`StoreError::AlreadyExists`] otherwise): the reference data's
    /// streams first (the catalogue, then rounds and areas), so that every
    /// agreement lands in a database that knows its set, round and area.
    /// A stream that does not verify stops the copy there, naming it.
    pub async fn copy_from(&self, source: &Store) -> Result<Copied, StoreError> {
        if let Some(held) = self.streams_logged().await?.first() {
            return Err(StoreError::AlreadyExists {
                what: "stream",
                key: held.as_stored(),
            });
        }
        if let Some(held) = credential::Entity::find().one(self.connection()).await? {
            return Err(StoreError::AlreadyExists {
                what: "token",
                key: held.id,
            });
        }
        let mut streams = source.streams_logged().await?;
        // The catalogue, then rounds, then areas, then agreements.
        streams.sort_by_key(|s| match s {
            StreamId::IndicatorSets => 0,
            StreamId::Round(_) => 1,
            StreamId::Area(_) => 2,
            StreamId::Agreement(_) => 3,
        });
        let mut copied = Copied {
            streams: Vec::with_capacity(streams.len()),
            tokens: 0,
        };
        for stream in streams {
            let export = source.export_stream(&stream).await?;
            let imported = self.import_history(&export).await.map_err(|e| match e {
                StoreError::InvalidArgument { problem, .. } => StoreError::InvalidArgument {
                    field: "history",
                    problem: format!("{}: {problem}", stream.as_stored()),
                },
                other => other,
            })?;
            copied
                .streams
                .push((stream, imported.length, imported.head_hash));
        }
        copied.tokens = self.copy_credentials_from(source).await?;
        Ok(copied)
    }

    /// A stream's whole history in the export format, one line an event.
    pub async fn export_stream(&self, stream: &StreamId) -> Result<String, StoreError> {
        let mut text = String::new();
        let mut from = 1;
        loop {
            let page = self.stream_events(stream, from, PAGE).await?;
            let Some(last) = page.last() else { break };
            from = last.sequence + 1;
            for event in page {
                text.push_str(&export_line(event)?);
                text.push('\n');
            }
        }
        Ok(text)
    }
}

/// One event as a line of an export.
fn export_line(event: StreamEvent) -> Result<String, StoreError> {
    let payload = serde_json::from_str(&event.payload)
        .map_err(|e| StoreError::corrupt(&event.stream, event.sequence, e.to_string()))?;
    let line = ExportedEvent {
        format: HISTORY_FORMAT.to_owned(),
        agreement_id: event.stream,
        sequence: event.sequence,
        recorded_at: format_time(event.recorded_at),
        request_id: event.request_id,
        actor: event.event.actor.principal,
        kind: event.kind,
        payload,
        prev_hash: event.prev_hash,
        hash: event.hash,
    };
    serde_json::to_string(&line)
        .map_err(|e| StoreError::corrupt(&line.agreement_id, line.sequence, e.to_string()))
}
