//! Between the wire (`laa_proto::v1`) and the domain (`laa_core`).
//!
//! Parsing is where malformed input stops: every function here either
//! returns a domain value that is valid by construction or an
//! [`ApiError::Invalid`] naming the field. Nothing past this module
//! re-checks what it parsed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use laa_core::agreement::Ending;
use laa_core::catalogue::Owner;
use laa_core::performance::progress;
use laa_core::{
    Actor, Agreement, AgreementId, AgreementStatus, AreaCode, Baseline, Catalogue, Department,
    FinancialYear, IndicatorNumber, IndicatorRef, LocalIndicatorCode, Offer, PlaceholderReason,
    RefreshId, Region, Role, Scope, SetVersion, Side, Target, TargetId, TargetKind, TargetStatus,
    Terms, Unit, YearValue,
};
use laa_proto::v1 as pb;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::ApiError;

/// The reason for malformed terms.
pub(crate) const TERMS: &str = "INVALID_TERMS";

/// The longest request id accepted.
pub const MAX_REQUEST_ID: usize = 200;

/// Strips an optional collection prefix (`agreements/`) from a resource name.
fn strip<'a>(name: &'a str, prefix: &str) -> &'a str {
    let name = name.trim();
    name.strip_prefix(prefix).unwrap_or(name)
}

/// `agreements/{agreement}` or the bare id.
pub fn agreement_name(field: &str, name: &str) -> Result<AgreementId, ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::bad_argument(
            field,
            "the agreement is required, e.g. agreements/kent-2008-11",
        ));
    }
    let id = AgreementId::new(strip(name, "agreements/"))
        .map_err(|e| ApiError::bad_argument(field, e.problem))?;
    tracing::Span::current().record("agreement", id.as_str());
    Ok(id)
}

/// `areas/{code}` or the bare code.
pub fn area_name(field: &str, name: &str) -> Result<AreaCode, ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::bad_argument(
            field,
            "the area is required, e.g. areas/kent",
        ));
    }
    AreaCode::new(strip(name, "areas/")).map_err(|e| ApiError::bad_argument(field, e.problem))
}

/// A set version from a number (`2008`).
pub fn set_version(field: &str, version: i32) -> Result<SetVersion, ApiError> {
    u16::try_from(version)
        .map_err(|_| ())
        .and_then(|v| SetVersion::new(v).map_err(|_| ()))
        .map_err(|()| {
            ApiError::bad_argument(
                field,
                format!("{version} is not an indicator set version such as 2007 or 2008"),
            )
        })
}

/// `indicatorSets/{version}` or the bare version.
pub fn set_name(field: &str, name: &str) -> Result<SetVersion, ApiError> {
    strip(name, "indicatorSets/")
        .parse::<SetVersion>()
        .map_err(|e| ApiError::bad_argument(field, e.problem))
}

/// `indicatorSets/{version}/indicators/{number}`.
pub fn indicator_name(field: &str, name: &str) -> Result<(SetVersion, IndicatorNumber), ApiError> {
    let bad = || {
        ApiError::bad_argument(
            field,
            "use indicatorSets/{version}/indicators/{number}, e.g. indicatorSets/2008/indicators/117",
        )
    };
    let rest = name.trim().strip_prefix("indicatorSets/").ok_or_else(bad)?;
    let (version, number) = rest.split_once("/indicators/").ok_or_else(bad)?;
    let version: SetVersion = version.parse().map_err(|_| bad())?;
    let number: IndicatorNumber = number.parse().map_err(|_| bad())?;
    Ok((version, number))
}

/// A National Indicator number from the wire.
pub fn indicator_number(field: &str, number: i32) -> Result<IndicatorNumber, ApiError> {
    u16::try_from(number)
        .ok()
        .and_then(|n| IndicatorNumber::new(n).ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "INDICATOR_UNKNOWN",
                field,
                format!("{number} is not a National Indicator number"),
            )
        })
}

/// A target number (1 or more).
pub fn target_id(field: &str, id: u32) -> Result<TargetId, ApiError> {
    TargetId::new(id).map_err(|_| {
        ApiError::bad_argument(
            field,
            "the target's number is required (targets are numbered from 1)",
        )
    })
}

/// A request id: any text up to 200 bytes; empty means "generate one"
/// (the request then cannot be retried safely).
pub fn request_id(id: &str) -> Result<String, ApiError> {
    let id = id.trim();
    if id.len() > MAX_REQUEST_ID || id.chars().any(char::is_control) {
        return Err(ApiError::bad_argument(
            "request_id",
            format!("at most {MAX_REQUEST_ID} bytes of printable text"),
        ));
    }
    let id = if id.is_empty() {
        uuid::Uuid::new_v4().to_string()
    } else {
        id.to_owned()
    };
    tracing::Span::current().record("request_id", id.as_str());
    Ok(id)
}

