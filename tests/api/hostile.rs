//! Hostile input: a corpus of malformed requests on every method,
//! generated from the contract (corpus.rs: every field of every request
//! given values no client should send) and raw (bytes that are not the
//! method's message at all, sent with a bytes codec over the same HTTP/2
//! gRPC transport). Whatever arrives, the server answers with a clear
//! error (never `INTERNAL`), exactly one `ErrorInfo`, under 8 KiB, and
//! writes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use laa_proto::contract::contract;
use laa_proto::v1 as pb;
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::corpus::{self, Case, Class, IGNORED};
use crate::rows::{KENT_2008, row};
use crate::rpc::{self, raw_call};
use crate::support::*;

/// The most bytes an error may take (message, details and metadata).
const MAX_ERROR_BYTES: usize = 8 * 1024;
/// How many calls the corpus keeps in flight at once.
const IN_FLIGHT: usize = 48;
/// The indicator set draft the rows comment on and publish (rows.rs),
/// created before the corpus runs so that comments reach their text.
const DRAFT: i32 = 2030;

fn values_terms(unit: &str, baseline: f64, period: &str, years: Vec<pb::YearValue>) -> pb::Terms {
    pb::Terms {
        kind: Some(pb::terms::Kind::Values(pb::TargetValues {
            unit: unit.into(),
            baseline: Some(pb::Baseline {
                value: baseline,
                period: period.into(),
            }),
            trajectory: years,
            limit_deterioration: String::new(),
        })),
    }
}

fn year(y: &str, v: f64) -> pb::YearValue {
    pb::YearValue {
        year: y.into(),
        value: Some(pb::year_value::Value::Amount(v)),
    }
}

fn good_years() -> Vec<pb::YearValue> {
    vec![
        year("2008/09", 7.0),
        year("2009/10", 6.0),
        year("2010/11", 5.0),
    ]
}

/// Byte strings that are not a valid message of any method: a string field
/// sent as a varint (or a varint field sent as a string), invalid UTF-8 in
/// a string, truncated lengths, an overlong varint, invalid wire types and
/// field numbers, unbalanced groups, and deterministic noise.
fn raw_corpus(seed: u64) -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = vec![
        vec![0x0a, 0x02, 0xff, 0xfe],       // field 1, string, invalid UTF-8
        vec![0x0a, 0x03, 0xc3, 0x28, 0x41], // an invalid two-byte sequence
        vec![0x12, 0x02, 0xed, 0xa0],       // field 2, a truncated surrogate
        vec![0x0a, 0x10, 0x61],             // length 16, one byte follows
        vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61], // a length of 4 GiB
        vec![
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ], // an 11-byte varint
        vec![0x08],                         // a varint that never comes
        vec![0x0f, 0x01],                   // wire type 7
        vec![0x0e, 0x01],                   // wire type 6
        vec![0x00, 0x01],                   // field number 0
        vec![0x0b, 0x08, 0x01],             // a group that never ends
        vec![0x0c],                         // the end of a group never started
        vec![0x0d, 0x01, 0x02],             // a fixed32 cut short
        vec![0x09, 0x01],                   // a fixed64 cut short
        vec![0x0a, 0x01, 0x80, 0x12, 0x03, 0xff, 0xff, 0xff], // field 1 ok-ish, field 2 bad UTF-8
        // field 1 as a varint where it is a string, and field 3 as a string where it is a number
        vec![
            0x08, 0x96, 0x01, 0x1a, 0x03, b'a', b'b', b'c', 0x22, 0x05, 0xff,
        ],
    ];
    // Deterministic noise: a xorshift generator, no randomness between runs.
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..16 {
        let len = 1 + (next() % 48) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Mostly well-formed tags with broken payloads, so the decoder gets past the first byte.
        bytes[0] = [0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x32][(next() % 6) as usize];
        corpus.push(bytes);
    }
    corpus
}

/// What the corpus found.
#[derive(Debug, Default)]
struct Tally {
    calls: usize,
    ok: usize,
    by_code: std::collections::BTreeMap<String, usize>,
}

