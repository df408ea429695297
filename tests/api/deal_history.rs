//! The deal history CLG can trust (issue 11): departments as reference data,
//! and who demanded what.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::laa;
use crate::support::*;

fn counter(v: i64, target: u32, terms: pb::Terms, department: &str) -> pb::CounterOfferRequest {
    pb::CounterOfferRequest {
        agreement: KENT.into(),
        request_id: rid(),
        expected_version: v,
        target,
        terms: Some(terms),
        rationale: "twelve would be tidy".into(),
        evidence: vec![],
        deal_breaker: false,
        department: department.into(),
        occurred_at: None,
    }
}

fn version_of(r: tonic::Response<pb::AgreementResponse>) -> (i64, u32) {
    let r = r.into_inner();
    (r.agreement.expect("agreement").version, r.target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_are_served_and_matched_to_their_canonical_code() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let listed = kent
            .indicators
            .list_departments(pb::ListDepartmentsRequest {})
            .await
            .expect("list departments")
            .into_inner()
            .departments;
        let codes: Vec<&str> = listed.iter().map(|d| d.code.as_str()).collect();
        for code in [
            "CLG", "DCSF", "DH", "HO", "DfT", "Defra", "DWP", "BERR", "DCMS", "MoJ", "HMT", "CO",
            "DIUS", "FSA",
        ] {
            assert!(
                codes.contains(&code),
                "{code} in {codes:?} ({})",
                app.backend
            );
        }
        let ho = listed.iter().find(|d| d.code == "HO").unwrap();
        assert_eq!(ho.display_name, "Home Office");
        assert_eq!(ho.name, "departments/HO");

        let v = open_kent(&mut go).await;
        // "DEFRA" is Defra.
        let (v, defra) = version_of(
            go.agreements
                .propose_target(go_proposal(
                    v,
                    188,
                    on(188, 10.0, [12.0, 14.0, 16.0]),
                    "DEFRA",
                ))
                .await
                .expect("DEFRA is a department"),
        );
        let target = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap()
            .into_inner()
            .targets
            .into_iter()
            .find(|t| t.id == defra)
            .unwrap();
        assert_eq!(target.department, "Defra");
        // "Treasuryish" is not.
        let status = assert_refused(
            go.agreements
                .propose_target(go_proposal(
                    v,
                    186,
                    pct(10.0, [12.0, 14.0, 16.0]),
                    "Treasuryish",
                ))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
        assert!(
            status.message().contains("HMT") && status.message().contains("HO"),
            "the valid codes are listed: {}",
            status.message()
        );
        assert_refused(
            go.agreements
                .counter_offer(counter(v, 1, pct(60.0, [62.0, 64.0, 66.0]), "Treasuryish"))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
    })
    .await;
}

/// The report's Home Office counter: the partnership offers 10.6% on NI 15,
/// the GO counters with 12% for the Home Office.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_office_counter_is_recorded_against_the_home_office() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let v = open_kent(&mut go).await;
        let (v, target) = version_of(
            kent.agreements
                .propose_target(proposal(v, 15, on(15, 10.0, [9.65, 9.29, 8.94])))
                .await
                .expect("the partnership offers 10.6%"),
        );
        // A GO counter on the area's target must name a department.
        assert_refused(
            go.agreements
                .counter_offer(counter(v, target, on(15, 10.0, [9.6, 9.2, 8.8]), ""))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
        let answer = go
            .agreements
            .counter_offer(counter(v, target, on(15, 10.0, [9.6, 9.2, 8.8]), "ho"))
            .await
            .expect("the Home Office insists on 12%")
            .into_inner();
        let agreement = answer.agreement.expect("agreement");
        let v = agreement.version;
        let changed = agreement
            .targets
            .into_iter()
            .find(|t| t.id == target)
            .expect("the target changed");
        let offer = changed.open_offer.expect("an open offer");
        assert_eq!(offer.department, "HO", "{}", app.backend);
        // The area names no department.
        assert_refused(
            kent.agreements
                .counter_offer(counter(v, target, on(15, 10.0, [9.65, 9.29, 8.9]), "HO"))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
    })
    .await;
}

