//! An area's page: its latest signed-off agreement (or one round's), and
//! a line and a link for each of the others; of the agreement, every target with
//! its plain title, who is responsible, baseline, plan and actuals (a chart
//! and a table), its verdict in words and colour, placeholders and deferred
//! years explained; its assessment in two parts (`assessment`); the
//! sign-offs and what changed at each refresh; and the agreement's public
//! history.

use laa_core::publication::{ChangeKind, Signing};
use laa_core::{
    AgreementStatus, Catalogue, IndicatorRef, PlaceholderReason, Target, Terms, YearValue,
};
use laa_store::AreaRecord;
use maud::{Markup, html};

use crate::chart::chart;
use crate::facts::{Verdict, polarity, unit_words, values, verdict, with_unit, year_verdict};
use crate::model::{Brief, Published, Snapshot};
use crate::names::{department_name, region_name};
use crate::pages::layout::{date, page};

/// The indicator's plain title and its reference (`NI 117`, or `Local indicator`).
pub fn title_of(indicator: &IndicatorRef, catalogue: &Catalogue) -> (String, String) {
    match indicator {
        IndicatorRef::National(n) => (
            catalogue
                .indicator(*n)
                .map_or_else(|| format!("National Indicator {n}"), |i| i.title.clone()),
            format!("NI {}", n.get()),
        ),
        IndicatorRef::Local { code, title } => (title.clone(), format!("Local indicator {code}")),
    }
}

fn placeholder_words(reason: PlaceholderReason) -> &'static str {
    match reason {
        PlaceholderReason::NoBaseline => "there was no baseline to measure from when it was agreed",
        PlaceholderReason::AwaitingSurvey => {
            "its baseline comes from a survey (the Place Survey of autumn 2008) not yet held when it was agreed"
        }
        PlaceholderReason::DefinitionPending => "the indicator's definition was not yet settled",
    }
}

/// The agreement's status in words (only signed-off statuses are public).
fn status_words(status: AgreementStatus) -> &'static str {
    match status {
        AgreementStatus::Placeholder => {
            "In force; some targets are placeholders awaiting values at a refresh"
        }
        AgreementStatus::Agreed => "In force; every target has values",
        AgreementStatus::Refreshed => "In force, as refreshed",
        AgreementStatus::Closed => "Closed: the period has ended and the outcomes are final",
        _ => "In force",
    }
}

/// The area page: the agreement of the round `snapshot` holds in full
/// (`round`: the one asked for, `None` on the area's own page, whose
/// snapshot is of the area's latest round), and its other agreements each
/// a line and a link. `None` when a round was asked for in which the area
/// has no public agreement. After seven rounds every agreement in full
/// made a page of 1.8 MB; a citizen asks about one agreement at a time.
pub fn area(
    snapshot: &Snapshot,
    area: &AreaRecord,
    catalogue: &Catalogue,
    round: Option<&str>,
) -> Option<Markup> {
    let briefs = snapshot.briefs_of(&area.code);
    let shown = snapshot.of_area(&area.code).next();
    if round.is_some() && shown.is_none() {
        return None;
    }
    let others: Vec<&Brief> = briefs
        .iter()
        .copied()
        .filter(|b| shown.is_none_or(|s| s.id != b.id))
        .collect();
    let area_path = format!("/areas/{}", area.code);
    let region_path = format!("/#region-{}", area.region.code());
    let mut crumbs = vec![
        ("England", "/"),
        (region_name(area.region), region_path.as_str()),
    ];
    let title = match round {
        Some(r) => {
            crumbs.push((area.name.as_str(), area_path.as_str()));
            format!("{}, {r}", area.name)
        }
        None => area.name.clone(),
    };
    Some(page(
        &title,
        &crumbs,
        snapshot.as_of(),
        html! {
            span.caption { (region_name(area.region)) }
            h1 { (title) }
            @match shown {
                None => p { "This area has no signed-off Local Area Agreement yet. An agreement is published here once Ministers sign it off." },
                Some(p) => (agreement(snapshot, p, area, catalogue)),
            }
            @if !others.is_empty() {
                h2 { "The area's other agreements" }
                ul {
                    @for b in &others {
                        @let latest = briefs.last().is_some_and(|l| l.id == b.id);
                        li {
                            a href=(if latest { area_path.clone() } else { format!("{area_path}/rounds/{}", b.round) }) {
                                "Agreement " (b.round)
                            }
                            ": " (status_words(b.status)) ", " (b.tally.total()) " targets, "
                            (b.tally.count(Verdict::Met)) " met"
                        }
                    }
                }
            }
        },
    ))
}

