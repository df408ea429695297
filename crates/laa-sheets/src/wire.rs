//! Rows, terms and agreements between `laa_core`'s values, which this
//! crate reads and writes, and the wire's messages: what the CLI and the
//! workspace both send and receive.

use laa_core::agreement::IndicatorRef;
use laa_core::decimal::{from_f64, to_f64};
use laa_core::{
    Baseline, FinancialYear, PlaceholderReason, RefreshId, TargetRow, Terms, Unit, YearValue,
};
use std::collections::HashMap;

use laa_core::ids::LocalIndicatorCode;
use laa_core::{Department, IndicatorNumber, Side};
use laa_proto::names::short_name;
use laa_proto::v1 as pb;

use crate::{SheetTarget, TermsShown};

/// A row on the wire.
pub fn row_to_pb(row: &TargetRow) -> pb::TargetRow {
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
pub fn terms_from_pb(terms: &pb::Terms) -> Result<Option<Terms>, String> {
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

/// An agreement's live targets, as read over the wire, as a sheet's rows:
/// each with its open offer's terms, or its agreed terms, or none yet.
/// `titles` gives National Indicators' titles by number.
pub fn sheet_targets(
    agreement: &pb::Agreement,
    titles: &HashMap<i32, String>,
) -> Result<Vec<SheetTarget>, String> {
    let id = agreement.name.trim_start_matches("agreements/").to_owned();
    let mut rows = Vec::new();
    for t in &agreement.targets {
        if t.status == pb::TargetStatus::Withdrawn as i32 {
            continue;
        }
        let cannot = |why: String| {
            format!(
                "target {} of {id} cannot be written to a sheet: {why}",
                t.id
            )
        };
        let (indicator, title) = match &t.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => (
                IndicatorRef::National(
                    IndicatorNumber::new(u16::try_from(*n).unwrap_or(0))
                        .map_err(|e| cannot(e.to_string()))?,
                ),
                titles.get(n).cloned().unwrap_or_default(),
            ),
            Some(pb::target::Indicator::LocalIndicator(l)) => (
                IndicatorRef::Local {
                    code: LocalIndicatorCode::new(l.code.clone())
                        .map_err(|e| cannot(e.to_string()))?,
                    title: l.title.clone(),
                },
                String::new(),
            ),
            None => return Err(cannot("it names no indicator".into())),
        };
        let mut row = SheetTarget {
            agreement: id.clone(),
            target: t.id,
            kind: short_name(
                pb::TargetKind::try_from(t.kind)
                    .unwrap_or_default()
                    .as_str_name(),
                "TARGET_KIND_",
            ),
            status: short_name(
                pb::TargetStatus::try_from(t.status)
                    .unwrap_or_default()
                    .as_str_name(),
                "TARGET_STATUS_",
            ),
            shown: TermsShown::Awaited,
            indicator,
            title,
            terms: None,
            rationale: String::new(),
            evidence: Vec::new(),
            department: None,
            deal_breaker: false,
        };
        if let Some(offer) = &t.open_offer {
            row.shown = TermsShown::Offer(if offer.side == pb::Side::Area as i32 {
                Side::Area
            } else {
                Side::Government
            });
            row.terms = match &offer.terms {
                Some(terms) => terms_from_pb(terms).map_err(cannot)?,
                None => None,
            };
            row.rationale = offer.rationale.clone();
            row.evidence = offer.evidence.clone();
            row.department = match offer.department.as_str() {
                "" => None,
                d => Some(Department::new(d).map_err(|e| cannot(e.to_string()))?),
            };
            row.deal_breaker = offer.deal_breaker;
        } else if let Some(agreed) = &t.agreed {
            row.shown = TermsShown::Agreed;
            row.terms = terms_from_pb(agreed).map_err(cannot)?;
        }
        rows.push(row);
    }
    Ok(rows)
}
