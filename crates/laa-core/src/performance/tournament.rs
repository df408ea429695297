//! Tournaments (recommendation 14): for one indicator, the areas that
//! chose it ranked by value added, their improvement over the period
//! against the median of similar areas.
//!
//! An area's improvement is the change from its baseline to its latest
//! actual, in the indicator's better direction, relative to the baseline
//! (percent). Its value added is that improvement minus the median
//! improvement of its group of similar areas (by default, areas of the same
//! kind: county, unitary, metropolitan, London borough). A group smaller
//! than the policy's minimum publishes no ranking for its areas. Ranks are
//! by value added, best first; equal values share a rank, so a ranking
//! never depends on how areas are named or listed. The top quartile of the
//! ranked areas earns the policy's prize (which may be nothing). An area's
//! explanation for poor results (a factory closure) is shown beside its
//! rank.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{Agreement, IndicatorRef, TargetKind};
use crate::ids::{AgreementId, AreaCode, FinancialYear, IndicatorNumber, Region};
use crate::money::Money;
use crate::polarity::Polarity;
use crate::terms::Terms;

/// Which areas are similar enough to compare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Similarity {
    /// Areas of the same kind (county, unitary, metropolitan, London borough).
    #[default]
    AreaKind,
    /// Areas of the same Government Office region.
    Region,
}

impl Similarity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Similarity::AreaKind => "area_kind",
            Similarity::Region => "region",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Result<Self, crate::ParseError> {
        match text {
            "area_kind" => Ok(Similarity::AreaKind),
            "region" => Ok(Similarity::Region),
            other => Err(crate::ParseError {
                field: "tournament_similar_by",
                problem: format!("{} is not area_kind or region", crate::quote(other)),
            }),
        }
    }
}

/// How tournaments are run: a field of the round's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TournamentPolicy {
    /// Which areas are similar.
    #[serde(default)]
    pub similar_by: Similarity,
    /// A group of similar areas smaller than this publishes no ranking.
    #[serde(default = "default_min_group")]
    pub min_group: u16,
    /// What each area in the top quartile earns (nothing by default).
    #[serde(default = "no_prize")]
    pub prize: Money,
}

fn default_min_group() -> u16 {
    5
}

fn no_prize() -> Money {
    Money::ZERO
}

impl Default for TournamentPolicy {
    fn default() -> Self {
        Self {
            similar_by: Similarity::AreaKind,
            min_group: default_min_group(),
            prize: Money::ZERO,
        }
    }
}

impl TournamentPolicy {
    /// True for the default policy (so it is not written into new events).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One area in a tournament: where it started and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entrant {
    /// Its agreement.
    pub agreement: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// Its region.
    pub region: Region,
    /// Its kind (county, unitary, metropolitan, london_borough).
    pub kind: String,
    /// The agreed baseline.
    #[serde(with = "crate::decimal::serde_written")]
    pub baseline: Decimal,
    /// The latest actual.
    #[serde(with = "crate::decimal::serde_written")]
    pub actual: Decimal,
    /// The year of that actual.
    pub year: FinancialYear,
    /// The explanation it lodged, if any.
    pub explanation: Option<String>,
}

/// One area's place in the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The area and its figures.
    pub entrant: Entrant,
    /// Its improvement, percent of the baseline (`None` for a zero baseline).
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub improvement_percent: Option<Decimal>,
    /// Its group of similar areas (a kind or a region code).
    pub group: String,
    /// How many areas of the tournament are in the group.
    pub group_size: usize,
    /// The group's median improvement, when the group is ranked.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub group_median: Option<Decimal>,
    /// Improvement minus the group median, when ranked.
    #[serde(default, with = "crate::decimal::serde_written_option")]
    pub value_added: Option<Decimal>,
    /// Its rank from 1 (equal values share one), when ranked.
    pub rank: Option<u32>,
    /// In the top quartile of the ranked areas.
    pub top_quartile: bool,
    /// What it earns.
    pub prize: Money,
    /// Why it is not ranked, when it is not.
    pub unranked_because: Option<String>,
}

