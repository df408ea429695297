//! The `laa` command line against a real server: a negotiation as people
//! type it, asserting on output and exit codes; and the national round.

use std::process::{Command, Output};

use crate::support::*;

/// Runs `laa` with a server and token.
pub fn laa(app: &TestApp, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_laa"));
    cmd.args(args)
        .env("LAA_SERVER", app.url())
        .env_remove("LAA_TOKEN")
        .env_remove("LAA_DATABASE_URL");
    if let Some(t) = token {
        cmd.env("LAA_TOKEN", t);
    }
    cmd.output().expect("run laa")
}

/// Runs `laa` with a server and token on a terminal `columns` wide (a
/// pseudo-terminal from util-linux's `script`), and returns what it showed.
pub fn laa_on_terminal(app: &TestApp, token: &str, args: &[&str], columns: u16) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_laa"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let out = Command::new("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &quoted.join(" "),
            "/dev/null",
        ])
        .env("LAA_SERVER", app.url())
        .env("LAA_TOKEN", token)
        .env("COLUMNS", columns.to_string())
        .env_remove("LAA_DATABASE_URL")
        .env_remove("LAA_OUTPUT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run laa on a pseudo-terminal with `script` (util-linux)");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "laa failed on a terminal: {shown}");
    shown
}

/// Asserts that every line of a table in `shown` (a line whose cells are
/// set apart by two spaces; sentences around it wrap as the terminal
/// wraps them) fits in `columns`, and that each of `headings` appears
/// whole on one line.
pub fn fits(shown: &str, columns: usize, headings: &[&str]) {
    for line in shown.lines().filter(|l| l.contains("  ")) {
        assert!(
            line.chars().count() <= columns,
            "a line wider than {columns} columns:\n{line}\nin:\n{shown}"
        );
    }
    for heading in headings {
        assert!(
            shown.lines().any(|l| l.contains(heading)),
            "the heading {heading} split or missing:\n{shown}"
        );
    }
}

