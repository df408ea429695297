//! An area's population (recommendation 15: national figures weighted by
//! it), projected from its stream's `population_set` events.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Areas;

/// Adds `areas.population`: the area's population as last set, as JSON
/// (the count, the date it is for and its source), or null.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Areas::Table)
                    .add_column(text_null(Areas::Population))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Areas::Table)
                    .drop_column(Areas::Population)
                    .to_owned(),
            )
            .await
    }
}
