//! "Waiting on you": what each role has to do next, drawn from the
//! agreements the engine lets the person read.
//!
//! - Negotiators (a GO's region, a council's own area): offers awaiting
//!   their side's answer, statutory targets without terms, agreements
//!   ready to endorse (the area) or to submit (the GO), advice to record
//!   (the GO), refreshes overdue.
//! - Ministers' sign-off: agreements submitted, re-baselinings awaiting
//!   approval.
//! - Auditors: histories found broken.
//! - Everyone who may comment: indicator sets under consultation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::{CommandKind, Role, Side};
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_proto::v1::indicator_service_server::IndicatorService;
use maud::{Markup, html};

use crate::Workspace;
use crate::agreement::{agreement_status_words, area_name, side_of, status_of};
use crate::layout::{self, tag};
use crate::respond::html as respond;
use crate::session::Person;

/// One thing waiting on the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    /// What to do, in plain words.
    pub what: String,
    /// Where to do it.
    pub link: String,
    /// The agreement or set it concerns.
    pub about: String,
    /// What tells this item from an earlier one of the same words at the
    /// same place (an offer's time: each new offer on a target waits
    /// anew); empty when nothing does. The email notifier tells of each.
    pub occurrence: String,
}

/// The most agreements one listing reads.
const MAX_AGREEMENTS: usize = 400;

/// The agreements the person may read, with every target, optionally
/// only those in `status`.
pub async fn visible(
    workspace: &Workspace,
    person: &Person,
    status: pb::AgreementStatus,
    refresh_overdue: bool,
) -> Vec<pb::Agreement> {
    let mut names = Vec::new();
    let mut page_token = String::new();
    loop {
        let listed = workspace
            .engine
            .list_agreements(person.request(pb::ListAgreementsRequest {
                status: status as i32,
                page_size: 200,
                page_token: page_token.clone(),
                refresh_overdue,
                ..Default::default()
            }))
            .await;
        let Ok(listed) = listed.map(tonic::Response::into_inner) else {
            break;
        };
        names.extend(listed.agreements.into_iter().map(|a| a.name));
        if listed.next_page_token.is_empty() || names.len() >= MAX_AGREEMENTS {
            break;
        }
        page_token = listed.next_page_token;
    }
    let mut agreements = Vec::with_capacity(names.len());
    for name in names {
        if let Ok(a) = workspace
            .engine
            .get_agreement(person.request(pb::GetAgreementRequest { name }))
            .await
        {
            agreements.push(a.into_inner());
        }
    }
    agreements
}

fn link(agreement: &pb::Agreement, target: Option<u32>) -> String {
    let id = agreement
        .name
        .strip_prefix("agreements/")
        .unwrap_or(&agreement.name);
    match target {
        Some(t) => format!("{}/agreements/{id}/targets/{t}", crate::ROOT),
        None => format!("{}/agreements/{id}", crate::ROOT),
    }
}

/// The check page of a command that settles the whole agreement, where
/// the person does it.
fn check(agreement: &pb::Agreement, command: CommandKind) -> String {
    format!("{}?check={}", link(agreement, None), command.as_str())
}

fn negotiating(a: &pb::Agreement) -> bool {
    a.status == pb::AgreementStatus::Draft as i32
        || a.status == pb::AgreementStatus::RefreshOpen as i32
}

