//! Each agreement's round as a column, so that the analytics and pages can
//! ask for one round's agreements: after twenty years England holds seven
//! rounds, and a national summary or a table of targets "on track" means
//! the agreements of one of them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Agreements;

/// Adds `agreements.round`, filled for the agreements there are from their
/// ids (an agreement's id is always `{area}-{round}`), and an index that
/// answers one round's ids, regions and versions, for England or for a
/// region, without reading the rows.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// One round's agreements: by round, then region, then id.
const BY_ROUND: &str = "idx_agreements_round_versions";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Agreements::Table)
                    .add_column(string(Agreements::Round).default(""))
                    .to_owned(),
            )
            .await?;
        // `substr` and `length` count characters on both databases, and an
        // area's code is ASCII.
        manager
            .get_connection()
            .execute_unprepared("UPDATE agreements SET round = substr(id, length(area) + 2)")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_ROUND)
                    .table(Agreements::Table)
                    .col(Agreements::Round)
                    .col(Agreements::Region)
                    .col(Agreements::Id)
                    .col(Agreements::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(BY_ROUND)
                    .table(Agreements::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Agreements::Table)
                    .drop_column(Agreements::Round)
                    .to_owned(),
            )
            .await
    }
}
