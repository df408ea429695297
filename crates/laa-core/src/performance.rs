//! Performance after sign-off: progress against the trajectory, and the
//! reward grant a target earns (DOMAIN.md 6).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{Target, TargetKind};
use crate::ids::FinancialYear;
use crate::money::Money;
use crate::policy::RoundPolicy;
use crate::terms::{TargetValues, Terms, YearValue};

/// How a target stands in a year, judged from its trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// An earlier year's actual is at least as good as planned.
    OnTrack,
    /// An earlier year's actual falls short of the plan.
    OffTrack,
    /// The final year's actual is at least as good as the target.
    Met,
    /// The final year's actual falls short of the target.
    Missed,
}

impl Progress {
    /// The verdict's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::OnTrack => "on_track",
            Progress::OffTrack => "off_track",
            Progress::Met => "met",
            Progress::Missed => "missed",
        }
    }
}

fn values(target: &Target) -> Option<&TargetValues> {
    match target.agreed.as_ref()? {
        Terms::Values(v) => Some(v),
        Terms::Placeholder { .. } => None,
    }
}

/// True when the plan is to reduce the measure (the final value lies below the baseline).
pub fn aims_down(values: &TargetValues) -> bool {
    let last = values.trajectory.values().rev().find_map(|v| match v {
        YearValue::Value(v) => Some(*v),
        YearValue::Deferred { .. } => None,
    });
    last.is_some_and(|l| l < values.baseline.value)
}

fn at_least_as_good(actual: Decimal, planned: Decimal, down: bool) -> bool {
    if down {
        actual <= planned
    } else {
        actual >= planned
    }
}

/// The target's standing in `year`: `None` without agreed values, an actual
/// for the year, or a planned value for it (a deferred year has none yet).
pub fn progress(target: &Target, year: FinancialYear, policy: &RoundPolicy) -> Option<Progress> {
    let values = values(target)?;
    let actual = target.actuals.get(&year)?.value;
    let YearValue::Value(planned) = values.trajectory.get(&year)? else {
        return None;
    };
    let good = at_least_as_good(actual, *planned, aims_down(values));
    Some(match (year == policy.period.last(), good) {
        (true, true) => Progress::Met,
        (true, false) => Progress::Missed,
        (false, true) => Progress::OnTrack,
        (false, false) => Progress::OffTrack,
    })
}

/// The share (in percent) of the planned improvement the final year's actual
/// achieved: `None` until the final year's actual and planned value exist.
pub fn improvement_share(target: &Target, policy: &RoundPolicy) -> Option<Decimal> {
    let values = values(target)?;
    let last = policy.period.last();
    let actual = target.actuals.get(&last)?.value;
    let YearValue::Value(planned) = values.trajectory.get(&last)? else {
        return None;
    };
    let planned_change = *planned - values.baseline.value;
    if planned_change.is_zero() {
        let held = at_least_as_good(actual, *planned, false);
        return Some(if held {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::ZERO
        });
    }
    let achieved = actual - values.baseline.value;
    Some((achieved / planned_change * Decimal::ONE_HUNDRED).max(Decimal::ZERO))
}

/// The reward grant a designated target earns under the policy's rule:
/// nothing below the floor share, in full at the full share, in proportion
/// in between. Statutory and local targets earn nothing.
pub fn reward(target: &Target, policy: &RoundPolicy) -> Money {
    if target.kind != TargetKind::Designated || !target.is_live() {
        return Money::ZERO;
    }
    let Some(share) = improvement_share(target, policy) else {
        return Money::ZERO;
    };
    let rule = &policy.reward;
    if share < rule.floor_percent {
        Money::ZERO
    } else if share >= rule.full_percent {
        rule.per_target
    } else {
        Money::pounds(rule.per_target.amount() * share / Decimal::ONE_HUNDRED)
    }
}
