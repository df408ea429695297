//! The negotiation analytics CLG asks for (DOMAIN.md 4), computed from an
//! agreement's history alone; summaries of many agreements add up (per
//! region, nationally), and each carries its figures per department.
//!
//! Every time here is when things happened (`occurred_at`), not when the
//! server recorded them, so a history loaded years later reads the same.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Side;
use crate::agreement::{Agreement, TargetKind};
use crate::event::{Change, Event};
use crate::ids::{Department, TargetId};
use crate::terms::Terms;

/// Who asked for what, who pushed back, what came late, how long it took.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegotiationSummary {
    /// Agreements summarised.
    pub agreements: u64,
    /// Of those, signed off at least once.
    pub signed_off: u64,
    /// Designated and local targets proposed by the Government side.
    pub originated_by_government: u64,
    /// Designated and local targets proposed by the area side.
    pub originated_by_area: u64,
    /// Statutory targets, counted apart: neither side chose them.
    pub statutory_targets: u64,
    /// Designated and local targets whose first offer was accepted without
    /// a counter-offer (each target counted once, at its first settlement;
    /// statutory targets are not counted).
    pub accepted_unchanged: u64,
    /// Counter-offer rounds: offers after the first on a target.
    pub counter_offers: u64,
    /// Deal-breakers raised: declines and counter-offers so flagged.
    pub deal_breakers: u64,
    /// Late demands: Government proposals, and Government counter-offers
    /// that make terms more demanding, that occurred (`occurred_at`, not the
    /// server's clock) after the round's late-demand cut-off and before the
    /// agreement's first sign-off (a refresh is a negotiation of its own).
    pub late_demands: u64,
    /// Departments' requests the GO declined to carry.
    pub refused_requests: u64,
    /// Targets declined.
    pub declined: u64,
    /// Targets withdrawn.
    pub withdrawn: u64,
    /// Days from opening to first sign-off, one entry per signed-off agreement.
    pub days_to_sign_off: Vec<i64>,
    /// Designated targets settled (first acceptance).
    pub designated_settled: u64,
    /// Of those, originated by Government and accepted unchanged: the
    /// report's "very limited say" is this share of `designated_settled`.
    pub designated_imposed: u64,
    /// Per refresh round: the targets live when it opened, and how many of
    /// them were revisited in it (a new offer, a withdrawal, a decline or a
    /// revocation).
    pub refreshes: BTreeMap<String, RefreshRevisits>,
    /// The figures per Whitehall department.
    pub by_department: BTreeMap<String, DepartmentSummary>,
    /// Agreements with a refresh overdue on the day asked (its deadline
    /// passed, not signed off: [`Agreement::refresh_overdue`]), by the
    /// earliest such refresh ("2009"). Not part of the history: the caller
    /// notes it with [`NegotiationSummary::note_overdue`] for its date.
    #[serde(default)]
    pub refreshes_overdue: BTreeMap<String, u64>,
    /// The negotiations that had a negotiating champion beside the others
    /// (recommendation 8).
    #[serde(default)]
    pub champions: ChampionComparison,
}

/// How the negotiations that had a negotiating champion went, beside those
/// that had none: the comparison the report could make only by interview.
/// An agreement counts as championed once a champion was assigned to it at
/// any time, even if the assignment later ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChampionComparison {
    /// The areas whose agreement had a champion, by area code.
    pub areas: BTreeSet<String>,
    /// The agreements that had a champion.
    pub with_champion: Cohort,
    /// The agreements that had none.
    pub without_champion: Cohort,
}

/// How one group of negotiations went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    /// Agreements in the group.
    pub agreements: u64,
    /// Of those, signed off at least once.
    pub signed_off: u64,
    /// Days from opening to first sign-off, one entry per signed-off agreement.
    pub days_to_sign_off: Vec<i64>,
    /// Counter-offer rounds.
    pub counter_offers: u64,
    /// Deal-breakers raised.
    pub deal_breakers: u64,
}

