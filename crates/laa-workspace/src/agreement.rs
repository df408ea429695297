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

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::authorise::role_may;
use laa_core::lifecycle::{agreement_accepts, target_accepts};
use laa_core::{AgreementId, AgreementStatus, Change, CommandKind, Side, TargetStatus};
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use maud::{Markup, html};
use serde::Deserialize;

use crate::Workspace;
use crate::forms::{Drawn, FORMS, On, Submitted, draw_titled, spec};
use crate::layout::{self, FieldError, banner, summary_list, tag};
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
}

impl Done {
    fn shown(&self) -> Shown {
        Shown {
            done: CommandKind::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == self.done)
                .map(|k| (k, self.replayed == "1")),
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
    let read = workspace
        .engine
        .get_agreement(person.request(pb::GetAgreementRequest {
            name: format!("agreements/{id}"),
        }))
        .await;
    let agreement = match read {
        Ok(a) => a.into_inner(),
        Err(status) => return refused_page(person, &Refusal::of(&status)),
    };
    let waiting = crate::inbox::count(workspace, person).await;
    let catalogue = workspace.store.catalogue();
    let meanwhile = match &shown.refused {
        Some((_, form, _)) if shown.conflict.is_some() => {
            let drawn = form.get("expected_version").parse::<u64>().unwrap_or(0);
            changes_since(workspace, id, drawn).await
        }
        _ => Vec::new(),
    };
    let page = Page {
        meanwhile,
        workspace,
        person,
        agreement: &agreement,
        catalogue: &catalogue,
        years: years_of(id),
        shown: &shown,
    };
    let body = match target {
        None => page.agreement().await,
        Some(t) => match agreement.targets.iter().find(|x| x.id == t) {
            Some(found) => page.target(found).await,
            None => return crate::respond::not_found().await,
        },
    };
    let title = match target {
        None => format!("Agreement {id}"),
        Some(t) => format!("Target {t} of {id}"),
    };
    respond(status, layout::page(person, waiting, &title, body))
}

/// What was recorded on agreement `id` after version `drawn`, in words
/// (the page has been authorised by `GetAgreement` before this is read).
async fn changes_since(workspace: &Workspace, id: &str, drawn: u64) -> Vec<String> {
    let Ok(agreement) = AgreementId::new(id) else {
        return Vec::new();
    };
    match workspace.store.events(&agreement, drawn + 1, 20).await {
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

struct Page<'a> {
    workspace: &'a Workspace,
    person: &'a Person,
    agreement: &'a pb::Agreement,
    catalogue: &'a laa_core::Catalogue,
    years: Vec<String>,
    shown: &'a Shown,
    /// For a conflict: what was recorded since the refused form was drawn.
    meanwhile: Vec<String>,
}

/// The agreement's name without `agreements/`.
fn short(name: &str) -> &str {
    name.strip_prefix("agreements/").unwrap_or(name)
}

/// An agreement's status in the core's words.
pub fn status_of(agreement: &pb::Agreement) -> AgreementStatus {
    use pb::AgreementStatus as S;
    match S::try_from(agreement.status).unwrap_or(S::Unspecified) {
        S::Draft => AgreementStatus::Draft,
        S::Submitted => AgreementStatus::Submitted,
        S::Placeholder => AgreementStatus::Placeholder,
        S::Agreed => AgreementStatus::Agreed,
        S::RefreshOpen => AgreementStatus::RefreshOpen,
        S::Refreshed => AgreementStatus::Refreshed,
        S::Closed => AgreementStatus::Closed,
        S::Unspecified => AgreementStatus::Unopened,
    }
}

fn target_status_of(target: &pb::Target) -> TargetStatus {
    use pb::TargetStatus as S;
    match S::try_from(target.status).unwrap_or(S::Unspecified) {
        S::Placeholder => TargetStatus::Placeholder,
        S::Agreed => TargetStatus::Agreed,
        S::Refreshed => TargetStatus::Refreshed,
        S::Withdrawn => TargetStatus::Withdrawn,
        S::Draft | S::Unspecified => TargetStatus::Draft,
    }
}

/// A wire side in the core's words.
pub fn side_of(side: i32) -> Option<Side> {
    match pb::Side::try_from(side).ok()? {
        pb::Side::Government => Some(Side::Government),
        pb::Side::Area => Some(Side::Area),
        pb::Side::Unspecified => None,
    }
}

fn side_name(side: Option<Side>) -> &'static str {
    match side {
        Some(Side::Government) => "Government",
        Some(Side::Area) => "the area",
        None => "nobody",
    }
}

/// An agreement status as people say it, and its tag's colour.
pub fn agreement_status_words(status: AgreementStatus) -> (&'static str, &'static str) {
    match status {
        AgreementStatus::Unopened => ("Not opened", "grey"),
        AgreementStatus::Draft => ("In negotiation", "blue"),
        AgreementStatus::Submitted => ("With Ministers", "purple"),
        AgreementStatus::Placeholder => ("Signed off, placeholders to set", "yellow"),
        AgreementStatus::Agreed => ("Signed off", "green"),
        AgreementStatus::RefreshOpen => ("Refresh in negotiation", "blue"),
        AgreementStatus::Refreshed => ("Refreshed and signed off", "green"),
        AgreementStatus::Closed => ("Closed", "grey"),
    }
}

/// A target's state as the person sees it, and its tag's colour.
fn target_words(target: &pb::Target, mine: Option<Side>) -> (String, &'static str) {
    match target_status_of(target) {
        TargetStatus::Agreed => ("Agreed".into(), "green"),
        TargetStatus::Refreshed => ("Agreed at refresh".into(), "green"),
        TargetStatus::Placeholder => ("Placeholder".into(), "yellow"),
        TargetStatus::Withdrawn => (
            match target.ending.as_str() {
                "declined" => "Declined",
                "revoked" => "Revoked",
                _ => "Withdrawn",
            }
            .into(),
            "grey",
        ),
        TargetStatus::Draft => match target.open_offer.as_ref().and_then(|o| side_of(o.side)) {
            Some(by) if Some(by) != mine && mine.is_some() => ("Waiting on you".into(), "red"),
            Some(by) => (
                format!("Waiting on {}", side_name(Some(by.other()))),
                "blue",
            ),
            None => ("Terms needed".into(), "yellow"),
        },
    }
}

impl Page<'_> {
    fn id(&self) -> &str {
        short(&self.agreement.name)
    }

