//! The workspace's sign-in: sessions and one-time sign-in links.
//!
//! A session is a person signed in with a token: the browser holds the
//! session's secret in a cookie, the database only its SHA-256 (like a
//! token's), with the token it acts for, its anti-forgery token and its
//! expiry. Every look-up reads the database and the token together, never
//! a cache: a session ends the moment its token is revoked or expires, or
//! the person signs out, on every server of the database.
//!
//! A sign-in link is a one-time code an administrator issues for a token
//! (`laa token issue --sign-in-link`): it works once, before it expires,
//! and only while its token is live.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::credentials::{Principal, TokenId, decode, random_bytes};
use crate::entity::{credential, session, sign_in_link};
use crate::error::StoreError;
use crate::hash::{hex, sha256_hex};
use crate::roles::Sessions;

/// How long a session works when nothing ends it sooner: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// How long a sign-in link works when issued without another lifetime.
pub const SIGN_IN_LINK_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest a sign-in link may work: a week.
pub const MAX_SIGN_IN_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long ended and expired sessions and used or expired links are kept
/// (for the record of who signed in when) before they are deleted.
const KEPT_AFTER_END: chrono::Duration = chrono::Duration::days(30);

/// A session just begun: what the browser is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStarted {
    /// The cookie's value; the database keeps only its hash.
    pub secret: String,
    /// The session's anti-forgery token.
    pub csrf: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A live session, as a request finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Whom it acts for: its token's principal.
    pub principal: Principal,
    /// The anti-forgery token every form of the session carries.
    pub csrf: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl Sessions {
    /// Begins a session for the live token `token`, working for `lifetime`
    /// or until the token stops working, whichever is sooner.
    /// [`StoreError::NotFound`] if the token is not live.
    pub async fn begin_session(
        &self,
        token: &TokenId,
        lifetime: Duration,
    ) -> Result<SessionStarted, StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let now = self.store.clock().now_micros();
        let principal = live_principal(&txn, token, now).await?;
        let mut expires_at = now + chrono::Duration::from_std(lifetime).unwrap_or_default();
        if let Some(end) = principal.expires_at {
            expires_at = expires_at.min(end);
        }
        let secret = hex(&random_bytes::<32>()?);
        let csrf = hex(&random_bytes::<32>()?);
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now - KEPT_AFTER_END))
            .exec(&txn)
            .await?;
        session::Entity::insert(session::ActiveModel {
            id_hash: Set(sha256_hex(secret.as_bytes())),
            token_id: Set(token.as_str().to_owned()),
            csrf: Set(csrf.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ended_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(SessionStarted {
            secret,
            csrf,
            expires_at,
        })
    }

    /// The live session whose cookie holds `secret`, read from the database
    /// with its token: `None` once it was ended, has expired, or its token
    /// was revoked or has expired.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, StoreError> {
        if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let now = self.store.clock().now();
        let Some(row) = session::Entity::find_by_id(sha256_hex(secret.as_bytes()))
            .filter(session::Column::EndedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(self.store.connection())
            .await?
        else {
            return Ok(None);
        };
        let token = TokenId::new(row.token_id);
        match live_principal(self.store.connection(), &token, now).await {
            Ok(principal) => Ok(Some(Session {
                principal,
                csrf: row.csrf,
                expires_at: row.expires_at,
            })),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Ends the session whose cookie holds `secret` (signing out). Ending
    /// one that is not live does nothing.
    pub async fn end_session(&self, secret: &str) -> Result<(), StoreError> {
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        session::Entity::update_many()
            .set(session::ActiveModel {
                ended_at: Set(Some(self.store.clock().now_micros())),
                ..Default::default()
            })
            .filter(session::Column::IdHash.eq(sha256_hex(secret.as_bytes())))
            .filter(session::Column::EndedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Issues a one-time sign-in link's code for the live token `token`,
    /// working once within `lifetime` (at most
    /// [`MAX_SIGN_IN_LINK_LIFETIME`]). The code is shown once; the
    /// database keeps its hash.
    pub async fn issue_sign_in_link(
        &self,
        token: &TokenId,
        lifetime: Duration,
    ) -> Result<String, StoreError> {
        if lifetime.is_zero() || lifetime > MAX_SIGN_IN_LINK_LIFETIME {
            return Err(StoreError::invalid(
                "sign_in_link_expires_in",
                "a sign-in link works for 1 second to 7 days",
            ));
        }
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let now = self.store.clock().now_micros();
        live_principal(&txn, token, now).await?;
        let code = hex(&random_bytes::<32>()?);
        sign_in_link::Entity::delete_many()
            .filter(sign_in_link::Column::ExpiresAt.lt(now - KEPT_AFTER_END))
            .exec(&txn)
            .await?;
        sign_in_link::Entity::insert(sign_in_link::ActiveModel {
            code_hash: Set(sha256_hex(code.as_bytes())),
            token_id: Set(token.as_str().to_owned()),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::from_std(lifetime).unwrap_or_default()),
            used_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(code)
    }

    /// True when a sign-in link would sign in now: its code unused,
    /// unexpired and its token live. Reads only: the link is spent by
    /// [`Sessions::redeem_sign_in_link`] alone.
    pub async fn sign_in_link_usable(&self, code: &str) -> Result<bool, StoreError> {
        let Some(hash) = code_hash(code) else {
            return Ok(false);
        };
        let db = self.store.connection();
        let now = self.store.clock().now_micros();
        let link = unspent(sign_in_link::Entity::find(), &hash, now)
            .one(db)
            .await?;
        let Some(link) = link else {
            return Ok(false);
        };
        match live_principal(db, &TokenId::new(link.token_id), now).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Uses a sign-in link: the token it was issued for, if the code is
    /// unused, unexpired and its token live; the link never works again.
    /// Two servers redeeming one code at once: one wins, the other finds
    /// it used.
    pub async fn redeem_sign_in_link(&self, code: &str) -> Result<Option<TokenId>, StoreError> {
        let Some(hash) = code_hash(code) else {
            return Ok(None);
        };
        let _guard = self.store.write_guard().await;
        let txn = self.store.begin_write().await?;
        let now = self.store.clock().now_micros();
        let spend = sign_in_link::Entity::update_many().set(sign_in_link::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        });
        let used = unspent(spend, &hash, now).exec(&txn).await?;
        if used.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        let Some(link) = sign_in_link::Entity::find_by_id(hash).one(&txn).await? else {
            txn.rollback().await?;
            return Ok(None);
        };
        let token = TokenId::new(link.token_id);
        match live_principal(&txn, &token, now).await {
            Ok(_) => {
                txn.commit().await?;
                Ok(Some(token))
            }
            Err(StoreError::NotFound { .. }) => {
                // The link is spent even though its token no longer works.
                txn.commit().await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// The hash a sign-in link's code is kept by; `None` for what is not
/// shaped like a code (64 hexadecimal digits).
fn code_hash(code: &str) -> Option<String> {
    (code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| sha256_hex(code.as_bytes()))
}

/// `query` narrowed to the link of `hash` while it can still be used at
/// `now`: unused and unexpired (its token is judged apart).
fn unspent<Q: QueryFilter>(query: Q, hash: &str, now: DateTime<Utc>) -> Q {
    query
        .filter(sign_in_link::Column::CodeHash.eq(hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now))
}

/// The principal of token `id` if it is live at `now`;
/// [`StoreError::NotFound`] otherwise.
pub(crate) async fn live_principal(
    db: &impl sea_orm::ConnectionTrait,
    id: &TokenId,
    now: DateTime<Utc>,
) -> Result<Principal, StoreError> {
    let gone = || StoreError::NotFound {
        what: "live token",
        key: id.to_string(),
    };
    let row = credential::Entity::find_by_id(id.as_str().to_owned())
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let info = decode(row)?;
    if info.revoked_at.is_some() || info.expires_at.is_some_and(|at| at <= now) {
        return Err(gone());
    }
    Ok(Principal {
        token_id: info.id,
        role: info.role,
        scope: info.scope,
        label: info.label,
        expires_at: info.expires_at,
    })
}
