//! Monitoring: where each target stands, per year and overall, against its
//! agreed trajectory, judged by its indicator's polarity.
//!
//! A year with a planned value and an actual is `on_track` or `off_track`
//! (the final year `met` or `missed`); one with a planned value and no
//! actual yet is `no_data`; a placeholder's years, and a year deferred to
//! a refresh, are `unresolved`: no verdict until their values are agreed.
//! Overall, a target is the final year's verdict once there is one, else
//! that of the latest year judged, else `no_data` (`unresolved` while the
//! whole target is a placeholder).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{Actual, Agreement, IndicatorRef, Target, TargetKind};
use crate::catalogue::{Catalogue, Owner};
use crate::ids::{Department, FinancialYear, ParseError, TargetId, quote};
use crate::polarity::Polarity;
use crate::terms::{Baseline, Unit, YearValue};

/// How a target stands, in one year or overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A value is planned but no actual has been recorded.
    NoData,
    /// An earlier year's actual is at least as good as planned.
    OnTrack,
    /// An earlier year's actual is worse than planned.
    OffTrack,
    /// The final year's actual is at least as good as the target.
    Met,
    /// The final year's actual is worse than the target.
    Missed,
    /// A placeholder, or a year deferred to a refresh: no verdict until
    /// its value is agreed.
    Unresolved,
}

impl Status {
    /// Every status, in the order documented.
    pub const ALL: [Status; 6] = [
        Status::NoData,
        Status::OnTrack,
        Status::OffTrack,
        Status::Met,
        Status::Missed,
        Status::Unresolved,
    ];

    /// The status's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NoData => "no_data",
            Status::OnTrack => "on_track",
            Status::OffTrack => "off_track",
            Status::Met => "met",
            Status::Missed => "missed",
            Status::Unresolved => "unresolved",
        }
    }

    /// Parses a status's wire name.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let lower = s.trim().to_ascii_lowercase().replace('-', "_");
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == lower)
            .ok_or_else(|| {
                ParseError::new(
                    "status",
                    format!(
                        "{} is not a status: use one of {}",
                        quote(s.trim()),
                        Status::ALL.map(Status::as_str).join(", ")
                    ),
                )
            })
    }

    /// True for a verdict on an actual (not `no_data` or `unresolved`).
    pub fn is_verdict(self) -> bool {
        matches!(
            self,
            Status::OnTrack | Status::OffTrack | Status::Met | Status::Missed
        )
    }
}

/// One year of a target: what was planned, what happened, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearPerformance {
    /// The year.
    pub year: FinancialYear,
    /// The value planned for it; `None` while deferred or a placeholder.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub planned: Option<Decimal>,
    /// The latest actual recorded for it (corrections are later events).
    pub actual: Option<Actual>,
    /// The verdict.
    pub status: Status,
}

/// One target's performance: its terms, actuals and statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetPerformance {
    /// The target.
    pub target: TargetId,
    /// Statutory, designated or local.
    pub kind: TargetKind,
    /// What it measures.
    pub indicator: IndicatorRef,
    /// The indicator's title (a local indicator's own).
    pub title: String,
    /// Which way is better: the indicator's, or for a local indicator the
    /// way its trajectory moves.
    pub polarity: Polarity,
    /// The unit of the agreed values, if any.
    pub unit: Option<Unit>,
    /// The agreed baseline, if values are agreed.
    pub baseline: Option<Baseline>,
    /// Why the measure is expected to worsen, for a target that limits a deterioration.
    pub limit_deterioration: Option<String>,
    /// The department responsible: the one that asked for the target, else
    /// the one whose strategic objective the indicator serves.
    pub department: Option<Department>,
    /// Every year of the period.
    pub years: Vec<YearPerformance>,
    /// The overall status.
    pub overall: Status,
}

/// True when a target has agreed terms to be monitored against: live,
/// and agreed (as values or a placeholder) at least once.
pub fn is_monitored(target: &Target) -> bool {
    target.is_live() && target.agreed.is_some()
}

/// The performance of every monitored target of an agreement, in target order.
pub fn agreement_performance(
    agreement: &Agreement,
    catalogue: &Catalogue,
) -> Vec<TargetPerformance> {
    agreement
        .targets
        .values()
        .filter(|t| is_monitored(t))
        .map(|t| target_performance(agreement, t, catalogue))
        .collect()
}

