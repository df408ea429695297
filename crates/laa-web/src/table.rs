//! A dataset as one table, written as CSV or as JSON from the same rows, so
//! both say the same thing; each carries the licence and the time of the data.
//!
//! A table is written row by row as its rows are made ([`TableWriter`]):
//! the open data of a whole round is tens of thousands of rows, and
//! holding them all (and again as a JSON document) before writing them
//! would cost several times the file.

use std::io::{self, Write};

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::pages::layout::{LICENCE, LICENCE_URL};

/// One cell of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// An exact decimal (written as a JSON number).
    Decimal(Decimal),
    /// True or false.
    Bool(bool),
    /// Nothing (an empty CSV field, JSON `null`).
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Int(i64::from(n))
    }
}

impl From<Decimal> for Cell {
    fn from(d: Decimal) -> Self {
        Cell::Decimal(d.normalize())
    }
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(n) => json!(n),
            Cell::Decimal(d) => serde_json::from_str(&d.to_string())
                .unwrap_or_else(|_| Value::String(d.to_string())),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Empty => Value::Null,
        }
    }
}

/// A dataset's heading: its name, what it holds and its columns. Its rows
/// are written after it, one at a time ([`TableWriter::row`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The dataset's name in its address (`areas` for `/data/areas.csv`).
    pub name: String,
    /// One sentence on what a row is.
    pub description: String,
    /// The column names.
    pub columns: Vec<&'static str>,
}

/// The form a table is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180, a header line first.
    Csv,
    /// One document: the licence, the time of the data, and one object a
    /// row keyed by column.
    Json,
}

/// Writes a table into `out` as its rows come: CSV, or JSON laid out as
/// `serde_json`'s pretty printer lays out the whole document (keys in
/// order, two spaces an indent), so the bytes are those of the document
/// built whole.
pub struct TableWriter<W: Write> {
    form: Form<W>,
}

enum Form<W: Write> {
    // Boxed: the CSV writer carries its buffer's bookkeeping inline.
    Csv(Box<csv::Writer<W>>),
    Json {
        out: W,
        /// The columns in the order a row's keys are written (sorted,
        /// as a JSON object's keys are), each with its cell's place.
        keys: Vec<(&'static str, usize)>,
        rows: usize,
    },
}

impl<W: Write> TableWriter<W> {
    /// Begins writing `table` in `format` into `out`; `as_of` is the time
    /// of the data, which the JSON carries.
    pub fn new(
        out: W,
        table: &Table,
        format: Format,
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> io::Result<Self> {
        let form = match format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(&table.columns)?;
                Form::Csv(Box::new(writer))
            }
            Format::Json => {
                let mut out = out;
                // Every field of the document but the rows, which sort last.
                let heading = json!({
                    "dataset": table.name,
                    "description": table.description,
                    "licence": LICENCE,
                    "licence_url": LICENCE_URL,
                    "data_as_of": as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    "columns": table.columns,
                });
                out.write_all(b"{")?;
                if let Value::Object(fields) = heading {
                    for (key, value) in &fields {
                        out.write_all(b"\n  ")?;
                        serde_json::to_writer(&mut out, key)?;
                        out.write_all(b": ")?;
                        write_indented(&mut out, value, 1)?;
                        out.write_all(b",")?;
                    }
                }
                out.write_all(b"\n  \"rows\": [")?;
                let mut keys: Vec<(&'static str, usize)> = table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(k, c)| (*c, k))
                    .collect();
                keys.sort_unstable();
                Form::Json { out, keys, rows: 0 }
            }
        };
        Ok(Self { form })
    }

    /// Writes one row, as long as the columns.
    pub fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        match &mut self.form {
            Form::Csv(writer) => writer.write_record(cells.iter().map(Cell::csv))?,
            Form::Json { out, keys, rows } => {
                out.write_all(if *rows == 0 { b"\n    {" } else { b",\n    {" })?;
                for (k, (column, place)) in keys.iter().enumerate() {
                    out.write_all(if k == 0 { b"\n      " } else { b",\n      " })?;
                    serde_json::to_writer(&mut *out, column)?;
                    out.write_all(b": ")?;
                    let value = cells.get(*place).map_or(Value::Null, Cell::json);
                    serde_json::to_writer(&mut *out, &value)?;
                }
                out.write_all(if keys.is_empty() { b"}" } else { b"\n    }" })?;
                *rows += 1;
            }
        }
        Ok(())
    }

