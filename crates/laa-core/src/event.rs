//! Events: the facts `decide` records and `apply` folds into the state.
//!
//! An event is never changed or deleted once stored. Each carries when it
//! happened and who made it happen; the store adds the sequence, request id
//! and hash chain around it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Side};
use crate::agreement::{AgreementStatus, CommandKind, IndicatorRef, Offer, Priority, TargetKind};
use crate::ids::{
    AreaCode, Department, FinancialYear, IndicatorNumber, RefreshId, Region, SetVersion, TargetId,
};
use crate::performance::RewardWorking;
use crate::policy::RoundPolicy;
use crate::terms::Terms;

/// One recorded fact about an aggregate: by default an agreement, whose
/// changes are [`Change`]s; the other aggregates' streams record their own
/// kinds of change in the same envelope ([`crate::stream`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event<C = Change> {
    /// When it was decided: the server's clock (the store's `recorded_at`
    /// is when it was committed, a moment later).
    pub at: DateTime<Utc>,
    /// When it happened in the world (the meeting, the letter), as the
    /// command dated it; absent in events recorded before commands could
    /// be dated, which happened when they were decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Who made it happen.
    pub actor: Actor,
    /// What happened.
    pub change: C,
}

impl<C> Event<C> {
    /// When it happened: `occurred_at`, or for an event recorded before
    /// commands could be dated, when it was decided.
    pub fn occurred(&self) -> DateTime<Utc> {
        self.occurred_at.unwrap_or(self.at)
    }
}

crate::stream::changes! {
    /// What happened to an agreement.
    Change {
        /// The agreement was opened, with its statutory targets.
        AgreementOpened => "agreement_opened" {
            /// The area.
            area: AreaCode,
            /// Its region.
            region: Region,
            /// The round's rules, as they stood.
            policy: RoundPolicy,
            /// The bound set version.
            indicator_set: SetVersion,
            /// The statutory targets created, with their numbers.
            statutory_targets: Vec<(TargetId, IndicatorNumber)>,
        },
        /// A target was proposed with its first offer.
        TargetProposed => "target_proposed" {
            /// Its number.
            target: TargetId,
            /// Its kind.
            target_kind: TargetKind,
            /// Its indicator.
            indicator: IndicatorRef,
            /// The first offer.
            offer: Offer,
            /// The declared Whitehall priority the proposal cites, if any.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            priority: Option<u16>,
        },
        /// A counter-offer (or fresh offer) was made.
        OfferMade => "offer_made" {
            /// The target.
            target: TargetId,
            /// The offer; `terms_before` is what was agreed before, if anything.
            offer: Offer,
            /// The terms agreed before this offer, if any.
            terms_before: Option<Terms>,
        },
        /// The open offer was accepted.
        OfferAccepted => "offer_accepted" {
            /// The target.
            target: TargetId,
            /// The side that accepted.
            by: Side,
            /// The terms now agreed, or for a re-baselining that awaits
            /// Ministers, the terms they are asked to approve.
            terms: Terms,
            /// A re-baselining accepted in a round whose policy asks Ministers
            /// to approve it: the terms agreed before stay in force until they
            /// do (`rebaseline_approved`).
            #[serde(default, skip_serializing_if = "std::ops::Not::not")]
            awaiting_ministers: bool,
        },
        /// A target was declined by the side that did not propose it.
        TargetDeclined => "target_declined" {
            /// The target.
            target: TargetId,
            /// The side that declined.
            by: Side,
            /// Why.
            reason: String,
            /// Flagged as a deal-breaker.
            deal_breaker: bool,
        },
        /// A target was withdrawn by the side that proposed it.
        TargetWithdrawn => "target_withdrawn" {
            /// The target.
            target: TargetId,
            /// The side that withdrew it.
            by: Side,
            /// Why.
            reason: String,
        },
        /// The area endorsed the current terms.
        AgreementEndorsed => "agreement_endorsed",
        /// The Government Office recommended the agreement to Ministers.
        AgreementSubmitted => "agreement_submitted",
        /// Ministers returned it.
        AgreementReturned => "agreement_returned" {
            /// Why.
            reason: String,
            /// The status it returns to.
            to: AgreementStatus,
        },
        /// Ministers signed it off.
        AgreementSignedOff => "agreement_signed_off" {
            /// The status it now has.
            to: AgreementStatus,
        },
        /// A refresh round was opened.
        RefreshOpened => "refresh_opened" {
            /// The round.
            round: RefreshId,
            /// The set version now bound, when the refresh rebinds.
            rebound_to: Option<SetVersion>,
        },
        /// An actual value was recorded.
        ActualRecorded => "actual_recorded" {
            /// The target.
            target: TargetId,
            /// The year.
            year: FinancialYear,
            /// The value.
            #[serde(with = "crate::decimal::serde_written")]
            value: Decimal,
            /// Its source.
            source: String,
        },
        /// Designations were revoked.
        DesignationRevoked => "designation_revoked" {
            /// The targets whose designation ended.
            targets: Vec<TargetId>,
            /// Why.
            reason: String,
        },
        /// The agreement was closed.
        AgreementClosed => "agreement_closed",
        /// A department asked the GO to carry an indicator and the GO declined.
        RequestRefused => "request_refused" {
            /// The indicator asked for.
            indicator: IndicatorNumber,
            /// The department that asked.
            department: Department,
            /// Why the GO declined.
            rationale: String,
        },
        /// Whitehall's outcome priorities for the area were declared.
        PrioritiesDeclared => "priorities_declared" {
            /// The priorities, in order.
            priorities: Vec<Priority>,
        },
        /// The reward grant was assessed (or assessed again) from the final
        /// actuals: recorded with the actual that completed or changed it.
        RewardAssessed => "reward_assessed" {
            /// The whole working, per target.
            working: RewardWorking,
        },
        /// The area lodged (or replaced) an explanation for its results on an indicator.
        ExplanationLodged => "explanation_lodged" {
            /// The indicator.
            indicator: IndicatorNumber,
            /// The explanation.
            explanation: String,
        },
        /// The area asked a department for advice on an indicator.
        AdviceRequested => "advice_requested" {
            /// The request's number, from 1.
            request: u32,
            /// The indicator.
            indicator: IndicatorNumber,
            /// The department asked.
            department: Department,
            /// The question.
            question: String,
            /// The target it concerns, if any.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            target: Option<TargetId>,
        },
        /// The Government Office recorded the department's answer.
        AdviceRecorded => "advice_recorded" {
            /// The request answered.
            request: u32,
            /// The answer.
            answer: String,
        },
        /// Ministers approved an accepted re-baselining: its terms are now agreed.
        RebaselineApproved => "rebaseline_approved" {
            /// The target.
            target: TargetId,
            /// The terms now agreed.
            terms: Terms,
        },
        /// Ministers rejected an accepted re-baselining: the terms agreed
        /// before stay in force.
        RebaselineRejected => "rebaseline_rejected" {
            /// The target.
            target: TargetId,
            /// Why.
            reason: String,
        },
        /// A negotiating champion was assigned to the agreement.
        ChampionAssigned => "champion_assigned" {
            /// The champion's principal.
            champion: String,
            /// The department they come from.
            department: Department,
        },
        /// A champion's assignment ended.
        ChampionAssignmentEnded => "champion_assignment_ended" {
            /// The champion's principal.
            champion: String,
            /// Why.
            reason: String,
        },
        /// A comment on a target's thread (its author is the event's actor).
        TargetCommented => "target_commented" {
            /// The target.
            target: TargetId,
            /// The comment.
            text: String,
            /// A champion's brokering, put to both sides.
            #[serde(default, skip_serializing_if = "std::ops::Not::not")]
            brokering: bool,
        },
    }
}

