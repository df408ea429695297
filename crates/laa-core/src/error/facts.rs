//! What each [`DomainError`] tells a machine: its stable reason code,
//! its class (which the transport maps to a status) and the facts an
//! `ErrorInfo` carries.

use super::{DomainError, list};
use crate::agreement::IndicatorRef;
use crate::reason::Reason;

/// The kind of failure, which the transport maps to its status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A rule of the domain refused the command (`FAILED_PRECONDITION`).
    RuleViolation,
    /// The command's content is malformed (`INVALID_ARGUMENT`).
    InvalidInput,
    /// Something named does not exist (`NOT_FOUND`).
    NotFound,
    /// Something to be created exists (`ALREADY_EXISTS`).
    AlreadyExists,
    /// The caller's version is stale (`ABORTED`).
    Conflict,
    /// The principal may not do this (`PERMISSION_DENIED`).
    Forbidden,
}

impl DomainError {
    /// The stable reason code of the API contract (`ErrorInfo.reason`).
    pub fn reason(&self) -> Reason {
        use DomainError as E;
        match self {
            E::DesignatedCapReached { .. }
            | E::WhitehallPrioritiesExceeded { .. }
            | E::GovernmentTargetsExceeded { .. } => Reason::DesignatedCapReached,
            E::StatutoryTargetImmutable { .. } => Reason::StatutoryTargetImmutable,
            E::IndicatorNotActive { .. }
            | E::IndicatorSetNotPublished { .. }
            | E::IndicatorSetNotNewer { .. } => Reason::IndicatorNotActive,
            E::IndicatorUnknown { .. } => Reason::IndicatorUnknown,
            E::DuplicateIndicator { .. } => Reason::DuplicateIndicator,
            E::NotYourTurn { .. } => Reason::NotYourTurn,
            E::NoOpenOffer { .. } => Reason::NoOpenOffer,
            E::NoPendingRebaseline { .. } => Reason::NoPendingRebaseline,
            E::OccurredAtOutOfRange { .. } => Reason::OccurredAtOutOfRange,
            E::InvalidTerms { .. } => Reason::InvalidTerms,
            E::AgreementNotEditable { .. } | E::TargetNotEditable { .. } => {
                Reason::AgreementNotEditable
            }
            E::OpenOffersOutstanding { .. } => Reason::OpenOffersOutstanding,
            E::StatutoryTargetsIncomplete { .. } => Reason::StatutoryTargetsIncomplete,
            E::NotEndorsed => Reason::NotEndorsed,
            E::PlaceholdersOutstanding { .. } => Reason::PlaceholdersOutstanding,
            E::WithdrawnIndicatorsOutstanding { .. } => Reason::WithdrawnIndicatorsOutstanding,
            E::VersionConflict { .. } => Reason::VersionConflict,
            E::RoleNotPermitted { .. }
            | E::OutOfScope { .. }
            | E::AdministratorsOnly { .. }
            | E::BrokeringByChampionsOnly { .. }
            | E::NationalTargetsBySignOff { .. } => Reason::OutOfScope,
            E::AgreementNotFound { .. }
            | E::TargetNotFound { .. }
            | E::RefreshUnknown { .. }
            | E::IndicatorSetUnknown { .. } => Reason::NotFound,
            E::AgreementAlreadyOpen { .. } | E::RefreshAlreadyHeld { .. } => Reason::AlreadyExists,
            E::RefreshOutOfOrder { .. } => Reason::RefreshOutOfOrder,
            E::OutsideDeclaredPriorities { .. } => Reason::OutsideDeclaredPriorities,
            E::ConsultationOpen { .. } => Reason::ConsultationOpen,
            E::ConsultationClosed { .. } => Reason::ConsultationClosed,
            E::IndicatorSetExists { .. } => Reason::AlreadyExists,
            E::InvalidIndicatorSet { .. } | E::Invalid { .. } => Reason::InvalidArgument,
            E::Exists { .. } | E::AdviceAlreadyRecorded { .. } => Reason::AlreadyExists,
            E::AdviceRequestUnknown { .. } | E::ChampionNotAssigned { .. } => Reason::NotFound,
            E::RowsRefused { rows } => rows
                .first()
                .map_or(Reason::InvalidArgument, |r| r.error.reason()),
        }
    }

