//! `laa target import` and `laa agreement export`: targets' terms from a
//! spreadsheet (CSV or XLSX) in one `ImportTargets`, all rows or none, and
//! agreements written as spreadsheets from what `GetAgreement` answers.
//! The sheet's layout is `laa_sheets`'s (docs/SPREADSHEETS.md).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use laa_core::agreement::IndicatorRef;
use laa_core::decimal::{from_f64, to_f64};
use laa_core::ids::LocalIndicatorCode;
use laa_core::{
    Baseline, Department, FinancialYear, IndicatorNumber, PlaceholderReason, Reason, RefreshId,
    Side, TargetRow, Terms, Unit, YearValue,
};
use laa_proto::names::short_name;
use laa_proto::v1 as pb;
use laa_sheets::{Format, ParsedSheet, Sheet, SheetTarget, TermsShown};

use crate::client::args::Format as Output;
use crate::client::args::{Change, ExportArgs, ImportArgs, SheetFormat};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::output::Rows;
use crate::client::paging;
use crate::client::suggest::region;

use super::change::{Prepared, get_agreement};

fn format_of(given: Option<SheetFormat>, file: &Path) -> Result<Format, CliError> {
    match given {
        Some(SheetFormat::Csv) => Ok(Format::Csv),
        Some(SheetFormat::Xlsx) => Ok(Format::Xlsx),
        None => Format::from_file_name(&file.to_string_lossy()).ok_or_else(|| {
            CliError::usage(format!(
                "cannot tell the format of {} from its name: give --format csv or --format xlsx",
                file.display()
            ))
        }),
    }
}

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
    let all = paging::all(|page_token| async move {
        let r = rpc!(
            session,
            indicators.list_indicators(pb::ListIndicatorsRequest {
                indicator_set: set.to_string(),
                page_size: 500,
                page_token,
                ..Default::default()
            })
        )?;
        Ok((r.indicators, r.next_page_token))
    })
    .await?;
    Ok(all
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
            "{} offers no terms: every row below the header is blank or names an indicator only",
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
                    "{refused} of {} rows would be refused: nothing would be recorded",
                    answer.rows.len()
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
        let verdict = if outcome.accepted {
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
                    "imported{replayed}: {} rows; {} is at version {}",
                    sheet.rows.len(),
                    agreement.name,
                    agreement.version
                );
            }
            None => println!("dry run: nothing was recorded"),
        }
    }
    Ok(())
}

/// A row on the wire.
fn row_to_pb(row: &TargetRow) -> pb::TargetRow {
    pb::TargetRow {
        indicator: Some(match &row.indicator {
            IndicatorRef::National(n) => {
                pb::target_row::Indicator::IndicatorNumber(i32::from(n.get()))
            }
            IndicatorRef::Local { code, title } => {
                pb::target_row::Indicator::LocalIndicator(pb::LocalIndicator {
                    code: code.as_str().to_owned(),
                    title: title.clone(),
                })
            }
        }),
        terms: Some(terms_to_pb(&row.terms)),
        rationale: row.rationale.clone(),
        evidence: row.evidence.clone(),
        department: row
            .department
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        deal_breaker: row.deal_breaker,
        priority: row.priority.map_or(0, i32::from),
    }
}

fn terms_to_pb(terms: &Terms) -> pb::Terms {
    let kind = match terms {
        Terms::Values(v) => pb::terms::Kind::Values(pb::TargetValues {
            unit: v.unit.as_str().to_owned(),
            baseline: Some(pb::Baseline {
                value: to_f64(v.baseline.value),
                period: v.baseline.period.clone(),
            }),
            trajectory: v
                .trajectory
                .iter()
                .map(|(year, value)| pb::YearValue {
                    year: year.to_string(),
                    value: Some(match value {
                        YearValue::Value(d) => pb::year_value::Value::Amount(to_f64(*d)),
                        YearValue::Deferred { to } => {
                            pb::year_value::Value::DeferredTo(to.as_str().to_owned())
                        }
                    }),
                })
                .collect(),
            limit_deterioration: v.limit_deterioration.clone().unwrap_or_default(),
        }),
        Terms::Placeholder { reason, due } => pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: reason.as_str().to_owned(),
            due: due.as_str().to_owned(),
        }),
    };
    pb::Terms { kind: Some(kind) }
}

