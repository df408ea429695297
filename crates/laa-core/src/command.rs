//! Commands: what a principal asks the engine to do to one agreement.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actor::Role;
use crate::agreement::{IndicatorRef, Priority, Rebaseline};
use crate::ids::{
    AreaCode, Department, FinancialYear, IndicatorNumber, RefreshId, Region, SetVersion, TargetId,
};
use crate::policy::RoundPolicy;
use crate::terms::Terms;

/// Declares [`Command`] and, from the same list, [`CommandKind`] (one kind
/// per command, named after it for the lifecycle tables), `CommandKind::ALL`,
/// `CommandKind::as_str` (the API's method name, the command's own),
/// `CommandKind::permitted` and [`PERMISSIONS`] (the roles declared after
/// `by`: who may issue it, beside the command) and `Command::kind`: a
/// command is written once.
macro_rules! commands {
    ($(
        $(#[$doc:meta])*
        $command:ident $({ $($fields:tt)* })? => $kind:ident by [$($role:ident),+],
    )*) => {
        /// A request to change one agreement. Each variant is one method of
        /// the API's `AgreementService`, and names its [`CommandKind`].
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Command {
            $(
                $(#[$doc])*
                $command $({ $($fields)* })?,
            )*
        }

        /// The kind of each command, for the lifecycle tables and
        /// authorisation: one per [`Command`], in its order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum CommandKind {
            $(
                $(#[$doc])*
                $kind,
            )*
        }

        impl CommandKind {
            /// Every command kind.
            pub const ALL: &[CommandKind] = &[$(CommandKind::$kind),*];

            /// The command's name, as in the API (`ProposeTarget`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CommandKind::$kind => stringify!($command),)*
                }
            }

            /// The roles that may issue the command (DOMAIN.md rule 10),
            /// declared with it; every other role is refused.
            pub fn permitted(self) -> &'static [Role] {
                match self {
                    $(CommandKind::$kind => &[$(Role::$role),+],)*
                }
            }
        }

        /// Which roles may issue each command (rule 10), in the order of
        /// [`CommandKind::ALL`]: the permissions declared beside each
        /// command, gathered for the documentation and the tests.
        pub const PERMISSIONS: &[(CommandKind, &[Role])] =
            &[$((CommandKind::$kind, &[$(Role::$role),+])),*];

        impl Command {
            /// The command's kind.
            pub fn kind(&self) -> CommandKind {
                match self {
                    $(Command::$command { .. } => CommandKind::$kind,)*
                }
            }
        }
    };
}

