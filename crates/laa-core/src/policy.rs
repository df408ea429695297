//! The rules of a negotiating round, as data.
//!
//! Everything that differs between rounds lives in a [`RoundPolicy`]: the
//! cap on designated targets, the statutory indicators, the period's years,
//! the refresh rounds and their deadlines, the late-demand cut-off, a limit
//! on Whitehall's declared priorities and the reward grant. The 2008-11 round
//! is the preset [`RoundPolicy::round_2008_11`]; a future round (no statutory
//! targets, a cap of 20, five priorities) is another value of the same type,
//! not new code.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{FinancialYear, IndicatorNumber, ParseError, RefreshId};
use crate::terms::Money;

/// The years an agreement covers, such as 2008/09 to 2010/11.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    first: FinancialYear,
    last: FinancialYear,
}

impl Period {
    /// The years from `first` to `last` inclusive.
    pub fn new(first: FinancialYear, last: FinancialYear) -> Result<Self, ParseError> {
        if last < first {
            return Err(ParseError::new(
                "period",
                format!("the period ends ({last}) before it starts ({first})"),
            ));
        }
        if last.start() - first.start() >= 10 {
            return Err(ParseError::new(
                "period",
                "a period longer than ten years is not an agreement period",
            ));
        }
        Ok(Self { first, last })
    }

    /// The first year.
    pub fn first(&self) -> FinancialYear {
        self.first
    }

    /// The last year.
    pub fn last(&self) -> FinancialYear {
        self.last
    }

    /// Every year of the period, in order.
    pub fn years(&self) -> impl Iterator<Item = FinancialYear> + '_ {
        (self.first.start()..=self.last.start()).filter_map(|y| FinancialYear::starting(y).ok())
    }

    /// True when `year` lies within the period.
    pub fn contains(&self, year: FinancialYear) -> bool {
        self.first <= year && year <= self.last
    }
}

/// One annual refresh of the round's agreements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRound {
    /// The round's name, used by placeholders and deferred years.
    pub id: RefreshId,
    /// The date by which the refresh should be signed off.
    pub deadline: NaiveDate,
}

/// How the reward grant is paid (DOMAIN.md 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardPolicy {
    /// The most a designated target can earn over the period.
    pub per_target: Money,
    /// Below this share (in percent) of the planned improvement, nothing is paid.
    pub floor_percent: Decimal,
    /// At or above this share (in percent) of the planned improvement, the full amount is paid.
    pub full_percent: Decimal,
}

/// The rules of one negotiating round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundPolicy {
    /// The round's name, such as `2008-11`.
    pub name: String,
    /// At most this many non-withdrawn designated targets per agreement, open offers included.
    pub designated_cap: u16,
    /// The indicators every agreement carries from the moment it is opened.
    pub statutory_indicators: Vec<IndicatorNumber>,
    /// The years the agreements cover.
    pub period: Period,
    /// The refresh rounds, in the order they are held.
    pub refresh_rounds: Vec<RefreshRound>,
    /// Government proposals, and Government counter-offers that make terms
    /// more demanding, that occurred after this date count as late demands.
    pub late_demand_cutoff: Option<NaiveDate>,
    /// How many days before the server's clock a negotiator may date a
    /// command (`occurred_at`); administrators are not bound by it.
    #[serde(default = "default_backdating_days")]
    pub max_backdating_days: u16,
    /// At most this many designated targets may be originated by the Government
    /// Office side at the outset (before the first sign-off); unset in 2008.
    pub max_whitehall_priorities: Option<u16>,
    /// The reward grant.
    pub reward: RewardPolicy,
}

/// How far back a command may be dated by default, in days.
pub const DEFAULT_BACKDATING_DAYS: u16 = 30;

fn default_backdating_days() -> u16 {
    DEFAULT_BACKDATING_DAYS
}

