//! The command line's conventions against a real server: global flags in
//! either position, the plural nouns, proto3 JSON, errors as JSON, one exit
//! code per kind of failure, "did you mean", conflicts reported instead of
//! overwritten, and retries that never apply a change twice.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::cli::{fails, laa, ok};
use crate::support::*;

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("stdout is JSON")
}

/// The exit code and the JSON error of a failed `--output json` command.
fn json_error(out: &Output) -> (i32, Value) {
    fails(out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error: Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is one JSON object ({e}): {stderr}"));
    (
        out.status.code().expect("exit code"),
        error["error"].clone(),
    )
}

const PROPOSE_117: [&str; 12] = [
    "target",
    "propose",
    "--agreement",
    "kent-2008-11",
    "--indicator",
    "117",
    "--baseline",
    "8% (2007)",
    "--trajectory",
    "2008/09=7.5,2009/10=7,2010/11=6",
    "--rationale",
    "NEET",
];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_nouns_json_exit_codes_and_suggestions() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        // Global flags before or after the subcommand; JSON lists are arrays.
        assert_eq!(
            json(&laa(
                &app,
                Some(&t.go),
                &["--output", "json", "agreement", "list"]
            )),
            Value::Array(vec![])
        );
        assert_eq!(
            json(&laa(
                &app,
                Some(&t.go),
                &["agreements", "list", "-o", "json"]
            )),
            Value::Array(vec![])
        );

        // The plural noun is the same command; proto3 JSON for the result.
        let opened = json(&laa(
            &app,
            Some(&t.go),
            &["agreements", "open", "--area", "kent", "--output", "json"],
        ));
        assert_eq!(
            opened["agreement"]["version"], "1",
            "int64 is a string in proto3 JSON: {opened}"
        );
        let shown = json(&laa(
            &app,
            Some(&t.kent),
            &["--output", "json", "agreement", "show", "kent-2008-11"],
        ));
        assert_eq!(shown["version"], "1");
        assert_eq!(shown["status"], "AGREEMENT_STATUS_DRAFT");
        assert_eq!(shown["region"], "REGION_SOUTH_EAST");
        assert_eq!(shown["indicatorSet"], 2007, "lowerCamelCase names");
        assert_eq!(shown["targets"][0]["kind"], "TARGET_KIND_STATUTORY");
        let opened_at = shown["openedAt"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(opened_at).is_ok(),
            "RFC 3339: {opened_at}"
        );
        let table = ok(&laa(
            &app,
            Some(&t.kent),
            &["agreements", "show", "kent-2008-11"],
        ));
        assert!(table.contains("version 1"), "{table}");

        // Usage: clap's own refusals and the client's checks exit 2.
        let out = laa(&app, Some(&t.go), &["agreement", "frobnicate"]);
        assert_eq!(out.status.code(), Some(2));
        let (code, error) = json_error(&laa(
            &app,
            Some(&t.go),
            &["--output", "json", "agreement", "list", "--region", "gosee"],
        ));
        assert_eq!((code, error["code"].as_str()), (2, Some("USAGE")));
        assert!(
            error["hint"].as_str().unwrap().contains("'gose'"),
            "{error}"
        );
        let (code, _) = json_error(&laa(
            &app,
            Some(&t.go),
            &["-o", "json", "agreement", "bogus"],
        ));
        assert_eq!(code, 2, "clap's errors are JSON too under --output json");

        // Regions as printed are accepted as input, and so are codes.
        let by_name = ok(&laa(
            &app,
            Some(&t.go),
            &["area", "list", "--region", "south_east"],
        ));
        let by_code = ok(&laa(
            &app,
            Some(&t.go),
            &["area", "list", "--region", "gose"],
        ));
        assert_eq!(by_name, by_code);
        assert!(
            by_name.contains("kent") && by_name.contains("gose"),
            "{by_name}"
        );

        // Not found, with a suggestion: exit 3.
        let (code, error) = json_error(&laa(
            &app,
            Some(&t.auditor),
            &["-o", "json", "agreement", "show", "kentt-2008-11"],
        ));
        assert_eq!(code, 3);
        assert_eq!(error["code"], "NOT_FOUND");
        assert_eq!(error["reason"], "NOT_FOUND");
        assert!(
            error["hint"].as_str().unwrap().contains("'kent'"),
            "{error}"
        );
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "kentt"],
        ));
        assert!(err.contains("did you mean 'kent'?"), "{err}");
        let err = fails(&laa(&app, Some(&t.go), &["indicator", "show", "1177"]));
        assert!(err.contains("NI 117"), "{err}");
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &["indicator", "list", "--group", "Safer comunities"],
        ));
        assert!(err.contains("'Safer communities'"), "{err}");

        // Refused by a rule: exit 4, with the reason and its facts.
        ok(&laa(
            &app,
            Some(&t.go),
            &with(&PROPOSE_117, &["--department", "DCSF"]),
        ));
        let (code, error) = json_error(&laa(
            &app,
            Some(&t.go),
            &[
                "--output",
                "json",
                "target",
                "accept",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
            ],
        ));
        assert_eq!(code, 4);
        assert_eq!(error["code"], "FAILED_PRECONDITION");
        assert_eq!(error["reason"], "NOT_YOUR_TURN");
        assert!(error["message"].as_str().unwrap().contains("target 17"));
        assert!(
            error["metadata"].is_object() && error["hint"].is_string(),
            "{error}"
        );

        // Conflict: exit 5.
        let (code, error) = json_error(&laa(
            &app,
            Some(&t.kent),
            &[
                "-o",
                "json",
                "target",
                "accept",
                "--agreement",
                "kent-2008-11",
                "--target",
                "17",
                "--expected-version",
                "1",
            ],
        ));
        assert_eq!(
            (code, error["reason"].as_str()),
            (5, Some("VERSION_CONFLICT"))
        );
        assert_eq!(error["metadata"]["actual_version"], "2", "{error}");

        // Unauthenticated or denied: exit 6.
        assert_eq!(
            laa(&app, None, &["agreement", "list"]).status.code(),
            Some(6)
        );
        assert_eq!(
            laa(&app, Some("laa_not_a_token"), &["agreement", "list"])
                .status
                .code(),
            Some(6)
        );
        let out = laa(
            &app,
            Some(&t.surrey),
            &["agreement", "show", "kent-2008-11"],
        );
        assert_eq!(out.status.code(), Some(6));

        // Unavailable: exit 7, with the cause; a missing scheme is a usage error, https against a plaintext server fails.
        let out = laa(
            &app,
            Some(&t.go),
            &[
                "agreement",
                "list",
                "--server",
                "http://127.0.0.1:9",
                "--retries",
                "0",
            ],
        );
        assert_eq!(out.status.code(), Some(7));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("cannot reach the server at http://127.0.0.1:9")
        );
        let address = app.address.to_string();
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &["--server", &address, "agreement", "list"],
        ));
        assert!(err.contains(&format!("write http://{address}")), "{err}");
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &[
                "--server",
                &format!("https://{address}"),
                "agreement",
                "list",
            ],
        ));
        // https:// is TLS or nothing: against a plaintext server it fails.
        assert!(!err.is_empty(), "{err}");

        // `token list` speaks JSON too.
        let tokens: Value = serde_json::from_str(&ok(&Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["token", "list", "--output", "json"])
            .env("LAA_DATABASE_URL", &app.database_url)
            .output()
            .expect("run laa token list")))
        .expect("JSON");
        assert!(
            tokens
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["label"] == "kent:officer")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_is_reported_not_overwritten_and_a_retry_applies_once() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "kent"],
        ));
        // Kent looks at the agreement, then the GO changes it.
        let seen = json(&laa(
            &app,
            Some(&t.kent),
            &["agreement", "show", "kent-2008-11", "-o", "json"],
        ));
        let seen = seen["version"].as_str().unwrap().to_owned();
        ok(&laa(
            &app,
            Some(&t.go),
            &with(&PROPOSE_117, &["--department", "DCSF"]),
        ));
        let before = app.event_count("kent-2008-11").await;
        // Kent's change, named against the version Kent saw, is refused.
        let mut decline = vec![
            "target",
            "decline",
            "--agreement",
            "kent-2008-11",
            "--target",
            "17",
            "--reason",
            "no",
        ];
        let out = laa(
            &app,
            Some(&t.kent),
            &with(&decline, &["--expected-version", &seen]),
        );
        assert_eq!(
            out.status.code(),
            Some(5),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("[VERSION_CONFLICT]") && err.contains("--expected-version 2"),
            "{err}"
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            before,
            "nothing was overwritten"
        );

        // The same change sent twice with one request id is applied once.
        decline.extend([
            "--request-id",
            "kent-declines-117",
            "--expected-version",
            "2",
        ]);
        let first = ok(&laa(&app, Some(&t.kent), &decline));
        assert!(
            first.contains("target declined: agreements/kent-2008-11 is draft at version 3"),
            "{first}"
        );
        let again = json(&laa(&app, Some(&t.kent), &with(&decline, &["-o", "json"])));
        assert_eq!(again["replayed"], true, "{again}");
        assert_eq!(again["agreement"]["version"], "3");
        assert_eq!(app.event_count("kent-2008-11").await, before + 1);
    })
    .await;
}

