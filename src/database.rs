//! The database a command works on: the operator tools open an existing
//! one only, and a database that cannot be opened is explained without the
//! driver's internal details, with the command to run when a PostgreSQL
//! database does not exist yet.

use clap::Args;
use laa_store::tools;
use laa_store::{Schema, Store, StoreError, StoreOptions};

use crate::DEFAULT_DATABASE_URL;
use crate::client::{CliError, Exit};

/// Where the database is.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// The database: sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "LAA_DATABASE_URL", hide_env_values = true, default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// The database of a tool that may also make a new one when told.
#[derive(Debug, Args)]
pub struct ToolDatabase {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Create the database (an SQLite file) and its schema if there is none. Without it the command works only on a database `laa serve` has prepared, and says so when there is none.
    #[arg(long)]
    pub create: bool,
}

/// Opens the database at `url` for a tool: one that `laa serve` prepared
/// (an older schema is brought up to date, as a server would), never a new
/// one unless `create` says so. Says on stderr which database it is, so
/// that a tool run in the wrong folder, or without `LAA_DATABASE_URL`,
/// cannot quietly work on another database than the server's. A tool
/// opening a database that a server is preparing waits for it.
pub async fn open_existing(url: &str, create: bool) -> Result<Store, CliError> {
    eprintln!("laa: database {}", shown(url));
    if !create {
        exists(url)?;
    }
    let options = StoreOptions {
        schema: if create {
            Schema::Prepare
        } else {
            Schema::Existing
        },
        ..StoreOptions::default()
    };
    Store::connect(url, options)
        .await
        .map_err(|e| cannot_open(url, &e))
}

/// The database as a person reads it: the URL without its password, and
/// for SQLite the file's full path (the folder the command ran in decides
/// which file a relative URL names).
pub fn shown(url: &str) -> String {
    let redacted = laa_store::redacted(url);
    match laa_store::sqlite_file(url) {
        Some(file) => {
            let path = std::path::absolute(file).unwrap_or_else(|_| file.into());
            laa_store::masked(&format!("{redacted} ({})", path.display()), url)
        }
        None => redacted,
    }
}

/// What to do about a database that is not there or not prepared.
fn prepare_hint(url: &str) -> String {
    format!(
        "start the server on it first (`laa serve --database-url '{}'`), name the server's database with --database-url or LAA_DATABASE_URL, or pass --create to make a new one here",
        laa_store::redacted(url)
    )
}

/// Fails when an SQLite database's file is missing (opening it would
/// create it). A PostgreSQL database that does not exist fails to open.
pub fn exists(url: &str) -> Result<(), CliError> {
    match laa_store::sqlite_file(url) {
        Some(file) if !std::path::Path::new(file).exists() => Err(CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("there is no database at {}", shown(url)),
        )
        .hint(prepare_hint(url))),
        _ => Ok(()),
    }
}

/// A database that could not be opened, explained: which one (its
/// password masked), why, and what to do.
pub fn cannot_open(url: &str, error: &StoreError) -> CliError {
    if let StoreError::Unprepared = error {
        return CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("{} holds no laa database (no schema)", shown(url)),
        )
        .hint(prepare_hint(url));
    }
    let message = without_internals(&laa_store::masked(
        &format!("cannot open the database {url}: {error}"),
        url,
    ));
    // A PostgreSQL database that does not exist is not found, not a
    // server to wait for.
    if let Some(create) = missing_database_hint(&message) {
        return CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("there is no database {}", laa_store::redacted(url)),
        )
        .hint(create);
    }
    CliError::new(Exit::Unavailable, "STORE_UNAVAILABLE", message)
        .hint("check that the database server is running and the URL is right")
}

/// Fails unless the database exists and `laa serve` prepared it (a look
/// that changes nothing, for the tools that work on it without a store).
pub async fn check_prepared(url: &str) -> Result<(), CliError> {
    exists(url)?;
    let db = tools::Database::open(url)
        .await
        .map_err(|e| cannot_open(url, &e))?;
    let prepared = db.is_prepared().await;
    let _ = db.close().await;
    match prepared {
        Ok(true) => Ok(()),
        Ok(false) => Err(cannot_open(url, &StoreError::Unprepared)),
        Err(e) => Err(cannot_open(url, &e)),
    }
}

/// The message without locations internal to the database server, such as
/// PostgreSQL's "at line 948" (a line of its own source code).
pub fn without_internals(message: &str) -> String {
    message
        .lines()
        .map(|line| match line.rfind(" at line ") {
            Some(at) if line[at + 9..].chars().all(|c| c.is_ascii_digit()) => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// When `message` says a PostgreSQL database does not exist: the command
/// that creates it, for the URL named in the message.
pub fn missing_database_hint(message: &str) -> Option<String> {
    let start = message.find("database \"")? + "database \"".len();
    let name = &message[start..];
    let name = &name[..name.find("\" does not exist")?];
    let url = message
        .split_whitespace()
        .find(|w| w.starts_with("postgres://") || w.starts_with("postgresql://"))?
        .trim_end_matches(':');
    let rest = url.split_once("://")?.1;
    let (user, host) = match rest.split_once('@') {
        Some((credentials, host)) => (credentials.split(':').next().unwrap_or_default(), host),
        None => ("", rest),
    };
    let host = host.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = host.split_once(':').unwrap_or((host, "5432"));
    let mut createdb = String::from("createdb");
    if !host.is_empty() {
        createdb.push_str(&format!(" -h {host}"));
    }
    if port != "5432" {
        createdb.push_str(&format!(" -p {port}"));
    }
    if !user.is_empty() {
        createdb.push_str(&format!(" -U {user}"));
    }
    Some(format!(
        "the database '{name}' does not exist yet: create it with `{createdb} {name}` (or `psql` and `create database {name};`), then start again; the schema is created on first start"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "cannot open the database postgres://postgres@127.0.0.1:5432/laa: database error: Connection Error: error returned from database: database \"laa\" does not exist at line 948";

    #[test]
    fn internal_lines_are_dropped() {
        assert!(without_internals(MESSAGE).ends_with("database \"laa\" does not exist"));
        assert_eq!(without_internals("at line one"), "at line one");
    }

    #[test]
    fn a_missing_database_gets_the_command_that_creates_it() {
        let hint = missing_database_hint(MESSAGE).unwrap();
        assert!(
            hint.contains("`createdb -h 127.0.0.1 -U postgres laa`"),
            "{hint}"
        );
        assert_eq!(missing_database_hint("connection refused"), None);
    }
}
