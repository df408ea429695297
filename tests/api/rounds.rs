//! Rounds as data: administrators create rounds, everyone authenticated
//! reads them, and `OpenAgreement` opens under a stored round only.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

/// The 2011-14 round of the report's future: no statutory targets, a cap of
/// 20, at most five Whitehall priorities, the reward doubled, and
/// Ministers approving every re-baselining.
pub fn round_2011_14() -> pb::Round {
    pb::Round {
        round: "2011-14".into(),
        indicator_set: 2008,
        designated_cap: 20,
        statutory_indicators: vec![],
        years: vec!["2011/12".into(), "2012/13".into(), "2013/14".into()],
        refreshes: vec![
            pb::RefreshDeadline {
                refresh: "2012".into(),
                deadline: "2011-12-01".into(),
            },
            pb::RefreshDeadline {
                refresh: "2013".into(),
                deadline: "2012-12-01".into(),
            },
        ],
        late_demand_cutoff: "2011-03-01".into(),
        max_whitehall_priorities: Some(5),
        reward_per_target: "40000".into(),
        reward_floor_percent: "60".into(),
        reward_full_percent: "100".into(),
        // Recommendation 18: "at least double" the reward.
        reward_multiplier: "2".into(),
        // Recommendation 14: tournaments among areas of the same region,
        // from groups of three, with a prize for the top quartile.
        tournament_similar_by: "region".into(),
        tournament_min_group: 3,
        tournament_prize: "10000".into(),
        rebaseline_needs_ministers: true,
        ..Default::default()
    }
}

/// One change that breaks a round's policy.
type Change = Box<dyn Fn(&mut pb::Round)>;

fn create(round: pb::Round) -> pb::CreateRoundRequest {
    pb::CreateRoundRequest {
        round: Some(round),
        request_id: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2008_round_is_seeded_with_its_refreshes_due_by_december() {
    for_each_database(|app| async move {
        let mut area = app.clients(Some(&app.tokens.kent)).await;
        let round = area
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "rounds/2008-11".into(),
            })
            .await
            .expect("any role reads a round")
            .into_inner();
        assert_eq!(round.designated_cap, 35);
        assert_eq!(round.statutory_indicators.len(), 16);
        assert_eq!(round.years, ["2008/09", "2009/10", "2010/11"]);
        let deadlines: Vec<&str> = round
            .refreshes
            .iter()
            .map(|r| r.deadline.as_str())
            .collect();
        assert_eq!(deadlines, ["2008-12-01", "2009-12-01"]);
        assert_eq!(round.max_whitehall_priorities, None);
        assert_eq!(round.reward_per_target, "40000");
        let listed = area
            .rounds
            .list_rounds(pb::ListRoundsRequest {})
            .await
            .expect("list rounds")
            .into_inner()
            .rounds;
        assert_eq!(listed, [round]);
        let mut anonymous = app.clients(None).await;
        let refused = anonymous
            .rounds
            .list_rounds(pb::ListRoundsRequest {})
            .await
            .expect_err("reading needs credentials");
        assert_eq!(refused.code(), Code::Unauthenticated);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_a_round_and_agreements_open_under_it() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let refused = go.rounds.create_round(create(round_2011_14())).await;
        assert_eq!(
            refused
                .expect_err("only administrators create rounds")
                .code(),
            Code::PermissionDenied
        );
        let unknown = go
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: "2011-14".into(),
                indicator_set: 2008,
                request_id: rid(),
                ..Default::default()
            })
            .await;
        let status = assert_refused(unknown, Code::InvalidArgument, "INVALID_ARGUMENT");
        assert_eq!(bad_fields(&status), ["round"]);

        let mut admin = app.clients(Some(&t.admin)).await;
        let created = admin
            .rounds
            .create_round(create(round_2011_14()))
            .await
            .expect("an administrator creates a round")
            .into_inner();
        assert_eq!(created.name, "rounds/2011-14");
        assert_eq!(created.max_backdating_days, 30);
        let again = admin.rounds.create_round(create(round_2011_14())).await;
        assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS");
        let read = go
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "2011-14".into(),
            })
            .await
            .expect("get the new round")
            .into_inner();
        assert_eq!(read, created);

        let opened = go
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: "2011-14".into(),
                indicator_set: 2008,
                request_id: rid(),
                ..Default::default()
            })
            .await
            .expect("open under the new round")
            .into_inner()
            .agreement
            .expect("agreement");
        assert_eq!(opened.name, "agreements/kent-2011-14");
        assert_eq!(opened.round, "2011-14");
        assert!(
            opened.targets.is_empty(),
            "no statutory targets in 2011-14: {:?}",
            opened.targets
        );
        // The 2008-11 agreement of the same area is another agreement.
        open_kent(&mut go).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_is_refused_as_a_whole_when_its_policy_does_not_hold() {
    for_each_database(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let cases: [(&str, Change); 8] = [
            (
                "round.statutory_indicators",
                Box::new(|r| r.statutory_indicators = vec![999]),
            ),
            (
                "round.years",
                Box::new(|r| r.years = vec!["2011/12".into(), "2013/14".into()]),
            ),
            ("round.refreshes", Box::new(|r| r.refreshes.reverse())),
            ("round.designated_cap", Box::new(|r| r.designated_cap = 0)),
            ("round.round", Box::new(|r| r.round = "2011/14".into())),
            (
                "round.tournament_similar_by",
                Box::new(|r| r.tournament_similar_by = "borough".into()),
            ),
            (
                "round.tournament_min_group",
                Box::new(|r| r.tournament_min_group = -1),
            ),
            (
                "round.tournament_prize",
                Box::new(|r| r.tournament_prize = "-5".into()),
            ),
        ];
        for (field, change) in cases {
            let mut round = round_2011_14();
            change(&mut round);
            let status = assert_refused(
                admin.rounds.create_round(create(round)).await,
                Code::InvalidArgument,
                "INVALID_ARGUMENT",
            );
            assert_eq!(bad_fields(&status), [field], "{status:?}");
        }
        let listed = admin
            .rounds
            .list_rounds(pb::ListRoundsRequest {})
            .await
            .expect("list")
            .into_inner()
            .rounds;
        assert_eq!(listed.len(), 1, "nothing half-created");
    })
    .await;
}

