//! Credentials: hashes of bearer tokens with their role and scope.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Credentials;

/// Creates `credentials`. Only a token's SHA-256 is stored, never the token.
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
                    .table(Credentials::Table)
                    .col(string(Credentials::Id).primary_key())
                    .col(string_uniq(Credentials::TokenHash))
                    .col(string(Credentials::Role))
                    .col(string(Credentials::ScopeKind))
                    .col(string_null(Credentials::ScopeValue))
                    .col(string(Credentials::Label))
                    .col(timestamp_with_time_zone(Credentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(Credentials::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Credentials::Table).to_owned())
            .await
    }
}
