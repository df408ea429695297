//! Printing in the chosen format: tables fitted to the terminal, the proto3
//! JSON mapping, or CSV. What each resource looks like is `render`'s.

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, Table, presets};
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
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::failure(format!("cannot write JSON: {e}")))?;
        println!("{text}");
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

/// Rows as a table, fitted to the terminal's width when printing to one.
pub fn table(rows: &Rows) -> String {
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header(&rows.header);
    if let Some(width) = terminal_width() {
        table
            .set_width(width)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    for row in &rows.rows {
        table.add_row(row);
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
    fn csv_quotes_what_needs_quoting() {
        let mut rows = Rows::new(&["A", "B"]);
        rows.push(vec!["plain".into(), "with, comma \"and quote\"".into()]);
        assert_eq!(csv(&rows), "A,B\nplain,\"with, comma \"\"and quote\"\"\"\n");
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
