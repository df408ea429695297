//! Request fingerprints: what a request id was first used for.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tables::Requests;

/// Adds to `requests` the fingerprint of the request that first used the
/// id (hex SHA-256 of the command as decided), so that the same id sent
/// again with other fields is refused rather than answered as a replay.
/// Null for the records written before it, which are compared by
/// principal and kind of command as they were.
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
                    .table(Requests::Table)
                    .add_column(string_null(Requests::Fingerprint))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Requests::Table)
                    .drop_column(Requests::Fingerprint)
                    .to_owned(),
            )
            .await
    }
}
