//! What each resource looks like in a table, in CSV and in JSON.

use laa_proto::names::{region_code, short_name};
use laa_proto::v1 as pb;

use super::args::Format;
use super::error::CliError;
use super::output::{Output, Rows};
use super::terms::describe;

fn enum_name<E>(value: i32, name: fn(&E) -> &'static str, prefix: &str) -> String
where
    E: TryFrom<i32>,
{
    E::try_from(value)
        .ok()
        .map(|e| short_name(name(&e), prefix))
        .unwrap_or_else(|| "unknown".into())
}

pub fn agreement_status(s: i32) -> String {
    enum_name(s, pb::AgreementStatus::as_str_name, "AGREEMENT_STATUS_")
}

fn target_status(s: i32) -> String {
    enum_name(s, pb::TargetStatus::as_str_name, "TARGET_STATUS_")
}

fn target_kind(s: i32) -> String {
    enum_name(s, pb::TargetKind::as_str_name, "TARGET_KIND_")
}

fn side(s: i32) -> String {
    enum_name(s, pb::Side::as_str_name, "SIDE_")
}

fn region(r: i32) -> String {
    pb::Region::try_from(r)
        .map(|r| region_code(r).to_owned())
        .unwrap_or_default()
}

fn role(s: i32) -> String {
    enum_name(s, pb::Role::as_str_name, "ROLE_").replace('_', "-")
}

fn time(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| {
        chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or_default())
    })
    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .unwrap_or_default()
}

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
        None => describe(t.agreed.as_ref()),
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
        println!("{} agreements", all.len());
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

/// Indicators, one line each.
pub fn indicators(out: &Output, all: &[pb::Indicator]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "NI",
        "STATUS",
        "STATUTORY",
        "LAAS",
        "UNIT",
        "BETTER",
        "GROUP",
        "TITLE",
    ]);
    for i in all {
        rows.push(vec![
            i.number.to_string(),
            i.status.clone(),
            if i.statutory {
                "yes".into()
            } else {
                String::new()
            },
            i.laa_selections_2008
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            i.unit.clone(),
            better(&i.polarity).into(),
            i.subject_group.clone(),
            i.title.clone(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{} indicators", all.len());
    }
    Ok(())
}

/// One indicator.
pub fn indicator(out: &Output, i: &pb::Indicator) -> Result<(), CliError> {
    if out.format() != Format::Table {
        return if out.format() == Format::Json {
            out.message(i)
        } else {
            indicators(out, std::slice::from_ref(i))
        };
    }
    println!("NI {}: {}", i.number, i.title);
    println!("subject group: {}", i.subject_group);
    println!("measured in: {}, {} is better", i.unit, better(&i.polarity));
    if i.psa != 0 {
        println!("linked to: PSA {}", i.psa);
    } else if !i.dso_department.is_empty() {
        println!("linked to: {} DSO", i.dso_department);
    }
    println!(
        "status: {}{}",
        i.status,
        if i.statutory { " (statutory)" } else { "" }
    );
    if let Some(n) = i.laa_selections_2008 {
        println!("chosen by {n} of the 150 LAAs in 2008");
    }
    Ok(())
}

/// Which way is better, in one word: `higher` or `lower`.
pub fn better(polarity: &str) -> &str {
    polarity.strip_suffix("_is_better").unwrap_or(polarity)
}

/// Indicator set versions.
pub fn indicator_sets(out: &Output, all: &[pb::IndicatorSet]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["SET", "STATUS", "ACTIVE", "CONSULTATION CLOSES"]);
    for s in all {
        rows.push(vec![
            s.version.to_string(),
            s.status.clone(),
            s.active_count.to_string(),
            s.consultation_closes.clone(),
        ]);
    }
    out.rows(&rows);
    Ok(())
}

/// The departments and agencies a Government offer may name.
pub fn departments(out: &Output, all: &[pb::Department]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["CODE", "KIND", "NAME"]);
    for d in all {
        rows.push(vec![d.code.clone(), d.kind.clone(), d.display_name.clone()]);
    }
    out.rows(&rows);
    Ok(())
}

/// Areas, one line each.
pub fn areas(out: &Output, all: &[pb::Area]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["CODE", "REGION", "KIND", "NAME"]);
    for a in all {
        rows.push(vec![
            a.code.clone(),
            region(a.region),
            a.kind.clone(),
            a.display_name.clone(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{} areas", all.len());
    }
    Ok(())
}

/// One area.
/// Rounds, one line each: the period, the cap, the statutory count, the
/// refreshes with their deadlines, the priorities limit (and the limit on
/// the Government's own targets, if any) and the reward.
pub fn rounds(out: &Output, all: &[pb::Round]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "ROUND",
        "YEARS",
        "CAP",
        "STATUTORY",
        "REFRESHES (DUE BY)",
        "PRIORITIES",
        "REWARD",
    ]);
    for r in all {
        rows.push(vec![
            r.round.clone(),
            match (r.years.first(), r.years.last()) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => String::new(),
            },
            r.designated_cap.to_string(),
            r.statutory_indicators.len().to_string(),
            r.refreshes
                .iter()
                .map(|f| format!("{} ({})", f.refresh, f.deadline))
                .collect::<Vec<_>>()
                .join(", "),
            match (r.max_whitehall_priorities, r.max_government_targets) {
                (None, None) => "no limit".to_owned(),
                (p, None) => p.map_or_else(String::new, |n| n.to_string()),
                (p, Some(g)) => format!(
                    "{} (Government targets: at most {g})",
                    p.map_or_else(|| "no limit".to_owned(), |n| n.to_string())
                ),
            },
            format!("GBP {}", r.reward_per_target),
        ]);
    }
    out.rows(&rows);
    Ok(())
}

/// One round.
pub fn round(out: &Output, r: &pb::Round) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(r);
    }
    rounds(out, std::slice::from_ref(r))
}

pub fn area(out: &Output, a: &pb::Area) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(a);
    }
    areas(out, std::slice::from_ref(a))
}

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
            let json = super::output::proto_json(e)?;
            println!("{}", serde_json::to_string(&json).unwrap_or_default());
        }
        Format::Csv => {
            let mut rows = Rows::new(&EVENT_HEADER);
            rows.push(event_row(e));
            let text = super::output::csv(&rows);
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
            "{agreement}: history intact, {} events, head {}",
            v.length, v.head_hash
        );
    } else {
        println!(
            "{agreement}: history BROKEN at sequence {} ({} events found)",
            v.first_bad_sequence.unwrap_or_default(),
            v.length
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
    if out.format() == Format::Csv {
        for (dept, d) in &s.by_department {
            for (what, n) in [
                ("proposed", d.proposals),
                ("counter-offers", d.counter_offers),
                ("late demands", d.late_demands),
                ("deal-breakers", d.deal_breakers),
                ("refused requests", d.refused_requests),
                ("accepted unchanged", d.accepted_unchanged),
            ] {
                figures.push((format!("{dept} {what}"), n.to_string()));
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