/// The polarity a target of `agreement` is judged by: its National
/// Indicator's in the agreement's bound set, or for a local indicator the
/// direction its agreed trajectory moves.
pub fn polarity_of(agreement: &Agreement, target: &Target, catalogue: &Catalogue) -> Polarity {
    polarity_with(
        target,
        target
            .indicator
            .national()
            .and_then(|n| agreement.measure(catalogue, n)),
    )
}

/// [`polarity_of`] with the target's National Indicator already looked up
/// (`None` for a local indicator, or one the catalogue does not hold).
pub fn polarity_with(target: &Target, indicator: Option<&crate::Indicator>) -> Polarity {
    match (indicator, target.agreed_values()) {
        (Some(i), _) => i.polarity,
        (None, Some(v)) => Polarity::implied(v.baseline.value, v.final_value()),
        (None, None) => Polarity::HigherIsBetter,
    }
}

/// One target's performance in its agreement (whose policy gives the
/// period): per year and overall. A target without agreed terms has
/// every year `unresolved`.
pub fn target_performance(
    agreement: &Agreement,
    target: &Target,
    catalogue: &Catalogue,
) -> TargetPerformance {
    let polarity = polarity_of(agreement, target, catalogue);
    let national = target
        .indicator
        .national()
        .and_then(|n| agreement.measure(catalogue, n));
    let title = match (&target.indicator, national) {
        (IndicatorRef::Local { title, .. }, _) => title.clone(),
        (_, Some(i)) => i.title.clone(),
        (IndicatorRef::National(n), None) => n.to_string(),
    };
    let department = target.department.clone().or_else(|| match national {
        Some(i) => match &i.owner {
            Owner::Dso(d) => Some(d.clone()),
            _ => None,
        },
        None => None,
    });
    let values = target.agreed_values();
    let period: Vec<FinancialYear> = agreement
        .policy()
        .map(|p| p.period.years().collect())
        .unwrap_or_default();
    let (years, overall) = judge(target, &period, polarity);
    TargetPerformance {
        target: target.id,
        kind: target.kind,
        indicator: target.indicator.clone(),
        title,
        polarity,
        unit: values.map(|v| v.unit),
        baseline: values.map(|v| v.baseline.clone()),
        limit_deterioration: values.and_then(|v| v.limit_deterioration.clone()),
        department,
        years,
        overall,
    }
}

/// A target's years over `period` (the round's years, in order) and its
/// overall status, judged by `polarity`: the rule behind
/// [`target_performance`], for callers that have the polarity already (the
/// citizens' pages).
pub fn judge(
    target: &Target,
    period: &[FinancialYear],
    polarity: Polarity,
) -> (Vec<YearPerformance>, Status) {
    let values = target.agreed_values();
    let last = period.last().copied();
    let years: Vec<YearPerformance> = period
        .iter()
        .map(|&year| {
            let planned = values.and_then(|v| match v.trajectory.get(&year) {
                Some(YearValue::Value(p)) => Some(*p),
                _ => None,
            });
            let actual = target.actuals.get(&year).cloned();
            let status = match (planned, &actual) {
                (None, _) => Status::Unresolved,
                (Some(_), None) => Status::NoData,
                (Some(p), Some(a)) => {
                    let good = polarity.at_least_as_good(a.value, p);
                    match (Some(year) == last, good) {
                        (true, true) => Status::Met,
                        (true, false) => Status::Missed,
                        (false, true) => Status::OnTrack,
                        (false, false) => Status::OffTrack,
                    }
                }
            };
            YearPerformance {
                year,
                planned,
                actual,
                status,
            }
        })
        .collect();
    let overall = overall(&years);
    (years, overall)
}

/// The overall status from the years': the final year's verdict, else the
/// latest verdict, else `unresolved` when no year has a planned value,
/// else `no_data`.
fn overall(years: &[YearPerformance]) -> Status {
    if let Some(last) = years.last()
        && matches!(last.status, Status::Met | Status::Missed)
    {
        return last.status;
    }
    if let Some(latest) = years.iter().rev().find(|y| y.status.is_verdict()) {
        return latest.status;
    }
    if years.iter().all(|y| y.status == Status::Unresolved) {
        Status::Unresolved
    } else {
        Status::NoData
    }
}
