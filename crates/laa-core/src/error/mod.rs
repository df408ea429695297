//! Every broken rule, with its message; `facts.rs` gives each its
//! stable reason code, its class and the facts an ErrorInfo carries.

mod facts;

pub use facts::{ErrorClass, REASONS};

use chrono::{DateTime, NaiveDate, Utc};

use crate::actor::{Role, Scope, Side};
use crate::agreement::{AgreementStatus, CommandKind, IndicatorRef, TargetStatus};
use crate::ids::{AgreementId, IndicatorNumber, RefreshId, SetVersion, TargetId};

/// Why `decide` refused a command. A refused command produces no events.
///
/// Each variant names one rule and carries the facts a person needs to act;
/// [`DomainError::reason`] gives its stable code from the API contract, and
/// [`DomainError::class`] the kind of failure (which the server maps to a
/// status code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Rule 1: the cap on designated targets is reached.
    #[error(
        "the agreement is at the round's cap on designated targets ({count} of {cap}, open offers included): withdraw one before proposing another"
    )]
    DesignatedCapReached {
        /// The cap.
        cap: u16,
        /// Live designated targets now.
        count: usize,
    },
    /// Recommendation 16 (policy): more outcome priorities declared than the round allows.
    #[error(
        "{count} priorities declared for this area, beyond the round's limit of {limit} Whitehall {}",
        if *limit == 1 { "priority" } else { "priorities" }
    )]
    WhitehallPrioritiesExceeded {
        /// The limit (`max_whitehall_priorities`).
        limit: u16,
        /// The priorities declared.
        count: usize,
    },
    /// Rule 1 (policy): the Government side has originated as many
    /// designated targets before the first sign-off as the round allows.
    #[error(
        "the Government side is at the round's limit on the designated targets it originates before the first sign-off ({count} of {limit})"
    )]
    GovernmentTargetsExceeded {
        /// The limit (`max_government_targets`).
        limit: u16,
        /// Government-originated live designated targets now.
        count: usize,
    },
    /// Rule 2: statutory targets cannot be withdrawn, declined or revoked.
    #[error(
        "target {target} ({indicator}) is statutory: it cannot be withdrawn, declined or revoked"
    )]
    StatutoryTargetImmutable {
        /// The target.
        target: TargetId,
        /// Its indicator.
        indicator: IndicatorNumber,
    },
    /// Rule 4: the indicator is not active in the bound set.
    #[error("{indicator} is not active in indicator set {set}: choose an active indicator")]
    IndicatorNotActive {
        /// The indicator.
        indicator: IndicatorNumber,
        /// The bound set.
        set: SetVersion,
    },
    /// Rule 4: the set is not published, so nothing can be bound to it.
    #[error("indicator set {set} is not published: only a published set can be bound")]
    IndicatorSetNotPublished {
        /// The set.
        set: SetVersion,
    },
    /// Rule 4: a refresh may only rebind to a newer set.
    #[error("indicator set {requested} is not newer than the bound set {bound}")]
    IndicatorSetNotNewer {
        /// The set asked for.
        requested: SetVersion,
        /// The set bound now.
        bound: SetVersion,
    },
    /// No such indicator in any set.
    #[error("{indicator} is not a National Indicator")]
    IndicatorUnknown {
        /// The number given.
        indicator: IndicatorNumber,
    },
    /// No such indicator set.
    #[error("there is no indicator set {set}")]
    IndicatorSetUnknown {
        /// The version given.
        set: SetVersion,
    },
    /// Rule 3: one live target per indicator.
    #[error("{indicator} already has target {existing} in this agreement")]
    DuplicateIndicator {
        /// The indicator.
        indicator: IndicatorRef,
        /// The live target on it.
        existing: TargetId,
    },
    /// Turn-taking: this side may not act on this target now.
    #[error("it is not the {side} side's turn on target {target}: {why}")]
    NotYourTurn {
        /// The target.
        target: TargetId,
        /// The side that tried.
        side: Side,
        /// Which turn rule applies.
        why: &'static str,
    },
    /// The command's `occurred_at` is in the future, before the agreement's
    /// latest event or its opening, or further back than the policy allows.
    #[error("the command cannot be dated {occurred_at}: {why} ({bound})")]
    OccurredAtOutOfRange {
        /// The date the command carried.
        occurred_at: DateTime<Utc>,
        /// The bound it crossed.
        bound: DateTime<Utc>,
        /// Which bound.
        why: &'static str,
    },
    /// There is no open offer to accept.
    #[error("target {target} has no open offer to accept")]
    NoOpenOffer {
        /// The target.
        target: TargetId,
    },
    /// Ministers were asked to decide a re-baselining that no one accepted
    /// (or that the round's policy does not put to them).
    #[error("target {target} has no accepted re-baselining awaiting Ministers' decision")]
    NoPendingRebaseline {
        /// The target.
        target: TargetId,
    },
    /// Rule 5, or malformed content: the terms (or the text around them) are not acceptable.
    #[error("invalid terms: {problem}")]
    InvalidTerms {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The agreement's status does not allow the command.
    #[error("{command} is not possible while the agreement is {status}")]
    AgreementNotEditable {
        /// The status.
        status: AgreementStatus,
        /// The command.
        command: CommandKind,
    },
    /// The target's status does not allow the command.
    #[error("{command} is not possible while target {target} is {status}")]
    TargetNotEditable {
        /// The target.
        target: TargetId,
        /// Its status.
        status: TargetStatus,
        /// The command.
        command: CommandKind,
    },
    /// Rule 6: offers are still open.
    #[error(
        "{} still {} open: accept, counter or withdraw {} first",
        counted(targets, "target", "targets"),
        if targets.len() == 1 { "has an offer" } else { "have offers" },
        if targets.len() == 1 { "it" } else { "them" }
    )]
    OpenOffersOutstanding {
        /// The targets with open offers.
        targets: Vec<TargetId>,
    },
    /// Rules 2 and 6: statutory targets lack agreed values.
    #[error("statutory targets {} have no agreed values yet", list(indicators))]
    StatutoryTargetsIncomplete {
        /// Their indicators.
        indicators: Vec<IndicatorNumber>,
    },
    /// Rule 6: the area has not endorsed the current terms.
    #[error(
        "the area has not endorsed the current terms: the area negotiator must endorse before submission"
    )]
    NotEndorsed,
    /// Rule 7: placeholders or deferred years due in this refresh remain.
    #[error(
        "targets {} still have placeholders or deferred years due in refresh {round}",
        list(targets)
    )]
    PlaceholdersOutstanding {
        /// The refresh.
        round: RefreshId,
        /// The targets.
        targets: Vec<TargetId>,
    },
    /// Rule 4: targets on indicators the newer set withdrew remain.
    #[error(
        "targets {} are on indicators withdrawn from set {set}: withdraw or replace them",
        list(targets)
    )]
    WithdrawnIndicatorsOutstanding {
        /// The bound set.
        set: SetVersion,
        /// The targets.
        targets: Vec<TargetId>,
    },
    /// Rule 9: the caller's version is stale.
    #[error("the agreement is at version {actual}, not {expected}: reload it and try again")]
    VersionConflict {
        /// The version the caller named.
        expected: u64,
        /// The version it is at.
        actual: u64,
    },
    /// Rule 10: this role may not issue this command.
    #[error("a principal with role {role} may not {command}")]
    RoleNotPermitted {
        /// The role.
        role: Role,
        /// The command.
        command: CommandKind,
    },
    /// Rule 10: the agreement lies outside the principal's scope.
    #[error("this agreement is outside your scope ({scope})")]
    OutOfScope {
        /// The principal's scope.
        scope: Scope,
    },
    /// Rule 10: administration is for administrators, and administrators do not read deal histories.
    #[error("{}", if *reads { "administrators manage reference data and credentials; they do not read agreements" } else { "only an administrator may do this" })]
    AdministratorsOnly {
        /// The principal's role.
        role: Role,
        /// True when an administrator tried to read an agreement.
        reads: bool,
    },
    /// Rule 10: a national target is proposed by the sign-off role
    /// (Ministers / CLG), for a department (recommendation 15).
    #[error("only sign-off (Ministers / CLG) may propose a national target, for a department")]
    NationalTargetsBySignOff {
        /// The principal's role.
        role: Role,
    },
    /// The agreement has not been opened.
    #[error("agreement {agreement} does not exist")]
    AgreementNotFound {
        /// The agreement.
        agreement: AgreementId,
    },
    /// No such target (or, for a revocation, no such designated target).
    #[error("agreement has no {what} {target}")]
    TargetNotFound {
        /// The number given.
        target: TargetId,
        /// What was looked for: `target` or `designated target`.
        what: &'static str,
    },
    /// No such refresh round in the policy.
    #[error("refresh '{round}' is not one of this round's refreshes ({known})")]
    RefreshUnknown {
        /// The round named.
        round: RefreshId,
        /// The rounds the policy has.
        known: String,
    },
    /// The agreement is already open.
    #[error("agreement {agreement} is already open")]
    AgreementAlreadyOpen {
        /// The agreement.
        agreement: AgreementId,
    },
    /// This refresh has already been held.
    #[error("refresh '{round}' has already been held for this agreement")]
    RefreshAlreadyHeld {
        /// The round.
        round: RefreshId,
    },
    /// A Government proposal in a round that limits Whitehall's priorities
    /// does not cite one of the priorities declared for the area.
    #[error(
        "a Government proposal in this round must cite {} (by number from 1){}",
        if *declared == 1 { "the one declared Whitehall priority".to_owned() } else { format!("one of the {declared} declared Whitehall priorities") },
        cited.map(|c| format!("; {c} is not one")).unwrap_or_default()
    )]
    OutsideDeclaredPriorities {
        /// The priority cited, if any.
        cited: Option<u16>,
        /// How many were declared.
        declared: usize,
    },
    /// An earlier refresh of the round's calendar has not been held and
    /// signed off (refreshes open in order: no 2010 before 2009).
    #[error("refresh '{round}' cannot open before refresh '{earlier}' is held and signed off")]
    RefreshOutOfOrder {
        /// The refresh asked for.
        round: RefreshId,
        /// The earliest refresh not yet held.
        earlier: RefreshId,
    },
    /// Rec. 17: a draft set cannot be published before its consultation
    /// window has passed.
    #[error(
        "indicator set {set} is under consultation until {closes}: it can be published from then"
    )]
    ConsultationOpen {
        /// The draft.
        set: SetVersion,
        /// The first day it can be published.
        closes: NaiveDate,
    },
    /// Rec. 17: comments are recorded only while a draft's consultation
    /// window is open.
    #[error("indicator set {set} is not under consultation: {why}")]
    ConsultationClosed {
        /// The set.
        set: SetVersion,
        /// Published, or the window has passed.
        why: &'static str,
    },
    /// A set version can be created, and published, once.
    #[error("indicator set {set} already exists{}", if *published { " and is published" } else { "" })]
    IndicatorSetExists {
        /// The set.
        set: SetVersion,
        /// True when the clash is publishing a published set.
        published: bool,
    },
    /// A request for advice the agreement does not hold.
    #[error("the agreement holds no request for advice number {request}")]
    AdviceRequestUnknown {
        /// The number given.
        request: u32,
    },
    /// An assignment ended or named that is not in force.
    #[error("{champion} is not a champion assigned to this agreement")]
    ChampionNotAssigned {
        /// The principal named.
        champion: String,
    },
    /// A brokering comment is a champion's.
    #[error("only a negotiating champion brokers; a {role} comments without brokering")]
    BrokeringByChampionsOnly {
        /// The role that asked to broker.
        role: crate::actor::Role,
    },
    /// A request for advice is answered once.
    #[error("the answer to request for advice {request} is recorded already")]
    AdviceAlreadyRecorded {
        /// The request.
        request: u32,
    },
    /// Reference data (a round, an area) names something that exists
    /// already, otherwise.
    #[error("the {what} {key} already exists")]
    Exists {
        /// What kind of thing.
        what: &'static str,
        /// Its name.
        key: String,
    },
    /// Reference data (a round's policy, an area) is malformed.
    #[error("{field}: {problem}")]
    Invalid {
        /// The request's field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// An import of targets refused whole, nothing recorded: the rows
    /// `decide` refused, each with its own refusal (at least one).
    #[error("{}", refused_rows(rows))]
    RowsRefused {
        /// The rows refused, in their order.
        rows: Vec<RowRefusal>,
    },
    /// A draft set's content is malformed: an edit names an indicator it
    /// cannot apply to, or a field is missing or out of range.
    #[error("invalid indicator set: {problem}")]
    InvalidIndicatorSet {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// One row of an import refused: its place in the command and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRefusal {
    /// Its index in the command's rows, from 0 (`rows[3]`).
    pub row: usize,
    /// The indicator it offers terms on.
    pub indicator: IndicatorRef,
    /// Why `decide` refused it.
    pub error: Box<DomainError>,
}

impl RowRefusal {
    /// The request field at fault, from the row: `rows[3].terms.values`,
    /// or `rows[3]` for a rule that names no field.
    pub fn field(&self) -> String {
        row_field(self.row, &self.error)
    }
}

/// The request field an import's row `row` refused with `error` names:
/// `rows[3].terms.values` for malformed content, `rows[3]` for a rule that
/// names no field.
pub fn row_field(row: usize, error: &DomainError) -> String {
    match error {
        DomainError::InvalidTerms { field, .. } | DomainError::Invalid { field, .. } => {
            format!("rows[{row}].{field}")
        }
        _ => format!("rows[{row}]"),
    }
}

fn refused_rows(rows: &[RowRefusal]) -> String {
    let each = rows
        .iter()
        .map(|r| format!("rows[{}] ({}): {}", r.row, r.indicator, r.error))
        .collect::<Vec<_>>()
        .join("; ");
    let count = rows.len();
    let rows_word = if count == 1 { "row" } else { "rows" };
    format!("{count} {rows_word} refused, so nothing was recorded: {each}")
}

/// `target 17`, or `targets 17, 18`: the noun in the list's number.
fn counted<T: std::fmt::Display>(items: &[T], one: &str, many: &str) -> String {
    format!(
        "{} {}",
        if items.len() == 1 { one } else { many },
        list(items)
    )
}

pub(crate) fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
