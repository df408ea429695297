//! Rounds as data: each negotiating round's policy (DOMAIN.md 5).
//!
//! The 2008-11 round is loaded on first start (like the other reference
//! data); administrators create later rounds. A round's policy is validated
//! as a whole by `laa-core` ([`RoundPolicy::validate`]) against the indicator
//! set it is bound to before it is stored, and it is never edited: an
//! agreement records the policy it was opened under in its first event.

use laa_core::{RoundPolicy, SetStatus, SetVersion};
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};

use crate::entity::round;
use crate::error::{StoreError, is_unique_violation};
use crate::store::Store;

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
use laa_core::policy::DEFAULT_ROUND_SET;

impl Store {
    /// Loads the 2008-11 round if it is not yet in the database.
    pub(crate) async fn seed_rounds(&self) -> Result<(), StoreError> {
        if round::Entity::find_by_id(DEFAULT_ROUND.to_owned())
            .one(self.connection())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let set = SetVersion::new(DEFAULT_ROUND_SET)
            .map_err(|e| StoreError::corrupt("rounds", 0, e.problem))?;
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        round::Entity::insert(model(
            &RoundPolicy::round_2008_11(),
            set,
            self.clock().now_micros(),
        )?)
        .on_conflict_do_nothing_on([round::Column::Name])
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Creates a round bound to the published indicator set `set`, after
    /// checking its policy as a whole ([`StoreError::AlreadyExists`] if its
    /// name is taken, [`StoreError::NotFound`] for an unknown set).
    pub async fn create_round(
        &self,
        policy: RoundPolicy,
        set: SetVersion,
    ) -> Result<RoundRecord, StoreError> {
        let (catalogue, _) = self.refresh_catalogue().await?;
        let bound = catalogue.set(set).ok_or_else(|| StoreError::NotFound {
            what: "indicator set",
            key: set.to_string(),
        })?;
        if bound.status != SetStatus::Published {
            return Err(StoreError::invalid(
                "indicator_set",
                format!("the {set} set is a draft: a round is bound to a published set"),
            ));
        }
        policy
            .validate(bound)
            .map_err(|e| StoreError::invalid(e.field, e.problem))?;
        let created_at = self.clock().now_micros();
        let row = model(&policy, set, created_at)?;
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        match round::Entity::insert(row.clone())
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => txn.commit().await?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists {
                    what: "round",
                    key: policy.name.clone(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        Ok(RoundRecord {
            policy,
            indicator_set: set,
            created_at,
        })
    }

    /// One round, if it exists.
    pub async fn round(&self, name: &str) -> Result<Option<RoundRecord>, StoreError> {
        round::Entity::find_by_id(name.to_owned())
            .one(self.connection())
            .await?
            .map(decode)
            .transpose()
    }

    /// Every round, by name.
    pub async fn rounds(&self) -> Result<Vec<RoundRecord>, StoreError> {
        round::Entity::find()
            .order_by_asc(round::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}

fn model(
    policy: &RoundPolicy,
    set: SetVersion,
    created_at: chrono::DateTime<chrono::Utc>,
) -> Result<round::ActiveModel, StoreError> {
    let json = serde_json::to_string(policy)
        .map_err(|e| StoreError::corrupt("rounds", 0, e.to_string()))?;
    Ok(round::ActiveModel {
        name: Set(policy.name.clone()),
        indicator_set: Set(i32::from(set.get())),
        policy: Set(json),
        created_at: Set(created_at),
    })
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