/// A free port on the loopback interface (free when this returns).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn a_command_sent_while_the_server_is_down_is_retried_with_one_request_id() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let laa = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_laa"));
        cmd.env("LAA_DATABASE_URL", &database)
            .env_remove("LAA_TOKEN")
            .env_remove("LAA_SERVER");
        cmd
    };
    let token = ok(&laa()
        .args([
            "token",
            "issue",
            "--role",
            "go-negotiator",
            "--region",
            "south_east",
            // No server has prepared the database yet: make it.
            "--create",
        ])
        .output()
        .expect("issue a token"))
    .trim()
    .to_owned();
    let port = free_port();
    let server = format!("http://127.0.0.1:{port}");
    let open = || {
        laa()
            .args([
                "agreement",
                "open",
                "--area",
                "kent",
                "--request-id",
                "open-kent",
                "--retries",
                "8",
            ])
            .args(["--server", &server, "--token", &token])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the client")
    };
    // The client starts first and finds nobody listening...
    let client = open();
    std::thread::sleep(Duration::from_millis(300));
    let mut serving = laa()
        .env("LAA_HTTP_LISTEN", "off")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let first = client.wait_with_output().expect("the client ends");
    // ...and a repeat with the same request id is answered, not applied again.
    let second = open().wait_with_output().expect("the client ends");
    let _ = serving.kill();
    let _ = serving.wait();
    assert!(
        first.status.success(),
        "retried until the server answered: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(
        second.contains("already applied: nothing new recorded") && second.contains("at version 1"),
        "{second}"
    );
}

