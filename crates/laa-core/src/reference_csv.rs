//! The embedded reference lists of `code,name,kind` rows (departments,
//! partners), read one way: the header checked, each field trimmed, each
//! kind one of the list's own.

/// One row of a reference list: its code, name and kind, as written.
pub(crate) struct Row {
    /// Its code, not yet checked as the list's kind of code.
    pub code: String,
    /// Its name for people.
    pub name: String,
    /// Its kind, one of those the list allows.
    pub kind: String,
}

/// The rows of a `code,name,kind` list whose kinds are `kinds`.
pub(crate) fn rows(text: &str, kinds: &[&str]) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header_ok = reader
        .headers()
        .map(|h| h.iter().eq(["code", "name", "kind"]))
        .unwrap_or(false);
    if !header_ok {
        return Err("the header must be `code,name,kind`".into());
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let (code, kind) = (field(0), field(2));
        if !kinds.contains(&kind.as_str()) {
            return Err(format!(
                "{code}: kind '{kind}' is not {}",
                kinds.join(" or ")
            ));
        }
        out.push(Row {
            code,
            name: field(1),
            kind,
        });
    }
    Ok(out)
}
