//! A failed command: its exit code, its stable reason, what went wrong and
//! what to do about it, printed as text or (under `--output json`) as one
//! JSON object on stderr.

use std::collections::BTreeMap;

use laa_core::Reason;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt;

/// The exit codes, one per kind of failure (documented in `laa --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Anything else, such as a broken history.
    Failure = 1,
    /// The command line or a field is malformed, or the server is not
    /// spoken to as the address says (TLS or not, gRPC or not).
    Usage = 2,
    /// Something named does not exist.
    NotFound = 3,
    /// A rule of the domain refused the command.
    Refused = 4,
    /// Someone changed the agreement meanwhile, or the thing exists already.
    Conflict = 5,
    /// No valid token, or the token's role or scope does not cover it, or
    /// the client certificate was refused.
    Denied = 6,
    /// The server could not be reached, did not answer in time, or is not
    /// trusted.
    Unavailable = 7,
}

/// The exit codes as `laa --help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure (such as a broken history)
  2  usage: a malformed command line or field, or a --server that is not
     a gRPC server spoken to as asked (TLS against http://, plaintext
     against https://, the web pages' or metrics' port)
  3  not found
  4  refused by a rule of the domain
  5  conflict: the agreement changed meanwhile (or already exists)
  6  unauthenticated or permission denied (a client certificate refused too)
  7  the server is unavailable, did not answer in time, or its
     certificate is not trusted (see --ca-cert)";

/// Why a command failed.
#[derive(Debug, Clone)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// The gRPC status code's name (`FAILED_PRECONDITION`), or `USAGE` for
    /// the client's own checks.
    pub code: String,
    /// The stable reason (`NOT_YOUR_TURN`).
    pub reason: String,
    /// What went wrong.
    pub message: String,
    /// The facts behind it (`ErrorInfo.metadata`).
    pub metadata: BTreeMap<String, String>,
    /// Malformed fields: (field, description).
    pub violations: Vec<(String, String)>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CliError {
    /// A failure of a kind with a reason and a message.
    pub fn new(exit: Exit, reason: &str, message: impl Into<String>) -> Self {
        Self {
            exit,
            code: match exit {
                Exit::Usage => "USAGE",
                Exit::NotFound => "NOT_FOUND",
                Exit::Denied => "UNAUTHENTICATED",
                Exit::Unavailable => "UNAVAILABLE",
                _ => "UNKNOWN",
            }
            .into(),
            reason: reason.into(),
            message: message.into(),
            metadata: BTreeMap::new(),
            violations: Vec::new(),
            hint: None,
        }
    }

    /// A malformed command line or field, caught before anything was sent.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, "USAGE", message)
    }

    /// Any other failure.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, "FAILURE", message)
    }

    /// The same error with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A failed call to `server`.
    pub fn from_status(status: &tonic::Status, server: &str) -> Self {
        let details = status.get_error_details();
        let info = details.error_info();
        let exit = exit_for(status.code());
        let code = code_name(status.code()).to_owned();
        let Some(info) = info else {
            // Not one of the server's answers: the transport's own failure.
            let cause = causes(status);
            let mut error = Self::new(exit, code_name(status.code()), cause.clone());
            error.code = code;
            if exit == Exit::Unavailable {
                error.message = format!("cannot reach the server at {server}: {cause}");
                error.hint = Some(
                    "start it with `laa serve`, or point --server (LAA_SERVER) at it; --connect-timeout and --timeout set how long to wait".into(),
                );
            }
            return error;
        };
        let metadata: BTreeMap<String, String> = info
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let violations = details
            .bad_request()
            .map(|b| {
                b.field_violations
                    .iter()
                    .map(|v| (v.field.clone(), v.description.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let hint = hint(&info.reason, &metadata);
        Self {
            exit,
            code,
            reason: info.reason.clone(),
            message: status.message().to_owned(),
            metadata,
            violations,
            hint: Some(hint),
        }
    }

    /// The error for people: `error: ... [REASON]`, the fields, a hint.
    pub fn text(&self) -> String {
        let mut text = format!("error: {} [{}]", self.message, self.reason);
        for (field, description) in &self.violations {
            text.push_str(&format!("\n  {field}: {description}"));
        }
        if let Some(hint) = &self.hint {
            text.push_str(&format!("\nhint: {hint}"));
        }
        text
    }

    /// The error for scripts: one JSON object.
    pub fn json(&self) -> String {
        json!({
            "error": {
                "code": self.code,
                "reason": self.reason,
                "message": self.message,
                "metadata": self.metadata,
                "violations": self.violations.iter()
                    .map(|(field, description)| json!({"field": field, "description": description}))
                    .collect::<Vec<_>>(),
                "hint": self.hint,
                "exit": self.exit as u8,
            }
        })
        .to_string()
    }
}

impl From<String> for CliError {
    /// A failure reported as text, such as "error: ...\nhint: ...".
    fn from(message: String) -> Self {
        let message = message.trim_start_matches("error: ");
        let (message, hint) = match message.split_once("\nhint: ") {
            Some((m, h)) => (m, Some(h.to_owned())),
            None => (message, None),
        };
        let mut error = Self::failure(crate::database::without_internals(message));
        error.hint = crate::database::missing_database_hint(message).or(hint);
        error
    }
}

/// The exit code for a status code.
pub fn exit_for(code: Code) -> Exit {
    match code {
        Code::InvalidArgument | Code::OutOfRange => Exit::Usage,
        Code::NotFound => Exit::NotFound,
        Code::FailedPrecondition => Exit::Refused,
        Code::Aborted | Code::AlreadyExists => Exit::Conflict,
        Code::Unauthenticated | Code::PermissionDenied => Exit::Denied,
        Code::Unavailable | Code::DeadlineExceeded => Exit::Unavailable,
        _ => Exit::Failure,
    }
}

/// A status code's canonical name.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The status's message and the chain of its causes, without repeats.
fn causes(status: &tonic::Status) -> String {
    let mut parts = vec![status.message().to_owned()];
    let mut source = std::error::Error::source(status);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text != "transport error" && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.retain(|p| !p.is_empty());
    parts.join(": ")
}

/// What to do about each stable reason (`Reason::hint`); a version
/// conflict also says which versions met.
fn hint(reason: &str, facts: &BTreeMap<String, String>) -> String {
    let fact = |k: &str| facts.get(k).cloned().unwrap_or_else(|| "?".into());
    match Reason::parse(reason) {
        Some(Reason::VersionConflict) => format!(
            "someone changed the agreement since version {} (it is now at version {}); nothing was overwritten: look at it again with `laa agreement show`, then repeat your command with --expected-version {}",
            fact("expected_version"),
            fact("actual_version"),
            fact("actual_version"),
        ),
        Some(reason) => reason.hint().unwrap_or("see the message above").into(),
        None => "see the message above".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_failure_has_its_own_exit_code() {
        let codes = [
            Code::InvalidArgument,
            Code::NotFound,
            Code::FailedPrecondition,
            Code::Aborted,
            Code::PermissionDenied,
            Code::Unavailable,
            Code::Internal,
        ];
        let mut exits: Vec<u8> = codes.iter().map(|c| exit_for(*c) as u8).collect();
        exits.sort_unstable();
        exits.dedup();
        assert_eq!(exits, vec![1, 2, 3, 4, 5, 6, 7]);
    }
}
