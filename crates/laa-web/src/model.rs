//! What the pages are rendered from: one round's public agreements in
//! full ([`Published`]: each one's public record, by
//! [`laa_core::publication::publish`] over its history), every round's in
//! brief ([`Brief`]), and the areas, together a [`Snapshot`]. How they are
//! read and kept is [`crate::reading`]'s concern.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use laa_core::publication::{Publication, target_is_public};
use laa_core::{
    AgreementId, AgreementStatus, AreaCode, Catalogue, IndicatorNumber, Region, Target,
};
use laa_store::AreaRecord;

use crate::facts::{Verdict, verdict};

/// One agreement's public record, with where it belongs.
#[derive(Debug, Clone)]
pub struct Published {
    /// The agreement's id (`kent-2008-11`).
    pub id: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// Its region.
    pub region: Region,
    /// The public record.
    pub record: Arc<Publication>,
    /// The indicator catalogue it was read with (each target's indicator,
    /// its polarity and unit).
    pub catalogue: Arc<Catalogue>,
}

impl Published {
    /// The round's name: the id after the area's code (`2008-11`).
    pub fn round(&self) -> &str {
        self.id
            .as_str()
            .strip_prefix(self.area.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .unwrap_or(self.id.as_str())
    }

    /// The public targets (live, with agreed terms), by number.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.record
            .agreement
            .live_targets()
            .filter(|t| target_is_public(t.status, t.agreed.as_ref()))
    }

    /// How many public targets stand at each verdict.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        if let Some(policy) = self.record.agreement.policy() {
            for target in self.targets() {
                let indicator = target
                    .indicator
                    .national()
                    .and_then(|n| self.record.agreement.measure(&self.catalogue, n));
                tally.add(verdict(target, policy, indicator));
            }
        }
        tally
    }
}

/// Counts of targets by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [u32; 5],
}

impl Tally {
    /// Counts one more target at `verdict`.
    pub fn add(&mut self, verdict: Verdict) {
        self.counts[Verdict::ALL.iter().position(|v| *v == verdict).unwrap_or(4)] += 1;
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: Tally) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }

    /// How many targets stand at `verdict`.
    pub fn count(&self, verdict: Verdict) -> u32 {
        self.counts[Verdict::ALL.iter().position(|v| *v == verdict).unwrap_or(4)]
    }

    /// How many targets in all.
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }

    /// The share at `verdict`, in whole per cent (rounded half up); 0 of none.
    pub fn share(&self, verdict: Verdict) -> u32 {
        let total = self.total();
        if total == 0 {
            0
        } else {
            (self.count(verdict) * 200 + total) / (2 * total)
        }
    }
}

/// One public agreement of any round in brief: enough to list it (among
/// the rounds, and on its area's page beside the agreement shown in full)
/// without holding its record.
#[derive(Debug, Clone)]
pub struct Brief {
    /// The agreement's id (`kent-2008-11`).
    pub id: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// Its region.
    pub region: Region,
    /// Its round's name (`2008-11`).
    pub round: String,
    /// The first year of its round's period, if its policy is known.
    pub first_year: Option<u16>,
    /// Its status as signed off.
    pub status: AgreementStatus,
    /// Its public targets by verdict.
    pub tally: Tally,
    /// The last sequence of its public history.
    pub public_through: u64,
    /// The version its record was made at.
    pub version: u64,
}

impl Brief {
    /// The agreement's brief, from its public record.
    pub fn of(published: &Published) -> Self {
        Self {
            id: published.id.clone(),
            area: published.area.clone(),
            region: published.region,
            round: published.round().to_owned(),
            first_year: published
                .record
                .agreement
                .policy()
                .map(|policy| policy.period.first().start()),
            status: published.record.agreement.status,
            tally: published.tally(),
            public_through: published.record.public_through,
            version: published.record.version,
        }
    }

    /// The order of rounds: by their first year (a round without a known
    /// policy last), then by name.
    pub fn round_order(&self) -> (u16, &str) {
        (self.first_year.unwrap_or(u16::MAX), self.round.as_str())
    }
}

