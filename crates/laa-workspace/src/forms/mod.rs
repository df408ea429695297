//! Every command as a form, and the one handler that turns a submitted
//! form into the gRPC request it stands for.
//!
//! A form is declared once in [`FORMS`] (its command, where it appears,
//! its fields); [`build`] parses a submission into a [`Call`], and
//! [`Call::send`] hands it to the engine's service method, the one a gRPC
//! client's call reaches. A form carries the agreement's version it was
//! drawn at (`expected_version`) and a request id made when it was drawn,
//! so a double click or a resubmission after the back button records
//! nothing twice, and a change made meanwhile is a conflict the page
//! explains.
//!
//! # Layout
//! - [`table`]: every form, declared once ([`FORMS`]);
//! - [`draw`]: a form as HTML, with its values and problems;
//! - [`build`]: a submission parsed into the request it stands for
//!   ([`Call`]), every problem named by its field;
//! - this module: the handler ([`act`]).

mod build;
mod draw;
mod table;

pub use build::{Call, Submitted, build, indicator_digits};
pub use draw::{Drawn, draw, draw_titled, year_field};
pub use table::{CHECKED, FORMS, Field, FormSpec, On, checked, spec};

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::CommandKind;

use crate::Workspace;
use crate::agreement::{self, Shown};
use crate::layout::{self, FieldError};
use crate::refusal::{Refusal, form_field};
use crate::respond::see_other;
use crate::session::Person;

