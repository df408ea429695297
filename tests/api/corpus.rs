//! The hostile-input corpus, generated from the contract: every field of
//! every method's request (by the descriptor set), each given in turn the
//! values no client should send, chosen by what the field is (its name and
//! type), on top of the method's well-formed request (its row in rows.rs).
//! A method or field added to the `.proto` files is in the corpus the day
//! it is added, with no code here.
//!
//! The longest string of each list is a quarter of a megabyte, 25 times
//! the longest text any field takes: a megabyte in every string of every
//! request would double the corpus's time and find nothing more (hostile.rs
//! sends a megabyte where errors quote a value, and 17 MiB whole).

use laa_proto::contract::{Field, FieldKind, Method, RUNNING_TEXT, contract};
use prost_types::field_descriptor_proto::Type;
use serde_json::{Value, json};

use crate::rows::{Target, row};
use crate::rpc;

/// Fields of a request the server ignores by design, so that any value in
/// them is no reason to refuse it: an area's name is output only (its code
/// names it), and so is its population (`SetAreaPopulation` sets it).
pub const IGNORED: [(&str, &str); 4] = [
    ("CreateArea", "area.name"),
    ("CreateArea", "area.population"),
    ("CreateArea", "area.population_as_of"),
    ("CreateArea", "area.population_source"),
];

/// Strings people write freely beside the running text of
/// [`RUNNING_TEXT`]: titles, labels, references. Every other string
/// names, codes or identifies something.
const FREE_TEXT: [&str; 5] = [
    "title",
    "display_name",
    "subject_group",
    "source",
    "evidence",
];

/// The message that holds an offer's terms, given [`hostile_terms`] whole.
const TERMS: &str = "laa.v1.Terms";

/// How many items "too many" is: more than any limit a list has.
const TOO_MANY: usize = 10_000;

/// What a field is, which decides the values it is given; or, for a
/// request that is no message, [`Class::Raw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// `request_id`: [`hostile_request_ids`].
    RequestId,
    /// `page_token`: [`hostile_page_tokens`].
    PageToken,
    /// Running or free text: [`hostile_texts`].
    Text,
    /// A name, code or id: [`hostile_names`] (a `code`, which names what a
    /// request creates, without those the server would take as one).
    Name,
    /// An integer: zero, negative, past every range, the extremes.
    Integer,
    /// A double: [`hostile_values`].
    Number,
    /// An enum: numbers no value of it has.
    Enum,
    /// An offer's terms: [`hostile_terms`].
    Terms,
    /// A message or `oneof` member the well-formed request gives, left out.
    LeftOut,
    /// A list: too many items, or an item twice where items identify
    /// something (not free text).
    Items,
    /// Bytes that are not the method's message at all (hostile.rs).
    Raw,
}

/// One request of the corpus: a method's well-formed request with one
/// field given one hostile value.
#[derive(Debug, Clone)]
pub struct Case {
    /// The method.
    pub method: &'static Method,
    /// What the field is.
    pub class: Class,
    /// The field's path and the value, shortened, for messages.
    pub what: String,
    /// The request, encoded.
    pub bytes: Vec<u8>,
}

/// Resource names, codes and ids no client should send: every hostile
/// text, and empty, control and bidi characters, wrong case, traversal,
/// injection, noncharacters, a year or a department in the wrong form.
fn hostile_names() -> Vec<String> {
    let mut names = hostile_texts();
    names.extend([
        String::new(),
        "kent\0-2008-11".into(),
        "agreements/KENT-2008-11".into(),
        "\u{202e}kent-2008-11".into(),
        "kent-2008-11\u{7}".into(),
        "../../kent-2008-11".into(),
        "agreements/kent-2008-11/../surrey-2008-11".into(),
        "'; DROP TABLE events; --".into(),
        "-kent-".into(),
        "kent--2008-11".into(),
        "\u{FFFF}\u{FFFE}".into(),
        "2008".into(),
        "2008/10".into(),
        "1900/01".into(),
        "H".into(),
        "HO1".into(),
        "Home Office".into(),
        "é".repeat(5_000),
    ]);
    names
}

/// Free text no command accepts: NUL, control characters, over the limits.
fn hostile_texts() -> Vec<String> {
    vec![
        "\0".into(),
        "reason\0with a NUL".into(),
        "bell\u{7}".into(),
        "escape \u{1b}[31m red".into(),
        "x".repeat(10_001),
        "y".repeat(1 << 18),
    ]
}

/// Request ids no command accepts.
fn hostile_request_ids() -> Vec<String> {
    vec![
        "\0".into(),
        "id\u{1b}".into(),
        "r".repeat(201),
        "é".repeat(101),
        "z".repeat(1 << 18),
    ]
}

