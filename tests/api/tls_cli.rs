//! The command line against servers it cannot talk to as asked: a
//! plaintext client meeting TLS, `https://` meeting plaintext, an HTTP
//! port given for the gRPC one, a server certificate not trusted, a client
//! certificate missing. Every run ends with one error and its documented
//! exit code (under `-o json`, one JSON object), never silently by a
//! signal, whatever the timing; runs are repeated because the transport's
//! failures depend on it. A certificate made by the documented OpenSSL
//! command is trusted when pinned with `--ca-cert`.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::{laa, ok};
use crate::support::*;
use crate::tls::{pki, server_tls};

/// How many times each failing command is run.
const RUNS: usize = 10;

/// A failed run's error: it exited (no signal) with its code, printed
/// nothing on stdout and exactly one JSON object on stderr, whose `exit`
/// is the exit code.
fn one_json_error(out: &Output) -> (i32, Value) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let Some(code) = out.status.code() else {
        panic!(
            "laa died of signal {:?} with stderr {stderr:?}",
            out.status.signal()
        );
    };
    assert_ne!(code, 0, "expected a failure: {stderr}");
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    let error: Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is one JSON object ({e}): {stderr}"));
    assert_eq!(error["error"]["exit"], code, "{stderr}");
    (code, error["error"].clone())
}

/// A command that must fail, run [`RUNS`] times under `-o json`: the
/// exit code, the reason and a phrase of the message or hint every time.
struct Mistake<'a> {
    args: Vec<&'a str>,
    exit: i32,
    reason: &'a str,
    says: &'a str,
}

fn check(app: &TestApp, mistake: &Mistake<'_>) {
    let mut args = vec!["-o", "json", "--connect-timeout", "2"];
    args.extend(&mistake.args);
    args.extend(["agreement", "list"]);
    for run in 0..RUNS {
        let (code, error) = one_json_error(&laa(app, Some(&app.tokens.go), &args));
        let context = format!("run {run} of {args:?}: {error}");
        assert_eq!(code, mistake.exit, "{context}");
        assert_eq!(error["reason"], mistake.reason, "{context}");
        let text = format!("{} {}", error["message"], error["hint"]);
        assert!(text.contains(mistake.says), "{context}");
    }
}

