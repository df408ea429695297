//! The read model behind the pages: every agreement's public record
//! ([`laa_core::publication::publish`] over its history), cached by version,
//! and the areas and indicators from the reference data; read whole once
//! per change heard ([`ReadModel::everything`]), and shared by every page
//! rendered until the next.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use laa_core::publication::{Publication, publish, target_is_public};
use laa_core::{AgreementId, AreaCode, Catalogue, IndicatorNumber, Region, Target};
use laa_store::{AgreementFilter, AreaRecord, Queries, StoreError};

use crate::changes::{Changes, Stamp};
use crate::facts::{Verdict, verdict};
use crate::kept::Slot;

/// The most rows the store gives in one page.
const PAGE: u64 = 1_000;

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

/// Everything public, read at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Every area, in code order.
    pub areas: Vec<AreaRecord>,
    /// Every public agreement, in id order.
    pub published: Vec<Published>,
}

impl Snapshot {
    /// The public agreements of one area.
    pub fn of_area<'a>(&'a self, area: &'a AreaCode) -> impl Iterator<Item = &'a Published> {
        self.published.iter().filter(move |p| &p.area == area)
    }

    /// The rounds of the public agreements, earliest first (by their
    /// first year, then name).
    pub fn rounds(&self) -> Vec<&str> {
        let rounds: std::collections::BTreeSet<(u16, &str)> = self
            .published
            .iter()
            .map(|p| {
                let first = p
                    .record
                    .agreement
                    .policy()
                    .map_or(u16::MAX, |policy| policy.period.first().start());
                (first, p.round())
            })
            .collect();
        rounds.into_iter().map(|(_, round)| round).collect()
    }

    /// The same, with only `round`'s agreements: what the open data for
    /// one round is written from (the records shared, not copied).
    pub fn of_round(&self, round: &str) -> Snapshot {
        Snapshot {
            areas: self.areas.clone(),
            published: self.in_round(round).cloned().collect(),
        }
    }

    /// The public agreements of one round.
    pub fn in_round<'a>(&'a self, round: &'a str) -> impl Iterator<Item = &'a Published> {
        self.published.iter().filter(move |p| p.round() == round)
    }

    /// The area's record, if it exists.
    pub fn area(&self, code: &str) -> Option<&AreaRecord> {
        self.areas.iter().find(|a| a.code.as_str() == code)
    }

    /// When the data was last changed: the latest moment an event of a
    /// public agreement happened.
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

    /// How many public agreements have a public target on each indicator.
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

/// Each agreement's public record (`None`: nothing public) at the version it was computed for.
type Cache = HashMap<AgreementId, (u64, Option<Arc<Publication>>)>;

/// The public record of every agreement, each computed once per version.
#[derive(Clone)]
pub struct ReadModel {
    store: Queries,
    cache: Arc<Mutex<Cache>>,
    changes: Changes,
    everything: Arc<Slot<Snapshot>>,
}

impl ReadModel {
    /// A read model over `store`, read again as `changes` are heard.
    pub fn new(store: Queries, changes: Changes) -> Self {
        Self {
            store,
            cache: Arc::default(),
            changes,
            everything: Arc::default(),
        }
    }

    /// The record read.
    pub fn store(&self) -> &Queries {
        &self.store
    }

    /// The moment, as far as what is kept goes ([`Changes::now`]).
    pub fn now(&self) -> Stamp {
        self.changes.now(&self.store.catalogue())
    }

    /// Everything public, read once per change heard: the pages rendered
    /// between two changes share one reading.
    pub async fn everything(&self) -> Result<Arc<Snapshot>, StoreError> {
        self.everything
            .get(|| self.now(), || self.snapshot(None))
            .await
    }

    /// Everything public now (`area`: only that area's agreements).
    pub async fn snapshot(&self, area: Option<&AreaCode>) -> Result<Snapshot, StoreError> {
        let mut areas = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = self.store.list_areas(None, PAGE, after).await?;
            areas.extend(page);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let filter = AgreementFilter {
            area: area.cloned(),
            ..AgreementFilter::default()
        };
        // Each agreement's place and version, not its state: a closed
        // agreement's public record is kept by version here, and reading
        // its state whole on every change heard would cost more than the
        // record it is not needed for.
        let mut published = Vec::new();
        for row in self.store.agreement_places(&filter).await? {
            if let Some(record) = self.record(&row.id, row.version).await? {
                published.push(Published {
                    id: row.id,
                    area: row.area,
                    region: row.region,
                    record,
                    catalogue: self.store.catalogue(),
                });
            }
        }
        Ok(Snapshot { areas, published })
    }

    /// The public record of an agreement at `version`, from the cache or its history.
    async fn record(
        &self,
        id: &AgreementId,
        version: u64,
    ) -> Result<Option<Arc<Publication>>, StoreError> {
        // Each use of the cache is one map call: a poisoned lock is still sound.
        if let Some((v, record)) = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            && *v == version
        {
            return Ok(record.clone());
        }
        let events = self.store.events(id, 1, version).await?;
        let record = publish(id.clone(), events.iter().map(|e| &e.event)).map(Arc::new);
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.clone(), (version, record.clone()));
        Ok(record)
    }
}
