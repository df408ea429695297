//! The hash chain: a canonical encoding of each stored event and its SHA-256.
//!
//! An event's hash covers every stored column but the global id and the hash
//! itself, encoded as one canonical JSON array:
//!
//! ```text
//! [agreement_id, sequence, recorded_at, request_id, actor, kind, payload, prev_hash]
//! ```
//!
//! `recorded_at` is RFC 3339 in UTC with exactly six fractional digits
//! (`2008-06-30T12:00:00.000000Z`); `payload` is the event itself as JSON:
//! `at` (when it was decided), `occurred_at` (when it happened, as the
//! command dated it; absent only in events recorded before commands could
//! be dated), `actor` and `change`. Both times are therefore in the hash:
//! `recorded_at` as a column, `occurred_at` inside the payload.
//! Canonical JSON has no whitespace, and object keys sorted by their UTF-8
//! bytes at every depth, whatever order the database hands them back in.
//! The first event's `prev_hash` is [`GENESIS_HASH`], 64 zeros.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of an agreement's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one event row that its hash covers.
pub(crate) struct HashInput<'a> {
    pub agreement_id: &'a str,
    pub sequence: u64,
    pub recorded_at: DateTime<Utc>,
    pub request_id: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    /// The payload's canonical JSON (see [`canonical_json`]).
    pub payload: &'a str,
    pub prev_hash: &'a str,
}

impl HashInput<'_> {
    /// The canonical encoding the hash is taken over.
    pub(crate) fn canonical(&self) -> String {
        let mut out = String::with_capacity(256 + self.payload.len());
        out.push('[');
        write_string(&mut out, self.agreement_id);
        out.push(',');
        out.push_str(&self.sequence.to_string());
        out.push(',');
        write_string(&mut out, &format_time(self.recorded_at));
        out.push(',');
        write_string(&mut out, self.request_id);
        out.push(',');
        write_string(&mut out, self.actor);
        out.push(',');
        write_string(&mut out, self.kind);
        out.push(',');
        out.push_str(self.payload);
        out.push(',');
        write_string(&mut out, self.prev_hash);
        out.push(']');
        out
    }

    /// The SHA-256 of the canonical encoding, in lowercase hex.
    pub(crate) fn hash(&self) -> String {
        sha256_hex(self.canonical().as_bytes())
    }
}

/// A time as the hash encodes it: RFC 3339, UTC, six fractional digits.
pub(crate) fn format_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Canonical JSON for a value: no whitespace, object keys sorted.
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            use std::fmt::Write as _;
            // `Display`, as `to_string` would, without a string of its own.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted explicitly, so the encoding does not depend on whether
            // some crate in the build enables serde_json's `preserve_order`;
            // a map already in order (serde_json's default `BTreeMap`) is
            // written as it is, without a sorted copy.
            if map.keys().is_sorted_by(|a, b| a.as_bytes() <= b.as_bytes()) {
                write_entries(out, map.iter());
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                write_entries(out, entries.into_iter());
            }
        }
    }
}

fn write_entries<'a>(out: &mut String, entries: impl Iterator<Item = (&'a String, &'a Value)>) {
    out.push('{');
    for (i, (key, item)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_canonical(out, item);
    }
    out.push('}');
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Runs that need no escape are copied whole. Every byte escaped is
    // ASCII, so each cut falls on a character boundary.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// SHA-256 of some bytes, in lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"z": [true, null, "x\ny"], "c": "é"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"é","z":[true,null,"x\ny"]},"b":1}"#
        );
    }

    /// The escaping as it was first written, a character at a time: the
    /// hashes of every stored event depend on it byte for byte.
    fn escaped_a_char_at_a_time(s: &str) -> String {
        let mut out = String::from('"');
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

    #[test]
    fn strings_are_escaped_byte_for_byte_as_before() {
        for s in [
            "",
            "plain",
            "\"quoted\" \\ back",
            "tab\tnew\nline\rreturn",
            "\u{0}\u{1}\u{1f} controls\u{7f}",
            "é, ü, 日本, 🙂 and \"é\"\n",
            "\n\n",
            "ends with an escape\\",
        ] {
            let mut out = String::new();
            write_string(&mut out, s);
            assert_eq!(out, escaped_a_char_at_a_time(s), "{s:?}");
        }
    }

    #[test]
    fn numbers_and_nested_objects_are_canonical() {
        let v = json!({"z": {"b": -1.5, "a": 12345678901_i64}, "a": [0.1, {"y": 2, "x": 1}]});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":[0.1,{"x":1,"y":2}],"z":{"a":12345678901,"b":-1.5}}"#
        );
    }

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn times_have_six_fractional_digits() {
        let at = DateTime::parse_from_rfc3339("2008-06-30T12:00:00.5Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        assert_eq!(format_time(at), "2008-06-30T12:00:00.500000Z");
    }
}
