//! PostgreSQL's upkeep of laa's tables: whether its autovacuum runs, and a
//! vacuum for the tools that load a database and measure it at once.
//!
//! Every command rewrites its agreement's row (its version and head hash),
//! which on PostgreSQL leaves the old version of the row behind, dead. A
//! page's dead versions are pruned only when the page fills, and the rest
//! only by `VACUUM`: with autovacuum off they pile up, and every read that
//! spans agreements (a scope's version, England's listing) steps over each
//! of them. After twenty years of rounds loaded with no vacuum, England's
//! scope version read 13,471 row versions for 1,050 agreements (2.4 ms);
//! after one `VACUUM`, 0.3 ms.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::StoreError;

/// True when the database is PostgreSQL and its autovacuum is off (a
/// server-wide setting: `autovacuum = off` in `postgresql.conf`). SQLite
/// has no dead row versions to clear: always false there.
pub(crate) async fn autovacuum_is_off(db: &DatabaseConnection) -> Result<bool, StoreError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(false);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('autovacuum') = 'off'",
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get_by_index::<bool>(0))
        .transpose()?
        .unwrap_or(false))
}

/// PostgreSQL: clears the dead row versions of every table of the
/// database and brings the planner's statistics up to date (`VACUUM
/// (ANALYZE)`), what autovacuum would have done. Nothing on SQLite.
pub(crate) async fn vacuum(db: &DatabaseConnection) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    Ok(())
}

/// What `laa serve` logs when it opens a PostgreSQL database whose
/// autovacuum is off.
pub const AUTOVACUUM_OFF: &str = "PostgreSQL's autovacuum is off: each command leaves a dead version of its agreement's row, and reads that span agreements slow as they pile up; turn autovacuum on, or VACUUM the database regularly";
