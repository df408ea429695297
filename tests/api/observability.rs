//! Logs and metrics of a real `laa serve`: one JSON line per request with
//! its span (method, principal, agreement, request id, outcome, latency),
//! and the Prometheus families on `--metrics-listen` with `/healthz` and
//! `/readyz` beside them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use laa_core::{Region, Role, Scope};
use laa_proto::v1 as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::credentials::stop_laa_serve;
use crate::support::*;

/// `GET path` on a plain HTTP/1.1 listener: the status code and the body.
async fn http_get(address: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: laa\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// One sample of Prometheus' text exposition format.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// Parses Prometheus' text exposition format (version 0.0.4) strictly:
/// every sample belongs to a family announced by `# TYPE` (and `# HELP`)
/// before it, each family is announced once, label values are quoted, and
/// every value is a number. Panics naming the first line that breaks a rule.
fn exposition(text: &str) -> Vec<Sample> {
    use std::collections::BTreeMap;
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helped: std::collections::BTreeSet<String> = Default::default();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line:?}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("HELP"), Some(name), Some(help)) => {
                    assert!(!help.trim().is_empty(), "an empty HELP, {}", at());
                    assert!(helped.insert(name.to_owned()), "HELP twice, {}", at());
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "an unknown type, {}",
                        at()
                    );
                    assert!(
                        types.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "TYPE twice, {}",
                        at()
                    );
                }
                _ => {}
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value, {}", at()));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("not a number, {}", at())),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), Vec::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels, {}", at()));
                let mut labels = Vec::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest
                        .split_once("=\"")
                        .unwrap_or_else(|| panic!("a label without a quoted value, {}", at()));
                    let mut value = String::new();
                    let mut chars = after.char_indices();
                    let end = loop {
                        match chars.next() {
                            Some((_, '\\')) => value.push(chars.next().map_or('\\', |(_, c)| c)),
                            Some((i, '"')) => break i,
                            Some((_, c)) => value.push(c),
                            None => panic!("an unterminated label value, {}", at()),
                        }
                    };
                    labels.push((key.to_owned(), value));
                    rest = after[end + 1..].trim_start_matches(',');
                }
                (name.to_owned(), labels)
            }
        };
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "a bad metric name, {}",
            at()
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s).filter(|f| {
                    types
                        .get(*f)
                        .is_some_and(|t| t == "histogram" || t == "summary")
                })
            })
            .unwrap_or(&name)
            .to_owned();
        assert!(
            types.contains_key(&family),
            "a sample before its # TYPE, {}",
            at()
        );
        assert!(
            helped.contains(&family),
            "a family without # HELP, {}",
            at()
        );
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

/// The value of the sample `name` whose labels include `labels`.
fn value_of(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
        .map(|s| s.value)
}