fn ts(t: chrono::DateTime<chrono::Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap(),
    })
}

/// A command may say when it happened; the server keeps both times, and
/// refuses a date in the future, before the latest event, or further back
/// than the round allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_carries_when_it_happened_within_the_rules() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let now = chrono::Utc::now();
        let days = chrono::Duration::days;
        // The 2008-11 round lets a negotiator date a command 30 days back.
        let status = assert_refused(
            go.agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: "areas/kent".into(),
                    round: String::new(),
                    indicator_set: 2007,
                    request_id: rid(),
                    expected_version: 0,
                    occurred_at: ts(now - days(40)),
                })
                .await,
            Code::FailedPrecondition,
            "OCCURRED_AT_OUT_OF_RANGE",
        );
        assert!(
            status.message().contains("backdating"),
            "{}",
            status.message()
        );
        // Opened at a meeting ten days ago.
        let v = go
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: String::new(),
                indicator_set: 2007,
                request_id: rid(),
                expected_version: 0,
                occurred_at: ts(now - days(10)),
            })
            .await
            .expect("open, dated")
            .into_inner()
            .agreement
            .unwrap()
            .version;
        let dated = |v, at| pb::ProposeTargetRequest {
            occurred_at: ts(at),
            ..go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF")
        };
        for (at, why) in [
            (now + days(1), "future"),
            (now - days(11), "opened"),
            (now - days(40), "opened"),
        ] {
            let status = assert_refused(
                go.agreements.propose_target(dated(v, at)).await,
                Code::FailedPrecondition,
                "OCCURRED_AT_OUT_OF_RANGE",
            );
            assert!(status.message().contains(why), "{}", status.message());
        }
        // A letter of five days ago.
        let letter = (now - days(5)).with_nanosecond_micros();
        let (v, target) = version_of(
            go.agreements
                .propose_target(dated(v, letter))
                .await
                .expect("dated five days ago"),
        );
        let status = assert_refused(
            kent.agreements
                .accept_offer(pb::AcceptOfferRequest {
                    agreement: KENT.into(),
                    request_id: rid(),
                    expected_version: v,
                    target,
                    occurred_at: ts(now - days(6)),
                })
                .await,
            Code::FailedPrecondition,
            "OCCURRED_AT_OUT_OF_RANGE",
        );
        assert!(
            status.message().contains("latest event"),
            "{}",
            status.message()
        );
        accept(&mut kent, v, target).await;
        let events = auditor
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: KENT.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        let proposed = &events[1];
        assert_eq!(proposed.kind, "target_proposed");
        assert_eq!(proposed.occurred_at, ts(letter), "{}", app.backend);
        let recorded = proposed.recorded_at.unwrap().seconds;
        assert!(recorded >= now.timestamp() - 5, "recorded now, not then");
        let accepted = events.last().unwrap();
        assert!(accepted.occurred_at.unwrap().seconds >= now.timestamp() - 5);
        // The history still verifies with the dates in it.
        let verified = auditor
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(verified.ok);
    })
    .await;
}

trait Micros {
    fn with_nanosecond_micros(self) -> Self;
}

impl Micros for chrono::DateTime<chrono::Utc> {
    /// Truncated to the microsecond the server keeps.
    fn with_nanosecond_micros(self) -> Self {
        use chrono::SubsecRound;
        self.trunc_subsecs(6)
    }
}