/// An expected version (0 or more).
pub fn expected_version(version: i64) -> Result<u64, ApiError> {
    u64::try_from(version)
        .map_err(|_| ApiError::bad_argument("expected_version", "must be 0 or more"))
}

/// A department abbreviation, or none.
pub fn department(name: &str) -> Result<Option<Department>, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    Department::new(name).map(Some).map_err(|_| {
        ApiError::invalid(
            TERMS,
            "department",
            format!(
                "'{name}' is not a Whitehall department or agency; the valid codes are {}",
                laa_core::departments::valid_codes()
            ),
        )
    })
}

/// A financial year such as `2008/09`.
pub fn year(field: &str, text: &str) -> Result<FinancialYear, ApiError> {
    text.parse()
        .map_err(|e: laa_core::ParseError| ApiError::invalid(TERMS, field, e.problem))
}

/// A finite number from the wire, exactly.
pub fn value(field: &str, v: f64) -> Result<Decimal, ApiError> {
    laa_core::terms::decimal_from_f64(v).map_err(|e| ApiError::invalid(TERMS, field, e.problem))
}

/// A refresh round name.
pub fn refresh(field: &str, name: &str) -> Result<RefreshId, ApiError> {
    RefreshId::new(name.trim()).map_err(|e| ApiError::invalid(TERMS, field, e.problem))
}

/// Terms from the wire: values (unit, dated baseline, one entry per year) or a placeholder.
pub fn terms(t: Option<pb::Terms>) -> Result<Terms, ApiError> {
    let kind = t.and_then(|t| t.kind).ok_or_else(|| {
        ApiError::invalid(
            TERMS,
            "terms",
            "terms are required: values (unit, baseline, trajectory) or a placeholder",
        )
    })?;
    match kind {
        pb::terms::Kind::Placeholder(p) => {
            let reason = PlaceholderReason::parse(&p.reason)
                .map_err(|e| ApiError::invalid(TERMS, "terms.placeholder.reason", e.problem))?;
            Ok(Terms::placeholder(
                reason,
                refresh("terms.placeholder.due", &p.due)?,
            ))
        }
        pb::terms::Kind::Values(v) => {
            let unit = Unit::parse(&v.unit)
                .map_err(|e| ApiError::invalid(TERMS, "terms.values.unit", e.problem))?;
            let baseline = v.baseline.ok_or_else(|| {
                ApiError::invalid(
                    TERMS,
                    "terms.values.baseline",
                    "a baseline (value and period) is required",
                )
            })?;
            let baseline = Baseline {
                value: value("terms.values.baseline.value", baseline.value)?,
                period: baseline.period.trim().to_owned(),
            };
            let mut trajectory = BTreeMap::new();
            for (k, entry) in v.trajectory.into_iter().enumerate() {
                let field = format!("terms.values.trajectory[{k}]");
                let y = year(&format!("{field}.year"), &entry.year)?;
                let v = match entry.value {
                    Some(pb::year_value::Value::Amount(a)) => {
                        YearValue::Value(value(&format!("{field}.amount"), a)?)
                    }
                    Some(pb::year_value::Value::DeferredTo(r)) => YearValue::Deferred {
                        to: refresh(&format!("{field}.deferred_to"), &r)?,
                    },
                    None => {
                        return Err(ApiError::invalid(
                            TERMS,
                            field,
                            "each year needs an amount or deferred_to",
                        ));
                    }
                };
                if trajectory.insert(y, v).is_some() {
                    return Err(ApiError::invalid(
                        TERMS,
                        field,
                        format!("{y} is given twice"),
                    ));
                }
            }
            Terms::values(unit, baseline, trajectory)
                .map_err(|p| ApiError::invalid(TERMS, "terms.values", p))
        }
    }
}

/// The indicator of a proposal: a National Indicator or a local one.
pub fn proposed_indicator(
    number: Option<i32>,
    local: Option<pb::LocalIndicator>,
) -> Result<IndicatorRef, ApiError> {
    match (number, local) {
        (Some(n), None) => Ok(IndicatorRef::National(indicator_number(
            "indicator_number",
            n,
        )?)),
        (None, Some(l)) => Ok(IndicatorRef::Local {
            code: LocalIndicatorCode::new(l.code.trim())
                .map_err(|e| ApiError::invalid(TERMS, "local_indicator.code", e.problem))?,
            title: l.title.trim().to_owned(),
        }),
        _ => Err(ApiError::invalid(
            TERMS,
            "indicator",
            "give indicator_number or local_indicator",
        )),
    }
}

