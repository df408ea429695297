//! The terms of a target: values (a baseline and a trajectory) or a
//! placeholder to be filled at a named refresh.
//!
//! Values are exact decimals ([`rust_decimal::Decimal`]): a target of 12% is
//! 12, never 11.999999. Intrinsic rules (a percentage lies in 0..=100, a
//! baseline states its period) are checked when terms are built; rules that
//! depend on the agreement (a trajectory covers every year of *its* period,
//! a refresh named is one of *its* rounds) are checked by
//! [`Terms::check_against`], which `decide` calls.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{FinancialYear, ParseError, RefreshId, quote};
use crate::policy::RoundPolicy;

/// What a target's values measure. Each National Indicator has one
/// ([`crate::catalogue::Indicator::unit`]), and terms on it must use it;
/// a local indicator's terms may use any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A percentage: every value lies in 0..=100.
    Percent,
    /// A count of people, homes, incidents...
    Count,
    /// A rate per population whose base is not stated (local indicators,
    /// and histories recorded before units were per indicator).
    Rate,
    /// A rate per 1,000 population (NI 15 serious violent crime).
    #[serde(rename = "rate_per_1000")]
    RatePer1000,
    /// A rate per 10,000 population (NI 33 arson incidents).
    #[serde(rename = "rate_per_10000")]
    RatePer10000,
    /// A rate per 100,000 population (NI 120 all-age mortality).
    #[serde(rename = "rate_per_100000")]
    RatePer100000,
    /// An amount of money in pounds sterling.
    Pounds,
    /// An index, score or other measure the indicator defines.
    Score,
    /// A number of days (NI 181 time taken to process claims).
    Days,
    /// A number of years (NI 137 healthy life expectancy at 65).
    Years,
    /// A number of minutes (NI 167 journey time per mile).
    Minutes,
    /// A weight in kilograms (NI 191 residual waste per household).
    Kilograms,
    /// A weight in tonnes (NI 186 CO2 emissions per head).
    Tonnes,
}

impl Unit {
    /// Every unit, in the order documented.
    pub const ALL: [Unit; 13] = [
        Unit::Percent,
        Unit::Count,
        Unit::Rate,
        Unit::RatePer1000,
        Unit::RatePer10000,
        Unit::RatePer100000,
        Unit::Pounds,
        Unit::Score,
        Unit::Days,
        Unit::Years,
        Unit::Minutes,
        Unit::Kilograms,
        Unit::Tonnes,
    ];

    /// The unit's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Count => "count",
            Unit::Rate => "rate",
            Unit::RatePer1000 => "rate_per_1000",
            Unit::RatePer10000 => "rate_per_10000",
            Unit::RatePer100000 => "rate_per_100000",
            Unit::Pounds => "pounds",
            Unit::Score => "score",
            Unit::Days => "days",
            Unit::Years => "years",
            Unit::Minutes => "minutes",
            Unit::Kilograms => "kilograms",
            Unit::Tonnes => "tonnes",
        }
    }

    /// Parses a unit's wire name (and the spellings `%`, `number`, `gbp`,
    /// `£`, `index`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some(unit) = Unit::ALL.iter().find(|u| u.as_str() == lower) {
            return Ok(*unit);
        }
        match lower.as_str() {
            "%" => Ok(Unit::Percent),
            "number" => Ok(Unit::Count),
            "gbp" | "£" => Ok(Unit::Pounds),
            "index" => Ok(Unit::Score),
            other => Err(ParseError::new(
                "unit",
                format!(
                    "{} is not a unit: use one of {}",
                    quote(other),
                    Unit::ALL.map(Unit::as_str).join(", ")
                ),
            )),
        }
    }

    /// True for units whose values cannot be negative: counts, rates,
    /// durations and weights.
    fn never_negative(self) -> bool {
        !matches!(self, Unit::Pounds | Unit::Score)
    }

    /// Checks one value against the unit's range: a percentage lies in
    /// 0..=100, a count, rate, duration or weight is not negative, and no
    /// value is a negative zero (`-0`, or what is left of `-1e-300`):
    /// every numeric field of terms and actuals passes through here.
    pub fn check(self, value: Decimal) -> Result<(), String> {
        if value.is_zero() && value.is_sign_negative() {
            return Err("-0 is not a value: write 0".into());
        }
        if self == Unit::Percent && (value < Decimal::ZERO || value > Decimal::ONE_HUNDRED) {
            return Err(format!(
                "{value} is not a percentage: percentages lie between 0 and 100"
            ));
        }
        if self.never_negative() && value.is_sign_negative() && !value.is_zero() {
            return Err(format!(
                "{value} is negative: a value in {} cannot be",
                self.as_str()
            ));
        }
        Ok(())
    }
}

