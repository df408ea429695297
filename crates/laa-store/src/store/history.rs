//! Reading agreements back: heads, snapshots, whole histories.

use std::sync::Arc;

use laa_core::{Agreement, AgreementId, Event, apply};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Head, Store, StoredEvent, clamp_i64, stored};
use crate::entity::{agreement, event};
use crate::error::StoreError;
use crate::hash::GENESIS_HASH;

/// How many events are read at a time when a history is folded into a
/// state: a long history is never held whole in memory, only its state.
pub const REPLAY_PAGE: u64 = 1_000;

impl Store {
    /// The agreement's current version (0 if it has no events).
    pub async fn current_version(&self, id: &AgreementId) -> Result<u64, StoreError> {
        let version: Option<i64> = agreement::Entity::find_by_id(id.as_str().to_owned())
            .select_only()
            .column(agreement::Column::Version)
            .into_tuple()
            .one(&self.inner.db)
            .await?;
        match version {
            Some(v) => stored(id.as_str(), "agreements.version", v),
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
        last.flatten()
            .map_or(Ok(0), |v| stored(id.as_str(), "events.sequence", v))
    }

    /// The agreement's current state, or `None` if it has no events.
    ///
    /// The state this store last appended or loaded, when the database is
    /// still at its version; otherwise the stored snapshot with the few
    /// events recorded since it applied; without a projection, the whole
    /// history replayed. [`Store::replay`] always replays.
    pub async fn load(&self, id: &AgreementId) -> Result<Option<Agreement>, StoreError> {
        Ok(self.load_shared(id).await?.map(Arc::unwrap_or_clone))
    }

    /// The state this store last committed or loaded of an agreement,
    /// without asking the database whether it is still current: what a
    /// writer may decide against, because the database refuses a write
    /// built on a stale head (the unique key on the next sequence). A
    /// caller must not answer a refusal decided against it without loading
    /// the current state first ([`Store::load_shared`]). `None` if this
    /// store holds no head of the agreement.
    pub fn recall(&self, id: &AgreementId) -> Option<Arc<Agreement>> {
        self.recalled(id).map(|head| head.state.clone())
    }

    /// [`Store::load`], sharing the state with this store's memory of the
    /// agreement instead of copying it: what a reader that only renders it
    /// wants.
    pub async fn load_shared(
        &self,
        id: &AgreementId,
    ) -> Result<Option<Arc<Agreement>>, StoreError> {
        // A sole writer's remembered head is the current one: nothing else
        // appends to this database.
        if self.is_sole_writer()
            && let Some(head) = self.recalled(id)
        {
            return Ok(Some(head.state.clone()));
        }
        // The version and head hash first: when this store remembers that
        // head, the snapshot need not be read at all.
        let at = self.version_and_hash(id).await?;
        let Some((version, hash)) = at else {
            return Ok(self.replay(id).await?.map(Arc::new));
        };
        if let Some(head) = self.recalled(id).filter(|h| {
            stored(id.as_str(), "agreements.version", version).is_ok_and(|v| v == h.version)
                && h.hash == hash
        }) {
            return Ok(Some(head.state.clone()));
        }
        let Some(row) = agreement::Entity::find_by_id(id.as_str().to_owned())
            .one(&self.inner.db)
            .await?
        else {
            return Ok(self.replay(id).await?.map(Arc::new));
        };
        let head = match self.head_of(&self.inner.db, row).await {
            Ok(head) => head,
            Err(e) => return Err(self.found_broken(id, e).await),
        };
        let state = head.state.clone();
        self.remember(id, Arc::new(head));
        Ok(Some(state))
    }

    /// The projection row's version and head hash: one small indexed read,
    /// a statement prepared once per connection (on every read of an
    /// agreement, so it skips the query builder).
    async fn version_and_hash(
        &self,
        id: &AgreementId,
    ) -> Result<Option<(i64, String)>, StoreError> {
        use sea_orm::sqlx;
        let found = match self.inner.backend {
            crate::options::Backend::Sqlite => {
                sqlx::query_as("SELECT version, head_hash FROM agreements WHERE id = ?")
                    .bind(id.as_str())
                    .fetch_optional(self.connection().get_sqlite_connection_pool())
                    .await
            }
            crate::options::Backend::Postgres => {
                sqlx::query_as("SELECT version, head_hash FROM agreements WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(self.connection().get_postgres_connection_pool())
                    .await
            }
        };
        found.map_err(super::db_err)
    }

    /// An agreement's head from its projection row: the remembered one if
    /// it is at the row's version, or the snapshot brought up to date.
    pub(crate) async fn head_of<C: ConnectionTrait>(
        &self,
        db: &C,
        row: agreement::Model,
    ) -> Result<Head, StoreError> {
        let version = stored(&row.id, "agreements.version", row.version)?;
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
            fold(db, &id, &mut state, version).await?;
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
            state: Arc::new(state),
            projected: true,
            snapshot_version: stored(&row.id, "agreements.snapshot_version", row.snapshot_version)?,
        })
    }