/// A round whose refreshes are all due in the future.
fn round_2031_34() -> pb::Round {
    pb::Round {
        round: "2031-34".into(),
        years: vec!["2031/32".into(), "2032/33".into(), "2033/34".into()],
        refreshes: vec![pb::RefreshDeadline {
            refresh: "2032".into(),
            deadline: "2031-12-01".into(),
        }],
        late_demand_cutoff: String::new(),
        ..round_2011_14()
    }
}

async fn overdue(c: &mut Clients) -> Vec<String> {
    c.agreements
        .list_agreements(pb::ListAgreementsRequest {
            refresh_overdue: true,
            ..Default::default()
        })
        .await
        .expect("list the overdue")
        .into_inner()
        .agreements
        .into_iter()
        .map(|a| a.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_open_in_order_and_the_overdue_are_listed() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let mut admin = app.clients(Some(&t.admin)).await;
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;
        let v = crate::negotiation::sign_off(&mut go, &mut kent, &mut minister, v).await;
        let refused = go
            .agreements
            .open_refresh(pb::OpenRefreshRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                round: "2010".into(),
                ..Default::default()
            })
            .await;
        assert_refused(refused, Code::FailedPrecondition, "REFRESH_OUT_OF_ORDER");

        // Today is long past 1 December 2008: Kent's 2009 refresh is overdue.
        admin
            .rounds
            .create_round(create(round_2031_34()))
            .await
            .expect("a round whose refreshes are due later");
        go.agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: "2031-34".into(),
                indicator_set: 2008,
                request_id: rid(),
                ..Default::default()
            })
            .await
            .expect("open under 2031-34");
        assert_eq!(overdue(&mut go).await, [KENT]);
        assert_eq!(overdue(&mut minister).await, [KENT]);
        let listed = crate::cli::ok(&crate::cli::laa(
            &app,
            Some(&t.go),
            &["agreements", "list", "--refresh-overdue"],
        ));
        assert!(listed.contains("kent-2008-11"), "{listed}");
        assert!(!listed.contains("kent-2031-34"), "{listed}");
        let all = crate::cli::ok(&crate::cli::laa(&app, Some(&t.go), &["agreements", "list"]));
        assert!(all.contains("kent-2031-34"), "{all}");
        let rounds = crate::cli::ok(&crate::cli::laa(&app, Some(&t.kent), &["rounds", "list"]));
        assert!(
            rounds.contains("2009 (2008-12-01), 2010 (2009-12-01)"),
            "{rounds}"
        );
        assert!(rounds.contains("2031-34"), "{rounds}");
        let shown = crate::cli::ok(&crate::cli::laa(
            &app,
            Some(&t.kent),
            &["round", "show", "2031-34", "--output", "json"],
        ));
        assert!(shown.contains("\"maxWhitehallPriorities\": 5"), "{shown}");
        assert_eq!(
            overdue(&mut app.clients(Some(&t.go_london)).await).await,
            Vec::<String>::new(),
            "only the caller's scope is listed"
        );

        // Under way, the refresh is still overdue; closed, nothing is.
        go.agreements
            .open_refresh(pb::OpenRefreshRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                round: "2009".into(),
                ..Default::default()
            })
            .await
            .expect("2009 opens first");
        assert_eq!(overdue(&mut go).await, [KENT]);
        let v = version(&mut go, KENT).await;
        minister
            .agreements
            .close_agreement(pb::CloseAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                ..Default::default()
            })
            .await
            .expect("close");
        assert!(overdue(&mut go).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_round_survives_a_restart_and_the_seed_does_not_duplicate() {
    for_each_database(|mut app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let created = admin
            .rounds
            .create_round(create(round_2011_14()))
            .await
            .expect("create")
            .into_inner();
        app.restart().await;
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let rounds = auditor
            .rounds
            .list_rounds(pb::ListRoundsRequest {})
            .await
            .expect("list after a restart")
            .into_inner()
            .rounds;
        let names: Vec<&str> = rounds.iter().map(|r| r.round.as_str()).collect();
        assert_eq!(names, ["2008-11", "2011-14"]);
        assert_eq!(rounds[1], created, "stored whole, read back unchanged");
        let missing = auditor
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "rounds/2014-17".into(),
            })
            .await;
        assert_refused(missing, Code::NotFound, "NOT_FOUND");
    })
    .await;
}

