//! Both lifecycles as data: the kinds of command, and the two transition
//! tables ([`AGREEMENT_LIFECYCLE`], [`TARGET_LIFECYCLE`]) that are the
//! single statement of which command may move which status where. `decide`
//! consults them and the property tests check that every accepted command
//! moved along one of their rows. (Re-exported from [`crate::agreement`].)

use std::fmt;

use crate::agreement::{AgreementStatus, TargetStatus};

pub use crate::command::CommandKind;

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a lifecycle table: from a status, a command may lead to any of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<S: 'static> {
    /// The statuses the command is accepted in.
    pub from: &'static [S],
    /// The command.
    pub command: CommandKind,
    /// The statuses it may lead to.
    pub to: &'static [S],
}

use AgreementStatus as A;
use CommandKind as C;

const NEGOTIATING: &[AgreementStatus] = &[A::Draft, A::RefreshOpen];
const SIGNED: &[AgreementStatus] = &[A::Placeholder, A::Agreed, A::Refreshed];
const IN_FORCE: &[AgreementStatus] = &[A::Placeholder, A::Agreed, A::RefreshOpen, A::Refreshed];
const OPEN: &[AgreementStatus] = &[
    A::Draft,
    A::RefreshOpen,
    A::Submitted,
    A::Placeholder,
    A::Agreed,
    A::Refreshed,
];

/// The agreement lifecycle, whole. Negotiating commands keep the status
/// they are made in; a return goes back to the status submission came from.
///
/// ```text
/// unopened --open--> draft --submit--> submitted --sign off--> placeholder | agreed
///                      ^                   |                        |
///                      +------return-------+                   open refresh
///                                          |                        v
///  refreshed | placeholder <--sign off-- submitted <--submit-- refresh_open
///  any signed-off status or refresh_open --close--> closed
///  any signed-off status --propose re-baseline, accept it--> (unchanged)
///  in force --Ministers approve or reject an accepted re-baselining--> (unchanged)
/// ```
#[rustfmt::skip]
pub const AGREEMENT_LIFECYCLE: &[Transition<AgreementStatus>] = &[
    Transition { from: &[A::Unopened], command: C::Open, to: &[A::Draft] },
    Transition { from: NEGOTIATING, command: C::Propose, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Counter, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Import, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Accept, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Decline, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Withdraw, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::Endorse, to: NEGOTIATING },
    Transition { from: NEGOTIATING, command: C::RefuseRequest, to: NEGOTIATING },
    Transition { from: &[A::Draft], command: C::DeclarePriorities, to: &[A::Draft] },
    Transition { from: NEGOTIATING, command: C::Submit, to: &[A::Submitted] },
    Transition { from: &[A::Submitted], command: C::Return, to: NEGOTIATING },
    Transition { from: &[A::Submitted], command: C::SignOff, to: SIGNED },
    Transition { from: SIGNED, command: C::OpenRefresh, to: &[A::RefreshOpen] },
    Transition { from: IN_FORCE, command: C::RecordActual, to: IN_FORCE },
    Transition { from: SIGNED, command: C::Rebaseline, to: SIGNED },
    Transition { from: SIGNED, command: C::Accept, to: SIGNED },
    Transition { from: IN_FORCE, command: C::LodgeExplanation, to: IN_FORCE },
    Transition { from: IN_FORCE, command: C::ApproveRebaseline, to: IN_FORCE },
    Transition { from: IN_FORCE, command: C::RejectRebaseline, to: IN_FORCE },
    Transition { from: IN_FORCE, command: C::Revoke, to: IN_FORCE },
    Transition { from: IN_FORCE, command: C::Close, to: &[A::Closed] },
    Transition { from: OPEN, command: C::RequestAdvice, to: OPEN },
    Transition { from: OPEN, command: C::RecordAdvice, to: OPEN },
    Transition { from: OPEN, command: C::AssignChampion, to: OPEN },
    Transition { from: OPEN, command: C::EndChampion, to: OPEN },
    Transition { from: OPEN, command: C::Comment, to: OPEN },
];

use TargetStatus as T;

const LIVE: &[TargetStatus] = &[T::Draft, T::Placeholder, T::Agreed, T::Refreshed];

/// The target lifecycle, whole. A proposal creates a target in `draft`
/// (the statutory targets are created in `draft` when the agreement opens);
/// a counter-offer on a settled target reopens it.
///
/// ```text
/// (proposed) -> draft --accept--> placeholder | agreed | refreshed --counter--> draft
/// draft | placeholder | agreed | refreshed --decline, withdraw, revoke--> withdrawn
/// agreed | refreshed --Ministers approve or reject its accepted re-baselining--> (unchanged)
/// ```
#[rustfmt::skip]
pub const TARGET_LIFECYCLE: &[Transition<TargetStatus>] = &[
    Transition { from: &[], command: C::Propose, to: &[T::Draft] },
    Transition { from: &[], command: C::Open, to: &[T::Draft] },
    Transition { from: LIVE, command: C::Counter, to: &[T::Draft] },
    Transition { from: &[T::Draft], command: C::Accept, to: &[T::Placeholder, T::Agreed, T::Refreshed] },
    Transition { from: &[T::Agreed, T::Refreshed], command: C::Rebaseline, to: &[T::Draft] },
    Transition { from: &[T::Agreed, T::Refreshed], command: C::ApproveRebaseline, to: &[T::Agreed, T::Refreshed] },
    Transition { from: &[T::Agreed, T::Refreshed], command: C::RejectRebaseline, to: &[T::Agreed, T::Refreshed] },
    Transition { from: LIVE, command: C::Decline, to: &[T::Withdrawn] },
    Transition { from: LIVE, command: C::Withdraw, to: &[T::Withdrawn] },
    Transition { from: LIVE, command: C::Revoke, to: &[T::Withdrawn] },
    Transition { from: LIVE, command: C::Comment, to: LIVE },
];

/// True when the table lets `command` act on an agreement in `status`.
pub fn agreement_accepts(status: AgreementStatus, command: CommandKind) -> bool {
    AGREEMENT_LIFECYCLE
        .iter()
        .any(|t| t.command == command && t.from.contains(&status))
}

/// True when the table lets `command` act on a target in `status`.
pub fn target_accepts(status: TargetStatus, command: CommandKind) -> bool {
    TARGET_LIFECYCLE
        .iter()
        .any(|t| t.command == command && t.from.contains(&status))
}
