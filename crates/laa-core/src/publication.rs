//! What of an agreement is public (recommendation 1, DOMAIN.md 6): the one
//! rule the citizens' pages and the open data apply.
//!
//! An agreement becomes public when Ministers first sign it off. From then
//! on the public state is the agreement as last signed off: a refresh under
//! negotiation (`refresh_open`, or `submitted` after a refresh) shows
//! nothing of its offers until it is signed off in turn, while the actual
//! values and revocations recorded meanwhile (facts about the agreement in
//! force, not negotiation) are shown at once. Before the first sign-off
//! nothing is public. Each sign-off is a [`Signing`] that lists what changed
//! in the public targets since the one before.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agreement::{Agreement, AgreementStatus, IndicatorRef, TargetStatus};
use crate::apply::apply;
use crate::event::{Change, Event};
use crate::ids::{AgreementId, RefreshId, TargetId};
use crate::terms::Terms;

/// True when an agreement in `status` is in force as signed off: its
/// current state is the public one.
pub fn is_signed_off(status: AgreementStatus) -> bool {
    matches!(
        status,
        AgreementStatus::Placeholder
            | AgreementStatus::Agreed
            | AgreementStatus::Refreshed
            | AgreementStatus::Closed
    )
}

/// The public record of one agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// The agreement as last signed off, with the actuals and revocations
    /// recorded since. Its targets' `open_offer`s are always empty.
    pub agreement: Agreement,
    /// The agreement's own version: how many events its history holds.
    pub version: u64,
    /// The last sequence at which the public state and the agreement's were
    /// the same (the history up to it holds nothing under negotiation).
    pub public_through: u64,
    /// True while a refresh is under negotiation (not shown until signed off).
    pub refresh_under_way: bool,
    /// Every sign-off, in order.
    pub signings: Vec<Signing>,
    /// For each public target with agreed terms, the rationale of the offer
    /// whose terms were agreed (the argument from evidence), as written.
    pub rationales: BTreeMap<TargetId, String>,
}

/// One sign-off by Ministers, and what it changed in the public targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signing {
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The refresh it concluded, or `None` for the first sign-off.
    pub refresh: Option<RefreshId>,
    /// What changed in the targets since the previous sign-off (empty for the first).
    pub changes: Vec<TargetChange>,
}

/// A change to one target between two sign-offs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetChange {
    /// The target.
    pub target: TargetId,
    /// What it measures.
    pub indicator: IndicatorRef,
    /// What happened to it.
    pub what: ChangeKind,
}

/// How a target changed between two sign-offs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// It was added.
    Added,
    /// Its agreed terms changed (a placeholder given values, a deferred
    /// year set, a target revisited).
    TermsChanged {
        /// The terms agreed before.
        before: Option<Terms>,
        /// The terms agreed now.
        after: Option<Terms>,
    },
    /// It left the agreement (withdrawn, declined or revoked).
    Removed,
}

