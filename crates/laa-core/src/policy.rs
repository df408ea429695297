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

use crate::catalogue::{IndicatorSet, IndicatorStatus};
use crate::ids::{FinancialYear, IndicatorNumber, ParseError, RefreshId};
use crate::money::Money;
use crate::performance::TournamentPolicy;

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

    /// The period made of exactly these years, which must be given in order
    /// and consecutive (2011/12, 2012/13, 2013/14).
    pub fn from_years(years: &[FinancialYear]) -> Result<Self, ParseError> {
        let (Some(first), Some(last)) = (years.first(), years.last()) else {
            return Err(ParseError::new("years", "a period has at least one year"));
        };
        for pair in years.windows(2) {
            if pair[1].start() != pair[0].start() + 1 {
                return Err(ParseError::new(
                    "years",
                    format!(
                        "the years must be consecutive: {} is followed by {}",
                        pair[0], pair[1]
                    ),
                ));
            }
        }
        Self::new(*first, *last)
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
    /// The most a reward-bearing target can earn over the period, before the multiplier.
    pub per_target: Money,
    /// Below this share (in percent) of the planned improvement, nothing is paid.
    #[serde(with = "crate::decimal::serde_written")]
    pub floor_percent: Decimal,
    /// At or above this share (in percent) of the planned improvement, the full amount is paid.
    #[serde(with = "crate::decimal::serde_written")]
    pub full_percent: Decimal,
    /// What every payment is multiplied by (recommendation 18's "at least
    /// double" is 2); 1 when absent.
    #[serde(
        default = "one",
        skip_serializing_if = "is_one",
        with = "crate::decimal::serde_written"
    )]
    pub multiplier: Decimal,
    /// Which targets bear reward; designated ones when absent.
    #[serde(default, skip_serializing_if = "RewardBearing::is_default")]
    pub bearing: RewardBearing,
}

/// Which targets bear the reward grant. Local targets never do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardBearing {
    /// The designated targets only: the ones negotiated for improvement
    /// (the default; the statutory education targets are DCSF's own).
    #[default]
    Designated,
    /// The designated and the statutory targets.
    DesignatedAndStatutory,
}

impl RewardBearing {
    fn is_default(&self) -> bool {
        *self == RewardBearing::Designated
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardBearing::Designated => "designated",
            RewardBearing::DesignatedAndStatutory => "designated_and_statutory",
        }
    }
}

fn one() -> Decimal {
    Decimal::ONE
}

fn is_one(d: &Decimal) -> bool {
    *d == Decimal::ONE
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
    /// At most this many outcome-level priorities may Whitehall declare for
    /// an area at the outset (recommendation 16); when set, every Government
    /// proposal cites one of them. Unset in 2008: no declaration, no citation.
    pub max_whitehall_priorities: Option<u16>,
    /// At most this many designated targets may the Government side
    /// originate before the first sign-off (however many priorities they
    /// serve); unset (no limit) in 2008 and by default.
    #[serde(default)]
    pub max_government_targets: Option<u16>,
    /// The reward grant.
    pub reward: RewardPolicy,
    /// How tournaments rank areas (recommendation 14); the default when absent.
    #[serde(default, skip_serializing_if = "TournamentPolicy::is_default")]
    pub tournament: TournamentPolicy,
    /// A re-baselining both sides accepted takes effect only once Ministers
    /// approve it (`ApproveRebaseline`), for every target Ministers sign
    /// off (statutory and designated; a local target's takes effect on
    /// acceptance). Off in 2008-11 and by default: acceptance suffices.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rebaseline_needs_ministers: bool,
}

/// How far back a command may be dated by default, in days.
pub const DEFAULT_BACKDATING_DAYS: u16 = 30;

/// The name of the 2008-11 round, the first of the LAAs' three-year rounds.
pub const ROUND_2008_11: &str = "2008-11";

/// The round `OpenAgreement` uses when the request names none, the one
/// every database is seeded with, and the CLI's default.
pub const DEFAULT_ROUND: &str = ROUND_2008_11;

/// The indicator set the default round is bound to: the National
/// Indicator Set as published for 2008.
pub const DEFAULT_ROUND_SET: u16 = 2008;

fn default_backdating_days() -> u16 {
    DEFAULT_BACKDATING_DAYS
}

/// The department responsible for the statutory targets: the statutory
/// early-years and education indicators are DCSF's (its Departmental
/// Strategic Objectives), in every agreement.
pub const STATUTORY_DEPARTMENT: &str = "DCSF";