/// A department's request the GO declined is on the record, not a target,
/// and counts in the analytics per department, beside the Home Office's
/// counter-offer; a summary with nothing signed off has no sign-off times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_and_departments_in_the_analytics() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let v = open_kent(&mut go).await;
        let refuse = |v, dept: &str| pb::RecordRefusedRequestRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            indicator_number: 47,
            department: dept.into(),
            rationale: "we chose to have 34".into(),
            occurred_at: None,
        };
        assert_refused(
            kent.agreements
                .record_refused_request(refuse(v, "DfT"))
                .await,
            Code::PermissionDenied,
            "OUT_OF_SCOPE",
        );
        assert_refused(
            go.agreements
                .record_refused_request(refuse(v, "Treasuryish"))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
        let answer = go
            .agreements
            .record_refused_request(refuse(v, "dft"))
            .await
            .expect("recorded")
            .into_inner();
        let agreement = answer.agreement.unwrap();
        assert_eq!(agreement.version, v + 1);
        assert_eq!(agreement.designated_count, 0, "not a target");
        let v = agreement.version;
        // The Home Office's counter on the partnership's NI 15.
        let (v, target) = version_of(
            kent.agreements
                .propose_target(proposal(v, 15, on(15, 10.0, [9.65, 9.29, 8.94])))
                .await
                .unwrap(),
        );
        let (v, _) = version_of(
            go.agreements
                .counter_offer(counter(v, target, on(15, 10.0, [9.6, 9.2, 8.8]), "HO"))
                .await
                .unwrap(),
        );

        let summary = |name: &str| pb::GetNegotiationSummaryRequest {
            agreement: name.into(),
            region: 0,
            round: String::new(),
        };
        for s in [
            auditor
                .audit
                .get_negotiation_summary(summary(KENT))
                .await
                .unwrap()
                .into_inner(),
            auditor
                .audit
                .get_negotiation_summary(summary(""))
                .await
                .unwrap()
                .into_inner(),
        ] {
            assert_eq!(s.refused_requests, 1, "{}", app.backend);
            assert_eq!(s.by_department["DfT"].refused_requests, 1);
            assert_eq!(s.by_department["HO"].counter_offers, 1);
            assert_eq!(s.counter_offers, 1);
            assert_eq!(s.statutory_targets, 16);
            assert_eq!(s.accepted_unchanged, 0);
            assert_eq!(s.signed_off, 0);
            assert_eq!(s.mean_days_to_sign_off, None, "absent, not zero");
            assert_eq!(s.median_days_to_sign_off, None);
            assert_eq!(s.p90_days_to_sign_off, None);
            assert_eq!(s.very_limited_say, None);
        }
        let national = auditor
            .audit
            .get_negotiation_summary(summary(""))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(national.by_region["gose"].refused_requests, 1);
        let in_region = |region: pb::Region| pb::GetNegotiationSummaryRequest {
            agreement: String::new(),
            region: region as i32,
            round: String::new(),
        };
        let south_east = auditor
            .audit
            .get_negotiation_summary(in_region(pb::Region::SouthEast))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((south_east.agreements, south_east.refused_requests), (1, 1));
        // England's and the region's answers, kept, follow the next event.
        go.agreements
            .record_refused_request(refuse(v, "dcsf"))
            .await
            .expect("recorded");
        for request in [summary(""), in_region(pb::Region::SouthEast)] {
            let s = auditor
                .audit
                .get_negotiation_summary(request)
                .await
                .unwrap()
                .into_inner();
            assert_eq!(s.refused_requests, 2, "{}", app.backend);
        }
        let london = auditor
            .audit
            .get_negotiation_summary(in_region(pb::Region::London))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(london.agreements, 0);
        let mut go_london = app.clients(Some(&app.tokens.go_london)).await;
        assert_refused(
            go_london
                .audit
                .get_negotiation_summary(in_region(pb::Region::SouthEast))
                .await,
            Code::PermissionDenied,
            "OUT_OF_SCOPE",
        );
        // The history shows it for what it is.
        let events = auditor
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: KENT.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        assert_eq!(events[1].kind, "request_refused");
        assert!(events[1].payload_json.contains("\"department\":\"DfT\""));
        // The CLI prints the figures per department, and CSV.
        let out = laa(
            &app,
            Some(&app.tokens.auditor),
            &["summary", "--area", "kent"],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("refused requests"), "{text}");
        assert!(text.contains("none signed off"), "{text}");
        assert!(text.contains("DfT") && text.contains("HO"), "{text}");
        let out = laa(
            &app,
            Some(&app.tokens.auditor),
            &["--output", "csv", "summary"],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("HO counter-offers,1"), "{text}");
    })
    .await;
}

