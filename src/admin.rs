//! `laa backup`, `laa restore` and `laa migrate`: the database's care,
//! directly on it (no server involved).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use laa_store::redacted;
use laa_store::tools;

use crate::client::words::count;
use crate::client::{CliError, Exit};
use crate::database::{DatabaseArg, ToolDatabase, cannot_open, check_prepared, exists, shown};
use crate::serve::{SyncMode, open_store};

/// The flag a destructive migration needs on a database holding events.
pub const DESTROY_FLAG: &str = "i-understand-this-destroys-the-audit-trail";

/// Options of `laa backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (it must not exist): a consistent copy of an SQLite database, taken online.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArg,
}

/// Options of `laa restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file `laa backup` wrote).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Where to restore it: sqlite://FILE (a new file: it must not exist).
    #[arg(long, env = "LAA_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
}

/// `laa migrate` subcommands.
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// List every migration and whether it is applied.
    Status {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Apply every pending migration (laa serve does this on start).
    Up {
        #[command(flatten)]
        db: ToolDatabase,
    },
    /// Roll back the last migrations: refused on a database holding events unless
    /// --i-understand-this-destroys-the-audit-trail is given.
    Down {
        /// How many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// Go ahead even though the event log (the audit trail) is destroyed.
        #[arg(long = DESTROY_FLAG)]
        destroy: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Drop every table (the event log included): refused on a database holding
    /// events unless --i-understand-this-destroys-the-audit-trail is given.
    Reset {
        /// Go ahead even though the event log (the audit trail) is destroyed.
        #[arg(long = DESTROY_FLAG)]
        destroy: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::failure(e.to_string())
}

/// The file of an SQLite URL; `None` for another database.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    laa_store::sqlite_file(url).map(PathBuf::from)
}

/// Checks that the folder a backup is written into exists and is a
/// folder, saying which path and why when not (SQLite would say only
/// "unable to open database file").
fn folder_for(file: &std::path::Path) -> Result<(), CliError> {
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    match std::fs::metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(CliError::usage(format!(
            "cannot write the backup to {}: {} is not a folder",
            file.display(),
            folder.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CliError::usage(format!(
            "cannot write the backup to {}: the folder {} does not exist",
            file.display(),
            folder.display()
        ))
        .hint(format!(
            "create it first (mkdir -p {}), or name a file in a folder that exists",
            folder.display()
        ))),
        Err(e) => Err(CliError::usage(format!(
            "cannot write the backup to {}: the folder {} cannot be read ({e})",
            file.display(),
            folder.display()
        ))),
    }
}

/// Runs `laa backup`.
pub async fn backup(args: BackupArgs) -> Result<(), CliError> {
    let url = args.db.database_url;
    let Some(path) = sqlite_path(&url) else {
        return Err(CliError::usage(format!(
            "laa backup copies SQLite databases; {} is not one",
            redacted(&url)
        ))
        .hint("back PostgreSQL up with pg_dump: pg_dump --format=custom --file laa.dump 'postgres://USER@HOST:5432/laa' (see docs/DEPLOYMENT.md, Backups)"));
    };
    eprintln!("laa: database {}", shown(&url));
    check_prepared(&url).await?;
    if args.to.exists() {
        return Err(CliError::usage(format!(
            "{} exists: a backup never overwrites a file",
            args.to.display()
        )));
    }
    folder_for(&args.to)?;
    let db = tools::Database::open(&url)
        .await
        .map_err(|e| cannot_open(&url, &e))?;
    db.backup_to(&args.to).await.map_err(failed)?;
    let events = db.events_held().await.map_err(failed)?;
    db.close().await.map_err(failed)?;
    println!(
        "backed {} up to {} ({})",
        path.display(),
        args.to.display(),
        count(events, "event")
    );
    Ok(())
}

/// Runs `laa restore`: copies the backup into a new SQLite file, brings
/// its schema up to date and verifies every history.
pub async fn restore(args: RestoreArgs) -> Result<(), CliError> {
    let Some(path) = sqlite_path(&args.database_url) else {
        return Err(CliError::usage(
            "laa restore writes SQLite databases; restore PostgreSQL with pg_restore (see docs/DEPLOYMENT.md, Backups)",
        ));
    };
    if !args.from.is_file() {
        return Err(CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("there is no backup at {}", args.from.display()),
        ));
    }
    if path.exists() {
        return Err(CliError::usage(format!(
            "{} exists: restore into a new file (move the old database away first)",
            path.display()
        )));
    }
    std::fs::copy(&args.from, &path).map_err(|e| {
        CliError::failure(format!(
            "cannot copy {} to {}: {e}",
            args.from.display(),
            path.display()
        ))
    })?;
    let store = open_store(&args.database_url, SyncMode::Full).await?;
    let verified = verify_all(&store).await?;
    store.close().await.map_err(failed)?;
    if !verified.broken.is_empty() {
        let _ = std::fs::remove_file(&path);
        return Err(CliError::failure(format!(
            "the backup holds broken histories ({}); nothing was restored",
            verified.broken.join(", ")
        )));
    }
    println!(
        "restored {} to {}: {}, {}, {} (indicator sets, rounds, areas), every history verified",
        args.from.display(),
        path.display(),
        count(verified.agreements, "agreement"),
        count(verified.events, "event"),
        count(verified.reference_streams, "reference stream"),
    );
    Ok(())
}

/// What verifying every stream of a database found.
struct Verified {
    /// How many agreements' histories.
    agreements: u64,
    /// How many events they hold.
    events: u64,
    /// How many other streams (the indicator sets, rounds, areas).
    reference_streams: u64,
    /// The streams whose history is broken.
    broken: Vec<String>,
}

/// Verifies every stream's history, agreements' and the reference data's.
async fn verify_all(store: &laa_store::Store) -> Result<Verified, CliError> {
    let mut verified = Verified {
        agreements: 0,
        events: 0,
        reference_streams: 0,
        broken: Vec::new(),
    };
    for stream in store.streams_logged().await.map_err(failed)? {
        let verification = store.verify_stream(&stream).await.map_err(failed)?;
        if stream.agreement().is_some() {
            verified.agreements += 1;
            verified.events += verification.length;
        } else {
            verified.reference_streams += 1;
        }
        if !verification.ok {
            verified.broken.push(stream.to_string());
        }
    }
    Ok(verified)
}

/// Runs `laa migrate`.
pub async fn migrate(
    global: &crate::client::Global,
    command: MigrateCommand,
) -> Result<(), CliError> {
    let url = match &command {
        MigrateCommand::Status { db }
        | MigrateCommand::Down { db, .. }
        | MigrateCommand::Reset { db, .. } => db.database_url.clone(),
        MigrateCommand::Up { db } => db.db.database_url.clone(),
    };
    if let MigrateCommand::Up { db } = &command {
        return migrate_up(&url, db.create).await;
    }
    eprintln!("laa: database {}", shown(&url));
    // The schema may be missing: after `migrate reset`, status says every
    // migration is pending. The database itself must exist.
    exists(&url)?;
    let db = tools::Database::open(&url)
        .await
        .map_err(|e| cannot_open(&url, &e))?;
    let guard = async |destroy: bool| {
        let events = db.events_held().await.map_err(failed)?;
        if events > 0 && !destroy {
            return Err(CliError::new(
                Exit::Refused,
                "AUDIT_TRAIL_PRESENT",
                format!(
                    "the database holds {}, the audit trail: this would destroy it",
                    count(events, "event")
                ),
            )
            .hint(format!(
                "take a backup first (laa backup, or pg_dump), then repeat with --{DESTROY_FLAG}"
            )));
        }
        Ok(())
    };
    match command {
        MigrateCommand::Status { .. } => {
            let migrations = db.migrations().await.map_err(failed)?;
            if global.output == crate::client::Format::Json {
                let listed: Vec<serde_json::Value> = migrations
                    .iter()
                    .map(|m| serde_json::json!({ "name": m.name, "status": m.status.to_string() }))
                    .collect();
                crate::client::Output::new(global.output).json(&listed)?;
            } else {
                for m in migrations {
                    println!("{}\t{}", m.name, m.status);
                }
            }
        }
        MigrateCommand::Up { .. } => {}
        MigrateCommand::Down { steps, destroy, .. } => {
            guard(destroy).await?;
            db.migrate_down(steps).await.map_err(failed)?;
            println!("rolled back {}", count(steps, "migration"));
        }
        MigrateCommand::Reset { destroy, .. } => {
            guard(destroy).await?;
            db.reset().await.map_err(failed)?;
            println!("dropped every table");
        }
    }
    db.close().await.map_err(failed)
}

/// Runs `laa migrate up`: the pending migrations applied as a server
/// applies them on start (under the schema lock, with the reference data),
/// on a database that exists, and laa's schema given to one without it
/// (a PostgreSQL database just created; an SQLite file only with
/// `--create`).
async fn migrate_up(url: &str, create: bool) -> Result<(), CliError> {
    eprintln!("laa: database {}", shown(url));
    if !create {
        exists(url)?;
    }
    let db = tools::Database::open(url)
        .await
        .map_err(|e| cannot_open(url, &e))?;
    let pending = db.pending_migrations().await;
    let _ = db.close().await;
    let pending = pending.map_err(failed)?;
    let store = laa_store::Store::connect(url, laa_store::StoreOptions::default())
        .await
        .map_err(|e| cannot_open(url, &e))?;
    store.close().await.map_err(failed)?;
    println!("applied {}", count(pending, "migration"));
    Ok(())
}
