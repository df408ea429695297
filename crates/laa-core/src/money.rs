//! Money: amounts in pounds, exact to the penny, never floats.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount of money in pounds, exact to the penny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(#[serde(with = "crate::decimal::serde_written")] Decimal);

impl Money {
    /// No money.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// An amount in pounds, rounded to the penny (banker's rounding).
    pub fn pounds(amount: Decimal) -> Self {
        Money(amount.round_dp(2))
    }

    /// The amount in pounds.
    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "£{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("a decimal")
    }

    #[test]
    fn money_rounds_to_the_penny() {
        assert_eq!(Money::pounds(dec("40000.005")).amount(), dec("40000.00"));
        assert_eq!(Money::pounds(dec("1.5")).to_string(), "£1.50");
    }
}
