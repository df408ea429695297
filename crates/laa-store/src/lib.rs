//! Persistence for the LAA negotiation engine.
//!
//! `laa-core` decides; this crate records. Every accepted command's events
//! are appended to an agreement's hash-chained, gap-free event log together
//! with the projections that queries read and the idempotency record of the
//! request, in one database transaction (DOMAIN.md rules 8 and 9, section 4).
//! One code path serves both databases: SQLite, embedded, the default
//! (`sqlite://laa.db?mode=rwc`), and PostgreSQL in production
//! (`postgres://...`).
//!
//! # Layout
//! - [`Store`] ([`store`]): the event log: connecting, appending, loading,
//!   verifying, exporting, importing and following every stream.
//! - [`roles`]: the handles on the same database for everything that is
//!   not the log: [`Queries`] (read-only), [`Credentials`], [`Sessions`],
//!   [`Notifications`].
//! - [`StoreOptions`] ([`options`]): durability and pool settings.
//! - [`Clock`] ([`clock`]): the one clock every time read goes through.
//! - [`query`]: listing agreements, and the cross-agreement target queries.
//! - [`scope`]: where the agreements of a scope stand, the question a kept
//!   view asks before it is answered again (PostgreSQL's snapshot first).
//! - [`reference`](mod@reference): indicator sets, regions and areas, seeded on first start.
//! - [`indicator_sets`]: drafts, their consultation and publication; the
//!   catalogue the database holds, remembered and swapped whole.
//! - [`credentials`]: bearer tokens, stored as SHA-256 hashes only.
//! - [`sessions`]: the workspace's sessions and one-time sign-in links,
//!   hashes only, each read with its token on every look-up.
//! - [`notifications`]: who asked to be told by email when something
//!   starts waiting on them, and what they were told of.
//! - [`hash`]: the canonical event encoding the hash chain is taken over.
//! - [`StoreError`] ([`error`]): every failure, with its API reason code.
//! - [`bench`]: the raw-insert floor `laa bench` measures the engine against.
//! - [`tools`]: the database's care for the operator tools (backups,
//!   migrations, the benchmark's databases), with no store.
//! - `entity` (private): sea-orm entities for the tables of `laa-migration`.
//!
//! # Architecture invariants
//! - The database orders each agreement's history: a unique key on
//!   `(agreement_id, sequence)` lets exactly one of two racing writers
//!   commit sequence `v + 1`. The version check before it only makes the
//!   common case's error clean.
//! - Nothing is updated in place in the event log or deleted from it; the
//!   `agreements` and `targets` tables are projections, rewritten only in
//!   the transaction that appends the events they reflect.
//! - On SQLite every write transaction starts with `BEGIN IMMEDIATE` and
//!   writers in one process queue on a mutex, so they wait for each other
//!   instead of failing with "database is locked".
//! - An append's writes (events, projections, idempotency record) go to the
//!   database as one statement: on SQLite inside its `BEGIN IMMEDIATE`
//!   transaction, on PostgreSQL as a statement that is its own transaction.

#![warn(missing_docs)]

pub mod bench;
pub mod clock;
pub mod credentials;
mod entity;
pub mod error;
pub mod hash;
pub mod indicator_sets;
pub mod nodelay;
pub mod notifications;
pub mod options;
pub mod query;
pub mod reference;
pub mod roles;
pub mod rounds;
pub mod scope;
pub mod sessions;
pub mod store;
pub mod stored;
pub mod tools;
pub mod upkeep;

pub use clock::Clock;
pub use credentials::{Principal, TokenCheck, TokenId, TokenInfo};
pub use error::StoreError;
pub use hash::GENESIS_HASH;
pub use notifications::Subscription;
pub use options::{
    Backend, BeforeCommit, DEFAULT_BATCHES_IN_FLIGHT, PostgresServer, Schema, StoreOptions,
    Synchronous, masked, redacted, sqlite_file,
};
pub use query::{AgreementFilter, AgreementPlace, AgreementRow, AgreementVersion, PageLimits};
pub use reference::{AreaRecord, IndicatorRow, IndicatorSetInfo};
pub use roles::{Credentials, Notifications, Queries, Sessions};
pub use rounds::RoundRecord;
pub use scope::{ScopeNow, ScopeVersion, Snapshot};
pub use store::{
    AppendOutcome, Committed, Copied, EVENTS_CHANNEL, ExportedEvent, GroupCommits, HISTORY_FORMAT,
    Imported, MAX_BATCH, MIN_BATCH_BESIDE, PoolConnections, Request, SCHEMA_LOCK_KEY,
    SERVER_LOCK_APPLICATION, SERVER_LOCK_KEY, Store, StoredEvent, StreamEvent, StreamHead,
    Verification, parse_and_verify, parse_and_verify_as,
};
pub use stored::Stored;
