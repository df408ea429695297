//! The database's care, for the operator tools (`laa backup`, `laa migrate`,
//! `laa bench`): a [`Database`] opened as it is, with no [`Store`](crate::Store)
//! (nothing prepared, nothing written until asked), and the PostgreSQL
//! databases the benchmark creates and drops. The SQL lives here so that
//! none is written outside this crate.

use std::path::Path;

use laa_migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::error::StoreError;

/// A database opened for its care: one connection, no schema prepared, no
/// reference data loaded.
pub struct Database {
    db: DatabaseConnection,
}

/// One migration of the schema and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// The migration's name.
    pub name: String,
    /// `Applied` or `Pending`.
    pub status: String,
}

impl Database {
    /// Opens the database at `url` as it is (a missing SQLite file is
    /// created when the URL says `mode=rwc`).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Ok(Self {
            db: sea_orm::Database::connect(url).await?,
        })
    }

    /// True when `laa serve` has prepared the database (it holds laa's
    /// schema): a look that changes nothing.
    pub async fn is_prepared(&self) -> Result<bool, StoreError> {
        Ok(SchemaManager::new(&self.db)
            .has_table(laa_migration::tables::LAA_TABLE)
            .await?)
    }

    /// How many events the database holds (0 when it has no event log).
    pub async fn events_held(&self) -> Result<u64, StoreError> {
        if !SchemaManager::new(&self.db).has_table("events").await? {
            return Ok(0);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT COUNT(*) FROM events",
            ))
            .await?;
        let count: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// SQLite: writes a consistent, compact copy of the database to `target`
    /// (`VACUUM INTO`, which reads one snapshot while a server goes on
    /// writing).
    pub async fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        let target = target.to_string_lossy().replace('\'', "''");
        self.db
            .execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await?;
        Ok(())
    }

    /// Every migration of the schema, in order, and whether it is applied.
    /// Reading the status would create the migrations' own table where it
    /// is missing: a database no migration touched yet is left as it is,
    /// every migration pending.
    pub async fn migrations(&self) -> Result<Vec<MigrationState>, StoreError> {
        let tracked = laa_migration::SchemaManager::new(&self.db)
            .has_table("seaql_migrations")
            .await?;
        if !tracked {
            return Ok(Migrator::migrations()
                .iter()
                .map(|m| MigrationState {
                    name: m.name().to_owned(),
                    status: "Pending".to_owned(),
                })
                .collect());
        }
        Ok(Migrator::get_migration_with_status(&self.db)
            .await?
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                status: m.status().to_string(),
            })
            .collect())
    }

    /// How many migrations are not applied yet.
    pub async fn pending_migrations(&self) -> Result<usize, StoreError> {
        Ok(Migrator::get_pending_migrations(&self.db).await?.len())
    }

    /// Rolls back the last `steps` migrations. The caller guards the audit
    /// trail (see [`Database::events_held`]).
    pub async fn migrate_down(&self, steps: u32) -> Result<(), StoreError> {
        Ok(Migrator::down(&self.db, Some(steps)).await?)
    }

    /// Drops every table, the event log included. The caller guards the
    /// audit trail (see [`Database::events_held`]).
    pub async fn reset(&self) -> Result<(), StoreError> {
        Ok(Migrator::reset(&self.db).await?)
    }

    /// True when the database is PostgreSQL and its autovacuum is off
    /// ([`crate::upkeep`]).
    pub async fn autovacuum_is_off(&self) -> Result<bool, StoreError> {
        crate::upkeep::autovacuum_is_off(&self.db).await
    }

    /// PostgreSQL: `VACUUM (ANALYZE)` of the whole database, what its
    /// autovacuum would do; nothing on SQLite ([`crate::upkeep`]).
    pub async fn vacuum(&self) -> Result<(), StoreError> {
        crate::upkeep::vacuum(&self.db).await
    }

    /// Closes the connection.
    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.db.close().await?)
    }
}

/// The URL of the database `database` on the same server as `url` (its
/// credentials and parameters kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

/// Creates the database `name` on the PostgreSQL server of `admin_url`.
/// `name` is written into the statement as it is: the caller makes it.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    on_postgres_server(admin_url, &format!("CREATE DATABASE {name}")).await
}

/// Creates the database `name` on the PostgreSQL server of `admin_url` as
/// a copy of `template` (`CREATE DATABASE ... TEMPLATE`), which no one may
/// be connected to meanwhile. Both names are written into the statement as
/// they are: the caller makes them.
pub async fn copy_postgres_database(
    admin_url: &str,
    name: &str,
    template: &str,
) -> Result<(), StoreError> {
    on_postgres_server(
        admin_url,
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    )
    .await
}

/// Drops the database `name` from the PostgreSQL server of `admin_url`,
/// ending its connections; nothing when there is none.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    on_postgres_server(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
}

/// Runs `statement` on a connection of its own to the PostgreSQL server of
/// `admin_url`, closed afterwards whatever the outcome.
async fn on_postgres_server(admin_url: &str, statement: &str) -> Result<(), StoreError> {
    let admin = sea_orm::Database::connect(admin_url).await?;
    let done = admin.execute_unprepared(statement).await;
    let _ = admin.close().await;
    done?;
    Ok(())
}