/// True when a baseline's period names a year (1950 to 2100), as in
/// `2007`, `2006/07` or `2004-2007 average`.
pub fn names_a_year(period: &str) -> bool {
    period
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<u16>().ok())
        .any(|y| (1950..=2100).contains(&y))
}

/// Turns a double from the wire into the decimal of its shortest
/// round-trip form ([`crate::decimal::from_f64`], where what is refused
/// and why is said).
pub fn decimal_from_f64(value: f64) -> Result<Decimal, ParseError> {
    crate::decimal::from_f64(value)
}

/// The baseline a target improves on: a value and the period it describes
/// ("52% (2007)").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The measured value.
    #[serde(with = "crate::decimal::serde_written")]
    pub value: Decimal,
    /// The period the value describes, as stated by the source: `2007`, `2006/07`, `2004-2007 average`.
    pub period: String,
}

/// The value expected in one year of the period, or a promise to set it at a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearValue {
    /// The value agreed for the year.
    Value(#[serde(with = "crate::decimal::serde_written")] Decimal),
    /// Left open, to be set at the named refresh (as the 2010/11 education
    /// values were set at the 2009 refresh).
    Deferred {
        /// The refresh by which the value must be agreed.
        to: RefreshId,
    },
}

/// A target's values: unit, baseline and the value expected in each year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetValues {
    /// What the values measure.
    pub unit: Unit,
    /// The starting point.
    pub baseline: Baseline,
    /// One entry per year of the period.
    pub trajectory: BTreeMap<FinancialYear, YearValue>,
    /// Set on a target that limits a deterioration the area expects
    /// (NEET in a downturn) rather than promising improvement: why the
    /// measure is expected to worsen. Only such a target's trajectory may
    /// end worse than its baseline (by the indicator's polarity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_deterioration: Option<String>,
}

impl TargetValues {
    /// The value planned for the final year of the trajectory, if it is
    /// set (not deferred).
    pub fn final_value(&self) -> Option<Decimal> {
        match self.trajectory.values().next_back()? {
            YearValue::Value(v) => Some(*v),
            YearValue::Deferred { .. } => None,
        }
    }
}

/// Why a target is a placeholder rather than values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceholderReason {
    /// No baseline data exists yet.
    NoBaseline,
    /// Waiting for a survey (the Place Survey of autumn 2008).
    AwaitingSurvey,
    /// The indicator's definition is not settled.
    DefinitionPending,
}

impl PlaceholderReason {
    /// The reason's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceholderReason::NoBaseline => "no_baseline",
            PlaceholderReason::AwaitingSurvey => "awaiting_survey",
            PlaceholderReason::DefinitionPending => "definition_pending",
        }
    }

    /// Parses `no_baseline`, `awaiting_survey` or `definition_pending`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "no_baseline" => Ok(Self::NoBaseline),
            "awaiting_survey" => Ok(Self::AwaitingSurvey),
            "definition_pending" => Ok(Self::DefinitionPending),
            other => Err(ParseError::new(
                "placeholder",
                format!(
                    "{} is not a placeholder reason: use no_baseline, awaiting_survey or definition_pending",
                    quote(other)
                ),
            )),
        }
    }
}

/// The terms offered or agreed for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Terms {
    /// Baseline and trajectory.
    Values(TargetValues),
    /// Included in the agreement, values to be negotiated at a refresh.
    Placeholder {
        /// Why no values can be agreed yet.
        reason: PlaceholderReason,
        /// The refresh by which values must be agreed.
        due: RefreshId,
    },
}