impl Cohort {
    fn merge(&mut self, other: &Cohort) {
        self.agreements += other.agreements;
        self.signed_off += other.signed_off;
        self.days_to_sign_off
            .extend_from_slice(&other.days_to_sign_off);
        self.counter_offers += other.counter_offers;
        self.deal_breakers += other.deal_breakers;
    }

    /// The median days to first sign-off; `None` when nothing was signed off.
    pub fn median_days_to_sign_off(&self) -> Option<f64> {
        median(&self.days_to_sign_off)
    }
}

/// The median of a list of days; `None` for an empty list.
fn median(days: &[i64]) -> Option<f64> {
    let mut days = days.to_vec();
    days.sort_unstable();
    let n = days.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(days[n / 2] as f64),
        _ => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    }
}

/// How much of an agreement a refresh revisited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRevisits {
    /// Targets live when the refresh opened.
    pub targets: u64,
    /// Of those, revisited during the refresh.
    pub revisited: u64,
}

impl RefreshRevisits {
    /// The share revisited (0 to 1), if there was anything to revisit.
    pub fn share(&self) -> Option<f64> {
        (self.targets > 0).then(|| self.revisited as f64 / self.targets as f64)
    }
}

/// What one department asked for and how it went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentSummary {
    /// Targets the GO proposed for it.
    pub proposals: u64,
    /// Counter-offers the GO made for it.
    pub counter_offers: u64,
    /// Its late demands (proposals, and counters asking for more, after the cut-off).
    pub late_demands: u64,
    /// Its counter-offers flagged as deal-breakers.
    pub deal_breakers: u64,
    /// Its requests the GO declined to carry.
    pub refused_requests: u64,
    /// Its proposals the area accepted unchanged.
    pub accepted_unchanged: u64,
    /// Requests for advice areas made to it (recommendation 4).
    #[serde(default)]
    pub advice_requests: u64,
    /// Days from each answered request to its answer (`occurred_at`).
    #[serde(default)]
    pub days_to_answer: Vec<i64>,
}

impl DepartmentSummary {
    fn merge(&mut self, other: &DepartmentSummary) {
        self.proposals += other.proposals;
        self.counter_offers += other.counter_offers;
        self.late_demands += other.late_demands;
        self.deal_breakers += other.deal_breakers;
        self.refused_requests += other.refused_requests;
        self.accepted_unchanged += other.accepted_unchanged;
        self.advice_requests += other.advice_requests;
        self.days_to_answer.extend_from_slice(&other.days_to_answer);
    }

    /// Its requests for advice still unanswered.
    pub fn advice_open(&self) -> u64 {
        self.advice_requests
            .saturating_sub(self.days_to_answer.len() as u64)
    }

    /// The median days it took to answer a request for advice; `None` when
    /// none was answered.
    pub fn median_days_to_answer(&self) -> Option<f64> {
        median(&self.days_to_answer)
    }
}

/// What the fold remembers about one target.
struct Seen {
    kind: TargetKind,
    originated_by: Side,
    department: Option<Department>,
    /// Offers since it was last agreed (1 after a proposal).
    offers: u32,
    settled: bool,
    live: bool,
    last_terms: Option<Terms>,
}

