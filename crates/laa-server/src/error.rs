//! The one mapping from the engine's errors to gRPC statuses.
//!
//! Every failure a handler can meet becomes an [`ApiError`], and
//! `impl From<ApiError> for Status` is the only place a status is built:
//! exactly one `ErrorInfo` (stable reason, domain `laa.v1`, the facts as
//! metadata) and, for malformed input, `BadRequest` field violations.
//!
//! It is also where every error is bounded: an offending value is quoted
//! by a short prefix at most (`laa_core::quote`), and whatever a path put
//! in a message, a fact or a violation is cut to a fixed length here, so the
//! whole status (message, details and metadata) stays under
//! [`MAX_STATUS_BYTES`] on the wire, far inside gRPC's 16 KiB header limit.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use laa_core::{DomainError, ErrorClass, Reason, quote};
use laa_store::StoreError;
use prost::Message;
use tonic::{Code, Status};
use tonic_types::pb::BadRequest;
use tonic_types::pb::bad_request::FieldViolation;

/// The `ErrorInfo.domain` of every error.
pub const ERROR_DOMAIN: &str = "laa.v1";

/// The most bytes an error status takes on the wire: `grpc-message`
/// (percent-encoded), `grpc-status-details-bin` (base64) and any other
/// metadata together.
pub const MAX_STATUS_BYTES: usize = 8 * 1024;
/// The longest status message, in bytes, before percent-encoding.
const MAX_MESSAGE_BYTES: usize = 512;
/// The longest `ErrorInfo.metadata` value, in bytes.
const MAX_FACT_BYTES: usize = 200;
/// The most `ErrorInfo.metadata` entries.
const MAX_FACTS: usize = 12;
/// The most `BadRequest` violations.
const MAX_VIOLATIONS: usize = 4;
/// The longest violation field name, in bytes.
const MAX_FIELD_BYTES: usize = 100;
/// The longest violation description, in bytes.
const MAX_DESCRIPTION_BYTES: usize = 300;

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
        reason: Reason,
        /// (field, description) pairs.
        violations: Vec<(String, String)>,
    },
    /// A resource named in the request does not exist.
    #[error("{what} {} was not found", quote(key))]
    NotFound {
        /// What kind of resource.
        what: &'static str,
        /// Its name.
        key: String,
    },
    /// The request's bytes are not the method's message (tonic could not
    /// decode them), or its frame is broken.
    #[error("the request is not a valid message for this method: {problem}")]
    Malformed {
        /// What the decoder found.
        problem: String,
    },
    /// The request is larger than the server accepts.
    #[error("the request is larger than the server accepts: {problem}")]
    TooLarge {
        /// What the decoder found.
        problem: String,
    },
    /// The request ran longer than the request timeout.
    #[error("the request did not finish within {} ms", limit.as_millis())]
    DeadlineExceeded {
        /// The timeout that ran out.
        limit: Duration,
    },
    /// The server is starting: its database is being opened (the schema
    /// and reference data prepared, perhaps by another process first).
    #[error(
        "the server is starting: its database is being prepared (schema and reference data); try again in a moment"
    )]
    Starting,
    /// Any other answer the transport gave without details (no such
    /// method, an unsupported encoding, an answer of the health service).
    #[error("{message}")]
    Transport {
        /// The code the transport answered.
        code: Code,
        /// Its message.
        message: String,
    },
}

impl ApiError {
    /// A malformed field.
    pub fn invalid(
        reason: Reason,
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
        Self::invalid(Reason::InvalidArgument, field, description)
    }

    /// The stable reason this error carries.
    pub fn reason(&self) -> Reason {
        match self {
            ApiError::Unauthenticated(_) => Reason::Unauthenticated,
            ApiError::Domain(e) => e.reason(),
            ApiError::Store(e) => e.reason().unwrap_or(match e {
                StoreError::InvalidArgument { .. } => Reason::InvalidArgument,
                _ => Reason::StoreUnavailable,
            }),
            ApiError::Invalid { reason, .. } => *reason,
            ApiError::NotFound { .. } => Reason::NotFound,
            ApiError::Malformed { .. } => Reason::MalformedRequest,
            ApiError::TooLarge { .. } => Reason::MessageTooLarge,
            ApiError::DeadlineExceeded { .. } => Reason::DeadlineExceeded,
            ApiError::Starting => Reason::Unavailable,
            ApiError::Transport { code, .. } => match code {
                Code::Unimplemented => Reason::Unimplemented,
                Code::NotFound => Reason::NotFound,
                Code::Unauthenticated => Reason::Unauthenticated,
                Code::Unavailable => Reason::Unavailable,
                _ => Reason::TransportError,
            },
        }
    }

