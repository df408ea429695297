//! Credentials: bearer tokens with a role and a scope.
//!
//! A token is `laa_` followed by 64 hex digits (32 random bytes from the
//! operating system). The store keeps only its SHA-256, so a stolen
//! database yields no usable token; the secret is shown once, when issued.
//!
//! A token expires ([`DEFAULT_TOKEN_LIFETIME`] after issue unless another
//! lifetime is given); `rotate_token` replaces one with a fresh secret of
//! the same role, scope and label. The time a token was last used is
//! written at most once every [`LAST_USED_GRANULARITY`] per token, in the
//! background, so authentication costs no write on the hot path.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use laa_core::{AreaCode, Region, Role, Scope};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::credential;
use crate::error::StoreError;
use crate::hash::{hex, sha256_hex};
use crate::roles::Credentials;
use crate::store::Store;

/// The prefix of every token's secret.
pub const TOKEN_PREFIX: &str = "laa_";

/// A token's public id, such as `tok_3f9a0c1b2d4e5f60`: safe to show and
/// log, and what revocation names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenId(String);

impl TokenId {
    /// A token id from its text (as listed or shown when issued).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's id.
    pub token_id: TokenId,
    /// The role it grants.
    pub role: Role,
    /// Where the role applies.
    pub scope: Scope,
    /// Whose it is, as labelled when issued.
    pub label: String,
    /// When it stops working (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a token's secret is, at this moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// A live token, and whom it speaks for.
    Live(Principal),
    /// A token whose expiry has passed.
    Expired {
        /// Its id.
        id: TokenId,
        /// When it expired.
        at: DateTime<Utc>,
    },
    /// A revoked token.
    Revoked(TokenId),
    /// No token has this secret (or it is not shaped like one).
    Unknown,
}

impl TokenCheck {
    /// The principal of a live token.
    pub fn live(self) -> Option<Principal> {
        match self {
            TokenCheck::Live(p) => Some(p),
            _ => None,
        }
    }

    /// The token's id, when the secret names a token.
    pub fn token_id(&self) -> Option<&TokenId> {
        match self {
            TokenCheck::Live(p) => Some(&p.token_id),
            TokenCheck::Expired { id, .. } | TokenCheck::Revoked(id) => Some(id),
            TokenCheck::Unknown => None,
        }
    }
}

/// How long a token works when issued without another lifetime: 90 days.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The last-used time of a token is written at most this often.
pub const LAST_USED_GRANULARITY: Duration = Duration::from_secs(60);

/// A token as listed for administrators (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id.
    pub id: TokenId,
    /// The role it grants.
    pub role: Role,
    /// Where the role applies.
    pub scope: Scope,
    /// Whose it is.
    pub label: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it stops working (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a call (to within a minute), if ever.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Credentials {
    /// Issues a token for a role in a scope, working for
    /// [`DEFAULT_TOKEN_LIFETIME`]. Returns its id and its secret; the secret
    /// is not stored and cannot be shown again.
    pub async fn issue_token(
        &self,
        role: Role,
        scope: Scope,
        label: &str,
    ) -> Result<(TokenId, String), StoreError> {
        self.issue_token_for(role, scope, label, DEFAULT_TOKEN_LIFETIME)
            .await
    }

    /// [`Store::issue_token`] with a lifetime of its own.
    pub async fn issue_token_for(
        &self,
        role: Role,
        scope: Scope,
        label: &str,
        lifetime: Duration,
    ) -> Result<(TokenId, String), StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let issued = insert_token(&txn, role, scope, label, lifetime, self.store.clock()).await?;
        txn.commit().await?;
        Ok(issued)
    }

    /// Replaces a live token: a fresh secret with the same role, scope and
    /// label, working for `lifetime`, and the old token revoked, in one
    /// transaction; the holder's email notifications follow the new token.
    /// [`StoreError::NotFound`] if there is no live token `id`.
    pub async fn rotate_token(
        &self,
        id: &TokenId,
        lifetime: Duration,
    ) -> Result<(TokenId, String), StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let old = credential::Entity::find_by_id(id.as_str().to_owned())
            .filter(credential::Column::RevokedAt.is_null())
            .one(&txn)
            .await?;
        let Some(old) = old else {
            txn.rollback().await?;
            return Err(StoreError::NotFound {
                what: "live token",
                key: id.to_string(),
            });
        };
        let old = decode(old)?;
        credential::Entity::update_many()
            .set(credential::ActiveModel {
                revoked_at: Set(Some(self.store.clock().now_micros())),
                ..Default::default()
            })
            .filter(credential::Column::Id.eq(id.as_str()))
            .exec(&txn)
            .await?;
        let issued = insert_token(
            &txn,
            old.role,
            old.scope,
            &old.label,
            lifetime,
            self.store.clock(),
        )
        .await?;
        crate::notifications::carry_subscription(&txn, id, &issued.0).await?;
        txn.commit().await?;
        self.store.token_cache().forget_all();
        Ok(issued)
    }
}

