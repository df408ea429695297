//! Each agreement's round as a column, so that the analytics and pages can
//! ask for one round's agreements: after twenty years England holds seven
//! rounds, and a national summary or a table of targets "on track" means
//! the agreements of one of them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::tables::Agreements;

/// Adds `agreements.round`, filled for the agreements there are from their
/// ids (an agreement's id is always `{area}-{round}`), and an index for
/// one round's agreements, for England or for a region.
///
/// On SQLite the index holds the version too, as
/// `m20261206_000080_agreement_versions_index`'s do, so that the analytics'
/// question of which versions are current is read from the index alone.
/// On PostgreSQL a version in an index costs more than it saves: every
/// append moves the agreement's version, and an update of an indexed
/// column is never a heap-only (HOT) update, so each append wrote a new
/// entry into every index of the table, and the indexes held a dead entry
/// for each event until vacuumed (45,705 entries for 150 agreements after
/// one round, and a round's versions took 8 ms to count). There this
/// migration also takes the version out of that migration's two indexes
/// (the region's index as it was before it), so that an append is a HOT
/// update again (the table's fillfactor of 50 leaves it the room).
#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: one round's agreements, by region then id, with the version.
const BY_ROUND_VERSIONS: &str = "idx_agreements_round_versions";
/// PostgreSQL: one round's agreements, by region then id.
const BY_ROUND: &str = "idx_agreements_round";
/// `m20261206_000080`'s England order, with the version.
const BY_ID_VERSIONS: &str = "idx_agreements_versions";
/// `m20261206_000080`'s region order, with the version.
const BY_REGION_VERSIONS: &str = "idx_agreements_region_versions";
/// The region's index as it was before `m20261206_000080`.
const BY_REGION: &str = "idx_agreements_region";

/// An index of the agreements on `columns`, called `name`.
fn index<const N: usize>(name: &str, columns: [Agreements; N]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Agreements::Table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

/// Drops the agreements' index called `name`.
fn drop(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(Agreements::Table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Agreements::{Id, Region, Round, Version};
        manager
            .alter_table(
                Table::alter()
                    .table(Agreements::Table)
                    .add_column(string(Round).default(""))
                    .to_owned(),
            )
            .await?;
        // `substr` and `length` count characters on both databases, and an
        // area's code is ASCII.
        manager
            .get_connection()
            .execute_unprepared("UPDATE agreements SET round = substr(id, length(area) + 2)")
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                manager
                    .create_index(index(BY_ROUND, [Round, Region, Id]))
                    .await?;
                manager.drop_index(drop(BY_ID_VERSIONS)).await?;
                manager.drop_index(drop(BY_REGION_VERSIONS)).await?;
                manager.create_index(index(BY_REGION, [Region, Id])).await
            }
            _ => {
                manager
                    .create_index(index(BY_ROUND_VERSIONS, [Round, Region, Id, Version]))
                    .await
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Agreements::{Id, Region, Version};
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                manager.drop_index(drop(BY_REGION)).await?;
                manager
                    .create_index(index(BY_REGION_VERSIONS, [Region, Id, Version]))
                    .await?;
                manager
                    .create_index(index(BY_ID_VERSIONS, [Id, Region, Version]))
                    .await?;
                manager.drop_index(drop(BY_ROUND)).await?;
            }
            _ => manager.drop_index(drop(BY_ROUND_VERSIONS)).await?,
        }
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
