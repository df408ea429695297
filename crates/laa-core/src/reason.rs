//! The API's reason vocabulary: every `ErrorInfo.reason` the engine can
//! answer, once. The domain's errors, the store's, the server's edge and
//! the client's hints all name a [`Reason`]; the wire string and the gRPC
//! status each travels with are derived here, and a test holds
//! `docs/API.md`'s reason table to this list.

use std::fmt;

/// A stable reason code of the API contract (`google.rpc.ErrorInfo.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The agreement has the round's cap of live designated targets (or Whitehall's priorities limit).
    DesignatedCapReached,
    /// Withdrawing, declining or revoking a statutory target.
    StatutoryTargetImmutable,
    /// The indicator is not active in the bound set; the set is not published or not newer.
    IndicatorNotActive,
    /// No such National Indicator.
    IndicatorUnknown,
    /// The indicator already has a live target in the agreement.
    DuplicateIndicator,
    /// The other side must answer the open offer.
    NotYourTurn,
    /// Nothing to accept.
    NoOpenOffer,
    /// No accepted re-baselining awaits Ministers' decision on the target.
    NoPendingRebaseline,
    /// Malformed content of a command.
    InvalidTerms,
    /// The agreement's or target's status does not allow the command.
    AgreementNotEditable,
    /// Submitting while offers are open.
    OpenOffersOutstanding,
    /// Submitting while a statutory target has no agreed values.
    StatutoryTargetsIncomplete,
    /// Submitting without the area's endorsement.
    NotEndorsed,
    /// A placeholder or deferred year due in the refresh remains.
    PlaceholdersOutstanding,
    /// Targets on indicators the new set withdrew remain.
    WithdrawnIndicatorsOutstanding,
    /// The command's date is out of range.
    OccurredAtOutOfRange,
    /// A Government proposal does not cite a declared priority.
    OutsideDeclaredPriorities,
    /// An earlier refresh of the calendar has not been held and signed off.
    RefreshOutOfOrder,
    /// Publishing an indicator set before its consultation window has passed.
    ConsultationOpen,
    /// Commenting on an indicator set outside its consultation window.
    ConsultationClosed,
    /// The caller's expected version is stale.
    VersionConflict,
    /// The role or scope does not cover the request.
    OutOfScope,
    /// Something named does not exist.
    NotFound,
    /// Something to be created exists.
    AlreadyExists,
    /// The request id was already used on the agreement for a different request.
    RequestIdReused,
    /// No, unknown, revoked or expired credential.
    Unauthenticated,
    /// A malformed resource name, page token, page size, version or request id.
    InvalidArgument,
    /// The database failed, or holds data that cannot be valid.
    StoreUnavailable,
    /// The agreement's history is known to be broken.
    HistoryBroken,
    /// The request's bytes are not the method's message.
    MalformedRequest,
    /// The request is over the size limit.
    MessageTooLarge,
    /// The request ran longer than the request timeout.
    DeadlineExceeded,
    /// No such method, or an unsupported compression.
    Unimplemented,
    /// The server is not serving (shutting down, or its database unreachable for the health service).
    Unavailable,
    /// Any other answer the transport gives on its own.
    TransportError,
}

/// The gRPC status codes, by name, a reason travels with.
mod status {
    pub const FAILED_PRECONDITION: &str = "FAILED_PRECONDITION";
    pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const ALREADY_EXISTS: &str = "ALREADY_EXISTS";
    pub const ABORTED: &str = "ABORTED";
    pub const PERMISSION_DENIED: &str = "PERMISSION_DENIED";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const DATA_LOSS: &str = "DATA_LOSS";
    pub const RESOURCE_EXHAUSTED: &str = "RESOURCE_EXHAUSTED";
    pub const DEADLINE_EXCEEDED: &str = "DEADLINE_EXCEEDED";
    pub const UNIMPLEMENTED: &str = "UNIMPLEMENTED";
}