/// `pem` written to `name` in `dir`: its path.
fn write(dir: &Path, name: &str, pem: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tls_mistake_is_one_error_with_its_exit_code() {
    // A client certificate from another CA, which the servers do not trust.
    let other = pki();
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca);
    let client_cert = write(dir.path(), "client.crt", &pki.client_cert);
    let client_key = write(dir.path(), "client.key", &pki.client_key);
    let stranger_cert = write(dir.path(), "stranger.crt", &other.client_cert);
    let stranger_key = write(dir.path(), "stranger.key", &other.client_key);

    // A TLS server.
    let config = laa_server::ServerConfig {
        tls: Some(server_tls(&pki, false)),
        ..Default::default()
    };
    for_each_database_with(config, |app| {
        let ca = ca.clone();
        async move {
            let http = format!("http://localhost:{}", app.address.port());
            let https = format!("https://localhost:{}", app.address.port());
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &http],
                    exit: 2,
                    reason: "SERVER_SPEAKS_TLS",
                    says: "the server speaks TLS: use https:// and --ca-cert",
                },
            );
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &https],
                    exit: 7,
                    reason: "SERVER_CERTIFICATE_NOT_TRUSTED",
                    says: "--ca-cert",
                },
            );
            // A certificate error is not retried: five retries would wait 6.2 s.
            let began = Instant::now();
            let args = ["-o", "json", "--server", &https, "--retries", "5"];
            let (code, _) = one_json_error(&laa(
                &app,
                Some(&app.tokens.go),
                &[&args[..], &["agreement", "list"]].concat(),
            ));
            assert_eq!(code, 7);
            assert!(
                began.elapsed() < Duration::from_secs(3),
                "retried: {:?}",
                began.elapsed()
            );
            let out = ok(&laa(
                &app,
                Some(&app.tokens.go),
                &["--server", &https, "--ca-cert", &ca, "agreement", "list"],
            ));
            assert!(out.contains("0 agreements"), "{out}");
        }
    })
    .await;

    // A mutual-TLS server.
    let config = laa_server::ServerConfig {
        tls: Some(server_tls(&pki, true)),
        ..Default::default()
    };
    for_each_database_with(config, |app| {
        let (ca, client_cert, client_key) = (ca.clone(), client_cert.clone(), client_key.clone());
        let (stranger_cert, stranger_key) = (stranger_cert.clone(), stranger_key.clone());
        async move {
            let http = format!("http://localhost:{}", app.address.port());
            let https = format!("https://localhost:{}", app.address.port());
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &http],
                    exit: 2,
                    reason: "SERVER_SPEAKS_TLS",
                    says: "the server speaks TLS: use https:// and --ca-cert",
                },
            );
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &https, "--ca-cert", &ca],
                    exit: 6,
                    reason: "CLIENT_CERTIFICATE_REFUSED",
                    says: "--client-cert",
                },
            );
            check(
                &app,
                &Mistake {
                    args: vec![
                        "--server",
                        &https,
                        "--ca-cert",
                        &ca,
                        "--client-cert",
                        &stranger_cert,
                        "--client-key",
                        &stranger_key,
                    ],
                    exit: 6,
                    reason: "CLIENT_CERTIFICATE_REFUSED",
                    says: "--client-cert",
                },
            );
            let out = ok(&laa(
                &app,
                Some(&app.tokens.go),
                &[
                    "--server",
                    &https,
                    "--ca-cert",
                    &ca,
                    "--client-cert",
                    &client_cert,
                    "--client-key",
                    &client_key,
                    "agreement",
                    "list",
                ],
            ));
            assert!(out.contains("0 agreements"), "{out}");
            // The same through the environment, as the other global options.
            let out = Command::new(env!("CARGO_BIN_EXE_laa"))
                .args(["--server", &https, "agreement", "list"])
                .env("LAA_TOKEN", &app.tokens.go)
                .env("LAA_CA_CERT", &ca)
                .env("LAA_CLIENT_CERT", &client_cert)
                .env("LAA_CLIENT_KEY", &client_key)
                .output()
                .unwrap();
            assert!(ok(&out).contains("0 agreements"));
        }
    })
    .await;

    // A plaintext server.
    for_each_database(|app| {
        let ca = ca.clone();
        async move {
            let https = format!("https://localhost:{}", app.address.port());
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &https, "--ca-cert", &ca],
                    exit: 2,
                    reason: "SERVER_SPEAKS_PLAINTEXT",
                    says: "the server does not speak TLS: use http://",
                },
            );
        }
    })
    .await;
}

