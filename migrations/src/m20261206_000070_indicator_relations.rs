//! The relations an indicator set declares between its indicators.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::{IndicatorRelations, IndicatorSets};

/// Adds to `indicator_sets` the relations the set declares between its
/// indicators (recommendation 4), as JSON. It may be null (no relations),
/// so a database created before keeps working unchanged.
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
                    .table(IndicatorSets::Table)
                    .add_column(text_null(IndicatorRelations::Relations))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IndicatorSets::Table)
                    .drop_column(IndicatorRelations::Relations)
                    .to_owned(),
            )
            .await
    }
}
