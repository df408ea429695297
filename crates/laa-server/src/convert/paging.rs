//! Page tokens, page sizes and the positions they carry.

use laa_store::PageLimits;

use crate::error::ApiError;

/// An opaque page token: `v1:` and the position to resume after.
pub fn page_token(position: &str) -> String {
    format!("v1:{position}")
}

/// Reads a page token (empty: the first page): `v1:` and the position
/// this server issued, which `position` parses (an agreement id, an area
/// code, a sequence or an offset). Anything else is refused here, before
/// any query sees it.
pub fn parse_page_token<T>(
    token: &str,
    position: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    token
        .strip_prefix("v1:")
        .filter(|rest| !rest.is_empty() && rest.len() <= 64)
        .and_then(position)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_argument(
                "page_token",
                "not a page token this server issued; start again with an empty page_token",
            )
        })
}

/// A page token's position that is a number of 1 or more.
pub fn numeric_position<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Option<T> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<T>().ok().filter(|n| *n >= T::from(1))
}

/// A first sequence to read from: 0 (the default) or 1 reads from the
/// start; a negative one is refused.
pub fn from_sequence(from: i64) -> Result<u64, ApiError> {
    u64::try_from(from)
        .map(|n| n.max(1))
        .map_err(|_| ApiError::bad_argument("from_sequence", "must be 0 or more"))
}

/// A page size within the listing's limits (0 means its default).
pub fn page_size(size: i32, limits: PageLimits) -> Result<u64, ApiError> {
    u64::try_from(size)
        .map(|s| limits.size(s))
        .map_err(|_| ApiError::bad_argument("page_size", "must not be negative"))
}
