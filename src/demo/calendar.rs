//! Which three-year round a replay is of: the 2008-11 round as the report
//! tells it, or one of the rounds after it, each the same calendar moved on
//! by three years (opened in January, signed off in June, refreshed each
//! autumn, its actuals recorded each July).

use chrono::{DateTime, TimeZone, Utc};
use laa_proto::v1 as pb;

/// One round's calendar: the 2008-11 round's dates moved on by three years
/// for each round after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundCalendar {
    /// Years after 2008-11 (0, 3, 6, ...).
    shift: i32,
}

impl RoundCalendar {
    /// The 2008-11 round.
    pub const FIRST: Self = Self { shift: 0 };

    /// The `index`th round (0 is 2008-11, 1 is 2011-14, ...).
    pub fn nth(index: usize) -> Self {
        Self {
            shift: 3 * i32::try_from(index).unwrap_or(0),
        }
    }

    /// Whether this is the 2008-11 round, replayed as the report tells it.
    pub fn is_first(&self) -> bool {
        self.shift == 0
    }

    /// The round's name: `2008-11`, `2011-14`, ...
    pub fn name(&self) -> String {
        format!("{}-{:02}", 2008 + self.shift, (2011 + self.shift) % 100)
    }

    /// An agreement of the round: `agreements/{area}-{round}`.
    pub fn agreement(&self, area: &str) -> String {
        format!("agreements/{area}-{}", self.name())
    }

    /// The round's three financial years, `2008/09` to `2010/11`.
    pub fn years(&self) -> [String; 3] {
        [0, 1, 2].map(|k| {
            let start = 2008 + self.shift + k;
            format!("{start}/{:02}", (start + 1) % 100)
        })
    }

    /// The round's `k`th refresh (0 is the first): `2009`, `2010`.
    pub fn refresh(&self, k: i32) -> String {
        (2009 + self.shift + k).to_string()
    }

    /// The autumn the Place Survey reports in: the round's first year.
    pub fn survey(&self) -> String {
        (2008 + self.shift).to_string()
    }

    /// The period the baselines describe: the year before the round.
    pub fn baseline_period(&self) -> String {
        (2007 + self.shift).to_string()
    }

    /// A day of the round, at nine in the morning, given as its 2008-11
    /// date (`day(2008, 6, 30)` is the sign-off; 2011-14's is 30 June 2011).
    pub fn day(&self, y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y + self.shift, m, d, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    /// The indicator set agreements are opened on: 2007 for 2008-11 (the
    /// refresh rebinds them to 2008), the newest, 2008, after it.
    pub fn opening_set(&self) -> i32 {
        if self.is_first() { 2007 } else { 2008 }
    }

    /// This round's policy: `first`'s (the 2008-11 round as the server
    /// holds it) with its name, set, years, refreshes and late-demand
    /// cut-off moved on.
    pub fn policy(&self, first: &pb::Round) -> pb::Round {
        let moved = |date: &str| {
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .ok()
                .and_then(|d| {
                    chrono::Datelike::with_year(&d, chrono::Datelike::year(&d) + self.shift)
                })
                .map_or_else(|| date.to_owned(), |d| d.to_string())
        };
        pb::Round {
            name: String::new(),
            round: self.name(),
            indicator_set: self.opening_set(),
            years: self.years().to_vec(),
            refreshes: first
                .refreshes
                .iter()
                .enumerate()
                .map(|(k, r)| pb::RefreshDeadline {
                    refresh: self.refresh(i32::try_from(k).unwrap_or(0)),
                    deadline: moved(&r.deadline),
                })
                .collect(),
            late_demand_cutoff: moved(&first.late_demand_cutoff),
            create_time: None,
            ..first.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_rounds_are_the_first_moved_on_by_three_years() {
        let first = RoundCalendar::FIRST;
        assert_eq!(first.name(), "2008-11");
        assert_eq!(first.years(), ["2008/09", "2009/10", "2010/11"]);
        assert_eq!(
            (first.refresh(0), first.refresh(1)),
            ("2009".into(), "2010".into())
        );
        assert_eq!(first.baseline_period(), "2007");
        let seventh = RoundCalendar::nth(6);
        assert_eq!(seventh.name(), "2026-29");
        assert_eq!(seventh.years(), ["2026/27", "2027/28", "2028/29"]);
        assert_eq!(seventh.refresh(1), "2028");
        assert_eq!(seventh.agreement("kent"), "agreements/kent-2026-29");
        assert_eq!(
            seventh.day(2008, 6, 30).to_rfc3339(),
            "2026-06-30T09:00:00+00:00"
        );
        assert_eq!(RoundCalendar::nth(30).name(), "2098-01");
        let policy = RoundCalendar::nth(1).policy(&pb::Round {
            round: "2008-11".into(),
            indicator_set: 2007,
            designated_cap: 35,
            refreshes: vec![pb::RefreshDeadline {
                refresh: "2009".into(),
                deadline: "2008-12-01".into(),
            }],
            late_demand_cutoff: "2008-03-01".into(),
            ..Default::default()
        });
        assert_eq!(policy.round, "2011-14");
        assert_eq!(policy.indicator_set, 2008);
        assert_eq!(policy.designated_cap, 35);
        assert_eq!(policy.refreshes[0].refresh, "2012");
        assert_eq!(policy.refreshes[0].deadline, "2011-12-01");
        assert_eq!(policy.late_demand_cutoff, "2011-03-01");
    }
}