    fn indicator_title(&self, target: &pb::Target) -> (String, String) {
        match &target.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => {
                let title = u16::try_from(*n)
                    .ok()
                    .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
                    .and_then(|n| self.catalogue.indicator(n))
                    .map_or_else(|| format!("National Indicator {n}"), |i| i.title.clone());
                (title, format!("NI {n}"))
            }
            Some(pb::target::Indicator::LocalIndicator(local)) => {
                (local.title.clone(), format!("local: {}", local.code))
            }
            None => ("Unknown indicator".into(), String::new()),
        }
    }

    fn unit_of(&self, target: Option<&pb::Target>) -> String {
        let Some(Some(pb::target::Indicator::IndicatorNumber(n))) = target.map(|t| &t.indicator)
        else {
            return String::new();
        };
        u16::try_from(*n)
            .ok()
            .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
            .and_then(|n| self.catalogue.indicator(n))
            .map_or_else(String::new, |i| i.unit.as_str().to_owned())
    }

    fn notices(&self) -> Markup {
        let shown = self.shown;
        html! {
            @if let Some((kind, replayed)) = shown.done {
                @let title = match kind {
                    CommandKind::Import => "Upload targets from a spreadsheet",
                    CommandKind::Open => "Open an agreement",
                    _ => spec(kind).map_or(kind.as_str(), |s| s.title),
                };
                @if replayed {
                    (banner(false, "That was already recorded", html! { p { "\"" (title) "\" had been recorded before: nothing was recorded twice." } }))
                } @else {
                    (banner(true, "Done", html! { p { "\"" (title) "\" is recorded in the agreement's history." } }))
                }
            }
            @if shown.conflict.is_some() {
                (banner(false, "The agreement changed while you were working on it", html! {
                    p { "Your change has not been recorded. Since you opened the form:" }
                    ul.list { @for change in &self.meanwhile { li { (change) } } }
                    p { "The page now shows the agreement as it stands, with your change still in its form: check it, then send it again." }
                }))
            }
            @if let Some((_, _, errors)) = &shown.refused {
                (layout::error_summary(errors))
            }
        }
    }

    /// The forms of `on` the person's role may issue in this state.
    fn forms(&self, on: On, target: Option<&pb::Target>) -> Markup {
        let role = self.person.actor.role;
        let status = status_of(self.agreement);
        let mine = role.side();
        let defaults = Submitted::default();
        let unit = self.unit_of(target);
        let fresh = uuid::Uuid::new_v4().to_string();
        let offered = |t: &pb::Target| t.open_offer.as_ref().and_then(|o| side_of(o.side));
        let forms: Vec<Markup> = FORMS
            .iter()
            .filter(|f| f.on == on && role_may(role, f.kind) && agreement_accepts(status, f.kind))
            .filter(|f| match target {
                None => true,
                Some(t) => {
                    let ts = target_status_of(t);
                    target_accepts(ts, f.kind)
                        && match f.kind {
                            CommandKind::Accept | CommandKind::Decline => {
                                offered(t).is_some_and(|by| Some(by) != mine)
                            }
                            CommandKind::Withdraw => side_of(t.originated_by) == mine,
                            CommandKind::ApproveRebaseline | CommandKind::RejectRebaseline => {
                                t.pending_rebaseline.is_some()
                            }
                            CommandKind::Revoke => t.kind == pb::TargetKind::Designated as i32,
                            _ => true,
                        }
                }
            })
            .map(|f| {
                let (values, errors, request_id) = match &self.shown.refused {
                    Some((kind, form, errors)) if *kind == f.kind => {
                        let id = form.get("request_id");
                        let id = if id.is_empty() {
                            fresh.clone()
                        } else {
                            id.to_owned()
                        };
                        (form, errors.as_slice(), id)
                    }
                    _ => (&defaults, &[][..], uuid::Uuid::new_v4().to_string()),
                };
                let first_offer = f.kind == CommandKind::Counter
                    && target.is_some_and(|t| t.open_offer.is_none());
                draw_titled(
                    f,
                    if first_offer { "Offer terms" } else { f.title },
                    &Drawn {
                        agreement: self.id(),
                        version: self.agreement.version,
                        target: target.map(|t| t.id),
                        csrf: &self.person.csrf,
                        values,
                        errors,
                        years: &self.years,
                        unit: &unit,
                        request_id: &request_id,
                    },
                )
            })
            .collect();
        html! {
            @if !forms.is_empty() {
                h2.heading-l { "What you can do" }
                @for f in forms { (f) }
            }
        }
    }

    async fn agreement(&self) -> Markup {
        let a = self.agreement;
        let status = status_of(a);
        let (words, colour) = agreement_status_words(status);
        let mine = self.person.actor.role.side();
        let (statutory, others): (Vec<&pb::Target>, Vec<&pb::Target>) = a
            .targets
            .iter()
            .partition(|t| t.kind == pb::TargetKind::Statutory as i32);
        let cap = a.designated_cap.max(1);
        let percent = (i64::from(a.designated_count) * 100 / i64::from(cap)).clamp(0, 100);
        let opened = a.opened_at.as_ref().map(timestamp).unwrap_or_default();
        let signed = a
            .first_signed_off_at
            .as_ref()
            .map_or_else(|| "Not yet".to_owned(), timestamp);
        html! {
            (self.notices())
            span.caption-l { "Local Area Agreement · " (a.round) }
            h1.heading-xl { (area_name(a)) }
            (summary_list(&[
                ("Status", tag(words, colour)),
                ("Endorsed by the area", html! { (if a.endorsed { "Yes" } else { "No" }) }),
                ("Opened", html! { (opened) }),
                ("First signed off", html! { (signed) }),
                ("Indicator set", html! { (a.indicator_set) }),
                ("Version", html! { (a.version) " changes recorded" }),
            ]))
            @if let Some(bad) = a.first_bad_sequence {
                (banner(false, "This agreement's history is broken", html! { p { "From change " (bad) " its history does not verify. It takes no changes until an administrator restores it." } }))
            }
            h2.heading-l { "Designated targets" }
            div.gauge {
                p #gauge-label { (a.designated_count) " of " (a.designated_cap) " designated targets used" }
                div.gauge-track aria-hidden="true" { div class={ "gauge-fill gauge-" (percent / 10 * 10) } {} }
            }
            h2.heading-l { "Statutory targets" }
            p { (statutory.iter().filter(|t| matches!(target_status_of(t), TargetStatus::Agreed | TargetStatus::Refreshed | TargetStatus::Placeholder)).count()) " of " (statutory.len()) " agreed." }
            ul.task-list {
                @for t in &statutory {
                    @let (title, number) = self.indicator_title(t);
                    @let (state, colour) = target_words(t, mine);
                    li.task-list-item {
                        div.task-list-name {
                            a.link href={ (crate::ROOT) "/agreements/" (self.id()) "/targets/" (t.id) } { (title) }
                            div.hint { (number) }
                        }
                        div.task-list-status { (tag(&state, colour)) }
                    }
                }
            }
            h2.heading-l { "Designated and local targets" }
            @if others.is_empty() {
                p { "None proposed yet." }
            } @else {
                div.table-wrap role="region" aria-label="Designated and local targets" tabindex="0" {
                    table.table {
                        caption.visually-hidden { "Designated and local targets" }
                        thead { tr {
                            th scope="col" { "Indicator" }
                            th scope="col" { "Number" }
                            th scope="col" { "Kind" }
                            th scope="col" { "State" }
                            th scope="col" { "Department" }
                        } }
                        tbody {
                            @for t in &others {
                                @let (title, number) = self.indicator_title(t);
                                @let (state, colour) = target_words(t, mine);
                                tr {
                                    th scope="row" { a.link href={ (crate::ROOT) "/agreements/" (self.id()) "/targets/" (t.id) } { (title) } }
                                    td { (number) }
                                    td { (kind_name(t.kind)) }
                                    td { (tag(&state, colour)) }
                                    td { (t.department) }
                                }
                            }
                        }
                    }
                }
            }
            @if !a.advice.is_empty() {
                h2.heading-l { "Requests for advice" }
                @for r in &a.advice {
                    div.thread-entry {
                        p { strong { "Request " (r.request) } " · NI " (r.indicator_number) " · " (r.department) }
                        p { (r.question) }
                        @if r.answer.is_empty() { p { (tag("Awaiting answer", "yellow")) } } @else { p { "Answer: " (r.answer) } }
                    }
                }
            }
            @if role_may(self.person.actor.role, CommandKind::Import) && agreement_accepts(status, CommandKind::Import) {
                h2.heading-l { "Spreadsheets" }
                (crate::sheets::upload_form(self.person, self.id(), a.version))
            } @else {
                p {
                    a.link href={ (crate::ROOT) "/agreements/" (self.id()) "/sheet.xlsx" } { "Download this agreement as XLSX" }
                    " or "
                    a.link href={ (crate::ROOT) "/agreements/" (self.id()) "/sheet.csv" } { "CSV" }
                }
            }
            (self.forms(On::Agreement, None))
        }
    }

    async fn target(&self, t: &pb::Target) -> Markup {
        let mine = self.person.actor.role.side();
        let (title, number) = self.indicator_title(t);
        let (state, colour) = target_words(t, mine);
        let thread = self.thread(t).await;
        html! {
            a.back-link href={ (crate::ROOT) "/agreements/" (self.id()) } { "Back to " (area_name(self.agreement)) }
            (self.notices())
            span.caption-l { (number) " · " (kind_name(t.kind)) " target · " (self.id()) }
            h1.heading-xl { (title) }
            (summary_list(&[
                ("State", tag(&state, colour)),
                ("Proposed by", html! { (side_name(side_of(t.originated_by))) }),
                ("Department", html! { (if t.department.is_empty() { "None" } else { t.department.as_str() }) }),
                ("Agreed terms", html! { (pb_terms(t.agreed.as_ref())) }),
                ("Open offer", match &t.open_offer {
                    Some(o) => html! { "From " (side_name(side_of(o.side))) ": " (pb_terms(o.terms.as_ref())) @if o.deal_breaker { " " (tag("Deal-breaker", "red")) } },
                    None => html! { "None" },
                }),
            ]))
            @if !t.actuals.is_empty() {
                h2.heading-m { "Actuals" }
                ul.list { @for x in &t.actuals { li { (x.year) ": " (x.value) " (" (x.source) ")" @if !x.progress.is_empty() { " · " (x.progress.replace('_', " ")) } } } }
            }
            h2.heading-l { "Negotiation thread" }
            (thread)
            (self.forms(On::Target, Some(t)))
        }
    }

    /// Every offer, answer and ending on the target, oldest first, with
    /// the refused requests for its indicator.
    async fn thread(&self, t: &pb::Target) -> Markup {
        let Ok(id) = AgreementId::new(self.id()) else {
            return html! {};
        };
        let events = match self.workspace.store.events(&id, 1, 100_000).await {
            Ok(events) => events,
            Err(error) => {
                tracing::warn!(%error, "the workspace cannot read a thread");
                return html! { p { "The thread cannot be read just now." } };
            }
        };
        let number = match &t.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => Some(*n),
            _ => None,
        };
        let entries: Vec<Markup> = events
            .iter()
            .filter_map(|stored| entry(&stored.event, t.id, number))
            .collect();
        html! {
            @if entries.is_empty() {
                p { "Nothing has been offered yet." }
            } @else {
                ol.thread { @for e in entries { li.thread-entry { (e) } } }
            }
        }
    }
}

