//! Events, history exports, verification and the negotiation summary.

use laa_proto::v1 as pb;

use super::*;
use crate::client::args::Format;
use crate::client::error::CliError;
use crate::client::output::{Output, Rows};

fn event_row(e: &pb::Event) -> Vec<String> {
    let actor = e.actor.clone().unwrap_or_default();
    vec![
        e.sequence.to_string(),
        time(e.recorded_at.as_ref()),
        e.kind.clone(),
        actor.principal,
        role(actor.role),
        actor.scope,
        e.hash.get(..12).unwrap_or_default().to_owned(),
    ]
}

const EVENT_HEADER: [&str; 7] = [
    "SEQ",
    "RECORDED",
    "KIND",
    "PRINCIPAL",
    "ROLE",
    "SCOPE",
    "HASH",
];

/// Events, one line each.
pub fn events(out: &Output, events: &[pb::Event]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(events);
    }
    let mut rows = Rows::new(&EVENT_HEADER);
    for e in events {
        rows.push(event_row(e));
    }
    out.rows(&rows);
    Ok(())
}

/// One event as it arrives (JSON: one object per line).
pub fn event_line(out: &Output, e: &pb::Event) -> Result<(), CliError> {
    match out.format() {
        Format::Json => {
            let json = crate::client::output::proto_json(e)?;
            println!("{}", crate::client::output::json_text(&json, false)?);
        }
        Format::Csv => {
            let mut rows = Rows::new(&EVENT_HEADER);
            rows.push(event_row(e));
            let text = crate::client::output::csv(&rows);
            print!(
                "{}",
                text.lines().skip(1).collect::<Vec<_>>().join("\n") + "\n"
            );
        }
        Format::Table => println!("{}", event_row(e).join("  ")),
    }
    Ok(())
}

/// The full export: every field of every event.
pub fn export_rows(events: &[pb::Event]) -> Rows {
    let mut rows = Rows::new(&[
        "agreement",
        "sequence",
        "recorded_at",
        "principal",
        "role",
        "scope",
        "kind",
        "request_id",
        "prev_hash",
        "hash",
        "payload",
    ]);
    for e in events {
        let actor = e.actor.clone().unwrap_or_default();
        rows.push(vec![
            e.agreement.clone(),
            e.sequence.to_string(),
            time(e.recorded_at.as_ref()),
            actor.principal,
            role(actor.role),
            actor.scope,
            e.kind.clone(),
            e.request_id.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
            e.payload_json.clone(),
        ]);
    }
    rows
}

/// A verification.
pub fn verification(
    out: &Output,
    agreement: &str,
    v: &pb::VerifyHistoryResponse,
) -> Result<(), CliError> {
    match out.format() {
        Format::Json => return out.message(v),
        Format::Csv => {
            let mut rows = Rows::new(&["AGREEMENT", "OK", "LENGTH", "HEAD", "FIRST_BAD"]);
            rows.push(vec![
                agreement.into(),
                v.ok.to_string(),
                v.length.to_string(),
                v.head_hash.clone(),
                v.first_bad_sequence
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ]);
            out.rows(&rows);
            return Ok(());
        }
        Format::Table => {}
    }
    if v.ok {
        println!(
            "{agreement}: history intact, {}, head {}",
            crate::client::words::count(v.length, "event"),
            v.head_hash
        );
    } else {
        println!(
            "{agreement}: history BROKEN at sequence {} ({} found)",
            v.first_bad_sequence.unwrap_or_default(),
            crate::client::words::count(v.length, "event")
        );
    }
    Ok(())
}

/// A negotiation summary: its figures, then (tables and CSV) the figures
/// per department, per region and per refresh.
/// The agreements with a refresh overdue, by refresh: "3 (2009: 2, 2010: 1)".
fn overdue(s: &pb::NegotiationSummary) -> String {
    if s.agreements_overdue == 0 {
        return "0".into();
    }
    // In refresh order (the wire's map has none).
    let sorted: std::collections::BTreeMap<&String, &i64> = s.refreshes_overdue.iter().collect();
    let by: Vec<String> = sorted
        .iter()
        .map(|(refresh, n)| format!("{refresh}: {n}"))
        .collect();
    format!("{} ({})", s.agreements_overdue, by.join(", "))
}

