//! Indicator sets as administered data: drafts, their consultation, and
//! each indicator's whole definition.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::tables::{IndicatorSetComments, IndicatorSets, Indicators, SetConsultation};

/// Adds to `indicator_sets` the base a draft was drafted from, its
/// consultation window and when it was created and published; to
/// `indicators` each indicator's whole definition as JSON (the embedded
/// sets' rows keep their columns and get it from the store on start); and
/// creates `indicator_set_comments`. Every new column may be null, so a
/// database created before keeps working unchanged.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            integer_null(SetConsultation::BasedOn),
            string_null(SetConsultation::ConsultationOpens),
            string_null(SetConsultation::ConsultationCloses),
            timestamp_with_time_zone_null(SetConsultation::CreatedAt),
            timestamp_with_time_zone_null(SetConsultation::PublishedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(IndicatorSets::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Indicators::Table)
                    .add_column(text_null(SetConsultation::Definition))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IndicatorSetComments::Table)
                    .col(match manager.get_database_backend() {
                        DbBackend::Sqlite => ColumnDef::new(IndicatorSetComments::Id)
                            .integer()
                            .not_null()
                            .primary_key()
                            .to_owned(),
                        _ => big_pk_auto(IndicatorSetComments::Id),
                    })
                    .col(integer(IndicatorSetComments::SetVersion))
                    .col(string(IndicatorSetComments::Author))
                    .col(string(IndicatorSetComments::Role))
                    .col(text(IndicatorSetComments::Text))
                    .col(timestamp_with_time_zone(IndicatorSetComments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_indicator_set_comments_set")
                    .table(IndicatorSetComments::Table)
                    .col(IndicatorSetComments::SetVersion)
                    .col(IndicatorSetComments::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IndicatorSetComments::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Indicators::Table)
                    .drop_column(SetConsultation::Definition)
                    .to_owned(),
            )
            .await?;
        for column in [
            SetConsultation::PublishedAt,
            SetConsultation::CreatedAt,
            SetConsultation::ConsultationCloses,
            SetConsultation::ConsultationOpens,
            SetConsultation::BasedOn,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(IndicatorSets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