const KENT_2011: &str = "agreements/kent-2011-14";

/// Percent terms over 2011-14, with a 2010 baseline.
pub fn pct_2011(baseline: f64, years: [f64; 3]) -> pb::Terms {
    let mut terms = pct(baseline, years);
    if let Some(pb::terms::Kind::Values(v)) = &mut terms.kind {
        if let Some(b) = &mut v.baseline {
            b.period = "2010".into();
        }
        for (y, name) in v
            .trajectory
            .iter_mut()
            .zip(["2011/12", "2012/13", "2013/14"])
        {
            y.year = name.into();
        }
    }
    terms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn government_proposals_cite_the_priorities_declared_at_the_outset() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut admin = app.clients(Some(&t.admin)).await;
        admin
            .rounds
            .create_round(create(round_2011_14()))
            .await
            .expect("create 2011-14");
        go.agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/kent".into(),
                round: "2011-14".into(),
                indicator_set: 2008,
                request_id: rid(),
                ..Default::default()
            })
            .await
            .expect("open");
        let v = version(&mut go, KENT_2011).await;
        let offer = |v: i64, priority: i32| pb::ProposeTargetRequest {
            agreement: KENT_2011.into(),
            priority,
            ..go_proposal(v, 117, pct_2011(8.0, [7.0, 6.0, 5.0]), "DCSF")
        };
        let refused = go.agreements.propose_target(offer(v, 0)).await;
        let status = assert_refused(
            refused,
            Code::FailedPrecondition,
            "OUTSIDE_DECLARED_PRIORITIES",
        );
        assert!(status.message().contains("declared"), "{status:?}");

        let declare = |v: i64| pb::DeclarePrioritiesRequest {
            agreement: KENT_2011.into(),
            request_id: rid(),
            expected_version: v,
            priorities: vec![
                pb::Priority {
                    statement: "Fewer young people not in education, employment or training".into(),
                    departments: vec!["DCSF".into(), "dwp".into()],
                },
                pb::Priority {
                    statement: "Safer town centres at night".into(),
                    departments: vec!["HO".into()],
                },
            ],
            occurred_at: None,
        };
        let by_area = kent.agreements.declare_priorities(declare(v)).await;
        assert_refused(by_area, Code::PermissionDenied, "OUT_OF_SCOPE");
        let mut six = declare(v);
        six.priorities = (0..6)
            .map(|i| pb::Priority {
                statement: format!("priority {i}"),
                departments: vec!["HO".into()],
            })
            .collect();
        let too_many = go.agreements.declare_priorities(six).await;
        assert_refused(too_many, Code::FailedPrecondition, "DESIGNATED_CAP_REACHED");
        let declared = go
            .agreements
            .declare_priorities(declare(v))
            .await
            .expect("the GO declares")
            .into_inner()
            .agreement
            .expect("agreement");
        assert_eq!(declared.priorities.len(), 2);
        assert_eq!(declared.priorities[0].departments, ["DCSF", "DWP"]);

        let v = declared.version;
        let outside = go.agreements.propose_target(offer(v, 3)).await;
        assert_refused(
            outside,
            Code::FailedPrecondition,
            "OUTSIDE_DECLARED_PRIORITIES",
        );
        go.agreements
            .propose_target(offer(v, 1))
            .await
            .expect("a proposal citing priority 1");
        let read = kent
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: KENT_2011.into(),
            })
            .await
            .expect("the area reads the priorities")
            .into_inner();
        assert_eq!(read.priorities, declared.priorities);
        let events = kent
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: KENT_2011.into(),
                ..Default::default()
            })
            .await
            .expect("history")
            .into_inner()
            .events;
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["agreement_opened", "priorities_declared", "target_proposed"]
        );
        assert!(
            events[2].payload_json.contains("\"priority\":1"),
            "{}",
            events[2].payload_json
        );
        // 2008-11 limits nothing: its Government proposals cite nothing.
        let v = open_kent(&mut go).await;
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("2008-11 unchanged");
    })
    .await;
}