/// (The completion scripts: `completion.rs`.)
#[test]
fn manual_pages_are_generated() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(args)
            .output()
            .expect("run laa")
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    ok(&run(&["man", "--dir", dir.path().to_str().unwrap()]));
    for page in ["laa.1", "laa-agreement.1", "laa-target-propose.1"] {
        assert!(dir.path().join(page).exists(), "{page}");
    }
}

/// Indicators as people write them (`NI 117`, `NI117`, `ni117`), terms in
/// the indicator's own unit without `--unit`, and negative numbers without
/// `=`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_units_and_negative_numbers_as_people_type_them() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "kent"],
        ));
        // No % and no --unit: NI 117's unit (percent) is the server's to say.
        let proposed = laa(
            &app,
            Some(&t.go),
            &[
                "target",
                "propose",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "NI 117",
                "--baseline",
                "8 (2007)",
                "--trajectory",
                "2008/09=7.5,2009/10=7,2010/11=6",
                "--department",
                "DCSF",
                "--rationale",
                "NEET",
            ],
        );
        assert!(ok(&proposed).contains("target proposed"), "{proposed:?}");
        for indicator in ["NI117", "ni117", "117"] {
            let shown = laa(&app, Some(&t.kent), &["indicator", "show", indicator]);
            assert!(ok(&shown).contains("117"), "{indicator}: {shown:?}");
        }
        let countered = laa(
            &app,
            Some(&t.kent),
            &[
                "target",
                "counter",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "ni117",
                "--baseline",
                "8 (2007)",
                "--trajectory",
                "2008/09=7.8,2009/10=7.4,2010/11=7",
                "--rationale",
                "the closure of the Pfizer plant",
            ],
        );
        assert!(
            ok(&countered).contains("counter-offer made"),
            "{countered:?}"
        );

        let out = laa(&app, Some(&t.kent), &["indicator", "show", "NI-x"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(fails(&out).contains("not a National Indicator number"));
        // A negative baseline reaches the server (which judges it against
        // the unit) instead of being taken for a flag.
        let out = laa(
            &app,
            Some(&t.kent),
            &[
                "target",
                "counter",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
                "--baseline",
                "-3",
                "--trajectory",
                "2008/09=7.8,2009/10=7.4,2010/11=7",
                "--rationale",
                "r",
            ],
        );
        let err = fails(&out);
        assert!(!err.contains("unexpected argument"), "{err}");
    })
    .await;
}