/// `POST /agreements/{id}/act`: one submitted form.
pub async fn act(
    State(workspace): State<Workspace>,
    Path(id): Path<String>,
    person: Person,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = Submitted(fields);
    default_unit(&workspace, &mut form);
    if !person.forms_token_matches(form.get("csrf")) {
        tracing::warn!(token_id = %person.principal.token_id, "a workspace form came without the session's anti-forgery token");
        return crate::respond::html(StatusCode::FORBIDDEN, layout::forbidden());
    }
    let Some(kind) = CommandKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == form.get("command"))
    else {
        return crate::respond::html(StatusCode::UNPROCESSABLE_ENTITY, layout::forbidden());
    };
    let target = form.get("target").parse::<u32>().ok();
    let years = agreement::years_of(&id);
    let call = match build(kind, &id, &form, &years) {
        Ok(call) => call,
        Err(errors) => {
            return agreement::show(
                &workspace,
                &person,
                &id,
                target,
                Shown::refused(kind, form, errors, None),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut sent = call.send(&workspace.engine, &person).await;
    if let Err(status) = &sent
        && Refusal::of(status).is_conflict()
        && let Some(version) = rebased(&workspace, &id, kind, target, &form).await
    {
        // What the person saw of their target has not changed: the
        // engine decides the same form on the agreement as it stands,
        // under the same request id.
        let mut form = Submitted(form.0.clone());
        form.0.retain(|(n, _)| n != "expected_version");
        form.0
            .push(("expected_version".to_owned(), version.to_string()));
        if let Ok(call) = build(kind, &id, &form, &years) {
            sent = call.send(&workspace.engine, &person).await;
        }
    }
    match sent {
        Ok(answer) => {
            let page = match target {
                Some(t) => format!("{}/agreements/{id}/targets/{t}", crate::ROOT),
                None => match answer.target {
                    0 => format!("{}/agreements/{id}", crate::ROOT),
                    t => format!("{}/agreements/{id}/targets/{t}", crate::ROOT),
                },
            };
            let replayed = if answer.replayed { "&replayed=1" } else { "" };
            see_other(&format!("{page}?done={}{replayed}", kind.as_str()))
        }
        Err(status) => {
            let refusal = Refusal::of(&status);
            if refusal.code == tonic::Code::Unauthenticated {
                return see_other(&format!("{}/sign-in", crate::ROOT));
            }
            let mut form = form;
            let errors = if refusal.is_conflict() {
                // The banner says what changed; the form is ready to send again.
                Vec::new()
            } else if refusal.reason == Some(laa_core::Reason::RequestIdReused) {
                // The form was sent before (the back button) and recorded;
                // these changed values were not. A fresh request id lets
                // them be sent as a change of their own.
                form.0.retain(|(n, _)| n != "request_id");
                vec![FieldError::new(
                    first_field(kind),
                    "This form was already sent and recorded, with other values. The page now shows the agreement as it stands: check your changes against it, then send them again.",
                )]
            } else if refusal.fields.is_empty() {
                let field = first_field(kind);
                vec![FieldError::new(field, refusal.message.clone())]
            } else {
                refusal
                    .fields
                    .iter()
                    .map(|(path, description)| {
                        FieldError::new(form_field(path, &years), description.clone())
                    })
                    .collect()
            };
            let conflict = refusal.is_conflict().then_some(refusal.clone());
            agreement::show(
                &workspace,
                &person,
                &id,
                target,
                Shown::refused(kind, form, errors, conflict),
                refusal.http_status(),
            )
            .await
        }
    }
}

/// The version a refused form may be decided at instead of the one it was
/// drawn at, when everything recorded since concerns other targets than
/// the form's own: a form on a target's page (or a proposal of a new
/// target) is about that target, and two people at work on different
/// targets of one agreement should not get in each other's way. A change
/// to the form's own target, or to the agreement as a whole (endorsement,
/// submission, a refused request...), keeps the conflict, for the person
/// to look at. `None` also when the changes cannot be read.
async fn rebased(
    workspace: &Workspace,
    id: &str,
    kind: CommandKind,
    target: Option<u32>,
    form: &Submitted,
) -> Option<u64> {
    /// More changes than this since the form was drawn are for the person
    /// to look at.
    const AT_MOST: u64 = 50;
    let about_a_target = spec(kind).is_some_and(|s| s.on == On::Target);
    if !(about_a_target || kind == CommandKind::Propose) {
        return None;
    }
    let drawn = form.get("expected_version").parse::<u64>().ok()?;
    let agreement = laa_core::AgreementId::new(id).ok()?;
    let since = workspace
        .queries
        .events(&agreement, drawn + 1, AT_MOST + 1)
        .await
        .ok()?;
    let last = since.last()?.sequence;
    let elsewhere = since.len() as u64 <= AT_MOST
        && since.iter().all(|e| {
            e.event
                .change
                .target()
                .is_some_and(|t| Some(t.get()) != target)
        });
    elsewhere.then_some(last)
}

/// Fills an empty unit from the indicator the form names, as the CLI
/// does: the server knows each National Indicator's unit.
fn default_unit(workspace: &Workspace, form: &mut Submitted) {
    if !form.get("unit").is_empty() {
        return;
    }
    let named = match form.get("indicator_number") {
        "" => form.get("target_indicator"),
        number => number,
    };
    let unit = indicator_digits(named)
        .parse::<u16>()
        .ok()
        .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
        .and_then(|n| {
            workspace
                .queries
                .catalogue()
                .indicator(n)
                .map(|i| i.unit.as_str())
        });
    if let Some(unit) = unit {
        form.0.retain(|(n, _)| n != "unit");
        form.0.push(("unit".to_owned(), unit.to_owned()));
    }
}

/// The field an error without one links to: the form's first field, or
/// its button.
fn first_field(kind: CommandKind) -> String {
    match spec(kind).and_then(|s| s.fields.first()) {
        Some(
            Field::Text(id, ..)
            | Field::Long(id, ..)
            | Field::Number(id, ..)
            | Field::Flag(id, _)
            | Field::ChampionsFlag(id, _),
        ) => (*id).to_owned(),
        Some(Field::Indicator) => "indicator_number".to_owned(),
        Some(Field::Department) => "department".to_owned(),
        Some(Field::Terms) => "baseline".to_owned(),
        None => format!("submit-{}", kind.as_str()),
    }
}
