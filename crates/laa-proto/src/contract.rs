//! The `laa.v1` contract read from its own descriptor set: every method and
//! its request message, every field by number and name, and the one check
//! every request passes before any handler runs (no control characters in
//! its strings).
//!
//! Everything here is driven by [`crate::v1::FILE_DESCRIPTOR_SET`], so a
//! method or a field added to the `.proto` files is covered the day it is
//! added, with no new code: the server's codec ([`crate::codec`]) checks it,
//! and the tests enumerate it.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use prost::Message as _;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
use prost_types::field_descriptor_proto::{Label, Type};

/// The string fields that hold running text: line breaks and tabs are
/// allowed in them (and only in them), in every message that has one.
pub const RUNNING_TEXT: [&str; 9] = [
    "rationale",
    "question",
    "answer",
    "reason",
    "explanation",
    "text",
    "limit_deterioration",
    "statement",
    "history",
];

/// How deep messages may nest in a request before the walk stops looking.
const MAX_DEPTH: usize = 32;

/// The contract, decoded once.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract::from_descriptor_set(crate::v1::FILE_DESCRIPTOR_SET))
}

/// One method of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The gRPC path, `/laa.v1.AgreementService/OpenAgreement`.
    pub path: String,
    /// The method's name, `OpenAgreement`.
    pub name: String,
    /// The request message's full name, `laa.v1.OpenAgreementRequest`.
    pub input: String,
    /// True when the answer is a stream.
    pub server_streaming: bool,
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// A string.
    String,
    /// A message of this full name.
    Message(String),
    /// An enum of this full name.
    Enum(String),
    /// Anything else (numbers, booleans, bytes).
    Other,
}

/// One field of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name in the `.proto` file (`indicator_number`).
    pub name: String,
    /// Its field number.
    pub number: u32,
    /// What it holds.
    pub kind: FieldKind,
    /// True for a repeated field.
    pub repeated: bool,
    /// Its type as the descriptor set gives it (how it is encoded).
    pub proto_type: Type,
    /// The `oneof` it is a member of, by name: setting it clears the
    /// others. `None` outside any (a proto3 `optional` field too).
    pub oneof: Option<String>,
}

/// A string somewhere in a request message: its path as errors name it
/// (`terms.values.trajectory[0].year`) and the field numbers that reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringField {
    /// The path, with `[0]` after a repeated field.
    pub path: String,
    /// The field numbers from the request message down to the string.
    pub numbers: Vec<u32>,
    /// True when the field holds running text ([`RUNNING_TEXT`]).
    pub running_text: bool,
}

impl StringField {
    /// A request message holding `value` in this field and nothing else,
    /// encoded: the bytes a client would send.
    pub fn encode(&self, value: &str) -> Vec<u8> {
        let mut inner = value.as_bytes().to_vec();
        for &number in self.numbers.iter().rev() {
            let mut outer = Vec::with_capacity(inner.len() + 12);
            prost::encoding::encode_key(number, WireType::LengthDelimited, &mut outer);
            prost::encoding::encode_varint(inner.len() as u64, &mut outer);
            outer.put_slice(&inner);
            inner = outer;
        }
        inner
    }
}

/// A string in a request that holds a control character its field may not
/// hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayControl {
    /// The field's path in the request (`priorities[1].statement`).
    pub field: String,
    /// The character.
    pub character: char,
    /// True when the field holds running text.
    pub running_text: bool,
}

impl fmt::Display for StrayControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed = if self.running_text {
            "running text may hold line breaks and tabs, no other control character"
        } else {
            "this field holds no control characters"
        };
        write!(
            f,
            "the {} holds the control character U+{:04X}: {allowed}",
            self.field, self.character as u32
        )
    }
}

impl std::error::Error for StrayControl {}

/// The services, methods and messages of `laa.v1`.
#[derive(Debug, Default)]
pub struct Contract {
    methods: Vec<Method>,
    messages: BTreeMap<String, Vec<Field>>,
    enums: BTreeMap<String, Vec<i32>>,
    inputs: HashSet<String>,
}

impl Contract {
    /// Reads an encoded `FileDescriptorSet`. Bytes that are not one give an
    /// empty contract (the embedded set always decodes; a test checks it).
    pub fn from_descriptor_set(bytes: &[u8]) -> Self {
        let set = prost_types::FileDescriptorSet::decode(bytes).unwrap_or_default();
        let mut contract = Contract::default();
        for file in &set.file {
            let package = file.package();
            for service in &file.service {
                for method in &service.method {
                    let input = method.input_type().trim_start_matches('.').to_owned();
                    contract.inputs.insert(input.clone());
                    contract.methods.push(Method {
                        path: format!("/{package}.{}/{}", service.name(), method.name()),
                        name: method.name().to_owned(),
                        input,
                        server_streaming: method.server_streaming(),
                    });
                }
            }
            for message in &file.message_type {
                contract.add_message(package, message);
            }
            for e in &file.enum_type {
                contract.add_enum(package, e);
            }
        }
        contract
    }

