//! The reward grant (DOMAIN.md 6; report 3.2, 6.5; recommendation 18).
//!
//! The pot is the policy's amount per reward-bearing target, times the
//! number of such targets, times the policy's multiplier: split equally,
//! each target's share is the amount per target (times the multiplier). A
//! target pays in proportion to the share of its planned improvement its
//! final actual achieved: nothing below the floor (60%), in full at the
//! full share (100%) and above. Improvement is measured by the indicator's
//! polarity, from the baseline: NI 117 from 8.0 to a target of 7.0, an
//! actual of 7.4 achieves 60% and pays GBP 24,000 of GBP 40,000. A target
//! that limits a deterioration has no improvement to share: it pays in
//! full if its final actual is at least as good as its final value, else
//! nothing. Which targets bear reward is policy ([`RewardBearing`]); local
//! targets never do.
//!
//! The working is computed once every reward-bearing target with an
//! agreed final value has its final year's actual ([`reward_working`]);
//! `decide` records it as a `reward_assessed` event with the actual that
//! completes it, and again whenever a later actual or re-baselining
//! changes it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{Agreement, IndicatorRef, Target, TargetKind};
use crate::catalogue::Catalogue;
use crate::ids::TargetId;
use crate::money::Money;
use crate::performance::status::{is_monitored, polarity_of};
use crate::polarity::Polarity;
use crate::policy::{RewardBearing, RewardPolicy};
use crate::terms::{Terms, YearValue};

/// One target's line in the reward working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardLine {
    /// The target.
    pub target: TargetId,
    /// Its indicator.
    pub indicator: IndicatorRef,
    /// The polarity improvement was measured by.
    pub polarity: Polarity,
    /// The agreed baseline, if values were agreed.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub baseline: Option<Decimal>,
    /// The value agreed for the final year, if agreed.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub planned: Option<Decimal>,
    /// The final year's actual, if recorded.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub actual: Option<Decimal>,
    /// The share (percent) of the planned improvement achieved, never
    /// below 0; `None` when it cannot be measured.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub achieved_percent: Option<Decimal>,
    /// The share (percent) of its pot share the target is paid: 0, the
    /// achieved share, or 100.
    #[serde(with = "crate::decimal::serde_written")]
    pub paid_percent: Decimal,
    /// The target's share of the pot (the amount per target times the multiplier).
    pub share: Money,
    /// What it earns.
    pub amount: Money,
    /// The rule that decided it, in words.
    pub why: String,
}

/// The whole working of an agreement's reward grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardWorking {
    /// The policy it was computed under.
    pub policy: RewardPolicy,
    /// The pot: the amount per target, times the reward-bearing targets,
    /// times the multiplier.
    pub pot: Money,
    /// One line per reward-bearing target, in target order.
    pub lines: Vec<RewardLine>,
    /// What the area is paid: the sum of the lines.
    pub total: Money,
}

/// True when the policy lets this target bear reward: live, with agreed
/// terms, and of a kind the policy rewards (designated by default; local
/// targets never).
pub fn bears_reward(target: &Target, policy: &RewardPolicy) -> bool {
    is_monitored(target)
        && match target.kind {
            TargetKind::Designated => true,
            TargetKind::Statutory => policy.bearing == RewardBearing::DesignatedAndStatutory,
            TargetKind::Local => false,
        }
}

/// The share (percent, never below 0) of the planned improvement that
/// `actual` achieves from `baseline` towards `planned`, by `polarity`. A
/// target planned to hold its baseline achieves 100% by holding it, else 0.
pub fn achieved_percent(
    polarity: Polarity,
    baseline: Decimal,
    planned: Decimal,
    actual: Decimal,
) -> Decimal {
    let planned_gain = polarity.gain(baseline, planned);
    if planned_gain <= Decimal::ZERO {
        return if polarity.at_least_as_good(actual, planned) {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::ZERO
        };
    }
    let gain = polarity.gain(baseline, actual);
    (gain * Decimal::ONE_HUNDRED / planned_gain).max(Decimal::ZERO)
}

