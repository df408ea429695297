//! Email notifications: who asked to be told when something starts waiting
//! on them, at which address, and what they have been told of.
//!
//! A subscription belongs to a token (the person signs in with it) and
//! lives no longer than it: a revoked or expired token's holder is told
//! nothing; a rotated token's subscription follows the new one. What waits on a person is the workspace's to compute; the
//! store keeps only the keys of the items told, so that a restarted server
//! sends nothing twice and, of several servers of one database, only the
//! one that changes the set first ([`Store::replace_notified`]) sends.

use std::collections::BTreeSet;

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};

use crate::credentials::{Principal, TokenId};
use crate::entity::notification_subscription;
use crate::error::StoreError;
use crate::roles::Notifications;
use crate::sessions::live_principal;

/// The longest address kept (RFC 5321's limit on a path).
pub const MAX_EMAIL_LEN: usize = 254;

/// How many times a change of the told set is tried again when another
/// server changed it meanwhile.
const TRIES: usize = 5;

/// One person's choice, and what they have been told of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The token the person signs in with.
    pub token_id: TokenId,
    /// Where to write (empty only while `enabled` is false).
    pub email: String,
    /// True while the person wants to be told.
    pub enabled: bool,
    /// The keys of the items told, or being told.
    pub notified: BTreeSet<String>,
    /// The told set's version, for [`Store::replace_notified`].
    pub version: i64,
}

fn decode(model: notification_subscription::Model) -> Result<Subscription, StoreError> {
    let notified = serde_json::from_str(&model.notified).map_err(|e| {
        StoreError::corrupt("notification_subscriptions", 0, format!("notified: {e}"))
    })?;
    Ok(Subscription {
        token_id: TokenId::new(model.token_id),
        email: model.email,
        enabled: model.enabled,
        notified,
        version: model.version,
    })
}

/// Moves `old`'s subscription to `new` (a token rotated: same holder), in
/// the rotation's transaction.
pub(crate) async fn carry_subscription(
    txn: &sea_orm::DatabaseTransaction,
    old: &TokenId,
    new: &TokenId,
) -> Result<(), StoreError> {
    notification_subscription::Entity::update_many()
        .col_expr(
            notification_subscription::Column::TokenId,
            sea_orm::sea_query::Expr::value(new.as_str()),
        )
        .filter(notification_subscription::Column::TokenId.eq(old.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

fn encode(keys: &BTreeSet<String>) -> String {
    serde_json::to_string(keys).unwrap_or_else(|_| "[]".to_owned())
}

impl Notifications {
    /// The subscription of token `token`, if its holder ever gave one.
    pub async fn subscription(&self, token: &TokenId) -> Result<Option<Subscription>, StoreError> {
        notification_subscription::Entity::find_by_id(token.as_str().to_owned())
            .one(self.store.connection())
            .await?
            .map(decode)
            .transpose()
    }

    /// Records the choice of the live token `token`'s holder: `email`
    /// (checked by the caller against the address syntax; empty only when
    /// `enabled` is false) and whether to be told. When this turns
    /// notifications on (a new subscription, or one that was off),
    /// `waiting_now` becomes the told set: a person is told of what starts
    /// waiting after they asked, not of what they can already see.
    /// [`StoreError::InvalidArgument`] for an empty or over-long address;
    /// [`StoreError::NotFound`] if the token is not live.
    pub async fn save_subscription(
        &self,
        token: &TokenId,
        email: &str,
        enabled: bool,
        waiting_now: &BTreeSet<String>,
    ) -> Result<Subscription, StoreError> {
        let email = email.trim();
        if enabled && email.is_empty() {
            return Err(StoreError::invalid(
                "email",
                "an address is needed to be told by email",
            ));
        }
        if email.len() > MAX_EMAIL_LEN || email.chars().any(char::is_control) {
            return Err(StoreError::invalid(
                "email",
                format!("an address is at most {MAX_EMAIL_LEN} characters, on one line"),
            ));
        }
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let now = self.store.clock().now_micros();
        live_principal(&txn, token, now).await?;
        let before = notification_subscription::Entity::find_by_id(token.as_str().to_owned())
            .one(&txn)
            .await?
            .map(decode)
            .transpose()?;
        let (notified, version) = match before {
            Some(b) if b.enabled || !enabled => (b.notified, b.version),
            Some(b) => (waiting_now.clone(), b.version + 1),
            None => (waiting_now.clone(), 0),
        };
        let model = notification_subscription::ActiveModel {
            token_id: Set(token.as_str().to_owned()),
            email: Set(email.to_owned()),
            enabled: Set(enabled),
            notified: Set(encode(&notified)),
            version: Set(version),
            updated_at: Set(now),
        };
        notification_subscription::Entity::insert(model)
            .on_conflict(
                OnConflict::column(notification_subscription::Column::TokenId)
                    .update_columns([
                        notification_subscription::Column::Email,
                        notification_subscription::Column::Enabled,
                        notification_subscription::Column::Notified,
                        notification_subscription::Column::Version,
                        notification_subscription::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(Subscription {
            token_id: token.clone(),
            email: email.to_owned(),
            enabled,
            notified,
            version,
        })
    }

    /// Every subscription that is on and whose token is live, with the
    /// token's principal: whom to tell.
    pub async fn subscribers(&self) -> Result<Vec<(Subscription, Principal)>, StoreError> {
        let rows = notification_subscription::Entity::find()
            .filter(notification_subscription::Column::Enabled.eq(true))
            .all(self.store.connection())
            .await?;
        let now = self.store.clock().now();
        let mut live = Vec::with_capacity(rows.len());
        for model in rows {
            let subscription = decode(model)?;
            match live_principal(self.store.connection(), &subscription.token_id, now).await {
                Ok(principal) => live.push((subscription, principal)),
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(live)
    }

    /// Replaces the told set of `token`'s subscription with `notified`, if
    /// it is still on and at `version`: false when it changed meanwhile
    /// (another server told the person first, or the person turned
    /// notifications off), and nothing is written.
    pub async fn replace_notified(
        &self,
        token: &TokenId,
        version: i64,
        notified: &BTreeSet<String>,
    ) -> Result<bool, StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let done = notification_subscription::Entity::update_many()
            .set(notification_subscription::ActiveModel {
                notified: Set(encode(notified)),
                version: Set(version + 1),
                ..Default::default()
            })
            .filter(notification_subscription::Column::TokenId.eq(token.as_str()))
            .filter(notification_subscription::Column::Version.eq(version))
            .filter(notification_subscription::Column::Enabled.eq(true))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(done.rows_affected == 1)
    }

    /// Takes `keys` out of `token`'s told set (their messages could not be
    /// sent), so that they are sent again later.
    pub async fn forget_notified(
        &self,
        token: &TokenId,
        keys: &[String],
    ) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        for _ in 0..TRIES {
            let Some(mut subscription) = self.subscription(token).await? else {
                return Ok(());
            };
            let before = subscription.notified.len();
            for key in keys {
                subscription.notified.remove(key);
            }
            if subscription.notified.len() == before
                || self
                    .replace_notified(token, subscription.version, &subscription.notified)
                    .await?
                || !subscription.enabled
            {
                return Ok(());
            }
        }
        Err(StoreError::invalid(
            "notified",
            "the told set kept changing; the items stay told",
        ))
    }
}
