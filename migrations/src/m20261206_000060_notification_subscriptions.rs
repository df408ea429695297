//! Email notifications: who asked to be told when something starts waiting
//! on them, and what they have been told of.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::{Credentials, NotificationSubscriptions};

/// Creates `notification_subscriptions`: one row per token whose holder
/// gave an address, with the set of items already told, so a restarted
/// server sends nothing twice.
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
                    .table(NotificationSubscriptions::Table)
                    .col(string(NotificationSubscriptions::TokenId).primary_key())
                    .col(string(NotificationSubscriptions::Email))
                    .col(boolean(NotificationSubscriptions::Enabled))
                    .col(text(NotificationSubscriptions::Notified))
                    .col(big_integer(NotificationSubscriptions::Version))
                    .col(timestamp_with_time_zone(
                        NotificationSubscriptions::UpdatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                NotificationSubscriptions::Table,
                                NotificationSubscriptions::TokenId,
                            )
                            .to(Credentials::Table, Credentials::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(NotificationSubscriptions::Table)
                    .to_owned(),
            )
            .await
    }
}
