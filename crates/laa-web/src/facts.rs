//! The performance facts the pages show, looked up in one place: each
//! target's verdict per year and overall, its polarity and its unit.
//!
//! Every judgement comes from `laa_core::performance`; this module only
//! chooses which year speaks for the target and turns the answers into
//! words. When the catalogue records each indicator's polarity and unit,
//! [`polarity`] reads them from there (one edit, here).

use laa_core::performance::{Progress, aims_down, progress};
use laa_core::{
    FinancialYear, Indicator, RoundPolicy, Target, TargetValues, Terms, Unit, YearValue,
};

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

impl From<Progress> for Verdict {
    fn from(progress: Progress) -> Self {
        match progress {
            Progress::OnTrack => Verdict::OnTrack,
            Progress::OffTrack => Verdict::OffTrack,
            Progress::Met => Verdict::Met,
            Progress::Missed => Verdict::Missed,
        }
    }
}

/// The verdict on one year: `None` where no actual meets a planned value.
pub fn year_verdict(target: &Target, year: FinancialYear, policy: &RoundPolicy) -> Option<Verdict> {
    progress(target, year, policy).map(Verdict::from)
}

/// The target's overall verdict: that of the latest year judged.
pub fn verdict(target: &Target, policy: &RoundPolicy) -> Verdict {
    policy
        .period
        .years()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find_map(|year| year_verdict(target, year, policy))
        .unwrap_or(Verdict::NoData)
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

/// The indicator's own polarity, where the catalogue records it (not yet:
/// the catalogue of 2008 holds no polarity, so this is `None`).
pub fn indicator_polarity(_indicator: &Indicator) -> Option<Polarity> {
    None
}

/// The polarity a target is judged by: the indicator's where known, else
/// the direction its own trajectory plans (the core judges actuals by that
/// direction); `None` for a placeholder or a flat plan.
pub fn polarity(indicator: Option<&Indicator>, target: &Target) -> Option<Polarity> {
    if let Some(p) = indicator.and_then(indicator_polarity) {
        return Some(p);
    }
    let values = values(target)?;
    if aims_down(values) {
        return Some(Polarity::LowerIsBetter);
    }
    let last = values.trajectory.values().rev().find_map(|v| match v {
        YearValue::Value(v) => Some(*v),
        YearValue::Deferred { .. } => None,
    })?;
    (last > values.baseline.value).then_some(Polarity::HigherIsBetter)
}

/// The agreed values of a target, if it has values (not a placeholder).
pub fn values(target: &Target) -> Option<&TargetValues> {
    match target.agreed.as_ref()? {
        Terms::Values(v) => Some(v),
        Terms::Placeholder { .. } => None,
    }
}

/// The unit's words after a number ("8.5%", "1,200 people"...).
pub fn unit_words(unit: Unit) -> &'static str {
    match unit {
        Unit::Percent => "per cent",
        Unit::Count => "count",
        Unit::Rate => "rate",
        Unit::Pounds => "pounds",
        Unit::Score => "score",
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