/// The 16 statutory DCSF early-years and education indicators of the 2008-11 round.
pub const STATUTORY_2008: [u16; 16] = [
    72, 73, 74, 75, 83, 87, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101,
];

/// A date of a preset, evaluated when the crate compiles (each call sits
/// in a `const` block): an impossible date fails the build, and nothing
/// falls back to a plausible default at run time.
const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("a preset date that does not exist"),
    }
}

fn year(start: u16) -> FinancialYear {
    // The preset's literal years are in range; a test pins them.
    FinancialYear::from_literal(start)
}

impl RoundPolicy {
    /// The 2008-11 round as the report describes it: up to 35 designated
    /// targets plus the 16 statutory ones, the period 2008/09 to 2010/11,
    /// refreshes in 2009 and 2010, each due by 1 December of the year before
    /// the financial year it refreshes starts (recommendation 3: refreshes
    /// should conclude by December, so that areas can plan), demands after the first drafts (1 March 2008)
    /// counted as late, no limit on Whitehall's priorities, and a reward of
    /// GBP 40,000 per target met, paid pro rata from 60% of the planned
    /// improvement (the earlier Local PSA scheme's rule).
    pub fn round_2008_11() -> Self {
        RoundPolicy {
            name: ROUND_2008_11.into(),
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
                    deadline: const { date(2008, 12, 1) },
                },
                RefreshRound {
                    id: refresh("2010"),
                    deadline: const { date(2009, 12, 1) },
                },
            ],
            late_demand_cutoff: Some(const { date(2008, 3, 1) }),
            max_backdating_days: DEFAULT_BACKDATING_DAYS,
            max_whitehall_priorities: None,
            max_government_targets: None,
            reward: RewardPolicy {
                per_target: Money::pounds(Decimal::from(40_000)),
                floor_percent: Decimal::from(60),
                full_percent: Decimal::ONE_HUNDRED,
                multiplier: Decimal::ONE,
                bearing: RewardBearing::Designated,
            },
            tournament: TournamentPolicy::default(),
            rebaseline_needs_ministers: false,
        }
    }

    /// The named preset, if there is one (`2008-11`).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            ROUND_2008_11 => Some(Self::round_2008_11()),
            _ => None,
        }
    }

    /// Checks the policy as a whole against the indicator set its round is
    /// bound to: a name usable in an agreement's name, a cap of at least one,
    /// every statutory indicator active in `set` (and none twice), refresh
    /// rounds with distinct names and strictly increasing deadlines, a
    /// reward floor no higher than its full-payment share, and a limit on
    /// Whitehall priorities, if any, of at least one. The period's years are
    /// consecutive by construction ([`Period::from_years`]).
    pub fn validate(&self, set: &IndicatorSet) -> Result<(), ParseError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 20
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.name.starts_with('-')
            && !self.name.ends_with('-');
        if !name_ok {
            return Err(ParseError::new(
                "name",
                format!(
                    "{} is not a round name: 1 to 20 lower-case letters, digits and inner hyphens, such as 2011-14",
                    crate::quote(&self.name)
                ),
            ));
        }
        if self.designated_cap == 0 {
            return Err(ParseError::new(
                "designated_cap",
                "a round allows at least one designated target",
            ));
        }
        let mut seen = Vec::with_capacity(self.statutory_indicators.len());
        for n in &self.statutory_indicators {
            if seen.contains(n) {
                return Err(ParseError::new(
                    "statutory_indicators",
                    format!("NI {n} is listed twice"),
                ));
            }
            seen.push(*n);
            if set.status_of(*n) != Some(IndicatorStatus::Active) {
                return Err(ParseError::new(
                    "statutory_indicators",
                    format!(
                        "NI {n} is not an active indicator of the {} set the round is bound to",
                        set.version
                    ),
                ));
            }
        }
        for (i, r) in self.refresh_rounds.iter().enumerate() {
            if self.refresh_rounds[..i].iter().any(|o| o.id == r.id) {
                return Err(ParseError::new(
                    "refresh_rounds",
                    format!("the refresh {} is listed twice", r.id),
                ));
            }
            if let Some(prev) = i.checked_sub(1).map(|j| &self.refresh_rounds[j])
                && r.deadline <= prev.deadline
            {
                return Err(ParseError::new(
                    "refresh_rounds",
                    format!(
                        "the refreshes' deadlines must be in order: {} is due {} but {} before it is due {}",
                        r.id, r.deadline, prev.id, prev.deadline
                    ),
                ));
            }
        }
        if self.reward.floor_percent > self.reward.full_percent
            || self.reward.floor_percent < Decimal::ZERO
        {
            return Err(ParseError::new(
                "reward",
                "the reward's floor must lie between 0 and its full-payment share",
            ));
        }
        if self.reward.multiplier <= Decimal::ZERO || self.reward.multiplier > Decimal::from(10) {
            return Err(ParseError::new(
                "reward_multiplier",
                "the reward's multiplier lies above 0 and at most 10",
            ));
        }
        if self.max_whitehall_priorities == Some(0) {
            return Err(ParseError::new(
                "max_whitehall_priorities",
                "a limit on Whitehall's priorities is at least one (leave it unset for no limit)",
            ));
        }
        if self.max_government_targets == Some(0) {
            return Err(ParseError::new(
                "max_government_targets",
                "a limit on the Government's targets is at least one (leave it unset for no limit)",
            ));
        }
        Ok(())
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
    fn the_statutory_department_is_a_known_department() {
        let known = crate::departments::canonical(STATUTORY_DEPARTMENT).expect("a department");
        assert_eq!(known.code.as_str(), STATUTORY_DEPARTMENT);
    }

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
        assert_eq!(p.refresh_rounds[0].deadline, const { date(2008, 12, 1) });
        assert_eq!(p.refresh_rounds[1].deadline, const { date(2009, 12, 1) });
    }

    fn set_2008() -> IndicatorSet {
        let catalogue = crate::Catalogue::national().unwrap();
        catalogue
            .set(crate::SetVersion::new(2008).unwrap())
            .unwrap()
            .clone()
    }

    fn check(change: impl FnOnce(&mut RoundPolicy), field: &str) {
        let mut p = RoundPolicy::round_2008_11();
        change(&mut p);
        let err = p.validate(&set_2008()).unwrap_err();
        assert_eq!(err.field, field, "{}", err.problem);
    }

    #[test]
    fn the_2008_preset_is_valid_against_the_2008_set() {
        RoundPolicy::round_2008_11().validate(&set_2008()).unwrap();
    }

    #[test]
    fn a_future_round_without_statutory_targets_is_valid() {
        let mut p = RoundPolicy::round_2008_11();
        p.name = "2011-14".into();
        p.designated_cap = 20;
        p.statutory_indicators.clear();
        p.max_whitehall_priorities = Some(5);
        p.validate(&set_2008()).unwrap();
    }

    #[test]
    fn a_policy_is_refused_as_a_whole_for_each_broken_rule() {
        check(|p| p.name = "2011/14".into(), "name");
        check(|p| p.designated_cap = 0, "designated_cap");
        check(
            |p| {
                p.statutory_indicators
                    .push(IndicatorNumber::new(999).unwrap())
            },
            "statutory_indicators",
        );
        check(
            |p| {
                let first = p.statutory_indicators[0];
                p.statutory_indicators.push(first);
            },
            "statutory_indicators",
        );
        check(|p| p.refresh_rounds.reverse(), "refresh_rounds");
        check(
            |p| {
                let first = p.refresh_rounds[0].clone();
                p.refresh_rounds.push(RefreshRound {
                    id: first.id,
                    deadline: const { date(2012, 1, 1) },
                });
            },
            "refresh_rounds",
        );
        check(|p| p.reward.floor_percent = Decimal::from(120), "reward");
        check(
            |p| p.max_whitehall_priorities = Some(0),
            "max_whitehall_priorities",
        );
        check(
            |p| p.max_government_targets = Some(0),
            "max_government_targets",
        );
    }

    #[test]
    fn a_period_is_made_of_consecutive_years() {
        let y = |n| FinancialYear::starting(n).unwrap();
        assert_eq!(
            Period::from_years(&[y(2011), y(2012), y(2013)])
                .unwrap()
                .last(),
            y(2013)
        );
        assert!(Period::from_years(&[y(2011), y(2013)]).is_err());
        assert!(Period::from_years(&[y(2012), y(2011)]).is_err());
        assert!(Period::from_years(&[]).is_err());
    }

    #[test]
    fn a_period_cannot_end_before_it_starts() {
        let a = FinancialYear::starting(2010).unwrap();
        let b = FinancialYear::starting(2008).unwrap();
        assert!(Period::new(a, b).is_err());
        assert_eq!(Period::new(b, a).unwrap().years().count(), 3);
    }
}