/// Accepts the open offer on Kent's 2011-14 target 1.
fn accept_first(v: i64) -> pb::AcceptOfferRequest {
    pb::AcceptOfferRequest {
        agreement: KENT_2011.into(),
        request_id: rid(),
        expected_version: v,
        target: 1,
        occurred_at: None,
    }
}

/// The agreement's version after a command.
fn after(r: tonic::Response<pb::AgreementResponse>) -> (i64, String) {
    let a = r.into_inner().agreement.expect("agreement");
    (a.version, a.status().as_str_name().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2011_14_round_created_through_the_api_is_negotiated_to_sign_off() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let mut admin = app.clients(Some(&t.admin)).await;
        let round = admin
            .rounds
            .create_round(create(round_2011_14()))
            .await
            .expect("2011-14, through the API alone")
            .into_inner();
        assert!(round.statutory_indicators.is_empty());
        assert_eq!(
            (round.designated_cap, round.max_whitehall_priorities),
            (20, Some(5))
        );
        assert_eq!(
            (
                round.reward_per_target.as_str(),
                round.reward_multiplier.parse::<f64>().ok()
            ),
            ("40000", Some(2.0)),
            "the reward doubled"
        );
        assert_eq!(
            (
                round.tournament_similar_by.as_str(),
                round.tournament_min_group,
                round.tournament_prize.as_str()
            ),
            ("region", 3, "10000"),
            "the tournament policy as created"
        );
        assert!(round.rebaseline_needs_ministers);
        let (v, _) = after(
            go.agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: "areas/kent".into(),
                    round: "2011-14".into(),
                    indicator_set: 2008,
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .expect("open"),
        );
        let (v, _) = after(
            go.agreements
                .declare_priorities(pb::DeclarePrioritiesRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    priorities: vec![pb::Priority {
                        statement: "Young people in learning or work".into(),
                        departments: vec!["DCSF".into()],
                    }],
                    occurred_at: None,
                })
                .await
                .expect("declare"),
        );
        let (v, _) = after(
            go.agreements
                .propose_target(pb::ProposeTargetRequest {
                    agreement: KENT_2011.into(),
                    priority: 1,
                    ..go_proposal(v, 117, pct_2011(8.0, [7.0, 6.0, 5.0]), "DCSF")
                })
                .await
                .expect("propose"),
        );
        let (v, _) = after(
            kent.agreements
                .accept_offer(accept_first(v))
                .await
                .expect("the area accepts"),
        );
        let (v, _) = after(
            kent.agreements
                .endorse_agreement(pb::EndorseAgreementRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    occurred_at: None,
                })
                .await
                .expect("endorse"),
        );
        let (v, _) = after(
            go.agreements
                .submit_agreement(pb::SubmitAgreementRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    occurred_at: None,
                })
                .await
                .expect("submit: no statutory targets to settle"),
        );
        let (_, status) = after(
            minister
                .agreements
                .sign_off_agreement(pb::SignOffAgreementRequest {
                    agreement: KENT_2011.into(),
                    request_id: rid(),
                    expected_version: v,
                    occurred_at: None,
                })
                .await
                .expect("sign off"),
        );
        assert_eq!(status, "AGREEMENT_STATUS_AGREED");
        rebaseline_with_ministers(&app, &mut go, &mut kent, &mut minister).await;
        let verified = kent
            .audit
            .verify_history(pb::VerifyHistoryRequest {
                agreement: KENT_2011.into(),
            })
            .await
            .expect("verify")
            .into_inner();
        assert!(verified.ok, "{verified:?}");
    })
    .await;
}