fn agreement(
    snapshot: &Snapshot,
    p: &Published,
    area: &AreaRecord,
    catalogue: &Catalogue,
) -> Markup {
    let a = &p.record.agreement;
    let tally = p.tally();
    let targets: Vec<&Target> = p.targets().collect();
    let history = format!("/data/agreements/{}/history", p.id);
    html! {
        h2 { "Agreement " (p.round()) }
        dl.summary {
            div { dt { "Status" } dd { (status_words(a.status)) } }
            div { dt { "Signed off by Ministers" } dd { (a.first_signed_off_at.map(date).unwrap_or_default()) } }
            div { dt { "Negotiated with" } dd { (area.region.name()) } }
            div { dt { "Targets" } dd { (tally.total()) } }
            @for v in Verdict::ALL {
                div { dt { (v.words()) } dd { (tally.count(v)) " (" (tally.share(v)) "%)" } }
            }
            div {
                dt { "Refreshes" }
                dd {
                    @if a.refreshes_held.is_empty() { "None yet" }
                    @else { (a.refreshes_held.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) }
                }
            }
        }
        @if !a.priorities.is_empty() {
            h3 { "Whitehall's priorities for this area" }
            ol {
                @for priority in &a.priorities {
                    li {
                        (priority.statement)
                        " " span.secondary { "(" (priority.departments.iter().map(department_name).collect::<Vec<_>>().join(", ")) ")" }
                    }
                }
            }
        }
        @if p.record.refresh_under_way {
            div.inset { p { "A refresh of this agreement is being negotiated. The targets below are those last signed off; changes are shown once Ministers sign the refresh off." } }
        }
        h3 { "Targets at a glance" }
        @let glance = format!("glance-{}", p.id);
        div.table-wrap role="region" aria-labelledby=(glance) tabindex="0" {
            table {
                caption id=(glance) { "Every target of the agreement " (p.id) " and how it is doing" }
                thead { tr {
                    th scope="col" { "Target" }
                    th scope="col" { "Verdict" }
                } }
                tbody {
                    @for t in &targets {
                        @let indicator = t.indicator.national().and_then(|n| a.measure(catalogue, n));
                        @let verdict = a.policy().map_or(Verdict::NoData, |policy| verdict(t, policy, indicator));
                        tr {
                            th scope="row" {
                                a href=(format!("#target-{}", t.id.get())) { (title_of(&t.indicator, catalogue).0) }
                                " " span.secondary { (title_of(&t.indicator, catalogue).1) }
                            }
                            td { strong.(verdict.tag_class()) { (verdict.words()) } }
                        }
                    }
                }
            }
        }
        (crate::pages::assessment::section(snapshot, p, catalogue))
        h3 { "Targets in detail" }
        p.secondary {
            "Each target has a baseline (where the area started), a planned value for each year and, once measured, the actual value. "
            "The chart draws the plan as a dashed blue line with open circles and the actual values as black squares."
        }
        @for t in &targets {
            (target(p, t, catalogue))
        }
        (changes(&p.record.signings, catalogue))
        h3 { "History" }
        p {
            "Every change to this agreement is recorded in a hash-chained history that can be checked for tampering. "
            a href=(format!("{history}.csv")) { "The public history of this agreement (CSV)" } " and "
            a href=(format!("{history}.json")) { "(JSON)" }
            " list each event, with its hash and the previous event's hash, through the last one after which the agreement stood as signed off: "
            "actual values recorded after a sign-off are in it. "
            "While a refresh is negotiated it stops where the refresh opened; the actual values recorded meanwhile, shown above, join it once the refresh is signed off."
        }
    }
}