pub fn summary(out: &Output, scope: &str, s: &pb::NegotiationSummary) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(s);
    }
    let mut top: Vec<(i32, i32)> = s
        .selections_by_indicator
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let days =
        |d: Option<f64>| d.map_or_else(|| "none signed off".to_owned(), |d| format!("{d:.1}"));
    let share = |d: Option<f64>| d.map_or_else(|| "-".to_owned(), |d| format!("{:.0}%", d * 100.0));
    let mut figures = vec![
        ("agreements".to_owned(), s.agreements.to_string()),
        ("signed off".to_owned(), s.signed_off.to_string()),
        (
            "targets proposed by GOs".to_owned(),
            s.originated_by_government.to_string(),
        ),
        (
            "targets proposed by areas".to_owned(),
            s.originated_by_area.to_string(),
        ),
        (
            "statutory targets".to_owned(),
            s.statutory_targets.to_string(),
        ),
        (
            "accepted unchanged".to_owned(),
            s.accepted_unchanged.to_string(),
        ),
        ("counter-offers".to_owned(), s.counter_offers.to_string()),
        ("deal-breakers".to_owned(), s.deal_breakers.to_string()),
        ("late demands".to_owned(), s.late_demands.to_string()),
        (
            "refused requests".to_owned(),
            s.refused_requests.to_string(),
        ),
        ("declined".to_owned(), s.declined.to_string()),
        ("withdrawn".to_owned(), s.withdrawn.to_string()),
        (
            "placeholders outstanding".to_owned(),
            s.placeholders.to_string(),
        ),
        (
            "mean days to sign-off".to_owned(),
            days(s.mean_days_to_sign_off),
        ),
        (
            "median days to sign-off".to_owned(),
            days(s.median_days_to_sign_off),
        ),
        (
            "90th pct days to sign-off".to_owned(),
            days(s.p90_days_to_sign_off),
        ),
        (
            "very limited say".to_owned(),
            format!(
                "{} ({} of {} designated imposed unchanged)",
                share(s.very_limited_say),
                s.designated_imposed,
                s.designated_settled
            ),
        ),
    ];
    for (round, r) in &s.refreshes {
        figures.push((
            format!("revisited at refresh {round}"),
            format!("{} ({} of {})", share(r.share), r.revisited, r.targets),
        ));
    }
    figures.push(("refreshes overdue today".to_owned(), overdue(s)));
    let champions = s.champions.clone().unwrap_or_default();
    for (group, c) in [
        ("with a champion", &champions.with_champion),
        ("without a champion", &champions.without_champion),
    ] {
        let c = (*c).unwrap_or_default();
        figures.push((
            group.to_owned(),
            format!(
                "{} agreements, {} signed off, median {} days, {} counter-offers, {} deal-breakers",
                c.agreements,
                c.signed_off,
                c.median_days_to_sign_off
                    .map_or_else(|| "-".to_owned(), |d| format!("{d:.1}")),
                c.counter_offers,
                c.deal_breakers
            ),
        ));
    }
    if !champions.areas.is_empty() {
        figures.push(("championed areas".to_owned(), champions.areas.join(", ")));
    }
    if out.format() == Format::Csv {
        for (dept, d) in &s.by_department {
            for (what, n) in [
                ("proposed", d.proposals),
                ("counter-offers", d.counter_offers),
                ("late demands", d.late_demands),
                ("deal-breakers", d.deal_breakers),
                ("refused requests", d.refused_requests),
                ("accepted unchanged", d.accepted_unchanged),
                ("advice requests", d.advice_requests),
                ("advice open", d.advice_open),
            ] {
                figures.push((format!("{dept} {what}"), n.to_string()));
            }
            if let Some(days) = d.median_days_to_answer {
                figures.push((
                    format!("{dept} median days to answer"),
                    format!("{days:.1}"),
                ));
            }
        }
        for (region, r) in &s.by_region {
            figures.push((format!("{region} agreements"), r.agreements.to_string()));
            figures.push((format!("{region} late demands"), r.late_demands.to_string()));
            figures.push((
                format!("{region} refused requests"),
                r.refused_requests.to_string(),
            ));
            figures.push((
                format!("{region} refreshes overdue"),
                r.agreements_overdue.to_string(),
            ));
        }
        let mut rows = Rows::new(&["FIGURE", "VALUE"]);
        for (k, v) in figures {
            rows.push(vec![k, v]);
        }
        out.rows(&rows);
        return Ok(());
    }
    println!("negotiation summary: {scope}");
    for (k, v) in figures {
        println!("  {k:<26} {v}");
    }
    if !top.is_empty() {
        let shown: Vec<String> = top
            .iter()
            .take(10)
            .map(|(k, v)| format!("NI {k} in {v}"))
            .collect();
        println!("  {:<26} {}", "most chosen", shown.join(", "));
    }
    if !s.by_department.is_empty() {
        println!();
        let mut rows = Rows::new(&[
            "DEPARTMENT",
            "PROPOSED",
            "COUNTERS",
            "LATE",
            "DEAL-BREAKERS",
            "REFUSED",
            "ACCEPTED UNCHANGED",
            "ADVICE ASKED",
            "ADVICE OPEN",
            "MEDIAN DAYS TO ANSWER",
        ]);
        for (dept, d) in &s.by_department {
            rows.push(vec![
                dept.clone(),
                d.proposals.to_string(),
                d.counter_offers.to_string(),
                d.late_demands.to_string(),
                d.deal_breakers.to_string(),
                d.refused_requests.to_string(),
                d.accepted_unchanged.to_string(),
                d.advice_requests.to_string(),
                d.advice_open.to_string(),
                d.median_days_to_answer
                    .map_or_else(|| "-".to_owned(), |d| format!("{d:.1}")),
            ]);
        }
        out.rows(&rows);
    }
    if !s.by_region.is_empty() {
        println!();
        let mut rows = Rows::new(&[
            "REGION",
            "AGREEMENTS",
            "SIGNED OFF",
            "BY GO",
            "BY AREA",
            "COUNTERS",
            "LATE",
            "REFUSED",
            "MEDIAN DAYS",
            "LIMITED SAY",
            "OVERDUE",
        ]);
        for (region, r) in &s.by_region {
            rows.push(vec![
                region.clone(),
                r.agreements.to_string(),
                r.signed_off.to_string(),
                r.originated_by_government.to_string(),
                r.originated_by_area.to_string(),
                r.counter_offers.to_string(),
                r.late_demands.to_string(),
                r.refused_requests.to_string(),
                r.median_days_to_sign_off
                    .map_or_else(|| "-".to_owned(), |d| format!("{d:.1}")),
                share(r.very_limited_say),
                overdue(r),
            ]);
        }
        out.rows(&rows);
    }
    Ok(())
}
