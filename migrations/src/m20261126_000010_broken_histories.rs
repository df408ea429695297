//! Broken histories: agreements whose hash chain is known not to hold.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::BrokenHistories;

/// Creates `broken_histories`: one row per agreement whose history was found
/// broken (by a verification, or by the store reading it), so that its
/// refusal of writes survives a restart.
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
                    .table(BrokenHistories::Table)
                    .col(string(BrokenHistories::AgreementId).primary_key())
                    .col(big_integer(BrokenHistories::FirstBadSequence))
                    .col(string(BrokenHistories::Problem))
                    .col(timestamp_with_time_zone(BrokenHistories::FoundAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BrokenHistories::Table).to_owned())
            .await
    }
}