/// A real `laa serve` on port 0 with `args`, killed when dropped: the
/// addresses of its HTTP listeners.
struct Served {
    child: Child,
    metrics: String,
    web: String,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
            .args(["--http-listen", "127.0.0.1:0"])
            .args(["--metrics-listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start laa serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next = |prefix: &str| {
            let line = lines.next().unwrap().unwrap();
            line.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix}..., got {line:?}"))
                .to_owned()
        };
        next("laa listening on ");
        let metrics = next("laa metrics on ");
        let web = next("laa web pages on ");
        let web = web
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        Self {
            child,
            metrics,
            web,
            _dir: dir,
        }
    }

    fn port(address: &str) -> &str {
        address.rsplit_once(':').unwrap().1
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `laa -o json agreement list` against `server` with `args`, as a
/// one-error failure: its exit code and error.
fn fails_against(server: &str, args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(["-o", "json", "--server", server])
        .args(args)
        .args(["agreement", "list"])
        .env("LAA_TOKEN", "laa_not_a_token")
        .output()
        .unwrap();
    one_json_error(&out)
}

#[test]
fn an_http_port_given_for_the_grpc_one_says_so() {
    let plain = Served::start(&[]);
    for address in [&plain.web, &plain.metrics] {
        for _ in 0..RUNS {
            let (code, error) = fails_against(&format!("http://{address}"), &[]);
            assert_eq!(code, 2, "{error}");
            assert_eq!(error["reason"], "NOT_THE_GRPC_PORT", "{error}");
            assert!(
                error["hint"].as_str().unwrap().contains("laa listening on"),
                "{error}"
            );
        }
    }

    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let cert = write(dir.path(), "server.crt", &pki.server_cert);
    let key = write(dir.path(), "server.key", &pki.server_key);
    let ca = write(dir.path(), "ca.pem", &pki.ca);
    let tls = Served::start(&["--tls-cert", &cert, "--tls-key", &key]);
    for address in [&tls.web, &tls.metrics] {
        let server = format!("https://localhost:{}", Served::port(address));
        for _ in 0..RUNS {
            let (code, error) = fails_against(&server, &["--ca-cert", &ca]);
            assert_eq!(code, 2, "{error}");
            assert_eq!(error["reason"], "NOT_THE_GRPC_PORT", "{error}");
        }
        // Plaintext to a TLS HTTP port: it speaks TLS.
        let (code, error) =
            fails_against(&format!("http://localhost:{}", Served::port(address)), &[]);
        assert_eq!(
            (code, error["reason"].as_str()),
            (2, Some("SERVER_SPEAKS_TLS")),
            "{error}"
        );
    }
}

/// The OpenSSL command of docs/DEPLOYMENT.md that makes a self-signed
/// certificate, continuation lines joined.
fn documented_openssl_command() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/DEPLOYMENT.md"))
            .unwrap();
    let mut lines = doc
        .lines()
        .skip_while(|l| !l.starts_with("openssl req -x509"));
    let mut command = String::new();
    for line in lines.by_ref() {
        command.push_str(line.trim_end_matches('\\'));
        command.push(' ');
        if !line.ends_with('\\') {
            break;
        }
    }
    assert!(
        !command.is_empty(),
        "DEPLOYMENT.md shows no `openssl req -x509` command"
    );
    command
}

/// Runs the documented command in `dir` for the name `localhost`: the
/// certificate and key it writes.
fn make_certificate(dir: &Path) -> (String, String) {
    let out = Command::new("sh")
        .args(["-c", &documented_openssl_command()])
        .current_dir(dir)
        .env("LAA_HOST", "localhost")
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    (read("server.crt"), read("server.key"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_made_by_the_documented_openssl_command_is_trusted_when_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = make_certificate(dir.path());
    let elsewhere = tempfile::tempdir().unwrap();
    make_certificate(elsewhere.path());
    let pinned = dir.path().join("server.crt");
    let another = elsewhere.path().join("server.crt");
    let config = laa_server::ServerConfig {
        tls: Some(
            tonic::transport::ServerTlsConfig::new()
                .identity(tonic::transport::Identity::from_pem(&cert, &key)),
        ),
        ..Default::default()
    };
    for_each_database_with(config, |app| {
        let (pinned, another) = (pinned.clone(), another.clone());
        async move {
            let https = format!("https://localhost:{}", app.address.port());
            let out = ok(&laa(
                &app,
                Some(&app.tokens.go),
                &[
                    "--server",
                    &https,
                    "--ca-cert",
                    pinned.to_str().unwrap(),
                    "agreement",
                    "list",
                ],
            ));
            assert!(out.contains("0 agreements"), "{out}");
            // Pinning is of that very certificate: another one made the
            // same way for the same name is not trusted.
            check(
                &app,
                &Mistake {
                    args: vec!["--server", &https, "--ca-cert", another.to_str().unwrap()],
                    exit: 7,
                    reason: "SERVER_CERTIFICATE_NOT_TRUSTED",
                    says: "--ca-cert",
                },
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_into_a_closed_pipe_ends_quietly() {
    for_each_database(|app| async move {
        let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["indicator", "list"])
            .env("LAA_SERVER", app.url())
            .env("LAA_TOKEN", &app.tokens.go)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is printed, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
    .await;
}
