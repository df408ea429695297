//! Decimals through the wire (issue 23, item 5), on both databases: a
//! number a client computed is a value and comes back as the very double
//! sent; a double no decimal can hold is refused saying why; every decimal
//! is written one way; histories written with other forms still verify.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::{laa, ok};
use crate::negotiation::sign_off;
use crate::support::*;

/// The doubles of an agreed target's terms on the wire: baseline, then
/// each year's amount (deferred years left out).
fn agreed_doubles(agreement: &pb::Agreement, target: u32) -> Vec<f64> {
    let target = agreement
        .targets
        .iter()
        .find(|t| t.id == target)
        .expect("the target");
    let Some(pb::terms::Kind::Values(v)) = target.agreed.as_ref().and_then(|t| t.kind.clone())
    else {
        panic!("agreed values on target {}", target.id)
    };
    std::iter::once(v.baseline.expect("a baseline").value)
        .chain(v.trajectory.iter().filter_map(|y| match y.value {
            Some(pb::year_value::Value::Amount(d)) => Some(d),
            _ => None,
        }))
        .collect()
}

fn bits(doubles: &[f64]) -> Vec<u64> {
    doubles.iter().map(|d| d.to_bits()).collect()
}

async fn agreement(c: &mut Clients) -> pb::Agreement {
    c.agreements
        .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
        .await
        .expect("get agreement")
        .into_inner()
}

async fn hashed_payloads(app: &TestApp) -> String {
    kent_history(app)
        .await
        .into_iter()
        .map(|e| e.hashed_payload)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_a_client_computed_are_values_and_read_back_as_the_doubles_sent() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;

        // NEET (NI 117, percent, lower is better) from 7.4 - 0.01 to 0.1 + 0.2.
        let neet_sent = [7.4 - 0.01, 7.123456789012345, 2.0 / 3.0, 0.1 + 0.2];
        let r = go
            .agreements
            .propose_target(go_proposal(
                v,
                117,
                pct(neet_sent[0], [neet_sent[1], neet_sent[2], neet_sent[3]]),
                "DCSF",
            ))
            .await
            .expect("numbers a client computed are values")
            .into_inner();
        let neet = r.target;
        let v = accept(&mut kent, r.agreement.expect("agreement").version, neet).await;
        // Net additional homes (NI 154, a count): very large values.
        // (34599649029.65286 is one `Decimal::as_f64` misses by a unit in
        // the last place.)
        let homes_sent = [34599649029.65286, 1.2345678901234567e20, 1e27, 7.9e28];
        let r = kent
            .agreements
            .propose_target(proposal(
                v,
                154,
                on(
                    154,
                    homes_sent[0],
                    [homes_sent[1], homes_sent[2], homes_sent[3]],
                ),
            ))
            .await
            .expect("values up to 7.9e28 are values")
            .into_inner();
        let homes = r.target;
        let v = accept(&mut go, r.agreement.expect("agreement").version, homes).await;

        let a = agreement(&mut go).await;
        assert_eq!(bits(&agreed_doubles(&a, neet)), bits(&neet_sent));
        assert_eq!(bits(&agreed_doubles(&a, homes)), bits(&homes_sent));
        // Recorded as each double prints.
        let payloads = hashed_payloads(&app).await;
        for printed in [
            "\"7.390000000000001\"",
            "\"7.123456789012345\"",
            "\"0.6666666666666666\"",
            "\"0.30000000000000004\"",
            "\"34599649029.65286\"",
            "\"123456789012345670000\"",
            "\"79000000000000000000000000000\"",
        ] {
            assert!(payloads.contains(printed), "{printed} ({})", app.backend);
        }

        // Doubles no decimal holds: refused, saying why, nothing recorded.
        let before = app.event_count("kent-2008-11").await;
        for (double, why) in [
            (1e-300, "1e-300 has 300 decimal places"),
            (1e-29, "1e-29 has 29 decimal places"),
            (1e300, "1e300 is too large to record"),
            (f64::MAX, "is too large to record"),
        ] {
            let status = kent
                .agreements
                .counter_offer(pb::CounterOfferRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v,
                    target: homes,
                    terms: Some(on(154, double, [1e20, 1e27, 7.9e28])),
                    rationale: "computed".into(),
                    ..Default::default()
                })
                .await
                .expect_err("refused");
            assert_eq!(status.code(), Code::InvalidArgument, "{double:e}");
            assert_eq!(reason(&status), "INVALID_TERMS", "{double:e}");
            assert_eq!(
                bad_fields(&status),
                ["terms.values.baseline.value"],
                "{double:e}"
            );
            assert!(status.message().contains(why), "{double:e}: {status:?}");
        }
        assert_eq!(app.event_count("kent-2008-11").await, before);

        // An actual of 1/3, read back as the same double everywhere.
        let v = sign_off(&mut go, &mut kent, &mut minister, v).await;
        let third = 1.0 / 3.0;
        kent.agreements
            .record_actual(pb::RecordActualRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: neet,
                year: "2008/09".into(),
                value: third,
                source: "Connexions CCIS".into(),
                occurred_at: None,
            })
            .await
            .expect("1/3 is a value");
        let a = agreement(&mut go).await;
        let recorded = a
            .targets
            .iter()
            .find(|t| t.id == neet)
            .expect("NEET")
            .actuals[0]
            .value;
        assert_eq!(recorded.to_bits(), third.to_bits());
        let performance = go
            .performance
            .get_performance(pb::GetPerformanceRequest {
                agreement: KENT.into(),
            })
            .await
            .expect("performance")
            .into_inner();
        let mine = performance
            .targets
            .iter()
            .find(|p| p.indicator_number == 117)
            .expect("NEET is monitored");
        assert_eq!(
            mine.baseline.map(f64::to_bits),
            Some(neet_sent[0].to_bits())
        );
        assert_eq!(
            mine.years[0].actual.map(f64::to_bits),
            Some(third.to_bits())
        );
        assert_eq!(
            mine.years[2].planned.map(f64::to_bits),
            Some(neet_sent[3].to_bits())
        );

        // The history verifies, on the server and offline.
        let verified = go_audit_verify(&app).await;
        assert!(verified.ok, "{}", app.backend);
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("kent.ndjson");
        let export = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "export", "kent-2008-11"],
        ));
        std::fs::write(&file, &export).expect("write");
        let py = python(VERIFY, &[file.as_os_str()]);
        assert!(py.contains(&verified.head_hash), "{py}");
    })
    .await;
}

