//! The negotiators' workspace: GO negotiators, council officers,
//! Ministers' private offices, CLG's auditors and the administrators do
//! their work in a browser.
//!
//! The workspace is one more adapter over the engine, beside gRPC and the
//! citizens' pages: every form is parsed into the gRPC request it stands
//! for and handed to the same service method a client's call reaches
//! ([`laa_server::Engine`]), with the signed-in person's principal in place
//! of a bearer token ([`laa_server::auth::SignedIn`]). So a form is
//! authorised, decided, recorded and refused exactly as a call is; the
//! workspace decides nothing itself.
//!
//! # Layout
//! - [`session`]: the session cookie, the signed-in person, the
//!   anti-forgery check.
//! - [`sign_in`]: signing in with a token or a one-time link, signing out,
//!   and the attempts' rate limit ([`limiter`]).
//! - [`inbox`]: what waits on the signed-in person.
//! - [`agreement`]: the agreement page and each target's page with its
//!   negotiation thread.
//! - [`forms`]: every command as a form, and the one handler that turns a
//!   submitted form into its request.
//! - [`admin`]: the reference data's pages (indicator sets, rounds,
//!   areas) and their forms, and opening an agreement.
//! - [`sheets`]: spreadsheets uploaded (checked, then applied all or
//!   none) and downloaded.
//! - [`notifications`]: a person asks to be told by email when something
//!   starts waiting on them; [`notifier`] tells them through the
//!   operator's SMTP relay (`laa serve --smtp-url`), in the message
//!   [`mail`] writes.
//! - [`refusal`]: a refused call as the error summary shows it.
//! - [`layout`]: the page shell and the GOV.UK Design System's patterns
//!   (error summary, notification banner, summary list, task list, tags).
//! - [`respond`]: every response's headers (CSP without script, no caching).
//!
//! # Invariants
//! - No page or form reads or writes agreements except through the
//!   engine's service methods: what a role may see or do is the core's.
//!   (The inbox reads the state of the agreements the engine listed for
//!   the person, to word what waits in them by the core's rule.)
//! - No secret in a URL or a log: tokens are pasted into a form and sent
//!   by POST; a sign-in link's code is spent on first use.
//! - Every state-changing request is a POST carrying the session's
//!   anti-forgery token; the cookie is `HttpOnly` and `SameSite=Strict`.

#![warn(missing_docs)]

pub mod admin;
pub mod advice;
pub mod agreement;
pub mod forms;
pub mod inbox;
pub mod layout;
pub mod limiter;
pub mod mail;
pub mod notifications;
pub mod notifier;
pub mod refusal;
pub mod respond;
pub mod session;
pub mod sheets;
pub mod sign_in;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use laa_server::Engine;
use laa_store::{Credentials, Notifications, Queries, Sessions, Store};

/// The stylesheet, embedded.
pub const STYLESHEET: &str = include_str!("style.css");

/// Where the workspace is mounted on the pages' listener.
pub const ROOT: &str = "/workspace";

/// What every handler shares.
#[derive(Clone)]
pub struct Workspace {
    /// The engine whose service methods every form calls.
    pub engine: Engine,
    /// Read-only queries: the histories threads are drawn from (after
    /// the engine has authorised the read), the catalogue, the clock.
    pub queries: Queries,
    /// Tokens, checked when someone signs in with one.
    pub credentials: Credentials,
    /// Sessions and sign-in links.
    pub sessions: Sessions,
    /// Who asked to be told by email, and what they were told of.
    pub notifications: Notifications,
    /// True when the pages are served over TLS: the cookie is then
    /// `Secure` and named with the `__Host-` prefix.
    pub secure: bool,
    /// Sign-in attempts per address.
    pub limiter: Arc<limiter::Limiter>,
    /// True when this server sends email notifications (an SMTP relay is
    /// configured): the notifications page says so when it does not.
    pub mail: bool,
}

impl Workspace {
    /// The workspace over `engine`, with the roles it needs of `store`
    /// (never its event log: every change goes through the engine).
    pub fn new(engine: Engine, store: &Store, secure: bool) -> Self {
        Self {
            engine,
            queries: store.queries(),
            credentials: store.credentials(),
            sessions: store.sessions(),
            notifications: store.notifications(),
            secure,
            limiter: Arc::new(limiter::Limiter::default()),
            mail: false,
        }
    }

    /// The workspace, saying whether this server sends email
    /// notifications.
    pub fn sending_mail(mut self, mail: bool) -> Self {
        self.mail = mail;
        self
    }
}

/// The workspace's routes, to be nested at [`ROOT`].
pub fn router(workspace: Workspace) -> Router {
    Router::new()
        .route("/", get(inbox::inbox))
        .route("/sign-in", get(sign_in::form).post(sign_in::with_token))
        .route(
            "/sign-in/link/{code}",
            get(sign_in::link_form).post(sign_in::with_link),
        )
        .route("/sign-out", post(sign_in::sign_out))
        .route("/agreements", get(inbox::agreements))
        .route(advice::PATH, get(advice::inbox))
        .route("/agreements/{id}", get(agreement::agreement_page))
        .route(
            "/agreements/{id}/targets/{target}",
            get(agreement::target_page),
        )
        .route("/agreements/{id}/act", post(forms::act))
        .route(
            "/agreements/{id}/import",
            post(sheets::check).layer(DefaultBodyLimit::max(sheets::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/agreements/{id}/import/apply",
            // The checked sheet comes back base64-encoded: a third larger.
            post(sheets::apply).layer(DefaultBodyLimit::max(sheets::MAX_UPLOAD_BYTES * 3 / 2)),
        )
        .route("/agreements/{id}/{file}", get(sheets::download))
        .route("/sheets/{file}", get(sheets::download_all))
        .route("/{reference}", get(admin::reference))
        .route("/reference", post(admin::act))
        .route(
            notifications::PATH,
            get(notifications::form).post(notifications::save),
        )
        .route("/style.css", get(respond::stylesheet))
        .fallback(respond::not_found)
        .with_state(workspace)
}
