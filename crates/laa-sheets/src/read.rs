//! A sheet's bytes to its rows of targets: the file read as a grid of
//! cells (CSV, or an XLSX workbook's first worksheet) within the limits,
//! its header row checked, each row read by [`crate::row`].

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use laa_core::{IndicatorNumber, TargetRow, Unit};

use crate::error::{CellProblem, SheetError};
use crate::layout::{Column, Heading, heading};
use crate::row::{RowRead, read_row};
use crate::{Format, MAX_CELL_CHARS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (or only spaces).
    Empty,
    /// Text, as written (a CSV cell is always text).
    Text(String),
    /// A number stored as one (an XLSX numeric cell).
    Number(f64),
}

impl Cell {
    /// True for an empty cell, or one of spaces only.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Number(_) => false,
        }
    }

    /// The cell as text: a number in its shortest form.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Number(n) => laa_core::decimal::from_f64(*n)
                .map(laa_core::decimal::written)
                .unwrap_or_else(|_| n.to_string()),
        }
    }
}

/// A row of targets read, with the row the spreadsheet numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub line: usize,
    /// The row: the terms offered on one indicator.
    pub row: TargetRow,
}

/// A row passed over because it offers no terms: every column of terms
/// and the rationale blank (a statutory target awaiting terms, in a sheet
/// downloaded to be filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The row as the spreadsheet numbers it.
    pub line: usize,
    /// The indicator it names, as written.
    pub indicator: String,
}

/// A sheet read: its rows of targets, in order, and the rows left blank.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedSheet {
    /// The rows that offer terms.
    pub rows: Vec<ParsedRow>,
    /// The rows that name an indicator and offer nothing.
    pub skipped: Vec<SkippedRow>,
}

impl ParsedSheet {
    /// The rows of the `ImportTargets` command, in order.
    pub fn target_rows(&self) -> Vec<TargetRow> {
        self.rows.iter().map(|r| r.row.clone()).collect()
    }

    /// The spreadsheet row of the command's `rows[index]`.
    pub fn line_of(&self, index: usize) -> Option<usize> {
        self.rows.get(index).map(|r| r.line)
    }
}

/// Reads a sheet of targets. `unit_of` gives a National Indicator's unit,
/// for a row that leaves the unit blank (`None`: not known, and the row
/// must state it).
///
/// Every problem found is reported, each naming its row and column; a
/// sheet with any problem gives no rows.
pub fn parse(
    bytes: &[u8],
    format: Format,
    unit_of: &dyn Fn(IndicatorNumber) -> Option<Unit>,
) -> Result<ParsedSheet, SheetError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge(format!(
            "the file is {} bytes; a sheet of targets may be at most {} MiB",
            bytes.len(),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let (first_line, grid) = match format {
        Format::Csv => (1, csv_grid(bytes)?),
        Format::Xlsx => xlsx_grid(bytes)?,
    };
    from_grid(first_line, grid, unit_of)
}

/// Rows of cells from CSV bytes (UTF-8, a byte-order mark allowed, rows
/// of any length).
fn csv_grid(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut grid = Vec::new();
    for (index, record) in reader.records().enumerate() {
        check_height(index)?;
        let record = record.map_err(|e| SheetError::Unreadable {
            format: "CSV",
            problem: match e.position() {
                Some(p) => format!("row {}: {e}", p.line()),
                None => e.to_string(),
            },
        })?;
        grid.push(
            record
                .iter()
                .map(|t| {
                    if t.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(unguarded(t).to_owned())
                    }
                })
                .collect(),
        );
    }
    Ok(grid)
}

/// The first worksheet's cells, with the row its first row is (the used
/// range may start below row 1).
fn xlsx_grid(bytes: &[u8]) -> Result<(usize, Vec<Vec<Cell>>), SheetError> {
    let unreadable = |problem: String| SheetError::Unreadable {
        format: "an XLSX workbook",
        problem,
    };
    check_unpacked(bytes)?;
    let mut workbook: Xlsx<Cursor<&[u8]>> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("it has no worksheet".into()))?
        .map_err(|e| unreadable(e.to_string()))?;
    let first_line = range.start().map_or(1, |(row, _)| row as usize + 1);
    let (height, width) = range.get_size();
    if height > 0 {
        check_height(height - 1)?;
    }
    check_width(width)?;
    let grid = range
        .rows()
        .map(|cells| {
            cells
                .iter()
                .map(|cell: &Data| match cell {
                    Data::Empty => Cell::Empty,
                    Data::Int(i) => Cell::Number(*i as f64),
                    Data::Float(f) => Cell::Number(*f),
                    Data::Bool(b) => Cell::Text(if *b { "yes" } else { "no" }.into()),
                    Data::String(s) if s.trim().is_empty() => Cell::Empty,
                    other => Cell::Text(other.to_string()),
                })
                .collect()
        })
        .collect();
    Ok((first_line, grid))
}

