//! `laa target import`: a sheet read by `laa_sheets`, sent as one
//! `ImportTargets` (or its preview), each row's outcome printed against its
//! row of the sheet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use laa_core::{IndicatorNumber, Reason, Unit};
use laa_proto::v1 as pb;
use laa_sheets::ParsedSheet;

use crate::client::args::Format as Output;
use crate::client::args::{Change, ImportArgs};
use crate::client::commands::change::Prepared;
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::output::Rows;

use super::format_of;
use laa_sheets::wire::row_to_pb;

/// The agreement and the file of `laa target import`: `AGREEMENT FILE`, or
/// `FILE` with `--agreement`.
fn import_envelope(args: &ImportArgs) -> Result<(Change, PathBuf), CliError> {
    let (named, file) = match (&args.named, &args.file) {
        (Some(agreement), Some(file)) => (Some(agreement.clone()), file.clone()),
        (Some(file), None) => (None, file.clone()),
        _ => {
            return Err(CliError::usage(
                "name the agreement and the file: `laa target import kent-2008-11 targets.xlsx` (or the file with --agreement)",
            ));
        }
    };
    if named.is_none() && args.agreement.is_none() {
        return Err(CliError::usage(
            "which agreement? `laa target import kent-2008-11 targets.xlsx`, or --agreement",
        ));
    }
    let change = Change {
        named,
        agreement: args.agreement.clone(),
        expected_version: args.expected_version,
        request_id: args.request_id.clone(),
        occurred_at: args.occurred_at.clone(),
    };
    Ok((change, PathBuf::from(file)))
}

/// Reads the file, refusing one larger than a sheet may be before reading it.
fn read_file(file: &Path) -> Result<Vec<u8>, CliError> {
    let cannot =
        |e: std::io::Error| CliError::usage(format!("cannot read {}: {e}", file.display()));
    let size = std::fs::metadata(file).map_err(cannot)?.len();
    if size > laa_sheets::MAX_FILE_BYTES as u64 {
        return Err(CliError::usage(format!(
            "{} is {size} bytes; a sheet of targets may be at most {} MiB",
            file.display(),
            laa_sheets::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(file).map_err(cannot)
}

/// Each National Indicator's unit in set `set`, as the server knows them.
async fn units(session: &Session, set: i32) -> Result<HashMap<u16, Unit>, CliError> {
    Ok(super::indicators(session, set)
        .await?
        .iter()
        .filter_map(|i| {
            let number = u16::try_from(i.number).ok()?;
            Some((number, Unit::parse(&i.unit).ok()?))
        })
        .collect())
}

/// Runs `laa target import`.
pub async fn import(session: &Session, args: ImportArgs) -> Result<(), CliError> {
    let (change, file) = import_envelope(&args)?;
    let format = format_of(args.format, &file)?;
    let bytes = read_file(&file)?;
    let p = Prepared::new(session, &change).await?;
    let units = units(session, p.current.indicator_set).await?;
    let sheet = laa_sheets::parse(&bytes, format, &|n: IndicatorNumber| {
        units.get(&n.get()).copied()
    })
    .map_err(|e| {
        CliError::usage(format!("{}: {e}", file.display()))
            .hint("fix the cells named and import again; nothing was sent (docs/SPREADSHEETS.md has the columns)")
    })?;
    if sheet.rows.is_empty() {
        return Err(CliError::usage(format!(
            "the sheet {} holds no terms: every row below the header is blank or names an indicator only",
            file.display()
        )));
    }
    let request = pb::ImportTargetsRequest {
        agreement: p.agreement.clone(),
        request_id: p.request_id.clone(),
        expected_version: p.version,
        rows: sheet.rows.iter().map(|r| row_to_pb(&r.row)).collect(),
        validate_only: args.dry_run,
        occurred_at: p.occurred_at,
    };
    let answer = rpc!(session, agreements.import_targets(request))
        .map_err(|e| with_sheet_rows(e, &sheet, &file))?;
    print_outcomes(session, &sheet, &answer, args.dry_run)?;
    match answer.rows.iter().find(|r| !r.accepted) {
        // A dry run with refused rows fails as the import would.
        Some(first) => {
            let refused = answer.rows.iter().filter(|r| !r.accepted).count();
            let exit = match Reason::parse(&first.reason).map(Reason::statuses) {
                Some(["INVALID_ARGUMENT", ..]) => Exit::Usage,
                Some(["PERMISSION_DENIED", ..]) => Exit::Denied,
                _ => Exit::Refused,
            };
            Err(CliError::new(
                exit,
                &first.reason,
                format!(
                    "{refused} of {} would be refused: nothing would be recorded",
                    crate::client::words::count(answer.rows.len(), "row")
                ),
            ))
        }
        None => Ok(()),
    }
}

/// A refusal whose violations name `rows[i]`: each told as its row of the sheet.
fn with_sheet_rows(mut error: CliError, sheet: &ParsedSheet, file: &Path) -> CliError {
    let lines: Vec<String> = error
        .violations
        .iter()
        .filter_map(|(field, _)| {
            let index: usize = field
                .strip_prefix("rows[")?
                .split(']')
                .next()?
                .parse()
                .ok()?;
            Some(format!("{field} is row {}", sheet.line_of(index)?))
        })
        .collect();
    if !lines.is_empty() {
        error = error.hint(format!(
            "in {}: {}; fix those rows and import again (nothing was recorded)",
            file.display(),
            lines.join(", ")
        ));
    }
    error
}

fn print_outcomes(
    session: &Session,
    sheet: &ParsedSheet,
    answer: &pb::ImportTargetsResponse,
    dry_run: bool,
) -> Result<(), CliError> {
    let out = &session.out;
    if out.format() == Output::Json {
        return out.message(answer);
    }
    let mut rows = Rows::new(&["ROW", "INDICATOR", "ACTION", "TARGET", "OUTCOME"]);
    for outcome in &answer.rows {
        let index = usize::try_from(outcome.row).unwrap_or(usize::MAX);
        let (line, indicator) = sheet
            .rows
            .get(index)
            .map(|r| (r.line.to_string(), r.row.indicator.to_string()))
            .unwrap_or_default();
        let verdict = if outcome.accepted && outcome.action == "unchanged" {
            "unchanged: nothing to record".to_owned()
        } else if outcome.accepted {
            if dry_run {
                "would be accepted"
            } else {
                "recorded"
            }
            .to_owned()
        } else {
            format!("{}: {}", outcome.reason, outcome.message)
        };
        rows.push(vec![
            line,
            indicator,
            outcome.action.clone(),
            outcome.target.to_string(),
            verdict,
        ]);
    }
    for skipped in &sheet.skipped {
        rows.push(vec![
            skipped.line.to_string(),
            skipped.indicator.clone(),
            String::new(),
            String::new(),
            "skipped: no terms given".into(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Output::Table {
        match &answer.applied {
            Some(applied) => {
                let agreement = applied.agreement.clone().unwrap_or_default();
                let replayed = if applied.replayed {
                    " (already applied: nothing new recorded)"
                } else {
                    ""
                };
                println!(
                    "imported{replayed}: {}; {} is at version {}",
                    crate::client::words::count(sheet.rows.len(), "row"),
                    agreement.name,
                    agreement.version
                );
            }
            None => println!("dry run: nothing was recorded"),
        }
    }
    Ok(())
}
