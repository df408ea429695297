//! `laa copy`: one database into a new one, directly on both (no server
//! involved), such as an SQLite pilot onto the PostgreSQL database a
//! service will run on.

use clap::Args;
use laa_store::{Schema, Store, StoreError, StoreOptions};

use crate::client::{CliError, Exit, words};
use crate::database::{cannot_open, open_existing, shown};

/// Options of `laa copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy (only read): sqlite://FILE or postgres://USER@HOST:PORT/DB.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The new database to copy into: an SQLite file that does not exist
    /// (sqlite://FILE?mode=rwc), or a PostgreSQL database that exists
    /// (createdb) and holds no events.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

/// Runs `laa copy`: every stream exported from `--from` and imported into
/// `--to` (each chain verified on the way in), the tokens copied, then
/// every copied history verified in the new database against the head
/// hash it had in the old one.
pub async fn run(args: CopyArgs) -> Result<(), CliError> {
    if let Some(file) = laa_store::sqlite_file(&args.to)
        && std::path::Path::new(file).exists()
    {
        return Err(CliError::usage(format!(
            "{} exists: laa copy writes a new database (move the old file away first)",
            shown(&args.to)
        )));
    }
    let source = open_existing(&args.from, false).await?;
    eprintln!("laa: copying into {}", shown(&args.to));
    let target = Store::connect(
        &args.to,
        StoreOptions {
            schema: Schema::Copy,
            ..StoreOptions::default()
        },
    )
    .await
    .map_err(|e| refused_target(&args.to, &e))?;
    let copied = target
        .copy_from(&source)
        .await
        .map_err(|e| refused_target(&args.to, &e))?;
    for (stream, length, head) in &copied.streams {
        let verified = target
            .verify_stream(stream)
            .await
            .map_err(|e| CliError::failure(e.to_string()))?;
        if !verified.ok || verified.length != *length || verified.head_hash != *head {
            return Err(CliError::failure(format!(
                "the copy of {} does not verify in {} (first bad sequence {:?}): drop that database and copy again",
                stream.as_stored(),
                shown(&args.to),
                verified.first_bad_sequence
            )));
        }
    }
    source
        .close()
        .await
        .map_err(|e| CliError::failure(e.to_string()))?;
    target
        .close()
        .await
        .map_err(|e| CliError::failure(e.to_string()))?;
    let agreements = copied.agreements();
    println!(
        "copied {} to {}: {} ({} of the reference data), {}, {}; every history verified, with the same head hashes",
        shown(&args.from),
        shown(&args.to),
        words::count(copied.streams.len(), "stream"),
        copied.streams.len() - agreements,
        words::count(copied.events(), "event"),
        words::count(copied.tokens, "token"),
    );
    Ok(())
}

/// Why the new database cannot take the copy.
fn refused_target(url: &str, error: &StoreError) -> CliError {
    match error {
        StoreError::AlreadyExists { what, key } => CliError::new(
            Exit::Usage,
            "ALREADY_EXISTS",
            format!(
                "{} holds {} already ({key}): laa copy writes into a new database only",
                shown(url),
                words::a(what)
            ),
        )
        .hint("for PostgreSQL: dropdb and createdb it, then copy again; for SQLite: name a file that does not exist"),
        StoreError::InvalidArgument { problem, .. } => CliError::failure(format!(
            "a history does not verify, so the copy stopped: {problem}; drop {} before copying again",
            shown(url)
        )),
        other => cannot_open(url, other),
    }
}
