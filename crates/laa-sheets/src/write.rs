//! A sheet written as CSV or XLSX, in the one column layout: a header row,
//! then a row per target. Numbers are written as numbers (exact in CSV,
//! the same double the API answers in XLSX).

use laa_core::agreement::IndicatorRef;
use laa_core::{Terms, YearValue};
use rust_decimal::Decimal;

use crate::error::SheetError;
use crate::export::{Sheet, SheetTarget, year_text};
use crate::layout::Column;
use crate::row::LOCAL_PREFIX;

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
enum Out {
    Text(String),
    Number(Decimal),
    Whole(u32),
}

/// The characters that make a spreadsheet program read a text cell of a
/// CSV file as a formula; such a cell is written after a `'`, which the
/// reader takes off again ([`crate::read`]).
pub(crate) const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The headings, in order: the named columns with the years after the
/// baseline period.
fn headings(sheet: &Sheet) -> Vec<String> {
    let mut out = Vec::new();
    for column in Column::ALL {
        out.push(column.heading().to_owned());
        if column == Column::BaselinePeriod {
            out.extend(sheet.years.iter().map(ToString::to_string));
        }
    }
    out
}

fn cells(sheet: &Sheet, target: &SheetTarget) -> Vec<Out> {
    let text = |s: &str| Out::Text(s.to_owned());
    let values = match &target.terms {
        Some(Terms::Values(v)) => Some(v),
        _ => None,
    };
    let placeholder = match &target.terms {
        Some(Terms::Placeholder { reason, due }) => Some((reason.as_str(), due.as_str())),
        _ => None,
    };
    let mut out = Vec::new();
    for column in Column::ALL {
        out.push(match column {
            Column::Agreement => text(&target.agreement),
            Column::Target => Out::Whole(target.target),
            Column::Kind => text(&target.kind),
            Column::Status => text(&target.status),
            Column::Terms => Out::Text(target.shown.as_text()),
            Column::Indicator => match &target.indicator {
                IndicatorRef::National(n) => Out::Text(n.to_string()),
                IndicatorRef::Local { code, .. } => {
                    Out::Text(format!("{LOCAL_PREFIX}{}", code.as_str()))
                }
            },
            Column::Title => match &target.indicator {
                IndicatorRef::Local { title, .. } => text(title),
                IndicatorRef::National(_) => text(&target.title),
            },
            Column::Unit => text(values.map_or("", |v| v.unit.as_str())),
            Column::Baseline => values.map_or(text(""), |v| Out::Number(v.baseline.value)),
            Column::BaselinePeriod => text(values.map_or("", |v| v.baseline.period.as_str())),
            Column::Placeholder => text(placeholder.map_or("", |p| p.0)),
            Column::Due => text(placeholder.map_or("", |p| p.1)),
            Column::LimitDeterioration => text(
                values
                    .and_then(|v| v.limit_deterioration.as_deref())
                    .unwrap_or(""),
            ),
            Column::Department => text(target.department.as_ref().map_or("", |d| d.as_str())),
            Column::Rationale => text(&target.rationale),
            Column::Evidence => Out::Text(target.evidence.join("\n")),
            Column::DealBreaker => text(if target.deal_breaker { "yes" } else { "" }),
            // A proposal's priority is not part of a target's terms.
            Column::Priority => text(""),
        });
        if column == Column::BaselinePeriod {
            for year in &sheet.years {
                out.push(match values.and_then(|v| v.trajectory.get(year)) {
                    Some(value @ YearValue::Deferred { .. }) => {
                        Out::Text(year_text(value).unwrap_or_default())
                    }
                    Some(YearValue::Value(v)) => Out::Number(*v),
                    None => text(""),
                });
            }
        }
    }
    out
}

/// The sheet as CSV (UTF-8, CRLF line ends as RFC 4180 has them).
pub fn to_csv(sheet: &Sheet) -> Result<Vec<u8>, SheetError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let write_error = |e: csv::Error| SheetError::Write(e.to_string());
    writer.write_record(headings(sheet)).map_err(write_error)?;
    for target in &sheet.targets {
        let record: Vec<String> = cells(sheet, target)
            .into_iter()
            .map(|cell| match cell {
                Out::Text(t) if t.starts_with(FORMULA_STARTS) => format!("'{t}"),
                Out::Text(t) => t,
                Out::Number(n) => laa_core::decimal::written(n),
                Out::Whole(n) => n.to_string(),
            })
            .collect();
        writer.write_record(record).map_err(write_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| SheetError::Write(e.to_string()))
}

/// The sheet as an XLSX workbook of one worksheet, `targets`, its header
/// row bold and frozen.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Format, Workbook};
    let write_error = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("targets").map_err(write_error)?;
    let bold = Format::new().set_bold();
    for (col, heading) in headings(sheet).iter().enumerate() {
        worksheet
            .write_string_with_format(0, column_index(col)?, heading, &bold)
            .map_err(write_error)?;
    }
    worksheet.set_freeze_panes(1, 0).map_err(write_error)?;
    for (index, target) in sheet.targets.iter().enumerate() {
        let row = u32::try_from(index + 1)
            .map_err(|_| SheetError::TooLarge("too many rows for a worksheet".into()))?;
        for (col, cell) in cells(sheet, target).into_iter().enumerate() {
            let col = column_index(col)?;
            match cell {
                Out::Text(t) if t.is_empty() => {}
                Out::Text(t) => {
                    worksheet.write_string(row, col, t).map_err(write_error)?;
                }
                Out::Number(n) => {
                    worksheet
                        .write_number(row, col, laa_core::decimal::to_f64(n))
                        .map_err(write_error)?;
                }
                Out::Whole(n) => {
                    worksheet
                        .write_number(row, col, f64::from(n))
                        .map_err(write_error)?;
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(write_error)
}

fn column_index(col: usize) -> Result<u16, SheetError> {
    u16::try_from(col).map_err(|_| SheetError::TooLarge("too many columns for a worksheet".into()))
}
