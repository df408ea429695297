//! An open-data table written into the file kept of it ([`TableFile`]).

use axum::http::StatusCode;

use crate::http::Kind;
use crate::kept::{self, Rendered};
use crate::table;

/// A table being written into the file kept of it: its rows go straight
/// into the body and its encodings ([`kept::Encoder`]), never held whole
/// as rows or as a document.
pub(crate) struct TableFile {
    pub(crate) writer: table::TableWriter<std::io::BufWriter<kept::Encoder>>,
    kind: Kind,
    filename: String,
}

/// How much of a table is gathered before it goes to the encoders.
const WRITE_BUFFER: usize = 64 * 1024;

/// The size a large open-data file is expected to have, for its encoders.
pub(crate) const LARGE_FILE: usize = 16 << 20;

impl TableFile {
    /// Begins the file `filename` of `table` as `kind` (CSV or JSON),
    /// with the time of the data, of about `expected` bytes (0: unknown;
    /// see [`kept::Encoder::expecting`]).
    pub(crate) fn begin(
        table: &table::Table,
        kind: Kind,
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        filename: String,
        expected: usize,
    ) -> std::io::Result<Self> {
        let format = match kind {
            Kind::Json => table::Format::Json,
            _ => table::Format::Csv,
        };
        let out =
            std::io::BufWriter::with_capacity(WRITE_BUFFER, kept::Encoder::expecting(expected));
        Ok(Self {
            writer: table::TableWriter::new(out, table, format, as_of)?,
            kind,
            filename,
        })
    }

    /// The file as rendered.
    pub(crate) fn finish(self) -> std::io::Result<Rendered> {
        let encoder = self
            .writer
            .finish()?
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        Ok(Rendered {
            status: StatusCode::OK,
            kind: self.kind,
            body: kept::Body::Encoded(encoder.finish()?),
            filename: Some(self.filename),
        })
    }
}