/// A region from the wire; unspecified is `None`.
pub fn region(r: i32) -> Result<Option<Region>, ApiError> {
    match pb::Region::try_from(r) {
        Ok(pb::Region::Unspecified) => Ok(None),
        Ok(r) => Ok(Some(region_from_pb(r))),
        Err(_) => Err(ApiError::bad_argument(
            "region",
            format!("{r} is not a region"),
        )),
    }
}

fn region_from_pb(r: pb::Region) -> Region {
    match r {
        pb::Region::NorthEast | pb::Region::Unspecified => Region::NorthEast,
        pb::Region::NorthWest => Region::NorthWest,
        pb::Region::YorkshireAndTheHumber => Region::YorkshireAndTheHumber,
        pb::Region::EastMidlands => Region::EastMidlands,
        pb::Region::WestMidlands => Region::WestMidlands,
        pb::Region::EastOfEngland => Region::EastOfEngland,
        pb::Region::London => Region::London,
        pb::Region::SouthEast => Region::SouthEast,
        pb::Region::SouthWest => Region::SouthWest,
    }
}

/// A region to the wire.
pub fn region_to_pb(r: Region) -> pb::Region {
    match r {
        Region::NorthEast => pb::Region::NorthEast,
        Region::NorthWest => pb::Region::NorthWest,
        Region::YorkshireAndTheHumber => pb::Region::YorkshireAndTheHumber,
        Region::EastMidlands => pb::Region::EastMidlands,
        Region::WestMidlands => pb::Region::WestMidlands,
        Region::EastOfEngland => pb::Region::EastOfEngland,
        Region::London => pb::Region::London,
        Region::SouthEast => pb::Region::SouthEast,
        Region::SouthWest => pb::Region::SouthWest,
    }
}

/// An agreement status filter from the wire; unspecified is `None`.
pub fn status_filter(s: i32) -> Result<Option<AgreementStatus>, ApiError> {
    let status = pb::AgreementStatus::try_from(s)
        .map_err(|_| ApiError::bad_argument("status", format!("{s} is not a status")))?;
    Ok(match status {
        pb::AgreementStatus::Unspecified => None,
        pb::AgreementStatus::Draft => Some(AgreementStatus::Draft),
        pb::AgreementStatus::Submitted => Some(AgreementStatus::Submitted),
        pb::AgreementStatus::Placeholder => Some(AgreementStatus::Placeholder),
        pb::AgreementStatus::Agreed => Some(AgreementStatus::Agreed),
        pb::AgreementStatus::RefreshOpen => Some(AgreementStatus::RefreshOpen),
        pb::AgreementStatus::Refreshed => Some(AgreementStatus::Refreshed),
        pb::AgreementStatus::Closed => Some(AgreementStatus::Closed),
    })
}

fn status_to_pb(s: AgreementStatus) -> pb::AgreementStatus {
    match s {
        AgreementStatus::Unopened => pb::AgreementStatus::Unspecified,
        AgreementStatus::Draft => pb::AgreementStatus::Draft,
        AgreementStatus::Submitted => pb::AgreementStatus::Submitted,
        AgreementStatus::Placeholder => pb::AgreementStatus::Placeholder,
        AgreementStatus::Agreed => pb::AgreementStatus::Agreed,
        AgreementStatus::RefreshOpen => pb::AgreementStatus::RefreshOpen,
        AgreementStatus::Refreshed => pb::AgreementStatus::Refreshed,
        AgreementStatus::Closed => pb::AgreementStatus::Closed,
    }
}

fn target_status_to_pb(s: TargetStatus) -> pb::TargetStatus {
    match s {
        TargetStatus::Draft => pb::TargetStatus::Draft,
        TargetStatus::Placeholder => pb::TargetStatus::Placeholder,
        TargetStatus::Agreed => pb::TargetStatus::Agreed,
        TargetStatus::Refreshed => pb::TargetStatus::Refreshed,
        TargetStatus::Withdrawn => pb::TargetStatus::Withdrawn,
    }
}

fn kind_to_pb(k: TargetKind) -> pb::TargetKind {
    match k {
        TargetKind::Statutory => pb::TargetKind::Statutory,
        TargetKind::Designated => pb::TargetKind::Designated,
        TargetKind::Local => pb::TargetKind::Local,
    }
}

fn side_to_pb(s: Side) -> pb::Side {
    match s {
        Side::Government => pb::Side::Government,
        Side::Area => pb::Side::Area,
    }
}

