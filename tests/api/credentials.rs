//! Credentials in production: tokens expire, rotate, record their last
//! use, and every refused credential is logged without its secret.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use laa_core::{Role, Scope};
use laa_proto::v1 as pb;

use crate::cli::{fails, ok};
use crate::support::*;

async fn list_agreements(app: &TestApp, token: &str) -> Result<(), tonic::Status> {
    let mut c = app.clients(Some(token)).await;
    c.agreements
        .list_agreements(pb::ListAgreementsRequest::default())
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_unauthenticated_and_says_it_expired() {
    for_each_database(|app| async move {
        let (_, secret) = app
            .store
            .credentials()
            .issue_token_for(
                Role::Auditor,
                Scope::National,
                "short-lived",
                Duration::from_secs(2),
            )
            .await
            .expect("issue");
        list_agreements(&app, &secret)
            .await
            .expect("a fresh token works");
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let status = list_agreements(&app, &secret).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
        assert_eq!(reason(&status), "UNAUTHENTICATED");
        assert!(status.message().contains("expired"), "{}", status.message());
        // An unknown token says nothing about expiry.
        let status = list_agreements(&app, "laa_0000").await.unwrap_err();
        assert!(
            !status.message().contains("expired"),
            "{}",
            status.message()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_rotate_expire_in_their_lifetime_and_record_their_last_use() {
    for_each_database(|app| async move {
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_laa"))
                .args(args)
                .env("LAA_DATABASE_URL", &app.database_url)
                .output()
                .expect("run laa token")
        };
        let secret = ok(&run(&[
            "token",
            "issue",
            "--role",
            "auditor",
            "--label",
            "audit:rota",
            "--expires-in",
            "30d",
        ]))
        .trim()
        .to_owned();
        let tokens = app.store.credentials().list_tokens().await.unwrap();
        let old = tokens.iter().find(|t| t.label == "audit:rota").unwrap();
        let lifetime = old.expires_at.unwrap() - old.created_at;
        assert_eq!(lifetime.num_days(), 30, "{lifetime}");
        // The default lifetime is 90 days.
        let default = tokens.iter().find(|t| t.label == "admin").unwrap();
        assert_eq!(
            (default.expires_at.unwrap() - default.created_at).num_days(),
            90
        );
        assert!(old.last_used_at.is_none());

        // A use is recorded (in the background, at most once a minute).
        list_agreements(&app, &secret).await.expect("works");
        let mut used = None;
        for _ in 0..50 {
            let tokens = app.store.credentials().list_tokens().await.unwrap();
            used = tokens
                .into_iter()
                .find(|t| t.id == old.id)
                .and_then(|t| t.last_used_at);
            if used.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(used.is_some(), "the last use was never recorded");
        let listed = ok(&run(&["token", "list", "--output", "json"]));
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let row = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == old.id.as_str())
            .unwrap();
        assert!(
            row["lastUsed"].as_str().is_some_and(|t| t.ends_with('Z'))
                && row["expires"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{row}"
        );

        // Rotation: a new secret, same role, scope and label; the old one revoked.
        let rotated = run(&["token", "rotate", old.id.as_str(), "--expires-in", "12h"]);
        let new_secret = ok(&rotated).trim().to_owned();
        assert!(new_secret.starts_with("laa_") && new_secret != secret);
        tokio::time::sleep(laa_store::credentials::TOKEN_RECHECK).await;
        let status = list_agreements(&app, &secret).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        list_agreements(&app, &new_secret)
            .await
            .expect("the rotated token works");
        let tokens = app.store.credentials().list_tokens().await.unwrap();
        let live: Vec<_> = tokens
            .iter()
            .filter(|t| t.label == "audit:rota" && t.revoked_at.is_none())
            .collect();
        assert_eq!(live.len(), 1);
        assert_eq!(
            (live[0].role, &live[0].scope),
            (Role::Auditor, &Scope::National)
        );
        assert_eq!(
            (live[0].expires_at.unwrap() - live[0].created_at).num_hours(),
            12
        );

        // A revoked token cannot be rotated; a lifetime must be sensible.
        let err = fails(&run(&["token", "rotate", old.id.as_str()]));
        assert!(err.contains("no active token"), "{err}");
        // Revoking a revoked token and one that never existed: one failure,
        // one exit code (3, not found), one code and reason in JSON.
        for id in [old.id.as_str(), "tok_0000000000000000", "tok_nonexistent"] {
            let out = run(&["token", "revoke", id]);
            assert_eq!(out.status.code(), Some(3), "{id}: {out:?}");
            assert!(fails(&out).contains("no active token"), "{id}: {out:?}");
            let out = run(&["token", "revoke", id, "-o", "json"]);
            assert_eq!(out.status.code(), Some(3), "{id}: {out:?}");
            // Its last line: the first names the database worked on.
            let stderr = fails(&out);
            let last = stderr.trim().lines().last().unwrap_or_default();
            let error: serde_json::Value = serde_json::from_str(last)
                .unwrap_or_else(|e| panic!("{id}: stderr is one JSON object ({e}): {out:?}"));
            assert_eq!(
                (
                    error["error"]["code"].as_str(),
                    error["error"]["exit"].as_i64()
                ),
                (Some("NOT_FOUND"), Some(3)),
                "{id}: {error}"
            );
            assert_eq!(
                error["error"]["message"],
                format!("no active token '{id}'"),
                "{id}: {error}"
            );
        }
        let out = run(&["token", "issue", "--role", "admin", "--expires-in", "0d"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let out = run(&["token", "issue", "--role", "admin", "--expires-in", "30"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
    })
    .await;
}

/// `laa serve` on a fresh SQLite file, its stderr captured: returns the
/// child and the address it listens on.
pub fn spawn_laa_serve(database_url: &str, extra: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
        .env("LAA_HTTP_LISTEN", "off")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args(extra)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start laa serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let address = line
        .trim()
        .strip_prefix("laa listening on ")
        .unwrap_or_else(|| panic!("laa serve printed {line:?}"))
        .to_owned();
    (child, address)
}

/// Stops a spawned server (SIGTERM) and returns what it logged.
pub fn stop_laa_serve(mut child: std::process::Child) -> String {
    // SIGTERM, as a service manager stops it (the child, by its own id).
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logs)
        .expect("read logs");
    logs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refused_credential_is_logged_with_its_id_and_peer_never_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let store = laa_store::Store::connect(&url, laa_store::StoreOptions::default())
        .await
        .unwrap();
    let (expired_id, expired) = store
        .credentials()
        .issue_token_for(
            Role::Auditor,
            Scope::National,
            "gone",
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    let (revoked_id, revoked) = store
        .credentials()
        .issue_token(Role::Auditor, Scope::National, "revoked")
        .await
        .unwrap();
    store.credentials().revoke_token(&revoked_id).await.unwrap();
    store.close().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (child, address) = spawn_laa_serve(&url, &[]);
    let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let unknown = format!("laa_{}", "ab".repeat(32));
    for token in [
        Some(expired.as_str()),
        Some(revoked.as_str()),
        Some(&unknown),
        None,
    ] {
        let bearer = Bearer(token.map(|t| format!("Bearer {t}").parse().unwrap()));
        let mut c = pb::agreement_service_client::AgreementServiceClient::with_interceptor(
            channel.clone(),
            bearer,
        );
        let status = c
            .list_agreements(pb::ListAgreementsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
    }
    drop(channel);
    let logs = stop_laa_serve(child);
    let failures: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("authentication failed"))
        .collect();
    assert_eq!(failures.len(), 4, "{logs}");
    assert!(
        failures[0].contains(expired_id.as_str()) && failures[0].contains("expired"),
        "{logs}"
    );
    assert!(failures[1].contains(revoked_id.as_str()), "{logs}");
    assert!(
        failures.iter().all(|l| l.contains("127.0.0.1:")),
        "the peer: {logs}"
    );
    for secret in [&expired, &revoked, &unknown] {
        assert!(!logs.contains(&secret[4..]), "a secret was logged: {logs}");
    }
    assert!(
        !logs.contains('\u{1b}'),
        "ANSI codes outside a terminal: {logs}"
    );
}
