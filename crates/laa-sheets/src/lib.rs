//! Targets' terms in spreadsheets: an agreement's targets read from an
//! uploaded CSV or XLSX file, and one or many agreements written as CSV or
//! XLSX. Bytes in, bytes out: no file, no network, no clock.
//!
//! One column layout serves both ways; it is documented in
//! `docs/SPREADSHEETS.md` and declared once, in [`layout`]. A sheet read
//! becomes [`laa_core::TargetRow`]s, the rows of the `ImportTargets`
//! command, which the engine decides all or none.
//!
//! # Layout
//! - [`layout`]: the columns, their headings and the spellings accepted;
//! - [`read`]: bytes to a grid of cells (CSV, XLSX), within the limits;
//! - [`row`]: one row of cells to a [`laa_core::TargetRow`], every bad
//!   cell named by its row and column;
//! - [`export`]: an agreement's targets as rows to write;
//! - [`write`]: rows to CSV or XLSX bytes;
//! - [`wire`]: rows, terms and agreements to and from the wire's
//!   messages (what the CLI and the workspace send and read);
//! - [`error`]: what can be wrong with a sheet.

pub mod error;
pub mod export;
pub mod layout;
pub mod read;
pub mod row;
pub mod wire;
pub mod write;

pub use error::{CellProblem, SheetError};
pub use export::{Sheet, SheetTarget, TermsShown, from_agreement};
pub use read::{ParsedRow, ParsedSheet, SkippedRow, parse};
pub use write::{to_csv, to_xlsx};

/// The largest file read: 2 MiB, far more than 200 rows of terms need.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The most an XLSX workbook's parts may unpack to: 32 MiB.
pub const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;

/// The most rows of targets a sheet may hold (the header aside): the most
/// one import may carry ([`laa_core::command::MAX_IMPORT_ROWS`]).
pub const MAX_ROWS: usize = laa_core::command::MAX_IMPORT_ROWS;

/// The most columns a sheet may hold.
pub const MAX_COLUMNS: usize = 64;

/// The most characters one cell may hold (a rationale's limit).
pub const MAX_CELL_CHARS: usize = laa_core::decide::MAX_TEXT_CHARS;

/// A spreadsheet's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values, UTF-8 (a byte-order mark is allowed).
    Csv,
    /// Office Open XML workbook: the first worksheet is read.
    Xlsx,
}

impl Format {
    /// Parses `csv` or `xlsx` (any case).
    pub fn parse(name: &str) -> Result<Self, SheetError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(SheetError::Format(format!(
                "{} is not a spreadsheet format: use csv or xlsx",
                laa_core::quote(other)
            ))),
        }
    }

    /// The format a file name's extension names (`targets.xlsx`), if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, extension) = name.rsplit_once('.')?;
        Format::parse(extension).ok()
    }

    /// The format's name and usual extension: `csv` or `xlsx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The media type a download of this format is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}
