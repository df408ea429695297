//! `/notifications`: a person asks to be told by email when something
//! starts waiting on them, or stops asking.
//!
//! The choice is kept per token ([`laa_store::notifications`]); the
//! [`crate::notifier`] sends the messages. What already waits when the
//! person turns notifications on is not sent: they can see it in their
//! inbox; only what starts waiting afterwards is.

use std::collections::BTreeSet;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_store::StoreError;
use maud::{Markup, html};
use serde::Deserialize;

use crate::Workspace;
use crate::inbox;
use crate::layout::{self, FieldError, Input};
use crate::notifier::key;
use crate::respond::{html as respond, see_other};
use crate::session::Person;

/// Where the page is, under [`crate::ROOT`].
pub const PATH: &str = "/notifications";

/// What the page's query may say.
#[derive(Deserialize, Default)]
pub struct Shown {
    /// `1` just after a choice was saved.
    #[serde(default)]
    saved: Option<String>,
}

/// The submitted form.
#[derive(Deserialize)]
pub struct Choice {
    /// The session's anti-forgery token.
    #[serde(default)]
    csrf: String,
    /// Where to write.
    #[serde(default)]
    email: String,
    /// `true` when the box is ticked (absent otherwise).
    #[serde(default)]
    enabled: Option<String>,
}

/// The form as drawn: the address and the box as the person left them, or
/// as they sent them when something was wrong.
fn page(
    workspace: &Workspace,
    person: &Person,
    email: &str,
    enabled: bool,
    saved: Option<bool>,
    errors: &[FieldError],
) -> Markup {
    html! {
        (layout::error_summary(errors))
        @if let Some(on) = saved {
            (layout::banner(true, "Your choice is saved", html! {
                p { @if on { "We will email " (email) " when something starts waiting on you." } @else { "We will not email you." } }
            }))
        }
        @if !workspace.mail {
            (layout::banner(false, "This service is not sending email at the moment", html! {
                p { "Your choice is kept, and followed once it does." }
            }))
        }
        h1.heading-xl { "Email notifications" }
        p { "We can email you when something starts waiting on you: an offer to answer, a target that needs terms, an agreement to endorse, submit or sign off." }
        p { "The email names the agreement and links to it. It never contains the terms, rationale or values under negotiation: you sign in to see them." }
        p { "Things already waiting on you when you turn this on are not emailed: you can see them in " a.link href=(crate::ROOT) { "Waiting on you" } "." }
        form #form-notifications method="post" action={ (crate::ROOT) (PATH) } novalidate {
            input type="hidden" name="csrf" value=(person.csrf);
            (layout::text_input(&Input {
                id: "email",
                label: "Email address",
                hint: Some("Messages go only to this address."),
                kind: "email",
                value: email,
                errors,
                autocomplete: "email",
                width: None,
            }))
            (layout::checkbox("enabled", "Email me when something starts waiting on me", enabled))
            button.button type="submit" { "Save" }
        }
    }
}

/// `GET /notifications`: the person's choice, to change.
pub async fn form(
    State(workspace): State<Workspace>,
    person: Person,
    Query(shown): Query<Shown>,
) -> Response {
    let current = match workspace
        .notifications
        .subscription(&person.principal.token_id)
        .await
    {
        Ok(current) => current,
        Err(error) => {
            tracing::warn!(%error, "the workspace cannot read a subscription");
            return layout::unavailable();
        }
    };
    let (email, enabled) = current.map_or((String::new(), false), |s| (s.email, s.enabled));
    let saved = shown.saved.is_some().then_some(enabled);
    let waiting = inbox::count(&workspace, &person).await;
    let body = page(&workspace, &person, &email, enabled, saved, &[]);
    respond(
        StatusCode::OK,
        layout::page(&person, waiting, "Email notifications", body),
    )
}

/// What is wrong with a submitted choice, if anything.
fn problems(email: &str, enabled: bool) -> Vec<FieldError> {
    if email.is_empty() {
        return if enabled {
            vec![FieldError::new(
                "email",
                "Enter an email address to be told by email",
            )]
        } else {
            Vec::new()
        };
    }
    let well_formed = email.len() <= laa_store::notifications::MAX_EMAIL_LEN
        && email.parse::<lettre::Address>().is_ok();
    if well_formed {
        Vec::new()
    } else {
        vec![FieldError::new(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        )]
    }
}

/// `POST /notifications`: saves the person's choice. A bad address gets
/// the error summary and changes nothing.
pub async fn save(
    State(workspace): State<Workspace>,
    person: Person,
    Form(choice): Form<Choice>,
) -> Response {
    if !person.forms_token_matches(&choice.csrf) {
        return respond(StatusCode::FORBIDDEN, layout::forbidden());
    }
    let email = choice.email.trim();
    let enabled = choice.enabled.as_deref() == Some("true");
    let items = inbox::waiting(&workspace, &person).await;
    let errors = problems(email, enabled);
    if !errors.is_empty() {
        let body = page(&workspace, &person, email, enabled, None, &errors);
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(&person, items.len(), "Email notifications", body),
        );
    }
    let waiting_now: BTreeSet<String> = items.iter().map(key).collect();
    match workspace
        .notifications
        .save_subscription(&person.principal.token_id, email, enabled, &waiting_now)
        .await
    {
        Ok(_) => {
            tracing::info!(token_id = %person.principal.token_id, enabled, "email notifications chosen");
            see_other(&format!("{}{PATH}?saved=1", crate::ROOT))
        }
        Err(StoreError::InvalidArgument { .. }) => {
            let errors = [FieldError::new(
                "email",
                "Enter an email address in the correct format, like name@example.com",
            )];
            let body = page(&workspace, &person, email, enabled, None, &errors);
            respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::page(&person, items.len(), "Email notifications", body),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "the workspace cannot save a subscription");
            layout::unavailable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn an_address_is_needed_to_be_told_and_must_be_one() {
        for (email, enabled, ok) in [
            ("officer@kent.gov.uk", true, true),
            ("officer@kent.gov.uk", false, true),
            ("", false, true),
            ("", true, false),
            ("officer", true, false),
            ("officer@", true, false),
            ("@kent.gov.uk", false, false),
            ("two words@kent.gov.uk", true, false),
            ("officer@kent.gov.uk\r\nBcc: x@y.z", true, false),
        ] {
            assert_eq!(
                problems(email, enabled).is_empty(),
                ok,
                "{email:?} {enabled}"
            );
        }
    }
}
