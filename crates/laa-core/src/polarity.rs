//! Which way is better: every National Indicator says whether a higher or
//! a lower value is an improvement (NI 117 NEET: lower; NI 163 Level 2
//! qualifications: higher). Monitoring, reward and tournaments all compare
//! values through it, never by guessing from a trajectory.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{ParseError, quote};

/// Whether a higher or a lower value of an indicator is better.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// More is better (NI 154 net additional homes).
    #[default]
    HigherIsBetter,
    /// Less is better (NI 117 NEET, NI 47 killed or seriously injured).
    LowerIsBetter,
}

impl Polarity {
    /// The polarity's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher_is_better",
            Polarity::LowerIsBetter => "lower_is_better",
        }
    }

    /// Parses `higher_is_better` or `lower_is_better`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "higher_is_better" => Ok(Polarity::HigherIsBetter),
            "lower_is_better" => Ok(Polarity::LowerIsBetter),
            other => Err(ParseError::new(
                "polarity",
                format!(
                    "{} is not a polarity: use higher_is_better or lower_is_better",
                    quote(other)
                ),
            )),
        }
    }

    /// The polarity a trajectory implies when nothing else says (a local
    /// indicator): lower is better when its final value lies below its
    /// baseline, else higher.
    pub fn implied(baseline: Decimal, final_value: Option<Decimal>) -> Self {
        match final_value {
            Some(last) if last < baseline => Polarity::LowerIsBetter,
            _ => Polarity::HigherIsBetter,
        }
    }

    /// The change from `from` to `to` in the direction of improvement:
    /// positive when `to` is better, negative when worse.
    pub fn gain(self, from: Decimal, to: Decimal) -> Decimal {
        match self {
            Polarity::HigherIsBetter => to - from,
            Polarity::LowerIsBetter => from - to,
        }
    }

    /// How `a` compares with `b` in goodness: `Greater` when `a` is better.
    pub fn compare(self, a: Decimal, b: Decimal) -> Ordering {
        match self {
            Polarity::HigherIsBetter => a.cmp(&b),
            Polarity::LowerIsBetter => b.cmp(&a),
        }
    }

    /// True when `a` is at least as good as `b`.
    pub fn at_least_as_good(self, a: Decimal, b: Decimal) -> bool {
        self.compare(a, b) != Ordering::Less
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_is_better_turns_comparisons_round() {
        let (seven, eight) = (Decimal::from(7), Decimal::from(8));
        assert!(Polarity::LowerIsBetter.at_least_as_good(seven, eight));
        assert!(!Polarity::HigherIsBetter.at_least_as_good(seven, eight));
        assert_eq!(Polarity::LowerIsBetter.gain(eight, seven), Decimal::ONE);
        assert_eq!(Polarity::HigherIsBetter.gain(eight, seven), -Decimal::ONE);
        assert_eq!(
            Polarity::parse("LOWER_IS_BETTER").unwrap(),
            Polarity::LowerIsBetter
        );
        assert!(Polarity::parse("sideways").is_err());
    }
}
