//! The wire form of the agreements last read, reused while unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use laa_core::{Agreement, AgreementId};
use laa_proto::v1 as pb;

use crate::convert::agreement_to_pb;

/// The wire form of the agreements last read, each kept while the store's
/// state it was rendered from is current: a state is shared (`Arc`) until
/// the agreement changes, so the same allocation means the same version,
/// and a read of an unchanged agreement copies its rendering instead of
/// rendering it again. The state is held weakly: a rendering does not keep
/// an agreement's old state alive once the store has moved on (the weak
/// reference keeps only the allocation, so no later state can take its
/// address).
#[derive(Default)]
pub struct Rendered(std::sync::Mutex<HashMap<AgreementId, (Weak<Agreement>, pb::Agreement)>>);

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
            && std::ptr::eq(from.as_ptr(), Arc::as_ptr(state))
        {
            return rendered.clone();
        }
        let rendered = agreement_to_pb(state, catalogue);
        // Renderings of states the store has moved on from are never read
        // again: drop them rather than keep them to the limit.
        kept.retain(|_, (from, _)| from.strong_count() > 0);
        if kept.len() >= MAX_RENDERED {
            kept.clear();
        }
        kept.insert(id.clone(), (Arc::downgrade(state), rendered.clone()));
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, version: u64) -> Arc<Agreement> {
        let mut a = Agreement::unopened(AgreementId::new(id.to_owned()).expect("an id"));
        a.version = version;
        Arc::new(a)
    }

    #[test]
    fn a_rendering_follows_its_state_and_holds_no_old_one_alive() {
        let catalogue = laa_core::Catalogue::national().expect("catalogue");
        let rendered = Rendered::default();
        let first = state("kent-2008-11", 1);
        let id = first.id.clone();
        assert_eq!(rendered.agreement(&id, &first, &catalogue).version, 1);
        assert_eq!(
            Arc::strong_count(&first),
            1,
            "a rendering keeps no state alive"
        );
        let second = state("kent-2008-11", 2);
        assert_eq!(rendered.agreement(&id, &second, &catalogue).version, 2);
        // Once the state a rendering came from is gone, the next rendering
        // of any agreement drops it.
        drop(second);
        let other = state("surrey-2008-11", 1);
        rendered.agreement(&other.id, &other, &catalogue);
        let kept = rendered.0.lock().expect("lock");
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key(&other.id));
    }
}