/// Page tokens this server never issued.
fn hostile_page_tokens() -> Vec<String> {
    vec![
        "v1:\0".into(),
        "v1:".into(),
        "v2:kent-2008-11".into(),
        "v1:kent\0".into(),
        "v1:é".into(),
        "v1:\u{FFFD}".into(),
        "v1:-1".into(),
        "v1:' OR 1=1 --".into(),
        format!("v1:{}", "k".repeat(300)),
        "garbage".into(),
        "t".repeat(1 << 18),
    ]
}

/// Numbers no value may be.
fn hostile_values() -> Vec<f64> {
    vec![
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        -1e-300,
        1e-300,
        -5e-324,
        1e300,
        100.000_000_1,
        -0.000_001,
        -1.0,
        f64::MAX,
    ]
}

/// A double as JSON: a number, or the proto3 JSON mapping's strings for
/// NaN and the infinities.
fn number(v: f64) -> Value {
    match v {
        v if v.is_nan() => json!("NaN"),
        f64::INFINITY => json!("Infinity"),
        f64::NEG_INFINITY => json!("-Infinity"),
        v => json!(v),
    }
}

/// Terms no offer may carry, as JSON: no kind, no baseline, units, periods
/// and years empty, holding a NUL or far too long, a trajectory empty,
/// repeating a year or ten thousand long, a year without a value, a
/// placeholder without a reason, and every hostile number as a baseline
/// and as a year's value.
fn hostile_terms() -> Vec<Value> {
    let year = |y: &str, v: f64| json!({"year": y, "amount": number(v)});
    let good = || {
        json!([
            year("2008/09", 7.0),
            year("2009/10", 6.0),
            year("2010/11", 5.0)
        ])
    };
    let values = |unit: &str, baseline: f64, period: &str, trajectory: Value| {
        json!({"values": {"unit": unit, "baseline": {"value": number(baseline), "period": period},
            "trajectory": trajectory}})
    };
    let mut terms = vec![
        json!({}),
        json!({"values": {"unit": "percent", "trajectory": good()}}),
        values("", 8.0, "2007", good()),
        values("percent\0", 8.0, "2007", good()),
        values(&"%".repeat(1 << 16), 8.0, "2007", good()),
        values("percent", 8.0, "", good()),
        values("percent", 8.0, "2007\0", good()),
        values("percent", 8.0, &"2007 ".repeat(10_000), good()),
        values("percent", 8.0, "2007", json!([])),
        values(
            "percent",
            8.0,
            "2007",
            json!([
                year("2008/09", 7.0),
                year("2008/09", 6.0),
                year("2010/11", 5.0)
            ]),
        ),
        values(
            "percent",
            8.0,
            "2007",
            Value::Array(vec![year("2008/09", 7.0); TOO_MANY]),
        ),
        values(
            "percent",
            8.0,
            "2007",
            json!([
                year("2008/10", 7.0),
                year("\0", 6.0),
                year(&"9".repeat(5_000), 5.0)
            ]),
        ),
        values(
            "percent",
            8.0,
            "2007",
            json!([year("2008/09", 7.0), {"year": "2009/10"},
                   {"year": "2010/11", "deferred_to": "\0"}]),
        ),
        json!({"placeholder": {"reason": "", "due": "2009"}}),
        json!({"placeholder": {"reason": "no_baseline", "due": "x".repeat(1 << 16)}}),
    ];
    for v in hostile_values() {
        terms.push(values("percent", v, "2007", good()));
        terms.push(values(
            "percent",
            8.0,
            "2007",
            json!([
                year("2008/09", 7.0),
                year("2009/10", v),
                year("2010/11", 5.0)
            ]),
        ));
        terms.push(values("count", -v.abs(), "2007", good()));
    }
    terms
}

/// True for a lowercase slug: a code the server would take.
fn well_formed(name: &str) -> bool {
    laa_core::AreaCode::new(name).is_ok()
}

