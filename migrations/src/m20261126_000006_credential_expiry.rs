//! A token's expiry and the time it was last used.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Credentials;

/// Adds `expires_at` and `last_used_at` to `credentials`. Tokens issued
/// before this migration keep `expires_at` empty and never expire; `laa token
/// rotate` replaces one with an expiring token.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .add_column(timestamp_with_time_zone_null(Credentials::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .add_column(timestamp_with_time_zone_null(Credentials::LastUsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .drop_column(Credentials::LastUsedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .drop_column(Credentials::ExpiresAt)
                    .to_owned(),
            )
            .await
    }
}
