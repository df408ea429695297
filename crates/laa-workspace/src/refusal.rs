//! A refused call as the workspace shows it.
//!
//! The engine answers a form exactly as it answers a gRPC call: a status
//! with one `ErrorInfo` (the reason from the one reason table,
//! `laa_core::Reason`) and, for malformed input, the fields at fault. This
//! module reads those back: the reason's plain words, the message, and the
//! form fields to link the error summary to, and the HTTP status that
//! stands for the gRPC code (a page refused to a role answers 403 where
//! gRPC answers PERMISSION_DENIED, 404 for NOT_FOUND).

use axum::http::StatusCode;
use laa_core::Reason;
use tonic::Code;
use tonic_types::StatusExt;

/// What the engine said no with.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The gRPC code.
    pub code: Code,
    /// The stable reason, if the status carried one.
    pub reason: Option<Reason>,
    /// The engine's message, in plain words.
    pub message: String,
    /// (field path, description) for each malformed field.
    pub fields: Vec<(String, String)>,
}

impl Refusal {
    /// Reads a status the engine answered.
    pub fn of(status: &tonic::Status) -> Self {
        let reason = status
            .get_details_error_info()
            .and_then(|info| Reason::parse(&info.reason));
        let fields = status
            .get_details_bad_request()
            .map(|bad| {
                bad.field_violations
                    .into_iter()
                    .map(|v| (v.field, v.description))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            code: status.code(),
            reason,
            message: status.message().to_owned(),
            fields,
        }
    }

    /// The HTTP status a page answers with for this refusal.
    pub fn http_status(&self) -> StatusCode {
        match self.code {
            Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Aborted | Code::AlreadyExists => StatusCode::CONFLICT,
            Code::ResourceExhausted => StatusCode::PAYLOAD_TOO_LARGE,
            Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// True when the agreement moved on since the form was drawn.
    pub fn is_conflict(&self) -> bool {
        self.reason == Some(Reason::VersionConflict)
    }
}

/// The form field a request field path names: `terms.values.trajectory[1].amount`
/// is the trajectory's second year, `terms.values.baseline.value` the
/// baseline, and otherwise the path's first segment (`rationale`,
/// `reason`, `indicator_number`).
pub fn form_field(path: &str, years: &[String]) -> String {
    let path = path
        .trim_start_matches("terms.values.")
        .trim_start_matches("terms.");
    if let Some(rest) = path.strip_prefix("trajectory[")
        && let Some((index, _)) = rest.split_once(']')
        && let Some(year) = index.parse::<usize>().ok().and_then(|i| years.get(i))
    {
        return format!("year-{year}");
    }
    if path.starts_with("baseline.period") {
        return "baseline_period".to_owned();
    }
    if path.starts_with("baseline") || path == "terms" || path == "values" {
        return "baseline".to_owned();
    }
    if path.starts_with("placeholder") {
        return "placeholder_reason".to_owned();
    }
    let first = path.split(['.', '[']).next().unwrap_or(path).to_owned();
    match first.as_str() {
        "local_indicator" => "local_title".to_owned(),
        "evidence" => "evidence".to_owned(),
        _ => first,
    }
}

#[cfg(test)]
mod tests {
    use super::form_field;

    #[test]
    fn request_fields_name_the_form_fields_they_came_from() {
        let years = vec!["2008-09".to_owned(), "2009-10".to_owned()];
        for (path, field) in [
            ("terms.values.trajectory[1].amount", "year-2009-10"),
            ("terms.values.baseline.value", "baseline"),
            ("terms.values.baseline.period", "baseline_period"),
            ("terms.values.unit", "unit"),
            ("terms.values", "baseline"),
            ("rationale", "rationale"),
            ("evidence[2]", "evidence"),
            ("indicator_number", "indicator_number"),
            ("local_indicator.title", "local_title"),
        ] {
            assert_eq!(form_field(path, &years), field, "{path}");
        }
    }
}