/// The class of a field that holds one value (not a message), and the
/// values it is given.
fn scalar(field: &Field) -> (Class, Vec<Value>) {
    let strings =
        |class, values: Vec<String>| (class, values.into_iter().map(Value::from).collect());
    match &field.kind {
        FieldKind::String => match field.name.as_str() {
            "request_id" => strings(Class::RequestId, hostile_request_ids()),
            "page_token" => strings(Class::PageToken, hostile_page_tokens()),
            name if RUNNING_TEXT.contains(&name) || FREE_TEXT.contains(&name) => {
                strings(Class::Text, hostile_texts())
            }
            // A well-formed code would name a new thing like any other.
            "code" => strings(
                Class::Name,
                hostile_names()
                    .into_iter()
                    .filter(|n| !well_formed(n))
                    .collect(),
            ),
            _ => strings(Class::Name, hostile_names()),
        },
        FieldKind::Enum(name) => {
            let known = contract().enum_values(name);
            let past = known.iter().max().map_or(1, |m| m.saturating_add(1));
            let mut values = vec![-1, past, 99, i32::MIN, i32::MAX];
            values.retain(|v| !known.contains(v));
            values.dedup();
            (Class::Enum, values.into_iter().map(Value::from).collect())
        }
        FieldKind::Message(_) => unreachable!("a message is no scalar"),
        FieldKind::Other => match field.proto_type {
            Type::Double | Type::Float => (
                Class::Number,
                hostile_values().into_iter().map(number).collect(),
            ),
            // Past the ranges of the domain: indicator numbers (1 to 999),
            // set versions (2000 to 2999), anything a u16 holds.
            Type::Int32 | Type::Sint32 | Type::Sfixed32 => (
                Class::Integer,
                [0, -1, 250, 999, 1999, 3000, 65_536, i32::MIN, i32::MAX]
                    .into_iter()
                    .map(Value::from)
                    .collect(),
            ),
            Type::Int64 | Type::Sint64 | Type::Sfixed64 => (
                Class::Integer,
                [0, -1, i64::MIN, i64::MAX]
                    .into_iter()
                    .map(Value::from)
                    .collect(),
            ),
            Type::Uint32 | Type::Fixed32 => (
                Class::Integer,
                [0, 999, u32::MAX].into_iter().map(Value::from).collect(),
            ),
            Type::Uint64 | Type::Fixed64 => (
                Class::Integer,
                [0, u64::MAX].into_iter().map(Value::from).collect(),
            ),
            // Booleans and bytes have no value a client should not send
            // (and strings, enums and messages are matched above).
            _ => (Class::Integer, vec![]),
        },
    }
}

/// One step of a path into a request written as JSON.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path as errors name a field: `edits[0].add.title`.
fn path_text(at: &[Step]) -> String {
    let mut text = String::new();
    for step in at {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

fn get<'a>(json: &'a Value, at: &[Step]) -> Option<&'a Value> {
    at.iter().try_fold(json, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(i) => value.get(i),
    })
}

/// The value at `at`, made (objects and arrays) on the way as needed.
fn slot<'a>(json: &'a mut Value, at: &[Step]) -> &'a mut Value {
    at.iter().fold(json, |value, step| match step {
        Step::Key(key) => {
            if !value.is_object() {
                *value = json!({});
            }
            value
                .as_object_mut()
                .expect("an object")
                .entry(key.clone())
                .or_insert(Value::Null)
        }
        Step::Index(i) => {
            if !value.is_array() {
                *value = json!([]);
            }
            let items = value.as_array_mut().expect("an array");
            if items.len() <= *i {
                items.resize(i + 1, json!({}));
            }
            &mut items[*i]
        }
    })
}

/// True for the value a proto3 field holds when it is not sent.
fn is_default(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0) && !n.to_string().starts_with('-'),
        Value::Bool(b) => !b,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// A value, shortened for a message (a long list by its length and last
/// item, the hostile one in a list of well-formed ones).
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{:?}", short(text)),
        Value::Array(items) if items.len() > 3 => format!(
            "[{} items, the last {}]",
            items.len(),
            items.last().map(describe).unwrap_or_default()
        ),
        value => short(&value.to_string()),
    }
}

fn short(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if out.len() < text.len() {
        out.push_str(&format!("… ({} bytes)", text.len()));
    }
    out
}

/// Builds the corpus of one method.
struct Generator<'a> {
    method: &'static Method,
    /// The method's well-formed requests: its row's, then the others it has.
    requests: &'a [Value],
    out: &'a mut Vec<Case>,
}