    /// The kind of failure.
    pub fn class(&self) -> ErrorClass {
        use DomainError as E;
        match self {
            E::InvalidTerms { .. }
            | E::IndicatorUnknown { .. }
            | E::InvalidIndicatorSet { .. }
            | E::Invalid { .. } => ErrorClass::InvalidInput,
            E::VersionConflict { .. } => ErrorClass::Conflict,
            E::RoleNotPermitted { .. }
            | E::OutOfScope { .. }
            | E::AdministratorsOnly { .. }
            | E::BrokeringByChampionsOnly { .. }
            | E::NationalTargetsBySignOff { .. } => ErrorClass::Forbidden,
            E::AgreementNotFound { .. }
            | E::TargetNotFound { .. }
            | E::RefreshUnknown { .. }
            | E::IndicatorSetUnknown { .. } => ErrorClass::NotFound,
            E::AgreementAlreadyOpen { .. }
            | E::RefreshAlreadyHeld { .. }
            | E::IndicatorSetExists { .. }
            | E::Exists { .. }
            | E::AdviceAlreadyRecorded { .. } => ErrorClass::AlreadyExists,
            E::AdviceRequestUnknown { .. } | E::ChampionNotAssigned { .. } => ErrorClass::NotFound,
            E::RowsRefused { rows } => rows
                .first()
                .map_or(ErrorClass::InvalidInput, |r| r.error.class()),
            _ => ErrorClass::RuleViolation,
        }
    }

