//! The agreement and target projections.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::tables::{Agreements, Regions, Targets};

/// On SQLite, a table keyed by its primary key alone, stored in one b-tree
/// rather than a rowid table plus an index: half the pages to write.
pub(crate) fn without_rowid(manager: &SchemaManager) -> &'static str {
    match manager.get_database_backend() {
        DbBackend::Sqlite => "WITHOUT ROWID",
        _ => "",
    }
}

/// Creates `agreements` and `targets`.
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
                    .table(Agreements::Table)
                    .col(string(Agreements::Id).primary_key())
                    .col(string(Agreements::Area))
                    .col(string(Agreements::Region))
                    .col(string(Agreements::Status))
                    .col(big_integer(Agreements::Version))
                    .col(integer_null(Agreements::IndicatorSet))
                    .col(string(Agreements::HeadHash))
                    .col(timestamp_with_time_zone(Agreements::UpdatedAt))
                    .col(big_integer(Agreements::SnapshotVersion))
                    .col(text(Agreements::Snapshot))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreements_region")
                            .from(Agreements::Table, Agreements::Region)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_agreements_region", Agreements::Region),
            ("idx_agreements_area", Agreements::Area),
            ("idx_agreements_status", Agreements::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Agreements::Table)
                        .col(column)
                        .col(Agreements::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Targets::Table)
                    .col(string(Targets::AgreementId))
                    .col(integer(Targets::TargetId))
                    .col(integer_null(Targets::IndicatorNumber))
                    .col(string_null(Targets::LocalCode))
                    .col(string(Targets::Kind))
                    .col(string(Targets::Status))
                    .col(text_null(Targets::Terms))
                    .col(string_null(Targets::DueRefresh))
                    .col(timestamp_with_time_zone(Targets::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(Targets::AgreementId)
                            .col(Targets::TargetId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_targets_agreement")
                            .from(Targets::Table, Targets::AgreementId)
                            .to(Agreements::Table, Agreements::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .extra(without_rowid(manager))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_targets_indicator")
                    .table(Targets::Table)
                    .col(Targets::IndicatorNumber)
                    .col(Targets::AgreementId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_targets_due_refresh")
                    .table(Targets::Table)
                    .col(Targets::DueRefresh)
                    .col(Targets::AgreementId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Targets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Agreements::Table).to_owned())
            .await
    }
}
