//! `GET /workspace/advice`: the requests for advice (recommendation 4) in
//! the agreements the person reads, a department's inbox: filtered by
//! department and to the open ones, each linking to its agreement, where
//! the GO or an assigned champion records the answer.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use maud::html;
use serde::Deserialize;

use crate::Workspace;
use crate::layout::{self, tag};
use crate::respond::html as respond;
use crate::session::Person;

/// The page's path under the workspace.
pub const PATH: &str = "/advice";

/// What the page is asked to show.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A department's code; empty for every department.
    #[serde(default)]
    department: String,
    /// `true` for the open requests only.
    #[serde(default)]
    open: Option<String>,
}

/// The advice inbox.
pub async fn inbox(
    State(workspace): State<Workspace>,
    person: Person,
    Query(filter): Query<Filter>,
) -> Response {
    let open = filter.open.as_deref() == Some("true");
    let department = laa_core::departments::canonical(&filter.department);
    let listed = workspace
        .engine
        .list_advice_requests(person.request(pb::ListAdviceRequestsRequest {
            department: department.map(|d| d.code.to_string()).unwrap_or_default(),
            open_only: open,
            page_size: 1_000,
            ..Default::default()
        }))
        .await
        .map(|r| r.into_inner().requests)
        .unwrap_or_default();
    let waiting = crate::inbox::count(&workspace, &person).await;
    let body = html! {
        h1.heading-xl { "Requests for advice" }
        p { "What areas asked Whitehall departments through their Government Office, in the agreements you can read: a department's inbox. The GO, or a negotiating champion assigned to the agreement, records each answer on the agreement's page." }
        form method="get" action={ (crate::ROOT) (PATH) } {
            div.form-group {
                label.label for="department" { "Department" }
                select #department name="department" {
                    option value="" { "Every department" }
                    @for d in laa_core::departments::departments_2008() {
                        option value=(d.code.as_str()) selected[department.is_some_and(|s| s.code == d.code)] { (d.name) " (" (d.code.as_str()) ")" }
                    }
                }
            }
            (layout::checkbox("open", "Only requests not yet answered", open))
            button.button type="submit" { "Show requests" }
        }
        @if listed.is_empty() {
            p { "There are no requests for advice here." }
        } @else {
            div.table-wrap role="region" aria-label="Requests for advice" tabindex="0" {
                table.table {
                    caption.visually-hidden { "Requests for advice" }
                    thead { tr {
                        th scope="col" { "Agreement" } th scope="col" { "Department" }
                        th scope="col" { "Indicator" } th scope="col" { "Asked" }
                        th scope="col" { "Answer" } th scope="col" { "Question" }
                    } }
                    tbody {
                        @for l in &listed {
                            @let r = l.request.clone().unwrap_or_default();
                            @let id = l.agreement.trim_start_matches("agreements/");
                            tr {
                                th scope="row" { a.link href={ (crate::ROOT) "/agreements/" (id) } { (id) " #" (r.request) } }
                                td { (r.department) }
                                td { "NI " (r.indicator_number) }
                                td { (day(r.asked_at.as_ref())) }
                                td { @if r.answer.is_empty() { (tag("Open", "yellow")) } @else { (tag("Answered", "green")) " " (day(r.answered_at.as_ref())) } }
                                td { (r.question) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout::page(&person, waiting, "Requests for advice", body),
    )
}

/// A timestamp's day, as people write it.
fn day(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map_or_else(|| "-".to_owned(), |t| t.format("%-d %B %Y").to_string())
}