    /// Ends the table; what it was written into.
    pub fn finish(self) -> io::Result<W> {
        match self.form {
            Form::Csv(writer) => writer.into_inner().map_err(|e| e.into_error()),
            Form::Json { mut out, rows, .. } => {
                out.write_all(if rows == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
                Ok(out)
            }
        }
    }
}

/// `value` pretty-printed as it stands at `depth` in a document: its
/// inner lines indented two spaces more for each level.
fn write_indented<W: Write>(out: &mut W, value: &Value, depth: usize) -> io::Result<()> {
    let pretty = serde_json::to_vec_pretty(value)?;
    let indent = "  ".repeat(depth);
    // A line break in pretty JSON is only ever between tokens: strings
    // carry theirs escaped.
    for (k, line) in pretty.split(|b| *b == b'\n').enumerate() {
        if k > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "t".into(),
            description: "d".into(),
            columns: vec!["area", "value", "note"],
        }
    }

    fn written(table: &Table, format: Format, rows: &[Vec<Cell>]) -> Vec<u8> {
        let as_of = chrono::DateTime::from_timestamp(1_230_000_000, 0);
        let mut writer = TableWriter::new(Vec::new(), table, format, as_of).unwrap();
        for row in rows {
            writer.row(row).unwrap();
        }
        writer.finish().unwrap()
    }

    /// The document built whole, as the files were written before they
    /// were written row by row.
    fn whole(table: &Table, rows: &[Vec<Cell>]) -> Vec<u8> {
        let as_of = chrono::DateTime::<chrono::Utc>::from_timestamp(1_230_000_000, 0);
        let rows: Vec<Value> = rows
            .iter()
            .map(|row| {
                let mut object = serde_json::Map::new();
                for (column, cell) in table.columns.iter().zip(row) {
                    object.insert((*column).to_owned(), cell.json());
                }
                Value::Object(object)
            })
            .collect();
        let document = json!({
            "dataset": table.name,
            "description": table.description,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "data_as_of": as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "columns": table.columns,
            "rows": rows,
        });
        let mut out = serde_json::to_vec_pretty(&document).unwrap();
        out.push(b'\n');
        out
    }

    #[test]
    fn csv_and_json_carry_the_same_rows() {
        let rows = vec![vec![
            Cell::from("Kent, \"the Garden\""),
            Cell::from(Decimal::new(750, 2)),
            Cell::Empty,
        ]];
        let csv = String::from_utf8(written(&table(), Format::Csv, &rows)).unwrap();
        assert_eq!(csv, "area,value,note\n\"Kent, \"\"the Garden\"\"\",7.5,\n");
        let json: Value = serde_json::from_slice(&written(&table(), Format::Json, &rows)).unwrap();
        assert_eq!(json["rows"][0]["area"], "Kent, \"the Garden\"");
        assert_eq!(json["rows"][0]["value"], json!(7.5));
        assert_eq!(json["rows"][0]["note"], Value::Null);
        assert_eq!(json["licence"], LICENCE);
    }

    #[test]
    fn json_written_row_by_row_is_the_document_built_whole() {
        let rows = [
            vec![
                Cell::from("Kent\nline two \u{2028} \"quoted\""),
                Cell::from(Decimal::new(-12_345, 3)),
                Cell::Bool(true),
            ],
            vec![Cell::Int(42), Cell::from(Decimal::new(100, 0)), Cell::Empty],
        ];
        let table = Table {
            // Columns out of order: a JSON object's keys are sorted.
            columns: vec!["zone", "area", "middle"],
            ..table()
        };
        for rows in [&rows[..], &rows[..1], &[]] {
            assert_eq!(
                String::from_utf8(written(&table, Format::Json, rows)).unwrap(),
                String::from_utf8(whole(&table, rows)).unwrap()
            );
        }
    }
}