    /// The agreement's state rebuilt from its whole history alone, or `None`
    /// if it has no events.
    pub async fn replay(&self, id: &AgreementId) -> Result<Option<Agreement>, StoreError> {
        let mut state = Agreement::unopened(id.clone());
        fold(&self.inner.db, id, &mut state, u64::MAX).await?;
        Ok((state.version > 0).then_some(state))
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
}

impl crate::roles::Queries {
    /// The `limit` events last recorded on any agreement, newest first
    /// (what an auditor's inbox shows as recent activity). The reference
    /// data's streams, whose names hold a `/`, are not agreements.
    pub async fn recent_events(&self, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::AgreementId.not_like("%/%"))
            .order_by_desc(event::Column::Id)
            .limit(limit.min(i64::MAX as u64))
            .all(self.store.connection())
            .await?;
        rows.into_iter().map(decode_event).collect()
    }
}

/// Applies to `state` the events of `id` whose sequence is after the
/// state's version and at most `through`, in order, read [`REPLAY_PAGE`]
/// at a time; the hash of the last one applied (`None` if none was).
pub(super) async fn fold<C: ConnectionTrait>(
    db: &C,
    id: &AgreementId,
    state: &mut Agreement,
    through: u64,
) -> Result<Option<String>, StoreError> {
    let mut hash = None;
    // The last sequence read: a history with a gap (which verification
    // reports) is still applied event by event, each once.
    let mut after = clamp_i64(state.version);
    loop {
        let page = event::Entity::find()
            .filter(event::Column::AgreementId.eq(id.as_str()))
            .filter(event::Column::Sequence.gt(after))
            .filter(event::Column::Sequence.lte(clamp_i64(through)))
            .order_by_asc(event::Column::Sequence)
            .limit(REPLAY_PAGE)
            .all(db)
            .await?;
        let full = page.len() as u64 == REPLAY_PAGE;
        for row in page {
            after = row.sequence;
            let stored = decode_event(row)?;
            apply(state, &stored.event);
            hash = Some(stored.hash);
        }
        if !full {
            return Ok(hash);
        }
    }
}

pub(super) fn decode_snapshot(row: &agreement::Model) -> Result<Agreement, StoreError> {
    let state: Agreement = serde_json::from_str(&row.snapshot)
        .map_err(|e| StoreError::corrupt(&row.id, 0, format!("snapshot: {e}")))?;
    if state.version != stored(&row.id, "agreements.snapshot_version", row.snapshot_version)?
        || state.id.as_str() != row.id
    {
        return Err(StoreError::corrupt(
            &row.id,
            0,
            "the snapshot is of another agreement or version",
        ));
    }
    Ok(state)
}

pub(super) fn decode_event(row: event::Model) -> Result<StoredEvent, StoreError> {
    let sequence = stored(&row.agreement_id, "events.sequence", row.sequence)?;
    let agreement = AgreementId::new(row.agreement_id.clone())
        .map_err(|e| StoreError::corrupt(&row.agreement_id, sequence, e.to_string()))?;
    let event: Event = serde_json::from_str(&row.payload)
        .map_err(|e| StoreError::corrupt(&row.agreement_id, sequence, format!("payload: {e}")))?;
    Ok(StoredEvent {
        global_id: stored(&row.agreement_id, "events.id", row.id)?,
        agreement,
        sequence,
        recorded_at: row.recorded_at,
        request_id: row.request_id,
        kind: row.kind,
        event,
        payload: row.payload,
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
}

/// Reads an agreement's head inside a write transaction: from its
/// projection row, or, without one, by replaying its history (a new
/// agreement, or one whose projection was lost: the log is the record).
pub(super) async fn read_head<C: ConnectionTrait>(
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
    let mut state = Agreement::unopened(id.clone());
    let hash = fold(txn, id, &mut state, u64::MAX)
        .await?
        .unwrap_or_else(|| GENESIS_HASH.to_owned());
    Ok(Head {
        version: state.version,
        hash,
        state: Arc::new(state),
        projected: false,
        snapshot_version: 0,
    })
}
