//! The LAA engine's database schema, as sea-orm migrations.
//!
//! The same migrations build the schema on SQLite (the embedded default) and
//! on PostgreSQL (production). Every migration runs inside a transaction on
//! both databases ([`MigrationTrait::use_transaction`] is forced on, since
//! sea-orm leaves SQLite migrations outside one by default), so a failed
//! migration leaves nothing half-built. `down` undoes `up` exactly, so up,
//! down and up again work.
//!
//! # Layout
//! - `m20261126_000001_reference`: indicator sets and indicators, regions and areas.
//! - `m20261126_000002_agreements`: the agreement and target projections.
//! - `m20261126_000003_event_log`: the event log and the idempotency records.
//! - `m20261126_000004_credentials`: token hashes with their role and scope.
//! - `m20261126_000005_postgres_storage`: PostgreSQL storage settings for
//!   the agreement projection (lz4 compression, page fill factor).
//! - `m20261126_000006_credential_expiry`: a token's expiry and last use.
//! - `m20261126_000010_broken_histories`: agreements whose history was found
//!   broken, refused for writes until restored.
//! - `m20261126_000020_rounds`: the negotiating rounds and their policies.
//! - `m20261126_000030_indicator_set_consultation`: draft indicator sets,
//!   their consultation windows and comments, each indicator as JSON.
//! - `m20261206_000040_request_fingerprint`: what each request id was
//!   first used for, so a reuse for other fields is refused.
//! - `m20261206_000050_sessions`: the workspace's sessions and one-time
//!   sign-in links, each kept as a hash and tied to its token.
//! - `m20261206_000060_notification_subscriptions`: who asked to be told
//!   by email when something starts waiting on them, and what they were
//!   told of.
//! - `m20261206_000070_indicator_relations`: the relations a set declares
//!   between its indicators.
//! - `m20261206_000075_area_population`: each area's population as last
//!   set, projected from its stream (recommendation 15).
//! - `m20261206_000080_agreement_versions_index`: the agreements' ids,
//!   regions and versions readable from an index alone (what every
//!   analytic spanning agreements asks first).
//!
//! The tables are named in [`tables`], which the store's entities follow.
//! Architecture invariant: the event log is the record; every other table
//! except the reference data, credentials, the workspace's sessions and
//! notification subscriptions is a projection of it, written in the same
//! transaction as the events it reflects.

#![warn(missing_docs)]

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_reference;
mod m20261126_000002_agreements;
mod m20261126_000003_event_log;
mod m20261126_000004_credentials;
mod m20261126_000005_postgres_storage;
mod m20261126_000006_credential_expiry;
mod m20261126_000010_broken_histories;
mod m20261126_000020_rounds;
mod m20261126_000030_indicator_set_consultation;
mod m20261206_000040_request_fingerprint;
mod m20261206_000050_sessions;
mod m20261206_000060_notification_subscriptions;
mod m20261206_000070_indicator_relations;
mod m20261206_000075_area_population;
mod m20261206_000080_agreement_versions_index;
mod m20261207_000090_agreement_round;
pub mod tables;

/// Every migration of the schema, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_reference::Migration),
            Box::new(m20261126_000002_agreements::Migration),
            Box::new(m20261126_000003_event_log::Migration),
            Box::new(m20261126_000004_credentials::Migration),
            Box::new(m20261126_000005_postgres_storage::Migration),
            Box::new(m20261126_000006_credential_expiry::Migration),
            Box::new(m20261126_000010_broken_histories::Migration),
            Box::new(m20261126_000020_rounds::Migration),
            Box::new(m20261126_000030_indicator_set_consultation::Migration),
            Box::new(m20261206_000040_request_fingerprint::Migration),
            Box::new(m20261206_000050_sessions::Migration),
            Box::new(m20261206_000060_notification_subscriptions::Migration),
            Box::new(m20261206_000070_indicator_relations::Migration),
            Box::new(m20261206_000075_area_population::Migration),
            Box::new(m20261206_000080_agreement_versions_index::Migration),
            Box::new(m20261207_000090_agreement_round::Migration),
        ]
    }
}
