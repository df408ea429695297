//! The request id a client sends with every command, so a retry is
//! answered with the first outcome instead of acting twice.

use std::fmt;

use crate::ids::ParseError;

/// A request id: 1 to [`RequestId::MAX_BYTES`] bytes of printable text,
/// surrounding whitespace trimmed. Parsed once at the edge; the store keys
/// idempotency on it with the principal and the command kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// The longest request id accepted, in bytes.
    pub const MAX_BYTES: usize = 200;

    /// Parses a request id: not blank, no control characters, at most
    /// [`Self::MAX_BYTES`] bytes once trimmed.
    pub fn new(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        if text.is_empty() || text.len() > Self::MAX_BYTES || text.chars().any(char::is_control) {
            return Err(ParseError::new(
                "request_id",
                format!(
                    "a request id is 1 to {} bytes of printable text",
                    Self::MAX_BYTES
                ),
            ));
        }
        Ok(RequestId(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_is_printable_text_within_the_limit() {
        assert_eq!(RequestId::new("  r-1 ").map(|r| r.0), Ok("r-1".to_owned()));
        assert!(RequestId::new("").is_err());
        assert!(RequestId::new(" \t ").is_err());
        assert!(RequestId::new("a\u{7}b").is_err());
        assert!(RequestId::new(&"x".repeat(RequestId::MAX_BYTES)).is_ok());
        assert!(RequestId::new(&"x".repeat(RequestId::MAX_BYTES + 1)).is_err());
    }
}