async fn insert_token(
    txn: &sea_orm::DatabaseTransaction,
    role: Role,
    scope: Scope,
    label: &str,
    lifetime: Duration,
    clock: crate::Clock,
) -> Result<(TokenId, String), StoreError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(StoreError::invalid(
            "label",
            "a token's label is 1 to 200 characters",
        ));
    }
    let id = TokenId(format!("tok_{}", hex(&random_bytes::<8>()?)));
    let secret = format!("{TOKEN_PREFIX}{}", hex(&random_bytes::<32>()?));
    let lifetime = chrono::Duration::from_std(lifetime)
        .ok()
        .filter(|l| *l > chrono::Duration::zero() && *l <= chrono::Duration::days(3660))
        .ok_or_else(|| {
            StoreError::invalid("expires_in", "a token's lifetime is 1 second to 10 years")
        })?;
    let (scope_kind, scope_value) = scope_columns(&scope);
    let now = clock.now_micros();
    credential::Entity::insert(credential::ActiveModel {
        id: Set(id.0.clone()),
        token_hash: Set(sha256_hex(secret.as_bytes())),
        role: Set(role.as_str().to_owned()),
        scope_kind: Set(scope_kind.to_owned()),
        scope_value: Set(scope_value),
        label: Set(label.to_owned()),
        created_at: Set(now),
        revoked_at: Set(None),
        expires_at: Set(Some(now + lifetime)),
        last_used_at: Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    Ok((id, secret))
}

impl Credentials {
    /// The principal a token's secret speaks for; `None` for an unknown, expired or
    /// revoked token.
    ///
    /// A live token's principal is remembered for [`TOKEN_RECHECK`], so a
    /// busy client costs one database read per that interval rather than
    /// one per call; a token revoked anywhere (by this process, another
    /// server on the same database, or `laa token revoke`) therefore stops
    /// working within that interval. Unknown and revoked tokens are never
    /// remembered: a token issued a moment ago works at once.
    pub async fn resolve_token(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        Ok(self.check_token(secret).await?.live())
    }

    /// What a token's secret is: live (and whose), expired, revoked or
    /// unknown. A live token is remembered as [`Store::resolve_token`] says.
    pub async fn check_token(&self, secret: &str) -> Result<TokenCheck, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(TokenCheck::Unknown);
        }
        let hash = sha256_hex(secret.as_bytes());
        if let Some(principal) = self.store.token_cache().recall(&hash) {
            match principal.expires_at {
                Some(at) if at <= self.store.clock().now() => {
                    self.store.token_cache().forget(&hash)
                }
                _ => return Ok(TokenCheck::Live(principal)),
            }
        }
        self.read_token(hash).await
    }

    /// [`Store::resolve_token`], always reading the database (and
    /// refreshing what is remembered): for a check that must see a
    /// revocation the moment it is committed.
    pub async fn resolve_token_now(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        Ok(self.check_token_now(secret).await?.live())
    }

    /// [`Store::check_token`], always reading the database.
    pub async fn check_token_now(&self, secret: &str) -> Result<TokenCheck, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(TokenCheck::Unknown);
        }
        self.read_token(sha256_hex(secret.as_bytes())).await
    }

    async fn read_token(&self, hash: String) -> Result<TokenCheck, StoreError> {
        let row = credential::Entity::find()
            .filter(credential::Column::TokenHash.eq(hash.as_str()))
            .one(self.store.connection())
            .await?;
        let Some(row) = row else {
            self.store.token_cache().forget(&hash);
            return Ok(TokenCheck::Unknown);
        };
        let info = decode(row)?;
        let now = self.store.clock().now();
        let check = if info.revoked_at.is_some() {
            TokenCheck::Revoked(info.id)
        } else if let Some(at) = info.expires_at.filter(|at| *at <= now) {
            TokenCheck::Expired { id: info.id, at }
        } else {
            let stale = info
                .last_used_at
                .is_none_or(|at| (now - at).to_std().unwrap_or_default() >= LAST_USED_GRANULARITY);
            if stale {
                self.touch_token(info.id.clone());
            }
            TokenCheck::Live(Principal {
                token_id: info.id,
                role: info.role,
                scope: info.scope,
                label: info.label,
                expires_at: info.expires_at,
            })
        };
        match &check {
            TokenCheck::Live(principal) => {
                self.store.token_cache().remember(hash, principal.clone())
            }
            _ => self.store.token_cache().forget(&hash),
        }
        Ok(check)
    }

    /// Records that a token was used just now, in the background: a failure
    /// only leaves the time older.
    fn touch_token(&self, id: TokenId) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        runtime.spawn(async move {
            let _guard = store.write_guard().await;
            let Ok(txn) = store.begin_write().await else {
                return;
            };
            let updated = credential::Entity::update_many()
                .set(credential::ActiveModel {
                    last_used_at: Set(Some(store.clock().now_micros())),
                    ..Default::default()
                })
                .filter(credential::Column::Id.eq(id.as_str()))
                .exec(&txn)
                .await;
            if updated.is_ok() {
                let _ = txn.commit().await;
            }
        });
    }

    /// Revokes a token. True if it was live and is now revoked; false if it
    /// was revoked already. [`StoreError::NotFound`] if there is no such token.
    pub async fn revoke_token(&self, id: &TokenId) -> Result<bool, StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let updated = credential::Entity::update_many()
            .set(credential::ActiveModel {
                revoked_at: Set(Some(self.store.clock().now_micros())),
                ..Default::default()
            })
            .filter(credential::Column::Id.eq(id.as_str()))
            .filter(credential::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            txn.commit().await?;
            self.store.token_cache().forget_all();
            return Ok(true);
        }
        let exists = credential::Entity::find_by_id(id.as_str().to_owned())
            .one(&txn)
            .await?
            .is_some();
        txn.rollback().await?;
        if exists {
            Ok(false)
        } else {
            Err(StoreError::NotFound {
                what: "token",
                key: id.to_string(),
            })
        }
    }

    /// Every token, revoked ones included, oldest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        credential::Entity::find()
            .order_by_asc(credential::Column::CreatedAt)
            .order_by_asc(credential::Column::Id)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}

