//! Delivery after sign-off through the API (issue 12): indicators carry
//! their unit and polarity, terms are checked against them, statuses per
//! target and the reward grant's working, on both databases.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::{fits, laa, laa_on_terminal, ok};
use crate::negotiation::sign_off;
use crate::support::*;

const KENT: &str = "agreements/kent-2008-11";

fn actual(v: i64, target: u32, year: &str, value: f64) -> pb::RecordActualRequest {
    pb::RecordActualRequest {
        agreement: KENT.into(),
        request_id: rid(),
        expected_version: v,
        target,
        year: year.into(),
        value,
        source: "Connexions CCIS".into(),
        occurred_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_carry_unit_and_polarity_and_terms_must_fit_them() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let get = |n: i32| pb::GetIndicatorRequest {
            name: format!("indicatorSets/2008/indicators/{n}"),
        };
        let neet = go
            .indicators
            .get_indicator(get(117))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (neet.unit.as_str(), neet.polarity.as_str()),
            ("percent", "lower_is_better")
        );
        let homes = go
            .indicators
            .get_indicator(get(154))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (homes.unit.as_str(), homes.polarity.as_str()),
            ("count", "higher_is_better")
        );
        let v = open_kent(&mut go).await;
        // NI 154 is a count, not a percentage.
        let status = go
            .agreements
            .propose_target(go_proposal(v, 154, pct(40.0, [42.0, 44.0, 46.0]), "CLG"))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(reason(&status), "INVALID_TERMS");
        assert_eq!(bad_fields(&status), ["terms.values.unit"]);
        // A NEET target rising from 6% to 9% is no improvement...
        let rising = pct(6.0, [7.0, 8.0, 9.0]);
        let status = go
            .agreements
            .propose_target(go_proposal(v, 117, rising.clone(), "DCSF"))
            .await
            .unwrap_err();
        assert_eq!(reason(&status), "INVALID_TERMS");
        assert_eq!(bad_fields(&status), ["terms.values.trajectory"]);
        assert_eq!(
            app.event_count("kent-2008-11").await,
            1,
            "refusals record nothing"
        );
        // ...unless it says it limits a deterioration, and why.
        let mut limited = rising;
        if let Some(pb::terms::Kind::Values(values)) = &mut limited.kind {
            values.limit_deterioration = "NEET will rise in the downturn".into();
        }
        let r = go
            .agreements
            .propose_target(go_proposal(v, 117, limited, "DCSF"))
            .await
            .expect("a target that limits a deterioration")
            .into_inner();
        let target = r.agreement.unwrap().targets.into_iter().next().unwrap();
        let Some(pb::terms::Kind::Values(offered)) = target.open_offer.unwrap().terms.unwrap().kind
        else {
            panic!("values")
        };
        assert_eq!(
            offered.limit_deterioration,
            "NEET will rise in the downturn"
        );
        // The CLI shows the unit and which way is better.
        let out = ok(&laa(&app, Some(&t.kent), &["indicators", "show", "117"]));
        assert!(
            out.contains("measured in: percent, lower is better"),
            "{out}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_per_target_and_the_reward_grant_through_the_api() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;
        let r = go
            .agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.8, 7.4, 7.0]), "DCSF"))
            .await
            .unwrap()
            .into_inner();
        let neet = r.target;
        let v = accept(&mut kent, r.agreement.unwrap().version, neet).await;
        let v = sign_off(&mut go, &mut kent, &mut minister, v).await;

        let record = |v, year, value| actual(v, neet, year, value);
        let v = kent
            .agreements
            .record_actual(record(v, "2008/09", 7.9))
            .await
            .unwrap()
            .into_inner()
            .agreement
            .unwrap()
            .version;
        let p = go
            .performance
            .get_performance(pb::GetPerformanceRequest {
                agreement: "kent-2008-11".into(),
            })
            .await
            .unwrap()
            .into_inner();
        let mine = p
            .targets
            .iter()
            .find(|t| t.indicator_number == 117)
            .expect("NI 117 is monitored");
        assert_eq!(mine.status, "off_track");
        assert_eq!(mine.polarity, "lower_is_better");
        assert_eq!(mine.department, "DCSF");
        assert_eq!(mine.baseline, Some(8.0));
        let years: Vec<&str> = mine.years.iter().map(|y| y.status.as_str()).collect();
        assert_eq!(years, ["off_track", "no_data", "no_data"]);
        assert_eq!(mine.years[0].actual, Some(7.9));
        assert_eq!(mine.years[0].source, "Connexions CCIS");
        // Statutory target 1 has its last year deferred: no verdict there.
        let statutory = p.targets.iter().find(|t| t.indicator_number == 72).unwrap();
        assert_eq!(statutory.years[2].status, "unresolved");

        // "Every area in GOSE with NI 117 off track" is one call...
        let list = |status: &str| pb::ListPerformanceRequest {
            region: pb::Region::SouthEast as i32,
            indicator_number: 117,
            status: status.into(),
            ..Default::default()
        };
        let off = go
            .performance
            .list_performance(list("off_track"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(off.targets.len(), 1);
        assert_eq!(off.targets[0].area, "areas/kent");
        let on = go
            .performance
            .list_performance(list("on_track"))
            .await
            .unwrap()
            .into_inner();
        assert!(on.targets.is_empty());
        let status = go
            .performance
            .list_performance(list("sideways"))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        // ...outside the caller's scope it is not listed.
        let mut london = app.clients(Some(&t.go_london)).await;
        let none = london
            .performance
            .list_performance(pb::ListPerformanceRequest {
                indicator_number: 117,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(none.targets.is_empty());
        // ...and one command, as CSV, JSON and a table.
        let filters = [
            "performance",
            "list",
            "--region",
            "gose",
            "--indicator",
            "117",
            "--status",
            "off_track",
        ];
        let csv = ok(&laa(
            &app,
            Some(&t.go),
            &[&["--output", "csv"][..], &filters[..]].concat(),
        ));
        // CSV: one row per target and year, every fact on each.
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4, "a header and three years: {csv}");
        let header: Vec<&str> = lines[0].split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        for (line, year, status) in [
            (lines[1], "2008/09", "off_track"),
            (lines[2], "2009/10", "no_data"),
            (lines[3], "2010/11", "no_data"),
        ] {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{csv}");
            assert_eq!(cells[column("AREA")], "kent", "{csv}");
            assert_eq!(cells[column("INDICATOR")], "NI 117", "{csv}");
            assert_eq!(cells[column("YEAR")], year, "{csv}");
            assert_eq!(cells[column("YEAR STATUS")], status, "{csv}");
            assert_eq!(cells[column("OVERALL STATUS")], "off_track", "{csv}");
            assert_eq!(cells[column("DEPARTMENT")], "DCSF", "{csv}");
        }
        assert_eq!(lines[1].split(',').nth(column("ACTUAL")), Some("7.9"));
        // On an 80-column terminal the table fits, its headings whole.
        let shown = laa_on_terminal(&app, &t.go, &["performance", "show", "kent"], 80);
        fits(
            &shown,
            80,
            &[
                "TARGET",
                "INDICATOR",
                "BASELINE",
                "YEAR",
                "PLANNED",
                "ACTUAL",
                "STATUS",
            ],
        );
        assert!(
            shown.contains("7.9%") && shown.contains("overall"),
            "{shown}"
        );
        fits(
            &laa_on_terminal(&app, &t.go, &filters, 80),
            80,
            &[
                "AREA",
                "TARGET",
                "INDICATOR",
                "YEAR",
                "PLANNED",
                "ACTUAL",
                "STATUS",
            ],
        );
        let json: serde_json::Value = serde_json::from_str(&ok(&laa(
            &app,
            Some(&t.go),
            &[&["--output", "json"][..], &filters[..]].concat(),
        )))
        .expect("JSON");
        let rows = json.as_array().expect("a JSON array");
        assert_eq!(rows.len(), 1, "{json}");
        assert!(rows[0].to_string().contains("kent"), "{json}");
        let table = ok(&laa(&app, Some(&t.go), &filters));
        assert!(
            table.contains("kent") && table.to_lowercase().contains("off"),
            "{table}"
        );

        // No reward until the final actuals are in.
        let reward = || pb::GetRewardRequest {
            agreement: KENT.into(),
        };
        let r = go
            .performance
            .get_reward(reward())
            .await
            .unwrap()
            .into_inner();
        assert!(!r.assessed);
        // Decimals are written one way (docs/API.md): no trailing zeros.
        assert_eq!(r.per_target, "40000");
        assert_eq!((r.total.as_str(), r.pot.as_str()), ("0", "0"));
        // The worked example: 7.4 of a target of 7.0 from 8.0 is 60%: GBP 24,000.
        kent.agreements
            .record_actual(record(v, "2010/11", 7.4))
            .await
            .unwrap();
        let r = kent
            .performance
            .get_reward(reward())
            .await
            .unwrap()
            .into_inner();
        assert!(r.assessed);
        assert_eq!(r.total, "24000");
        assert_eq!(r.pot, "40000");
        assert_eq!(
            r.lines.len(),
            1,
            "statutory targets bear no reward by default"
        );
        assert_eq!(r.lines[0].achieved_percent, "60");
        assert_eq!(r.lines[0].amount, "24000");
        assert_eq!(r.lines[0].share, "40000");
        assert_eq!(r.lines[0].paid_percent, "60");
        // The assessment is in the history, after the actual that completed it.
        let events = kent_history(&app).await;
        let kinds: Vec<&str> = events
            .iter()
            .rev()
            .take(2)
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(kinds, ["reward_assessed", "actual_recorded"]);
        // The event writes its decimals as the wire does.
        let assessed = &events.last().expect("an event").hashed_payload;
        for field in [
            r#""amount":"24000""#,
            r#""share":"40000""#,
            r#""total":"24000""#,
            r#""baseline":"8""#,
        ] {
            assert!(assessed.contains(field), "{field} in {assessed}");
        }
        let out = ok(&laa(&app, Some(&t.kent), &["reward", "kent"]));
        assert!(
            out.contains("total £24000.00 of a pot of £40000.00"),
            "{out}"
        );
        fits(
            &laa_on_terminal(&app, &t.kent, &["reward", "kent"], 80),
            80,
            &["NI", "ACHIEVED %", "AMOUNT £", "WHY", "24000.00"],
        );

        // The tournament on NI 117: Kent alone among counties is unranked,
        // its explanation beside it.
        let v = version(&mut kent, KENT).await;
        kent.agreements
            .lodge_explanation(pb::LodgeExplanationRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 117,
                explanation: "the Pfizer plant at Sandwich closed".into(),
                occurred_at: None,
            })
            .await
            .expect("the area explains its results");
        // An indicator with no live target: the error names the request's field.
        let v = version(&mut kent, KENT).await;
        let nothing = kent
            .agreements
            .lodge_explanation(pb::LodgeExplanationRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 1,
                explanation: "no target on NI 1".into(),
                occurred_at: None,
            })
            .await
            .expect_err("no live target on NI 1");
        assert_eq!(bad_fields(&nothing), ["indicator_number"], "{nothing:?}");
        let table = london
            .performance
            .get_tournament(pb::GetTournamentRequest {
                indicator_number: 117,
                round: String::new(),
            })
            .await
            .expect("a league table is read by every role but administrators")
            .into_inner();
        assert_eq!(table.polarity, "lower_is_better");
        assert_eq!(table.min_group_size, 5);
        assert_eq!(table.standings.len(), 1);
        let kent_row = &table.standings[0];
        assert_eq!(kent_row.rank, 0);
        assert_eq!(kent_row.improvement_percent, "7.5");
        assert_eq!(kent_row.explanation, "the Pfizer plant at Sandwich closed");
        assert!(
            kent_row.unranked_because.contains("fewer than 5"),
            "{kent_row:?}"
        );
        let out = ok(&laa(
            &app,
            Some(&t.auditor),
            &["performance", "tournament", "117"],
        ));
        assert!(out.contains("Pfizer"), "{out}");
        fits(
            &laa_on_terminal(&app, &t.auditor, &["performance", "tournament", "117"], 80),
            80,
            &[
                "RANK",
                "AREA",
                "GROUP",
                "IMPROVEMENT",
                "VALUE ADDED",
                "EXPLANATION",
            ],
        );

        // Provisional while Kent's agreement is in force; final once it is
        // closed, and then no explanation can be lodged.
        assert!(
            !table.r#final,
            "provisional while the agreement is in force"
        );
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let v = version(&mut kent, KENT).await;
        minister
            .agreements
            .close_agreement(pb::CloseAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .expect("Ministers close the agreement at the end of the period");
        let table = london
            .performance
            .get_tournament(pb::GetTournamentRequest {
                indicator_number: 117,
                round: String::new(),
            })
            .await
            .expect("the final table")
            .into_inner();
        assert!(table.r#final, "final once every agreement in it is closed");
        let unknown = london
            .performance
            .get_tournament(pb::GetTournamentRequest {
                indicator_number: 250,
                round: String::new(),
            })
            .await
            .expect_err("no tournament on an indicator the catalogue does not hold");
        assert_eq!(
            (unknown.code(), reason(&unknown).as_str()),
            (Code::InvalidArgument, "INDICATOR_UNKNOWN")
        );
        let v = version(&mut kent, KENT).await;
        let late = kent
            .agreements
            .lodge_explanation(pb::LodgeExplanationRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                indicator_number: 117,
                explanation: "too late".into(),
                occurred_at: None,
            })
            .await
            .expect_err("no explanation once the ranking is final");
        assert_eq!(reason(&late), "AGREEMENT_NOT_EDITABLE");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_is_rebaselined_after_sign_off_when_its_measure_changes() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;
        let r = go
            .agreements
            .propose_target(go_proposal(v, 47, on(47, 50.0, [48.0, 46.0, 44.0]), "DfT"))
            .await
            .unwrap()
            .into_inner();
        let target = r.target;
        let v = accept(&mut kent, r.agreement.unwrap().version, target).await;
        let v = sign_off(&mut go, &mut kent, &mut minister, v).await;
        let request = |v, reason: &str| pb::ProposeRebaselineRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            target,
            terms: Some(on(47, 1000.0, [960.0, 920.0, 880.0])),
            reason: reason.into(),
            rationale: "recording changed: about 50 became about 1,000".into(),
            ..Default::default()
        };
        let status = kent
            .agreements
            .propose_rebaseline(request(v, "we missed"))
            .await
            .unwrap_err();
        assert_eq!(reason(&status), "INVALID_TERMS");
        let r = kent
            .agreements
            .propose_rebaseline(request(v, "measurement_change"))
            .await
            .expect("the area proposes new terms")
            .into_inner();
        let agreement = r.agreement.unwrap();
        let offer = agreement.targets[0].open_offer.clone().unwrap();
        assert_eq!(offer.rebaseline, "measurement_change");
        accept(&mut go, agreement.version, target).await;
        let p = go
            .performance
            .get_performance(pb::GetPerformanceRequest {
                agreement: KENT.into(),
            })
            .await
            .unwrap()
            .into_inner();
        let ksi = p.targets.iter().find(|t| t.indicator_number == 47).unwrap();
        assert_eq!(ksi.baseline, Some(1000.0));
        assert_eq!(ksi.years[2].planned, Some(880.0));
    })
    .await;
}