impl NegotiationSummary {
    /// The summary of one agreement's history.
    pub fn of_history<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut s = NegotiationSummary::default();
        let mut cutoff: Option<NaiveDate> = None;
        let mut opened_at: Option<DateTime<Utc>> = None;
        let mut targets: BTreeMap<TargetId, Seen> = BTreeMap::new();
        // The refresh under way, and the targets it found live.
        let mut refresh: Option<(String, BTreeSet<TargetId>, BTreeSet<TargetId>)> = None;
        let mut area: Option<String> = None;
        let mut had_champion = false;
        // Each request for advice: its department and when it was asked.
        let mut asked: BTreeMap<u32, (Department, DateTime<Utc>)> = BTreeMap::new();
        for event in events {
            // Late demands are of the round's first negotiation: a refresh
            // has its own schedule, and nothing in it is late against March.
            let late =
                opened_at.is_some() && cutoff.is_some_and(|c| event.occurred().date_naive() > c);
            if let (Some((_, base, revisited)), Some(id)) =
                (&mut refresh, revisiting(&event.change))
            {
                for id in id {
                    if base.contains(&id) {
                        revisited.insert(id);
                    }
                }
            }
            match &event.change {
                Change::AgreementOpened {
                    area: opened_area,
                    policy,
                    statutory_targets,
                    ..
                } => {
                    area = Some(opened_area.to_string());
                    s.agreements += 1;
                    s.statutory_targets += statutory_targets.len() as u64;
                    cutoff = policy.late_demand_cutoff;
                    opened_at = Some(event.occurred());
                    for (id, _) in statutory_targets {
                        targets.insert(
                            *id,
                            Seen {
                                kind: TargetKind::Statutory,
                                originated_by: Side::Government,
                                department: None,
                                offers: 0,
                                settled: false,
                                live: true,
                                last_terms: None,
                            },
                        );
                    }
                }
                Change::TargetProposed {
                    target,
                    target_kind,
                    offer,
                    ..
                } => {
                    if *target_kind != TargetKind::Statutory {
                        match offer.side {
                            Side::Government => s.originated_by_government += 1,
                            Side::Area => s.originated_by_area += 1,
                        }
                    }
                    if offer.side == Side::Government {
                        let dept = s.department(offer.department.as_ref());
                        if let Some(d) = dept {
                            d.proposals += 1;
                            d.late_demands += u64::from(late);
                        }
                        s.late_demands += u64::from(late);
                    }
                    targets.insert(
                        *target,
                        Seen {
                            kind: *target_kind,
                            originated_by: offer.side,
                            department: offer.department.clone(),
                            offers: 1,
                            settled: false,
                            live: true,
                            last_terms: Some(offer.terms.clone()),
                        },
                    );
                }
                Change::OfferMade { target, offer, .. } => {
                    let Some(seen) = targets.get_mut(target) else {
                        continue;
                    };
                    let demanding = seen
                        .last_terms
                        .as_ref()
                        .is_some_and(|before| offer.terms.more_demanding_than(before));
                    let counter = seen.offers > 0;
                    seen.offers += 1;
                    seen.last_terms = Some(offer.terms.clone());
                    let late_demand = offer.side == Side::Government && late && demanding;
                    s.late_demands += u64::from(late_demand);
                    s.counter_offers += u64::from(counter);
                    s.deal_breakers += u64::from(offer.deal_breaker);
                    if offer.side == Side::Government
                        && let Some(d) = s.department(offer.department.as_ref())
                    {
                        d.counter_offers += u64::from(counter);
                        d.late_demands += u64::from(late_demand);
                        d.deal_breakers += u64::from(offer.deal_breaker);
                    }
                }
                Change::OfferAccepted { target, .. } => {
                    let Some(seen) = targets.get_mut(target) else {
                        continue;
                    };
                    let offers = std::mem::take(&mut seen.offers);
                    // Only a target's first settlement counts: accepting new
                    // terms at a refresh is not "accepted unchanged" again.
                    if seen.settled {
                        continue;
                    }
                    seen.settled = true;
                    let unchanged = offers == 1 && seen.kind != TargetKind::Statutory;
                    let (kind, side, dept) =
                        (seen.kind, seen.originated_by, seen.department.clone());
                    s.accepted_unchanged += u64::from(unchanged);
                    if kind == TargetKind::Designated {
                        s.designated_settled += 1;
                        s.designated_imposed += u64::from(unchanged && side == Side::Government);
                    }
                    if unchanged
                        && side == Side::Government
                        && let Some(d) = s.department(dept.as_ref())
                    {
                        d.accepted_unchanged += 1;
                    }
                }
                Change::TargetDeclined {
                    target,
                    deal_breaker,
                    ..
                } => {
                    s.declined += 1;
                    s.deal_breakers += u64::from(*deal_breaker);
                    if let Some(seen) = targets.get_mut(target) {
                        seen.live = false;
                    }
                }
                Change::TargetWithdrawn { target, .. } => {
                    s.withdrawn += 1;
                    if let Some(seen) = targets.get_mut(target) {
                        seen.live = false;
                    }
                }
                Change::DesignationRevoked {
                    targets: revoked, ..
                } => {
                    for id in revoked {
                        if let Some(seen) = targets.get_mut(id) {
                            seen.live = false;
                        }
                    }
                }
                Change::RequestRefused { department, .. } => {
                    s.refused_requests += 1;
                    if let Some(d) = s.department(Some(department)) {
                        d.refused_requests += 1;
                    }
                }
                Change::RefreshOpened { round, .. } => {
                    let base = targets
                        .iter()
                        .filter(|(_, t)| t.live)
                        .map(|(id, _)| *id)
                        .collect();
                    refresh = Some((round.to_string(), base, BTreeSet::new()));
                }
                Change::AgreementSignedOff { .. } => {
                    if let Some((round, base, revisited)) = refresh.take() {
                        let entry = s.refreshes.entry(round).or_default();
                        entry.targets += base.len() as u64;
                        entry.revisited += revisited.len() as u64;
                    }
                    if let Some(opened) = opened_at.take() {
                        s.signed_off += 1;
                        s.days_to_sign_off
                            .push((event.occurred() - opened).num_days());
                    }
                }
                Change::ChampionAssigned { .. } => had_champion = true,
                Change::AdviceRequested {
                    request,
                    department,
                    ..
                } => {
                    asked.insert(*request, (department.clone(), event.occurred()));
                    if let Some(d) = s.department(Some(department)) {
                        d.advice_requests += 1;
                    }
                }
                Change::AdviceRecorded { request, .. } => {
                    if let Some((department, at)) = asked.get(request).cloned()
                        && let Some(d) = s.department(Some(&department))
                    {
                        d.days_to_answer.push((event.occurred() - at).num_days());
                    }
                }
                _ => {}
            }
        }
        // A refresh still under way counts what it has revisited so far.
        if let Some((round, base, revisited)) = refresh {
            let entry = s.refreshes.entry(round).or_default();
            entry.targets += base.len() as u64;
            entry.revisited += revisited.len() as u64;
        }
        let cohort = Cohort {
            agreements: s.agreements,
            signed_off: s.signed_off,
            days_to_sign_off: s.days_to_sign_off.clone(),
            counter_offers: s.counter_offers,
            deal_breakers: s.deal_breakers,
        };
        if had_champion {
            s.champions.areas.extend(area);
            s.champions.with_champion = cohort;
        } else {
            s.champions.without_champion = cohort;
        }
        s
    }

    fn department(&mut self, department: Option<&Department>) -> Option<&mut DepartmentSummary> {
        department.map(|d| self.by_department.entry(d.to_string()).or_default())
    }

    /// Notes whether `agreement` has a refresh overdue on `today` (the
    /// caller's date: the core has no clock).
    pub fn note_overdue(&mut self, agreement: &Agreement, today: NaiveDate) {
        if let Some(refresh) = agreement.refresh_overdue(today) {
            self.note_overdue_refresh(refresh.id.as_str());
        }
    }

    /// Notes one agreement overdue in `refresh` (what [`Self::note_overdue`]
    /// found, remembered by a caller that judged it earlier the same day).
    pub fn note_overdue_refresh(&mut self, refresh: &str) {
        *self
            .refreshes_overdue
            .entry(refresh.to_owned())
            .or_default() += 1;
    }

    /// How many agreements have a refresh overdue (each counted once).
    pub fn agreements_overdue(&self) -> u64 {
        self.refreshes_overdue.values().sum()
    }

    /// Adds another summary into this one (for regional and national totals).
    pub fn merge(&mut self, other: &NegotiationSummary) {
        for (refresh, n) in &other.refreshes_overdue {
            *self.refreshes_overdue.entry(refresh.clone()).or_default() += n;
        }
        self.agreements += other.agreements;
        self.signed_off += other.signed_off;
        self.originated_by_government += other.originated_by_government;
        self.originated_by_area += other.originated_by_area;
        self.statutory_targets += other.statutory_targets;
        self.accepted_unchanged += other.accepted_unchanged;
        self.counter_offers += other.counter_offers;
        self.deal_breakers += other.deal_breakers;
        self.late_demands += other.late_demands;
        self.refused_requests += other.refused_requests;
        self.declined += other.declined;
        self.withdrawn += other.withdrawn;
        self.days_to_sign_off
            .extend_from_slice(&other.days_to_sign_off);
        self.designated_settled += other.designated_settled;
        self.designated_imposed += other.designated_imposed;
        for (round, r) in &other.refreshes {
            let entry = self.refreshes.entry(round.clone()).or_default();
            entry.targets += r.targets;
            entry.revisited += r.revisited;
        }
        for (dept, d) in &other.by_department {
            self.by_department.entry(dept.clone()).or_default().merge(d);
        }
        self.champions
            .areas
            .extend(other.champions.areas.iter().cloned());
        self.champions
            .with_champion
            .merge(&other.champions.with_champion);
        self.champions
            .without_champion
            .merge(&other.champions.without_champion);
    }

    /// The mean days from opening to first sign-off; `None` when nothing was signed off.
    pub fn mean_days_to_sign_off(&self) -> Option<f64> {
        let n = self.days_to_sign_off.len();
        (n > 0).then(|| self.days_to_sign_off.iter().sum::<i64>() as f64 / n as f64)
    }

    /// The median days to first sign-off; `None` when nothing was signed off.
    pub fn median_days_to_sign_off(&self) -> Option<f64> {
        median(&self.days_to_sign_off)
    }

    /// The 90th percentile of days to first sign-off (nearest rank: the
    /// smallest value at least 90% of the agreements took no longer than);
    /// `None` when nothing was signed off.
    pub fn p90_days_to_sign_off(&self) -> Option<f64> {
        let mut days = self.days_to_sign_off.clone();
        days.sort_unstable();
        let n = days.len();
        (n > 0).then(|| days[(n * 9).div_ceil(10) - 1] as f64)
    }

    /// The report's "very limited say": the share (0 to 1) of settled
    /// designated targets that Government originated and the area accepted
    /// unchanged; `None` when no designated target was settled.
    pub fn very_limited_say(&self) -> Option<f64> {
        (self.designated_settled > 0)
            .then(|| self.designated_imposed as f64 / self.designated_settled as f64)
    }
}

