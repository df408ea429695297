//! What can be wrong with a sheet: the file as a whole, or its cells, each
//! named by its row (as the spreadsheet numbers it, the header being row 1)
//! and its column's heading.

use std::fmt;

/// One bad cell, or one bad row: where, and what is wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// The column's heading, when one cell is at fault.
    pub column: Option<String>,
    /// What is wrong, and what to write instead.
    pub problem: String,
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "row {}, column {}: {}",
                self.row,
                laa_core::quote(column),
                self.problem
            ),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

/// Why a sheet cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// The format named is not one of ours.
    #[error("{0}")]
    Format(String),
    /// The file is larger than [`crate::MAX_FILE_BYTES`], or holds more rows
    /// or columns than a sheet may.
    #[error("{0}")]
    TooLarge(String),
    /// The bytes are not a file of the format (not UTF-8 CSV, not a workbook).
    #[error("the file cannot be read as {format}: {problem}")]
    Unreadable {
        /// The format it was read as.
        format: &'static str,
        /// What the reader said.
        problem: String,
    },
    /// The file was read, and these cells or rows are wrong (every one
    /// found, in the order of the sheet).
    #[error("{}", cells(.0))]
    Cells(Vec<CellProblem>),
    /// Writing a workbook failed.
    #[error("the workbook cannot be written: {0}")]
    Write(String),
}

fn cells(problems: &[CellProblem]) -> String {
    let count = problems.len();
    let each = problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "{count} {} in the sheet: {each}",
        if count == 1 { "problem" } else { "problems" }
    )
}
