//! A target's negotiation thread: each history event that concerns it
//! (offers, answers, endings, actuals, refused requests for its indicator)
//! as one entry, and terms written out in words.

use laa_core::Change;
use laa_proto::v1 as pb;
use maud::{Markup, html};

use super::words::side_name;
use crate::layout::{self, tag};

/// One history event as a thread entry, if it concerns the target.
pub(super) fn entry(event: &laa_core::Event, target: u32, number: Option<i32>) -> Option<Markup> {
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
        Change::TargetCommented {
            target: t,
            text,
            brokering,
        } if mine(*t) => html! {
            p.thread-heading { strong { @if *brokering { "Brokering" } @else { "Comment" } }
                @if *brokering { " " (tag("Negotiating champion", "purple")) } }
            p.thread-rationale { (text) }
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

pub(super) fn terms(terms: &laa_core::Terms) -> String {
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

pub(super) fn pb_terms(terms: Option<&pb::Terms>) -> String {
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
