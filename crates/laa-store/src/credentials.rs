//! Credentials: bearer tokens with a role and a scope.
//!
//! A token is `laa_` followed by 64 hex digits (32 random bytes from the
//! operating system). The store keeps only its SHA-256, so a stolen
//! database yields no usable token; the secret is shown once, when issued.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use laa_core::{AreaCode, Region, Role, Scope};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::credential;
use crate::error::StoreError;
use crate::hash::{hex, now_micros, sha256_hex};
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
}

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
}

impl Store {
    /// Issues a token for a role in a scope. Returns its id and its secret;
    /// the secret is not stored and cannot be shown again.
    pub async fn issue_token(
        &self,
        role: Role,
        scope: Scope,
        label: &str,
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
        let (scope_kind, scope_value) = scope_columns(&scope);
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        credential::Entity::insert(credential::ActiveModel {
            id: Set(id.0.clone()),
            token_hash: Set(sha256_hex(secret.as_bytes())),
            role: Set(role.as_str().to_owned()),
            scope_kind: Set(scope_kind.to_owned()),
            scope_value: Set(scope_value),
            label: Set(label.to_owned()),
            created_at: Set(now_micros()),
            revoked_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok((id, secret))
    }

    /// The principal a token's secret speaks for; `None` for an unknown or
    /// revoked token.
    ///
    /// A live token's principal is remembered for [`TOKEN_RECHECK`], so a
    /// busy client costs one database read per that interval rather than
    /// one per call; a token revoked anywhere (by this process, another
    /// server on the same database, or `laa token revoke`) therefore stops
    /// working within that interval. Unknown and revoked tokens are never
    /// remembered: a token issued a moment ago works at once.
    pub async fn resolve_token(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        let hash = sha256_hex(secret.as_bytes());
        if let Some(principal) = self.token_cache().recall(&hash) {
            return Ok(Some(principal));
        }
        self.read_token(hash).await
    }

    /// [`Store::resolve_token`], always reading the database (and
    /// refreshing what is remembered): for a check that must see a
    /// revocation the moment it is committed.
    pub async fn resolve_token_now(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        self.read_token(sha256_hex(secret.as_bytes())).await
    }

    async fn read_token(&self, hash: String) -> Result<Option<Principal>, StoreError> {
        let row = credential::Entity::find()
            .filter(credential::Column::TokenHash.eq(hash.as_str()))
            .filter(credential::Column::RevokedAt.is_null())
            .one(self.connection())
            .await?;
        let principal = row
            .map(|row| {
                let info = decode(row)?;
                Ok::<_, StoreError>(Principal {
                    token_id: info.id,
                    role: info.role,
                    scope: info.scope,
                    label: info.label,
                })
            })
            .transpose()?;
        match &principal {
            Some(principal) => self.token_cache().remember(hash, principal.clone()),
            None => self.token_cache().forget(&hash),
        }
        Ok(principal)
    }

    /// Revokes a token. True if it was live and is now revoked; false if it
    /// was revoked already. [`StoreError::NotFound`] if there is no such token.
    pub async fn revoke_token(&self, id: &TokenId) -> Result<bool, StoreError> {
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        let updated = credential::Entity::update_many()
            .set(credential::ActiveModel {
                revoked_at: Set(Some(now_micros())),
                ..Default::default()
            })
            .filter(credential::Column::Id.eq(id.as_str()))
            .filter(credential::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            txn.commit().await?;
            self.token_cache().forget_all();
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
            .all(self.connection())
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

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        StoreError::Database(sea_orm::DbErr::Custom(format!(
            "the operating system gave no random bytes: {e}"
        )))
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

fn decode(row: credential::Model) -> Result<TokenInfo, StoreError> {
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
    })
}
