//! Remembered heads: the last state this store committed or loaded of each
//! agreement still open to commands. A closed agreement takes none, so its
//! head is not kept: twenty years of closed rounds cost a server nothing
//! here, and a read of one reads its stored snapshot.

use std::collections::HashMap;
use std::sync::Arc;

use laa_core::{Agreement, AgreementId, AgreementStatus};

use super::Store;

/// An agreement's state at a version, with the hash of its last event.
///
/// The store remembers the head of each agreement it last appended to or
/// loaded, so the next append can skip reading and parsing the snapshot.
/// That is safe because the database still guards every write: if another
/// process moved the agreement on, the insert of the next sequence fails on
/// the unique key, and the head is forgotten.
pub(crate) struct Head {
    /// The version (the last sequence).
    pub(super) version: u64,
    /// The last event's hash ([`crate::GENESIS_HASH`] before any).
    pub(super) hash: String,
    /// The state at that version, shared with the readers it is handed to.
    pub(crate) state: Arc<Agreement>,
    /// True when the `agreements` row exists at that version.
    pub(super) projected: bool,
    /// The version of the snapshot stored in that row (0 for none).
    pub(super) snapshot_version: u64,
}

/// How many agreement heads a store remembers (England has 150 areas).
const MAX_REMEMBERED: usize = 10_000;

/// How many events an agreement's stored snapshot may lag its history.
/// Rewriting the whole state on every append would triple the pages (and
/// the WAL) an append writes; readers apply the few events since the
/// snapshot instead, or take the state this store remembers.
pub const SNAPSHOT_EVERY: u64 = 32;

impl Store {
    /// The head this process last committed or loaded for an agreement.
    pub(super) fn recalled(&self, id: &AgreementId) -> Option<Arc<Head>> {
        self.heads().get(id).cloned()
    }

    /// Remembers an agreement's head, as committed or loaded (never
    /// going back to an older one a slower reader saw); a closed
    /// agreement's is forgotten instead.
    pub(super) fn remember(&self, id: &AgreementId, head: Arc<Head>) {
        let mut heads = self.heads();
        if head.state.status == AgreementStatus::Closed {
            heads.remove(id);
            return;
        }
        match heads.get(id) {
            Some(known) if known.version > head.version => return,
            Some(_) => {}
            None if heads.len() >= MAX_REMEMBERED => heads.clear(),
            None => {}
        }
        heads.insert(id.clone(), head);
    }

    /// How many agreements' heads this store remembers: those it committed
    /// to or loaded since it started that are still open to commands.
    pub fn remembered_agreements(&self) -> usize {
        self.heads().len()
    }

    /// Forgets an agreement's head, after anything unexpected.
    pub(super) fn forget(&self, id: &AgreementId) {
        self.heads().remove(id);
    }

    fn heads(&self) -> std::sync::MutexGuard<'_, HashMap<AgreementId, Arc<Head>>> {
        // A panic while holding this lock cannot leave a map half-updated
        // (each operation is one call), so a poisoned lock is still sound.
        self.inner
            .heads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
