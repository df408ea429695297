//! The performance facts the pages show, looked up in one place: each
//! target's verdict per year and overall, its polarity and its unit.
//!
//! Every judgement comes from `laa_core::performance` (`judge`, the rule
//! behind `GetPerformance`, by the indicator's polarity); this module only
//! turns the answers into words.

use laa_core::performance::{Status, judge, polarity_with};
use laa_core::{FinancialYear, Indicator, RoundPolicy, Target, TargetValues, Unit};

/// How a target stands overall: the verdict of its latest year with an
/// actual value, or no data yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// On track: the latest actual is at least as good as planned.
    OnTrack,
    /// Off track: the latest actual falls short of the plan.
    OffTrack,
    /// Met: the final year's actual is at least as good as the target.
    Met,
    /// Missed: the final year's actual falls short of the target.
    Missed,
    /// No actual value has been recorded against a planned value yet.
    NoData,
}

impl Verdict {
    /// Every verdict, in the order the pages list them.
    pub const ALL: [Verdict; 5] = [
        Verdict::OnTrack,
        Verdict::OffTrack,
        Verdict::Met,
        Verdict::Missed,
        Verdict::NoData,
    ];

    /// The verdict's stable name in the open data.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::OnTrack => "on_track",
            Verdict::OffTrack => "off_track",
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::NoData => "no_data",
        }
    }

    /// The verdict in words, for people.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::OnTrack => "On track",
            Verdict::OffTrack => "Off track",
            Verdict::Met => "Met",
            Verdict::Missed => "Missed",
            Verdict::NoData => "No data yet",
        }
    }

    /// The stylesheet's tag colour for the verdict (the words are always shown too).
    pub fn tag_class(self) -> &'static str {
        match self {
            Verdict::OnTrack => "tag tag-green",
            Verdict::OffTrack => "tag tag-orange",
            Verdict::Met => "tag tag-blue",
            Verdict::Missed => "tag tag-red",
            Verdict::NoData => "tag tag-grey",
        }
    }
}

impl Verdict {
    /// The verdict a status gives: none for a year without a verdict.
    fn of(status: Status) -> Option<Verdict> {
        match status {
            Status::OnTrack => Some(Verdict::OnTrack),
            Status::OffTrack => Some(Verdict::OffTrack),
            Status::Met => Some(Verdict::Met),
            Status::Missed => Some(Verdict::Missed),
            Status::NoData | Status::Unresolved => None,
        }
    }
}

/// The verdict an overall status gives (`GetPerformance`'s, or an
/// assessment's): no data yet where it gives none.
pub fn status_verdict(status: Status) -> Verdict {
    Verdict::of(status).unwrap_or(Verdict::NoData)
}

/// The verdict on one year: `None` where no actual meets a planned value.
pub fn year_verdict(
    target: &Target,
    year: FinancialYear,
    policy: &RoundPolicy,
    indicator: Option<&Indicator>,
) -> Option<Verdict> {
    let period: Vec<FinancialYear> = policy.period.years().collect();
    let (years, _) = judge(target, &period, polarity_with(target, indicator));
    years
        .into_iter()
        .find(|y| y.year == year)
        .and_then(|y| Verdict::of(y.status))
}

/// The target's overall verdict (`GetPerformance`'s overall status), or no
/// data yet.
pub fn verdict(target: &Target, policy: &RoundPolicy, indicator: Option<&Indicator>) -> Verdict {
    let period: Vec<FinancialYear> = policy.period.years().collect();
    let (_, overall) = judge(target, &period, polarity_with(target, indicator));
    Verdict::of(overall).unwrap_or(Verdict::NoData)
}

/// Which way is better for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// A higher value is better.
    HigherIsBetter,
    /// A lower value is better.
    LowerIsBetter,
}

impl Polarity {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "Higher is better",
            Polarity::LowerIsBetter => "Lower is better",
        }
    }

    /// The stable name in the open data.
    pub fn code(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher_is_better",
            Polarity::LowerIsBetter => "lower_is_better",
        }
    }
}

impl From<laa_core::Polarity> for Polarity {
    fn from(polarity: laa_core::Polarity) -> Self {
        match polarity {
            laa_core::Polarity::HigherIsBetter => Polarity::HigherIsBetter,
            laa_core::Polarity::LowerIsBetter => Polarity::LowerIsBetter,
        }
    }
}

/// The indicator's own polarity (every National Indicator has one).
pub fn indicator_polarity(indicator: &Indicator) -> Option<Polarity> {
    Some(indicator.polarity.into())
}

/// The polarity a target is judged by: its indicator's, or for a local
/// indicator the direction its trajectory plans; `None` for a placeholder.
pub fn polarity(indicator: Option<&Indicator>, target: &Target) -> Option<Polarity> {
    if indicator.is_none() && values(target).is_none() {
        return None;
    }
    Some(polarity_with(target, indicator).into())
}

/// The agreed values of a target, if it has values (not a placeholder).
pub fn values(target: &Target) -> Option<&TargetValues> {
    target.agreed_values()
}

/// The unit's words after a number ("8.5%", "1,200 people"...).
pub fn unit_words(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent => "per cent",
        Unit::Count => "count",
        Unit::Rate => "rate",
        Unit::RatePer1000 => "per 1,000 population",
        Unit::RatePer10000 => "per 10,000 population",
        Unit::RatePer100000 => "per 100,000 population",
        Unit::Pounds => "pounds",
        Unit::Score => "score",
        Unit::Days => "days",
        Unit::Years => "years",
        Unit::Minutes => "minutes",
        Unit::Kilograms => "kilograms",
        Unit::Tonnes => "tonnes",
    }
}

/// A value written with its unit: `8.5%`, `£1,200`, `42`.
pub fn with_unit(value: rust_decimal::Decimal, unit: Unit) -> String {
    let n = value.normalize().to_string();
    match unit {
        Unit::Percent => format!("{n}%"),
        Unit::Pounds => format!("£{n}"),
        _ => n,
    }
}
