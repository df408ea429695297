//! The one layer that turns a bearer token into an [`Actor`].
//!
//! The server only resolves who is calling; what they may do is decided by
//! `laa-core` (`decide`, `authorise_read`, `authorise_administration`).

use laa_core::Actor;
use laa_store::Store;
use tonic::Request;

use crate::error::ApiError;

/// Resolves `authorization: Bearer <token>` to the principal it was issued to.
pub async fn authenticate<T>(store: &Store, request: &Request<T>) -> Result<Actor, ApiError> {
    resolve(store, bearer(request)?).await
}

/// The bearer token a request carries.
pub fn bearer<T>(request: &Request<T>) -> Result<&str, ApiError> {
    let header = request
        .metadata()
        .get("authorization")
        .ok_or(ApiError::Unauthenticated(
            "no credential: send the metadata `authorization: Bearer <token>` (an administrator issues tokens with `laa token issue`)",
        ))?;
    header
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated(
            "malformed credential: the authorization metadata must be `Bearer <token>`",
        ))
}

/// The principal a token speaks for; `UNAUTHENTICATED` once it is
/// unknown or revoked. A live token is re-read from the database at least
/// every `laa_store::credentials::TOKEN_RECHECK`.
pub async fn resolve(store: &Store, token: &str) -> Result<Actor, ApiError> {
    actor(store.resolve_token(token).await?)
}

/// The principal a token speaks for at this moment, read from the database
/// (never remembered): what a long call (a following stream) checks before
/// each delivery, so nothing is delivered after a revocation.
pub async fn resolve_now(store: &Store, token: &str) -> Result<Actor, ApiError> {
    actor(store.resolve_token_now(token).await?)
}

fn actor(principal: Option<laa_store::Principal>) -> Result<Actor, ApiError> {
    let principal = principal.ok_or(ApiError::Unauthenticated("unknown or revoked token"))?;
    Ok(Actor::new(principal.label, principal.role, principal.scope))
}
