//! The store's one error type, and its stable reason codes.

use laa_core::Reason;
use sea_orm::DbErr;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Rule 9: the caller's expected version is stale; nothing was written.
    #[error(
        "the agreement is at version {actual}, not the expected {expected}: reload it and try again"
    )]
    VersionConflict {
        /// The version the caller named.
        expected: u64,
        /// The version the agreement is at.
        actual: u64,
    },
    /// AIP-155: the request id was applied to this agreement before, for
    /// another principal, another command or other fields; nothing was
    /// written.
    #[error(
        "this request id was already used on this agreement for a different request{}: send a fresh request id",
        first_command.map(|kind| format!(" ({kind})")).unwrap_or_default()
    )]
    RequestIdReused {
        /// The request id (not in the message: the caller sent it, and it
        /// may be long).
        request_id: String,
        /// The command it was first used for, when the same principal sent
        /// it (another principal's command is not theirs to learn).
        first_command: Option<laa_core::CommandKind>,
    },
    /// The thing asked for does not exist.
    #[error("{what} '{key}' was not found")]
    NotFound {
        /// What kind of thing: `agreement`, `area`, `token`...
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The thing to create exists already.
    #[error("{what} '{key}' already exists")]
    AlreadyExists {
        /// What kind of thing.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The input cannot be stored as given (a caller's mistake, not the data's).
    #[error("{field}: {problem}")]
    InvalidArgument {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A stored row cannot be read back as what it should be: the database
    /// was edited outside the store, or by an incompatible version.
    #[error("stored data is corrupt at sequence {sequence} of '{agreement}': {problem}")]
    Corrupt {
        /// The agreement whose rows are corrupt (or the table, for other rows).
        agreement: String,
        /// The event sequence concerned; 0 for a projection or reference row.
        sequence: u64,
        /// What could not be read.
        problem: String,
    },
    /// The agreement's history is known to be broken (a verification or
    /// the store found an event that is not what was appended): it refuses
    /// writes until an administrator restores it. Nothing was written.
    #[error(
        "the history of '{agreement}' is broken at sequence {first_bad_sequence} ({problem}): it takes no more writes until an administrator restores it"
    )]
    HistoryBroken {
        /// The agreement.
        agreement: String,
        /// The first sequence that is not what was appended.
        first_bad_sequence: u64,
        /// What was found there.
        problem: String,
    },
    /// The database has no laa schema, and the store was opened for an
    /// existing one only ([`crate::Schema::Existing`]): nothing was written.
    #[error("the database holds no laa schema")]
    Unprepared,
    /// The database could not be opened, and the driver's message quoted
    /// a secret of its URL: the message with every secret masked.
    #[error("{0}")]
    CannotOpen(String),
    /// The operating system gave no random bytes for a new credential:
    /// nothing was written.
    #[error("the operating system gave no random bytes: {problem}")]
    NoRandomness {
        /// What the operating system said.
        problem: String,
    },
    /// The database failed or refused the operation.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl StoreError {
    /// The API's stable reason code (API.md), where one applies.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            StoreError::VersionConflict { .. } => Some(Reason::VersionConflict),
            StoreError::NotFound { .. } => Some(Reason::NotFound),
            StoreError::AlreadyExists { .. } => Some(Reason::AlreadyExists),
            StoreError::RequestIdReused { .. } => Some(Reason::RequestIdReused),
            StoreError::HistoryBroken { .. } => Some(Reason::HistoryBroken),
            StoreError::InvalidArgument { .. }
            | StoreError::Unprepared
            | StoreError::CannotOpen(_)
            | StoreError::Corrupt { .. }
            | StoreError::NoRandomness { .. }
            | StoreError::Database(_) => None,
        }
    }

    pub(crate) fn corrupt(agreement: &str, sequence: u64, problem: impl Into<String>) -> Self {
        StoreError::Corrupt {
            agreement: agreement.to_owned(),
            sequence,
            problem: problem.into(),
        }
    }

    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        StoreError::InvalidArgument {
            field,
            problem: problem.into(),
        }
    }
}

/// True when a database error is a unique-key violation.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