/// Terms as the server answered them, or why the sheet cannot hold them.
fn terms_from_pb(terms: &pb::Terms) -> Result<Option<Terms>, String> {
    let Some(kind) = &terms.kind else {
        return Ok(None);
    };
    let problem = |e: laa_core::ParseError| e.to_string();
    Ok(Some(match kind {
        pb::terms::Kind::Placeholder(p) => Terms::placeholder(
            PlaceholderReason::parse(&p.reason).map_err(problem)?,
            RefreshId::new(p.due.clone()).map_err(problem)?,
        ),
        pb::terms::Kind::Values(v) => {
            let baseline = v.baseline.clone().unwrap_or_default();
            let mut trajectory = std::collections::BTreeMap::new();
            for entry in &v.trajectory {
                let year: FinancialYear = entry.year.parse().map_err(problem)?;
                let value = match &entry.value {
                    Some(pb::year_value::Value::Amount(a)) => {
                        YearValue::Value(from_f64(*a).map_err(problem)?)
                    }
                    Some(pb::year_value::Value::DeferredTo(r)) => YearValue::Deferred {
                        to: RefreshId::new(r.clone()).map_err(problem)?,
                    },
                    None => return Err(format!("{year} has no value")),
                };
                trajectory.insert(year, value);
            }
            let terms = Terms::values(
                Unit::parse(&v.unit).map_err(problem)?,
                Baseline {
                    value: from_f64(baseline.value).map_err(problem)?,
                    period: baseline.period,
                },
                trajectory,
            )?;
            if v.limit_deterioration.is_empty() {
                terms
            } else {
                terms.limiting_deterioration(v.limit_deterioration.clone())
            }
        }
    }))
}

