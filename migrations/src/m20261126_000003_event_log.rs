//! The event log and the idempotency records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::tables::{Events, Requests};

/// Creates `events` and `requests`.
///
/// Architecture invariant: the unique key on `(agreement_id, sequence)` is
/// what orders each agreement's history. Two writers that both read version
/// `v` both try to insert sequence `v + 1`; the database lets exactly one
/// of them commit.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    // The id only grows, so a follower can page through every
                    // event. SQLite: the rowid (max + 1; rows are never
                    // deleted, so never reused; AUTOINCREMENT would add a
                    // page write to every append). PostgreSQL: an identity.
                    .col(match manager.get_database_backend() {
                        DbBackend::Sqlite => ColumnDef::new(Events::Id)
                            .integer()
                            .not_null()
                            .primary_key()
                            .to_owned(),
                        _ => big_pk_auto(Events::Id),
                    })
                    .col(string(Events::AgreementId))
                    .col(big_integer(Events::Sequence))
                    .col(timestamp_with_time_zone(Events::RecordedAt))
                    .col(string(Events::Actor))
                    .col(string(Events::Kind))
                    .col(text(Events::Payload))
                    .col(string(Events::RequestId))
                    .col(string(Events::PrevHash))
                    .col(string(Events::Hash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_events_agreement_sequence")
                    .table(Events::Table)
                    .col(Events::AgreementId)
                    .col(Events::Sequence)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Requests::Table)
                    .col(string(Requests::AgreementId))
                    .col(string(Requests::RequestId))
                    .col(big_integer(Requests::FirstSequence))
                    .col(big_integer(Requests::LastSequence))
                    .col(big_integer(Requests::Version))
                    .col(timestamp_with_time_zone(Requests::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Requests::AgreementId)
                            .col(Requests::RequestId),
                    )
                    .extra(crate::m20261126_000002_agreements::without_rowid(manager))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Requests::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