/// How long a live token's principal is remembered before the database is
/// asked again: the longest a revoked token can go on working.
pub const TOKEN_RECHECK: Duration = Duration::from_millis(500);

/// The most tokens remembered at once.
const MAX_REMEMBERED_TOKENS: usize = 10_000;

/// Live tokens recently resolved, by the SHA-256 of their secret.
#[derive(Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, (Instant, Principal)>>);

impl TokenCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Principal)>> {
        // Each operation is one map call: a poisoned lock is still sound.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn recall(&self, hash: &str) -> Option<Principal> {
        let mut entries = self.entries();
        match entries.get(hash) {
            Some((at, principal)) if at.elapsed() < TOKEN_RECHECK => Some(principal.clone()),
            Some(_) => {
                entries.remove(hash);
                None
            }
            None => None,
        }
    }

    fn remember(&self, hash: String, principal: Principal) {
        let mut entries = self.entries();
        if entries.len() >= MAX_REMEMBERED_TOKENS {
            entries.retain(|_, (at, _)| at.elapsed() < TOKEN_RECHECK);
            if entries.len() >= MAX_REMEMBERED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(hash, (Instant::now(), principal));
    }

    fn forget(&self, hash: &str) {
        self.entries().remove(hash);
    }

    fn forget_all(&self) {
        self.entries().clear();
    }
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::NoRandomness {
        problem: e.to_string(),
    })?;
    Ok(bytes)
}

fn scope_columns(scope: &Scope) -> (&'static str, Option<String>) {
    match scope {
        Scope::National => ("national", None),
        Scope::Region(r) => ("region", Some(r.code().to_owned())),
        Scope::Area(a) => ("area", Some(a.as_str().to_owned())),
    }
}

pub(crate) fn decode(row: credential::Model) -> Result<TokenInfo, StoreError> {
    let bad = |problem: String| StoreError::corrupt("credentials", 0, problem);
    let role: Role = row
        .role
        .parse()
        .map_err(|e: laa_core::ParseError| bad(e.to_string()))?;
    let scope = match (row.scope_kind.as_str(), row.scope_value) {
        ("national", None) => Scope::National,
        ("region", Some(r)) => Scope::Region(
            r.parse::<Region>()
                .map_err(|e: laa_core::ParseError| bad(e.to_string()))?,
        ),
        ("area", Some(a)) => Scope::Area(AreaCode::new(a).map_err(|e| bad(e.to_string()))?),
        (kind, _) => return Err(bad(format!("scope '{kind}' of token {}", row.id))),
    };
    Ok(TokenInfo {
        id: TokenId(row.id),
        role,
        scope,
        label: row.label,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
    })
}

impl Store {
    /// Copies every token of `source` (hashes, scopes, expiry and
    /// revocation as they are) into this store, for a copy of a whole
    /// database (`store/copy.rs`): the same people sign in with the same
    /// tokens. Answers how many.
    pub(crate) async fn copy_credentials_from(&self, source: &Store) -> Result<usize, StoreError> {
        use sea_orm::IntoActiveModel;
        let tokens = credential::Entity::find().all(source.connection()).await?;
        let txn = self.begin_write().await?;
        for chunk in tokens.chunks(500) {
            credential::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(tokens.len())
    }
}
