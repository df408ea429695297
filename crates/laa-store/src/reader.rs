//! A read-only handle on a store: what the public pages (and any other
//! reader that must write nothing) are given instead of the store. It has
//! no method that writes, so a reader cannot change the record, whatever it
//! does; the type says so.

use std::sync::Arc;

use laa_core::{AgreementId, Catalogue, Region};

use crate::error::StoreError;
use crate::query::{AgreementFilter, AgreementRow};
use crate::reference::AreaRecord;
use crate::store::{Store, StoredEvent};

/// Reads a store; writes nothing.
#[derive(Clone)]
pub struct Reader {
    store: Store,
}

impl Store {
    /// A read-only handle on this store.
    pub fn reader(&self) -> Reader {
        Reader {
            store: self.clone(),
        }
    }
}

impl Reader {
    /// The catalogue as this server last read it ([`Store::catalogue`]).
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.store.catalogue()
    }

    /// One page of areas ([`Store::list_areas`]).
    pub async fn list_areas(
        &self,
        region: Option<Region>,
        page_size: u64,
        after: Option<String>,
    ) -> Result<(Vec<AreaRecord>, Option<String>), StoreError> {
        self.store.list_areas(region, page_size, after).await
    }

    /// One page of agreements ([`Store::list_agreements`]).
    pub async fn list_agreements(
        &self,
        filter: AgreementFilter,
        page_size: u64,
        after: Option<String>,
    ) -> Result<(Vec<AgreementRow>, Option<String>), StoreError> {
        self.store.list_agreements(filter, page_size, after).await
    }

    /// An agreement's events ([`Store::events`]).
    pub async fn events(
        &self,
        id: &AgreementId,
        from_sequence: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.store.events(id, from_sequence, limit).await
    }
}