pub fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "laa failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected failure, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negotiation_through_the_command_line() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &["agreements", "open", "--area", "kent"],
        ));
        assert!(
            out.contains("agreement opened: agreements/kent-2008-11 is draft at version 1"),
            "{out}"
        );
        let out = ok(&laa(&app, Some(&t.go), &["agreements", "list"]));
        assert_eq!(out.lines().last(), Some("1 agreement"), "{out}");

        let out = ok(&laa(
            &app,
            Some(&t.go),
            &[
                "targets",
                "propose",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
                "--department",
                "DCSF",
                "--baseline",
                "8% (2007)",
                "--trajectory",
                "2008/09=7.5,2009/10=7,2010/11=6",
                "--rationale",
                "NEET reduction",
            ],
        ));
        assert!(
            out.contains("target 17 (NI 117): offer from government"),
            "{out}"
        );

        // The GO cannot accept its own offer: a clear reason, a hint, a non-zero exit.
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &[
                "targets",
                "accept",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
            ],
        ));
        assert!(
            err.contains("[NOT_YOUR_TURN]") && err.contains("hint:"),
            "{err}"
        );

        let out = ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "targets",
                "counter",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
                "--baseline",
                "8% (2007)",
                "--trajectory",
                "2008/09=7.8,2009/10=7.4,2010/11=7",
                "--rationale",
                "realistic",
            ],
        ));
        assert!(out.contains("offer from area"), "{out}");
        ok(&laa(
            &app,
            Some(&t.go),
            &[
                "targets",
                "accept",
                "--agreement",
                "kent-2008-11",
                "--target",
                "17",
            ],
        ));

        // A placeholder, typed as people type it.
        ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "targets",
                "propose",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "5",
                "--placeholder",
                "awaiting_survey",
                "--due",
                "2009",
                "--rationale",
                "Place Survey",
            ],
        ));
        // A malformed trajectory never leaves the machine.
        let propose_112 = |trajectory: &str| {
            laa(
                &app,
                Some(&t.kent),
                &[
                    "targets",
                    "propose",
                    "--agreement",
                    "kent-2008-11",
                    "--indicator",
                    "112",
                    "--baseline",
                    "40% (2007)",
                    "--trajectory",
                    trajectory,
                    "--rationale",
                    "x",
                ],
            )
        };
        let err = fails(&propose_112("2008/09=lots"));
        assert!(err.contains("not a number"), "{err}");
        // A percentage of 250 is refused by the server with its reason.
        let err = fails(&propose_112("2008/09=250,2009/10=36,2010/11=34"));
        assert!(err.contains("[INVALID_TERMS]"), "{err}");

        let shown = ok(&laa(
            &app,
            Some(&t.kent),
            &["agreements", "show", "kent-2008-11"],
        ));
        assert!(
            shown.contains("NI 117") && shown.contains("7.8%"),
            "{shown}"
        );
        assert!(
            shown.contains("offer from area: placeholder (awaiting_survey, due 2009)"),
            "{shown}"
        );
        let json: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.kent),
            &["agreements", "show", "kent-2008-11", "--output", "json"],
        )))
        .unwrap();
        assert_eq!(json["version"], "5", "proto3 JSON writes int64 as a string");
        assert_eq!(json["targets"].as_array().unwrap().len(), 18);

        // The auditor reads and verifies the history.
        let history = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "show", "kent-2008-11"],
        ));
        assert_eq!(
            history.lines().count(),
            6,
            "a header and five events: {history}"
        );
        assert!(history.contains("offer_accepted"), "{history}");
        let verified = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "verify", "kent-2008-11"],
        ));
        assert!(verified.contains("history intact, 5 events"), "{verified}");
        // JSON times end in Z, as proto3 JSON writes them.
        let events: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "show", "kent-2008-11", "--output", "json"],
        )))
        .expect("JSON");
        for e in events.as_array().expect("a list of events") {
            for time in ["recordedAt", "occurredAt"] {
                assert!(
                    e[time].as_str().is_some_and(|t| t.ends_with('Z')),
                    "{time} in {e}"
                );
            }
        }
        let csv = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "export", "kent-2008-11", "--format", "csv"],
        ));
        assert_eq!(csv.lines().count(), 6, "a header and five events: {csv}");
        assert!(csv.starts_with("agreement,sequence,recorded_at,principal"));
        let exported: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "export", "kent-2008-11", "--format", "json"],
        )))
        .unwrap();
        assert_eq!(exported.as_array().unwrap().len(), 5);
        let payload: serde_json::Value =
            serde_json::from_str(exported[1]["payloadJson"].as_str().unwrap()).unwrap();
        assert_eq!(payload["offer"]["department"], "DCSF");
        let summary = ok(&laa(&app, Some(&t.auditor), &["summary", "--area", "kent"]));
        assert!(
            summary.contains("counter-offers             1"),
            "{summary}"
        );

        // The rest of the lifecycle, as people run it.
        ok(&laa(
            &app,
            Some(&t.go),
            &[
                "targets",
                "accept",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "5",
            ],
        ));
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let v = version(&mut go, KENT).await;
        settle_statutory(&mut go, &mut kent, v).await;
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &["agreement", "submit", "--agreement", "kent-2008-11"],
        ));
        assert!(err.contains("[NOT_ENDORSED]"), "{err}");
        ok(&laa(
            &app,
            Some(&t.kent),
            &["agreement", "endorse", "--agreement", "kent-2008-11"],
        ));
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "submit", "--agreement", "kent-2008-11"],
        ));
        assert!(out.contains("is submitted"), "{out}");
        let out = ok(&laa(
            &app,
            Some(&t.sign_off),
            &["agreement", "sign-off", "--agreement", "kent-2008-11"],
        ));
        assert!(
            out.contains("is placeholder"),
            "NI 5 is still a placeholder: {out}"
        );
        let out = ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "actuals",
                "record",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "117",
                "--year",
                "2008/09",
                "--value",
                "7.7",
                "--source",
                "Connexions CCIS",
            ],
        ));
        assert!(out.contains("actual recorded"), "{out}");
        let json: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.kent),
            &["agreements", "show", "kent-2008-11", "--output", "json"],
        )))
        .unwrap();
        let neet = json["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["indicatorNumber"] == 117)
            .unwrap()
            .clone();
        assert_eq!(
            neet["actuals"][0]["progress"], "on_track",
            "7.7 against a planned 7.8, falling: {neet}"
        );
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &[
                "agreement",
                "open-refresh",
                "--agreement",
                "kent-2008-11",
                "--round",
                "2009",
                "--set",
                "2008",
            ],
        ));
        assert!(out.contains("is refresh_open"), "{out}");
        let history = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "show", "kent-2008-11"],
        ));
        assert_eq!(history.lines().count(), 44, "{history}");

        // Tampering shows up in `laa history verify`, which then exits 1.
        app.store
            .connection()
            .execute_unprepared(
                "UPDATE events SET payload = replace(payload, '7.8', '9.9') WHERE sequence = 3",
            )
            .await
            .expect("tamper with the stored event");
        let tampered = laa(
            &app,
            Some(&t.auditor),
            &["history", "verify", "kent-2008-11"],
        );
        let err = fails(&tampered);
        assert!(err.contains("broken at sequence 3"), "{err}");

        // Without a token, or out of scope, the command says what to do.
        let err = fails(&laa(&app, None, &["agreements", "list"]));
        assert!(err.contains("LAA_TOKEN"), "{err}");
        let err = fails(&laa(
            &app,
            Some(&t.surrey),
            &["agreements", "show", "kent-2008-11"],
        ));
        assert!(err.contains("[OUT_OF_SCOPE]"), "{err}");
    })
    .await;
}