/// The area's entry for `indicator`: its live designated or statutory
/// target on it with agreed values and at least one actual, else `None`.
/// `kind` is the area's kind, from the reference data.
pub fn entrant(agreement: &Agreement, indicator: IndicatorNumber, kind: &str) -> Option<Entrant> {
    let opening = agreement.opening.as_ref()?;
    let target = agreement.live_target_on(&IndicatorRef::National(indicator))?;
    if target.kind == TargetKind::Local {
        return None;
    }
    let Some(Terms::Values(values)) = &target.agreed else {
        return None;
    };
    let (year, actual) = target.actuals.iter().next_back()?;
    Some(Entrant {
        agreement: agreement.id.clone(),
        area: opening.area.clone(),
        region: opening.region,
        kind: kind.to_owned(),
        baseline: values.baseline.value,
        actual: actual.value,
        year: *year,
        explanation: agreement.explanations.get(&indicator).cloned(),
    })
}

/// The median of `values` (the mean of the middle two of an even
/// number), `None` of none.
pub(crate) fn median(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / Decimal::TWO),
    }
}

/// The tournament table: ranked areas by rank (then area code), then the
/// unranked ones by area code.
pub fn tournament(
    polarity: Polarity,
    entrants: Vec<Entrant>,
    policy: &TournamentPolicy,
) -> Vec<Standing> {
    let group_of = |e: &Entrant| match policy.similar_by {
        Similarity::AreaKind => e.kind.clone(),
        Similarity::Region => e.region.code().to_owned(),
    };
    let improvement = |e: &Entrant| {
        (!e.baseline.is_zero())
            .then(|| polarity.gain(e.baseline, e.actual) * Decimal::ONE_HUNDRED / e.baseline.abs())
    };
    let mut standings: Vec<Standing> = entrants
        .into_iter()
        .map(|e| Standing {
            improvement_percent: improvement(&e).map(|d| d.round_dp(4)),
            group: group_of(&e),
            entrant: e,
            group_size: 0,
            group_median: None,
            value_added: None,
            rank: None,
            top_quartile: false,
            prize: Money::ZERO,
            unranked_because: None,
        })
        .collect();
    let groups: std::collections::BTreeMap<String, Vec<Decimal>> =
        standings.iter().fold(Default::default(), |mut m, s| {
            let entry: &mut Vec<Decimal> = m.entry(s.group.clone()).or_default();
            if let Some(i) = s.improvement_percent {
                entry.push(i);
            }
            m
        });
    for s in &mut standings {
        let members = groups.get(&s.group).cloned().unwrap_or_default();
        s.group_size = members.len();
        if s.improvement_percent.is_none() {
            s.unranked_because = Some("a baseline of 0 has no relative improvement".into());
        } else if members.len() < usize::from(policy.min_group) {
            s.unranked_because = Some(format!(
                "fewer than {} similar areas ({}) chose the indicator",
                policy.min_group, s.group
            ));
        } else {
            s.group_median = median(members);
            s.value_added = s
                .improvement_percent
                .zip(s.group_median)
                .map(|(i, m)| i - m);
        }
    }
    let mut ranked: Vec<Decimal> = standings.iter().filter_map(|s| s.value_added).collect();
    ranked.sort_by(|a, b| b.cmp(a));
    let quartile = ranked.len().div_ceil(4);
    for s in &mut standings {
        if let Some(v) = s.value_added {
            let better = ranked.iter().filter(|o| **o > v).count();
            let rank = better + 1;
            s.rank = u32::try_from(rank).ok();
            s.top_quartile = rank <= quartile;
            if s.top_quartile {
                s.prize = policy.prize;
            }
        }
    }
    standings.sort_by(|a, b| {
        (a.rank.is_none(), a.rank, a.entrant.area.as_str()).cmp(&(
            b.rank.is_none(),
            b.rank,
            b.entrant.area.as_str(),
        ))
    });
    standings
}
