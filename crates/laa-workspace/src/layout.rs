//! The page shell and the GOV.UK Design System's patterns the workspace
//! uses: error summary, notification banner, summary list, task list, tag,
//! and form fields with their hints and error messages.
//!
//! The patterns are written here as the Design System describes their
//! markup (headings, labels tied to inputs, errors linked to fields,
//! `role="alert"` summaries) with our own stylesheet; there is no script.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};

use crate::session::Person;

/// A problem with one field of a form: the error summary links to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's `id`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " – LAA workspace" }
            link rel="stylesheet" href={ (crate::ROOT) "/style.css" };
        }
    }
}

/// A page for someone not signed in (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.header {
                    div.width-container {
                        a.header-service href=(crate::ROOT) { "LAA workspace" }
                    }
                }
                div.width-container {
                    main #main.main tabindex="-1" { (body) }
                }
                (footer())
            }
        }
    }
}

/// A page for a signed-in person: the header names them, counts what waits
/// on them, and offers to sign out.
pub fn page(person: &Person, waiting: usize, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.header {
                    div.width-container.header-bar {
                        a.header-service href=(crate::ROOT) { "LAA workspace" }
                        nav.header-nav aria-label="Workspace" {
                            ul {
                                li { a href=(crate::ROOT) { "Waiting on you " span.count { (waiting) } } }
                                li { a href={ (crate::ROOT) "/agreements" } { "Agreements" } }
                                li { a href={ (crate::ROOT) "/indicator-sets" } { "Indicator sets" } }
                                li { a href={ (crate::ROOT) "/rounds" } { "Rounds" } }
                                li { a href={ (crate::ROOT) "/areas" } { "Areas" } }
                                li { a href={ (crate::ROOT) (crate::notifications::PATH) } { "Email notifications" } }
                            }
                        }
                        div.header-person {
                            span { (person.actor.principal) " · " (role_name(person.actor.role)) }
                            form method="post" action={ (crate::ROOT) "/sign-out" } {
                                input type="hidden" name="csrf" value=(person.csrf);
                                button.link-button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                div.width-container {
                    main #main.main tabindex="-1" { (body) }
                }
                (footer())
            }
        }
    }
}

fn footer() -> Markup {
    html! {
        footer.footer {
            div.width-container {
                p { "Local Area Agreements: the negotiators' workspace. " a href="/" { "Public pages" } }
            }
        }
    }
}

/// A role as people say it.
pub fn role_name(role: laa_core::Role) -> &'static str {
    match role {
        laa_core::Role::GoNegotiator => "Government Office negotiator",
        laa_core::Role::AreaNegotiator => "area negotiator",
        laa_core::Role::SignOff => "Ministers' sign-off",
        laa_core::Role::Auditor => "auditor",
        laa_core::Role::Admin => "administrator",
        laa_core::Role::Champion => "negotiating champion",
    }
}

/// The error summary: every problem, each linking to its field. Nothing
/// when there is no problem.
pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title.error-summary-title { "There is a problem" }
                ul.error-summary-list {
                    @for e in errors {
                        li { a href={ "#" (e.field) } { (e.message) } }
                    }
                }
            }
        }
    }
}

/// A notification banner: `success` for something just done, otherwise
/// important information.
pub fn banner(success: bool, title: &str, body: Markup) -> Markup {
    let class = if success {
        "notification-banner notification-banner-success"
    } else {
        "notification-banner"
    };
    html! {
        div class=(class) role=(if success { "alert" } else { "region" }) aria-labelledby="banner-title" {
            div.notification-banner-header {
                h2 #banner-title.notification-banner-title { (if success { "Success" } else { "Important" }) }
            }
            div.notification-banner-content {
                p.notification-banner-heading { (title) }
                (body)
            }
        }
    }
}

/// A summary list of (key, value) rows.
pub fn summary_list(rows: &[(&str, Markup)]) -> Markup {
    html! {
        dl.summary-list {
            @for (key, value) in rows {
                div.summary-list-row {
                    dt.summary-list-key { (key) }
                    dd.summary-list-value { (value) }
                }
            }
        }
    }
}