impl Terms {
    /// Builds values terms, checking what can be checked without the
    /// agreement: the baseline states its period, and every value fits the unit.
    pub fn values(
        unit: Unit,
        baseline: Baseline,
        trajectory: BTreeMap<FinancialYear, YearValue>,
    ) -> Result<Self, String> {
        if !names_a_year(&baseline.period) {
            return Err(format!(
                "the baseline must state the period it describes, such as 2007 or 2006/07 (not {})",
                quote(baseline.period.trim())
            ));
        }
        if baseline.period.len() > 64 || baseline.period.chars().any(char::is_control) {
            return Err(
                "the baseline's period is longer than 64 characters or holds a control character"
                    .into(),
            );
        }
        unit.check(baseline.value)
            .map_err(|e| format!("baseline: {e}"))?;
        for (year, value) in &trajectory {
            if let YearValue::Value(v) = value {
                unit.check(*v).map_err(|e| format!("{year}: {e}"))?;
            }
        }
        Ok(Terms::Values(TargetValues {
            unit,
            baseline,
            trajectory,
            limit_deterioration: None,
        }))
    }

    /// These terms marked as limiting an expected deterioration, for the
    /// reason given (placeholder terms are returned unchanged).
    pub fn limiting_deterioration(self, why: impl Into<String>) -> Self {
        match self {
            Terms::Values(mut v) => {
                v.limit_deterioration = Some(why.into());
                Terms::Values(v)
            }
            placeholder => placeholder,
        }
    }

    /// A placeholder due at `due`.
    pub fn placeholder(reason: PlaceholderReason, due: RefreshId) -> Self {
        Terms::Placeholder { reason, due }
    }

    /// True when these terms ask more than `before`: both are values, and in
    /// some year both set, these ask for a value further in the direction of
    /// improvement (the way `before`'s trajectory moves from its baseline,
    /// or these terms' own when `before`'s is flat) and in no year less.
    /// A placeholder asks nothing; values where there were none are not a
    /// change of terms but their first statement.
    pub fn more_demanding_than(&self, before: &Terms) -> bool {
        let (Terms::Values(new), Terms::Values(old)) = (self, before) else {
            return false;
        };
        let last_value = |v: &TargetValues| {
            v.trajectory.values().rev().find_map(|y| match y {
                YearValue::Value(d) => Some(*d),
                YearValue::Deferred { .. } => None,
            })
        };
        let direction = |v: &TargetValues| {
            last_value(v).map_or(Decimal::ZERO, |last| match last.cmp(&v.baseline.value) {
                std::cmp::Ordering::Greater => Decimal::ONE,
                std::cmp::Ordering::Less => Decimal::NEGATIVE_ONE,
                std::cmp::Ordering::Equal => Decimal::ZERO,
            })
        };
        let mut up = direction(old);
        if up.is_zero() {
            up = direction(new);
        }
        if up.is_zero() {
            return false;
        }
        let mut more = false;
        for (year, value) in &new.trajectory {
            if let (YearValue::Value(n), Some(YearValue::Value(o))) =
                (value, old.trajectory.get(year))
            {
                let step = (*n - *o) * up;
                if step < Decimal::ZERO {
                    return false;
                }
                more |= step > Decimal::ZERO;
            }
        }
        more
    }

    /// True for placeholder terms.
    pub fn is_placeholder(&self) -> bool {
        matches!(self, Terms::Placeholder { .. })
    }

    /// The refreshes this terms' open parts are due in: a placeholder's
    /// round, or each deferred year's round.
    pub fn due_refreshes(&self) -> Vec<&RefreshId> {
        match self {
            Terms::Placeholder { due, .. } => vec![due],
            Terms::Values(values) => values
                .trajectory
                .values()
                .filter_map(|v| match v {
                    YearValue::Deferred { to } => Some(to),
                    YearValue::Value(_) => None,
                })
                .collect(),
        }
    }

