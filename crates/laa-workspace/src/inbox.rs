//! "Waiting on you": what each role has to do next, drawn from the
//! agreements the engine lets the person read.
//!
//! What waits on whom in an agreement is the core's rule, once
//! ([`laa_core::waiting`]: offers to answer, statutory targets without
//! terms, endorsing and submitting, advice to record, overdue refreshes,
//! sign-off, re-baselinings, broken histories); this module words it and
//! links each item to the page where it is done. Beside the agreements,
//! everyone who may comment sees the indicator sets under consultation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::waiting as core;
use laa_core::{AgreementId, CommandKind, IndicatorRef, Role};
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_proto::v1::indicator_service_server::IndicatorService;
use maud::{Markup, html};

use crate::Workspace;
use crate::agreement::{agreement_status_words, area_name, status_of};
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

/// The agreements the person may read as one listing answers them (every
/// target; at most [`MAX_AGREEMENTS`]), optionally only those in
/// `status`, or only those in which something waits on the person.
async fn listed(
    workspace: &Workspace,
    person: &Person,
    status: pb::AgreementStatus,
    waiting_on_me: bool,
) -> Vec<pb::Agreement> {
    let mut agreements = Vec::new();
    let mut page_token = String::new();
    loop {
        let listed = workspace
            .engine
            .list_agreements(person.request(pb::ListAgreementsRequest {
                status: status as i32,
                page_size: 200,
                page_token: page_token.clone(),
                waiting_on_me,
                ..Default::default()
            }))
            .await;
        let Ok(listed) = listed.map(tonic::Response::into_inner) else {
            break;
        };
        agreements.extend(listed.agreements);
        if listed.next_page_token.is_empty() || agreements.len() >= MAX_AGREEMENTS {
            break;
        }
        page_token = listed.next_page_token;
    }
    agreements
}

