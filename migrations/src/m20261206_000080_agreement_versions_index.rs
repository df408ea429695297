//! The agreements' versions read from an index alone.

use sea_orm_migration::prelude::*;

use crate::tables::Agreements;

/// Every analytic that spans agreements (the national and a region's
/// negotiation summary, the performance listings) first asks for the id,
/// region and version of each agreement in scope, to know which of the
/// parts it keeps are current. From the table, on SQLite, that reads each
/// agreement's row, whose stored snapshot makes it a page or more: 1,098
/// pages for twenty years of rounds. These two indexes hold the three
/// columns in the orders those queries ask for (by id for England, by
/// region and then id for a region), so the answer is read from the index
/// alone. The second serves every query `idx_agreements_region` served,
/// which it replaces.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// England's order: by id.
const BY_ID: &str = "idx_agreements_versions";
/// A region's order: by region, then id.
const BY_REGION: &str = "idx_agreements_region_versions";
/// What the second replaces.
const REGION: &str = "idx_agreements_region";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, first, second) in [
            (BY_ID, Agreements::Id, Agreements::Region),
            (BY_REGION, Agreements::Region, Agreements::Id),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Agreements::Table)
                        .col(first)
                        .col(second)
                        .col(Agreements::Version)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(REGION)
                    .table(Agreements::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(REGION)
                    .table(Agreements::Table)
                    .col(Agreements::Region)
                    .col(Agreements::Id)
                    .to_owned(),
            )
            .await?;
        for name in [BY_ID, BY_REGION] {
            manager
                .drop_index(Index::drop().name(name).table(Agreements::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