/// An agreement's live targets as rows of a sheet, with the terms on the
/// table (the open offer, else the terms agreed).
fn sheet_targets(
    agreement: &pb::Agreement,
    titles: &HashMap<i32, String>,
) -> Result<Vec<SheetTarget>, CliError> {
    let id = agreement.name.trim_start_matches("agreements/").to_owned();
    let mut rows = Vec::new();
    for t in &agreement.targets {
        if t.status == pb::TargetStatus::Withdrawn as i32 {
            continue;
        }
        let cannot = |why: String| {
            CliError::failure(format!(
                "target {} of {id} cannot be written to a sheet: {why}",
                t.id
            ))
        };
        let (indicator, title) = match &t.indicator {
            Some(pb::target::Indicator::IndicatorNumber(n)) => (
                IndicatorRef::National(
                    IndicatorNumber::new(u16::try_from(*n).unwrap_or(0))
                        .map_err(|e| cannot(e.to_string()))?,
                ),
                titles.get(n).cloned().unwrap_or_default(),
            ),
            Some(pb::target::Indicator::LocalIndicator(l)) => (
                IndicatorRef::Local {
                    code: LocalIndicatorCode::new(l.code.clone())
                        .map_err(|e| cannot(e.to_string()))?,
                    title: l.title.clone(),
                },
                String::new(),
            ),
            None => return Err(cannot("it names no indicator".into())),
        };
        let mut row = SheetTarget {
            agreement: id.clone(),
            target: t.id,
            kind: short_name(
                pb::TargetKind::try_from(t.kind)
                    .unwrap_or_default()
                    .as_str_name(),
                "TARGET_KIND_",
            ),
            status: short_name(
                pb::TargetStatus::try_from(t.status)
                    .unwrap_or_default()
                    .as_str_name(),
                "TARGET_STATUS_",
            ),
            shown: TermsShown::Awaited,
            indicator,
            title,
            terms: None,
            rationale: String::new(),
            evidence: Vec::new(),
            department: None,
            deal_breaker: false,
        };
        if let Some(offer) = &t.open_offer {
            row.shown = TermsShown::Offer(if offer.side == pb::Side::Area as i32 {
                Side::Area
            } else {
                Side::Government
            });
            row.terms = match &offer.terms {
                Some(terms) => terms_from_pb(terms).map_err(cannot)?,
                None => None,
            };
            row.rationale = offer.rationale.clone();
            row.evidence = offer.evidence.clone();
            row.department = match offer.department.as_str() {
                "" => None,
                d => Some(Department::new(d).map_err(|e| cannot(e.to_string()))?),
            };
            row.deal_breaker = offer.deal_breaker;
        } else if let Some(agreed) = &t.agreed {
            row.shown = TermsShown::Agreed;
            row.terms = terms_from_pb(agreed).map_err(cannot)?;
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The agreements `laa agreement export` names: one, or those of a region
/// and/or a round that the caller may read.
async fn agreements_named(
    session: &Session,
    args: &ExportArgs,
) -> Result<Vec<pb::Agreement>, CliError> {
    if let Some(agreement) = &args.agreement {
        if args.region.is_some() || args.round.is_some() {
            return Err(CliError::usage(
                "name one agreement, or --region and/or --round, not both",
            ));
        }
        return Ok(vec![get_agreement(session, agreement).await?]);
    }
    if args.region.is_none() && args.round.is_none() {
        return Err(CliError::usage(
            "which agreements? name one (kent-2008-11), or --region north-west and/or --round 2008-11",
        ));
    }
    let region = match &args.region {
        Some(r) => region(r)? as i32,
        None => 0,
    };
    let listed = paging::all(|page_token| async move {
        let r = rpc!(
            session,
            agreements.list_agreements(pb::ListAgreementsRequest {
                region,
                page_size: 200,
                page_token,
                ..Default::default()
            })
        )?;
        Ok((r.agreements, r.next_page_token))
    })
    .await?;
    let mut all = Vec::new();
    for listed in listed
        .iter()
        .filter(|a| args.round.as_ref().is_none_or(|r| &a.round == r))
    {
        all.push(get_agreement(session, &listed.name).await?);
    }
    Ok(all)
}

/// Each National Indicator's title in the sets the agreements are bound to.
async fn titles(session: &Session, sets: &[i32]) -> Result<HashMap<(i32, i32), String>, CliError> {
    let mut titles = HashMap::new();
    for &set in sets {
        let all = paging::all(|page_token| async move {
            let r = rpc!(
                session,
                indicators.list_indicators(pb::ListIndicatorsRequest {
                    indicator_set: set.to_string(),
                    page_size: 500,
                    page_token,
                    ..Default::default()
                })
            )?;
            Ok((r.indicators, r.next_page_token))
        })
        .await?;
        titles.extend(all.into_iter().map(|i| ((set, i.number), i.title)));
    }
    Ok(titles)
}

/// The years of each round's period.
async fn periods(session: &Session, rounds: &[String]) -> Result<Vec<FinancialYear>, CliError> {
    let mut years = Vec::new();
    for round in rounds {
        let r = rpc!(
            session,
            rounds.get_round(pb::GetRoundRequest {
                name: round.clone()
            })
        )?;
        years.extend(
            r.years
                .iter()
                .filter_map(|y| y.parse::<FinancialYear>().ok()),
        );
    }
    Ok(years)
}

/// Runs `laa agreement export`.
pub async fn export(session: &Session, args: ExportArgs) -> Result<(), CliError> {
    let format = match (args.format, &args.file) {
        (Some(SheetFormat::Csv), _) => Format::Csv,
        (Some(SheetFormat::Xlsx), _) => Format::Xlsx,
        (None, Some(file)) => format_of(None, file)?,
        (None, None) => Format::Csv,
    };
    if args.file.is_none() && format == Format::Xlsx && std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "an XLSX workbook is not for a terminal: write it with --file agreements.xlsx",
        ));
    }
    let agreements = agreements_named(session, &args).await?;
    let mut sets: Vec<i32> = agreements.iter().map(|a| a.indicator_set).collect();
    sets.sort_unstable();
    sets.dedup();
    let mut rounds: Vec<String> = agreements.iter().map(|a| a.round.clone()).collect();
    rounds.sort();
    rounds.dedup();
    let titles = titles(session, &sets).await?;
    let mut sheet = Sheet::new(Vec::new(), periods(session, &rounds).await?);
    for agreement in &agreements {
        let titles: HashMap<i32, String> = titles
            .iter()
            .filter(|((set, _), _)| *set == agreement.indicator_set)
            .map(|((_, n), t)| (*n, t.clone()))
            .collect();
        sheet.append(Sheet::new(sheet_targets(agreement, &titles)?, []));
    }
    let bytes = match format {
        Format::Csv => laa_sheets::to_csv(&sheet),
        Format::Xlsx => laa_sheets::to_xlsx(&sheet),
    }
    .map_err(|e| CliError::failure(e.to_string()))?;
    match &args.file {
        Some(file) => {
            std::fs::write(file, &bytes)
                .map_err(|e| CliError::failure(format!("cannot write {}: {e}", file.display())))?;
            if session.out.format() == Output::Table {
                eprintln!(
                    "wrote {} targets of {} agreements to {}",
                    sheet.targets.len(),
                    agreements.len(),
                    file.display()
                );
            }
        }
        None => std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| CliError::failure(format!("cannot write the sheet: {e}")))?,
    }
    Ok(())
}
