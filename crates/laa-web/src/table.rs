//! A dataset as one table, written as CSV or as JSON from the same rows, so
//! both say the same thing; each carries the licence and the time of the data.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

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

/// A dataset: its name, what it holds, its columns and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The dataset's name in its address (`areas` for `/data/areas.csv`).
    pub name: String,
    /// One sentence on what a row is.
    pub description: String,
    /// The column names.
    pub columns: Vec<&'static str>,
    /// The rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as CSV (RFC 4180, a header line first).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(&self.columns);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(Cell::csv));
        }
        writer.into_inner().unwrap_or_default()
    }

    /// The table as JSON: the licence, the time of the data, and one object
    /// a row keyed by column.
    pub fn to_json(&self, as_of: Option<chrono::DateTime<chrono::Utc>>) -> Vec<u8> {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (column, cell) in self.columns.iter().zip(row) {
                    object.insert((*column).to_owned(), cell.json());
                }
                Value::Object(object)
            })
            .collect();
        let document = json!({
            "dataset": self.name,
            "description": self.description,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "data_as_of": as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "columns": self.columns,
            "rows": rows,
        });
        let mut out = serde_json::to_vec_pretty(&document).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_carry_the_same_rows() {
        let table = Table {
            name: "t".into(),
            description: "d".into(),
            columns: vec!["area", "value", "note"],
            rows: vec![vec![
                Cell::from("Kent, \"the Garden\""),
                Cell::from(Decimal::new(750, 2)),
                Cell::Empty,
            ]],
        };
        let csv = String::from_utf8(table.to_csv()).unwrap();
        assert_eq!(csv, "area,value,note\n\"Kent, \"\"the Garden\"\"\",7.5,\n");
        let json: Value = serde_json::from_slice(&table.to_json(None)).unwrap();
        assert_eq!(json["rows"][0]["area"], "Kent, \"the Garden\"");
        assert_eq!(json["rows"][0]["value"], json!(7.5));
        assert_eq!(json["rows"][0]["note"], Value::Null);
        assert_eq!(json["licence"], LICENCE);
    }
}