/// A role to the wire.
pub fn role_to_pb(r: Role) -> pb::Role {
    match r {
        Role::GoNegotiator => pb::Role::GoNegotiator,
        Role::AreaNegotiator => pb::Role::AreaNegotiator,
        Role::SignOff => pb::Role::SignOff,
        Role::Auditor => pb::Role::Auditor,
        Role::Admin => pb::Role::Admin,
    }
}

/// When a command happened, from the wire: unset is now; kept to the
/// microsecond both databases store.
pub fn occurred_at(t: Option<&prost_types::Timestamp>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(t) = t else { return Ok(None) };
    let nanos = u32::try_from(t.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| ApiError::bad_argument("occurred_at", "nanos must lie in 0..1e9"))?;
    DateTime::<Utc>::from_timestamp(t.seconds, nanos - nanos % 1_000)
        .map(Some)
        .ok_or_else(|| ApiError::bad_argument("occurred_at", "not a representable time"))
}

/// A time to the wire.
pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// Terms to the wire.
pub fn terms_to_pb(t: &Terms) -> pb::Terms {
    let kind = match t {
        Terms::Placeholder { reason, due } => pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: reason.as_str().into(),
            due: due.to_string(),
        }),
        Terms::Values(v) => pb::terms::Kind::Values(pb::TargetValues {
            unit: v.unit.as_str().into(),
            baseline: Some(pb::Baseline {
                value: number(v.baseline.value),
                period: v.baseline.period.clone(),
            }),
            trajectory: v
                .trajectory
                .iter()
                .map(|(y, v)| pb::YearValue {
                    year: y.to_string(),
                    value: Some(match v {
                        YearValue::Value(d) => pb::year_value::Value::Amount(number(*d)),
                        YearValue::Deferred { to } => {
                            pb::year_value::Value::DeferredTo(to.to_string())
                        }
                    }),
                })
                .collect(),
        }),
    };
    pb::Terms { kind: Some(kind) }
}

fn offer_to_pb(o: &Offer) -> pb::Offer {
    pb::Offer {
        side: side_to_pb(o.side).into(),
        terms: Some(terms_to_pb(&o.terms)),
        rationale: o.rationale.clone(),
        evidence: o.evidence.clone(),
        department: o
            .department
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        deal_breaker: o.deal_breaker,
        made_at: Some(timestamp(o.made_at)),
    }
}

