//! The session cookie and the signed-in person.
//!
//! The cookie holds only the session's random secret; the database holds
//! its hash, the token it acts for and the anti-forgery token
//! ([`laa_store::sessions`]). Every request reads the session and its token
//! from the database, so signing out, revoking the token or its expiry ends
//! the session at once, on every server of the database.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use laa_core::Actor;
use laa_store::Principal;

use crate::Workspace;
use crate::respond::see_other;

/// The cookie's name under TLS: the `__Host-` prefix makes the browser
/// refuse it unless it is `Secure`, has `Path=/` and names no domain.
const SECURE_COOKIE: &str = "__Host-laa-session";
/// The cookie's name over plain HTTP (a development server).
const PLAIN_COOKIE: &str = "laa-session";

/// The session cookie's name for this workspace.
pub fn cookie_name(workspace: &Workspace) -> &'static str {
    if workspace.secure {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

/// The `Set-Cookie` value that gives the browser a session.
pub fn set_cookie(workspace: &Workspace, secret: &str, max_age_seconds: i64) -> String {
    let secure = if workspace.secure { "; Secure" } else { "" };
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        cookie_name(workspace),
        max_age_seconds.max(0)
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(workspace: &Workspace) -> String {
    set_cookie(workspace, "", 0)
}

/// The session secret the request's cookie holds, if any.
pub fn presented(parts: &Parts, workspace: &Workspace) -> Option<String> {
    let name = cookie_name(workspace);
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// The person a request's session speaks for.
#[derive(Debug, Clone)]
pub struct Person {
    /// As the engine sees them.
    pub actor: Actor,
    /// Their token's principal (its id for the logs).
    pub principal: Principal,
    /// The anti-forgery token every form of the session carries.
    pub csrf: String,
    /// The session's secret (to end it).
    pub secret: String,
}

impl Person {
    /// True when `submitted` is the session's anti-forgery token (compared
    /// in constant time).
    pub fn forms_token_matches(&self, submitted: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), submitted.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The principal as a request extension for the engine.
    pub fn signed_in(&self) -> laa_server::auth::SignedIn {
        laa_server::auth::SignedIn(self.actor.clone())
    }

    /// A gRPC request carrying `message` on this person's behalf.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.extensions_mut().insert(self.signed_in());
        request
    }
}

/// Why a request has no person: it is sent to sign in.
pub struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        see_other(&format!("{}/sign-in", crate::ROOT))
    }
}

impl FromRequestParts<Workspace> for Person {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        workspace: &Workspace,
    ) -> Result<Self, Self::Rejection> {
        let Some(secret) = presented(parts, workspace) else {
            return Err(SignInFirst.into_response());
        };
        match workspace.sessions.session(&secret).await {
            Ok(Some(session)) => Ok(Person {
                actor: Actor::new(
                    session.principal.label.clone(),
                    session.principal.role,
                    session.principal.scope.clone(),
                ),
                principal: session.principal,
                csrf: session.csrf,
                secret,
            }),
            Ok(None) => Err(SignInFirst.into_response()),
            Err(error) => {
                tracing::warn!(%error, "the workspace cannot read a session");
                Err(crate::layout::unavailable())
            }
        }
    }
}

impl OptionalFromRequestParts<Workspace> for Person {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        workspace: &Workspace,
    ) -> Result<Option<Self>, Self::Rejection> {
        // No session, or one that has ended: nobody is signed in.
        Ok(
            <Person as FromRequestParts<Workspace>>::from_request_parts(parts, workspace)
                .await
                .ok(),
        )
    }
}