impl Reason {
    /// Every reason, in the order of `docs/API.md`'s table.
    pub const ALL: [Reason; 35] = [
        Reason::DesignatedCapReached,
        Reason::StatutoryTargetImmutable,
        Reason::IndicatorNotActive,
        Reason::IndicatorUnknown,
        Reason::DuplicateIndicator,
        Reason::NotYourTurn,
        Reason::NoOpenOffer,
        Reason::NoPendingRebaseline,
        Reason::InvalidTerms,
        Reason::AgreementNotEditable,
        Reason::OpenOffersOutstanding,
        Reason::StatutoryTargetsIncomplete,
        Reason::NotEndorsed,
        Reason::PlaceholdersOutstanding,
        Reason::WithdrawnIndicatorsOutstanding,
        Reason::OccurredAtOutOfRange,
        Reason::OutsideDeclaredPriorities,
        Reason::RefreshOutOfOrder,
        Reason::ConsultationOpen,
        Reason::ConsultationClosed,
        Reason::VersionConflict,
        Reason::OutOfScope,
        Reason::NotFound,
        Reason::AlreadyExists,
        Reason::RequestIdReused,
        Reason::Unauthenticated,
        Reason::InvalidArgument,
        Reason::StoreUnavailable,
        Reason::HistoryBroken,
        Reason::MalformedRequest,
        Reason::MessageTooLarge,
        Reason::DeadlineExceeded,
        Reason::Unimplemented,
        Reason::Unavailable,
        Reason::TransportError,
    ];