impl Generator<'_> {
    /// The request a value at `at` goes into: the first that holds the
    /// most of the path, so that the value is the one thing wrong with it.
    fn base(&self, at: &[Step]) -> &Value {
        let held = |r: &Value| (0..=at.len()).rev().find(|&n| get(r, &at[..n]).is_some());
        let most = self.requests.iter().map(held).max().flatten();
        self.requests
            .iter()
            .find(|r| held(r) == most)
            .expect("a well-formed request")
    }

    /// Adds the request with `value` (or, for `None`, nothing) at `at`,
    /// the other members of the field's `oneof` left out.
    fn put(&mut self, class: Class, field: &Field, at: &[Step], value: Option<Value>) {
        let base = self.base(at);
        let given = get(base, at);
        if let Some(value) = &value {
            // A value the request already holds, or a default the request
            // leaves out, makes the request the well-formed one again.
            if given == Some(value)
                || (given.is_none() && field.oneof.is_none() && is_default(value))
            {
                return;
            }
        }
        let mut json = base.clone();
        let (last, parent) = at.split_last().expect("a field");
        let Step::Key(name) = last else {
            panic!("a field is named")
        };
        let object = slot(&mut json, parent);
        if let Some(oneof) = &field.oneof
            && let Some(object) = object.as_object_mut()
        {
            let message = self.message_at(parent);
            for sibling in contract().fields(&message) {
                if sibling.oneof.as_ref() == Some(oneof) && &sibling.name != name {
                    object.remove(&sibling.name);
                }
            }
        }
        let what = match &value {
            Some(value) => format!("{} = {}", path_text(at), describe(value)),
            None => format!("{} left out", path_text(at)),
        };
        match value {
            Some(value) => *slot(object, &at[parent.len()..]) = value,
            None => {
                if let Some(object) = object.as_object_mut() {
                    object.remove(name);
                }
            }
        }
        self.out.push(Case {
            method: self.method,
            class,
            what: format!("{} {what}", self.method.name),
            bytes: rpc::encode(&self.method.input, &json),
        });
    }

    /// The full name of the message at `at` (a path to a message field,
    /// or to one item of a repeated one).
    fn message_at(&self, at: &[Step]) -> String {
        let mut message = self.method.input.clone();
        for step in at {
            if let Step::Key(name) = step {
                let field = contract()
                    .fields(&message)
                    .iter()
                    .find(|f| &f.name == name)
                    .expect("a field of the message");
                if let FieldKind::Message(next) = &field.kind {
                    message = next.clone();
                }
            }
        }
        message
    }

    /// Every field of `message`, found at `at` in the request.
    fn walk(&mut self, message: &str, at: &mut Vec<Step>, stack: &mut Vec<String>) {
        for field in contract().fields(message) {
            at.push(Step::Key(field.name.clone()));
            let path = path_text(at);
            if !IGNORED.contains(&(self.method.name.as_str(), path.as_str())) {
                self.field(field, at, stack);
            }
            at.pop();
        }
    }

    fn field(&mut self, field: &Field, at: &mut Vec<Step>, stack: &mut Vec<String>) {
        let given = get(self.base(at), at).cloned();
        let is_message = matches!(field.kind, FieldKind::Message(_));
        if (is_message || field.oneof.is_some()) && !field.repeated && given.is_some() {
            self.put(Class::LeftOut, field, at, None);
        }
        if field.repeated {
            self.items(field, at, given.as_ref(), stack);
            return;
        }
        match &field.kind {
            FieldKind::Message(name) if name == TERMS => {
                for terms in hostile_terms() {
                    self.put(Class::Terms, field, at, Some(terms));
                }
            }
            // A message that holds itself is followed once.
            FieldKind::Message(name) if !stack.contains(name) => {
                stack.push(name.clone());
                self.walk(name, at, stack);
                stack.pop();
            }
            FieldKind::Message(_) => {}
            _ => {
                let (class, values) = scalar(field);
                for value in values {
                    self.put(class, field, at, Some(value));
                }
            }
        }
    }

    /// A repeated field: too many items and an item twice (of those the
    /// request gives), then its items' own values: a message's fields in
    /// its first item, a hostile value after the items the request gives.
    fn items(
        &mut self,
        field: &Field,
        at: &mut Vec<Step>,
        given: Option<&Value>,
        stack: &mut Vec<String>,
    ) {
        let items = given.and_then(Value::as_array).cloned().unwrap_or_default();
        let free_text =
            RUNNING_TEXT.contains(&field.name.as_str()) || FREE_TEXT.contains(&field.name.as_str());
        if let Some(first) = items.first() {
            self.put(
                Class::Items,
                field,
                at,
                Some(Value::Array(vec![first.clone(); TOO_MANY])),
            );
            if !free_text {
                let mut twice = items.clone();
                twice.push(first.clone());
                self.put(Class::Items, field, at, Some(Value::Array(twice)));
            }
        }
        match &field.kind {
            FieldKind::Message(name) if !stack.contains(name) => {
                at.push(Step::Index(0));
                stack.push(name.clone());
                self.walk(name, at, stack);
                stack.pop();
                at.pop();
            }
            FieldKind::Message(_) => {}
            _ => {
                let (class, values) = scalar(field);
                for value in values {
                    let mut list = items.clone();
                    list.push(value);
                    self.put(class, field, at, Some(Value::Array(list)));
                }
            }
        }
    }
}

/// The corpus: every method of the contract, on `target` at `version`.
pub fn corpus(target: Target, version: i64) -> Vec<Case> {
    let mut out = Vec::new();
    for method in contract().methods() {
        let requests = row(&method.name).requests(target, version);
        let mut generator = Generator {
            method,
            requests: &requests,
            out: &mut out,
        };
        generator.walk(
            &method.input,
            &mut Vec::new(),
            &mut vec![method.input.clone()],
        );
    }
    out
}
