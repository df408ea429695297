//! Signing in and out.
//!
//! A person signs in once, with the token an administrator issued them
//! (pasted into a form, sent by POST, never in a URL) or with a one-time
//! sign-in link (`laa token issue ... --sign-in-link`), and gets a fresh
//! session: a session secret is never accepted from the browser, so a
//! session cannot be fixed by someone else. Every sign-in and every
//! failure is logged with the token's id (never its secret) and the
//! address; attempts are limited per address ([`crate::limiter`]).
//!
//! An OpenID Connect provider would be one more way in beside these two:
//! its callback resolves the person's verified identity to a principal
//! (an administrator binds an identity to a role and scope as a token is
//! bound today) and ends in the same [`begin`] as a pasted token.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use laa_store::{TokenCheck, TokenId};
use maud::{Markup, html};
use serde::Deserialize;

use crate::Workspace;
use crate::layout::{self, FieldError};
use crate::respond::{html as page, see_other};
use crate::session::{Person, clear_cookie, set_cookie};

/// The address a request came from (`0.0.0.0` when the listener did not
/// say, which then shares one limit).
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn address(peer: &Peer) -> IpAddr {
    peer.as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.0.ip())
}

/// True when a browser says the request came from another site: such a
/// POST is refused before anything is read (a forged sign-in would sign
/// the victim in as the attacker).
pub fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
}

/// `GET /sign-in`: the sign-in form (or, for someone signed in, their inbox).
pub async fn form(person: Option<Person>, Query(after): Query<After>) -> Response {
    if person.is_some() {
        return see_other(crate::ROOT);
    }
    let notice = (after.signed_out == "1").then(|| {
        layout::banner(
            true,
            "You have signed out",
            html! { p { "Your session has ended on every server. Close the browser if the computer is shared." } },
        )
    });
    page(StatusCode::OK, sign_in_page(notice, &[]))
}

/// The query the sign-in page is reached with.
#[derive(Debug, Default, serde::Deserialize)]
pub struct After {
    /// `1` just after signing out.
    #[serde(default)]
    signed_out: String,
}

fn sign_in_page(notice: Option<Markup>, errors: &[FieldError]) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            @if let Some(notice) = notice { (notice) }
            (layout::error_summary(errors))
            h1.heading-l { "Sign in to the LAA workspace" }
            p { "Use the access token your administrator gave you. You only need to paste it once: the workspace keeps you signed in for the working day." }
            form method="post" action={ (crate::ROOT) "/sign-in" } novalidate {
                (layout::text_input(&layout::Input {
                    id: "token",
                    label: "Access token",
                    hint: Some("It begins laa_ and is 68 characters long."),
                    kind: "password",
                    value: "",
                    errors,
                    autocomplete: "off",
                    width: None,
                }))
                button.button type="submit" { "Sign in" }
            }
            p { "If you have no token, or it has expired, ask your administrator. They can also send you a one-time sign-in link." }
        },
    )
}

/// The submitted sign-in form.
#[derive(Deserialize)]
pub struct TokenForm {
    /// The token's secret.
    #[serde(default)]
    token: String,
}

/// `POST /sign-in`: signs in with a pasted token.
pub async fn with_token(
    State(workspace): State<Workspace>,
    peer: Peer,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let from = address(&peer);
    if let Some(refused) = refuse_attempt(&workspace, &headers, from) {
        return refused;
    }
    let token = form.token.trim();
    if token.is_empty() {
        let errors = [FieldError::new("token", "Enter your access token")];
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            sign_in_page(None, &errors),
        );
    }
    let check = match workspace.credentials.check_token_now(token).await {
        Ok(check) => check,
        Err(error) => {
            tracing::warn!(%error, "sign-in cannot read the credentials");
            return layout::unavailable();
        }
    };
    let message = match check {
        TokenCheck::Live(principal) => {
            return begin(&workspace, &principal.token_id, &headers, from, "token").await;
        }
        TokenCheck::Expired { ref id, .. } => {
            tracing::warn!(peer = %from, token_id = %id, "sign-in refused: expired token");
            "This token has expired: ask your administrator for a new one"
        }
        TokenCheck::Revoked(ref id) => {
            tracing::warn!(peer = %from, token_id = %id, "sign-in refused: revoked token");
            "This token is not recognised: check you copied all of it, or ask your administrator"
        }
        TokenCheck::Unknown => {
            tracing::warn!(peer = %from, token_id = "-", "sign-in refused: unknown token");
            "This token is not recognised: check you copied all of it, or ask your administrator"
        }
    };
    let errors = [FieldError::new("token", message)];
    page(StatusCode::UNAUTHORIZED, sign_in_page(None, &errors))
}