/// What waits on a negotiator of `side` in one agreement.
fn negotiator_items(a: &pb::Agreement, side: Side, items: &mut Vec<Waiting>) {
    let about = area_name(a);
    if !negotiating(a) {
        return;
    }
    let mut open = 0;
    let mut statutory_done = true;
    for t in &a.targets {
        if t.status == pb::TargetStatus::Withdrawn as i32 {
            continue;
        }
        let number = match &t.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => format!("NI {n}"),
            Some(pb::target::Indicator::LocalIndicator(l)) => l.title.clone(),
            None => String::new(),
        };
        let statutory = t.kind == pb::TargetKind::Statutory as i32;
        if statutory && t.agreed.is_none() {
            statutory_done = false;
        }
        match t.open_offer.as_ref().and_then(|o| side_of(o.side)) {
            Some(by) => {
                open += 1;
                if by != side {
                    let made_at = t.open_offer.as_ref().and_then(|o| o.made_at);
                    items.push(Waiting {
                        what: format!("Answer the offer on {number}"),
                        link: link(a, Some(t.id)),
                        about: about.clone(),
                        occurrence: made_at
                            .map(|at| format!("{}.{:09}", at.seconds, at.nanos))
                            .unwrap_or_default(),
                    });
                }
            }
            None if statutory && t.agreed.is_none() => items.push(Waiting {
                what: format!("Offer terms for statutory target {number}"),
                link: link(a, Some(t.id)),
                about: about.clone(),
                ..Default::default()
            }),
            None => {}
        }
    }
    let draft = a.status == pb::AgreementStatus::Draft as i32;
    if draft && open == 0 && statutory_done {
        match side {
            Side::Area if !a.endorsed => items.push(Waiting {
                what: "Endorse the agreement".into(),
                link: check(a, CommandKind::Endorse),
                about: about.clone(),
                ..Default::default()
            }),
            Side::Government if a.endorsed => items.push(Waiting {
                what: "Submit the agreement to Ministers".into(),
                link: check(a, CommandKind::Submit),
                about: about.clone(),
                ..Default::default()
            }),
            _ => {}
        }
    }
    if side == Side::Government {
        for r in a.advice.iter().filter(|r| r.answer.is_empty()) {
            items.push(Waiting {
                what: format!(
                    "Record {}'s advice on NI {} (request {})",
                    r.department, r.indicator_number, r.request
                ),
                link: link(a, None),
                about: about.clone(),
                ..Default::default()
            });
        }
    }
}

/// Everything waiting on the person, in the order of the page.
pub async fn waiting(workspace: &Workspace, person: &Person) -> Vec<Waiting> {
    let mut items = Vec::new();
    let role = person.actor.role;
    match role {
        Role::GoNegotiator | Role::AreaNegotiator => {
            let side = role.side().unwrap_or(Side::Area);
            for a in visible(workspace, person, pb::AgreementStatus::Unspecified, false).await {
                negotiator_items(&a, side, &mut items);
            }
            // A refresh is held on a signed-off agreement; one still in its
            // first negotiation has nothing to refresh yet.
            let signed_off = [
                pb::AgreementStatus::Agreed as i32,
                pb::AgreementStatus::Placeholder as i32,
                pb::AgreementStatus::Refreshed as i32,
            ];
            for a in visible(workspace, person, pb::AgreementStatus::Unspecified, true)
                .await
                .into_iter()
                .filter(|a| signed_off.contains(&a.status))
            {
                items.push(Waiting {
                    what: "Open the overdue refresh".into(),
                    link: link(&a, None),
                    about: area_name(&a),
                    ..Default::default()
                });
            }
        }
        Role::SignOff => {
            for a in visible(workspace, person, pb::AgreementStatus::Submitted, false).await {
                items.push(Waiting {
                    what: "Sign off or return the agreement".into(),
                    link: link(&a, None),
                    about: area_name(&a),
                    ..Default::default()
                });
            }
            for status in [
                pb::AgreementStatus::Agreed,
                pb::AgreementStatus::Placeholder,
                pb::AgreementStatus::Refreshed,
            ] {
                for a in visible(workspace, person, status, false).await {
                    for t in a.targets.iter().filter(|t| t.pending_rebaseline.is_some()) {
                        items.push(Waiting {
                            what: format!("Approve or reject the re-baselining of target {}", t.id),
                            link: link(&a, Some(t.id)),
                            about: area_name(&a),
                            ..Default::default()
                        });
                    }
                }
            }
        }
        Role::Auditor => {
            for a in visible(workspace, person, pb::AgreementStatus::Unspecified, false).await {
                if let Some(bad) = a.first_bad_sequence {
                    items.push(Waiting {
                        what: format!("History broken from change {bad}"),
                        link: link(&a, None),
                        about: area_name(&a),
                        ..Default::default()
                    });
                }
            }
        }
        Role::Admin => {}
    }
    if role != Role::Auditor
        && let Ok(sets) = workspace
            .engine
            .list_indicator_sets(person.request(pb::ListIndicatorSetsRequest {}))
            .await
    {
        let today = workspace.queries.clock().today().to_string();
        for set in sets.into_inner().indicator_sets {
            let open = set.status == "draft"
                && !set.consultation_opens.is_empty()
                && set.consultation_opens.as_str() <= today.as_str()
                && today.as_str() <= set.consultation_closes.as_str();
            if open {
                items.push(Waiting {
                    what: format!(
                        "Comment on the draft {} indicator set by {}",
                        set.version, set.consultation_closes
                    ),
                    link: "/indicators".into(),
                    about: format!("Indicator set {}", set.version),
                    ..Default::default()
                });
            }
        }
    }
    items
}