use sea_orm::ConnectionTrait;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_issued_listed_and_revoked_on_the_database() {
    for_each_database(|app| async move {
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_laa"))
                .args(args)
                .env("LAA_DATABASE_URL", &app.database_url)
                .output()
                .expect("run laa token")
        };
        let issued = run(&[
            "token",
            "issue",
            "--role",
            "area-negotiator",
            "--area",
            "kent",
            "--label",
            "kent:cli",
        ]);
        let secret = ok(&issued).trim().to_owned();
        assert!(secret.starts_with("laa_"), "{secret}");
        let listed = ok(&run(&["token", "list"]));
        assert!(
            listed.contains("kent:cli") && !listed.contains(&secret),
            "secrets are never listed: {listed}"
        );
        let out = ok(&laa(&app, Some(&secret), &["agreements", "list"]));
        assert!(out.contains("0 agreements"), "{out}");
        let id = listed
            .lines()
            .find(|l| l.contains("kent:cli"))
            .and_then(|l| l.split_whitespace().next())
            .unwrap()
            .to_owned();
        ok(&run(&["token", "revoke", &id]));
        // The server re-reads a live token at least this often: a revoked
        // token stops working within it, on every server of the database.
        tokio::time::sleep(laa_store::credentials::TOKEN_RECHECK).await;
        let err = fails(&laa(&app, Some(&secret), &["agreements", "list"]));
        assert!(err.contains("UNAUTHENTICATED"), "{err}");
        let err = fails(&run(&["token", "issue", "--role", "go-negotiator"]));
        assert!(err.contains("--region"), "{err}");
        // "an auditor", never "a auditor".
        let err = fails(&run(&[
            "token", "issue", "--role", "auditor", "--region", "gose",
        ]));
        assert!(err.contains("an auditor token is national"), "{err}");
        let err = fails(&run(&[
            "token",
            "issue",
            "--role",
            "area-negotiator",
            "--area",
            "atlantis",
        ]));
        assert!(err.contains("no area 'atlantis'"), "{err}");
    })
    .await;
}