/// `GET /sign-in/link/{code}`: a page asking the person to continue. The
/// link is spent only by the POST its button sends, so a mail scanner
/// that fetches links does not use it up.
pub async fn link_form(State(workspace): State<Workspace>, Path(code): Path<String>) -> Response {
    // A spent or expired link says so at once, not after Continue.
    match workspace.sessions.sign_in_link_usable(&code).await {
        Ok(true) => {}
        Ok(false) => return link_refused(),
        Err(error) => {
            tracing::warn!(%error, "sign-in cannot read the links");
            return layout::unavailable();
        }
    }
    let action = format!("{}/sign-in/link/{}", crate::ROOT, code);
    page(
        StatusCode::OK,
        layout::bare(
            "Sign in with your link",
            html! {
                h1.heading-l { "Sign in with your link" }
                p { "This link works once. Continue to sign in; afterwards the link cannot be used again." }
                form method="post" action=(action) {
                    button.button type="submit" { "Continue" }
                }
            },
        ),
    )
}

/// The page of a link that cannot sign anyone in: used, expired, unknown,
/// or its token no longer live.
fn link_refused() -> Response {
    page(
        StatusCode::UNAUTHORIZED,
        layout::bare(
            "This link cannot be used",
            html! {
                h1.heading-l { "This link cannot be used" }
                p { "A sign-in link works once and expires. Ask your administrator for a new one, or sign in with your token." }
                p { a href={ (crate::ROOT) "/sign-in" } { "Sign in with your token" } }
            },
        ),
    )
}

/// `POST /sign-in/link/{code}`: signs in with a one-time link.
pub async fn with_link(
    State(workspace): State<Workspace>,
    peer: Peer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let from = address(&peer);
    if let Some(refused) = refuse_attempt(&workspace, &headers, from) {
        return refused;
    }
    match workspace.sessions.redeem_sign_in_link(&code).await {
        Ok(Some(token)) => begin(&workspace, &token, &headers, from, "link").await,
        Ok(None) => {
            tracing::warn!(peer = %from, token_id = "-", "sign-in refused: used, expired or unknown link");
            link_refused()
        }
        Err(error) => {
            tracing::warn!(%error, "sign-in cannot read the links");
            layout::unavailable()
        }
    }
}

/// Begins a fresh session for `token`, ending any session the browser
/// still presented, and sends the person to their inbox.
pub async fn begin(
    workspace: &Workspace,
    token: &TokenId,
    headers: &HeaderMap,
    from: IpAddr,
    how: &'static str,
) -> Response {
    if let Some(old) = old_session(workspace, headers) {
        let _ = workspace.sessions.end_session(&old).await;
    }
    let started = match workspace
        .sessions
        .begin_session(token, laa_store::sessions::SESSION_LIFETIME)
        .await
    {
        Ok(started) => started,
        Err(error) => {
            tracing::warn!(%error, token_id = %token, "sign-in cannot begin a session");
            return layout::unavailable();
        }
    };
    tracing::info!(peer = %from, token_id = %token, how, "signed in to the workspace");
    let seconds = (started.expires_at - workspace.queries.clock().now()).num_seconds();
    let mut response = see_other(crate::ROOT);
    if let Ok(cookie) = HeaderValue::from_str(&set_cookie(workspace, &started.secret, seconds)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn old_session(workspace: &Workspace, headers: &HeaderMap) -> Option<String> {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers.clone();
    crate::session::presented(&parts, workspace)
}

/// The submitted sign-out form.
#[derive(Deserialize)]
pub struct SignOutForm {
    /// The session's anti-forgery token.
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`: ends the session.
pub async fn sign_out(
    State(workspace): State<Workspace>,
    person: Person,
    Form(form): Form<SignOutForm>,
) -> Response {
    if !person.forms_token_matches(&form.csrf) {
        return page(StatusCode::FORBIDDEN, layout::forbidden());
    }
    if let Err(error) = workspace.sessions.end_session(&person.secret).await {
        tracing::warn!(%error, "sign-out cannot end the session");
        return layout::unavailable();
    }
    tracing::info!(token_id = %person.principal.token_id, "signed out of the workspace");
    let mut response = see_other(&format!("{}/sign-in?signed_out=1", crate::ROOT));
    if let Ok(cookie) = HeaderValue::from_str(&clear_cookie(&workspace)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The answer to a sign-in attempt refused before it is read: posted from
/// another site, or over the address's limit.
fn refuse_attempt(workspace: &Workspace, headers: &HeaderMap, from: IpAddr) -> Option<Response> {
    if cross_site(headers) {
        return Some(page(StatusCode::FORBIDDEN, layout::forbidden()));
    }
    if !workspace.limiter.allow(from) {
        tracing::warn!(peer = %from, "sign-in refused: too many attempts");
        return Some(too_many());
    }
    None
}

fn too_many() -> Response {
    let mut response = page(
        StatusCode::TOO_MANY_REQUESTS,
        layout::bare(
            "Too many attempts",
            html! {
                h1.heading-l { "Too many attempts to sign in" }
                p { "Wait a minute, then try again." }
            },
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}