    /// Checks the terms against an agreement's round: values cover exactly
    /// the years of its period, and every refresh named is one of its rounds
    /// still to come (`held`: the refreshes opened so far, the one under way
    /// included, since it is the one being settled).
    pub fn check_against(&self, policy: &RoundPolicy, held: &[RefreshId]) -> Result<(), String> {
        let check_round = |round: &RefreshId| -> Result<(), String> {
            if policy.refresh_round(round).is_none() {
                return Err(format!(
                    "refresh '{round}' is not a refresh round of {}: use one of {}",
                    policy.name,
                    policy.refresh_names().join(", ")
                ));
            }
            if held.contains(round) {
                return Err(format!(
                    "refresh '{round}' has already been held or is under way"
                ));
            }
            Ok(())
        };
        match self {
            Terms::Placeholder { due, .. } => check_round(due),
            Terms::Values(values) => {
                // Fields are public, so terms may have been built without
                // `Terms::values`: the unit's range is checked here too.
                values
                    .unit
                    .check(values.baseline.value)
                    .map_err(|e| format!("baseline: {e}"))?;
                if !names_a_year(&values.baseline.period) {
                    return Err(
                        "the baseline must state the period it describes, such as 2007 or 2006/07"
                            .into(),
                    );
                }
                for (year, value) in &values.trajectory {
                    if let YearValue::Value(v) = value {
                        values.unit.check(*v).map_err(|e| format!("{year}: {e}"))?;
                    }
                }
                let expected: Vec<FinancialYear> = policy.period.years().collect();
                let given: Vec<FinancialYear> = values.trajectory.keys().copied().collect();
                if given != expected {
                    let names = |ys: &[FinancialYear]| {
                        ys.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(format!(
                        "the trajectory must give a value for each year of the period ({}), not ({})",
                        names(&expected),
                        names(&given)
                    ));
                }
                for value in values.trajectory.values() {
                    if let YearValue::Deferred { to } = value {
                        check_round(to)?;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn year(s: &str) -> FinancialYear {
        s.parse().unwrap()
    }

    #[test]
    fn percentages_outside_0_to_100_are_refused() {
        let baseline = Baseline {
            value: dec("52"),
            period: "2007".into(),
        };
        let trajectory = BTreeMap::from([(year("2008/09"), YearValue::Value(dec("250")))]);
        let err = Terms::values(Unit::Percent, baseline, trajectory).unwrap_err();
        assert!(err.contains("250"), "{err}");
    }

    #[test]
    fn a_period_names_a_year() {
        assert!(names_a_year("2007"));
        assert!(names_a_year("2006/07"));
        assert!(names_a_year("2004-2007 average"));
        assert!(!names_a_year("yesterday"));
        assert!(!names_a_year("07"));
        assert!(!names_a_year("3000"));
    }

    #[test]
    fn a_baseline_must_state_its_period() {
        let baseline = Baseline {
            value: dec("52"),
            period: " ".into(),
        };
        assert!(Terms::values(Unit::Percent, baseline, BTreeMap::new()).is_err());
    }

    #[test]
    fn floats_from_the_wire_must_be_finite() {
        assert!(decimal_from_f64(f64::NAN).is_err());
        assert!(decimal_from_f64(f64::INFINITY).is_err());
        assert_eq!(decimal_from_f64(10.6).unwrap(), dec("10.6"));
    }

    #[test]
    fn floats_from_the_wire_are_taken_exactly_or_refused() {
        for refused in [
            -0.0,
            -1e-300,
            1e-300,
            -5e-324,
            f64::MIN_POSITIVE,
            1e30,
            -1e29,
        ] {
            assert!(
                decimal_from_f64(refused).is_err(),
                "{refused:e} must not become a neighbouring decimal"
            );
        }
        for (float, exact) in [
            (0.0, "0"),
            (100.0, "100"),
            (0.1, "0.1"),
            (-3.25, "-3.25"),
            (52.7, "52.7"),
            (1e-20, "0.00000000000000000001"),
        ] {
            assert_eq!(decimal_from_f64(float).unwrap(), dec(exact), "{float}");
        }
    }

    #[test]
    fn no_value_of_any_unit_is_a_negative_zero() {
        let negative_zero = -Decimal::ZERO;
        assert!(negative_zero.is_sign_negative());
        for unit in Unit::ALL {
            assert!(unit.check(negative_zero).is_err(), "{unit:?}");
            assert!(unit.check(Decimal::ZERO).is_ok(), "{unit:?}");
        }
        assert!(Unit::Percent.check(dec("100")).is_ok());
        assert!(Unit::Percent.check(dec("100.0000000001")).is_err());
        assert!(Unit::Percent.check(dec("-0.0000000001")).is_err());
    }
}