/// One history event as a thread entry, if it concerns the target.
fn entry(event: &laa_core::Event, target: u32, number: Option<i32>) -> Option<Markup> {
    let who = html! {
        span.thread-who { (event.actor.principal) " (" (layout::role_name(event.actor.role)) ")" }
        " · " time datetime=(event.occurred().to_rfc3339()) { (event.occurred().format("%-d %B %Y %H:%M")) }
    };
    let offer = |heading: &str, offer: &laa_core::Offer| {
        html! {
            p.thread-heading { strong { (heading) } " by " (side_name(Some(offer.side)))
                @if let Some(d) = &offer.department { " for " (d.to_string()) }
                @if offer.deal_breaker { " " (tag("Deal-breaker", "red")) } }
            p { (terms(&offer.terms)) }
            @if !offer.rationale.is_empty() { p.thread-rationale { (offer.rationale) } }
            @if !offer.evidence.is_empty() { ul.list { @for e in &offer.evidence { li { "Evidence: " (e) } } } }
            p.hint { (who) }
        }
    };
    let mine = |t: laa_core::TargetId| t.get() == target;
    Some(match &event.change {
        Change::TargetProposed {
            target: t,
            offer: o,
            ..
        } if mine(*t) => offer("Proposed", o),
        Change::OfferMade {
            target: t,
            offer: o,
            ..
        } if mine(*t) => offer(
            if o.rebaseline.is_some() {
                "Re-baselining proposed"
            } else {
                "Counter-offer"
            },
            o,
        ),
        Change::OfferAccepted {
            target: t,
            by,
            terms: agreed,
            awaiting_ministers,
        } if mine(*t) => html! {
            p.thread-heading { strong { "Accepted" } " by " (side_name(Some(*by)))
                @if *awaiting_ministers { " · awaiting Ministers' approval" } }
            p { (terms(agreed)) }
            p.hint { (who) }
        },
        Change::TargetDeclined {
            target: t,
            by,
            reason,
            deal_breaker,
        } if mine(*t) => html! {
            p.thread-heading { strong { "Declined" } " by " (side_name(Some(*by)))
                @if *deal_breaker { " " (tag("Deal-breaker", "red")) } }
            p { (reason) }
            p.hint { (who) }
        },
        Change::TargetWithdrawn {
            target: t,
            by,
            reason,
        } if mine(*t) => html! {
            p.thread-heading { strong { "Withdrawn" } " by " (side_name(Some(*by))) }
            p { (reason) }
            p.hint { (who) }
        },
        Change::DesignationRevoked { targets, reason } if targets.iter().any(|t| mine(*t)) => {
            html! {
                p.thread-heading { strong { "Designation revoked" } }
                p { (reason) }
                p.hint { (who) }
            }
        }
        Change::ActualRecorded {
            target: t,
            year,
            value,
            source,
        } if mine(*t) => html! {
            p.thread-heading { strong { "Actual recorded" } " for " (year.to_string()) }
            p { (value.to_string()) " (" (source) ")" }
            p.hint { (who) }
        },
        Change::RequestRefused {
            indicator,
            department,
            rationale,
        } if number == Some(i32::from(indicator.get())) => html! {
            p.thread-heading { strong { "Refused request" } " from " (department.to_string()) " " (tag("Not carried", "grey")) }
            p { (rationale) }
            p.hint { (who) }
        },
        _ => return None,
    })
}

