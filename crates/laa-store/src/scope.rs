//! Where the agreements of a scope (England, a region, a round) stand:
//! the one light question a view kept of the scope asks before it is
//! answered again, unchanged.
//!
//! On SQLite it is one aggregate over the index of the agreements'
//! versions ([`ScopeVersion`]). On PostgreSQL the same statement first
//! reads the database's snapshot: if no transaction has completed since
//! the snapshot the view last stood at, nothing can have changed, and the
//! aggregate is not run. A snapshot names the transactions it sees as
//! completed (every one below its `xmax` but those in progress), and
//! `xmax` is one past the last transaction completed, so two snapshots
//! read the same text exactly when no transaction completed between them:
//! an aggregate over every round's agreements (1,050 rows at seven
//! rounds, 0.3 ms) becomes a question answered from one function call, in
//! the same one round trip.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Statement,
};

use crate::entity::agreement;
use crate::error::StoreError;
use crate::options::Backend;
use crate::query::AgreementFilter;
use crate::roles::Queries;

/// Where the agreements of a scope stand, in two numbers: how many there
/// are, and the sum of their versions. A version only rises and an
/// agreement's row is removed only by verification's projection rebuild
/// (and written again whole by its next append), so any event appended to
/// an agreement of the scope, and any agreement opened or imported into
/// it, moves one of the two: a view made of the scope's agreements at a
/// `ScopeVersion` is current while the scope's version is the same. What
/// it cannot tell is a rebuild followed by another agreement opened at the
/// very version of the row removed before anything else is appended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ScopeVersion {
    /// How many agreements the scope holds.
    pub agreements: u64,
    /// The sum of their versions.
    pub versions: u64,
}

impl ScopeVersion {
    /// The version of the scope these agreements make.
    pub fn of(listed: &[crate::query::AgreementVersion]) -> Self {
        Self {
            agreements: listed.len() as u64,
            versions: listed.iter().map(|l| l.version).sum(),
        }
    }
}

/// PostgreSQL's snapshot as a statement read it (`pg_current_snapshot()`
/// as text): equal to another exactly when no transaction completed
/// between the two.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Snapshot(String);

/// Where a scope stands, as [`Queries::scope_since`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeNow {
    /// No transaction has completed since the snapshot given: the scope
    /// stands where it stood then.
    Unchanged,
    /// The scope's version, and on PostgreSQL the snapshot it was read in.
    At(ScopeVersion, Option<Snapshot>),
}

impl Queries {
    /// Where the agreements matching `filter`'s region, area, status and
    /// round stand ([`ScopeVersion`]): one aggregate over the index that
    /// holds the agreements' versions.
    pub async fn scope_version(
        &self,
        filter: &AgreementFilter,
    ) -> Result<ScopeVersion, StoreError> {
        let row: Option<(i64, i64)> = scope_aggregate(filter)
            .into_tuple()
            .one(self.store.connection())
            .await?;
        let (agreements, versions) = row.unwrap_or((0, 0));
        scope_version_of(agreements, versions)
    }

    /// Where the scope of `filter` stands, in one statement: on PostgreSQL
    /// [`ScopeNow::Unchanged`] if the database's snapshot is `since`,
    /// without reading the scope; otherwise its version (with the snapshot
    /// it was read in, on PostgreSQL), as [`Queries::scope_version`].
    pub async fn scope_since(
        &self,
        filter: &AgreementFilter,
        since: Option<&Snapshot>,
    ) -> Result<ScopeNow, StoreError> {
        if self.store.backend() == Backend::Sqlite {
            return Ok(ScopeNow::At(self.scope_version(filter).await?, None));
        }
        // The snapshot is read in a subquery the scope's aggregate joins
        // laterally: the aggregate's condition on it names no column of its
        // own, so PostgreSQL tests it once, before reading any row, and
        // reads none when nothing changed.
        let since = since.map(|s| s.0.clone());
        let aggregate = scope_aggregate(filter)
            .filter(Expr::cust_with_values(
                "seen.snapshot IS DISTINCT FROM $1",
                [since.clone()],
            ))
            .build(DbBackend::Postgres);
        let sql = format!(
            "SELECT seen.snapshot, scope.agreements, scope.versions \
             FROM (SELECT pg_current_snapshot()::text AS snapshot) AS seen, \
             LATERAL ({}) AS scope",
            aggregate.sql
        );
        let statement = match aggregate.values {
            Some(values) => Statement::from_sql_and_values(DbBackend::Postgres, sql, values),
            None => Statement::from_string(DbBackend::Postgres, sql),
        };
        let row = self
            .store
            .connection()
            .query_one_raw(statement)
            .await?
            .ok_or_else(|| {
                StoreError::corrupt("agreements", 0, "the scope's question returned no row")
            })?;
        let snapshot: String = row.try_get_by_index(0)?;
        if since.as_ref() == Some(&snapshot) {
            return Ok(ScopeNow::Unchanged);
        }
        let version = scope_version_of(row.try_get_by_index(1)?, row.try_get_by_index(2)?)?;
        Ok(ScopeNow::At(version, Some(Snapshot(snapshot))))
    }
}

/// The count and the sum of versions of `filter`'s agreements, as one row.
fn scope_aggregate(filter: &AgreementFilter) -> sea_orm::Select<agreement::Entity> {
    // SUM over PostgreSQL's bigint is a numeric: cast back, on both.
    filter.narrow(
        agreement::Entity::find()
            .select_only()
            .column_as(agreement::Column::Id.count(), "agreements")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(version), 0) AS BIGINT)"),
                "versions",
            ),
    )
}

/// The scope's version from its stored count and sum.
fn scope_version_of(agreements: i64, versions: i64) -> Result<ScopeVersion, StoreError> {
    Ok(ScopeVersion {
        agreements: crate::store::stored("agreements", "count", agreements)?,
        versions: crate::store::stored("agreements", "sum of versions", versions)?,
    })
}
