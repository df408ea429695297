//! Rounds as data: each negotiating round's policy, created by administrators.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Rounds;

/// Creates `rounds`: one row per negotiating round, holding its whole policy
/// (DOMAIN.md 5) as JSON and the indicator set it was validated against. The
/// 2008-11 round is loaded by the store on first start, like the other
/// reference data.
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
                    .table(Rounds::Table)
                    .col(string(Rounds::Name).primary_key())
                    .col(integer(Rounds::IndicatorSet))
                    .col(text(Rounds::Policy))
                    .col(timestamp_with_time_zone(Rounds::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rounds::Table).to_owned())
            .await
    }
}