async fn observed_on(url: &str) {
    let store = laa_store::Store::connect(url, laa_store::StoreOptions::default())
        .await
        .unwrap();
    let (_, go) = store
        .credentials()
        .issue_token(
            Role::GoNegotiator,
            Scope::Region(Region::SouthEast),
            "gose:obs",
        )
        .await
        .unwrap();
    store.close().await.unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
        .env("LAA_HTTP_LISTEN", "off")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .args(["--database-url", url])
        .env_remove("RUST_LOG")
        .env_remove("LAA_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start laa serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let line = lines.next().unwrap().unwrap();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected {prefix}..., got {line:?}"))
            .to_owned()
    };
    let grpc = next("laa listening on ");
    let http = next("laa metrics on ");

    // Before any call: every documented series is there, at zero, each
    // family with its # HELP and # TYPE; the build and the process too.
    let (status, first) = http_get(&http, "/metrics").await;
    assert_eq!(status, 200);
    let samples = exposition(&first);
    let open = [
        ("method", "laa.v1.AgreementService/OpenAgreement"),
        ("code", "OK"),
    ];
    for (name, labels) in [
        ("laa_requests_total", &open[..]),
        ("laa_request_duration_seconds_count", &open[..]),
        ("laa_follow_streams", &[][..]),
        (
            "laa_append_duration_seconds_count",
            &[("outcome", "ok")][..],
        ),
        ("laa_notifications_total", &[("outcome", "sent")][..]),
        ("laa_notifications_total", &[("outcome", "failed")][..]),
    ] {
        assert_eq!(
            value_of(&samples, name, labels),
            Some(0.0),
            "{name} {labels:?} at 0 in:\n{first}"
        );
    }
    for name in [
        "laa_group_commit_batches_total",
        "laa_group_commit_commands_total",
        "laa_group_commit_largest_batch",
        "laa_group_commit_queued",
        "laa_group_commit_batch_size_count",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        assert!(
            value_of(&samples, name, &[]).is_some(),
            "no {name} in:\n{first}"
        );
    }
    assert!(value_of(&samples, "process_resident_memory_bytes", &[]).unwrap() > 0.0);
    assert!(value_of(&samples, "process_open_fds", &[]).unwrap() > 0.0);
    let build = samples
        .iter()
        .find(|s| s.name == "laa_build_info")
        .unwrap_or_else(|| panic!("no laa_build_info in:\n{first}"));
    assert_eq!(build.value, 1.0);
    let label = |k: &str| {
        build
            .labels
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(label("version").as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert!(label("commit").is_some_and(|c| !c.is_empty()), "{build:?}");
    // Batch sizes are a histogram with buckets of commands, not seconds.
    assert!(
        value_of(
            &samples,
            "laa_group_commit_batch_size_bucket",
            &[("le", "32")]
        )
        .is_some(),
        "{first}"
    );

    let channel = tonic::transport::Channel::from_shared(format!("http://{grpc}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let bearer = Bearer(Some(format!("Bearer {go}").parse().unwrap()));
    let mut agreements = pb::agreement_service_client::AgreementServiceClient::with_interceptor(
        channel.clone(),
        bearer.clone(),
    );
    agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: "areas/kent".into(),
            round: String::new(),
            indicator_set: 2007,
            request_id: "obs-open-kent".into(),
            expected_version: 0,
            ..Default::default()
        })
        .await
        .expect("open kent");
    let mut anonymous = pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
    anonymous
        .list_agreements(pb::ListAgreementsRequest::default())
        .await
        .unwrap_err();
    let mut audit = pb::audit_service_client::AuditServiceClient::with_interceptor(channel, bearer);
    let mut follow = audit
        .stream_events(pb::StreamEventsRequest {
            agreement: KENT.into(),
            from_sequence: 1,
            follow: true,
        })
        .await
        .unwrap()
        .into_inner();
    follow.message().await.unwrap().expect("an event");

    assert_eq!(http_get(&http, "/healthz").await.0, 200);
    assert_eq!(http_get(&http, "/readyz").await.0, 200);
    let (status, metrics) = http_get(&http, "/metrics").await;
    assert_eq!(status, 200);
    let samples = exposition(&metrics);
    assert!(
        value_of(&samples, "laa_group_commit_batch_size_count", &[]).is_some_and(|n| n >= 1.0),
        "the open's batch counted: {metrics}"
    );
    for family in [
        r#"laa_requests_total{method="laa.v1.AgreementService/OpenAgreement",code="OK"} 1"#,
        r#"laa_requests_total{method="laa.v1.AgreementService/ListAgreements",code="UNAUTHENTICATED"} 1"#,
        r#"laa_request_duration_seconds_bucket{method="laa.v1.AgreementService/OpenAgreement",code="OK",le="#,
        r#"laa_append_duration_seconds_bucket{outcome="ok",le="#,
        "laa_follow_streams 1",
        "laa_group_commit_batches_total",
        "laa_group_commit_commands_total",
        "laa_group_commit_largest_batch",
        r#"laa_db_pool_connections{state="idle"}"#,
    ] {
        assert!(metrics.contains(family), "no {family} in:\n{metrics}");
    }
    drop(follow);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let logs = stop_laa_serve(child);
    assert!(
        !logs.contains('\u{1b}'),
        "ANSI codes outside a terminal: {logs}"
    );
    let events: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let opened = events
        .iter()
        .find(|e| {
            e["fields"]["message"] == "request"
                && e["span"]["method"] == "laa.v1.AgreementService/OpenAgreement"
        })
        .unwrap_or_else(|| panic!("no request line for OpenAgreement: {logs}"));
    let span = &opened["span"];
    assert_eq!(span["principal"], "gose:obs", "{opened}");
    assert_eq!(span["agreement"], "kent-2008-11", "{opened}");
    assert_eq!(span["request_id"], "obs-open-kent", "{opened}");
    assert_eq!(span["code"], "OK", "{opened}");
    assert_eq!(span["version"], 1, "{opened}");
    assert!(opened.get("spans").is_none(), "{opened}");
    assert!(span["latency_ms"].is_number(), "{opened}");
    let refused = events
        .iter()
        .find(|e| e["fields"]["message"] == "request" && e["span"]["code"] == "UNAUTHENTICATED")
        .unwrap_or_else(|| panic!("no request line for the refused call: {logs}"));
    assert_eq!(
        refused["span"]["method"],
        "laa.v1.AgreementService/ListAgreements"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_one_span_per_request_and_metrics_are_exported() {
    let dir = tempfile::tempdir().unwrap();
    observed_on(&format!(
        "sqlite://{}/laa.db?mode=rwc",
        dir.path().display()
    ))
    .await;
    if let Ok(admin) = std::env::var(POSTGRES_ENV) {
        let pg = FreshPostgres::create(&admin, "laa_e2e").await;
        observed_on(&pg.url).await;
    }
}