fn terms(terms: &laa_core::Terms) -> String {
    match terms {
        laa_core::Terms::Values(v) => {
            let years: Vec<String> = v
                .trajectory
                .iter()
                .map(|(year, value)| match value {
                    laa_core::terms::YearValue::Value(x) => format!("{year}: {x}"),
                    laa_core::terms::YearValue::Deferred { to } => {
                        format!("{year}: set at the {to} refresh")
                    }
                })
                .collect();
            format!(
                "Baseline {} ({}); {} ({})",
                v.baseline.value,
                v.baseline.period,
                years.join(", "),
                v.unit.as_str()
            )
        }
        laa_core::Terms::Placeholder { reason, due } => format!(
            "Placeholder ({}), values due at the {due} refresh",
            reason.as_str().replace('_', " ")
        ),
    }
}

fn pb_terms(terms: Option<&pb::Terms>) -> String {
    match terms.and_then(|t| t.kind.as_ref()) {
        Some(pb::terms::Kind::Values(v)) => {
            let years: Vec<String> = v
                .trajectory
                .iter()
                .map(|y| match &y.value {
                    Some(pb::year_value::Value::Amount(x)) => format!("{}: {x}", y.year),
                    Some(pb::year_value::Value::DeferredTo(to)) => {
                        format!("{}: set at the {to} refresh", y.year)
                    }
                    None => format!("{}: none", y.year),
                })
                .collect();
            let baseline = v.baseline.as_ref().map_or_else(String::new, |b| {
                format!("Baseline {} ({}); ", b.value, b.period)
            });
            format!("{baseline}{} ({})", years.join(", "), v.unit)
        }
        Some(pb::terms::Kind::Placeholder(p)) => format!(
            "Placeholder ({}), values due at the {} refresh",
            p.reason.replace('_', " "),
            p.due
        ),
        None => "None yet".to_owned(),
    }
}

fn kind_name(kind: i32) -> &'static str {
    match pb::TargetKind::try_from(kind).unwrap_or(pb::TargetKind::Unspecified) {
        pb::TargetKind::Statutory => "statutory",
        pb::TargetKind::Designated => "designated",
        pb::TargetKind::Local => "local",
        pb::TargetKind::Unspecified => "",
    }
}

/// The area an agreement is for, as its code (`kent`), capitalised.
pub fn area_name(agreement: &pb::Agreement) -> String {
    let code = agreement
        .area
        .strip_prefix("areas/")
        .unwrap_or(&agreement.area);
    let mut words: Vec<String> = code
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        words.push(code.to_owned());
    }
    words.join(" ")
}

fn timestamp(t: &prost_types::Timestamp) -> String {
    chrono::DateTime::from_timestamp(t.seconds, 0)
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default()
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