/// The 16 statutory DCSF early-years and education indicators of the 2008-11 round.
pub const STATUTORY_2008: [u16; 16] = [
    72, 73, 74, 75, 83, 87, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101,
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // The preset's dates are constants that exist; `from_ymd_opt` can only
    // fail for impossible dates, so fall back to the epoch rather than panic.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn year(start: u16) -> FinancialYear {
    // The preset's literal years are in range; a test pins them.
    FinancialYear::from_literal(start)
}

impl RoundPolicy {
    /// The 2008-11 round as the report describes it: up to 35 designated
    /// targets plus the 16 statutory ones, the period 2008/09 to 2010/11,
    /// refreshes in 2009 and 2010 (the report recommends refreshes be final
    /// by December; the deadlines here are the end of each financial year in
    /// which the refresh runs), demands after the first drafts (1 March 2008)
    /// counted as late, no limit on Whitehall's priorities, and a reward of
    /// GBP 40,000 per target met, paid pro rata from 60% of the planned
    /// improvement (the earlier Local PSA scheme's rule).
    pub fn round_2008_11() -> Self {
        RoundPolicy {
            name: "2008-11".into(),
            designated_cap: 35,
            statutory_indicators: STATUTORY_2008
                .iter()
                .filter_map(|n| IndicatorNumber::new(*n).ok())
                .collect(),
            period: Period {
                first: year(2008),
                last: year(2010),
            },
            refresh_rounds: vec![
                RefreshRound {
                    id: refresh("2009"),
                    deadline: date(2009, 3, 31),
                },
                RefreshRound {
                    id: refresh("2010"),
                    deadline: date(2010, 3, 31),
                },
            ],
            late_demand_cutoff: Some(date(2008, 3, 1)),
            max_backdating_days: DEFAULT_BACKDATING_DAYS,
            max_whitehall_priorities: None,
            reward: RewardPolicy {
                per_target: Money::pounds(Decimal::from(40_000)),
                floor_percent: Decimal::from(60),
                full_percent: Decimal::ONE_HUNDRED,
            },
        }
    }

    /// The named preset, if there is one (`2008-11`).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "2008-11" => Some(Self::round_2008_11()),
            _ => None,
        }
    }

    /// True when `indicator` is statutory in this round.
    pub fn is_statutory(&self, indicator: IndicatorNumber) -> bool {
        self.statutory_indicators.contains(&indicator)
    }

    /// The refresh round with this id.
    pub fn refresh_round(&self, id: &RefreshId) -> Option<&RefreshRound> {
        self.refresh_rounds.iter().find(|r| &r.id == id)
    }

    /// The position of a refresh round in the round's order.
    pub fn refresh_position(&self, id: &RefreshId) -> Option<usize> {
        self.refresh_rounds.iter().position(|r| &r.id == id)
    }

    /// The names of the refresh rounds, in order.
    pub fn refresh_names(&self) -> Vec<String> {
        self.refresh_rounds
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    }
}

fn refresh(name: &'static str) -> RefreshId {
    // The preset's literal names are valid slugs; a test pins them.
    RefreshId::from_literal(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2008_preset_matches_the_report() {
        let p = RoundPolicy::round_2008_11();
        assert_eq!(p.designated_cap, 35);
        assert_eq!(p.statutory_indicators.len(), 16);
        let years: Vec<String> = p.period.years().map(|y| y.to_string()).collect();
        assert_eq!(years, ["2008/09", "2009/10", "2010/11"]);
        assert_eq!(p.refresh_names(), ["2009", "2010"]);
        assert_eq!(p.reward.per_target.amount(), Decimal::from(40_000));
        assert!(p.max_whitehall_priorities.is_none());
    }

    #[test]
    fn a_period_cannot_end_before_it_starts() {
        let a = FinancialYear::starting(2010).unwrap();
        let b = FinancialYear::starting(2008).unwrap();
        assert!(Period::new(a, b).is_err());
        assert_eq!(Period::new(b, a).unwrap().years().count(), 3);
    }
}
