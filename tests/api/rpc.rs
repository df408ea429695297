//! Any method of the contract, called by name: a request written as JSON
//! (the `.proto` field names), encoded to protobuf from the descriptor set
//! ([`laa_proto::contract`]), and sent as raw bytes over a tonic channel with
//! a bytes codec. No code per method: a method added to the `.proto` files
//! can be called the day it is added.

use laa_proto::contract::{Field, FieldKind, Method, contract};
use prost::encoding::{WireType, encode_key, encode_varint};
use prost_types::field_descriptor_proto::Type;
use serde_json::Value;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

/// A codec that sends and receives raw bytes: the client side of a call
/// whose request is built from the descriptor set, or is not the method's
/// message at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

/// Sends `bytes` as the request message of the method at `path`, as the
/// holder of `token` (or anonymously), and returns the answer's messages: one
/// for a unary method, every message of a stream read to its end for a
/// server-streaming one (a stream's error is the call's error).
pub async fn call_path(
    channel: Channel,
    token: Option<&str>,
    path: &str,
    bytes: Vec<u8>,
) -> Result<Vec<Vec<u8>>, tonic::Status> {
    let streaming = contract()
        .methods()
        .iter()
        .any(|m| m.path == path && m.server_streaming);
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let mut request = tonic::Request::new(bytes);
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
    }
    let path = PathAndQuery::try_from(path).expect("a method path");
    if streaming {
        let mut stream = grpc
            .server_streaming(request, path, RawCodec)
            .await?
            .into_inner();
        let mut messages = Vec::new();
        while let Some(message) = stream.message().await? {
            messages.push(message);
        }
        Ok(messages)
    } else {
        Ok(vec![
            grpc.unary(request, path, RawCodec).await?.into_inner(),
        ])
    }
}

/// [`call_path`] with a bearer token, the answer dropped.
pub async fn raw_call(
    channel: Channel,
    token: &str,
    path: &str,
    bytes: Vec<u8>,
) -> Result<(), tonic::Status> {
    call_path(channel, Some(token), path, bytes).await.map(drop)
}

/// The method of this name, by the descriptor set.
pub fn method(name: &str) -> &'static Method {
    contract()
        .method(name)
        .unwrap_or_else(|| panic!("the contract has no method {name}"))
}

/// Encodes `json`, an object keyed by the `.proto` field names of the
/// message `message` (a full name, `laa.v1.OpenAgreementRequest`), as that
/// message's protobuf bytes. Numbers are JSON numbers (enums too, by their
/// value; a double may be `"NaN"`, `"Infinity"` or `"-Infinity"`, as in the
/// proto3 JSON mapping), a repeated field is an array, a nested message an
/// object, a `oneof` member is written like any other field. A name the
/// message does not have, or a value of the wrong shape, panics: the table
/// is wrong.
pub fn encode(message: &str, json: &Value) -> Vec<u8> {
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{message}: not a JSON object: {json}"));
    let mut out = Vec::new();
    for (name, value) in object {
        let field = contract()
            .fields(message)
            .iter()
            .find(|f| &f.name == name)
            .unwrap_or_else(|| panic!("{message} has no field {name}"));
        match value {
            Value::Array(items) => {
                assert!(field.repeated, "{message}.{name} is not repeated");
                for item in items {
                    encode_field(message, field, item, &mut out);
                }
            }
            _ => encode_field(message, field, value, &mut out),
        }
    }
    out
}

fn encode_field(message: &str, field: &Field, value: &Value, out: &mut Vec<u8>) {
    let what = || format!("{message}.{}: {value}", field.name);
    // The bits of an integer: a uint64 above i64::MAX keeps its own.
    let integer = || {
        value
            .as_i64()
            .or_else(|| value.as_u64().map(|v| v as i64))
            .or_else(|| value.as_bool().map(i64::from))
            .unwrap_or_else(|| panic!("{}: not an integer", what()))
    };
    let double = || match value.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => value
            .as_f64()
            .unwrap_or_else(|| panic!("{}: not a number", what())),
    };
    let number = field.number;
    match field.proto_type {
        Type::String => {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{}: not a string", what()));
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(text.len() as u64, out);
            out.extend_from_slice(text.as_bytes());
        }
        Type::Message => {
            let FieldKind::Message(name) = &field.kind else {
                panic!("{}: a message field without its type", what());
            };
            let inner = encode(name, value);
            encode_key(number, WireType::LengthDelimited, out);
            encode_varint(inner.len() as u64, out);
            out.extend_from_slice(&inner);
        }
        Type::Double => {
            encode_key(number, WireType::SixtyFourBit, out);
            out.extend_from_slice(&double().to_le_bytes());
        }
        Type::Float => {
            encode_key(number, WireType::ThirtyTwoBit, out);
            out.extend_from_slice(&(double() as f32).to_le_bytes());
        }
        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Bool | Type::Enum => {
            encode_key(number, WireType::Varint, out);
            // A negative int32 is sign-extended to ten bytes, as protobuf says.
            encode_varint(integer() as u64, out);
        }
        Type::Sint32 | Type::Sint64 => {
            let v = integer();
            encode_key(number, WireType::Varint, out);
            encode_varint(((v << 1) ^ (v >> 63)) as u64, out);
        }
        Type::Fixed32 | Type::Sfixed32 => {
            encode_key(number, WireType::ThirtyTwoBit, out);
            out.extend_from_slice(&(integer() as u32).to_le_bytes());
        }
        Type::Fixed64 | Type::Sfixed64 => {
            encode_key(number, WireType::SixtyFourBit, out);
            out.extend_from_slice(&integer().to_le_bytes());
        }
        Type::Bytes | Type::Group => panic!("{}: no JSON form for this type here", what()),
    }
}

