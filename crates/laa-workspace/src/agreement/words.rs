//! The agreement's and its targets' states, sides and names as people
//! say them, from the wire's values.

use laa_core::{AgreementStatus, Side, TargetStatus};
use laa_proto::v1 as pb;

/// The agreement's name without `agreements/`.
pub(super) fn short(name: &str) -> &str {
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

pub(super) fn target_status_of(target: &pb::Target) -> TargetStatus {
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

pub(super) fn side_name(side: Option<Side>) -> &'static str {
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
pub(super) fn target_words(target: &pb::Target, mine: Option<Side>) -> (String, &'static str) {
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

pub(super) fn kind_name(kind: i32) -> &'static str {
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

pub(super) fn timestamp(t: &prost_types::Timestamp) -> String {
    chrono::DateTime::from_timestamp(t.seconds, 0)
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default()
}
