//! Reference data: indicator sets and their indicators, regions and areas.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::{Areas, IndicatorSets, Indicators, Regions};

/// Creates `indicator_sets`, `indicators`, `regions` and `areas`.
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
                    .table(IndicatorSets::Table)
                    .col(integer(IndicatorSets::Version).primary_key())
                    .col(string(IndicatorSets::Status))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Indicators::Table)
                    .col(integer(Indicators::SetVersion))
                    .col(integer(Indicators::Number))
                    .col(text(Indicators::Title))
                    .col(string(Indicators::SubjectGroup))
                    .col(integer_null(Indicators::Psa))
                    .col(string_null(Indicators::DsoDepartment))
                    .col(boolean(Indicators::Statutory))
                    .col(string(Indicators::Status))
                    .col(integer(Indicators::AddedIn))
                    .col(integer_null(Indicators::WithdrawnIn))
                    .col(integer_null(Indicators::LaaSelections2008))
                    .primary_key(
                        Index::create()
                            .col(Indicators::SetVersion)
                            .col(Indicators::Number),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_indicators_set")
                            .from(Indicators::Table, Indicators::SetVersion)
                            .to(IndicatorSets::Table, IndicatorSets::Version)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(string(Regions::Code).primary_key())
                    .col(string(Regions::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Areas::Table)
                    .col(string(Areas::Code).primary_key())
                    .col(string(Areas::Name))
                    .col(string(Areas::Region))
                    .col(string(Areas::Kind))
                    .col(timestamp_with_time_zone(Areas::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_areas_region")
                            .from(Areas::Table, Areas::Region)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_areas_region")
                    .table(Areas::Table)
                    .col(Areas::Region)
                    .col(Areas::Code)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Areas::Table.into_iden(),
            Regions::Table.into_iden(),
            Indicators::Table.into_iden(),
            IndicatorSets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