    /// The facts behind the error as key/value pairs, for `ErrorInfo.metadata`.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        use DomainError as E;
        match self {
            E::DesignatedCapReached { cap, count } => {
                vec![("cap", cap.to_string()), ("count", count.to_string())]
            }
            E::WhitehallPrioritiesExceeded { limit, count } => {
                vec![
                    ("whitehall_priorities_limit", limit.to_string()),
                    ("count", count.to_string()),
                ]
            }
            E::GovernmentTargetsExceeded { limit, count } => {
                vec![
                    ("government_targets_limit", limit.to_string()),
                    ("count", count.to_string()),
                ]
            }
            E::StatutoryTargetImmutable { target, indicator } => {
                vec![
                    ("target", target.to_string()),
                    ("indicator", indicator.get().to_string()),
                ]
            }
            E::IndicatorNotActive { indicator, set } => {
                vec![
                    ("indicator", indicator.get().to_string()),
                    ("indicator_set", set.to_string()),
                ]
            }
            E::IndicatorSetNotPublished { set } => vec![("indicator_set", set.to_string())],
            E::IndicatorSetNotNewer { requested, bound } => {
                vec![
                    ("indicator_set", requested.to_string()),
                    ("bound_indicator_set", bound.to_string()),
                ]
            }
            E::IndicatorUnknown { indicator } => vec![("indicator", indicator.get().to_string())],
            E::IndicatorSetUnknown { set } => vec![("indicator_set", set.to_string())],
            E::DuplicateIndicator {
                indicator,
                existing,
            } => {
                // As every other reason names an indicator: its number
                // alone ("72", not "NI 72"); a local one by its code.
                let named = match indicator {
                    IndicatorRef::National(n) => ("indicator", n.get().to_string()),
                    IndicatorRef::Local { code, .. } => {
                        ("local_indicator", code.as_str().to_owned())
                    }
                };
                vec![named, ("existing_target", existing.to_string())]
            }
            E::NotYourTurn { target, side, .. } => {
                vec![("target", target.to_string()), ("side", side.to_string())]
            }
            E::NoOpenOffer { target } | E::NoPendingRebaseline { target } => {
                vec![("target", target.to_string())]
            }
            E::OccurredAtOutOfRange {
                occurred_at,
                bound,
                why,
            } => vec![
                ("occurred_at", occurred_at.to_rfc3339()),
                ("bound", bound.to_rfc3339()),
                ("why", (*why).to_owned()),
            ],
            E::InvalidTerms { field, problem } => {
                vec![("field", (*field).to_owned()), ("problem", problem.clone())]
            }
            E::AgreementNotEditable { status, command } => {
                vec![
                    ("status", status.to_string()),
                    ("command", command.to_string()),
                ]
            }
            E::TargetNotEditable {
                target,
                status,
                command,
            } => vec![
                ("target", target.to_string()),
                ("target_status", status.to_string()),
                ("command", command.to_string()),
            ],
            E::OpenOffersOutstanding { targets } => vec![("targets", list(targets))],
            E::StatutoryTargetsIncomplete { indicators } => {
                vec![(
                    "indicators",
                    indicators
                        .iter()
                        .map(|i| i.get().to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                )]
            }
            E::NotEndorsed => vec![],
            E::PlaceholdersOutstanding { round, targets } => {
                vec![("refresh", round.to_string()), ("targets", list(targets))]
            }
            E::WithdrawnIndicatorsOutstanding { set, targets } => {
                vec![
                    ("indicator_set", set.to_string()),
                    ("targets", list(targets)),
                ]
            }
            E::VersionConflict { expected, actual } => {
                vec![
                    ("expected_version", expected.to_string()),
                    ("actual_version", actual.to_string()),
                ]
            }
            E::RoleNotPermitted { role, command } => {
                vec![("role", role.to_string()), ("command", command.to_string())]
            }
            E::OutOfScope { scope } => vec![("scope", scope.to_string())],
            E::AdministratorsOnly { role, .. }
            | E::BrokeringByChampionsOnly { role }
            | E::NationalTargetsBySignOff { role } => vec![("role", role.to_string())],
            E::ChampionNotAssigned { champion } => vec![("champion", champion.clone())],
            E::AgreementNotFound { agreement } => vec![("agreement", agreement.to_string())],
            E::TargetNotFound { target, .. } => vec![("target", target.to_string())],
            E::RefreshUnknown { round, known } => {
                vec![("refresh", round.to_string()), ("known", known.clone())]
            }
            E::AgreementAlreadyOpen { agreement } => vec![("agreement", agreement.to_string())],
            E::RefreshAlreadyHeld { round } => vec![("refresh", round.to_string())],
            E::OutsideDeclaredPriorities { cited, declared } => vec![
                ("cited", cited.map(|c| c.to_string()).unwrap_or_default()),
                ("declared", declared.to_string()),
            ],
            E::RefreshOutOfOrder { round, earlier } => vec![
                ("refresh", round.to_string()),
                ("earlier", earlier.to_string()),
            ],
            E::ConsultationOpen { set, closes } => vec![
                ("indicator_set", set.to_string()),
                ("consultation_closes", closes.to_string()),
            ],
            E::ConsultationClosed { set, why } => vec![
                ("indicator_set", set.to_string()),
                ("why", (*why).to_owned()),
            ],
            E::IndicatorSetExists { set, .. } => vec![("indicator_set", set.to_string())],
            E::InvalidIndicatorSet { field, problem } | E::Invalid { field, problem } => {
                vec![("field", (*field).to_owned()), ("problem", problem.clone())]
            }
            E::Exists { what, key } => {
                vec![("resource", (*what).to_owned()), ("name", key.clone())]
            }
            E::AdviceRequestUnknown { request } | E::AdviceAlreadyRecorded { request } => {
                vec![("request", request.to_string())]
            }
            // The first refused row's facts (its reason is the error's),
            // its field named from the request, and every refused row's index.
            E::RowsRefused { rows } => {
                let mut facts: Vec<_> = rows
                    .first()
                    .map(|r| {
                        r.error
                            .facts()
                            .into_iter()
                            .map(|(k, v)| if k == "field" { (k, r.field()) } else { (k, v) })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(k, _)| *k != "rows")
                    .collect();
                facts.push((
                    "rows",
                    rows.iter()
                        .map(|r| r.row.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ));
                facts
            }
        }
    }
}

/// Every reason a [`DomainError`] can carry (the rest of [`Reason::ALL`]
/// comes from outside the domain: credentials, the store, the transport).
pub const REASONS: [Reason; 24] = [
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
    Reason::VersionConflict,
    Reason::OutOfScope,
    Reason::NotFound,
    Reason::AlreadyExists,
    Reason::OccurredAtOutOfRange,
    Reason::RefreshOutOfOrder,
    Reason::OutsideDeclaredPriorities,
    Reason::ConsultationOpen,
    Reason::ConsultationClosed,
];
