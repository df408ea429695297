//! The wire to the domain: each function returns a valid domain value or
//! an [`ApiError::Invalid`] naming the field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use laa_core::{
    AgreementId, AgreementStatus, AreaCode, Baseline, Department, FinancialYear, IndicatorNumber,
    IndicatorRef, LocalIndicatorCode, PlaceholderReason, Reason, RefreshId, Region, RequestId,
    SetVersion, TargetId, Terms, Unit, YearValue,
};
use laa_proto::v1 as pb;
use rust_decimal::Decimal;

use crate::error::ApiError;

/// The reason for malformed terms.
pub(crate) const TERMS: Reason = Reason::InvalidTerms;

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
                Reason::IndicatorUnknown,
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

/// A request id: printable text up to [`RequestId::MAX_BYTES`] bytes;
/// empty means "generate one" (the request then cannot be retried safely).
pub fn request_id(id: &str) -> Result<RequestId, ApiError> {
    let id = if id.trim().is_empty() {
        RequestId::new(&uuid::Uuid::new_v4().to_string())
    } else {
        RequestId::new(id)
    }
    .map_err(|_| {
        ApiError::bad_argument(
            "request_id",
            format!("at most {} bytes of printable text", RequestId::MAX_BYTES),
        )
    })?;
    tracing::Span::current().record("request_id", id.as_str());
    Ok(id)
}

/// An expected version (0 or more).
pub fn expected_version(version: i64) -> Result<u64, ApiError> {
    u64::try_from(version)
        .map_err(|_| ApiError::bad_argument("expected_version", "must be 0 or more"))
}

/// A department abbreviation, or none: a known department by its
/// canonical code, whatever case it was typed in (so that `dwp` and `DWP`
/// are one request for idempotency, as they are one department).
pub fn department(name: &str) -> Result<Option<Department>, ApiError> {
    department_in("department", name)
}

/// [`department`] for the request's field `field` (such as
/// `priorities[0].departments[1]`), which a refusal names.
pub fn department_in(field: &str, name: &str) -> Result<Option<Department>, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if let Some(known) = laa_core::departments::canonical(name) {
        return Ok(Some(known.code.clone()));
    }
    Department::new(name).map(Some).map_err(|_| {
        ApiError::invalid(
            TERMS,
            field,
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

/// A finite number from the wire, as the decimal it prints as.
pub fn value(field: &str, v: f64) -> Result<Decimal, ApiError> {
    laa_core::terms::decimal_from_f64(v).map_err(|e| ApiError::invalid(TERMS, field, e.problem))
}

/// A refresh round name.
pub fn refresh(field: &str, name: &str) -> Result<RefreshId, ApiError> {
    RefreshId::new(name.trim()).map_err(|e| ApiError::invalid(TERMS, field, e.problem))
}

/// Why a target is re-baselined: `measurement_change`.
pub fn rebaseline_reason(text: &str) -> Result<laa_core::agreement::Rebaseline, ApiError> {
    match text.trim() {
        "measurement_change" => Ok(laa_core::agreement::Rebaseline::MeasurementChange),
        other => Err(ApiError::invalid(
            TERMS,
            "reason",
            format!(
                "{} is not a reason to re-baseline: use measurement_change",
                laa_core::quote(other)
            ),
        )),
    }
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
            let terms = Terms::values(unit, baseline, trajectory)
                .map_err(|p| ApiError::invalid(TERMS, "terms.values", p))?;
            // Empty: a target that promises improvement. The reason's text
            // is checked by the core with every other free text.
            Ok(if v.limit_deterioration.is_empty() {
                terms
            } else {
                terms.limiting_deterioration(v.limit_deterioration)
            })
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
        // `indicator` is the oneof, not a field: the error names the first of its fields.
        _ => Err(ApiError::invalid(
            TERMS,
            "indicator_number",
            "give indicator_number or local_indicator",
        )),
    }
}

/// A round to narrow a listing to, in the request's `field`:
/// `rounds/{round}` or the bare name; empty is `None` (every round).
pub fn round_filter(field: &str, text: &str) -> Result<Option<String>, ApiError> {
    match crate::rounds::round_name(text) {
        "" => Ok(None),
        name => laa_core::RoundName::new(name)
            .map(|n| Some(n.as_str().to_owned()))
            .map_err(|e| ApiError::bad_argument(field, e.problem)),
    }
}

/// A region from the wire, in the request's `field`; unspecified is `None`.
pub fn region(field: &str, r: i32) -> Result<Option<Region>, ApiError> {
    match pb::Region::try_from(r) {
        Ok(pb::Region::Unspecified) => Ok(None),
        Ok(r) => Ok(Some(region_from_pb(r))),
        Err(_) => Err(ApiError::bad_argument(
            field,
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

/// A partner of the partners list (recommendation 2), by its code typed in
/// any case, stored as the list prints it (so `Police` and `police` are one
/// request for idempotency, as they are one partner); `field` names the
/// request's field a refusal names (`lead`, `contributors[1]`).
pub fn partner(field: &str, code: &str) -> Result<laa_core::partners::Partner, ApiError> {
    laa_core::partners::canonical(code)
        .map(|p| p.code.clone())
        .ok_or_else(|| {
            ApiError::invalid(
                TERMS,
                field,
                format!(
                    "{} is not a partner; the valid codes are {}",
                    laa_core::quote(code.trim()),
                    laa_core::partners::valid_codes()
                ),
            )
        })
}