/// The public record of an agreement from its history, in order; `None`
/// until it is first signed off.
pub fn publish<'a>(
    id: AgreementId,
    events: impl IntoIterator<Item = &'a Event>,
) -> Option<Publication> {
    let mut state = Agreement::unopened(id);
    // The public state while it differs from `state` (a refresh under way).
    let mut frozen: Option<Agreement> = None;
    let mut public_through = 0;
    let mut signings = Vec::new();
    // The open offer's rationale per target, and the agreed ones (live, and
    // as frozen with the public state).
    let mut offered: BTreeMap<TargetId, String> = BTreeMap::new();
    let mut agreed: BTreeMap<TargetId, String> = BTreeMap::new();
    let mut frozen_agreed: Option<BTreeMap<TargetId, String>> = None;
    for event in events {
        if matches!(event.change, Change::RefreshOpened { .. }) && is_signed_off(state.status) {
            frozen = Some(state.clone());
            frozen_agreed = Some(agreed.clone());
        }
        apply(&mut state, event);
        match &event.change {
            Change::TargetProposed { target, offer, .. }
            | Change::OfferMade { target, offer, .. } => {
                offered.insert(*target, offer.rationale.clone());
            }
            // A re-baselining awaiting Ministers is agreed once they approve it.
            Change::OfferAccepted {
                target,
                awaiting_ministers: false,
                ..
            }
            | Change::RebaselineApproved { target, .. } => {
                if let Some(rationale) = offered.remove(target) {
                    agreed.insert(*target, rationale);
                }
            }
            Change::RebaselineRejected { target, .. } => {
                offered.remove(target);
            }
            _ => {}
        }
        match &event.change {
            Change::AgreementSignedOff { .. } => {
                let before = frozen.take();
                frozen_agreed = None;
                signings.push(Signing {
                    occurred_at: event.occurred(),
                    refresh: before.as_ref().and(state.refresh.clone()),
                    changes: before.map(|b| changes(&b, &state)).unwrap_or_default(),
                });
            }
            // Facts about the agreement in force, public at once even while
            // a refresh is negotiated: actuals (on targets and on the rest
            // of the set), who delivers each target, their reward, explanations,
            // revocations, Ministers' decisions on re-baselinings, and its
            // closing (which ends the refresh unsigned: the terms last
            // signed off stay the public ones).
            Change::ActualRecorded { .. }
            | Change::IndicatorActualRecorded { .. }
            | Change::PartnersNamed { .. }
            | Change::RewardAssessed { .. }
            | Change::ExplanationLodged { .. }
            | Change::DesignationRevoked { .. }
            | Change::RebaselineApproved { .. }
            | Change::RebaselineRejected { .. }
            | Change::AgreementClosed => {
                if let Some(public) = frozen.as_mut() {
                    apply(public, event);
                }
            }
            _ => {}
        }
        // The public history runs through the last event after which the
        // agreement stood signed off, never into a refresh it never signed
        // (one closed mid-refresh stays public through its last sign-off).
        if is_signed_off(state.status) && frozen.is_none() {
            public_through = state.version;
        }
    }
    if signings.is_empty() {
        return None;
    }
    let version = state.version;
    let refresh_under_way = frozen
        .as_ref()
        .is_some_and(|f| f.status != AgreementStatus::Closed);
    let mut agreement = frozen.unwrap_or(state);
    for target in agreement.targets.values_mut() {
        if target.open_offer.is_some() {
            std::sync::Arc::make_mut(target).open_offer = None;
        }
    }
    let mut rationales = frozen_agreed.unwrap_or(agreed);
    rationales.retain(|id, _| {
        agreement
            .targets
            .get(id)
            .is_some_and(|t| target_is_public(t.status, t.agreed.as_ref()))
    });
    Some(Publication {
        agreement,
        version,
        public_through,
        refresh_under_way,
        signings,
        rationales,
    })
}

/// The changes in the targets from one public state to the next, by target.
fn changes(before: &Agreement, after: &Agreement) -> Vec<TargetChange> {
    let mut out = Vec::new();
    for (id, now) in &after.targets {
        let then = before.targets.get(id).filter(|t| t.is_live());
        let what = match (then, now.is_live()) {
            (None, true) => ChangeKind::Added,
            (Some(_), false) => ChangeKind::Removed,
            (Some(t), true) if t.agreed != now.agreed => ChangeKind::TermsChanged {
                before: t.agreed.clone(),
                after: now.agreed.clone(),
            },
            _ => continue,
        };
        out.push(TargetChange {
            target: *id,
            indicator: now.indicator.clone(),
            what,
        });
    }
    out
}

/// True when a target of a public agreement is shown: it is live and has
/// agreed terms (a target proposed in a refresh under way is not).
pub fn target_is_public(status: TargetStatus, agreed: Option<&Terms>) -> bool {
    status != TargetStatus::Withdrawn && agreed.is_some()
}
