//! The checks every command shares on what people type: free text,
//! evidence references, and the department an offer names.

use crate::actor::Side;
use crate::departments;
use crate::error::DomainError;
use crate::ids::Department;

/// The longest rationale, reason or local title accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The most evidence references one offer may carry.
pub const MAX_EVIDENCE_ITEMS: usize = 50;
/// The longest evidence reference or source, in characters.
pub const MAX_REFERENCE_CHARS: usize = 2_000;

pub(super) fn invalid(field: &'static str, problem: impl Into<String>) -> DomainError {
    DomainError::InvalidTerms {
        field,
        problem: problem.into(),
    }
}

/// The first control character (Unicode category Cc: C0, DEL and C1) in
/// `text` that it may not hold: running text (a rationale, a reason, an
/// explanation) may hold line breaks and tabs, any other text none. The
/// server's edge refuses a request whose strings hold one, by this rule.
pub fn stray_control(text: &str, running_text: bool) -> Option<char> {
    text.chars()
        .find(|&c| c.is_control() && !(running_text && matches!(c, '\n' | '\r' | '\t')))
}

/// True when text holds a control character other than the line breaks
/// and tabs of running text (NUL, BEL, ESC, DEL...).
pub(super) fn has_stray_control(text: &str) -> bool {
    stray_control(text, true).is_some()
}

/// Checks free text: not blank, no control characters but line breaks and
/// tabs, not longer than [`MAX_TEXT_CHARS`].
pub(crate) fn required_text(field: &'static str, text: String) -> Result<String, DomainError> {
    let trimmed = text.trim();
    if trimmed.contains('\0') {
        return Err(invalid(
            field,
            format!("the {field} contains a NUL character"),
        ));
    }
    if has_stray_control(trimmed) {
        return Err(invalid(
            field,
            format!("the {field} contains a control character"),
        ));
    }
    if trimmed.is_empty() {
        return Err(invalid(field, format!("the {field} is required")));
    }
    if trimmed.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            field,
            format!("the {field} is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

pub(super) fn check_evidence(evidence: Vec<String>) -> Result<Vec<String>, DomainError> {
    if evidence.len() > MAX_EVIDENCE_ITEMS {
        return Err(invalid(
            "evidence",
            format!("at most {MAX_EVIDENCE_ITEMS} evidence references per offer"),
        ));
    }
    evidence
        .into_iter()
        .map(|e| {
            let e = e.trim().to_owned();
            if e.is_empty() || e.chars().any(char::is_control) || e.chars().count() > MAX_REFERENCE_CHARS {
                Err(invalid(
                    "evidence",
                    format!(
                        "each evidence reference must be 1 to {MAX_REFERENCE_CHARS} characters on one line"
                    ),
                ))
            } else {
                Ok(e)
            }
        })
        .collect()
}

/// A department named in an offer: only the Government side names one, and
/// it must be one of the reference list's codes (in any case), stored as
/// the canonical code.
pub(super) fn known_department(
    side: Side,
    department: Option<Department>,
) -> Result<Option<Department>, DomainError> {
    match (side, department) {
        (_, None) => Ok(None),
        (Side::Area, Some(_)) => Err(invalid(
            "department",
            "only the Government side names a requesting department",
        )),
        (Side::Government, Some(named)) => match departments::canonical(named.as_str()) {
            Some(known) => Ok(Some(known.code.clone())),
            None => Err(invalid(
                "department",
                format!(
                    "'{named}' is not a Whitehall department or agency; the valid codes are {}",
                    departments::valid_codes()
                ),
            )),
        },
    }
}
