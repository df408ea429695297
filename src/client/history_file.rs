//! The exported history format (docs/HISTORY_FORMAT.md): writing it from
//! the wire, and verifying it with no server and no database.
//!
//! This is the canonical encoding of `laa-store`'s `hash.rs`, written again
//! from the specification (the client speaks only the wire); the
//! end-to-end tests check the two agree, and so does `tools/verify_history.py`.

use laa_proto::v1 as pb;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The format name every line carries.
pub const FORMAT: &str = "laa.history.v1";

/// The `prev_hash` of an agreement's first event.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as one line of the export.
pub fn line(e: &pb::Event) -> Result<String, String> {
    let payload: Value = serde_json::from_str(&e.hashed_payload).map_err(|err| {
        format!(
            "event {} has no hashed payload ({err}): is the server older than this client?",
            e.sequence
        )
    })?;
    let recorded_at = e
        .recorded_at
        .as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).ok()?))
        .ok_or_else(|| format!("event {} has no recorded_at", e.sequence))?;
    let mut out = String::from("{");
    let mut field = |name: &str, value: String| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&string(name));
        out.push(':');
        out.push_str(&value);
    };
    field("format", string(FORMAT));
    field(
        "agreement_id",
        string(e.agreement.trim_start_matches("agreements/")),
    );
    field("sequence", e.sequence.to_string());
    field(
        "recorded_at",
        string(&recorded_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
    );
    field("request_id", string(&e.request_id));
    field(
        "actor",
        string(
            &e.actor
                .as_ref()
                .map(|a| a.principal.clone())
                .unwrap_or_default(),
        ),
    );
    field("kind", string(&e.kind));
    field("payload", canonical(&payload));
    field("prev_hash", string(&e.prev_hash));
    field("hash", string(&e.hash));
    out.push('}');
    Ok(out)
}

/// What verifying a file found.
pub struct Checked {
    /// The agreement.
    pub agreement: String,
    /// Events read.
    pub length: u64,
    /// The last event's hash.
    pub head_hash: String,
    /// The first sequence that is not what was recorded, if any.
    pub first_bad: Option<(u64, String)>,
}

/// Recomputes the chain of an export.
pub fn verify(text: &str) -> Checked {
    let mut checked = Checked {
        agreement: String::new(),
        length: 0,
        head_hash: GENESIS.to_owned(),
        first_bad: None,
    };
    for raw in text.lines().filter(|l| !l.trim().is_empty()) {
        let sequence = checked.length + 1;
        checked.length = sequence;
        if checked.first_bad.is_some() {
            continue;
        }
        match check_line(raw, sequence, &checked.head_hash) {
            Ok((agreement, hash)) => {
                if checked.agreement.is_empty() {
                    checked.agreement = agreement;
                } else if checked.agreement != agreement {
                    checked.first_bad = Some((sequence, "another agreement's event".into()));
                }
                checked.head_hash = hash;
            }
            Err(why) => checked.first_bad = Some((sequence, why)),
        }
    }
    if checked.length == 0 {
        checked.first_bad = Some((1, "the file holds no events".into()));
    }
    checked
}

fn check_line(raw: &str, sequence: u64, prev: &str) -> Result<(String, String), String> {
    let e: Value = serde_json::from_str(raw).map_err(|err| format!("not JSON: {err}"))?;
    let text = |name: &str| {
        e.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {name}"))
    };
    if text("format")? != FORMAT {
        return Err(format!("not {FORMAT}"));
    }
    if e.get("sequence").and_then(Value::as_u64) != Some(sequence) {
        return Err("out of sequence".into());
    }
    if text("prev_hash")? != prev {
        return Err("does not link to the previous event".into());
    }
    let payload = e.get("payload").ok_or("no payload")?;
    let canonical_input = format!(
        "[{},{},{},{},{},{},{},{}]",
        string(&text("agreement_id")?),
        sequence,
        string(&text("recorded_at")?),
        string(&text("request_id")?),
        string(&text("actor")?),
        string(&text("kind")?),
        canonical(payload),
        string(prev),
    );
    let hash = hex(&Sha256::digest(canonical_input.as_bytes()));
    if hash != text("hash")? {
        return Err("its hash does not match its content".into());
    }
    Ok((text("agreement_id")?, hash))
}

/// Canonical JSON: no whitespace, object keys sorted by their UTF-8 bytes.
fn canonical(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", string(k), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
    }
}

/// A JSON string: `"` `\` and the control characters escaped (`\n`, `\r`,
/// `\t`, others as `\u00XX`), everything else as it is.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