/// What is public at one moment, as one round's pages show it: that
/// round's agreements in full, and every round's in brief.
///
/// A round's public records are about 125 KB an agreement (its state as
/// last signed off and what each sign-off changed): 130 MB after seven
/// rounds of 150 areas. The latest round's are kept in full, since nearly
/// every page shows it; an earlier round's are made when one of its pages
/// is asked for ([`crate::reading::ReadModel::round`]).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Every area, in code order.
    pub areas: Arc<Vec<AreaRecord>>,
    /// The round whose agreements are held in full (`None`: nothing is public).
    pub round: Option<String>,
    /// The round's public agreements, in id order.
    pub published: Vec<Published>,
    /// Every round's public agreements in brief, in id order.
    pub briefs: Arc<Vec<Brief>>,
    /// The rounds with a public agreement, earliest first (by their first
    /// year, then name).
    pub rounds: Arc<Vec<String>>,
}

impl Snapshot {
    /// The round's public agreements of one area (at most one).
    pub fn of_area<'a>(&'a self, area: &'a AreaCode) -> impl Iterator<Item = &'a Published> {
        self.published.iter().filter(move |p| &p.area == area)
    }

    /// Every round's public agreements of one area, in brief, earliest
    /// round first.
    pub fn briefs_of(&self, area: &AreaCode) -> Vec<&Brief> {
        let mut briefs: Vec<&Brief> = self.briefs.iter().filter(|b| &b.area == area).collect();
        briefs.sort_by(|a, b| a.round_order().cmp(&b.round_order()));
        briefs
    }

    /// The rounds of `briefs`, earliest first (by their first year, then
    /// name).
    pub fn rounds_of(briefs: &[Brief]) -> Vec<String> {
        let rounds: std::collections::BTreeSet<(u16, &str)> =
            briefs.iter().map(Brief::round_order).collect();
        rounds
            .into_iter()
            .map(|(_, round)| round.to_owned())
            .collect()
    }

    /// The rounds with a public agreement, earliest first.
    pub fn rounds(&self) -> Vec<&str> {
        self.rounds.iter().map(String::as_str).collect()
    }

    /// True when the round held in full is the latest with a public
    /// agreement (what `/` and an area's own page show).
    pub fn is_latest(&self) -> bool {
        self.round.as_ref() == self.rounds.last()
    }

    /// Where an area's agreement of this round is shown in full: its own
    /// page in the latest round, its round page otherwise.
    pub fn area_path(&self, area: &AreaCode) -> String {
        match &self.round {
            Some(round) if !self.is_latest() => format!("/areas/{area}/rounds/{round}"),
            _ => format!("/areas/{area}"),
        }
    }

    /// The area's record, if it exists.
    pub fn area(&self, code: &str) -> Option<&AreaRecord> {
        self.areas.iter().find(|a| a.code.as_str() == code)
    }

    /// When the round's data was last changed: the latest moment an event
    /// of one of its public agreements happened.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.published
            .iter()
            .filter_map(|p| p.record.agreement.last_occurred_at)
            .max()
    }

    /// The two-part assessment (recommendation 2) of a public agreement,
    /// among the public agreements of its round: its area's kind is its
    /// comparator group. `None` for an agreement of an area the reference
    /// data does not hold.
    pub fn assessment(
        &self,
        published: &Published,
        catalogue: &Catalogue,
    ) -> Option<laa_core::performance::Assessment> {
        use laa_core::performance::{Comparator, assess};
        let kind = |area: &AreaCode| self.area(area.as_str()).map(|a| a.kind.as_str());
        let me = Comparator {
            agreement: &published.record.agreement,
            kind: kind(&published.area)?,
        };
        let comparators: Vec<Comparator<'_>> = self
            .published
            .iter()
            .filter_map(|p| {
                Some(Comparator {
                    agreement: &p.record.agreement,
                    kind: kind(&p.area)?,
                })
            })
            .collect();
        assess(me, &comparators, catalogue)
    }

    /// How many of the round's public agreements have a public target on
    /// each indicator.
    pub fn choosing(&self) -> BTreeMap<IndicatorNumber, u32> {
        let mut out = BTreeMap::new();
        for p in &self.published {
            for t in p.targets() {
                if let Some(n) = t.indicator.national() {
                    *out.entry(n).or_insert(0) += 1;
                }
            }
        }
        out
    }
}