fn target_to_pb(agreement: &Agreement, t: &Target) -> pb::Target {
    let policy = agreement.policy();
    pb::Target {
        name: format!("agreements/{}/targets/{}", agreement.id, t.id),
        id: t.id.get(),
        kind: kind_to_pb(t.kind).into(),
        indicator: Some(match &t.indicator {
            IndicatorRef::National(n) => pb::target::Indicator::IndicatorNumber(i32::from(n.get())),
            IndicatorRef::Local { code, title } => {
                pb::target::Indicator::LocalIndicator(pb::LocalIndicator {
                    code: code.to_string(),
                    title: title.clone(),
                })
            }
        }),
        status: target_status_to_pb(t.status).into(),
        originated_by: side_to_pb(t.originated_by).into(),
        department: t
            .department
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        agreed: t.agreed.as_ref().map(terms_to_pb),
        open_offer: t.open_offer.as_ref().map(offer_to_pb),
        offers_made: t.offers_made,
        ending: match t.ending {
            None => String::new(),
            Some(Ending::Withdrawn) => "withdrawn".into(),
            Some(Ending::Declined) => "declined".into(),
            Some(Ending::Revoked) => "revoked".into(),
        },
        actuals: t
            .actuals
            .iter()
            .map(|(y, a)| pb::Actual {
                year: y.to_string(),
                value: number(a.value),
                source: a.source.clone(),
                recorded_at: Some(timestamp(a.recorded_at)),
                progress: policy
                    .and_then(|p| progress(t, *y, p))
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// An agreement to the wire, with every target.
pub fn agreement_to_pb(a: &Agreement) -> pb::Agreement {
    agreement_with_targets_to_pb(a, a.targets.values())
}

/// An agreement to the wire with only the given targets (the rest of the
/// agreement whole): what a command's answer carries.
pub fn agreement_with_targets_to_pb<'a>(
    a: &Agreement,
    targets: impl Iterator<Item = &'a laa_core::Target>,
) -> pb::Agreement {
    let opening = a.opening.as_ref();
    pb::Agreement {
        name: format!("agreements/{}", a.id),
        area: opening
            .map(|o| format!("areas/{}", o.area))
            .unwrap_or_default(),
        region: opening
            .map_or(pb::Region::Unspecified, |o| region_to_pb(o.region))
            .into(),
        round: opening.map(|o| o.policy.name.clone()).unwrap_or_default(),
        status: status_to_pb(a.status).into(),
        version: i64::try_from(a.version).unwrap_or(i64::MAX),
        indicator_set: a.indicator_set.map_or(0, |s| i32::from(s.get())),
        endorsed: a.endorsed,
        refresh: a
            .refresh
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        targets: targets.map(|t| target_to_pb(a, t)).collect(),
        opened_at: opening.map(|o| timestamp(o.opened_at)),
        first_signed_off_at: a.first_signed_off_at.map(timestamp),
        designated_count: i32::try_from(a.designated_count()).unwrap_or(i32::MAX),
        designated_cap: opening.map_or(0, |o| i32::from(o.policy.designated_cap)),
        first_bad_sequence: None,
        priorities: a
            .priorities
            .iter()
            .map(|p| pb::Priority {
                statement: p.statement.clone(),
                departments: p.departments.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }
}

/// An indicator in one set version to the wire.
pub fn indicator_to_pb(
    catalogue: &Catalogue,
    version: SetVersion,
    number: IndicatorNumber,
) -> Option<pb::Indicator> {
    let i = catalogue.indicator(number)?;
    let status = catalogue.set(version)?.status_of(number)?;
    let (psa, dso) = match &i.owner {
        Owner::Psa(n) => (i32::from(*n), String::new()),
        Owner::Dso(d) => (0, d.to_string()),
        Owner::Unassigned => (0, String::new()),
    };
    Some(pb::Indicator {
        name: format!("indicatorSets/{version}/indicators/{}", number.get()),
        number: i32::from(number.get()),
        title: i.title.clone(),
        subject_group: i.subject_group.clone(),
        psa,
        dso_department: dso,
        statutory: i.statutory,
        status: match status {
            laa_core::IndicatorStatus::Active => "active".into(),
            laa_core::IndicatorStatus::Withdrawn => "withdrawn".into(),
        },
        laa_selections_2008: i.laa_selections_2008.map(i32::from),
    })
}

/// An actor to the wire.
pub fn actor_to_pb(a: &Actor) -> pb::Actor {
    pb::Actor {
        principal: a.principal.clone(),
        role: role_to_pb(a.role).into(),
        scope: match &a.scope {
            Scope::National => "national".into(),
            Scope::Region(r) => format!("region {r}"),
            Scope::Area(a) => format!("area {a}"),
        },
    }
}

/// A stored event to the wire.
pub fn event_to_pb(e: &laa_store::StoredEvent) -> pb::Event {
    pb::Event {
        agreement: format!("agreements/{}", e.agreement),
        sequence: i64::try_from(e.sequence).unwrap_or(i64::MAX),
        recorded_at: Some(timestamp(e.recorded_at)),
        occurred_at: Some(timestamp(e.event.occurred())),
        actor: Some(actor_to_pb(&e.event.actor)),
        kind: e.kind.clone(),
        payload_json: serde_json::to_string(&e.event.change).unwrap_or_default(),
        request_id: e.request_id.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        hashed_payload: e.payload.clone(),
    }
}

/// An opaque page token: `v1:` and the position to resume after.
pub fn page_token(position: &str) -> String {
    format!("v1:{position}")
}

/// Reads a page token (empty: the first page): `v1:` and the position
/// this server issued, which `position` parses (an agreement id, an area
/// code, a sequence or an offset). Anything else is refused here, before
/// any query sees it.
pub fn parse_page_token<T>(
    token: &str,
    position: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    token
        .strip_prefix("v1:")
        .filter(|rest| !rest.is_empty() && rest.len() <= 64)
        .and_then(position)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_argument(
                "page_token",
                "not a page token this server issued; start again with an empty page_token",
            )
        })
}

/// A page token's position that is a number of 1 or more.
pub fn numeric_position<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Option<T> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<T>().ok().filter(|n| *n >= T::from(1))
}

/// A first sequence to read from: 0 (the default) or 1 reads from the
/// start; a negative one is refused.
pub fn from_sequence(from: i64) -> Result<u64, ApiError> {
    u64::try_from(from)
        .map(|n| n.max(1))
        .map_err(|_| ApiError::bad_argument("from_sequence", "must be 0 or more"))
}

/// A page size within 1..=max (0 means the default).
pub fn page_size(size: i32, default: u64, max: u64) -> Result<u64, ApiError> {
    match size {
        0 => Ok(default),
        s if s < 0 => Err(ApiError::bad_argument("page_size", "must not be negative")),
        s => Ok(u64::try_from(s).unwrap_or(max).min(max)),
    }
}