/// The targets an event revisits, if it revisits any.
fn revisiting(change: &Change) -> Option<Vec<TargetId>> {
    match change {
        Change::OfferMade { target, .. }
        | Change::TargetWithdrawn { target, .. }
        | Change::TargetDeclined { target, .. } => Some(vec![*target]),
        Change::DesignationRevoked { targets, .. } => Some(targets.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_off_times_are_absent_when_nothing_is_signed_off() {
        let s = NegotiationSummary::default();
        assert_eq!(s.mean_days_to_sign_off(), None);
        assert_eq!(s.median_days_to_sign_off(), None);
        assert_eq!(s.p90_days_to_sign_off(), None);
        assert_eq!(s.very_limited_say(), None);
    }

    #[test]
    fn median_and_90th_percentile_by_nearest_rank() {
        let s = NegotiationSummary {
            days_to_sign_off: vec![10, 1, 9, 2, 8, 3, 7, 4, 6, 5],
            ..Default::default()
        };
        assert_eq!(s.mean_days_to_sign_off(), Some(5.5));
        assert_eq!(s.median_days_to_sign_off(), Some(5.5));
        assert_eq!(s.p90_days_to_sign_off(), Some(9.0));
        let one = NegotiationSummary {
            days_to_sign_off: vec![174],
            ..Default::default()
        };
        assert_eq!(one.median_days_to_sign_off(), Some(174.0));
        assert_eq!(one.p90_days_to_sign_off(), Some(174.0));
    }
}