async fn go_audit_verify(app: &TestApp) -> pb::VerifyHistoryResponse {
    app.clients(Some(&app.tokens.auditor))
        .await
        .audit
        .verify_history(pb::VerifyHistoryRequest {
            agreement: KENT.into(),
        })
        .await
        .expect("verify")
        .into_inner()
}

/// The project's offline verifier.
const VERIFY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/verify_history.py");

/// Runs a Python 3 script; its standard output, or a panic with its errors.
fn python(script: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = std::process::Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Rewrites an export as a server that wrote other decimal forms would
/// have (`"62"` as `"62.0"`, `"60"` as `"60.00"`), chaining the hashes
/// anew as docs/HISTORY_FORMAT.md says: IN OUT.
const REWRITE_DECIMALS: &str = r#"
import hashlib, json, sys
prev, out = "0" * 64, []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    e = json.loads(line.replace('"62"', '"62.0"').replace('"60"', '"60.00"'))
    e["prev_hash"] = prev
    fields = [e["agreement_id"], e["sequence"], e["recorded_at"], e["request_id"], e["actor"], e["kind"], e["payload"], e["prev_hash"]]
    e["hash"] = prev = hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
    out.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_written_with_other_decimal_forms_still_verifies_byte_for_byte() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let v = open_kent(&mut go).await;
        settle_statutory(&mut go, &mut kent, v).await;
        let export = ok(&laa(
            &app,
            Some(&t.auditor),
            &["history", "export", "kent-2008-11"],
        ));
        assert!(export.contains(r#""62""#) && !export.contains(r#""62.0""#));

        let dir = tempfile::tempdir().expect("dir");
        let (file, older) = (
            dir.path().join("now.ndjson"),
            dir.path().join("older.ndjson"),
        );
        std::fs::write(&file, &export).expect("write");
        let rewrite = dir.path().join("rewrite.py");
        std::fs::write(&rewrite, REWRITE_DECIMALS).expect("write");
        python(
            rewrite.to_str().expect("path"),
            &[file.as_os_str(), older.as_os_str()],
        );
        let older_text = std::fs::read_to_string(&older).expect("read");
        assert!(older_text.contains(r#""62.0""#) && older_text.contains(r#""60.00""#));
        let head = python(VERIFY, &[older.as_os_str()]);

        // Imported into the other kind of database, nothing re-hashed: the
        // server verifies it as written and hands back its bytes unchanged.
        let other = spawn_other(app.backend).await;
        let imported = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", older.to_str().expect("path")],
        );
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );
        let verified = go_audit_verify(&other).await;
        assert!(verified.ok);
        assert!(head.contains(&verified.head_hash), "{head}");
        let again = ok(&laa(
            &other,
            Some(&other.tokens.auditor),
            &["history", "export", "kent-2008-11"],
        ));
        let lines = |text: &str| -> Vec<serde_json::Value> {
            text.lines()
                .map(|l| serde_json::from_str(l).expect("JSON"))
                .collect()
        };
        assert_eq!(
            lines(&again),
            lines(&older_text),
            "the export is the file imported"
        );
        // On the wire its values are the same numbers, and the negotiation goes on.
        let mut go_there = other.clients(Some(&other.tokens.go)).await;
        let a = agreement(&mut go_there).await;
        assert_eq!(agreed_doubles(&a, 1), [60.0, 62.0, 64.0]);
        let mut kent_there = other.clients(Some(&other.tokens.kent)).await;
        let v = version(&mut kent_there, KENT).await;
        kent_there
            .agreements
            .propose_target(proposal(v, 154, on(154, 400.0, [420.0, 440.0, 460.0])))
            .await
            .expect("the imported agreement takes new commands");
        assert!(go_audit_verify(&other).await.ok);
    })
    .await;
}