impl Change {
    /// The kind of command that records this event (each event comes from one kind).
    pub fn command_kind(&self) -> CommandKind {
        match self {
            Change::AgreementOpened { .. } => CommandKind::Open,
            Change::TargetProposed { .. } => CommandKind::Propose,
            Change::OfferMade { offer, .. } if offer.rebaseline.is_some() => {
                CommandKind::Rebaseline
            }
            Change::OfferMade { .. } => CommandKind::Counter,
            Change::OfferAccepted { .. } => CommandKind::Accept,
            Change::TargetDeclined { .. } => CommandKind::Decline,
            Change::TargetWithdrawn { .. } => CommandKind::Withdraw,
            Change::AgreementEndorsed => CommandKind::Endorse,
            Change::AgreementSubmitted => CommandKind::Submit,
            Change::AgreementReturned { .. } => CommandKind::Return,
            Change::AgreementSignedOff { .. } => CommandKind::SignOff,
            Change::RefreshOpened { .. } => CommandKind::OpenRefresh,
            Change::ActualRecorded { .. } => CommandKind::RecordActual,
            Change::DesignationRevoked { .. } => CommandKind::Revoke,
            Change::AgreementClosed => CommandKind::Close,
            Change::RequestRefused { .. } => CommandKind::RefuseRequest,
            Change::PrioritiesDeclared { .. } => CommandKind::DeclarePriorities,
            Change::RewardAssessed { .. } => CommandKind::RecordActual,
            Change::ExplanationLodged { .. } => CommandKind::LodgeExplanation,
            Change::AdviceRequested { .. } => CommandKind::RequestAdvice,
            Change::AdviceRecorded { .. } => CommandKind::RecordAdvice,
            Change::RebaselineApproved { .. } => CommandKind::ApproveRebaseline,
            Change::RebaselineRejected { .. } => CommandKind::RejectRebaseline,
            Change::ChampionAssigned { .. } => CommandKind::AssignChampion,
            Change::ChampionAssignmentEnded { .. } => CommandKind::EndChampion,
            Change::TargetCommented { .. } => CommandKind::Comment,
        }
    }

    /// The target the event concerns, if it concerns one.
    pub fn target(&self) -> Option<TargetId> {
        match self {
            Change::TargetProposed { target, .. }
            | Change::OfferMade { target, .. }
            | Change::OfferAccepted { target, .. }
            | Change::TargetDeclined { target, .. }
            | Change::TargetWithdrawn { target, .. }
            | Change::ActualRecorded { target, .. }
            | Change::RebaselineApproved { target, .. }
            | Change::RebaselineRejected { target, .. }
            | Change::TargetCommented { target, .. } => Some(*target),
            _ => None,
        }
    }

    /// True when the event changes the terms the area endorsed (and so voids the endorsement).
    pub fn changes_terms(&self) -> bool {
        matches!(
            self,
            Change::TargetProposed { .. }
                | Change::OfferMade { .. }
                | Change::OfferAccepted { .. }
                | Change::TargetDeclined { .. }
                | Change::TargetWithdrawn { .. }
                | Change::AgreementReturned { .. }
                | Change::RefreshOpened { .. }
                | Change::DesignationRevoked { .. }
                | Change::RebaselineApproved { .. }
        )
    }
}