/// How many things wait on the person (the header's count).
pub async fn count(workspace: &Workspace, person: &Person) -> usize {
    waiting(workspace, person).await.len()
}

/// `GET /`: the inbox.
pub async fn inbox(State(workspace): State<Workspace>, person: Person) -> Response {
    let items = waiting(&workspace, &person).await;
    let body = html! {
        h1.heading-xl { "Waiting on you" }
        @if items.is_empty() {
            p { "Nothing is waiting on you." }
        } @else {
            p { (items.len()) " " (if items.len() == 1 { "thing is" } else { "things are" }) " waiting on you." }
            div.table-wrap role="region" aria-label="Waiting on you" tabindex="0" {
                table.table {
                    caption.visually-hidden { "Waiting on you" }
                    thead { tr { th scope="col" { "What" } th scope="col" { "Concerning" } } }
                    tbody {
                        @for item in &items {
                            tr {
                                td { a.link href=(item.link) { (item.what) } }
                                td { (item.about) }
                            }
                        }
                    }
                }
            }
        }
        p { a.link href={ (crate::ROOT) "/agreements" } { "See every agreement you can read" } }
        @if person.actor.role == Role::Auditor { (recent_activity(&workspace).await) }
    };
    respond(
        StatusCode::OK,
        layout::page(&person, items.len(), "Waiting on you", body),
    )
}

/// `GET /agreements`: every agreement the person may read.
pub async fn agreements(State(workspace): State<Workspace>, person: Person) -> Response {
    agreements_page(&workspace, &person, None, StatusCode::OK).await
}

/// The agreements page, with the form that opens one for those who may
/// (and a refused opening's values and problems).
pub async fn agreements_page(
    workspace: &Workspace,
    person: &Person,
    refused: Option<(&crate::forms::Submitted, &[crate::layout::FieldError])>,
    status: StatusCode,
) -> Response {
    let all = visible(workspace, person, pb::AgreementStatus::Unspecified, false).await;
    let waiting = count(workspace, person).await;
    let may_open = laa_core::authorise::role_may(person.actor.role, laa_core::CommandKind::Open);
    let body: Markup = html! {
        @if let Some((_, errors)) = refused { (layout::error_summary(errors)) }
        h1.heading-xl { "Agreements" }
        @if all.is_empty() {
            p { "There are no agreements you can read yet." }
        } @else {
            div.table-wrap role="region" aria-label="Agreements" tabindex="0" {
                table.table {
                    caption.visually-hidden { "Agreements" }
                    thead { tr { th scope="col" { "Area" } th scope="col" { "Round" } th scope="col" { "Status" } th scope="col" { "Designated" } } }
                    tbody {
                        @for a in &all {
                            @let (words, colour) = agreement_status_words(status_of(a));
                            tr {
                                th scope="row" { a.link href=(link(a, None)) { (area_name(a)) } }
                                td { (a.round) }
                                td { (tag(words, colour)) }
                                td { (a.designated_count) " of " (a.designated_cap) }
                            }
                        }
                    }
                }
            }
        }
        p {
            a.link href={ (crate::ROOT) "/sheets/sheet.xlsx" } { "Download every agreement here as XLSX" }
            " or "
            a.link href={ (crate::ROOT) "/sheets/sheet.csv" } { "CSV" }
        }
        @if may_open { (crate::admin::open_form(person, refused)) }
    };
    respond(status, layout::page(person, waiting, "Agreements", body))
}

/// The last changes recorded on any agreement, for auditors (who read
/// every agreement's history).
async fn recent_activity(workspace: &Workspace) -> Markup {
    let events = workspace
        .queries
        .recent_events(20)
        .await
        .unwrap_or_default();
    html! {
        h2.heading-l { "Recent activity" }
        @if events.is_empty() {
            p { "Nothing has been recorded yet." }
        } @else {
            div.table-wrap role="region" aria-label="Recent activity" tabindex="0" {
                table.table {
                    caption.visually-hidden { "Recent activity" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Agreement" } th scope="col" { "What" } th scope="col" { "Who" } } }
                    tbody {
                        @for e in &events {
                            tr {
                                td { (e.recorded_at.format("%-d %b %Y %H:%M")) }
                                td { a.link href={ (crate::ROOT) "/agreements/" (e.agreement.as_str()) } { (e.agreement.as_str()) } }
                                td { (e.kind.replace('_', " ")) }
                                td { (e.event.actor.principal) }
                            }
                        }
                    }
                }
            }
        }
    }
}