/// A field somewhere in a request message, down through its nested
/// messages: its path as errors name it, the field numbers that reach it,
/// and the field itself.
#[derive(Debug, Clone)]
pub struct FieldAt {
    /// The path (`terms.values.baseline.value`), `[0]` after a repeated field.
    pub path: String,
    /// The field numbers from the request message down to the field.
    pub numbers: Vec<u32>,
    /// The field.
    pub field: Field,
}

impl FieldAt {
    /// The bytes that set this field to `value` (its encoding, without the
    /// key), wrapped in the messages that lead to it. Appended to a
    /// message, they override a singular field (the last value wins).
    pub fn encode(&self, value: &[u8]) -> Vec<u8> {
        let (last, outer) = self.numbers.split_last().expect("a field");
        let mut inner = Vec::new();
        encode_key(*last, wire_type(self.field.proto_type), &mut inner);
        inner.extend_from_slice(value);
        for &number in outer.iter().rev() {
            let mut wrapped = Vec::with_capacity(inner.len() + 12);
            encode_key(number, WireType::LengthDelimited, &mut wrapped);
            encode_varint(inner.len() as u64, &mut wrapped);
            wrapped.extend_from_slice(&inner);
            inner = wrapped;
        }
        inner
    }
}

/// How a field of this type is put on the wire.
fn wire_type(proto_type: Type) -> WireType {
    match proto_type {
        Type::Double | Type::Fixed64 | Type::Sfixed64 => WireType::SixtyFourBit,
        Type::Float | Type::Fixed32 | Type::Sfixed32 => WireType::ThirtyTwoBit,
        Type::String | Type::Bytes | Type::Message => WireType::LengthDelimited,
        Type::Group => WireType::StartGroup,
        _ => WireType::Varint,
    }
}

/// Every field that is not a message, in a request `message` and the
/// messages it holds (a message that holds itself is followed once).
pub fn leaf_fields(message: &str) -> Vec<FieldAt> {
    fn walk(
        message: &str,
        prefix: &str,
        numbers: &[u32],
        stack: &mut Vec<String>,
        out: &mut Vec<FieldAt>,
    ) {
        for field in contract().fields(message) {
            let path = format!(
                "{prefix}{}{}",
                field.name,
                if field.repeated { "[0]" } else { "" }
            );
            let mut numbers = numbers.to_vec();
            numbers.push(field.number);
            match &field.kind {
                FieldKind::Message(next) => {
                    if !stack.contains(next) {
                        stack.push(next.clone());
                        walk(next, &format!("{path}."), &numbers, stack, out);
                        stack.pop();
                    }
                }
                _ => out.push(FieldAt {
                    path,
                    numbers,
                    field: field.clone(),
                }),
            }
        }
    }
    let mut out = Vec::new();
    walk(message, "", &[], &mut vec![message.to_owned()], &mut out);
    out
}

#[test]
fn a_request_encoded_from_json_is_the_message_prost_encodes() {
    use laa_proto::v1 as pb;
    use prost::Message as _;
    let json = serde_json::json!({
        "agreement": "agreements/kent-2008-11",
        "request_id": "r1",
        "expected_version": 7,
        "indicator_number": 112,
        "terms": {"values": {
            "unit": "percent",
            "baseline": {"value": 40.5, "period": "2007"},
            "trajectory": [
                {"year": "2008/09", "amount": -1.25},
                {"year": "2009/10", "amount": "-Infinity"},
                {"year": "2010/11", "deferred_to": "2009"}
            ]
        }},
        "evidence": ["one", "two"],
        "priority": -3
    });
    let typed = pb::ProposeTargetRequest {
        agreement: "agreements/kent-2008-11".into(),
        request_id: "r1".into(),
        expected_version: 7,
        indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(112)),
        terms: Some(pb::Terms {
            kind: Some(pb::terms::Kind::Values(pb::TargetValues {
                unit: "percent".into(),
                baseline: Some(pb::Baseline {
                    value: 40.5,
                    period: "2007".into(),
                }),
                trajectory: vec![
                    pb::YearValue {
                        year: "2008/09".into(),
                        value: Some(pb::year_value::Value::Amount(-1.25)),
                    },
                    pb::YearValue {
                        year: "2009/10".into(),
                        value: Some(pb::year_value::Value::Amount(f64::NEG_INFINITY)),
                    },
                    pb::YearValue {
                        year: "2010/11".into(),
                        value: Some(pb::year_value::Value::DeferredTo("2009".into())),
                    },
                ],
                limit_deterioration: String::new(),
            })),
        }),
        evidence: vec!["one".into(), "two".into()],
        priority: -3,
        ..Default::default()
    };
    let bytes = encode("laa.v1.ProposeTargetRequest", &json);
    assert_eq!(
        pb::ProposeTargetRequest::decode(bytes.as_slice()).expect("decodes"),
        typed
    );
}
