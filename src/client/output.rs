//! Printing results for people (tables) or scripts (JSON), and errors with
//! what to do about them.

use laa_proto::v1 as pb;
use serde_json::{Value, json};
use tonic_types::StatusExt;

use super::Format;
use super::terms::describe;

/// What to do about each stable reason.
fn hint(reason: &str) -> &'static str {
    match reason {
        "DESIGNATED_CAP_REACHED" => {
            "withdraw or decline a designated target first (the cap counts open offers)"
        }
        "STATUTORY_TARGET_IMMUTABLE" => "statutory targets stay; counter-offer their terms instead",
        "INDICATOR_NOT_ACTIVE" => {
            "choose an indicator active in the agreement's set (`laa indicators list --set N`)"
        }
        "INDICATOR_UNKNOWN" => "check the number with `laa indicators list`",
        "DUPLICATE_INDICATOR" => {
            "counter-offer on the existing target instead (`laa agreements show`)"
        }
        "NOT_YOUR_TURN" => {
            "wait for the other side to answer, or act on the target as the other side"
        }
        "NO_OPEN_OFFER" => "there is nothing to accept: make an offer with `laa targets counter`",
        "INVALID_TERMS" => "fix the field named above and send again",
        "AGREEMENT_NOT_EDITABLE" => {
            "check the agreement's status with `laa agreements show`; after sign-off, terms change only in a refresh"
        }
        "OPEN_OFFERS_OUTSTANDING" => "accept, counter or withdraw the targets listed first",
        "STATUTORY_TARGETS_INCOMPLETE" => "agree values for every statutory target first",
        "NOT_ENDORSED" => {
            "the area negotiator must run `laa agreement endorse` after the last change"
        }
        "PLACEHOLDERS_OUTSTANDING" => {
            "agree values for the placeholders and deferred years due in this refresh"
        }
        "WITHDRAWN_INDICATORS_OUTSTANDING" => {
            "withdraw or replace the targets on indicators the new set withdrew"
        }
        "VERSION_CONFLICT" => {
            "someone changed the agreement meanwhile: look again (`laa agreements show`) and retry"
        }
        "OUT_OF_SCOPE" => {
            "your token's role or scope does not cover this; ask an administrator for the right token"
        }
        "NOT_FOUND" => "check the name (`laa agreements list`, `laa areas list`)",
        "ALREADY_EXISTS" => "it exists already: use it (`laa agreements show`)",
        "UNAUTHENTICATED" => {
            "set LAA_TOKEN to a valid token (`laa token issue` on the server's database)"
        }
        "INVALID_ARGUMENT" => "fix the field named above and send again",
        _ => "see the message above",
    }
}

