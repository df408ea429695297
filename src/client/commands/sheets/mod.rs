//! `laa target import` and `laa agreement export`: targets' terms from a
//! spreadsheet (CSV or XLSX) in one `ImportTargets`, all rows or none, and
//! agreements written as spreadsheets from what `GetAgreement` answers.
//! The sheet's layout is `laa_sheets`'s (docs/SPREADSHEETS.md).
//!
//! - [`import`]: a sheet read, sent, and each row's outcome printed;
//! - [`export`]: agreements read and written as a sheet;
//! - [`wire`]: rows and terms to and from the wire.

mod export;
mod import;

use std::path::Path;

use laa_proto::v1 as pb;
use laa_sheets::Format;

use crate::client::args::SheetFormat;
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::paging;

pub use export::export;
pub use import::import;

/// The format named, or read from the file's name.
pub(super) fn format_of(given: Option<SheetFormat>, file: &Path) -> Result<Format, CliError> {
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

/// Every indicator of set `set`, as the server words them.
async fn indicators(session: &Session, set: i32) -> Result<Vec<pb::Indicator>, CliError> {
    paging::all(|page_token| async move {
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
    .await
}