/// Checks one answer: never INTERNAL (nor UNKNOWN), an error has exactly
/// one `ErrorInfo` of domain `laa.v1` and fits in 8 KiB, every field it
/// names (its `field` fact, its `BadRequest` violations) is a field of the
/// `request` message by the descriptor set, and a call that would change
/// something is refused.
fn check(
    tally: &mut Tally,
    what: &str,
    mutates: bool,
    request: &str,
    result: Result<(), tonic::Status>,
) {
    tally.calls += 1;
    let status = match result {
        Ok(()) => {
            assert!(!mutates, "{what} was accepted");
            tally.ok += 1;
            return;
        }
        Err(status) => status,
    };
    *tally
        .by_code
        .entry(format!("{:?}", status.code()))
        .or_default() += 1;
    assert!(
        !matches!(
            status.code(),
            Code::Internal | Code::Unknown | Code::DataLoss
        ),
        "{what}: {:?} {}",
        status.code(),
        status.message()
    );
    let infos: Vec<_> = status
        .get_error_details_vec()
        .into_iter()
        .filter_map(|d| match d {
            tonic_types::ErrorDetail::ErrorInfo(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(
        infos.len(),
        1,
        "{what}: exactly one ErrorInfo in {status:?}"
    );
    assert_eq!(infos[0].domain, "laa.v1", "{what}");
    let named = infos[0].metadata.get("field").into_iter().cloned();
    for field in named.chain(bad_fields(&status)) {
        assert!(
            contract().has_field(request, &field),
            "{what}: the error names `{field}`, which {request} does not have: {status:?}"
        );
    }
    let size = error_bytes(&status);
    assert!(size <= MAX_ERROR_BYTES, "{what}: an error of {size} bytes");
}

/// The bytes an error takes: message, details and metadata.
fn error_bytes(status: &tonic::Status) -> usize {
    status.message().len()
        + status.details().len()
        + status
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum::<usize>()
}

/// Everything a refused call could have changed, read back: Kent's
/// agreement and the events of Kent's and Surrey's, the areas, the
/// indicator sets and the draft's comments, the rounds.
#[derive(Debug, PartialEq)]
struct Written {
    agreement: pb::Agreement,
    kent_events: u64,
    surrey_events: u64,
    areas: pb::ListAreasResponse,
    indicator_sets: pb::ListIndicatorSetsResponse,
    draft: pb::IndicatorSet,
    rounds: pb::ListRoundsResponse,
}

impl Written {
    async fn read(app: &TestApp) -> Written {
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        Written {
            agreement: auditor
                .agreements
                .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
                .await
                .expect("Kent's agreement")
                .into_inner(),
            kent_events: app.event_count("kent-2008-11").await,
            surrey_events: app.event_count("surrey-2008-11").await,
            areas: auditor
                .areas
                .list_areas(pb::ListAreasRequest {
                    page_size: 200,
                    ..Default::default()
                })
                .await
                .expect("areas")
                .into_inner(),
            indicator_sets: auditor
                .indicators
                .list_indicator_sets(pb::ListIndicatorSetsRequest {})
                .await
                .expect("indicator sets")
                .into_inner(),
            draft: auditor
                .indicators
                .get_indicator_set(pb::GetIndicatorSetRequest {
                    name: format!("indicatorSets/{DRAFT}"),
                })
                .await
                .expect("the draft")
                .into_inner(),
            rounds: auditor
                .rounds
                .list_rounds(pb::ListRoundsRequest {})
                .await
                .expect("rounds")
                .into_inner(),
        }
    }
}

/// Sends every case, [`IN_FLIGHT`] at a time, each as the first caller its
/// method's row allows (so that it reaches the parsing and rules behind
/// authorisation), and checks every answer ([`check`]; a page token is
/// read before anything is looked up, so a hostile one is
/// `INVALID_ARGUMENT` naming it); returns the failures, each reported, not
/// only the first.
async fn send(app: &TestApp, cases: Vec<Case>, tally: &mut Tally) -> Vec<String> {
    let channel = Channel::from_shared(app.url())
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut failures = Vec::new();
    let mut cases = cases.into_iter().peekable();
    while cases.peek().is_some() {
        let mut set = tokio::task::JoinSet::new();
        for case in cases.by_ref().take(IN_FLIGHT) {
            let channel = channel.clone();
            let who = row(&case.method.name).allowed[0];
            let token = who.token(&app.tokens).expect("signed in").to_owned();
            set.spawn(async move {
                let call = raw_call(channel, &token, &case.method.path, case.bytes);
                let result = tokio::time::timeout(Duration::from_secs(60), call)
                    .await
                    .unwrap_or_else(|_| panic!("{} did not finish", case.what));
                (case.method, case.class, case.what, result)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (method, class, what, result) = joined.expect("a call");
            let what = format!("{} ({})", short(&what), app.backend);
            checked(&mut failures, || {
                if class == Class::PageToken {
                    let status = result.as_ref().expect_err(&what);
                    assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
                    assert_eq!(reason(status), "INVALID_ARGUMENT", "{what}");
                    assert_eq!(bad_fields(status), ["page_token"], "{what}");
                }
                check(
                    tally,
                    &what,
                    row(&method.name).writes,
                    &method.input,
                    result,
                )
            });
        }
    }
    failures
}

/// Runs `check`, keeping its failure's message in `failures`.
fn checked(failures: &mut Vec<String>, check: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        failures.push(short(&text));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_corpus_of_malformed_requests_is_refused_cleanly_and_writes_nothing() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        kent_with_a_proposal(&mut app.clients(Some(&t.go)).await).await;
        app.clients(Some(&t.admin))
            .await
            .indicators
            .create_indicator_set(pb::CreateIndicatorSetRequest {
                version: DRAFT,
                based_on: "2008".into(),
                ..Default::default()
            })
            .await
            .expect("a draft to comment on");
        let before = Written::read(&app).await;

        // Every field of every method's request, given values by what it
        // is; every method, bytes that are not its message.
        let mut cases = corpus::corpus(KENT_2008, before.agreement.version);
        for method in contract().methods() {
            assert!(
                contract().fields(&method.input).is_empty()
                    || cases.iter().any(|c| c.method == method),
                "{} has fields and no hostile request",
                method.name
            );
        }
        for (k, method) in contract().methods().iter().enumerate() {
            for bytes in raw_corpus(0x9e37_79b9_7f4a_7c15 ^ k as u64) {
                cases.push(Case {
                    method,
                    class: Class::Raw,
                    what: format!("raw {} {bytes:02x?}", method.name),
                    bytes,
                });
            }
        }
        let mut by_class: BTreeMap<Class, usize> = BTreeMap::new();
        for case in &cases {
            *by_class.entry(case.class).or_default() += 1;
        }
        let raw = by_class[&Class::Raw];
        let generated = cases.len() - raw;
        assert!(generated >= 2_500 && raw >= 500, "{by_class:?}");

        let mut tally = Tally::default();
        let failures = send(&app, cases, &mut tally).await;
        assert!(
            failures.is_empty(),
            "{} requests failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(
            tally.by_code.get("InvalidArgument").copied().unwrap_or(0) >= raw / 2,
            "undecodable bytes are INVALID_ARGUMENT: {tally:?}"
        );
        assert_eq!(
            Written::read(&app).await,
            before,
            "no write on {}: {tally:?}",
            app.backend
        );
        eprintln!(
            "{} corpus: {generated} generated, {raw} raw, by class {by_class:?}: {tally:?}",
            app.backend
        );
    })
    .await;
}

fn short(text: &str) -> String {
    text.chars().take(700).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_bytes_are_invalid_argument_with_one_error_info_on_every_method() {
    for_each_database(|app| async move {
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        // A string field sent as a varint, invalid UTF-8, a truncated length:
        // each undecodable by every request message that has fields.
        let undecodable: [&[u8]; 3] = [
            &[0x0a, 0x02, 0xff, 0xfe],
            &[0x0a, 0x10, 0x61],
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ];
        for method in contract().methods() {
            if contract().fields(&method.input).is_empty() {
                continue; // no fields: field 1 is an unknown field, skipped
            }
            let path = method.path.as_str();
            for bytes in undecodable {
                let status = raw_call(channel.clone(), &app.tokens.auditor, path, bytes.to_vec())
                    .await
                    .expect_err("undecodable");
                assert_eq!(
                    status.code(),
                    Code::InvalidArgument,
                    "{path} {bytes:02x?}: {status:?}"
                );
                assert_eq!(reason(&status), "MALFORMED_REQUEST", "{path}");
            }
        }
        // Bytes no message decodes, on the method without fields too.
        let status = raw_call(
            channel.clone(),
            &app.tokens.auditor,
            "/laa.v1.IndicatorService/ListIndicatorSets",
            vec![0x0a, 0x10, 0x61],
        )
        .await
        .expect_err("a truncated length");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(reason(&status), "MALFORMED_REQUEST");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_is_resource_exhausted_with_one_error_info() {
    for_each_database(|app| async move {
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        // 17 MiB against the 16 MiB limit: a well-formed message, field 1 a long string.
        let len = 17 * 1024 * 1024;
        let mut bytes = vec![0x0a];
        let mut n = len;
        while n >= 0x80 {
            bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        bytes.push(n as u8);
        bytes.resize(bytes.len() + len, b'a');
        let status = raw_call(
            channel,
            &app.tokens.auditor,
            "/laa.v1.AgreementService/GetAgreement",
            bytes,
        )
        .await
        .expect_err("over the limit");
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert_eq!(reason(&status), "MESSAGE_TOO_LARGE");
        assert!(error_bytes(&status) <= MAX_ERROR_BYTES);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_quote_at_most_a_short_prefix_of_a_huge_value() {
    for_each_database(|app| async move {
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let huge = "x".repeat(1 << 20);
        let mut answers = vec![
            auditor
                .agreements
                .get_agreement(pb::GetAgreementRequest { name: huge.clone() })
                .await
                .map(drop),
            auditor
                .areas
                .get_area(pb::GetAreaRequest { name: huge.clone() })
                .await
                .map(drop),
            auditor
                .indicators
                .list_indicators(pb::ListIndicatorsRequest {
                    indicator_set: "2008".into(),
                    status: huge.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
            go.agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: "areas/kent".into(),
                    round: huge.clone(),
                    indicator_set: 2007,
                    request_id: rid(),
                    expected_version: 0,
                    ..Default::default()
                })
                .await
                .map(drop),
        ];
        let v = open_kent(&mut go).await;
        answers.push(
            go.agreements
                .propose_target(go_proposal(
                    v,
                    117,
                    values_terms("percent", 8.0, &huge, good_years()),
                    "DCSF",
                ))
                .await
                .map(drop),
        );
        answers.push(
            go.agreements
                .propose_target(go_proposal(
                    v,
                    117,
                    values_terms(&huge, 8.0, "2007", good_years()),
                    "DCSF",
                ))
                .await
                .map(drop),
        );
        for (i, answer) in answers.into_iter().enumerate() {
            let status = answer.expect_err("refused");
            assert!(
                matches!(status.code(), Code::InvalidArgument | Code::NotFound),
                "{i}: {:?} {}",
                status.code(),
                short(status.message())
            );
            reason(&status);
            let size = error_bytes(&status);
            assert!(size <= MAX_ERROR_BYTES, "{i}: {size} bytes");
            let quoted = status.message().matches('x').count();
            assert!(
                (1..=64).contains(&quoted),
                "{i}: quotes {quoted} characters of the value: {}",
                short(status.message())
            );
            assert!(status.message().contains("x…"), "{i}: marks the cut");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_tricks_are_refused_on_every_numeric_field() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let before = app.event_count("kent-2008-11").await;
        let counter = |v: i64, terms: pb::Terms| pb::CounterOfferRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            target: 1,
            terms: Some(terms),
            rationale: "DCSF floor".into(),
            evidence: vec![],
            deal_breaker: false,
            ..Default::default()
        };
        let actual = |v: i64, value: f64| pb::RecordActualRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            target: 1,
            year: "2008/09".into(),
            value,
            source: "Ofsted".into(),
            ..Default::default()
        };
        // The counter-offer the harness found accepted: a percentage baseline of -1e-300.
        for bad in [-1e-300, 1e-300, -5e-324, 100.000_000_1, -1e-29] {
            let terms = [
                values_terms("percent", bad, "2007", good_years()),
                values_terms(
                    "percent",
                    8.0,
                    "2007",
                    vec![
                        year("2008/09", 7.0),
                        year("2009/10", bad),
                        year("2010/11", 5.0),
                    ],
                ),
                values_terms("count", -bad.abs(), "2007", good_years()),
            ];
            for terms in terms {
                let status = go
                    .agreements
                    .counter_offer(counter(v, terms.clone()))
                    .await
                    .expect_err(&format!("{bad:e} in {terms:?}"));
                assert_eq!(status.code(), Code::InvalidArgument, "{bad:e}: {status:?}");
                assert_eq!(reason(&status), "INVALID_TERMS", "{bad:e}");
            }
        }
        // A negative zero, which a prost client never sends (it leaves out a
        // field equal to 0), sent as the raw bytes another client would send:
        // 12.5 encoded, then its eight bytes replaced by -0.0's.
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let sentinel = 12.5_f64.to_le_bytes();
        let negative_zero = (-0.0_f64).to_le_bytes();
        let with_negative_zero = |message: Vec<u8>| {
            let at = message
                .windows(8)
                .position(|w| w == sentinel)
                .expect("the sentinel");
            let mut patched = message;
            patched[at..at + 8].copy_from_slice(&negative_zero);
            patched
        };
        let raw = [
            (
                "/laa.v1.AgreementService/CounterOffer",
                &app.tokens.go,
                counter(v, values_terms("percent", 12.5, "2007", good_years())).encode_to_vec(),
            ),
            (
                "/laa.v1.AgreementService/CounterOffer",
                &app.tokens.go,
                counter(
                    v,
                    values_terms(
                        "count",
                        8.0,
                        "2007",
                        vec![
                            year("2008/09", 12.5),
                            year("2009/10", 6.0),
                            year("2010/11", 5.0),
                        ],
                    ),
                )
                .encode_to_vec(),
            ),
            (
                "/laa.v1.AgreementService/RecordActual",
                &app.tokens.kent,
                actual(v, 12.5).encode_to_vec(),
            ),
        ];
        for (path, token, message) in raw {
            let status = raw_call(channel.clone(), token, path, with_negative_zero(message))
                .await
                .expect_err("-0.0 is refused");
            assert_eq!(status.code(), Code::InvalidArgument, "{path}: {status:?}");
            assert_eq!(reason(&status), "INVALID_TERMS", "{path}");
        }
        assert_eq!(app.event_count("kent-2008-11").await, before);
        // Actuals: the value is refused before the lifecycle is consulted,
        // so an open agreement is enough.
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        for bad in [-1e-300, f64::NAN, 1e300, 1e-30] {
            let status = kent
                .agreements
                .record_actual(actual(v, bad))
                .await
                .expect_err("refused");
            assert_eq!(status.code(), Code::InvalidArgument, "{bad:e}: {status:?}");
            assert_eq!(reason(&status), "INVALID_TERMS", "{bad:e}");
        }
        assert_eq!(app.event_count("kent-2008-11").await, before);
        // 0 and 100 are percentages.
        go.agreements
            .counter_offer(counter(
                v,
                values_terms(
                    "percent",
                    0.0,
                    "2007",
                    vec![
                        year("2008/09", 0.0),
                        year("2009/10", 50.0),
                        year("2010/11", 100.0),
                    ],
                ),
            ))
            .await
            .expect("0 and 100 are percentages");
    })
    .await;
}
/// Sends `body` as the whole HTTP/2 body of a gRPC call to `path`, framed
/// by hand (the generated clients and `Grpc` always frame correctly), and
/// returns the status the server answered.
async fn hand_framed_call(
    mut channel: Channel,
    token: &str,
    path: &str,
    body: Vec<u8>,
) -> Option<tonic::Status> {
    use tonic::codegen::Service;
    let request = tonic::codegen::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {token}"))
        .body(tonic::body::Body::new(
            String::from_utf8(body).expect("these frames are ASCII"),
        ))
        .expect("request");
    std::future::poll_fn(|cx| channel.poll_ready(cx))
        .await
        .expect("ready");
    let response = channel.call(request).await.expect("an HTTP answer");
    tonic::Status::from_header_map(response.headers())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_frames_are_invalid_argument_with_one_error_info_on_every_method() {
    for_each_database(|app| async move {
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let frames: [(&str, Vec<u8>); 5] = [
            ("no message at all", vec![]),
            ("a frame header cut short", vec![0, 0, 0]),
            (
                "a frame shorter than its length",
                vec![0, 0, 0, 0, 10, 0x0a],
            ),
            ("an invalid compression flag", vec![2, 0, 0, 0, 0]),
            (
                "compressed, with no encoding named",
                vec![1, 0, 0, 0, 1, 0x08],
            ),
        ];
        let mut set = tokio::task::JoinSet::new();
        for path in contract().methods().iter().map(|m| m.path.as_str()) {
            for (what, body) in frames.clone() {
                let (channel, token) = (channel.clone(), app.tokens.auditor.clone());
                set.spawn(async move {
                    let status = hand_framed_call(channel, &token, path, body).await;
                    (path, what, status)
                });
            }
        }
        let mut tally = Tally::default();
        while let Some(joined) = set.join_next().await {
            let (path, what, status) = joined.expect("a call");
            let status = status.unwrap_or_else(|| panic!("{path} {what}: no status"));
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{path} {what} ({}): {status:?}",
                app.backend
            );
            assert_eq!(reason(&status), "MALFORMED_REQUEST", "{path} {what}");
            check(
                &mut tally,
                &format!("{path} {what}"),
                true,
                &request_of(path),
                Err(status),
            );
        }
        assert_eq!(tally.calls, contract().methods().len() * 5);
    })
    .await;
}

/// The request message of the method at `path`, by the descriptor set.
fn request_of(path: &str) -> String {
    contract()
        .methods()
        .iter()
        .find(|m| m.path == path)
        .map(|m| m.input.clone())
        .unwrap_or_else(|| panic!("no method at {path}"))
}

/// Control characters a request string may not hold: NUL, ESC, DEL and a
/// C1 control (NEL), and, outside running text, a line break and a tab.
const STRAY_CONTROLS: [&str; 4] = ["\0", "red \u{1b}[31m", "del\u{7f}", "nel\u{85}"];
const LINE_BREAKS: [&str; 2] = ["two\nlines", "a\ttab"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_character_in_any_string_of_any_request_is_invalid_argument_naming_the_field() {
    for_each_database(|app| async move {
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let events_before = app.event_count("kent-2008-11").await;
        // Every string of every method's request, from the descriptor set:
        // a method or field added tomorrow is in the corpus with no new code.
        let mut calls = Vec::new();
        for method in contract().methods() {
            for field in contract().string_fields(&method.input) {
                for value in STRAY_CONTROLS {
                    calls.push((method.clone(), field.clone(), value, true));
                }
                for value in LINE_BREAKS {
                    calls.push((method.clone(), field.clone(), value, !field.running_text));
                }
            }
        }
        assert!(calls.len() > 500, "{} calls", calls.len());
        let mut tally = Tally::default();
        for chunk in calls.chunks(IN_FLIGHT) {
            let mut set = tokio::task::JoinSet::new();
            for (method, field, value, refused) in chunk.iter().cloned() {
                let (channel, token) = (channel.clone(), app.tokens.admin.clone());
                set.spawn(async move {
                    let bytes = field.encode(value);
                    let result = raw_call(channel, &token, &method.path, bytes).await;
                    (method, field, value, refused, result)
                });
            }
            while let Some(joined) = set.join_next().await {
                let (method, field, value, refused, result) = joined.expect("a call");
                let what = format!("{} {} = {value:?}", method.name, field.path);
                let refused_here = match &result {
                    Err(status) => {
                        status.code() == Code::InvalidArgument
                            && reason(status) == "INVALID_ARGUMENT"
                            && bad_fields(status) == [field.path.clone()]
                            && status.message().contains("control character")
                    }
                    Ok(()) => false,
                };
                assert_eq!(
                    refused_here, refused,
                    "{what} ({}): {result:?}",
                    app.backend
                );
                if refused {
                    let status = result.as_ref().expect_err("refused");
                    let info = status
                        .get_error_details()
                        .error_info()
                        .cloned()
                        .expect("an ErrorInfo");
                    assert_eq!(info.metadata.get("field"), Some(&field.path), "{what}");
                }
                check(&mut tally, &what, refused, &method.input, result);
            }
        }
        assert_eq!(app.event_count("kent-2008-11").await, events_before);
        assert_eq!(app.event_count("surrey-2008-11").await, 0);
    })
    .await;
}

/// Values no field of their type should take, encoded (without the key):
/// the most negative integers, the largest unsigned ones, NaN and -∞, and a
/// 64 KiB string. Booleans and bytes have none.
fn impossible_values(proto_type: prost_types::field_descriptor_proto::Type) -> Vec<Vec<u8>> {
    use prost::encoding::encode_varint;
    use prost_types::field_descriptor_proto::Type;
    let varint = |v: u64| {
        let mut out = Vec::new();
        encode_varint(v, &mut out);
        out
    };
    match proto_type {
        // Sign-extended to ten bytes, as protobuf encodes a negative int32.
        Type::Int32 | Type::Enum => vec![varint(i64::from(i32::MIN) as u64)],
        Type::Int64 => vec![varint(i64::MIN as u64)],
        Type::Uint32 => vec![varint(u64::from(u32::MAX))],
        Type::Uint64 => vec![varint(u64::MAX)],
        Type::Sint32 | Type::Sint64 => vec![varint(u64::MAX)],
        Type::Fixed32 | Type::Sfixed32 => vec![i32::MIN.to_le_bytes().to_vec()],
        Type::Fixed64 | Type::Sfixed64 => vec![i64::MIN.to_le_bytes().to_vec()],
        Type::Double => vec![
            f64::NAN.to_le_bytes().to_vec(),
            f64::NEG_INFINITY.to_le_bytes().to_vec(),
        ],
        Type::Float => vec![f32::NAN.to_le_bytes().to_vec()],
        Type::String => {
            let text = "D".repeat(1 << 16);
            let mut out = varint(text.len() as u64);
            out.extend_from_slice(text.as_bytes());
            vec![out]
        }
        Type::Bool | Type::Bytes | Type::Message | Type::Group => vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_value_in_any_field_of_any_request_is_refused_cleanly_and_writes_nothing() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        kent_with_a_proposal(&mut go).await;
        let mut auditor = app.clients(Some(&t.auditor)).await;
        let version_before = version(&mut auditor, KENT).await;
        let events_before = app.event_count("kent-2008-11").await;
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        // Every field of every method's request, from the descriptor set,
        // set to an impossible value on top of the method's well-formed
        // request (its row): a method or field added tomorrow is in the
        // corpus with no new code.
        let mut calls = Vec::new();
        for method in contract().methods() {
            let row = row(&method.name);
            let valid = row.request(KENT_2008, version_before);
            for at in rpc::leaf_fields(&method.input) {
                for value in impossible_values(at.field.proto_type) {
                    let mut bytes = valid.clone();
                    bytes.extend(at.encode(&value));
                    calls.push((method, at.path.clone(), row, bytes));
                }
            }
        }
        assert!(calls.len() >= 250, "{} calls", calls.len());
        let mut tally = Tally::default();
        let mut failures = Vec::new();
        for chunk in calls.chunks(IN_FLIGHT) {
            let mut set = tokio::task::JoinSet::new();
            for (method, path, row, bytes) in chunk.iter().cloned() {
                let channel = channel.clone();
                let token = row.allowed[0].token(t).expect("signed in").to_owned();
                set.spawn(async move {
                    let result = raw_call(channel, &token, &method.path, bytes).await;
                    (method, path, row, result)
                });
            }
            while let Some(joined) = set.join_next().await {
                let (method, path, row, result) = joined.expect("a call");
                let what = format!("{} {path} ({})", method.name, app.backend);
                let ignored = IGNORED.contains(&(method.name.as_str(), path.as_str()));
                let writes = row.writes && !ignored;
                // Every cell is checked, and every failure reported at once.
                checked(&mut failures, || {
                    check(&mut tally, &what, writes, &method.input, result)
                });
            }
        }
        assert!(
            failures.is_empty(),
            "{} cells failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(version(&mut auditor, KENT).await, version_before);
        assert_eq!(app.event_count("kent-2008-11").await, events_before);
        assert_eq!(app.event_count("surrey-2008-11").await, 0);
        eprintln!("{} impossible values: {tally:?}", app.backend);
    })
    .await;
}
