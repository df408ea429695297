//! Printing in the chosen format: tables fitted to the terminal, the proto3
//! JSON mapping, or CSV. What each resource looks like is `render`'s.

use std::io::IsTerminal;

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};
use laa_proto::ToJson;
use serde::Serialize;

use super::args::Format;
use super::error::CliError;

/// Prints results in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    format: Format,
}

/// Rows to print: a header and the rows under it.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Rows {
    /// Rows under a header.
    pub fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The rows without the columns under these headings (what a table
    /// for a terminal leaves to CSV and JSON).
    pub fn without(mut self, headings: &[&str]) -> Self {
        let keep: Vec<bool> = self.header.iter().map(|h| !headings.contains(h)).collect();
        let kept = |cells: Vec<String>| -> Vec<String> {
            cells
                .into_iter()
                .zip(&keep)
                .filter_map(|(c, k)| k.then_some(c))
                .collect()
        };
        self.header = self
            .header
            .iter()
            .zip(&keep)
            .filter_map(|(h, k)| k.then_some(*h))
            .collect();
        self.rows = self.rows.into_iter().map(kept).collect();
        self
    }
}

impl Output {
    /// An output in a format.
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Prints any serialisable value as pretty JSON.
    pub fn json<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        println!("{}", json_text(value, true)?);
        Ok(())
    }

    /// Prints a message in its proto3 JSON form.
    pub fn message<M: ToJson>(&self, message: &M) -> Result<(), CliError> {
        self.json(&proto_json(message)?)
    }

    /// Prints messages as a JSON array of their proto3 JSON forms.
    pub fn messages<M: ToJson>(&self, messages: &[M]) -> Result<(), CliError> {
        let all = messages
            .iter()
            .map(proto_json)
            .collect::<Result<Vec<_>, _>>()?;
        self.json(&all)
    }

    /// Prints rows as a table (table format) or CSV (csv format).
    pub fn rows(&self, rows: &Rows) {
        match self.format {
            Format::Csv => print!("{}", csv(rows)),
            _ => println!("{}", table(rows)),
        }
    }
}

/// A message's proto3 JSON form.
pub fn proto_json<M: ToJson>(message: &M) -> Result<M::Json, CliError> {
    message
        .to_json()
        .map_err(|e| CliError::failure(format!("cannot convert the answer to JSON: {e}")))
}

/// A value as JSON text (pretty, or one line), its timestamps in UTC
/// ending in `Z` as the proto3 JSON mapping writes them (pbjson writes
/// `+00:00`): every JSON string that is a whole RFC 3339 time ending in
/// `+00:00` ends in `Z` instead; nothing else changes (a time quoted
/// inside free text stays as written).
pub fn json_text<T: Serialize>(value: &T, pretty: bool) -> Result<String, CliError> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .map_err(|e| CliError::failure(format!("cannot write JSON: {e}")))?;
    Ok(zulu(&text))
}

/// `+00:00"` closing a JSON string that is a whole RFC 3339 time, as `Z"`.
fn zulu(text: &str) -> String {
    const UTC: &str = "+00:00\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(UTC) {
        let before = &rest[..at];
        // The string's opening quote: the last one before, not escaped.
        let whole = before
            .rfind('"')
            .filter(|q| !before[..*q].ends_with('\\'))
            .is_some_and(|q| {
                chrono::DateTime::parse_from_rfc3339(&format!("{}+00:00", &before[q + 1..])).is_ok()
            });
        out.push_str(before);
        out.push_str(if whole { "Z\"" } else { UTC });
        rest = &rest[at + UTC.len()..];
    }
    out.push_str(rest);
    out
}

/// Rows as a table, fitted to the terminal's width when printing to one.
pub fn table(rows: &Rows) -> String {
    table_within(rows, terminal_width())
}

