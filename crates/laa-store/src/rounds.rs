//! Rounds as data: each negotiating round's policy (DOMAIN.md 5).
//!
//! The `rounds` table is the projection of the rounds' streams
//! (`laa_core::round`: the 2008-11 round begun on a new database, later
//! ones created by administrators); this module reads it.

use laa_core::{RoundPolicy, SetVersion};
use sea_orm::{EntityTrait, QueryOrder};

use crate::entity::round;
use crate::error::StoreError;
use crate::roles::Queries;

/// One stored round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRecord {
    /// Its whole policy.
    pub policy: RoundPolicy,
    /// The indicator set version it was validated against.
    pub indicator_set: SetVersion,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub use laa_core::policy::DEFAULT_ROUND;

impl Queries {
    /// One round, if it exists.
    pub async fn round(&self, name: &str) -> Result<Option<RoundRecord>, StoreError> {
        round::Entity::find_by_id(name.to_owned())
            .one(self.store.connection())
            .await?
            .map(decode)
            .transpose()
    }

    /// Every round, by name.
    pub async fn rounds(&self) -> Result<Vec<RoundRecord>, StoreError> {
        round::Entity::find()
            .order_by_asc(round::Column::Name)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}

fn decode(row: round::Model) -> Result<RoundRecord, StoreError> {
    let policy: RoundPolicy = serde_json::from_str(&row.policy)
        .map_err(|e| StoreError::corrupt("rounds", 0, format!("{}: {e}", row.name)))?;
    let indicator_set = u16::try_from(row.indicator_set)
        .ok()
        .and_then(|v| SetVersion::new(v).ok())
        .ok_or_else(|| StoreError::corrupt("rounds", 0, format!("{}: bad set", row.name)))?;
    Ok(RoundRecord {
        policy,
        indicator_set,
        created_at: row.created_at,
    })
}