commands! {
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
    } => Open by [GoNegotiator],
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
    } => Propose by [GoNegotiator, AreaNegotiator],
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
    } => Counter by [GoNegotiator, AreaNegotiator],
    /// Accept the open offer: its terms become the agreed terms.
    AcceptOffer {
        /// The target.
        target: TargetId,
    } => Accept by [GoNegotiator, AreaNegotiator],
    /// Decline a target the other side proposed.
    DeclineTarget {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
        /// The side will not sign an agreement that includes it.
        deal_breaker: bool,
    } => Decline by [GoNegotiator, AreaNegotiator],
    /// Withdraw a target one's own side proposed.
    WithdrawTarget {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
    } => Withdraw by [GoNegotiator, AreaNegotiator],
    /// The area endorses the current terms.
    EndorseAgreement => Endorse by [AreaNegotiator],
    /// The Government Office recommends the agreement to Ministers.
    SubmitAgreement => Submit by [GoNegotiator],
    /// Ministers return the agreement to the negotiation it came from.
    ReturnAgreement {
        /// Why.
        reason: String,
    } => Return by [SignOff],
    /// Ministers sign the agreement off.
    SignOffAgreement => SignOff by [SignOff],
    /// Open a refresh round, optionally rebinding to a newer indicator set.
    OpenRefresh {
        /// The round, one of the policy's refresh rounds.
        round: RefreshId,
        /// A newer published set version to bind to.
        indicator_set: Option<SetVersion>,
    } => OpenRefresh by [GoNegotiator],
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
    } => RecordActual by [AreaNegotiator],
    /// Revoke the designation of one target, or of every designated target.
    RevokeDesignation {
        /// The target, or `None` for all.
        target: Option<TargetId>,
        /// Why.
        reason: String,
    } => Revoke by [SignOff],
    /// Close the agreement at the end of its period.
    CloseAgreement => Close by [SignOff],
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
    } => RefuseRequest by [GoNegotiator],
    /// The area asks a Whitehall department, through its Government Office,
    /// for advice on an indicator (recommendation 4), optionally about a
    /// target under negotiation.
    RequestAdvice {
        /// The indicator.
        indicator: IndicatorNumber,
        /// The department asked.
        department: Department,
        /// The question.
        question: String,
        /// The target it concerns, if any.
        target: Option<TargetId>,
    } => RequestAdvice by [AreaNegotiator],
    /// The Government Office, or a negotiating champion assigned to the
    /// agreement, records the department's answer to an open request for
    /// advice.
    RecordAdvice {
        /// The request's number.
        request: u32,
        /// The department's answer.
        answer: String,
    } => RecordAdvice by [GoNegotiator, Champion],
    /// Declare Whitehall's outcome priorities for the area, at the outset
    /// (before the Government's first proposal), in a round that limits them.
    DeclarePriorities {
        /// The priorities, at most the round's limit.
        priorities: Vec<Priority>,
    } => DeclarePriorities by [GoNegotiator],
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
    } => Rebaseline by [GoNegotiator, AreaNegotiator],
    /// The area explains its results on an indicator (a factory closed),
    /// to be shown beside its rank in the indicator's tournament.
    LodgeExplanation {
        /// The indicator, on which the agreement has a live target.
        indicator: IndicatorNumber,
        /// The explanation.
        explanation: String,
    } => LodgeExplanation by [AreaNegotiator],
    /// Ministers approve the re-baselining both sides accepted on a target:
    /// its terms become the agreed terms and the reward is assessed against them.
    ApproveRebaseline {
        /// The target.
        target: TargetId,
    } => ApproveRebaseline by [SignOff],
    /// Ministers reject it: the terms agreed before stay in force.
    RejectRebaseline {
        /// The target.
        target: TargetId,
        /// Why.
        reason: String,
    } => RejectRebaseline by [SignOff],
    /// Offer the terms of many targets at once (a spreadsheet uploaded):
    /// each row is decided, in order, as the `CounterOffer` on the live
    /// target of its indicator or, where there is none, the `ProposeTarget`
    /// of a new one, on the state the earlier rows left. All rows are
    /// recorded or none is.
    ImportTargets {
        /// The rows, in the order they are decided.
        rows: Vec<TargetRow>,
    } => Import by [GoNegotiator, AreaNegotiator],
    /// An administrator assigns a negotiating champion (recommendation 8)
    /// to the agreement: the principal may then read it, comment on its
    /// targets' threads, broker, and record advice in it.
    AssignChampion {
        /// The champion's principal, as their credential names them.
        champion: String,
        /// The Whitehall department the champion comes from.
        department: Department,
    } => AssignChampion by [Admin],
    /// An administrator ends a champion's assignment to the agreement.
    EndChampionAssignment {
        /// The champion's principal.
        champion: String,
        /// Why.
        reason: String,
    } => EndChampion by [Admin],
    /// A comment on a target's thread, which both sides and the champions
    /// read; a champion's may be marked brokering: a way through the
    /// sides' difference put to both of them.
    CommentOnTarget {
        /// The target.
        target: TargetId,
        /// The comment.
        text: String,
        /// A champion brokering between the sides.
        brokering: bool,
    } => Comment by [GoNegotiator, AreaNegotiator, Champion],
}

/// One row of [`Command::ImportTargets`]: the terms offered on one
/// indicator, and what a `ProposeTarget` or `CounterOffer` would say with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRow {
    /// The indicator: a National Indicator or a local one.
    pub indicator: IndicatorRef,
    /// The terms offered.
    pub terms: Terms,
    /// The argument for them.
    pub rationale: String,
    /// References to the evidence.
    pub evidence: Vec<String>,
    /// For a Government offer, the department it speaks for (required on a
    /// Government proposal; `None` on a counter-offer means the target's).
    pub department: Option<Department>,
    /// The side will not sign without these terms (a counter-offer only:
    /// a proposal's first offer cannot be one).
    pub deal_breaker: bool,
    /// For a Government proposal in a round that limits Whitehall's
    /// priorities, the declared priority it serves (numbered from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
}

/// The most rows one [`Command::ImportTargets`] may carry: more than any
/// agreement's targets (35 designated, 16 statutory and the local ones).
pub const MAX_IMPORT_ROWS: usize = 200;
