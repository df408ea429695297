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

async fn observed_on(url: &str) {
    let store = laa_store::Store::connect(url, laa_store::StoreOptions::default())
        .await
        .unwrap();
    let (_, go) = store
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