    fn add_message(&mut self, scope: &str, message: &prost_types::DescriptorProto) {
        let name = format!("{scope}.{}", message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested);
        }
        for e in &message.enum_type {
            self.add_enum(&name, e);
        }
        let fields = message
            .field
            .iter()
            .map(|f| Field {
                name: f.name().to_owned(),
                number: u32::try_from(f.number()).unwrap_or(0),
                kind: match f.r#type() {
                    Type::String => FieldKind::String,
                    Type::Message => {
                        FieldKind::Message(f.type_name().trim_start_matches('.').to_owned())
                    }
                    Type::Enum => FieldKind::Enum(f.type_name().trim_start_matches('.').to_owned()),
                    _ => FieldKind::Other,
                },
                repeated: f.label() == Label::Repeated,
                proto_type: f.r#type(),
                oneof: f
                    .oneof_index
                    .filter(|_| !f.proto3_optional())
                    .and_then(|i| message.oneof_decl.get(usize::try_from(i).ok()?))
                    .map(|o| o.name().to_owned()),
            })
            .collect();
        self.messages.insert(name, fields);
    }

    fn add_enum(&mut self, scope: &str, e: &prost_types::EnumDescriptorProto) {
        let values = e.value.iter().map(|v| v.number()).collect();
        self.enums.insert(format!("{scope}.{}", e.name()), values);
    }

    /// Every method of every service.
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The method of this name (`OpenAgreement`).
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The fields of the message of this full name (none for a message the
    /// set does not hold, such as `google.protobuf.Timestamp`).
    pub fn fields(&self, message: &str) -> &[Field] {
        self.messages.get(message).map_or(&[], Vec::as_slice)
    }

    /// The values of the enum of this full name (none for an enum the set
    /// does not hold).
    pub fn enum_values(&self, name: &str) -> &[i32] {
        self.enums.get(name).map_or(&[], Vec::as_slice)
    }

    /// True when `path` (`terms.values.trajectory[2].year`, or a prefix of
    /// one such as `terms.values`) names a field of `message`.
    pub fn has_field(&self, message: &str, path: &str) -> bool {
        let mut message = message.to_owned();
        for step in path.split('.') {
            let name = step.split_once('[').map_or(step, |(name, _)| name);
            let Some(field) = self.fields(&message).iter().find(|f| f.name == name) else {
                return false;
            };
            message = match &field.kind {
                FieldKind::Message(next) => next.clone(),
                _ => String::new(),
            };
        }
        true
    }

    /// Every string a request `message` can hold, down through its nested
    /// messages (a repeated field's first element), each once.
    pub fn string_fields(&self, message: &str) -> Vec<StringField> {
        let mut out = Vec::new();
        self.collect_strings(message, "", &[], &mut vec![message.to_owned()], &mut out);
        out
    }

    fn collect_strings(
        &self,
        message: &str,
        prefix: &str,
        numbers: &[u32],
        stack: &mut Vec<String>,
        out: &mut Vec<StringField>,
    ) {
        for field in self.fields(message) {
            let path = format!(
                "{prefix}{}{}",
                field.name,
                if field.repeated { "[0]" } else { "" }
            );
            let mut numbers = numbers.to_vec();
            numbers.push(field.number);
            match &field.kind {
                FieldKind::String => out.push(StringField {
                    running_text: RUNNING_TEXT.contains(&field.name.as_str()),
                    path,
                    numbers,
                }),
                // A message that contains itself is followed once.
                FieldKind::Message(next) if !stack.contains(next) => {
                    stack.push(next.clone());
                    self.collect_strings(next, &format!("{path}."), &numbers, stack, out);
                    stack.pop();
                }
                _ => {}
            }
        }
    }

    /// For a method's request message encoded in `bytes`, the first string
    /// holding a control character its field may not hold
    /// ([`laa_core::decide::stray_control`]); `None` for any other message
    /// (answers are not checked) and for bytes the walk cannot read (the
    /// decoder has already refused those).
    pub fn stray_control(&self, message: &str, bytes: &[u8]) -> Option<StrayControl> {
        if !self.inputs.contains(message) {
            return None;
        }
        self.walk(message, bytes, "", 0)
    }

    fn walk(
        &self,
        message: &str,
        mut bytes: &[u8],
        prefix: &str,
        depth: usize,
    ) -> Option<StrayControl> {
        let fields = self.fields(message);
        let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
        while bytes.has_remaining() {
            let (number, wire_type) = decode_key(&mut bytes).ok()?;
            let field = fields.iter().find(|f| f.number == number);
            let Some(field) = field.filter(|f| {
                wire_type == WireType::LengthDelimited
                    && matches!(f.kind, FieldKind::String | FieldKind::Message(_))
            }) else {
                skip_field(wire_type, number, &mut bytes, DecodeContext::default()).ok()?;
                continue;
            };
            let len = usize::try_from(decode_varint(&mut bytes).ok()?).ok()?;
            if len > bytes.len() {
                return None;
            }
            let (value, rest) = bytes.split_at(len);
            bytes = rest;
            let index = seen.entry(number).or_default();
            let path = if field.repeated {
                format!("{prefix}{}[{index}]", field.name)
            } else {
                format!("{prefix}{}", field.name)
            };
            *index += 1;
            match &field.kind {
                FieldKind::String => {
                    let running_text = RUNNING_TEXT.contains(&field.name.as_str());
                    let text = std::str::from_utf8(value).ok()?;
                    if let Some(character) = laa_core::decide::stray_control(text, running_text) {
                        return Some(StrayControl {
                            field: path,
                            character,
                            running_text,
                        });
                    }
                }
                FieldKind::Message(next) if depth < MAX_DEPTH => {
                    if let Some(found) = self.walk(next, value, &format!("{path}."), depth + 1) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_contract_lists_every_method_and_its_strings() {
        let c = contract();
        assert!(c.methods().len() >= 45, "{}", c.methods().len());
        let open = c.method("OpenAgreement").expect("OpenAgreement");
        assert_eq!(open.path, "/laa.v1.AgreementService/OpenAgreement");
        assert_eq!(open.input, "laa.v1.OpenAgreementRequest");
        let paths: Vec<String> = c
            .string_fields("laa.v1.ProposeTargetRequest")
            .into_iter()
            .map(|f| f.path)
            .collect();
        for expected in [
            "agreement",
            "rationale",
            "evidence[0]",
            "terms.values.trajectory[0].year",
            "terms.values.trajectory[0].deferred_to",
            "local_indicator.title",
        ] {
            assert!(
                paths.iter().any(|p| p == expected),
                "{expected} in {paths:?}"
            );
        }
        assert!(c.has_field("laa.v1.LodgeExplanationRequest", "indicator_number"));
        assert!(!c.has_field("laa.v1.LodgeExplanationRequest", "indicator"));
        assert!(c.has_field(
            "laa.v1.ProposeTargetRequest",
            "terms.values.trajectory[3].amount"
        ));
        let region = c
            .fields("laa.v1.ListAreasRequest")
            .iter()
            .find(|f| f.name == "region")
            .expect("region");
        assert_eq!(region.kind, FieldKind::Enum("laa.v1.Region".into()));
        assert_eq!(c.enum_values("laa.v1.Region"), (0..=9).collect::<Vec<_>>());
        let oneof = |message: &str, name: &str| {
            c.fields(message)
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| f.oneof.clone())
        };
        let propose = "laa.v1.ProposeTargetRequest";
        assert_eq!(
            oneof(propose, "local_indicator").as_deref(),
            Some("indicator")
        );
        assert_eq!(
            oneof(propose, "indicator_number").as_deref(),
            Some("indicator")
        );
        assert_eq!(oneof(propose, "terms"), None);
        // A proto3 `optional` field is in no oneof a request can see.
        assert_eq!(oneof("laa.v1.ListIndicatorsRequest", "statutory"), None);
    }

    #[test]
    fn every_running_text_field_is_a_string_of_some_request() {
        let c = contract();
        for name in RUNNING_TEXT {
            assert!(
                c.methods().iter().any(|m| c
                    .string_fields(&m.input)
                    .iter()
                    .any(|f| f.running_text && f.path.ends_with(name))),
                "{name} is no request's string field"
            );
        }
    }

    #[test]
    fn a_control_character_is_found_at_its_path_and_running_text_keeps_its_lines() {
        let c = contract();
        let message = "laa.v1.ProposeTargetRequest";
        let fields = c.string_fields(message);
        let year = fields
            .iter()
            .find(|f| f.path == "terms.values.trajectory[0].year")
            .expect("year");
        let found = c
            .stray_control(message, &year.encode("2008\0/09"))
            .expect("found");
        assert_eq!(found.field, "terms.values.trajectory[0].year");
        assert_eq!(found.character, '\0');
        let rationale = fields
            .iter()
            .find(|f| f.path == "rationale")
            .expect("rationale");
        assert!(
            c.stray_control(message, &rationale.encode("one\r\n\ttwo"))
                .is_none()
        );
        assert!(
            c.stray_control(message, &rationale.encode("bell\u{7}"))
                .is_some()
        );
        let agreement = fields
            .iter()
            .find(|f| f.path == "agreement")
            .expect("agreement");
        assert!(
            c.stray_control(message, &agreement.encode("kent\n"))
                .is_some()
        );
        assert!(
            c.stray_control(message, &agreement.encode("kent-2008-11"))
                .is_none()
        );
        // A second repeated element is named by its index.
        let mut two = rationale.encode("fine");
        let evidence = fields
            .iter()
            .find(|f| f.path == "evidence[0]")
            .expect("evidence");
        two.extend(evidence.encode("a"));
        two.extend(evidence.encode("b\u{1b}"));
        assert_eq!(
            c.stray_control(message, &two).map(|s| s.field),
            Some("evidence[1]".to_owned())
        );
        // Answers are not requests: not checked.
        assert!(
            c.stray_control("laa.v1.Agreement", &agreement.encode("\0"))
                .is_none()
        );
    }
}