    /// Reads an answer the transport gave without details: a decoding
    /// failure is the client's malformed request, a length over the limit
    /// a request too large.
    pub(crate) fn from_transport(code: Code, message: String) -> Self {
        match code {
            // tonic answers INTERNAL only for a request it could not decode
            // (bad bytes, a broken frame, a missing message): handlers never do.
            Code::Internal => ApiError::Malformed { problem: message },
            Code::OutOfRange | Code::ResourceExhausted => ApiError::TooLarge { problem: message },
            code => ApiError::Transport { code, message },
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
                StoreError::AlreadyExists { .. } => Code::AlreadyExists,
                StoreError::RequestIdReused { .. } => Code::InvalidArgument,
                StoreError::InvalidArgument { .. } => Code::InvalidArgument,
                StoreError::Corrupt { .. } | StoreError::HistoryBroken { .. } => Code::DataLoss,
                StoreError::Unprepared | StoreError::CannotOpen(_) => Code::Unavailable,
                StoreError::Database(_) | StoreError::NoRandomness { .. } => Code::Unavailable,
            },
            ApiError::Invalid { .. } | ApiError::Malformed { .. } => Code::InvalidArgument,
            ApiError::NotFound { .. } => Code::NotFound,
            ApiError::TooLarge { .. } => Code::ResourceExhausted,
            ApiError::DeadlineExceeded { .. } => Code::DeadlineExceeded,
            ApiError::Starting => Code::Unavailable,
            ApiError::Transport { code, .. } => *code,
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
            ApiError::Store(
                StoreError::Corrupt {
                    agreement,
                    sequence,
                    ..
                }
                | StoreError::HistoryBroken {
                    agreement,
                    first_bad_sequence: sequence,
                    ..
                },
            ) => vec![
                ("agreement".into(), agreement.clone()),
                ("sequence".into(), sequence.to_string()),
            ],
            ApiError::Invalid { violations, .. } => violations
                .iter()
                .map(|(f, _)| ("field".to_owned(), f.clone()))
                .take(1)
                .collect(),
            ApiError::DeadlineExceeded { limit } => {
                vec![("timeout_ms".into(), limit.as_millis().to_string())]
            }
            ApiError::Store(StoreError::RequestIdReused {
                first_command: Some(kind),
                ..
            }) => vec![("first_command".into(), kind.to_string())],
            _ => vec![],
        };
        pairs.into_iter().collect()
    }

    fn violations(&self) -> Vec<(String, String)> {
        match self {
            ApiError::Invalid { violations, .. } => violations.clone(),
            ApiError::Store(StoreError::RequestIdReused { .. }) => {
                vec![("request_id".into(), self.to_string())]
            }
            ApiError::Domain(e @ DomainError::InvalidTerms { field, problem })
                if e.class() == ErrorClass::InvalidInput =>
            {
                vec![((*field).to_owned(), problem.clone())]
            }
            ApiError::Domain(
                DomainError::InvalidIndicatorSet { field, problem }
                | DomainError::Invalid { field, problem },
            ) => {
                vec![((*field).to_owned(), problem.clone())]
            }
            ApiError::Domain(e @ DomainError::IndicatorUnknown { .. }) => {
                vec![("indicator_number".into(), e.to_string())]
            }
            ApiError::Domain(DomainError::RowsRefused { rows }) => rows
                .iter()
                .map(|r| (r.field(), format!("{}: {}", r.indicator, r.error)))
                .collect(),
            ApiError::Store(StoreError::InvalidArgument { field, problem }) => {
                vec![((*field).to_owned(), problem.clone())]
            }
            _ => vec![],
        }
    }
}

