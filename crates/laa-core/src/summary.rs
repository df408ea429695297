//! The negotiation analytics CLG asks for (DOMAIN.md 4), computed from an
//! agreement's history; summaries of many agreements add up.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Side;
use crate::agreement::TargetKind;
use crate::event::{Change, Event};
use crate::ids::TargetId;

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
    /// Targets whose first offer was accepted without a counter-offer (each
    /// target counted once, at its first settlement).
    pub accepted_unchanged: u64,
    /// Counter-offers made (offers after the first on a target).
    pub counter_offers: u64,
    /// Deal-breakers raised: declines and counter-offers so flagged.
    pub deal_breakers: u64,
    /// Government proposals made after the round's late-demand cut-off.
    pub late_demands: u64,
    /// Targets declined.
    pub declined: u64,
    /// Targets withdrawn.
    pub withdrawn: u64,
    /// Total days from opening to first sign-off, over the signed-off agreements.
    pub days_to_sign_off_total: i64,
}

impl NegotiationSummary {
    /// The summary of one agreement's history.
    pub fn of_history<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut summary = NegotiationSummary::default();
        let mut cutoff: Option<NaiveDate> = None;
        let mut opened_at: Option<DateTime<Utc>> = None;
        let mut offers_since_agreed: BTreeMap<TargetId, u32> = BTreeMap::new();
        let mut settled: BTreeSet<TargetId> = BTreeSet::new();
        for event in events {
            match &event.change {
                Change::AgreementOpened { policy, .. } => {
                    summary.agreements += 1;
                    cutoff = policy.late_demand_cutoff;
                    opened_at = Some(event.at);
                }
                Change::TargetProposed {
                    target,
                    target_kind,
                    offer,
                    ..
                } => {
                    if *target_kind != TargetKind::Statutory {
                        match offer.side {
                            Side::Government => summary.originated_by_government += 1,
                            Side::Area => summary.originated_by_area += 1,
                        }
                    }
                    if offer.side == Side::Government
                        && cutoff.is_some_and(|c| event.at.date_naive() > c)
                    {
                        summary.late_demands += 1;
                    }
                    offers_since_agreed.insert(*target, 1);
                }
                Change::OfferMade { target, offer, .. } => {
                    let count = offers_since_agreed.entry(*target).or_default();
                    if *count > 0 {
                        summary.counter_offers += 1;
                    }
                    *count += 1;
                    if offer.deal_breaker {
                        summary.deal_breakers += 1;
                    }
                }
                Change::OfferAccepted { target, .. } => {
                    let offers = offers_since_agreed.insert(*target, 0);
                    // Only a target's first settlement counts: accepting new
                    // terms at a refresh is not "accepted unchanged" again.
                    let first = settled.insert(*target);
                    summary.accepted_unchanged += u64::from(first && offers == Some(1));
                }
                Change::TargetDeclined { deal_breaker, .. } => {
                    summary.declined += 1;
                    if *deal_breaker {
                        summary.deal_breakers += 1;
                    }
                }
                Change::TargetWithdrawn { .. } => summary.withdrawn += 1,
                Change::AgreementSignedOff { .. } => {
                    if let Some(opened) = opened_at.take() {
                        summary.signed_off += 1;
                        summary.days_to_sign_off_total += (event.at - opened).num_days();
                    }
                }
                _ => {}
            }
        }
        summary
    }

    /// Adds another summary into this one (for regional and national totals).
    pub fn merge(&mut self, other: &NegotiationSummary) {
        self.agreements += other.agreements;
        self.signed_off += other.signed_off;
        self.originated_by_government += other.originated_by_government;
        self.originated_by_area += other.originated_by_area;
        self.accepted_unchanged += other.accepted_unchanged;
        self.counter_offers += other.counter_offers;
        self.deal_breakers += other.deal_breakers;
        self.late_demands += other.late_demands;
        self.declined += other.declined;
        self.withdrawn += other.withdrawn;
        self.days_to_sign_off_total += other.days_to_sign_off_total;
    }

    /// The mean days from opening to first sign-off, if any agreement was signed off.
    pub fn mean_days_to_sign_off(&self) -> Option<f64> {
        (self.signed_off > 0).then(|| self.days_to_sign_off_total as f64 / self.signed_off as f64)
    }
}
