//! The agreement page and each target's page: status and dates, the cap
//! as a gauge, the statutory targets as a task list, the designated and
//! local targets as a table, each target's negotiation thread, and the
//! forms of every command the person's role may issue in the agreement's
//! state (the core's permission and lifecycle tables decide which).
//!
//! The agreement is read through the engine's `GetAgreement`, so a page is
//! refused exactly as the call is (403 for another area's agreement where
//! gRPC answers PERMISSION_DENIED; nothing about an agreement outside the
//! person's scope is revealed). Only after that does the thread come from
//! the agreement's history.
//!
//! # Layout
//! - this module: the handlers, what a page shows beyond the agreement
//!   ([`Shown`]), and a refused page;
//! - `page`: the pages themselves;
//! - `thread`: a target's negotiation thread;
//! - `words`: states, sides and names as people say them.

mod page;
mod thread;
mod words;

use page::Page;

pub use words::{agreement_status_words, area_name, side_of, status_of};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::{AgreementId, CommandKind};
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use maud::html;
use serde::Deserialize;

use crate::Workspace;
use crate::forms::Submitted;
use crate::layout::{self, FieldError};
use crate::refusal::Refusal;
use crate::respond::html as respond;
use crate::session::Person;

/// What a page shows beyond the agreement: a command just done, or a
/// refused submission with its values and problems.
#[derive(Debug, Default)]
pub struct Shown {
    /// The command just done (`?done=`), and whether it was a replay.
    pub done: Option<(CommandKind, bool)>,
    /// The refused form's command, values and problems.
    pub refused: Option<(CommandKind, Submitted, Vec<FieldError>)>,
    /// The conflict, when the agreement moved on since the form was drawn.
    pub conflict: Option<Refusal>,
    /// The command whose check page this is (`?check=`), if it is one.
    pub check: Option<CommandKind>,
}

impl Shown {
    /// A refused submission.
    pub fn refused(
        kind: CommandKind,
        form: Submitted,
        errors: Vec<FieldError>,
        conflict: Option<Refusal>,
    ) -> Self {
        Self {
            done: None,
            refused: Some((kind, form, errors)),
            conflict,
            check: None,
        }
    }
}

/// The query a page is reached with after a command.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    /// The command's name (`AcceptOffer`).
    #[serde(default)]
    done: String,
    /// `1` when the request had already been recorded.
    #[serde(default)]
    replayed: String,
    /// A command whose check page is asked for (`SignOffAgreement`).
    #[serde(default)]
    check: String,
}

impl Done {
    fn shown(&self) -> Shown {
        Shown {
            done: CommandKind::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == self.done)
                .map(|k| (k, self.replayed == "1")),
            check: crate::forms::CHECKED
                .iter()
                .map(|(k, _, _)| *k)
                .find(|k| k.as_str() == self.check),
            ..Shown::default()
        }
    }
}

/// `GET /agreements/{id}`.
pub async fn agreement_page(
    State(workspace): State<Workspace>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    show(&workspace, &person, &id, None, done.shown(), StatusCode::OK).await
}

/// `GET /agreements/{id}/targets/{target}`.
pub async fn target_page(
    State(workspace): State<Workspace>,
    Path((id, target)): Path<(String, String)>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    let Ok(target) = target.parse::<u32>() else {
        return crate::respond::not_found().await;
    };
    show(
        &workspace,
        &person,
        &id,
        Some(target),
        done.shown(),
        StatusCode::OK,
    )
    .await
}

/// The years of an agreement's period from its name (`kent-2008-11`:
/// `2008/09`, `2009/10`, `2010/11`).
pub fn years_of(agreement: &str) -> Vec<String> {
    let mut parts = agreement.rsplitn(3, '-');
    let (Some(end), Some(start)) = (parts.next(), parts.next()) else {
        return Vec::new();
    };
    let (Ok(start), Ok(end)) = (start.parse::<u32>(), end.parse::<u32>()) else {
        return Vec::new();
    };
    let end = start - start % 100 + end + if end < start % 100 { 100 } else { 0 };
    (start..end.min(start + 10))
        .map(|y| format!("{y}/{:02}", (y + 1) % 100))
        .collect()
}

