//! The bench's own databases: a fresh one for a run (an SQLite file in a
//! temporary directory, or a database created on a PostgreSQL server and
//! dropped afterwards), and what to remove when the run ends.

/// What to remove afterwards.
pub enum Cleanup {
    /// Nothing: a database the bench was given.
    Nothing,
    /// A temporary directory (removed when dropped).
    Directory(#[allow(dead_code)] tempfile::TempDir),
    /// A database the bench created on a PostgreSQL server.
    PostgresDatabase {
        /// The server, as given to `--postgres`.
        admin_url: String,
        /// The database's name.
        name: String,
    },
}

/// A database of the bench's own, named after `name`: on the PostgreSQL
/// server at `postgres` (created now, dropped by [`remove`]), or an SQLite
/// file in `dir`.
pub async fn fresh_database(
    postgres: Option<&str>,
    dir: &std::path::Path,
    name: &str,
) -> Result<(String, Cleanup), String> {
    match postgres {
        Some(admin_url) => {
            let name = format!("laa_{name}_{}", std::process::id());
            laa_store::tools::create_postgres_database(admin_url, &name)
                .await
                .map_err(|e| format!("error: creating database {name} at {admin_url}: {e}"))?;
            Ok((
                laa_store::tools::with_database(admin_url, &name),
                Cleanup::PostgresDatabase {
                    admin_url: admin_url.to_owned(),
                    name,
                },
            ))
        }
        None => Ok((
            format!("sqlite://{}/{name}.db?mode=rwc", dir.display()),
            Cleanup::Nothing,
        )),
    }
}

/// Drops what [`fresh_database`] created on PostgreSQL.
pub async fn remove(cleanup: Cleanup) {
    if let Cleanup::PostgresDatabase { admin_url, name } = cleanup {
        let _ = laa_store::tools::drop_postgres_database(&admin_url, &name).await;
    }
}