/// Rows as a table no wider than `width` columns (`None`: as wide as its
/// cells). Long cells wrap between words; a heading never wraps, nor does
/// a word of a cell up to 24 characters (`least_widths`).
pub fn table_within(rows: &Rows, width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header(&rows.header);
    if let Some(width) = width {
        table
            .set_width(width)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    for row in &rows.rows {
        table.add_row(row);
    }
    if width.is_some() {
        let least = least_widths(rows);
        for (column, least) in table.column_iter_mut().zip(least) {
            // The boundary counts the column's padding too.
            let least = u16::try_from(least + 2).unwrap_or(u16::MAX);
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(least)));
        }
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    table
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The narrowest each column may be: its whole heading, and the longest
/// word of its cells (a number, a code, a date is never cut), up to
/// `LONGEST_WORD` (a longer word in free text may be).
fn least_widths(rows: &Rows) -> Vec<usize> {
    const LONGEST_WORD: usize = 24;
    rows.header
        .iter()
        .enumerate()
        .map(|(k, heading)| {
            let words = rows
                .rows
                .iter()
                .filter_map(|r| r.get(k))
                .flat_map(|cell| cell.split_whitespace())
                .map(|w| w.chars().count().min(LONGEST_WORD))
                .max()
                .unwrap_or(0);
            heading.chars().count().max(words)
        })
        .collect()
}

/// Rows as CSV with a header row.
pub fn csv(rows: &Rows) -> String {
    let mut out = String::new();
    let line = |fields: &mut dyn Iterator<Item = &str>| {
        fields.map(csv_field).collect::<Vec<_>>().join(",") + "\n"
    };
    out.push_str(&line(&mut rows.header.iter().copied()));
    for row in &rows.rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The width of the terminal standard output goes to, if it goes to one.
fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    #[cfg(unix)]
    {
        let mut size = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ writes a `winsize` into the pointer it is given,
        // which points at a live, writable one.
        let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
        if ok && size.ws_col > 0 {
            return Some(size.ws_col);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_times_end_in_z() {
        let value = serde_json::json!({
            "recordedAt": "2026-12-06T13:52:10.422881+00:00",
            "events": [{"occurredAt": "2008-06-30T09:00:00+00:00"}],
            "rationale": "agreed at 2008-06-30T09:00:00+00:00",
            "quoted": "\"2008-06-30T09:00:00+00:00",
            "at": "2008-06-30T10:00:00+01:00",
        });
        let text = json_text(&value, false).unwrap();
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            read,
            serde_json::json!({
                "recordedAt": "2026-12-06T13:52:10.422881Z",
                "events": [{"occurredAt": "2008-06-30T09:00:00Z"}],
                "rationale": "agreed at 2008-06-30T09:00:00+00:00",
                "quoted": "\"2008-06-30T09:00:00+00:00",
                "at": "2008-06-30T10:00:00+01:00",
            })
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut rows = Rows::new(&["A", "B"]);
        rows.push(vec!["plain".into(), "with, comma \"and quote\"".into()]);
        assert_eq!(csv(&rows), "A,B\nplain,\"with, comma \"\"and quote\"\"\"\n");
    }

    #[test]
    fn a_table_fits_its_width_without_splitting_a_heading() {
        // The reward's table as a terminal shows it.
        let mut rows = Rows::new(&[
            "NI",
            "BASELINE",
            "PLANNED",
            "ACTUAL",
            "ACHIEVED %",
            "PAID %",
            "AMOUNT £",
            "WHY",
        ]);
        rows.push(
            [
                "117",
                "8",
                "7",
                "7.4",
                "60",
                "60",
                "24000.00",
                "60% of the planned improvement: paid in proportion to what was achieved",
            ]
            .map(String::from)
            .to_vec(),
        );
        let text = table_within(&rows, Some(80));
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        let first = text.lines().next().unwrap_or_default();
        for heading in &rows.header {
            assert!(first.contains(heading), "{heading} split:\n{text}");
        }
        assert!(text.lines().count() > 2, "the long cell wraps:\n{text}");
    }

    #[test]
    fn tables_align_their_columns() {
        let mut rows = Rows::new(&["CODE", "REGION"]);
        rows.push(vec!["east_of_england_long_code".into(), "goeast".into()]);
        rows.push(vec!["kent".into(), "gose".into()]);
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        let column = |l: &str, w: &str| l.find(w).unwrap();
        assert_eq!(
            column(lines[1], "goeast"),
            column(lines[2], "gose"),
            "{text}"
        );
    }
}
