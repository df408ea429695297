//! PostgreSQL storage settings for the agreement projection, which every
//! append rewrites.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// On PostgreSQL: compress the snapshot column with lz4 where the server
/// supports it (pglz, the default, costs about a tenth of the server's CPU
/// under a stream of appends), and leave room on each page of `agreements`
/// so its updates stay HOT (no index entries to write). SQLite: nothing.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "DO $$ BEGIN
               IF EXISTS (SELECT 1 FROM pg_settings
                          WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
                 ALTER TABLE agreements ALTER COLUMN snapshot SET COMPRESSION lz4;
               END IF;
             END $$",
        )
        .await?;
        db.execute_unprepared("ALTER TABLE agreements SET (fillfactor = 50)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE agreements ALTER COLUMN snapshot SET COMPRESSION DEFAULT",
        )
        .await?;
        db.execute_unprepared("ALTER TABLE agreements RESET (fillfactor)")
            .await?;
        Ok(())
    }
}