/// Every verb that acts on one agreement, as `laa NOUN VERB`.
const VERBS_ON_ONE_AGREEMENT: &[[&str; 2]] = &[
    ["agreement", "endorse"],
    ["agreement", "submit"],
    ["agreement", "return"],
    ["agreement", "sign-off"],
    ["agreement", "open-refresh"],
    ["agreement", "close"],
    ["agreement", "refuse-request"],
    ["agreement", "declare-priorities"],
    ["target", "import"],
    ["target", "propose"],
    ["target", "counter"],
    ["target", "rebaseline"],
    ["target", "approve-rebaseline"],
    ["target", "reject-rebaseline"],
    ["target", "accept"],
    ["target", "decline"],
    ["target", "withdraw"],
    ["target", "revoke"],
    ["actual", "record"],
    ["advice", "ask"],
    ["advice", "answer"],
    ["performance", "explain"],
    ["actual", "record-indicator"],
    ["target", "partners"],
];

/// Every verb on one agreement takes it positionally, as `laa agreement
/// show` does, and still accepts `--agreement`.
#[test]
fn every_verb_on_one_agreement_takes_it_positionally() {
    for [noun, verb] in VERBS_ON_ONE_AGREEMENT {
        let help = ok(&Command::new(env!("CARGO_BIN_EXE_laa"))
            .args([noun, verb, "--help"])
            .output()
            .expect("run laa"));
        let usage = help
            .lines()
            .find(|l| l.starts_with("Usage:"))
            .unwrap_or_default();
        assert!(usage.contains("[AGREEMENT]"), "{noun} {verb}: {usage}");
        assert!(help.contains("--agreement <AGREEMENT>"), "{noun} {verb}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agreement_is_named_positionally_or_by_flag_never_two_ways() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "kent"],
        ));
        ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "open", "--area", "surrey"],
        ));
        // The positional, as `laa agreement show` takes it.
        let positional: Vec<&str> = PROPOSE_117
            .iter()
            .copied()
            .filter(|a| *a != "--agreement")
            .collect();
        assert_eq!(positional[2], "kent-2008-11");
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &with(&positional, &["--department", "DCSF"]),
        ));
        assert!(out.contains("target 17 (NI 117)"), "{out}");
        // Both ways naming the same agreement is one agreement.
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &[
                "target",
                "withdraw",
                "agreements/kent-2008-11",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
                "--reason",
                "superseded",
            ],
        ));
        assert!(out.contains("withdrawn"), "{out}");
        // Two different agreements: a usage error, and nothing is recorded.
        let before = (
            app.event_count("kent-2008-11").await,
            app.event_count("surrey-2008-11").await,
        );
        let (code, error) = json_error(&laa(
            &app,
            Some(&t.go),
            &with(
                &positional,
                &[
                    "--agreement",
                    "surrey-2008-11",
                    "--department",
                    "DCSF",
                    "-o",
                    "json",
                ],
            ),
        ));
        assert_eq!(
            (code, error["code"].as_str()),
            (2, Some("USAGE")),
            "{error}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("kent-2008-11") && message.contains("surrey-2008-11"),
            "{error}"
        );
        let after = (
            app.event_count("kent-2008-11").await,
            app.event_count("surrey-2008-11").await,
        );
        assert_eq!(before, after);
        // Neither way: clap's own usage error.
        let out = laa(&app, Some(&t.go), &["agreement", "submit"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(fails(&out).contains("<AGREEMENT>"), "{out:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_serving_on_a_running_server_and_fails_clearly_otherwise() {
    let checks = container_health_checks();
    for_each_database(|app| {
        let checks = checks.clone();
        async move {
            // No token: a container's health check carries no credential.
            let out = laa(&app, None, &["health"]);
            assert_eq!(ok(&out).trim(), "SERVING");
            let out = laa(&app, None, &["health", "-o", "json"]);
            assert_eq!(json(&out)["status"], "SERVING");
            // The image's and compose.yaml's checks, exactly as written.
            for (file, check) in &checks {
                let args: Vec<&str> = check.iter().map(String::as_str).collect();
                let out = laa(&app, None, &args);
                assert_eq!(ok(&out).trim(), "SERVING", "{file}: {check:?}");
            }
        }
    })
    .await;
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(["health", "--server", &closed, "--retries", "0"])
        .env_remove("LAA_TOKEN")
        .output()
        .expect("run laa health");
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let err = fails(&out);
    assert!(
        err.contains(&format!("cannot reach the server at {closed}")),
        "{err}"
    );
}

/// The health checks of the Dockerfile and compose.yaml: each file with the
/// arguments its check gives `laa`.
fn container_health_checks() -> Vec<(&'static str, Vec<String>)> {
    let read = |file: &str| {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
    };
    // An exec-form array, as both files write it: `["laa", "health", ...]`.
    let exec = |file: &str, line: &str| -> Vec<String> {
        let array = &line[line.find('[').unwrap_or_else(|| panic!("{file}: {line}"))..];
        let words: Vec<String> =
            serde_json::from_str(array).unwrap_or_else(|e| panic!("{file}: {line}: {e}"));
        let laa = words.iter().position(|w| w == "laa").expect("runs laa");
        words[laa + 1..].to_vec()
    };
    let dockerfile = read("Dockerfile");
    let image = dockerfile
        .lines()
        .skip_while(|l| !l.starts_with("HEALTHCHECK"))
        .find(|l| l.trim_start().starts_with("CMD ["))
        .expect("the Dockerfile has a HEALTHCHECK running laa");
    // The image exposes the metrics port: it must also serve metrics there.
    assert!(
        dockerfile.contains("LAA_METRICS_LISTEN=0.0.0.0:9090") && dockerfile.contains(" 9090"),
        "the image serves the metrics it exposes"
    );
    let compose = read("compose.yaml");
    let service = compose
        .lines()
        .find(|l| l.trim_start().starts_with("test: [\"CMD\", \"laa\""))
        .expect("compose.yaml's laa service has a healthcheck running laa");
    vec![
        ("Dockerfile", exec("Dockerfile", image)),
        ("compose.yaml", exec("compose.yaml", service)),
    ]
}

/// A server that is shutting down answers `NOT_SERVING`: `laa health`
/// exits 7 and says so.
#[test]
fn health_fails_and_says_not_serving_once_a_shutdown_begins() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let (mut server, address) =
        crate::credentials::spawn_laa_serve(&database, &["--shutdown-grace-secs", "10"]);
    let health = || {
        Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["health", "--retries", "0", "--server"])
            .arg(format!("http://{address}"))
            .env_remove("LAA_TOKEN")
            .output()
            .expect("run laa health")
    };
    let until = |done: &dyn Fn(&Output) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let out = health();
            if done(&out) || std::time::Instant::now() > deadline {
                return out;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // The server answers before its database is open: wait for SERVING.
    let serving = until(&|out| out.status.success());
    assert_eq!(ok(&serving).trim(), "SERVING");
    // SIGTERM, as a service manager stops it (the child, by its own id).
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopping = until(&|out| !out.status.success());
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(stopping.status.code(), Some(7), "{stopping:?}");
    let err = fails(&stopping);
    assert!(
        err.contains(&format!(
            "the server at http://{address} answers NOT_SERVING"
        )),
        "{err}"
    );
}