/// The page of agreement `id` (or of one of its targets) for `person`.
pub async fn show(
    workspace: &Workspace,
    person: &Person,
    id: &str,
    target: Option<u32>,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let agreement = match read(workspace, person, id).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let waiting = crate::inbox::count(workspace, person).await;
    let catalogue = workspace.queries.catalogue();
    let meanwhile = match &shown.refused {
        Some((_, form, _)) if shown.conflict.is_some() => {
            let drawn = form.get("expected_version").parse::<u64>().unwrap_or(0);
            changes_since(workspace, id, drawn).await
        }
        _ => Vec::new(),
    };
    // A refused form of a checked command comes back on its check page.
    let check = shown.check.or(match &shown.refused {
        Some((kind, _, _)) if crate::forms::checked(*kind).is_some() => Some(*kind),
        _ => None,
    });
    let page = Page {
        check: if target.is_none() { check } else { None },
        meanwhile,
        workspace,
        person,
        agreement: &agreement,
        catalogue: &catalogue,
        years: years_of(id),
        shown: &shown,
    };
    let body = match target {
        None if page.check.is_some() => page.check(),
        None => page.agreement().await,
        Some(t) => match agreement.targets.iter().find(|x| x.id == t) {
            Some(found) => page.target(found).await,
            None => return crate::respond::not_found().await,
        },
    };
    let title = match (target, page.check.and_then(crate::forms::checked)) {
        (None, Some((_, heading, _))) => format!("{heading}: {id}"),
        (None, None) => format!("Agreement {id}"),
        (Some(t), _) => format!("Target {t} of {id}"),
    };
    respond(status, layout::page(person, waiting, &title, body))
}

/// What was recorded on agreement `id` after version `drawn`, in words
/// (the page has been authorised by `GetAgreement` before this is read).
async fn changes_since(workspace: &Workspace, id: &str, drawn: u64) -> Vec<String> {
    let Ok(agreement) = AgreementId::new(id) else {
        return Vec::new();
    };
    match workspace.queries.events(&agreement, drawn + 1, 20).await {
        Ok(events) => events
            .iter()
            .map(|e| {
                format!(
                    "{} by {} at {}",
                    e.kind.replace('_', " "),
                    e.event.actor.principal,
                    e.event.occurred().format("%H:%M on %-d %B")
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Agreement `id` read on the person's behalf through `GetAgreement`, or
/// the page its refusal answers with: every page and download of an
/// agreement starts here, so scope is the engine's.
pub async fn read(
    workspace: &Workspace,
    person: &Person,
    id: &str,
) -> Result<pb::Agreement, Response> {
    workspace
        .engine
        .get_agreement(person.request(pb::GetAgreementRequest {
            name: format!("agreements/{id}"),
        }))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| refused_page(person, &Refusal::of(&status)))
}

/// A page the engine refused to show: the status gRPC would answer.
pub fn refused_page(person: &Person, refusal: &Refusal) -> Response {
    if refusal.code == tonic::Code::Unauthenticated {
        return crate::respond::see_other(&format!("{}/sign-in", crate::ROOT));
    }
    let status = refusal.http_status();
    let heading = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "You cannot see this page",
        _ => "Sorry, this page cannot be shown",
    };
    respond(
        status,
        layout::page(
            person,
            0,
            heading,
            html! {
                h1.heading-l { (heading) }
                p { (refusal.message) }
                p { a href=(crate::ROOT) { "Go to what is waiting on you" } }
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::years_of;

    #[test]
    fn an_agreements_name_gives_its_years() {
        assert_eq!(years_of("kent-2008-11"), ["2008/09", "2009/10", "2010/11"]);
        assert_eq!(
            years_of("isle-of-wight-2011-14"),
            ["2011/12", "2012/13", "2013/14"]
        );
        assert_eq!(years_of("x-1998-01"), ["1998/99", "1999/00", "2000/01"]);
        assert!(years_of("nonsense").is_empty());
    }
}
