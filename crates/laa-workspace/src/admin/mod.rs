//! The reference data's pages: the National Indicator Set's versions
//! (drafting, consultation comments, publication), the rounds, the areas,
//! and opening an agreement.
//!
//! Anyone signed in reads them, as over gRPC; each form is the request of
//! its service method (`CreateIndicatorSet`, `CommentOnIndicatorSet`,
//! `PublishIndicatorSet`, `CreateRound`, `CreateArea`, `OpenAgreement`,
//! and recommendation 15's `SetAreaPopulation` and `ProposeNationalTarget`),
//! sent on the person's behalf, so who may do what is the engine's
//! answer, shown as an error summary like an agreement's forms.
//!
//! # Layout
//! - this module: the pages' handlers and what they share;
//! - `pages`: the indicator sets', rounds' and areas' pages;
//! - `act`: the forms' handler, opening an agreement included;
//! - `opening`: the form that opens an agreement, its choices read from
//!   the server;
//! - `listed`: the areas, rounds and sets the engine lists to a person.

mod act;
mod listed;
mod opening;
mod pages;

pub use act::act;
pub use opening::{OpenChoices, open_form};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use pages::{areas_page, rounds_page, sets_page};

use crate::Workspace;
use crate::forms::Submitted;
use crate::layout::{self, FieldError, Input, banner};
use crate::respond::html as respond;
use crate::session::Person;

/// A reference page: which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// `/indicator-sets`.
    IndicatorSets,
    /// `/rounds`.
    Rounds,
    /// `/areas`.
    Areas,
}

impl Reference {
    pub(super) fn path(self) -> String {
        let page = match self {
            Reference::IndicatorSets => "indicator-sets",
            Reference::Rounds => "rounds",
            Reference::Areas => "areas",
        };
        format!("{}/{page}", crate::ROOT)
    }

    pub(super) fn of(command: &str) -> Option<Self> {
        match command {
            "CreateIndicatorSet" | "CommentOnIndicatorSet" | "PublishIndicatorSet" => {
                Some(Reference::IndicatorSets)
            }
            "CreateRound" | "ProposeNationalTarget" => Some(Reference::Rounds),
            "CreateArea" | "SetAreaPopulation" => Some(Reference::Areas),
            _ => None,
        }
    }
}

/// The query a page is reached with after a command.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// A refused submission to show again.
pub(super) struct Refused {
    pub(super) command: String,
    pub(super) form: Submitted,
    pub(super) errors: Vec<FieldError>,
}

/// `GET /indicator-sets`, `/rounds` or `/areas`: a reference page (any
/// other single-segment path is not one).
pub async fn reference(
    State(workspace): State<Workspace>,
    Path(which): Path<String>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    let which = match which.as_str() {
        "indicator-sets" => Reference::IndicatorSets,
        "rounds" => Reference::Rounds,
        "areas" => Reference::Areas,
        _ => return crate::respond::not_found().await,
    };
    page(&workspace, &person, which, &done.done, None, StatusCode::OK).await
}

pub(super) async fn page(
    workspace: &Workspace,
    person: &Person,
    which: Reference,
    done: &str,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let waiting = crate::inbox::count(workspace, person).await;
    let body = match which {
        Reference::IndicatorSets => sets_page(workspace, person, refused.as_ref()).await,
        Reference::Rounds => rounds_page(workspace, person, refused.as_ref()).await,
        Reference::Areas => areas_page(workspace, person, refused.as_ref()).await,
    };
    let title = match which {
        Reference::IndicatorSets => "Indicator sets",
        Reference::Rounds => "Rounds",
        Reference::Areas => "Areas",
    };
    let body = html! {
        @if !done.is_empty() {
            (banner(true, "Done", html! { p { (done_words(done)) " is recorded." } }))
        }
        @if let Some(r) = &refused { (layout::error_summary(&r.errors)) }
        (body)
    };
    respond(status, layout::page(person, waiting, title, body))
}

fn done_words(command: &str) -> &'static str {
    match command {
        "CreateIndicatorSet" => "The draft indicator set",
        "CommentOnIndicatorSet" => "Your comment",
        "PublishIndicatorSet" => "The set's publication",
        "CreateRound" => "The round",
        "CreateArea" => "The area",
        "SetAreaPopulation" => "The area's population",
        "ProposeNationalTarget" => "The proposed national target",
        _ => "The change",
    }
}

/// The hidden fields every reference form carries.
pub(super) fn envelope(person: &Person, command: &str, refused: Option<&Refused>) -> Markup {
    let request_id = refused
        .filter(|r| r.command == command)
        .map(|r| r.form.get("request_id").to_owned())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    html! {
        input type="hidden" name="csrf" value=(person.csrf);
        input type="hidden" name="command" value=(command);
        input type="hidden" name="request_id" value=(request_id);
    }
}

/// The values and problems of the refused form of `command`, if it is one.
fn shown<'a>(refused: Option<&'a Refused>, command: &str) -> (&'a Submitted, &'a [FieldError]) {
    static EMPTY: std::sync::OnceLock<Submitted> = std::sync::OnceLock::new();
    match refused {
        Some(r) if r.command == command => (&r.form, &r.errors),
        _ => (EMPTY.get_or_init(Submitted::default), &[]),
    }
}

pub(super) fn text(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    form: &Submitted,
    errors: &[FieldError],
) -> Markup {
    layout::text_input(&Input {
        id,
        label,
        hint,
        kind: "text",
        value: form.get(id),
        errors,
        autocomplete: "off",
        width: None,
    })
}

pub(super) fn action() -> String {
    format!("{}/reference", crate::ROOT)
}
