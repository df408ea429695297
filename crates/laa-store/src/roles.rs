//! The store split by role.
//!
//! [`Store`] is the event log: it opens the database, appends through the
//! group committer, loads, verifies, exports and imports streams, follows
//! and announces them (NOTIFY), and reports its pool. Everything else the
//! database holds is reached through a handle of its own, taken from the
//! store and sharing its pool, each with only the methods of its role:
//!
//! - [`Queries`]: read-only questions over the projections (agreements,
//!   targets, areas, rounds, indicator sets and their comments) and the
//!   logged events, for the server's reads, the public pages and the tools.
//!   It has no method that writes, so whatever holds only a `Queries`
//!   cannot change the record; the type says so.
//! - [`Credentials`]: bearer tokens (issue, rotate, resolve, revoke, list).
//! - [`Sessions`]: the workspace's sessions and one-time sign-in links.
//! - [`Notifications`]: who asked to be told by email, and what they were
//!   told of.
//!
//! A handle's methods live beside the tables they read, in the module of
//! their concern (`query.rs`, `reference.rs`, `rounds.rs`,
//! `indicator_sets.rs`, `credentials.rs`, `sessions.rs`,
//! `notifications.rs`); this module only says what each role is.

use std::sync::Arc;

use laa_core::{Agreement, AgreementId, Catalogue};

use crate::error::StoreError;
use crate::store::{Store, StoredEvent};

/// Read-only queries over the projections and the log: writes nothing.
#[derive(Clone)]
pub struct Queries {
    pub(crate) store: Store,
}

/// The bearer tokens the database holds, as SHA-256 hashes only.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) store: Store,
}

/// The workspace's sessions and one-time sign-in links.
#[derive(Clone)]
pub struct Sessions {
    pub(crate) store: Store,
}

/// Email notification choices and the keys of the items told.
#[derive(Clone)]
pub struct Notifications {
    pub(crate) store: Store,
}

impl Store {
    /// The read-only queries of this store's database.
    pub fn queries(&self) -> Queries {
        Queries {
            store: self.clone(),
        }
    }

    /// The bearer tokens of this store's database.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            store: self.clone(),
        }
    }

    /// The workspace's sessions and sign-in links in this store's database.
    pub fn sessions(&self) -> Sessions {
        Sessions {
            store: self.clone(),
        }
    }

    /// The email notification choices in this store's database.
    pub fn notifications(&self) -> Notifications {
        Notifications {
            store: self.clone(),
        }
    }
}

impl Queries {
    /// The catalogue as this server last read it ([`Store::catalogue`]).
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.store.catalogue()
    }

    /// The clock the store records by ([`Store::clock`]): what today is.
    pub fn clock(&self) -> crate::Clock {
        self.store.clock()
    }

    /// An agreement's current state, shared ([`Store::load_shared`]).
    pub async fn load_shared(
        &self,
        id: &AgreementId,
    ) -> Result<Option<Arc<Agreement>>, StoreError> {
        self.store.load_shared(id).await
    }

    /// A round as its stream holds it, proposed national targets included
    /// (the default state when the round has no stream).
    pub async fn round_state(
        &self,
        name: &laa_core::RoundName,
    ) -> Result<laa_core::round::Round, StoreError> {
        self.store
            .load_stream::<laa_core::round::Round>(&laa_core::StreamId::Round(name.clone()))
            .await
            .map(|head| head.state)
    }

    /// An agreement's events from `from_sequence` ([`Store::events`]).
    pub async fn events(
        &self,
        id: &AgreementId,
        from_sequence: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.store.events(id, from_sequence, limit).await
    }
}
