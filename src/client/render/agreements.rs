//! Agreements, their targets, and a command's answer.

use laa_proto::v1 as pb;

use super::*;
use crate::client::args::Format;
use crate::client::error::CliError;
use crate::client::output::{Output, Rows};
use crate::client::terms::describe;

/// `NI 117` or `local l-graffiti`.
pub fn indicator_label(t: &pb::Target) -> String {
    match &t.indicator {
        Some(pb::target::Indicator::IndicatorNumber(n)) => format!("NI {n}"),
        Some(pb::target::Indicator::LocalIndicator(l)) => format!("local {}", l.code),
        None => "?".into(),
    }
}

fn target_line(t: &pb::Target) -> String {
    match &t.open_offer {
        Some(o) => format!(
            "offer from {}{}: {}",
            side(o.side),
            if o.deal_breaker {
                " (deal-breaker)"
            } else {
                ""
            },
            describe(o.terms.as_ref())
        ),
        None if t.status == pb::TargetStatus::Withdrawn as i32 => t.ending.clone(),
        None => match &t.pending_rebaseline {
            Some(p) => format!(
                "{}; re-baselining to {} awaits Ministers",
                describe(t.agreed.as_ref()),
                describe(p.terms.as_ref())
            ),
            None => describe(t.agreed.as_ref()),
        },
    }
}

fn target_rows(targets: &[pb::Target]) -> Rows {
    let mut rows = Rows::new(&["ID", "INDICATOR", "KIND", "STATUS", "BY", "TERMS"]);
    for t in targets {
        rows.push(vec![
            t.id.to_string(),
            indicator_label(t),
            target_kind(t.kind),
            target_status(t.status),
            if t.originated_by == pb::Side::Government as i32 {
                "GO".into()
            } else {
                "area".into()
            },
            target_line(t),
        ]);
    }
    rows
}

/// One agreement with its targets.
pub fn agreement(out: &Output, a: &pb::Agreement) -> Result<(), CliError> {
    match out.format() {
        Format::Json => return out.message(a),
        Format::Csv => {
            out.rows(&target_rows(&a.targets));
            return Ok(());
        }
        Format::Table => {}
    }
    println!(
        "{}  {}  region {}  round {}  set {}  {}  version {}{}",
        a.name,
        a.area,
        region(a.region),
        a.round,
        a.indicator_set,
        agreement_status(a.status),
        a.version,
        if a.endorsed { "  endorsed" } else { "" }
    );
    println!(
        "designated targets: {} of {}",
        a.designated_count, a.designated_cap
    );
    out.rows(&target_rows(&a.targets));
    if !a.advice.is_empty() {
        println!();
        let mut rows = Rows::new(&["ADVICE", "INDICATOR", "DEPARTMENT", "QUESTION", "ANSWER"]);
        for r in &a.advice {
            rows.push(vec![
                r.request.to_string(),
                format!("NI {}", r.indicator_number),
                r.department.clone(),
                r.question.clone(),
                if r.answer.is_empty() {
                    "(awaiting the department)".to_owned()
                } else {
                    r.answer.clone()
                },
            ]);
        }
        out.rows(&rows);
    }
    Ok(())
}

/// Agreements, one line each.
pub fn agreements(out: &Output, all: &[pb::Agreement]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["AGREEMENT", "REGION", "STATUS", "VERSION", "DESIGNATED"]);
    for a in all {
        rows.push(vec![
            a.name.trim_start_matches("agreements/").to_owned(),
            region(a.region),
            agreement_status(a.status),
            a.version.to_string(),
            a.designated_count.to_string(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{}", crate::client::words::count(all.len(), "agreement"));
    }
    Ok(())
}

/// The outcome of a command that changed an agreement.
pub fn changed(out: &Output, what: &str, r: &pb::AgreementResponse) -> Result<(), CliError> {
    let agreement = r.agreement.clone().unwrap_or_default();
    match out.format() {
        Format::Json => return out.message(r),
        Format::Csv => {
            let mut rows = Rows::new(&[
                "RESULT",
                "AGREEMENT",
                "STATUS",
                "VERSION",
                "TARGET",
                "REPLAYED",
            ]);
            rows.push(vec![
                what.into(),
                agreement.name.clone(),
                agreement_status(agreement.status),
                agreement.version.to_string(),
                r.target.to_string(),
                r.replayed.to_string(),
            ]);
            out.rows(&rows);
            return Ok(());
        }
        Format::Table => {}
    }
    let replayed = if r.replayed {
        " (already applied: nothing new recorded)"
    } else {
        ""
    };
    println!(
        "{what}{replayed}: {} is {} at version {}",
        agreement.name,
        agreement_status(agreement.status),
        agreement.version
    );
    if r.target != 0
        && let Some(t) = agreement.targets.iter().find(|t| t.id == r.target)
    {
        println!(
            "target {} ({}): {}",
            t.id,
            indicator_label(t),
            target_line(t)
        );
    }
    Ok(())
}

/// Requests for advice across agreements (`laa advice list`).
pub fn advice_requests(out: &Output, all: &[pb::ListedAdviceRequest]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "AGREEMENT",
        "REQUEST",
        "DEPARTMENT",
        "INDICATOR",
        "ASKED",
        "ANSWERED",
        "QUESTION",
    ]);
    for listed in all {
        let r = listed.request.clone().unwrap_or_default();
        let day = |t: Option<&prost_types::Timestamp>| {
            t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
                .map_or_else(|| "-".to_owned(), |t| t.date_naive().to_string())
        };
        rows.push(vec![
            listed
                .agreement
                .trim_start_matches("agreements/")
                .to_owned(),
            r.request.to_string(),
            r.department.clone(),
            format!("NI {}", r.indicator_number),
            day(r.asked_at.as_ref()),
            day(r.answered_at.as_ref()),
            r.question.clone(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{}", crate::client::words::count(all.len(), "request"));
    }
    Ok(())
}