    /// The wire string (`ErrorInfo.reason`).
    pub fn as_str(self) -> &'static str {
        use Reason as R;
        match self {
            R::DesignatedCapReached => "DESIGNATED_CAP_REACHED",
            R::StatutoryTargetImmutable => "STATUTORY_TARGET_IMMUTABLE",
            R::IndicatorNotActive => "INDICATOR_NOT_ACTIVE",
            R::IndicatorUnknown => "INDICATOR_UNKNOWN",
            R::DuplicateIndicator => "DUPLICATE_INDICATOR",
            R::NotYourTurn => "NOT_YOUR_TURN",
            R::NoOpenOffer => "NO_OPEN_OFFER",
            R::NoPendingRebaseline => "NO_PENDING_REBASELINE",
            R::InvalidTerms => "INVALID_TERMS",
            R::AgreementNotEditable => "AGREEMENT_NOT_EDITABLE",
            R::OpenOffersOutstanding => "OPEN_OFFERS_OUTSTANDING",
            R::StatutoryTargetsIncomplete => "STATUTORY_TARGETS_INCOMPLETE",
            R::NotEndorsed => "NOT_ENDORSED",
            R::PlaceholdersOutstanding => "PLACEHOLDERS_OUTSTANDING",
            R::WithdrawnIndicatorsOutstanding => "WITHDRAWN_INDICATORS_OUTSTANDING",
            R::OccurredAtOutOfRange => "OCCURRED_AT_OUT_OF_RANGE",
            R::OutsideDeclaredPriorities => "OUTSIDE_DECLARED_PRIORITIES",
            R::RefreshOutOfOrder => "REFRESH_OUT_OF_ORDER",
            R::ConsultationOpen => "CONSULTATION_OPEN",
            R::ConsultationClosed => "CONSULTATION_CLOSED",
            R::VersionConflict => "VERSION_CONFLICT",
            R::OutOfScope => "OUT_OF_SCOPE",
            R::NotFound => "NOT_FOUND",
            R::AlreadyExists => "ALREADY_EXISTS",
            R::RequestIdReused => "REQUEST_ID_REUSED",
            R::Unauthenticated => "UNAUTHENTICATED",
            R::InvalidArgument => "INVALID_ARGUMENT",
            R::StoreUnavailable => "STORE_UNAVAILABLE",
            R::HistoryBroken => "HISTORY_BROKEN",
            R::MalformedRequest => "MALFORMED_REQUEST",
            R::MessageTooLarge => "MESSAGE_TOO_LARGE",
            R::DeadlineExceeded => "DEADLINE_EXCEEDED",
            R::Unimplemented => "UNIMPLEMENTED",
            R::Unavailable => "UNAVAILABLE",
            R::TransportError => "TRANSPORT_ERROR",
        }
    }

    /// The reason a wire string names, if any.
    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The gRPC status codes, by name, this reason travels with (empty for
    /// [`Reason::TransportError`], which keeps whatever the transport said).
    pub fn statuses(self) -> &'static [&'static str] {
        use Reason as R;
        use status::*;
        match self {
            R::IndicatorUnknown
            | R::InvalidTerms
            | R::InvalidArgument
            | R::RequestIdReused
            | R::MalformedRequest => &[INVALID_ARGUMENT],
            R::VersionConflict => &[ABORTED],
            R::OutOfScope => &[PERMISSION_DENIED],
            R::NotFound => &[NOT_FOUND],
            R::AlreadyExists => &[ALREADY_EXISTS],
            R::Unauthenticated => &[UNAUTHENTICATED],
            R::StoreUnavailable => &[UNAVAILABLE, DATA_LOSS],
            R::HistoryBroken => &[DATA_LOSS],
            R::MessageTooLarge => &[RESOURCE_EXHAUSTED],
            R::DeadlineExceeded => &[DEADLINE_EXCEEDED],
            R::Unimplemented => &[UNIMPLEMENTED],
            R::Unavailable => &[UNAVAILABLE],
            R::TransportError => &[],
            R::DesignatedCapReached
            | R::StatutoryTargetImmutable
            | R::IndicatorNotActive
            | R::DuplicateIndicator
            | R::NotYourTurn
            | R::NoOpenOffer
            | R::NoPendingRebaseline
            | R::AgreementNotEditable
            | R::OpenOffersOutstanding
            | R::StatutoryTargetsIncomplete
            | R::NotEndorsed
            | R::PlaceholdersOutstanding
            | R::WithdrawnIndicatorsOutstanding
            | R::OccurredAtOutOfRange
            | R::OutsideDeclaredPriorities
            | R::RefreshOutOfOrder
            | R::ConsultationOpen
            | R::ConsultationClosed => &[FAILED_PRECONDITION],
        }
    }

    /// What to do next, in a sentence, for the reasons a person can act on
    /// (the client prints it under the error).
    pub fn hint(self) -> Option<&'static str> {
        use Reason as R;
        Some(match self {
            R::DesignatedCapReached => {
                "withdraw or decline a designated target first (the cap counts open offers)"
            }
            R::StatutoryTargetImmutable => {
                "statutory targets stay; counter-offer their terms instead"
            }
            R::IndicatorNotActive => {
                "choose an indicator active in the agreement's set (`laa indicator list --set N`)"
            }
            R::IndicatorUnknown => "check the number with `laa indicator list`",
            R::DuplicateIndicator => {
                "counter-offer on the existing target instead (`laa agreement show`)"
            }
            R::NotYourTurn => {
                "the other side must answer this offer: wait for it, or act as the other side"
            }
            R::NoOpenOffer => "there is nothing to accept: make an offer with `laa target counter`",
            R::NoPendingRebaseline => {
                "Ministers decide a re-baselining only once both sides have accepted it (`laa agreement show`)"
            }
            R::InvalidTerms | R::InvalidArgument => "fix the field named above and send again",
            R::AgreementNotEditable => {
                "check the agreement's status with `laa agreement show`; after sign-off, terms change only in a refresh"
            }
            R::OpenOffersOutstanding => "accept, counter or withdraw the targets listed first",
            R::StatutoryTargetsIncomplete => "agree values for every statutory target first",
            R::NotEndorsed => {
                "the area negotiator must run `laa agreement endorse` after the last change"
            }
            R::PlaceholdersOutstanding => {
                "agree values for the placeholders and deferred years due in this refresh"
            }
            R::WithdrawnIndicatorsOutstanding => {
                "withdraw or replace the targets on indicators the new set withdrew"
            }
            R::OutOfScope => {
                "your token's role or scope does not cover this; ask an administrator for the right token"
            }
            R::NotFound => "check the name (`laa agreement list`, `laa area list`)",
            R::AlreadyExists => "it exists already: use it (`laa agreement show`)",
            R::RequestIdReused => {
                "a request id names one request: send this one with a fresh --request-id (or none, and the CLI makes one)"
            }
            R::Unauthenticated => {
                "set LAA_TOKEN to a valid token (`laa token issue` on the server's database)"
            }
            R::StoreUnavailable => {
                "the server's database failed: try again later (a change may be repeated safely with the same --request-id)"
            }
            R::DeadlineExceeded => {
                "the server may or may not have made the change: repeat the command with the same --request-id to find out"
            }
            R::Unavailable => "the server is not serving now: try again shortly",
            R::ConsultationOpen => {
                "publish once the consultation window has passed (`laa indicator set show`)"
            }
            R::ConsultationClosed => "comments are taken only while a draft is under consultation",
            _ => return None,
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reason equals its wire string, so tests and clients can compare a
/// [`Reason`] with the text they read.
impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_listed_once_and_reads_back() {
        let mut seen = std::collections::BTreeSet::new();
        for reason in Reason::ALL {
            assert!(seen.insert(reason), "{reason} twice");
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::parse("NO_SUCH_REASON"), None);
    }
}