fn target(p: &Published, t: &Target, catalogue: &Catalogue) -> Markup {
    let (title, reference) = title_of(&t.indicator, catalogue);
    let Some(policy) = p.record.agreement.policy() else {
        return html! {};
    };
    let indicator = t
        .indicator
        .national()
        .and_then(|n| p.record.agreement.measure(catalogue, n));
    let overall = verdict(t, policy, indicator);
    let id = format!("target-{}", t.id.get());
    let v = values(t);
    html! {
        section.target aria-labelledby=(id) {
            h4 id=(id) {
                span.caption { (reference) " · " (t.kind.as_str()) " target" }
                @if let IndicatorRef::National(n) = &t.indicator {
                    a href=(format!("/indicators/{}", n.get())) { (title) }
                } @else { (title) }
            }
            p { strong.(overall.tag_class()) { (overall.words()) } }
            div.target-body {
            dl.summary {
                div {
                    dt { "Responsible" }
                    dd {
                        @match &t.department {
                            Some(d) => { (department_name(d)) ", with the " }
                            None => { "The area, with the " }
                        }
                        (p.region.name())
                    }
                }
                @if let Some(named) = p.record.agreement.partners.get(&t.id) {
                    div {
                        dt { "Delivered by" }
                        dd {
                            (laa_core::partners::name(&named.lead)) ", leading"
                            @for c in &named.contributors { ", with " (laa_core::partners::name(c)) }
                        }
                    }
                }
                @if let Some(v) = v {
                    div { dt { "Measured as" } dd { (unit_words(v.unit)) } }
                    div { dt { "Baseline" } dd { (with_unit(v.baseline.value, v.unit)) " (" (v.baseline.period) ")" } }
                }
                @if let Some(pol) = polarity(indicator, t) {
                    div { dt { "Which way is better" } dd { (pol.words()) } }
                }
                @if let Some(why) = p.record.rationales.get(&t.id) {
                    div { dt { "Why this target" } dd.rationale { (why) } }
                }
            }
            @match &t.agreed {
                Some(Terms::Placeholder { reason, due }) => {
                    div.inset {
                        p {
                            "This target is a placeholder: it is part of the agreement, but it has no values yet because "
                            (placeholder_words(*reason)) ". Its values are due at the " (due.as_str()) " refresh."
                        }
                    }
                }
                _ => {}
            }
            @if v.is_some() {
                div {
                @if let Some(svg) = chart(t, &id, &title) { (svg) }
                p.legend aria-hidden="true" {
                    span { "- - o  Plan" } span { "■  Actual" }
                }
                }
            }
            }
            @if let Some(v) = v {
                details {
                summary { "The numbers for each year" }
                @let numbers = format!("{id}-numbers");
                div.table-wrap role="region" aria-labelledby=(numbers) tabindex="0" {
                    table {
                        caption id=(numbers) { "Plan and actual values: " (title) }
                        thead { tr {
                            th scope="col" { "Year" }
                            th.num scope="col" { "Planned" }
                            th.num scope="col" { "Actual" }
                            th scope="col" { "Verdict" }
                        } }
                        tbody {
                            tr {
                                th scope="row" { "Baseline (" (v.baseline.period) ")" }
                                td.num { (with_unit(v.baseline.value, v.unit)) }
                                td.num { "" } td { "" }
                            }
                            @for (year, planned) in &v.trajectory {
                                tr {
                                    th scope="row" { (year.to_string()) }
                                    td.num {
                                        @match planned {
                                            YearValue::Value(x) => { (with_unit(*x, v.unit)) }
                                            YearValue::Deferred { to } => { "To be set at the " (to.as_str()) " refresh" }
                                        }
                                    }
                                    td.num {
                                        @match t.actuals.get(year) {
                                            Some(a) => { (with_unit(a.value, v.unit)) }
                                            None => { span.secondary { "Not yet recorded" } }
                                        }
                                    }
                                    td {
                                        @match year_verdict(t, *year, policy, indicator) {
                                            Some(y) => { strong.(y.tag_class()) { (y.words()) } }
                                            None => { "" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                }
            }
        }
    }
}

fn changes(signings: &[Signing], catalogue: &Catalogue) -> Markup {
    html! {
        h3 { "Sign-offs and refreshes" }
        ol {
            @for s in signings {
                li {
                    @match &s.refresh {
                        None => { "First signed off on " (date(s.occurred_at)) "." }
                        Some(r) => { "The " (r.as_str()) " refresh was signed off on " (date(s.occurred_at)) "." }
                    }
                    @if s.refresh.is_some() {
                        @if s.changes.is_empty() { " No target changed." }
                        @else {
                            ul {
                                @for c in &s.changes {
                                    li {
                                        (title_of(&c.indicator, catalogue).0) ": "
                                        @match &c.what {
                                            ChangeKind::Added => { "added" }
                                            ChangeKind::Removed => { "removed" }
                                            ChangeKind::TermsChanged { before, .. } => {
                                                @if before.as_ref().is_some_and(Terms::is_placeholder) { "placeholder given its values" }
                                                @else { "values revised" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