/// Decides and appends one command straight on the store at a 2008 clock:
/// how a historic round's history is produced for these tests.
async fn at_2008(
    app: &TestApp,
    actor: &laa_core::Actor,
    when: (u32, u32),
    command: laa_core::Command,
) {
    use chrono::TimeZone;
    let id = laa_core::AgreementId::new("kent-2008-11").unwrap();
    let state = app
        .store
        .load_shared(&id)
        .await
        .unwrap()
        .map(|s| (*s).clone())
        .unwrap_or_else(|| laa_core::Agreement::unopened(id.clone()));
    let ctx = laa_core::Context {
        now: chrono::Utc
            .with_ymd_and_hms(2008, when.0, when.1, 10, 0, 0)
            .single()
            .unwrap(),
        catalogue: &app.store.catalogue(),
        expected_version: Some(state.version),
        occurred_at: None,
    };
    let events = laa_core::decide(&state, command, actor, &ctx).expect("a 2008 command");
    app.store
        .append_command(
            &id,
            state.version,
            &laa_store::Request::by_id(laa_core::RequestId::new(&rid()).expect("a request id")),
            events,
        )
        .await
        .expect("appended");
}

/// The report's round, replayed at 2008 dates: late demands by date on both
/// sides of the cut-off; the history exported, verified offline by the
/// Python script and by `laa history verify --file`, tampered with and
/// refused naming the sequence, and imported into a fresh database of the
/// other kind, where it verifies and summarises the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2008_history_is_exported_verified_offline_and_imported_elsewhere() {
    for_each_database(|app| async move {
        use laa_core::{Actor, Command, Department, IndicatorRef, Role, Scope};
        let go = Actor {
            principal: "gose:negotiator".into(),
            role: Role::GoNegotiator,
            scope: Scope::Region(laa_core::Region::SouthEast),
        };
        let kent = Actor {
            principal: "kent:officer".into(),
            role: Role::AreaNegotiator,
            scope: Scope::Area(laa_core::AreaCode::new("kent").unwrap()),
        };
        let terms = |t: pb::Terms| laa_server_terms(t);
        let propose = |n: u16, t: pb::Terms, dept: Option<&str>| Command::ProposeTarget {
            priority: None,
            indicator: IndicatorRef::National(laa_core::IndicatorNumber::new(n).unwrap()),
            terms: terms(t),
            rationale: "three-year rolling average".into(),
            evidence: vec![],
            department: dept.map(|d| Department::new(d).unwrap()),
        };
        at_2008(
            &app,
            &go,
            (1, 7),
            Command::OpenAgreement {
                area: laa_core::AreaCode::new("kent").unwrap(),
                region: laa_core::Region::SouthEast,
                policy: laa_core::RoundPolicy::round_2008_11(),
                indicator_set: laa_core::SetVersion::new(2007).unwrap(),
            },
        )
        .await;
        // 15 January: DCSF's demand, before the cut-off.
        at_2008(
            &app,
            &go,
            (1, 15),
            propose(117, pct(8.0, [7.0, 6.0, 5.0]), Some("DCSF")),
        )
        .await;
        // The partnership offers 10.6% on NI 15.
        at_2008(
            &app,
            &kent,
            (1, 20),
            propose(15, on(15, 10.0, [9.65, 9.29, 8.94]), None),
        )
        .await;
        // 1 June: the Home Office insists on 12%, and DH demands NI 112.
        at_2008(
            &app,
            &go,
            (6, 1),
            Command::CounterOffer {
                target: laa_core::TargetId::new(18).unwrap(),
                terms: terms(on(15, 10.0, [9.6, 9.2, 8.8])),
                rationale: "twelve would be tidy".into(),
                evidence: vec![],
                deal_breaker: false,
                department: Some(Department::new("HO").unwrap()),
            },
        )
        .await;
        at_2008(
            &app,
            &go,
            (6, 1),
            propose(112, on(112, 40.0, [38.0, 36.0, 34.0]), Some("DH")),
        )
        .await;

        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let summary = |c: &mut Clients| {
            let mut audit = c.audit.clone();
            async move {
                audit
                    .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                        agreement: KENT.into(),
                        region: 0,
                        round: String::new(),
                    })
                    .await
                    .unwrap()
                    .into_inner()
            }
        };
        let s = summary(&mut auditor).await;
        assert_eq!(
            s.late_demands, 2,
            "the Home Office counter and DH's demand of 1 June, not DCSF's of 15 January ({})",
            app.backend
        );
        assert_eq!(s.by_department["HO"].counter_offers, 1);
        assert_eq!(s.by_department["HO"].late_demands, 1);
        assert_eq!(s.by_department["DCSF"].late_demands, 0);

        // Export, and verify with no server.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kent.ndjson");
        let out = laa(
            &app,
            Some(&app.tokens.auditor),
            &["history", "export", "kent-2008-11"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&file, &out.stdout).unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 5);
        assert!(
            text.contains(r#""occurred_at":"2008-06-01T10:00:00Z""#),
            "{text}"
        );
        let offline = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["history", "verify", "--file"])
            .arg(&file)
            .env("LAA_SERVER", "http://127.0.0.1:9")
            .output()
            .unwrap();
        assert!(
            offline.status.success(),
            "{}",
            String::from_utf8_lossy(&offline.stderr)
        );
        let python = |path: &std::path::Path| {
            std::process::Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tools/verify_history.py"
                ))
                .arg(path)
                .output()
                .expect("python3")
        };
        let py = python(&file);
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        let head = auditor
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .head_hash;
        assert!(String::from_utf8_lossy(&py.stdout).contains(&head));

        // One byte changed in the fourth event: both refuse, naming it.
        let tampered_text = text.replacen("twelve would be tidy", "twelve would be tidz", 1);
        let tampered = dir.path().join("tampered.ndjson");
        std::fs::write(&tampered, &tampered_text).unwrap();
        let refused = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["history", "verify", "--file"])
            .arg(&tampered)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("sequence 4"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        let py = python(&tampered);
        assert!(!py.status.success());
        assert!(String::from_utf8_lossy(&py.stderr).contains("sequence 4"));

        // Imported into a fresh database of the other kind.
        let other = spawn_other(app.backend).await;
        let file_arg = file.to_str().unwrap();
        let denied = laa(
            &other,
            Some(&other.tokens.go),
            &["history", "import", "--file", file_arg],
        );
        assert_eq!(denied.status.code(), Some(6), "administrators only");
        let refused = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", tampered.to_str().unwrap()],
        );
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("sequence 4"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        let imported = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", file_arg],
        );
        assert!(
            imported.status.success(),
            "{} -> {}: {}",
            app.backend,
            other.backend,
            String::from_utf8_lossy(&imported.stderr)
        );
        let again = laa(
            &other,
            Some(&other.tokens.admin),
            &["history", "import", "--file", file_arg],
        );
        assert_eq!(again.status.code(), Some(5), "already there");
        let mut there = other.clients(Some(&other.tokens.auditor)).await;
        let verified = there
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(verified.ok);
        assert_eq!(verified.head_hash, head, "nothing re-hashed");
        assert_eq!(summary(&mut there).await, s, "the same analytics");
        let out = laa(
            &other,
            Some(&other.tokens.auditor),
            &["history", "export", "kent-2008-11"],
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            text,
            "times preserved"
        );
        // And the negotiation goes on there.
        let mut kent_there = other.clients(Some(&other.tokens.kent)).await;
        let v = version(&mut kent_there, KENT).await;
        assert_eq!(v, 5);
        accept(&mut kent_there, v, 17).await;
    })
    .await;
}

/// Terms from the wire, as the server parses them.
fn laa_server_terms(t: pb::Terms) -> laa_core::Terms {
    laa_server::convert::terms(Some(t)).expect("terms")
}