/// The share of its pot share a target is paid under the rule: nothing
/// below the floor, in full at the full share, in proportion between.
pub fn paid_percent(policy: &RewardPolicy, achieved: Decimal) -> Decimal {
    if achieved < policy.floor_percent {
        Decimal::ZERO
    } else if achieved >= policy.full_percent {
        Decimal::ONE_HUNDRED
    } else {
        achieved
    }
}

fn line(
    target: &Target,
    policy: &RewardPolicy,
    last: crate::ids::FinancialYear,
    polarity: Polarity,
) -> RewardLine {
    let share = Money::pounds(policy.per_target.amount() * policy.multiplier);
    let values = target.agreed_values();
    let baseline = values.map(|v| v.baseline.value);
    let planned = values.and_then(|v| match v.trajectory.get(&last) {
        Some(YearValue::Value(p)) => Some(*p),
        _ => None,
    });
    let actual = target.actuals.get(&last).map(|a| a.value);
    let limiting = values.is_some_and(|v| v.limit_deterioration.is_some());
    let (achieved, why) = match (baseline, planned, actual) {
        (Some(_), Some(p), Some(a)) if limiting => {
            let held = polarity.at_least_as_good(a, p);
            let why = if held {
                "a limit on deterioration, held: paid in full"
            } else {
                "a limit on deterioration, breached: nothing"
            };
            (
                Some(if held {
                    Decimal::ONE_HUNDRED
                } else {
                    Decimal::ZERO
                }),
                why.to_owned(),
            )
        }
        (Some(b), Some(p), Some(a)) => {
            let achieved = achieved_percent(polarity, b, p, a);
            let why = if achieved < policy.floor_percent {
                format!(
                    "{}% of the planned improvement: below the {}% floor, nothing",
                    achieved.round_dp(2).normalize(),
                    policy.floor_percent.normalize()
                )
            } else if achieved >= policy.full_percent {
                format!(
                    "{}% of the planned improvement: in full",
                    achieved.round_dp(2).normalize()
                )
            } else {
                format!(
                    "{}% of the planned improvement: paid in proportion",
                    achieved.round_dp(2).normalize()
                )
            };
            (Some(achieved), why)
        }
        (_, None, _) => (
            None,
            "no agreed value for the final year: nothing".to_owned(),
        ),
        _ => (None, "no actual for the final year: nothing".to_owned()),
    };
    let paid = achieved.map_or(Decimal::ZERO, |a| paid_percent(policy, a));
    RewardLine {
        target: target.id,
        indicator: target.indicator.clone(),
        polarity,
        baseline,
        planned,
        actual,
        achieved_percent: achieved,
        paid_percent: paid,
        share,
        amount: Money::pounds(share.amount() * paid / Decimal::ONE_HUNDRED),
        why,
    }
}

/// The reward working for an agreement, once it can be assessed: every
/// reward-bearing target that has an agreed final value has its final
/// year's actual, and there is at least one. `None` before then.
pub fn reward_working(agreement: &Agreement, catalogue: &Catalogue) -> Option<RewardWorking> {
    let round = agreement.policy()?;
    let policy = &round.reward;
    let last = round.period.last();
    let bearing: Vec<&Target> = agreement
        .targets
        .values()
        .map(|t| &**t)
        .filter(|t| bears_reward(t, policy))
        .collect();
    if bearing.is_empty() {
        return None;
    }
    let complete = bearing.iter().all(|t| {
        let planned = matches!(&t.agreed, Some(Terms::Values(v)) if matches!(v.trajectory.get(&last), Some(YearValue::Value(_))));
        !planned || t.actuals.contains_key(&last)
    });
    if !complete {
        return None;
    }
    let lines: Vec<RewardLine> = bearing
        .into_iter()
        .map(|t| line(t, policy, last, polarity_of(agreement, t, catalogue)))
        .collect();
    let count = Decimal::from(lines.len() as u64);
    let pot = Money::pounds(policy.per_target.amount() * count * policy.multiplier);
    let total = Money::pounds(lines.iter().map(|l| l.amount.amount()).sum());
    Some(RewardWorking {
        policy: policy.clone(),
        pot,
        lines,
        total,
    })
}