/// The agreements the person may read, with every target, optionally
/// only those in `status`, each as `GetAgreement` answers it.
pub async fn visible(
    workspace: &Workspace,
    person: &Person,
    status: pb::AgreementStatus,
) -> Vec<pb::Agreement> {
    let names = listed(workspace, person, status, false).await;
    let mut agreements = Vec::with_capacity(names.len());
    for name in names.into_iter().map(|a| a.name) {
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

/// An indicator as the inbox names it: `NI 117`, or a local one's title.
fn indicator_words(indicator: &IndicatorRef) -> String {
    match indicator {
        IndicatorRef::National(n) => n.to_string(),
        IndicatorRef::Local { title, .. } => title.clone(),
    }
}

/// One thing the core finds waiting in an agreement, in the inbox's words
/// and with the page where it is done.
fn item(a: &pb::Agreement, waiting: &core::Waiting) -> Waiting {
    let at = |what: String, link: String| Waiting {
        what,
        link,
        about: area_name(a),
        occurrence: String::new(),
    };
    match waiting {
        core::Waiting::AnswerOffer {
            target,
            indicator,
            made_at,
        } => Waiting {
            occurrence: format!(
                "{}.{:09}",
                made_at.timestamp(),
                made_at.timestamp_subsec_nanos()
            ),
            ..at(
                format!("Answer the offer on {}", indicator_words(indicator)),
                link(a, Some(target.get())),
            )
        },
        core::Waiting::OfferStatutoryTerms { target, indicator } => at(
            format!(
                "Offer terms for statutory target {}",
                indicator_words(indicator)
            ),
            link(a, Some(target.get())),
        ),
        core::Waiting::Endorse => at(
            "Endorse the agreement".into(),
            check(a, CommandKind::Endorse),
        ),
        core::Waiting::Submit => at(
            "Submit the agreement to Ministers".into(),
            check(a, CommandKind::Submit),
        ),
        core::Waiting::RecordAdvice {
            request,
            department,
            indicator,
        } => at(
            format!("Record {department}'s advice on {indicator} (request {request})"),
            link(a, None),
        ),
        core::Waiting::OpenOverdueRefresh { .. } => {
            at("Open the overdue refresh".into(), link(a, None))
        }
        core::Waiting::SignOffOrReturn => {
            at("Sign off or return the agreement".into(), link(a, None))
        }
        core::Waiting::ApproveRebaseline { target } => at(
            format!("Approve or reject the re-baselining of target {target}"),
            link(a, Some(target.get())),
        ),
        core::Waiting::HistoryBroken { from } => {
            at(format!("History broken from change {from}"), link(a, None))
        }
    }
}

/// Where an item stands on the page: what a negotiation or a submission
/// asks first, then the overdue refreshes and re-baselinings of
/// agreements already signed off.
fn section(waiting: &core::Waiting) -> u8 {
    match waiting {
        core::Waiting::OpenOverdueRefresh { .. } | core::Waiting::ApproveRebaseline { .. } => 1,
        _ => 0,
    }
}

/// Everything waiting on the person, in the order of the page.
///
/// The engine lists the agreements in which something waits on the person
/// (`waiting_on_me`, so only those are read, and only within their
/// scope); each listed agreement's state is then read from the store and
/// the core's rule ([`laa_core::waiting`]) says what waits in it.
pub async fn waiting(workspace: &Workspace, person: &Person) -> Vec<Waiting> {
    let mut found = Vec::new();
    if core::may_wait_on(person.actor.role) {
        for a in listed(workspace, person, pb::AgreementStatus::Unspecified, true).await {
            let Ok(id) = AgreementId::new(a.name.strip_prefix("agreements/").unwrap_or(&a.name))
            else {
                continue;
            };
            let Ok(Some(state)) = workspace.queries.load_shared(&id).await else {
                continue;
            };
            let circumstances = workspace.engine.circumstances(&id);
            for w in core::waiting_on(&state, &person.actor, &circumstances) {
                found.push((section(&w), item(&a, &w)));
            }
        }
    }
    // A stable sort: each section keeps the agreements' order.
    found.sort_by_key(|(section, _)| *section);
    let mut items: Vec<Waiting> = found.into_iter().map(|(_, item)| item).collect();
    let role = person.actor.role;
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
    let all = visible(workspace, person, pb::AgreementStatus::Unspecified).await;
    let waiting = count(workspace, person).await;
    let may_open = laa_core::authorise::role_may(person.actor.role, laa_core::CommandKind::Open);
    let choices = if may_open {
        crate::admin::OpenChoices::read(workspace, person).await
    } else {
        crate::admin::OpenChoices::default()
    };
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
        @if may_open { (crate::admin::open_form(person, &choices, refused)) }
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use laa_core::{Department, IndicatorNumber, LocalIndicatorCode, RefreshId, TargetId};

    use super::*;

    fn target(n: u32) -> TargetId {
        TargetId::new(n).expect("a target")
    }

    fn ni(n: u16) -> IndicatorRef {
        IndicatorRef::National(IndicatorNumber::new(n).expect("an indicator"))
    }

    /// Each thing the core finds, as the inbox words and links it (the
    /// words the inbox always used, the notifier's keys among them).
    #[test]
    fn every_thing_waiting_is_worded_and_linked() {
        let kent = pb::Agreement {
            name: "agreements/kent-2008-11".into(),
            area: "areas/kent".into(),
            ..Default::default()
        };
        let made_at = Utc
            .with_ymd_and_hms(2008, 6, 1, 9, 30, 0)
            .single()
            .expect("a time")
            + chrono::Duration::nanoseconds(1_500);
        let page = "/workspace/agreements/kent-2008-11";
        let local = IndicatorRef::Local {
            code: LocalIndicatorCode::new("l-falls").expect("a code"),
            title: "Falls clinic".into(),
        };
        let cases = [
            (
                core::Waiting::AnswerOffer {
                    target: target(17),
                    indicator: ni(117),
                    made_at,
                },
                "Answer the offer on NI 117",
                format!("{page}/targets/17"),
                "1212312600.000001500",
            ),
            (
                core::Waiting::OfferStatutoryTerms {
                    target: target(3),
                    indicator: local,
                },
                "Offer terms for statutory target Falls clinic",
                format!("{page}/targets/3"),
                "",
            ),
            (
                core::Waiting::Endorse,
                "Endorse the agreement",
                format!("{page}?check=EndorseAgreement"),
                "",
            ),
            (
                core::Waiting::Submit,
                "Submit the agreement to Ministers",
                format!("{page}?check=SubmitAgreement"),
                "",
            ),
            (
                core::Waiting::RecordAdvice {
                    request: 2,
                    department: Department::new("DCSF").expect("a department"),
                    indicator: IndicatorNumber::new(117).expect("an indicator"),
                },
                "Record DCSF's advice on NI 117 (request 2)",
                page.to_owned(),
                "",
            ),
            (
                core::Waiting::OpenOverdueRefresh {
                    refresh: RefreshId::new("2009").expect("a refresh"),
                },
                "Open the overdue refresh",
                page.to_owned(),
                "",
            ),
            (
                core::Waiting::SignOffOrReturn,
                "Sign off or return the agreement",
                page.to_owned(),
                "",
            ),
            (
                core::Waiting::ApproveRebaseline { target: target(18) },
                "Approve or reject the re-baselining of target 18",
                format!("{page}/targets/18"),
                "",
            ),
            (
                core::Waiting::HistoryBroken { from: 4 },
                "History broken from change 4",
                page.to_owned(),
                "",
            ),
        ];
        for (waiting, what, link, occurrence) in cases {
            assert_eq!(
                item(&kent, &waiting),
                Waiting {
                    what: what.into(),
                    link,
                    about: "Kent".into(),
                    occurrence: occurrence.into(),
                },
                "{waiting:?}"
            );
        }
    }
}
