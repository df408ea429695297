//! `laa agreement export`: one agreement, or those of a region or a round
//! the caller may read, read with `GetAgreement` and written by
//! `laa_sheets`, to a file or standard output.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use laa_core::FinancialYear;
use laa_proto::v1 as pb;
use laa_sheets::{Format, Sheet};

use crate::client::args::Format as Output;
use crate::client::args::{ExportArgs, SheetFormat};
use crate::client::commands::change::get_agreement;
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::paging;
use crate::client::suggest::region;

use super::format_of;

/// An agreement's live targets as rows of a sheet, with the terms on the
/// table (the open offer, else the terms agreed).
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
        let all = super::indicators(session, set).await?;
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
        let targets =
            laa_sheets::wire::sheet_targets(agreement, &titles).map_err(CliError::failure)?;
        sheet.append(Sheet::new(targets, []));
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
                    "wrote {} of {} to {}",
                    crate::client::words::count(sheet.targets.len(), "target"),
                    crate::client::words::count(agreements.len(), "agreement"),
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
