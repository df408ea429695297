//! Commands: what a principal asks the engine to do to one agreement.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{CommandKind, IndicatorRef, Priority, Rebaseline};
use crate::ids::{
    AreaCode, Department, FinancialYear, IndicatorNumber, RefreshId, Region, SetVersion, TargetId,
};
use crate::policy::RoundPolicy;
use crate::terms::Terms;

/// A request to change one agreement. Each variant is one method of the
/// API's `AgreementService`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Open the area's agreement for a round, bound to a published indicator
    /// set; the round's statutory targets are created with it. `region` is
    /// the area's region from the reference data.
    OpenAgreement {
        /// The area.
        area: AreaCode,
        /// The area's Government Office region.
        region: Region,
        /// The round's rules.
        policy: RoundPolicy,
        /// The indicator set version to bind.
        indicator_set: SetVersion,
    },
    /// Propose a new target with its first offer.
    ProposeTarget {
        /// The indicator: a National Indicator or a local one.
        indicator: IndicatorRef,
        /// The terms offered.
        terms: Terms,
        /// The argument for them.
        rationale: String,
        /// References to the evidence.
        evidence: Vec<String>,
        /// For a Government proposal, the department asking for it.
        department: Option<Department>,
        /// For a Government proposal in a round that limits Whitehall's
        /// priorities, the declared priority it serves (numbered from 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<u16>,
    },
    /// Answer the open offer with other terms, or make a fresh offer on a
    /// target that has none open (a statutory target awaiting terms, or an
    /// agreed target revisited at a refresh).
    CounterOffer {
        /// The target.
        target: TargetId,
        /// The terms offered.
        terms: Terms,
        /// The argument for them.
        rationale: String,
        /// References to the evidence.
        evidence: Vec<String>,
        /// The side will not sign without these terms.
        deal_breaker: bool,
        /// For a Government offer, the department it speaks for; `None`
        /// means the target's department.
        department: Option<Department>,
    },
    /// Accept the open offer: its terms become the agreed terms.
    AcceptOffer {
        /// The target.
        target: TargetId,
    },
    /// Decline a target the other side proposed.
    DeclineTarget {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
        /// The side will not sign an agreement that includes it.
        deal_breaker: bool,
    },
    /// Withdraw a target one's own side proposed.
    WithdrawTarget {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
    },
    /// The area endorses the current terms.
    EndorseAgreement,
    /// The Government Office recommends the agreement to Ministers.
    SubmitAgreement,
    /// Ministers return the agreement to the negotiation it came from.
    ReturnAgreement {
        /// Why.
        reason: String,
    },
    /// Ministers sign the agreement off.
    SignOffAgreement,
    /// Open a refresh round, optionally rebinding to a newer indicator set.
    OpenRefresh {
        /// The round, one of the policy's refresh rounds.
        round: RefreshId,
        /// A newer published set version to bind to.
        indicator_set: Option<SetVersion>,
    },
    /// Record a target's actual value for a year.
    RecordActual {
        /// The target.
        target: TargetId,
        /// The year.
        year: FinancialYear,
        /// The value.
        value: Decimal,
        /// Where it comes from.
        source: String,
    },
    /// Revoke the designation of one target, or of every designated target.
    RevokeDesignation {
        /// The target, or `None` for all.
        target: Option<TargetId>,
        /// Why.
        reason: String,
    },
    /// Close the agreement at the end of its period.
    CloseAgreement,
    /// Record that a Whitehall department asked the GO to carry an
    /// indicator in the agreement and the GO declined: on the record, not
    /// a target.
    RecordRefusedRequest {
        /// The indicator the department asked for.
        indicator: IndicatorNumber,
        /// The department that asked.
        department: Department,
        /// Why the GO declined to carry it.
        rationale: String,
    },
    /// Propose a new baseline and trajectory for a settled target after
    /// sign-off, because the measure changed; the other side accepts it
    /// with `AcceptOffer`, and the reward is then assessed against it (in a
    /// round whose policy asks for it, once Ministers approve it).
    ProposeRebaseline {
        /// The target.
        target: TargetId,
        /// The new terms (values).
        terms: Terms,
        /// Why: the measure changed.
        reason: Rebaseline,
        /// The argument for the new terms.
        rationale: String,
        /// References to the evidence.
        evidence: Vec<String>,
        /// For a Government offer, the department it speaks for; `None`
        /// means the target's department.
        department: Option<Department>,
    },
    /// The area explains its results on an indicator (a factory closed),
    /// to be shown beside its rank in the indicator's tournament.
    LodgeExplanation {
        /// The indicator, on which the agreement has a live target.
        indicator: IndicatorNumber,
        /// The explanation.
        explanation: String,
    },
    /// Ministers approve the re-baselining both sides accepted on a target:
    /// its terms become the agreed terms and the reward is assessed against them.
    ApproveRebaseline {
        /// The target.
        target: TargetId,
    },
    /// Ministers reject it: the terms agreed before stay in force.
    RejectRebaseline {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
    },
    /// Declare Whitehall's outcome priorities for the area, at the outset
    /// (before the Government's first proposal), in a round that limits them.
    DeclarePriorities {
        /// The priorities, at most the round's limit.
        priorities: Vec<Priority>,
    },
}

impl Command {
    /// The command's kind.
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::OpenAgreement { .. } => CommandKind::Open,
            Command::ProposeTarget { .. } => CommandKind::Propose,
            Command::CounterOffer { .. } => CommandKind::Counter,
            Command::AcceptOffer { .. } => CommandKind::Accept,
            Command::DeclineTarget { .. } => CommandKind::Decline,
            Command::WithdrawTarget { .. } => CommandKind::Withdraw,
            Command::EndorseAgreement => CommandKind::Endorse,
            Command::SubmitAgreement => CommandKind::Submit,
            Command::ReturnAgreement { .. } => CommandKind::Return,
            Command::SignOffAgreement => CommandKind::SignOff,
            Command::OpenRefresh { .. } => CommandKind::OpenRefresh,
            Command::RecordActual { .. } => CommandKind::RecordActual,
            Command::RevokeDesignation { .. } => CommandKind::Revoke,
            Command::CloseAgreement => CommandKind::Close,
            Command::RecordRefusedRequest { .. } => CommandKind::RefuseRequest,
            Command::DeclarePriorities { .. } => CommandKind::DeclarePriorities,
            Command::ProposeRebaseline { .. } => CommandKind::Rebaseline,
            Command::LodgeExplanation { .. } => CommandKind::LodgeExplanation,
            Command::ApproveRebaseline { .. } => CommandKind::ApproveRebaseline,
            Command::RejectRebaseline { .. } => CommandKind::RejectRebaseline,
        }
    }
}