/// A CSV text cell without the `'` written before one that would
/// otherwise be read as a formula ([`crate::write`]).
fn unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(crate::write::FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// A workbook is a zip archive: one whose parts would unpack to more than
/// [`MAX_UNPACKED_BYTES`] (a few hundred rows take well under 1 MiB) is
/// refused before any part is unpacked.
fn check_unpacked(bytes: &[u8]) -> Result<(), SheetError> {
    let unreadable = |e: zip::result::ZipError| SheetError::Unreadable {
        format: "an XLSX workbook",
        problem: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(index).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(SheetError::TooLarge(format!(
            "the workbook unpacks to {total} bytes; a sheet of targets may unpack to at most {} MiB",
            MAX_UNPACKED_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

fn check_height(index: usize) -> Result<(), SheetError> {
    // The header, then at most MAX_ROWS rows of targets.
    if index > MAX_ROWS {
        return Err(SheetError::TooLarge(format!(
            "the sheet has more than {MAX_ROWS} rows of targets: one import holds at most {MAX_ROWS}"
        )));
    }
    Ok(())
}

fn check_width(width: usize) -> Result<(), SheetError> {
    if width > MAX_COLUMNS {
        return Err(SheetError::TooLarge(format!(
            "the sheet has {width} columns; it may have at most {MAX_COLUMNS}"
        )));
    }
    Ok(())
}

/// The header checked, then each row below it read.
fn from_grid(
    first_line: usize,
    grid: Vec<Vec<Cell>>,
    unit_of: &dyn Fn(IndicatorNumber) -> Option<Unit>,
) -> Result<ParsedSheet, SheetError> {
    // Rows wholly blank (the end of a sheet, spacing) are passed over.
    let mut lines = grid
        .into_iter()
        .enumerate()
        .map(|(i, cells)| (first_line + i, cells))
        .filter(|(_, cells)| !cells.iter().all(Cell::is_blank));
    let Some((header_line, header)) = lines.next() else {
        return Err(SheetError::Cells(vec![CellProblem {
            row: first_line,
            column: None,
            problem: "the sheet is empty: its first row names the columns (indicator, baseline, baseline period, the years, rationale...)".into(),
        }]));
    };
    let width = header.len().max(1);
    check_width(header.len())?;
    let headings = read_header(header_line, &header)?;
    let mut problems = Vec::new();
    let mut sheet = ParsedSheet::default();
    for (line, cells) in lines {
        if let Some(long) = cells
            .iter()
            .position(|c| c.text().chars().count() > MAX_CELL_CHARS)
        {
            problems.push(CellProblem {
                row: line,
                column: Some(heading_text(&headings, long)),
                problem: format!("the cell holds more than {MAX_CELL_CHARS} characters"),
            });
            continue;
        }
        if cells.len() > width && cells[width..].iter().any(|c| !c.is_blank()) {
            problems.push(CellProblem {
                row: line,
                column: None,
                problem: "it has cells beyond the last named column: give every column a heading"
                    .into(),
            });
            continue;
        }
        match read_row(line, &headings, &cells, unit_of) {
            Ok(RowRead::Row(row)) => sheet.rows.push(ParsedRow { line, row }),
            Ok(RowRead::Blank { indicator }) => {
                sheet.skipped.push(SkippedRow { line, indicator });
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() {
        Ok(sheet)
    } else {
        Err(SheetError::Cells(problems))
    }
}

fn heading_text(headings: &[Option<Heading>], index: usize) -> String {
    match headings.get(index).copied().flatten() {
        Some(Heading::Named(c)) => c.heading().to_owned(),
        Some(Heading::Year(y)) => y.to_string(),
        None => format!("{}", index + 1),
    }
}

/// The header row: every heading known, none twice, the required ones
/// there. A blank heading is allowed over an empty column only (checked
/// per row).
fn read_header(line: usize, header: &[Cell]) -> Result<Vec<Option<Heading>>, SheetError> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut headings = Vec::with_capacity(header.len());
    for cell in header {
        let text = cell.text();
        if text.is_empty() {
            headings.push(None);
            continue;
        }
        match heading(&text) {
            Some(h) => {
                if !seen.insert(h) {
                    problems.push(CellProblem {
                        row: line,
                        column: Some(text.clone()),
                        problem: "this column is named twice".into(),
                    });
                }
                headings.push(Some(h));
            }
            None => {
                problems.push(CellProblem {
                    row: line,
                    column: Some(text.clone()),
                    problem: format!(
                        "not a column of the layout: use {}, or a financial year such as 2008/09 (docs/SPREADSHEETS.md)",
                        Column::ALL
                            .iter()
                            .filter(|c| c.is_read())
                            .map(|c| c.heading())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                headings.push(None);
            }
        }
    }
    for required in Column::ALL.into_iter().filter(|c| c.is_required()) {
        if !seen.contains(&Heading::Named(required)) {
            problems.push(CellProblem {
                row: line,
                column: None,
                problem: format!(
                    "the first row names the columns, and there is no {} column",
                    laa_core::quote(required.heading())
                ),
            });
        }
    }
    if problems.is_empty() {
        Ok(headings)
    } else {
        Err(SheetError::Cells(problems))
    }
}
