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
        Some(admin_url) => bench_postgres_database(admin_url, name, None).await,
        None => Ok((
            format!("sqlite://{}/{name}.db?mode=rwc", dir.display()),
            Cleanup::Nothing,
        )),
    }
}

/// A copy of the bench's database `url` (which nothing may hold open
/// meanwhile on PostgreSQL), named after `name` as [`fresh_database`]
/// names one: on PostgreSQL a database made from it as a template, on
/// SQLite a file in `dir` written by `VACUUM INTO`.
pub async fn copy_database(
    url: &str,
    postgres: Option<&str>,
    dir: &std::path::Path,
    name: &str,
) -> Result<(String, Cleanup), String> {
    match postgres {
        Some(admin_url) => {
            let template = url
                .split('?')
                .next()
                .and_then(|base| base.rsplit('/').next())
                .unwrap_or_default();
            bench_postgres_database(admin_url, name, Some(template)).await
        }
        None => {
            let path = dir.join(format!("{name}.db"));
            let database = laa_store::tools::Database::open(url)
                .await
                .map_err(|e| format!("error: cannot open the database: {e}"))?;
            let copied = database.backup_to(&path).await;
            let _ = database.close().await;
            copied
                .map_err(|e| format!("error: copying the database to {}: {e}", path.display()))?;
            Ok((
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::Nothing,
            ))
        }
    }
}

/// The bench's database named after `name` on the PostgreSQL server at
/// `admin_url` (this process's, so that two runs never meet), created
/// empty or as a copy of the database `template`: its URL, and what
/// removes it.
async fn bench_postgres_database(
    admin_url: &str,
    name: &str,
    template: Option<&str>,
) -> Result<(String, Cleanup), String> {
    let name = format!("laa_{name}_{}", std::process::id());
    let made = match template {
        None => laa_store::tools::create_postgres_database(admin_url, &name).await,
        Some(template) => {
            laa_store::tools::copy_postgres_database(admin_url, &name, template).await
        }
    };
    made.map_err(|e| format!("error: creating database {name} at {admin_url}: {e}"))?;
    Ok((
        laa_store::tools::with_database(admin_url, &name),
        Cleanup::PostgresDatabase {
            admin_url: admin_url.to_owned(),
            name,
        },
    ))
}

/// Drops what [`fresh_database`] created on PostgreSQL.
pub async fn remove(cleanup: Cleanup) {
    if let Cleanup::PostgresDatabase { admin_url, name } = cleanup {
        let _ = laa_store::tools::drop_postgres_database(&admin_url, &name).await;
    }
}

/// PostgreSQL with autovacuum off (as on this project's machines):
/// vacuums the database after a load, as autovacuum would have while the
/// rounds were loaded, so that the server is measured on a database kept
/// as a running service's is ([`laa_store::upkeep`]). Says so.
pub async fn vacuum_if_autovacuum_is_off(url: &str) -> Result<(), String> {
    let database = laa_store::tools::Database::open(url)
        .await
        .map_err(|e| format!("error: cannot open the database: {e}"))?;
    let vacuumed = async {
        if !database.autovacuum_is_off().await? {
            return Ok(false);
        }
        database.vacuum().await.map(|()| true)
    }
    .await;
    let _ = database.close().await;
    if vacuumed.map_err(|e| format!("error: cannot vacuum the database: {e}"))? {
        eprintln!("bench: PostgreSQL's autovacuum is off: vacuumed the database after the load");
    }
    Ok(())
}
