//! A request as the store keys idempotency on it: its id, and a
//! fingerprint of what it asked for.

use laa_core::RequestId;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::hash::hex;

/// A request id with the fingerprint of the request it was sent with.
///
/// AIP-155: a request id names one request. A retry sends the same id with
/// the same command and fields and is answered with the first outcome; the
/// same id with another command or other fields is refused
/// ([`crate::StoreError::RequestIdReused`]), as payment APIs refuse an
/// idempotency key reused for another body. The expected version is not
/// part of the fingerprint: a retry after the agreement moved on (the first
/// attempt committed, its answer was lost) is still the same request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    id: RequestId,
    fingerprint: Option<String>,
}

impl Request {
    /// The request `id` sent with `command` (an agreement's, or another
    /// stream's): its fingerprint is the hex SHA-256 of the command as JSON
    /// (its kind and every field, in the order the core declares them, so
    /// the same command always gives the same bytes).
    pub fn of(id: RequestId, command: &impl Serialize) -> Self {
        let fingerprint = serde_json::to_vec(command)
            .ok()
            .map(|json| hex(&Sha256::digest(json)));
        Self { id, fingerprint }
    }

    /// A request known only by its id (tools and tests that append events
    /// without a command): a reuse is then recognised by its principal and
    /// kind of command alone, as records written before fingerprints were.
    pub fn by_id(id: RequestId) -> Self {
        Self {
            id,
            fingerprint: None,
        }
    }

    /// The request id.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The fingerprint, if the request's command was known.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }
}