/// A tag: a status in a coloured box, its words carrying the meaning.
pub fn tag(text: &str, colour: &str) -> Markup {
    html! { strong class={ "tag tag-" (colour) } { (text) } }
}

/// One text input with its label, hint and error message.
pub struct Input<'a> {
    /// Its id and name.
    pub id: &'a str,
    /// Its label.
    pub label: &'a str,
    /// A hint under the label.
    pub hint: Option<&'a str>,
    /// `text`, `password` or `number`-like text (`decimal`).
    pub kind: &'a str,
    /// The value to show.
    pub value: &'a str,
    /// The form's problems (this field's are shown with it).
    pub errors: &'a [FieldError],
    /// The `autocomplete` attribute.
    pub autocomplete: &'a str,
    /// A narrower width class (`width-10`, `width-20`).
    pub width: Option<&'a str>,
}

fn field_error<'a>(errors: &'a [FieldError], id: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == id)
}

/// A text input in the Design System's form group.
pub fn text_input(input: &Input<'_>) -> Markup {
    let error = field_error(input.errors, input.id);
    let hint_id = format!("{}-hint", input.id);
    let error_id = format!("{}-error", input.id);
    let described = [
        input.hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let (kind, mode) = match input.kind {
        "decimal" => ("text", Some("decimal")),
        other => (other, None),
    };
    let class = match (error.is_some(), input.width) {
        (true, Some(w)) => format!("input input-error {w}"),
        (true, None) => "input input-error".to_owned(),
        (false, Some(w)) => format!("input {w}"),
        (false, None) => "input".to_owned(),
    };
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label.label for=(input.id) { (input.label) }
            @if let Some(hint) = input.hint { div.hint id=(hint_id) { (hint) } }
            @if let Some(e) = error { p.error-message id=(error_id) { span.visually-hidden { "Error: " } (e.message) } }
            input class=(class) id=(input.id) name=(input.id) type=(kind) value=(input.value)
                autocomplete=(input.autocomplete) spellcheck="false"
                inputmode=[mode]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        }
    }
}

/// A textarea in the Design System's form group.
pub fn textarea(
    id: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    errors: &[FieldError],
) -> Markup {
    let error = field_error(errors, id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [
        hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label.label for=(id) { (label) }
            @if let Some(hint) = hint { div.hint id=(hint_id) { (hint) } }
            @if let Some(e) = error { p.error-message id=(error_id) { span.visually-hidden { "Error: " } (e.message) } }
            textarea class={ "textarea" @if error.is_some() { " textarea-error" } } id=(id) name=(id) rows="3"
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())] { (value) }
        }
    }
}

/// A single checkbox.
pub fn checkbox(id: &str, label: &str, checked: bool) -> Markup {
    html! {
        div.form-group {
            div.checkboxes-item {
                input.checkboxes-input id=(id) name=(id) type="checkbox" value="true" checked[checked];
                label.label.checkboxes-label for=(id) { (label) }
            }
        }
    }
}

/// A select of (value, text) options.
pub fn select(
    id: &str,
    label: &str,
    options: &[(String, String)],
    chosen: &str,
    errors: &[FieldError],
) -> Markup {
    let error = field_error(errors, id);
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label.label for=(id) { (label) }
            @if let Some(e) = error { p.error-message id={ (id) "-error" } { span.visually-hidden { "Error: " } (e.message) } }
            select.select id=(id) name=(id) {
                @for (value, text) in options {
                    option value=(value) selected[value == chosen] { (text) }
                }
            }
        }
    }
}

/// The page for a request the person may not make.
pub fn forbidden() -> Markup {
    bare(
        "You cannot do that",
        html! {
            h1.heading-l { "You cannot do that" }
            p { "The form was not sent from this page, or your session has changed. Go back, reload the page and try again." }
        },
    )
}

/// The answer when the database cannot be read: 503 with a page saying so.
pub fn unavailable() -> Response {
    crate::respond::html(
        StatusCode::SERVICE_UNAVAILABLE,
        bare(
            "Sorry, there is a problem with the service",
            html! {
                h1.heading-l { "Sorry, there is a problem with the service" }
                p { "Try again later. Nothing you sent has been lost: a change either was recorded in full or not at all." }
            },
        ),
    )
}
