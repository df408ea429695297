//! The agreement page and a target's page, drawn for one person: the
//! summary, the gauge, the task list, the table, the thread, and the forms
//! the person's role may issue.

use laa_core::authorise::role_may;
use laa_core::lifecycle::{agreement_accepts, target_accepts};
use laa_core::{AgreementId, CommandKind, TargetStatus};
use laa_proto::v1 as pb;
use maud::{Markup, html};

use super::Shown;
use super::thread::{entry, pb_terms};
use super::words::{
    agreement_status_words, area_name, kind_name, short, side_name, side_of, status_of,
    target_status_of, target_words, timestamp,
};
use crate::Workspace;
use crate::forms::{Drawn, FORMS, On, Submitted, checked, draw_titled, spec};
use crate::layout::{self, banner, summary_list, tag};
use crate::session::Person;

pub(super) struct Page<'a> {
    pub(super) workspace: &'a Workspace,
    pub(super) person: &'a Person,
    pub(super) agreement: &'a pb::Agreement,
    pub(super) catalogue: &'a laa_core::Catalogue,
    pub(super) years: Vec<String>,
    pub(super) shown: &'a Shown,
    /// For a conflict: what was recorded since the refused form was drawn.
    pub(super) meanwhile: Vec<String>,
    /// The command whose check page this is, if it is one.
    pub(super) check: Option<CommandKind>,
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
        let open_offers = self
            .agreement
            .targets
            .iter()
            .filter(|t| t.open_offer.is_some())
            .count();
        let forms: Vec<Markup> = FORMS
            .iter()
            .filter(|f| f.on == on && role_may(role, f.kind) && agreement_accepts(status, f.kind))
            .filter(|f| self.check.is_none_or(|k| k == f.kind))
            .filter(|f| match target {
                None => match f.kind {
                    // Endorsement and submission wait until no offer is
                    // open; endorsing once is enough, and the GO submits
                    // what the area endorsed.
                    CommandKind::Endorse => !self.agreement.endorsed && open_offers == 0,
                    CommandKind::Submit => self.agreement.endorsed && open_offers == 0,
                    _ => true,
                },
                Some(t) => {
                    let ts = target_status_of(t);
                    target_accepts(ts, f.kind)
                        && match f.kind {
                            CommandKind::Accept | CommandKind::Decline => {
                                offered(t).is_some_and(|by| Some(by) != mine)
                            }
                            // A side answers the other's offer, or makes the
                            // first; it does not counter its own.
                            CommandKind::Counter => offered(t).is_none_or(|by| Some(by) != mine),
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
                if self.check.is_none()
                    && let Some((_, heading, _)) = checked(f.kind)
                {
                    return self.check_link(f.kind, f.title, heading);
                }
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
                    if first_offer { "Send offer" } else { f.button },
                    &Drawn {
                        side: mine,
                        champion: role == laa_core::Role::Champion,
                        indicator: target.and_then(|t| match &t.indicator {
                            Some(pb::target::Indicator::IndicatorNumber(n)) => Some(*n),
                            _ => None,
                        }),
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

    /// Where a checked command's form would be: the way to its check page.
    fn check_link(&self, kind: CommandKind, title: &str, heading: &str) -> Markup {
        let id = format!("check-{}", kind.as_str());
        html! {
            section.form-section aria-labelledby={ (id) "-title" } {
                h3.heading-m id={ (id) "-title" } { (title) }
                p { "You will see every target it covers, with its terms, before anything is recorded." }
                a.button id=(id) href={ (crate::ROOT) "/agreements/" (self.id()) "?check=" (kind.as_str()) } { (heading) }
            }
        }
    }

    /// A checked command's page: every target it covers with its terms,
    /// then its form (GOV.UK's "check your answers").
    pub(super) fn check(&self) -> Markup {
        let a = self.agreement;
        let Some(&(_, heading, lead)) = self.check.and_then(checked) else {
            return html! {};
        };
        let status = status_of(a);
        let (words, colour) = agreement_status_words(status);
        let form = self.forms(On::Agreement, None);
        let live: Vec<&pb::Target> = a
            .targets
            .iter()
            .filter(|t| target_status_of(t) != TargetStatus::Withdrawn)
            .collect();
        html! {
            a.back-link href={ (crate::ROOT) "/agreements/" (self.id()) } { "Back to " (area_name(a)) }
            (self.notices())
            span.caption-l { "Local Area Agreement · " (a.round) }
            h1.heading-xl { (heading) }
            p.lead { (lead) }
            (summary_list(&[
                ("Area", html! { (area_name(a)) }),
                ("Status", tag(words, colour)),
                ("Endorsed by the area", html! { (if a.endorsed { "Yes" } else { "No" }) }),
                ("Designated targets", html! { (a.designated_count) " of " (a.designated_cap) }),
            ]))
            h2.heading-l { (live.len()) " targets" }
            div.table-wrap role="region" aria-label="Targets and their terms" tabindex="0" {
                table.table {
                    caption.visually-hidden { "Targets and their terms" }
                    thead { tr {
                        th scope="col" { "Indicator" }
                        th scope="col" { "Kind" }
                        th scope="col" { "State" }
                        th scope="col" { "Terms" }
                    } }
                    tbody {
                        @for t in &live {
                            @let (title, number) = self.indicator_title(t);
                            @let (state, colour) = target_words(t, self.person.actor.role.side());
                            tr {
                                th scope="row" {
                                    a.link href={ (crate::ROOT) "/agreements/" (self.id()) "/targets/" (t.id) } { (number) }
                                    div.hint { (title) }
                                }
                                td { (kind_name(t.kind)) }
                                td { (tag(&state, colour)) }
                                td { (pb_terms(t.agreed.as_ref())) }
                            }
                        }
                    }
                }
            }
            @if form.0.is_empty() {
                p { "You cannot do this now: the agreement's state, or your role, does not allow it." }
            } @else {
                (form)
            }
            p { a.link href={ (crate::ROOT) "/agreements/" (self.id()) } { "Cancel and go back to the agreement" } }
        }
    }

    pub(super) async fn agreement(&self) -> Markup {
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
                ("Changes recorded", html! { (a.version) }),
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

    pub(super) async fn target(&self, t: &pb::Target) -> Markup {
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
                ("Partners", html! {
                    @if t.lead_partner.is_empty() { "None named" }
                    @else {
                        (partner_name(&t.lead_partner)) " leads"
                        @for c in &t.contributing_partners { ", with " (partner_name(c)) }
                    }
                }),
                ("Agreed terms", html! { (pb_terms(t.agreed.as_ref())) }),
                ("Open offer", match &t.open_offer {
                    Some(o) => html! { "From " (side_name(side_of(o.side))) ": " (pb_terms(o.terms.as_ref())) @if o.deal_breaker { " " (tag("Deal-breaker", "red")) } },
                    None => html! { "None" },
                }),
            ]))
            (self.related(t))
            @if !t.actuals.is_empty() {
                h2.heading-m { "Actuals" }
                ul.list { @for x in &t.actuals { li { (x.year) ": " (x.value) " (" (x.source) ")" @if !x.progress.is_empty() { " · " (x.progress.replace('_', " ")) } } } }
            }
            h2.heading-l { "Negotiation thread" }
            (thread)
            (self.forms(On::Target, Some(t)))
        }
    }

    /// The indicators the newest published set relates to the target's
    /// (recommendation 4), so a negotiator weighing a target sees what
    /// moves with it; nothing for a local indicator or one with none.
    fn related(&self, t: &pb::Target) -> Markup {
        let Some(pb::target::Indicator::IndicatorNumber(n)) = &t.indicator else {
            return html! {};
        };
        let Some(number) = u16::try_from(*n)
            .ok()
            .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
        else {
            return html! {};
        };
        let catalogue = self.workspace.queries.catalogue();
        let Some(set) = catalogue
            .sets()
            .filter(|s| s.status == laa_core::SetStatus::Published)
            .filter(|s| s.relations_of(number).next().is_some())
            .last()
        else {
            return html! {};
        };
        html! {
            div.inset-text {
                h2.heading-m { "Related indicators" }
                p { "The " (set.version.get()) " indicator set declares that these move with NI " (n) ":" }
                ul.list {
                    @for r in set.relations_of(number) {
                        @if let Some(other) = r.other_than(number) {
                            li {
                                strong { "NI " (other.get()) }
                                @if let Some(o) = catalogue.indicator_in(set.version, other) { ": " (o.title) }
                                ". " (r.note)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every offer, answer and ending on the target, oldest first, with
    /// the refused requests for its indicator.
    async fn thread(&self, t: &pb::Target) -> Markup {
        let Ok(id) = AgreementId::new(self.id()) else {
            return html! {};
        };
        let events = match self.workspace.queries.events(&id, 1, 100_000).await {
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

/// A partner's name from its code, or the code when the list does not hold it.
fn partner_name(code: &str) -> &str {
    laa_core::partners::canonical(code).map_or(code, |p| p.name.as_str())
}