/// A request string holding a control character its field may not hold,
/// found by the codec before any handler ran: `INVALID_ARGUMENT` naming
/// the field's path in the request.
impl From<laa_proto::contract::StrayControl> for ApiError {
    fn from(stray: laa_proto::contract::StrayControl) -> Self {
        ApiError::bad_argument(stray.field.clone(), stray.to_string())
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Status {
        let code = error.code();
        if matches!(code, Code::Unavailable | Code::DataLoss)
            && !matches!(error, ApiError::Starting)
        {
            tracing::error!(%error, "request failed in the store");
        }
        let message = bounded(&error.to_string(), MAX_MESSAGE_BYTES);
        let mut facts: Vec<(String, String)> = error.facts().into_iter().collect();
        facts.sort();
        facts.truncate(MAX_FACTS);
        let info = OrderedErrorInfo {
            reason: error.reason().as_str().to_owned(),
            domain: ERROR_DOMAIN.to_owned(),
            metadata: facts
                .into_iter()
                .map(|(k, v)| (k, bounded(&v, MAX_FACT_BYTES)))
                .collect(),
        };
        let mut details = vec![prost_types::Any {
            type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
            value: info.encode_to_vec(),
        }];
        let violations: Vec<FieldViolation> = error
            .violations()
            .into_iter()
            .take(MAX_VIOLATIONS)
            .map(|(field, description)| FieldViolation {
                field: bounded(&field, MAX_FIELD_BYTES),
                description: bounded(&description, MAX_DESCRIPTION_BYTES),
                ..Default::default()
            })
            .collect();
        if !violations.is_empty() {
            details.push(prost_types::Any {
                type_url: "type.googleapis.com/google.rpc.BadRequest".into(),
                value: BadRequest {
                    field_violations: violations,
                }
                .encode_to_vec(),
            });
        }
        let encoded = tonic_types::pb::Status {
            code: code as i32,
            message: message.clone(),
            details,
        }
        .encode_to_vec();
        let status = Status::with_details(code, message, encoded.into());
        debug_assert!(wire_bytes(&status) <= MAX_STATUS_BYTES, "{status:?}");
        status
    }
}

/// `google.rpc.ErrorInfo` with its metadata in key order, so that an error
/// always encodes to the same bytes: two answers that say the same thing
/// are byte-identical (tonic-types' `ErrorInfo` keeps a `HashMap`, whose
/// order differs from one map to the next).
#[derive(Clone, PartialEq, prost::Message)]
struct OrderedErrorInfo {
    #[prost(string, tag = "1")]
    reason: String,
    #[prost(string, tag = "2")]
    domain: String,
    #[prost(btree_map = "string, string", tag = "3")]
    metadata: BTreeMap<String, String>,
}

/// `text` cut to at most `max` bytes on a character boundary, `…` marking a cut.
fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The bytes a status takes on the wire as headers: the percent-encoded
/// message, the base64 details, and its other metadata.
pub fn wire_bytes(status: &Status) -> usize {
    let message: usize = status
        .message()
        .bytes()
        .map(|b| {
            if (0x20..0x7f).contains(&b) && b != b'%' {
                1
            } else {
                3
            }
        })
        .sum();
    let details = status.details().len().div_ceil(3) * 4;
    let metadata: usize = status
        .metadata()
        .clone()
        .into_headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    message + details + metadata
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_about_a_huge_value_stays_small() {
        let huge = "x".repeat(1 << 20);
        for error in [
            ApiError::NotFound {
                what: "agreement",
                key: huge.clone(),
            },
            ApiError::Invalid {
                reason: Reason::InvalidArgument,
                violations: (0..20)
                    .map(|i| (huge.clone(), format!("{i}{huge}")))
                    .collect(),
            },
            ApiError::Malformed {
                problem: "é".repeat(1 << 18),
            },
            ApiError::Domain(DomainError::InvalidTerms {
                field: "rationale",
                problem: "\u{0}".repeat(1 << 16),
            }),
        ] {
            let status = Status::from(error);
            assert!(
                wire_bytes(&status) <= MAX_STATUS_BYTES,
                "{}",
                wire_bytes(&status)
            );
            assert!(status.message().len() <= MAX_MESSAGE_BYTES);
        }
    }

    #[test]
    fn one_error_always_encodes_to_the_same_bytes() {
        let make = || {
            Status::from(ApiError::Domain(DomainError::RoleNotPermitted {
                role: laa_core::Role::GoNegotiator,
                command: laa_core::CommandKind::SignOff,
            }))
        };
        let first = make();
        for _ in 0..50 {
            let again = make();
            assert_eq!(again.message(), first.message());
            assert_eq!(again.details(), first.details());
        }
        use tonic_types::StatusExt;
        let info = first
            .get_error_details()
            .error_info()
            .cloned()
            .expect("info");
        assert_eq!(info.reason, "OUT_OF_SCOPE");
        assert_eq!(info.metadata.len(), 2);
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(bounded("abc", 3), "abc");
        assert_eq!(bounded("abcdef", 5), "ab…");
        assert_eq!(bounded("ééé", 5), "é…");
    }
}
