//! Verifying a stream's hash chain: an agreement's, with its projection,
//! or any other stream's.

use std::collections::BTreeSet;

use laa_core::area::AreaChange;
use laa_core::indicator_sets::SetChange;
use laa_core::round::RoundChange;
use laa_core::{AgreementId, Change, Event, Recorded, StreamId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

use super::history::decode_snapshot;
use super::{Store, Verification, clamp_i64, stored};
use crate::entity::{agreement, event, target};
use crate::error::StoreError;
use crate::hash::{GENESIS_HASH, HashInput, canonical_json};

/// How many events [`Store::verify`] reads per query.
const VERIFY_PAGE: u64 = 1_000;

impl Store {
    /// Every agreement the event log holds events of, in order of id: what
    /// a verification of the whole database walks (with
    /// [`Store::streams_logged`]).
    pub async fn agreements_logged(&self) -> Result<Vec<AgreementId>, StoreError> {
        Ok(self
            .streams_logged()
            .await?
            .into_iter()
            .filter_map(|s| match s {
                StreamId::Agreement(id) => Some(id),
                _ => None,
            })
            .collect())
    }

    /// Every stream the event log holds events of, in order of name.
    pub async fn streams_logged(&self) -> Result<Vec<StreamId>, StoreError> {
        let ids: Vec<String> = event::Entity::find()
            .select_only()
            .column(event::Column::AgreementId)
            .distinct()
            .order_by_asc(event::Column::AgreementId)
            .into_tuple()
            .all(&self.inner.db)
            .await?;
        ids.into_iter()
            .map(|id| {
                StreamId::parse(&id).map_err(|e| StoreError::Corrupt {
                    problem: format!("a stream in the event log: {e}"),
                    agreement: id,
                    sequence: 0,
                })
            })
            .collect()
    }

    /// Walks the agreement's hash chain and reports the first sequence that
    /// is not what was appended: a changed row (its hash no longer matches
    /// its content), a missing one (a gap, or a history shorter than the
    /// agreement's recorded version), rows swapped or reordered (a broken
    /// link to the previous hash), or a payload that is no longer an event.
    /// [`StoreError::NotFound`] if the agreement has neither events nor a
    /// projection.
    pub async fn verify(&self, id: &AgreementId) -> Result<Verification, StoreError> {
        let stream = StreamId::Agreement(id.clone());
        let Chain {
            length,
            head_hash: prev_hash,
            mut first_bad,
        } = self.walk_chain(&stream).await?;
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
                let version = stored(&p.id, "agreements.version", p.version)?;
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
        if let Some(sequence) = first_bad {
            self.mark_broken(
                id,
                sequence,
                "verification found an event that is not what was appended",
            )
            .await?;
        }
        let mut projection_rebuilt = false;
        if first_bad.is_none()
            && let Some(row) = projection
            && !self.projection_holds(id, &row).await?
        {
            self.drop_projection(id).await?;
            projection_rebuilt = true;
        }
        Ok(Verification {
            ok: first_bad.is_none(),
            length,
            head_hash: prev_hash,
            first_bad_sequence: first_bad,
            projection_rebuilt,
        })
    }

    /// Walks any stream's hash chain (an agreement's with its projection,
    /// [`Store::verify`]; the others' alone: their projections are written
    /// by the same transactions and read by no rule).
    /// [`StoreError::NotFound`] if the stream holds no event.
    pub async fn verify_stream(&self, stream: &StreamId) -> Result<Verification, StoreError> {
        if let StreamId::Agreement(id) = stream {
            return self.verify(id).await;
        }
        let chain = self.walk_chain(stream).await?;
        if chain.length == 0 {
            return Err(StoreError::NotFound {
                what: "stream",
                key: stream.to_string(),
            });
        }
        if let Some(sequence) = chain.first_bad {
            self.mark_stream_broken(
                &stream.as_stored(),
                sequence,
                "verification found an event that is not what was appended",
            )
            .await?;
        }
        Ok(Verification {
            ok: chain.first_bad.is_none(),
            length: chain.length,
            head_hash: chain.head_hash,
            first_bad_sequence: chain.first_bad,
            projection_rebuilt: false,
        })
    }

    /// Reads a stream's events in order and finds the first that is not
    /// what was appended.
    async fn walk_chain(&self, stream: &StreamId) -> Result<Chain, StoreError> {
        let name = stream.as_stored();
        let mut expected_sequence: u64 = 1;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut first_bad: Option<u64> = None;
        let mut after: i64 = 0;
        let mut length: u64 = 0;
        loop {
            let rows = event::Entity::find()
                .filter(event::Column::AgreementId.eq(name.as_str()))
                .filter(event::Column::Sequence.gt(after))
                .order_by_asc(event::Column::Sequence)
                .limit(VERIFY_PAGE)
                .all(&self.inner.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.sequence;
            for row in &rows {
                length += 1;
                if first_bad.is_none() && !row_is_sound(stream, row, expected_sequence, &prev_hash)
                {
                    first_bad = Some(expected_sequence);
                }
                prev_hash.clone_from(&row.hash);
                expected_sequence += 1;
            }
            if (rows.len() as u64) < VERIFY_PAGE {
                break;
            }
        }
        Ok(Chain {
            length,
            head_hash: prev_hash,
            first_bad,
        })
    }

    /// True when an agreement's projection is the state its (sound) history
    /// replays to: the row's columns, its snapshot brought up to date, and
    /// the target rows' status and kind. Never answered from memory.
    async fn projection_holds(
        &self,
        id: &AgreementId,
        row: &agreement::Model,
    ) -> Result<bool, StoreError> {
        let Some(replayed) = self.replay(id).await? else {
            return Ok(false);
        };
        let columns_hold = stored(&row.id, "agreements.version", row.version)? == replayed.version
            && row.status == replayed.status.as_str()
            && row.indicator_set == replayed.indicator_set.map(|s| i32::from(s.get()));
        if !columns_hold {
            return Ok(false);
        }
        let Ok(mut state) = decode_snapshot(row) else {
            return Ok(false);
        };
        super::history::fold(self.connection(), id, &mut state, u64::MAX).await?;
        if state != replayed {
            return Ok(false);
        }
        let rows = target::Entity::find()
            .filter(target::Column::AgreementId.eq(id.as_str()))
            .all(self.connection())
            .await?;
        let projected: BTreeSet<(i64, String, String)> = rows
            .into_iter()
            .map(|t| (i64::from(t.target_id), t.status, t.kind))
            .collect();
        let expected: BTreeSet<(i64, String, String)> = replayed
            .targets
            .values()
            .map(|t| {
                (
                    i64::from(t.id.get()),
                    t.status.as_str().to_owned(),
                    t.kind.as_str().to_owned(),
                )
            })
            .collect();
        Ok(projected == expected)
    }

    /// Drops an agreement's projection rows, so that it is read by
    /// replaying its history and rewritten whole by its next append (the
    /// log is the record; the projection only follows it).
    async fn drop_projection(&self, id: &AgreementId) -> Result<(), StoreError> {
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        target::Entity::delete_many()
            .filter(target::Column::AgreementId.eq(id.as_str()))
            .exec(&txn)
            .await?;
        agreement::Entity::delete_by_id(id.as_str().to_owned())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.forget(id);
        Ok(())
    }
}

/// What walking a chain found.
struct Chain {
    /// How many events the stream holds.
    length: u64,
    /// The last one's hash ([`GENESIS_HASH`] for none).
    head_hash: String,
    /// The first sequence that is not what was appended.
    first_bad: Option<u64>,
}

/// True when a row sits where it should, links to the previous hash, and
/// hashes to its stored hash, and its payload is an event of its kind of
/// its stream's aggregate.
fn row_is_sound(
    stream: &StreamId,
    row: &event::Model,
    expected_sequence: u64,
    prev_hash: &str,
) -> bool {
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
    match stream {
        StreamId::Agreement(_) => is_event::<Change>(payload, row),
        StreamId::IndicatorSets => is_event::<SetChange>(payload, row),
        StreamId::Round(_) => is_event::<RoundChange>(payload, row),
        StreamId::Area(_) => is_event::<AreaChange>(payload, row),
    }
}

/// True when a payload is an event of the row's kind and actor.
fn is_event<C: Recorded>(payload: Value, row: &event::Model) -> bool {
    match serde_json::from_value::<Event<C>>(payload) {
        Ok(e) => e.change.kind() == row.kind && e.actor.principal == row.actor,
        Err(_) => false,
    }
}