/// The demo's JSON summary, run against the test server.
pub fn demo(app: &TestApp, areas: Option<usize>, seed: &str) -> serde_json::Value {
    let url = app.url();
    let mut args = vec![
        "demo",
        "national-round",
        "--server",
        &url,
        "--seed",
        seed,
        "--output",
        "json",
    ];
    let limit = areas.map(|n| n.to_string());
    if let Some(n) = &limit {
        args.extend(["--areas", n]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(&args)
        .env("LAA_DATABASE_URL", &app.database_url)
        .output()
        .expect("run the demo");
    serde_json::from_str(&ok(&out)).expect("the demo prints JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_national_round_on_a_small_subset() {
    for_each_database(|app| async move {
        let report = demo(&app, Some(6), "11");
        assert_eq!(report["areas"], 6);
        assert_eq!(report["agreements"], 6);
        assert_eq!(report["signed_off"], 6);
        assert_eq!(
            report["placeholders"], 0,
            "the refresh filled every placeholder"
        );
        assert!(report["commands"].as_u64().unwrap() > 6 * 50);
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let listed = auditor
            .agreements
            .list_agreements(laa_proto::v1::ListAgreementsRequest {
                status: laa_proto::v1::AgreementStatus::Refreshed as i32,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .agreements;
        assert_eq!(listed.len(), 6);
        for a in &listed {
            assert_eq!(a.indicator_set, 2008);
            assert!(a.designated_count <= 35);
            let v = auditor
                .audit
                .verify_history(laa_proto::v1::VerifyHistoryRequest {
                    agreement: a.name.clone(),
                })
                .await
                .unwrap()
                .into_inner();
            assert!(v.ok && v.length == a.version);
        }
    })
    .await;
}

/// The whole country: 150 LAAs whose selections must reproduce Appendix 3d,
/// read back from the server's own national summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_national_round_matches_appendix_3d() {
    for_each_database(|app| async move {
        let report = demo(&app, None, "2008");
        assert_eq!(report["agreements"], 150, "{report}");
        assert_eq!(report["signed_off"], 150);
        assert_eq!(report["matches_appendix_3d"], true, "{report}");
        assert_eq!(report["designated_selections"], 4_689);
        assert_eq!(report["ni_117"], 115);
        assert_eq!(report["ni_112"], 106);
        assert_eq!(report["indicators_chosen_by_none"], 19);
        assert!(report["deal_breakers"].as_u64().unwrap() > 0);
        assert!(report["counter_offers"].as_u64().unwrap() > 0);
        // Three years of delivery: every agreement's reward assessed, a
        // bill within its pot, and NI 117's tournament ranked.
        assert!(report["delivery_commands"].as_u64().unwrap() > 150 * 3 * 20);
        assert_eq!(report["rewards_assessed"], 150, "{report}");
        let pounds =
            |key: &str| -> rust_decimal::Decimal { report[key].as_str().unwrap().parse().unwrap() };
        let (bill, pot) = (pounds("reward_bill_pounds"), pounds("reward_pot_pounds"));
        assert!(
            bill > rust_decimal::Decimal::ZERO && bill <= pot,
            "{bill} of {pot}"
        );
        assert!(
            report["tournament_ni_117_ranked"].as_u64().unwrap() > 50,
            "{report}"
        );
        // Independently of the demo's own check: the server's summary, per indicator.
        let catalogue = laa_core::Catalogue::national().unwrap();
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let summary = auditor
            .audit
            .get_negotiation_summary(laa_proto::v1::GetNegotiationSummaryRequest::default())
            .await
            .unwrap()
            .into_inner();
        for i in catalogue.indicators() {
            if let Some(expected) = i.laa_selections_2008 {
                let got = summary
                    .selections_by_indicator
                    .get(&i32::from(i.number.get()))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    got,
                    i32::from(expected),
                    "NI {} ({})",
                    i.number.get(),
                    app.backend
                );
            }
        }
    })
    .await;
}

/// The embedded demo keeps its database when asked, says where it is, and
/// writes no progress frames when stderr is not a terminal.
#[test]
fn the_embedded_demo_keeps_its_database_when_asked() {
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args([
            "demo",
            "national-round",
            "--embedded",
            "--areas",
            "1",
            "--seed",
            "3",
            "--keep",
        ])
        .env_remove("LAA_SERVER")
        .env_remove("LAA_DATABASE_URL")
        .output()
        .expect("run the demo");
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains("LAAs negotiated"),
        "no progress frames in a log: {stderr:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("national round: 1 area, 1 agreement signed off"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let kept = stderr
        .lines()
        .find_map(|l| l.strip_prefix("the demo's database is kept at "))
        .unwrap_or_else(|| panic!("where the database is: {stderr}"))
        .trim()
        .to_owned();
    assert!(std::path::Path::new(&kept).exists(), "{kept}");
    assert!(
        stderr.contains("LAA_TOKEN=laa_"),
        "a token to explore it with: {stderr}"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{kept}{suffix}"));
    }
}

/// On a terminal the demo shows its progress (the round takes a while),
/// phase by phase, and clears it before the summary.
#[test]
fn the_demo_shows_progress_on_a_terminal() {
    let demo = [
        env!("CARGO_BIN_EXE_laa"),
        "demo",
        "national-round",
        "--embedded",
        "--areas",
        "3",
        "--seed",
        "5",
    ];
    let out = Command::new("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &demo.join(" "),
            "/dev/null",
        ])
        .env_remove("LAA_SERVER")
        .env_remove("LAA_DATABASE_URL")
        .env_remove("LAA_OUTPUT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the demo on a pseudo-terminal with `script` (util-linux)");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("/3 LAAs negotiated, signed off and refreshed"),
        "progress on a terminal: {shown:?}"
    );
    assert!(shown.contains("national round: 3 areas"), "{shown}");
}

/// On its own server the demo dates the round as it happened in 2008, so
/// its national summary counts late demands by date (the few department
/// demands of May and June), not every Government proposal, and the days
/// to sign-off are those to 30 June 2008.
#[test]
fn the_embedded_demo_reports_late_demands_by_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args([
            "demo",
            "national-round",
            "--embedded",
            "--areas",
            "12",
            "--seed",
            "3",
            "--output",
            "json",
        ])
        .env_remove("LAA_SERVER")
        .env_remove("LAA_DATABASE_URL")
        .output()
        .expect("run the demo");
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).expect("JSON");
    let late = report["late_demands"].as_u64().unwrap();
    let by_go = report["originated_by_government"].as_u64().unwrap();
    assert!(late > 0 && late * 10 < by_go, "{report}");
    let days = report["median_days_to_sign_off"].as_f64().unwrap();
    assert!((150.0..=180.0).contains(&days), "{report}");
}
