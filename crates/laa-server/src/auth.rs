//! The one layer that turns a bearer token into an [`Actor`].
//!
//! The server only resolves who is calling; what they may do is decided by
//! `laa-core` (`decide`, `authorise_read`, `authorise_administration`).

//!
//! Every failed authentication is logged (a `warn` event with the token's
//! id when the secret names one, never the secret, and the peer's address).

use std::net::SocketAddr;

use laa_core::Actor;
use laa_store::{Credentials, TokenCheck};
use tonic::Request;

use crate::error::ApiError;

/// A principal already authenticated by an adapter in this process (the
/// workspace, by its session, which it read with its token from the
/// database on this request): put in a request's extensions, it stands
/// in for the bearer token. Only code in the server's process can put it
/// there; nothing a client sends becomes an extension.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Actor);

/// Resolves `authorization: Bearer <token>` (or a [`SignedIn`] principal)
/// to the principal it was issued to.
pub async fn authenticate<T>(
    credentials: &Credentials,
    request: &Request<T>,
) -> Result<Actor, ApiError> {
    if let Some(SignedIn(actor)) = request.extensions().get::<SignedIn>() {
        tracing::Span::current().record("principal", actor.principal.as_str());
        return Ok(actor.clone());
    }
    resolve(credentials, bearer(request)?, request.remote_addr()).await
}

/// Logs a refused credential.
fn refused(peer: Option<SocketAddr>, token_id: Option<&laa_store::TokenId>, error: &ApiError) {
    let peer = peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string());
    let token_id = token_id.map_or("-", |id| id.as_str());
    tracing::warn!(%peer, token_id, reason = %error, "authentication failed");
}

/// The bearer token a request carries (a missing or malformed one is
/// logged as a failed authentication).
pub fn bearer<T>(request: &Request<T>) -> Result<&str, ApiError> {
    presented(request).inspect_err(|e| refused(request.remote_addr(), None, e))
}

fn presented<T>(request: &Request<T>) -> Result<&str, ApiError> {
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
/// unknown, revoked or expired. A live token is re-read from the database at
/// least every `laa_store::credentials::TOKEN_RECHECK`.
pub async fn resolve(
    credentials: &Credentials,
    token: &str,
    peer: Option<SocketAddr>,
) -> Result<Actor, ApiError> {
    actor(credentials.check_token(token).await?, peer)
}

/// The principal a token speaks for at this moment, read from the database
/// (never remembered): what a long call (a following stream) checks before
/// each delivery, so nothing is delivered after a revocation or expiry.
pub async fn resolve_now(
    credentials: &Credentials,
    token: &str,
    peer: Option<SocketAddr>,
) -> Result<Actor, ApiError> {
    actor(credentials.check_token_now(token).await?, peer)
}

fn actor(check: TokenCheck, peer: Option<SocketAddr>) -> Result<Actor, ApiError> {
    let error = match &check {
        TokenCheck::Live(principal) => {
            tracing::Span::current().record("principal", principal.label.as_str());
            return Ok(Actor::new(
                principal.label.clone(),
                principal.role,
                principal.scope.clone(),
            ));
        }
        TokenCheck::Expired { .. } => ApiError::Unauthenticated(
            "expired token: ask an administrator for a new one (`laa token rotate ID` or `laa token issue`)",
        ),
        TokenCheck::Revoked(_) | TokenCheck::Unknown => {
            ApiError::Unauthenticated("unknown or revoked token")
        }
    };
    refused(peer, check.token_id(), &error);
    Err(error)
}
