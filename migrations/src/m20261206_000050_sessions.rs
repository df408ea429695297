//! The workspace's sign-in: sessions and one-time sign-in links.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::{Credentials, Sessions, SignInLinks};

/// Creates `sessions` and `sign_in_links`. Both keep only the SHA-256 of
/// their secret, like `credentials`, and name the token they act for: a
/// session lives no longer than its token, and revoking the token ends it.
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
                    .table(Sessions::Table)
                    .col(string(Sessions::IdHash).primary_key())
                    .col(string(Sessions::TokenId))
                    .col(string(Sessions::Csrf))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::TokenId)
                            .to(Credentials::Table, Credentials::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_by_token")
                    .table(Sessions::Table)
                    .col(Sessions::TokenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInLinks::Table)
                    .col(string(SignInLinks::CodeHash).primary_key())
                    .col(string(SignInLinks::TokenId))
                    .col(timestamp_with_time_zone(SignInLinks::CreatedAt))
                    .col(timestamp_with_time_zone(SignInLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInLinks::Table, SignInLinks::TokenId)
                            .to(Credentials::Table, Credentials::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInLinks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