/// NI 117's target 1 in Kent's 2011-14 agreement, whose round asks
/// Ministers to approve re-baselinings: the accepted terms wait, the old
/// ones stay in force, only Ministers decide, and their approval (through
/// the CLI) makes the new terms the agreed ones.
async fn rebaseline_with_ministers(
    app: &TestApp,
    go: &mut Clients,
    kent: &mut Clients,
    minister: &mut Clients,
) {
    let old = pct_2011(8.0, [7.0, 6.0, 5.0]);
    let new = pct_2011(11.0, [10.0, 9.5, 9.0]);
    let approve = |v| pb::ApproveRebaselineRequest {
        agreement: KENT_2011.into(),
        request_id: rid(),
        expected_version: v,
        target: 1,
        occurred_at: None,
    };
    let v = version(kent, KENT_2011).await;
    assert_refused(
        minister.agreements.approve_rebaseline(approve(v)).await,
        Code::FailedPrecondition,
        "NO_PENDING_REBASELINE",
    );
    let (v, _) = after(
        kent.agreements
            .propose_rebaseline(pb::ProposeRebaselineRequest {
                agreement: KENT_2011.into(),
                request_id: rid(),
                expected_version: v,
                target: 1,
                terms: Some(new.clone()),
                reason: "measurement_change".into(),
                rationale: "CCIS now counts the not-known as NEET".into(),
                ..Default::default()
            })
            .await
            .expect("the area proposes new terms"),
    );
    let accepted = go
        .agreements
        .accept_offer(accept_first(v))
        .await
        .expect("the GO accepts")
        .into_inner()
        .agreement
        .unwrap();
    let target = &accepted.targets[0];
    assert_eq!(
        target.agreed.as_ref(),
        Some(&old),
        "the old terms stay in force"
    );
    assert_eq!(
        target
            .pending_rebaseline
            .as_ref()
            .and_then(|o| o.terms.as_ref()),
        Some(&new)
    );
    let v = accepted.version;
    assert_refused(
        go.agreements.approve_rebaseline(approve(v)).await,
        Code::PermissionDenied,
        "OUT_OF_SCOPE",
    );
    let out = crate::cli::ok(&crate::cli::laa(
        app,
        Some(&app.tokens.sign_off),
        &[
            "target",
            "approve-rebaseline",
            "--agreement",
            "kent-2011-14",
            "--target",
            "1",
        ],
    ));
    assert!(out.contains("re-baselining approved"), "{out}");
    let a = kent
        .agreements
        .get_agreement(pb::GetAgreementRequest {
            name: KENT_2011.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let target = &a.targets[0];
    assert_eq!(
        target.agreed.as_ref(),
        Some(&new),
        "approved: the new terms"
    );
    assert!(target.pending_rebaseline.is_none());
    // The reward is judged against them, doubled by the round's policy:
    // 9.8 achieves 1.2 of the planned 2.0 from 11.0, 60% of GBP 80,000.
    kent.agreements
        .record_actual(pb::RecordActualRequest {
            agreement: KENT_2011.into(),
            request_id: rid(),
            expected_version: a.version,
            target: 1,
            year: "2013/14".into(),
            value: 9.8,
            source: "Connexions CCIS".into(),
            occurred_at: None,
        })
        .await
        .expect("the final actual");
    let reward = kent
        .performance
        .get_reward(pb::GetRewardRequest {
            agreement: KENT_2011.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(reward.assessed);
    assert_eq!(reward.lines[0].achieved_percent, "60");
    assert_eq!(
        (reward.lines[0].share.as_str(), reward.total.as_str()),
        ("80000", "48000"),
        "{reward:?}"
    );
}

/// A round's and the National Indicator Set's histories are streams like
/// an agreement's: `laa history export` writes them, and they verify with
/// no server (the CLI and tools/verify_history.py), head for head with
/// `VerifyHistory`; a retried creation records nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rounds_and_the_sets_histories_export_and_verify_offline() {
    for_each_database(|app| async move {
        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        let request = pb::CreateRoundRequest {
            round: Some(round_2011_14()),
            request_id: "create-2011-14".into(),
        };
        let created = admin
            .rounds
            .create_round(request.clone())
            .await
            .expect("create")
            .into_inner();
        let retried = admin
            .rounds
            .create_round(request)
            .await
            .expect("a retry answers the first outcome")
            .into_inner();
        assert_eq!(retried, created);
        let dir = tempfile::tempdir().unwrap();
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        for (stream, length) in [
            ("rounds/2011-14", Some(1)),
            ("indicator-sets/national", None),
        ] {
            let out = crate::cli::laa(
                &app,
                Some(&app.tokens.auditor),
                &["history", "export", stream],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            if let Some(length) = length {
                assert_eq!(text.lines().count(), length, "{stream}: {text}");
            }
            let file = dir.path().join("history.ndjson");
            std::fs::write(&file, &text).unwrap();
            let offline = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
                .args(["history", "verify", "--file"])
                .arg(&file)
                .env("LAA_SERVER", "http://127.0.0.1:9")
                .output()
                .unwrap();
            assert!(
                offline.status.success(),
                "{stream}: {}",
                String::from_utf8_lossy(&offline.stderr)
            );
            let python = std::process::Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tools/verify_history.py"
                ))
                .arg(&file)
                .output()
                .expect("python3");
            assert!(python.status.success(), "{stream}: {python:?}");
            let verified = auditor
                .audit
                .verify_history(pb::VerifyHistoryRequest {
                    agreement: stream.into(),
                })
                .await
                .expect("verify")
                .into_inner();
            assert!(verified.ok, "{stream}");
            assert!(
                String::from_utf8_lossy(&python.stdout).contains(&verified.head_hash),
                "{stream}: the same head offline as on the server"
            );
            // One changed byte is found offline.
            let tampered = text.replacen("\"kind\":\"", "\"kind\":\"x", 1);
            std::fs::write(&file, tampered).unwrap();
            let refused = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
                .args(["history", "verify", "--file"])
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                !refused.status.success(),
                "{stream}: a tampered export verifies"
            );
        }
    })
    .await;
}
