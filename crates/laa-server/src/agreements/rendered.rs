//! The wire form of the agreements last read, reused while unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use laa_core::{Agreement, AgreementId};
use laa_proto::v1 as pb;

use crate::convert::agreement_to_pb;

/// The wire form of the agreements last read, each kept while the store's
/// state it was rendered from is current: a state is shared (`Arc`) until
/// the agreement changes, so the same allocation means the same version,
/// and a read of an unchanged agreement copies its rendering instead of
/// rendering it again.
#[derive(Default)]
pub struct Rendered(std::sync::Mutex<HashMap<AgreementId, (Arc<Agreement>, pb::Agreement)>>);

/// How many renderings are kept (England has 150 areas).
const MAX_RENDERED: usize = 10_000;

impl Rendered {
    /// The agreement on the wire.
    pub(crate) fn agreement(
        &self,
        id: &AgreementId,
        state: &Arc<Agreement>,
        catalogue: &laa_core::Catalogue,
    ) -> pb::Agreement {
        // Each operation is one map call: a poisoned lock is still sound.
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((from, rendered)) = kept.get(id)
            && Arc::ptr_eq(from, state)
        {
            return rendered.clone();
        }
        let rendered = agreement_to_pb(state, catalogue);
        if kept.len() >= MAX_RENDERED {
            kept.clear();
        }
        kept.insert(id.clone(), (state.clone(), rendered.clone()));
        rendered
    }
}
