//! Rows and terms between `laa_core`'s values, which `laa_sheets` reads
//! and writes, and the wire's messages.

use laa_core::agreement::IndicatorRef;
use laa_core::decimal::{from_f64, to_f64};
use laa_core::{
    Baseline, FinancialYear, PlaceholderReason, RefreshId, TargetRow, Terms, Unit, YearValue,
};
use laa_proto::v1 as pb;

/// A row on the wire.
pub(super) fn row_to_pb(row: &TargetRow) -> pb::TargetRow {
    pb::TargetRow {
        indicator: Some(match &row.indicator {
            IndicatorRef::National(n) => {
                pb::target_row::Indicator::IndicatorNumber(i32::from(n.get()))
            }
            IndicatorRef::Local { code, title } => {
                pb::target_row::Indicator::LocalIndicator(pb::LocalIndicator {
                    code: code.as_str().to_owned(),
                    title: title.clone(),
                })
            }
        }),
        terms: Some(terms_to_pb(&row.terms)),
        rationale: row.rationale.clone(),
        evidence: row.evidence.clone(),
        department: row
            .department
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        deal_breaker: row.deal_breaker,
        priority: row.priority.map_or(0, i32::from),
    }
}

fn terms_to_pb(terms: &Terms) -> pb::Terms {
    let kind = match terms {
        Terms::Values(v) => pb::terms::Kind::Values(pb::TargetValues {
            unit: v.unit.as_str().to_owned(),
            baseline: Some(pb::Baseline {
                value: to_f64(v.baseline.value),
                period: v.baseline.period.clone(),
            }),
            trajectory: v
                .trajectory
                .iter()
                .map(|(year, value)| pb::YearValue {
                    year: year.to_string(),
                    value: Some(match value {
                        YearValue::Value(d) => pb::year_value::Value::Amount(to_f64(*d)),
                        YearValue::Deferred { to } => {
                            pb::year_value::Value::DeferredTo(to.as_str().to_owned())
                        }
                    }),
                })
                .collect(),
            limit_deterioration: v.limit_deterioration.clone().unwrap_or_default(),
        }),
        Terms::Placeholder { reason, due } => pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: reason.as_str().to_owned(),
            due: due.as_str().to_owned(),
        }),
    };
    pb::Terms { kind: Some(kind) }
}

/// Terms as the server answered them, or why the sheet cannot hold them.
pub(super) fn terms_from_pb(terms: &pb::Terms) -> Result<Option<Terms>, String> {
    let Some(kind) = &terms.kind else {
        return Ok(None);
    };
    let problem = |e: laa_core::ParseError| e.to_string();
    Ok(Some(match kind {
        pb::terms::Kind::Placeholder(p) => Terms::placeholder(
            PlaceholderReason::parse(&p.reason).map_err(problem)?,
            RefreshId::new(p.due.clone()).map_err(problem)?,
        ),
        pb::terms::Kind::Values(v) => {
            let baseline = v.baseline.clone().unwrap_or_default();
            let mut trajectory = std::collections::BTreeMap::new();
            for entry in &v.trajectory {
                let year: FinancialYear = entry.year.parse().map_err(problem)?;
                let value = match &entry.value {
                    Some(pb::year_value::Value::Amount(a)) => {
                        YearValue::Value(from_f64(*a).map_err(problem)?)
                    }
                    Some(pb::year_value::Value::DeferredTo(r)) => YearValue::Deferred {
                        to: RefreshId::new(r.clone()).map_err(problem)?,
                    },
                    None => return Err(format!("{year} has no value")),
                };
                trajectory.insert(year, value);
            }
            let terms = Terms::values(
                Unit::parse(&v.unit).map_err(problem)?,
                Baseline {
                    value: from_f64(baseline.value).map_err(problem)?,
                    period: baseline.period,
                },
                trajectory,
            )?;
            if v.limit_deterioration.is_empty() {
                terms
            } else {
                terms.limiting_deterioration(v.limit_deterioration.clone())
            }
        }
    }))
}
