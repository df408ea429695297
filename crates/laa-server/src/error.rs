//! The one mapping from the engine's errors to gRPC statuses.
//!
//! Every failure a handler can meet becomes an [`ApiError`], and
//! `impl From<ApiError> for Status` is the only place a status is built:
//! exactly one `ErrorInfo` (stable reason, domain `laa.v1`, the facts as
//! metadata) and, for malformed input, `BadRequest` field violations.

use std::collections::HashMap;

use laa_core::{DomainError, ErrorClass};
use laa_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `ErrorInfo.domain` of every error.
pub const ERROR_DOMAIN: &str = "laa.v1";

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credential, or one the server does not know.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A rule of the domain refused the request.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request is malformed: each violation names a field.
    #[error("{}", violations.iter().map(|(f, d)| format!("{f}: {d}")).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The stable reason (`INVALID_TERMS`, `INDICATOR_UNKNOWN`, `INVALID_ARGUMENT`).
        reason: &'static str,
        /// (field, description) pairs.
        violations: Vec<(String, String)>,
    },
    /// A request id already used on the agreement by another principal or for another command.
    #[error(
        "request id '{request_id}' was already used on this agreement for a different request: send a fresh request id"
    )]
    RequestIdReused {
        /// The request id.
        request_id: String,
    },
    /// A resource named in the request does not exist.
    #[error("{what} '{key}' was not found")]
    NotFound {
        /// What kind of resource.
        what: &'static str,
        /// Its name.
        key: String,
    },
}

impl ApiError {
    /// A malformed field.
    pub fn invalid(
        reason: &'static str,
        field: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        ApiError::Invalid {
            reason,
            violations: vec![(field.into(), description.into())],
        }
    }

    /// A malformed field that is not part of a target's terms.
    pub fn bad_argument(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::invalid("INVALID_ARGUMENT", field, description)
    }

    /// The stable reason this error carries.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Domain(e) => e.reason(),
            ApiError::Store(e) => e.reason().unwrap_or(match e {
                StoreError::InvalidArgument { .. } => "INVALID_ARGUMENT",
                _ => "STORE_UNAVAILABLE",
            }),
            ApiError::Invalid { reason, .. } => reason,
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::RequestIdReused { .. } => "ALREADY_EXISTS",
        }
    }

    fn code(&self) -> Code {
        match self {
            ApiError::Unauthenticated(_) => Code::Unauthenticated,
            ApiError::Domain(e) => match e.class() {
                ErrorClass::RuleViolation => Code::FailedPrecondition,
                ErrorClass::InvalidInput => Code::InvalidArgument,
                ErrorClass::NotFound => Code::NotFound,
                ErrorClass::AlreadyExists => Code::AlreadyExists,
                ErrorClass::Conflict => Code::Aborted,
                ErrorClass::Forbidden => Code::PermissionDenied,
            },
            ApiError::Store(e) => match e {
                StoreError::VersionConflict { .. } => Code::Aborted,
                StoreError::NotFound { .. } => Code::NotFound,
                StoreError::AlreadyExists { .. } | StoreError::RequestIdReused { .. } => {
                    Code::AlreadyExists
                }
                StoreError::InvalidArgument { .. } => Code::InvalidArgument,
                StoreError::Corrupt { .. } => Code::DataLoss,
                StoreError::Database(_) => Code::Unavailable,
            },
            ApiError::Invalid { .. } => Code::InvalidArgument,
            ApiError::NotFound { .. } => Code::NotFound,
            ApiError::RequestIdReused { .. } => Code::AlreadyExists,
        }
    }

    fn facts(&self) -> HashMap<String, String> {
        let pairs: Vec<(String, String)> = match self {
            ApiError::Domain(e) => e
                .facts()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ApiError::Store(StoreError::VersionConflict { expected, actual }) => vec![
                ("expected_version".into(), expected.to_string()),
                ("actual_version".into(), actual.to_string()),
            ],
            ApiError::Store(
                StoreError::NotFound { what, key } | StoreError::AlreadyExists { what, key },
            )
            | ApiError::NotFound { what, key } => vec![
                ("resource".into(), (*what).into()),
                ("name".into(), key.clone()),
            ],
            ApiError::Store(StoreError::Corrupt {
                agreement,
                sequence,
                ..
            }) => vec![
                ("agreement".into(), agreement.clone()),
                ("sequence".into(), sequence.to_string()),
            ],
            ApiError::Invalid { violations, .. } => violations
                .iter()
                .map(|(f, _)| ("field".to_owned(), f.clone()))
                .take(1)
                .collect(),
            _ => vec![],
        };
        pairs.into_iter().collect()
    }

    fn violations(&self) -> Vec<(String, String)> {
        match self {
            ApiError::Invalid { violations, .. } => violations.clone(),
            ApiError::RequestIdReused { .. }
            | ApiError::Store(StoreError::RequestIdReused { .. }) => {
                vec![("request_id".into(), self.to_string())]
            }
            ApiError::Domain(e @ DomainError::InvalidTerms { field, problem })
                if e.class() == ErrorClass::InvalidInput =>
            {
                vec![((*field).to_owned(), problem.clone())]
            }
            ApiError::Domain(e @ DomainError::IndicatorUnknown { .. }) => {
                vec![("indicator_number".into(), e.to_string())]
            }
            ApiError::Store(StoreError::InvalidArgument { field, problem }) => {
                vec![((*field).to_owned(), problem.clone())]
            }
            _ => vec![],
        }
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Status {
        let code = error.code();
        if matches!(code, Code::Unavailable | Code::DataLoss) {
            tracing::error!(%error, "request failed in the store");
        }
        let mut details =
            ErrorDetails::with_error_info(error.reason(), ERROR_DOMAIN, error.facts());
        for (field, description) in error.violations() {
            details.add_bad_request_violation(field, description);
        }
        Status::with_error_details(code, error.to_string(), details)
    }
}