/// Formats a failed call: the message, the stable reason, and what to do.
pub fn failure(status: &tonic::Status) -> String {
    let details = status.get_error_details();
    let reason = details
        .error_info()
        .map(|i| i.reason.clone())
        .unwrap_or_else(|| match status.code() {
            tonic::Code::Unauthenticated => "UNAUTHENTICATED".into(),
            tonic::Code::Unavailable => "UNAVAILABLE".into(),
            other => format!("{other:?}"),
        });
    let mut text = format!("error: {} [{reason}]", status.message());
    if let Some(bad) = details.bad_request() {
        for v in &bad.field_violations {
            text.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    text.push_str(&format!("\nhint: {}", hint(&reason)));
    text
}

fn enum_name(name: Option<&str>, prefix: &str) -> String {
    name.map(|n| n.trim_start_matches(prefix).to_ascii_lowercase())
        .unwrap_or_else(|| "unknown".into())
}

fn agreement_status(s: i32) -> String {
    enum_name(
        pb::AgreementStatus::try_from(s)
            .ok()
            .map(|s| s.as_str_name()),
        "AGREEMENT_STATUS_",
    )
}

fn target_status(s: i32) -> String {
    enum_name(
        pb::TargetStatus::try_from(s).ok().map(|s| s.as_str_name()),
        "TARGET_STATUS_",
    )
}

fn target_kind(s: i32) -> String {
    enum_name(
        pb::TargetKind::try_from(s).ok().map(|s| s.as_str_name()),
        "TARGET_KIND_",
    )
}

fn side(s: i32) -> String {
    enum_name(pb::Side::try_from(s).ok().map(|s| s.as_str_name()), "SIDE_")
}

fn region(s: i32) -> String {
    enum_name(
        pb::Region::try_from(s).ok().map(|s| s.as_str_name()),
        "REGION_",
    )
}

fn role(s: i32) -> String {
    enum_name(pb::Role::try_from(s).ok().map(|s| s.as_str_name()), "ROLE_").replace('_', "-")
}

fn time(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn terms_json(t: Option<&pb::Terms>) -> Value {
    match t.and_then(|t| t.kind.as_ref()) {
        None => Value::Null,
        Some(pb::terms::Kind::Placeholder(p)) => {
            json!({"placeholder": {"reason": p.reason, "due": p.due}})
        }
        Some(pb::terms::Kind::Values(v)) => json!({
            "values": {
                "unit": v.unit,
                "baseline": v.baseline.as_ref().map(|b| json!({"value": b.value, "period": b.period})),
                "trajectory": v.trajectory.iter().map(|y| match &y.value {
                    Some(pb::year_value::Value::Amount(a)) => json!({"year": y.year, "amount": a}),
                    Some(pb::year_value::Value::DeferredTo(r)) => json!({"year": y.year, "deferred_to": r}),
                    None => json!({"year": y.year}),
                }).collect::<Vec<_>>(),
            }
        }),
    }
}

fn indicator_label(t: &pb::Target) -> String {
    match &t.indicator {
        Some(pb::target::Indicator::IndicatorNumber(n)) => format!("NI {n}"),
        Some(pb::target::Indicator::LocalIndicator(l)) => format!("local {}", l.code),
        None => "?".into(),
    }
}

fn target_json(t: &pb::Target) -> Value {
    json!({
        "name": t.name,
        "id": t.id,
        "kind": target_kind(t.kind),
        "indicator": indicator_label(t),
        "status": target_status(t.status),
        "originated_by": side(t.originated_by),
        "department": t.department,
        "agreed": terms_json(t.agreed.as_ref()),
        "open_offer": t.open_offer.as_ref().map(|o| json!({
            "side": side(o.side),
            "terms": terms_json(o.terms.as_ref()),
            "rationale": o.rationale,
            "evidence": o.evidence,
            "department": o.department,
            "deal_breaker": o.deal_breaker,
            "made_at": time(o.made_at.as_ref()),
        })),
        "offers_made": t.offers_made,
        "ending": t.ending,
        "actuals": t.actuals.iter().map(|a| json!({
            "year": a.year, "value": a.value, "source": a.source, "progress": a.progress,
        })).collect::<Vec<_>>(),
    })
}

fn agreement_json(a: &pb::Agreement) -> Value {
    json!({
        "name": a.name,
        "area": a.area,
        "region": region(a.region),
        "round": a.round,
        "status": agreement_status(a.status),
        "version": a.version,
        "indicator_set": a.indicator_set,
        "endorsed": a.endorsed,
        "refresh": a.refresh,
        "designated_count": a.designated_count,
        "designated_cap": a.designated_cap,
        "opened_at": time(a.opened_at.as_ref()),
        "first_signed_off_at": time(a.first_signed_off_at.as_ref()),
        "targets": a.targets.iter().map(target_json).collect::<Vec<_>>(),
    })
}

fn event_json(e: &pb::Event) -> Value {
    json!({
        "agreement": e.agreement,
        "sequence": e.sequence,
        "recorded_at": time(e.recorded_at.as_ref()),
        "principal": e.actor.as_ref().map(|a| a.principal.clone()),
        "role": e.actor.as_ref().map(|a| role(a.role)),
        "scope": e.actor.as_ref().map(|a| a.scope.clone()),
        "kind": e.kind,
        "payload": serde_json::from_str::<Value>(&e.payload_json).unwrap_or(Value::Null),
        "request_id": e.request_id,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// Events as a JSON array.
pub fn events_json(events: &[pb::Event]) -> String {
    serde_json::to_string_pretty(&events.iter().map(event_json).collect::<Vec<_>>())
        .unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Events as CSV with a header row.
pub fn events_csv(events: &[pb::Event]) -> String {
    let mut out = String::from(
        "agreement,sequence,recorded_at,principal,role,scope,kind,request_id,prev_hash,hash,payload\n",
    );
    for e in events {
        let actor = e.actor.clone().unwrap_or_default();
        let row = [
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
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Prints results in the chosen format.
pub struct Output {
    format: Format,
}

impl Output {
    /// An output in a format.
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    fn json(&self, value: Value) -> bool {
        if self.format == Format::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            true
        } else {
            false
        }
    }

    /// The result of a command that changed an agreement.
    pub fn changed(&self, what: &str, r: &pb::AgreementResponse) {
        let agreement = r.agreement.clone().unwrap_or_default();
        if self.json(json!({
            "result": what,
            "target": r.target,
            "first_sequence": r.first_sequence,
            "last_sequence": r.last_sequence,
            "replayed": r.replayed,
            "agreement": agreement_json(&agreement),
        })) {
            return;
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
    }

    /// One agreement with its targets.
    pub fn agreement(&self, a: &pb::Agreement) {
        if self.json(agreement_json(a)) {
            return;
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
        println!(
            "{:>4}  {:<10} {:<10} {:<11} {:<5} TERMS",
            "ID", "INDICATOR", "KIND", "STATUS", "BY"
        );
        for t in &a.targets {
            println!(
                "{:>4}  {:<10} {:<10} {:<11} {:<5} {}",
                t.id,
                indicator_label(t),
                target_kind(t.kind),
                target_status(t.status),
                if side(t.originated_by) == "government" {
                    "GO"
                } else {
                    "area"
                },
                target_line(t)
            );
        }
    }

    /// Agreements, one line each.
    pub fn agreements(&self, all: &[pb::Agreement]) {
        if self.json(Value::Array(all.iter().map(agreement_json).collect())) {
            return;
        }
        println!(
            "{:<36} {:<8} {:<13} {:>7} {:>10}",
            "AGREEMENT", "REGION", "STATUS", "VERSION", "DESIGNATED"
        );
        for a in all {
            println!(
                "{:<36} {:<8} {:<13} {:>7} {:>10}",
                a.name.trim_start_matches("agreements/"),
                region(a.region),
                agreement_status(a.status),
                a.version,
                a.designated_count
            );
        }
        println!("{} agreements", all.len());
    }

    /// Indicators, one line each.
    pub fn indicators(&self, all: &[pb::Indicator]) {
        if self.json(Value::Array(all.iter().map(indicator_json).collect())) {
            return;
        }
        println!(
            "{:>4}  {:<9} {:<4} {:>6}  TITLE",
            "NI", "STATUS", "STAT", "LAAS"
        );
        for i in all {
            println!(
                "{:>4}  {:<9} {:<4} {:>6}  {}",
                i.number,
                i.status,
                if i.statutory { "yes" } else { "" },
                i.laa_selections_2008
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                i.title
            );
        }
        println!("{} indicators", all.len());
    }

    /// One indicator.
    pub fn indicator(&self, i: &pb::Indicator) {
        if self.json(indicator_json(i)) {
            return;
        }
        println!("NI {}: {}", i.number, i.title);
        println!("subject group: {}", i.subject_group);
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
    }

    /// Areas, one line each.
    pub fn areas(&self, all: &[pb::Area]) {
        if self.json(Value::Array(
            all.iter()
                .map(|a| json!({"name": a.name, "code": a.code, "display_name": a.display_name, "region": region(a.region), "kind": a.kind}))
                .collect(),
        )) {
            return;
        }
        println!("{:<34} {:<8} {:<15} NAME", "CODE", "REGION", "KIND");
        for a in all {
            println!(
                "{:<34} {:<8} {:<15} {}",
                a.code,
                region(a.region),
                a.kind,
                a.display_name
            );
        }
        println!("{} areas", all.len());
    }

    /// Events, one line each.
    pub fn events(&self, events: &[pb::Event]) {
        if self.format == Format::Json {
            println!("{}", events_json(events));
            return;
        }
        for e in events {
            self.event_line(e);
        }
    }

    /// One event on one line (JSON: one object per line).
    pub fn event_line(&self, e: &pb::Event) {
        if self.format == Format::Json {
            println!("{}", event_json(e));
            return;
        }
        let actor = e.actor.clone().unwrap_or_default();
        println!(
            "{:>5}  {}  {:<22} {} ({}, {})  {}",
            e.sequence,
            time(e.recorded_at.as_ref()),
            e.kind,
            actor.principal,
            role(actor.role),
            actor.scope,
            &e.hash.get(..12).unwrap_or_default()
        );
    }

    /// A verification.
    pub fn verification(&self, agreement: &str, v: &pb::VerifyHistoryResponse) {
        if self.json(json!({"agreement": agreement, "ok": v.ok, "length": v.length, "head_hash": v.head_hash, "first_bad_sequence": v.first_bad_sequence})) {
            return;
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
    }

    /// A negotiation summary.
    pub fn summary(&self, agreement: &str, s: &pb::NegotiationSummary) {
        let scope = if agreement.is_empty() {
            "all agreements in your scope".to_owned()
        } else {
            agreement.to_owned()
        };
        let mut top: Vec<(i32, i32)> = s
            .selections_by_indicator
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if self.json(json!({
            "scope": scope,
            "agreements": s.agreements,
            "signed_off": s.signed_off,
            "originated_by_government": s.originated_by_government,
            "originated_by_area": s.originated_by_area,
            "accepted_unchanged": s.accepted_unchanged,
            "counter_offers": s.counter_offers,
            "deal_breakers": s.deal_breakers,
            "late_demands": s.late_demands,
            "declined": s.declined,
            "withdrawn": s.withdrawn,
            "placeholders": s.placeholders,
            "mean_days_to_sign_off": s.mean_days_to_sign_off,
            "selections_by_indicator": top.iter().map(|(k, v)| json!({"indicator": k, "agreements": v})).collect::<Vec<_>>(),
        })) {
            return;
        }
        println!("negotiation summary: {scope}");
        println!("  agreements                 {}", s.agreements);
        println!("  signed off                 {}", s.signed_off);
        println!(
            "  targets proposed by GOs    {}",
            s.originated_by_government
        );
        println!("  targets proposed by areas  {}", s.originated_by_area);
        println!("  accepted unchanged         {}", s.accepted_unchanged);
        println!("  counter-offers             {}", s.counter_offers);
        println!("  deal-breakers              {}", s.deal_breakers);
        println!("  late demands               {}", s.late_demands);
        println!(
            "  declined / withdrawn       {} / {}",
            s.declined, s.withdrawn
        );
        println!("  placeholders outstanding   {}", s.placeholders);
        println!(
            "  mean days to sign-off      {:.1}",
            s.mean_days_to_sign_off
        );
        if !top.is_empty() {
            let shown: Vec<String> = top
                .iter()
                .take(10)
                .map(|(k, v)| format!("NI {k} in {v}"))
                .collect();
            println!("  most chosen                {}", shown.join(", "));
        }
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
        None if t.status == pb::TargetStatus::Withdrawn as i32 => format!("{} ", t.ending),
        None => describe(t.agreed.as_ref()),
    }
}

fn indicator_json(i: &pb::Indicator) -> Value {
    json!({
        "name": i.name, "number": i.number, "title": i.title, "subject_group": i.subject_group,
        "psa": if i.psa == 0 { Value::Null } else { json!(i.psa) },
        "dso_department": i.dso_department, "statutory": i.statutory, "status": i.status,
        "laa_selections_2008": i.laa_selections_2008,
    })
}
