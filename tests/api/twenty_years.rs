//! The rounds after 2008-11 (`laa demo national-round --rounds`, the load
//! `laa bench --rounds` measures twenty years with) on both databases,
//! through a server of record: each round created by an administrator as
//! 2008-11's calendar moved on three years, negotiated, refreshed twice,
//! delivered, and closed by Ministers as the next gets under way, every
//! history intact.

use std::process::Command;

use laa_proto::v1 as pb;

use crate::cli::ok;
use crate::plain_http::get;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_rounds_follow_the_first_and_close_it() {
    for_each_database(|app| async move {
        let out = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["demo", "national-round", "--server", &app.url()])
            .args([
                "--areas", "2", "--rounds", "3", "--seed", "5", "--output", "json",
            ])
            .env("LAA_DATABASE_URL", &app.database_url)
            .output()
            .expect("run the demo");
        let report: serde_json::Value = serde_json::from_str(&ok(&out)).expect("JSON");
        let rounds: Vec<&str> = report["rounds"]
            .as_array()
            .expect("a line a round")
            .iter()
            .map(|r| r["round"].as_str().expect("its name"))
            .collect();
        assert_eq!(rounds, ["2008-11", "2011-14", "2014-17"]);
        let closed: Vec<u64> = report["rounds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["closed_before"].as_u64().expect("a count"))
            .collect();
        assert_eq!(closed, [0, 2, 2], "each round closes the one before");
        let sum: u64 = report["rounds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                ["commands", "delivery_commands", "closed_before"]
                    .iter()
                    .map(|k| r[*k].as_u64().expect("a count"))
                    .sum::<u64>()
            })
            .sum();
        assert_eq!(report["all_commands"].as_u64(), Some(sum));

        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let round = auditor
            .rounds
            .get_round(pb::GetRoundRequest {
                name: "2011-14".into(),
            })
            .await
            .expect("the second round was created")
            .into_inner();
        assert_eq!(round.years, ["2011/12", "2012/13", "2013/14"]);
        let refreshes: Vec<(&str, &str)> = round
            .refreshes
            .iter()
            .map(|r| (r.refresh.as_str(), r.deadline.as_str()))
            .collect();
        assert_eq!(refreshes, [("2012", "2011-12-01"), ("2013", "2012-12-01")]);
        assert_eq!(round.late_demand_cutoff, "2011-03-01");

        let listed = auditor
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                page_size: 200,
                ..Default::default()
            })
            .await
            .expect("listed")
            .into_inner()
            .agreements;
        assert_eq!(listed.len(), 6, "two areas, three rounds");
        for a in &listed {
            let expected = if a.name.ends_with("2014-17") {
                pb::AgreementStatus::Refreshed
            } else {
                pb::AgreementStatus::Closed
            };
            assert_eq!(a.status, expected as i32, "{}", a.name);
            let v = auditor
                .audit
                .verify_history(pb::VerifyHistoryRequest {
                    agreement: a.name.clone(),
                })
                .await
                .expect("verified")
                .into_inner();
            assert!(v.ok && v.length == a.version, "{}", a.name);
        }
        // The later rounds refresh twice: 2012 and 2013 both revisited.
        let summary = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
            .await
            .expect("the summary")
            .into_inner();
        for refresh in ["2009", "2012", "2013", "2015", "2016"] {
            assert!(
                summary.refreshes.contains_key(refresh),
                "refresh {refresh} held: {:?}",
                summary.refreshes.keys()
            );
        }
        assert_eq!(summary.agreements, 6);

        // One round's summary and performance are its agreements' alone,
        // by its bare name or its resource name.
        for (round, refreshes) in [
            ("2008-11", vec!["2009", "2010"]),
            ("rounds/2011-14", vec!["2012", "2013"]),
        ] {
            let one = auditor
                .audit
                .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                    round: round.into(),
                    ..Default::default()
                })
                .await
                .expect("one round's summary")
                .into_inner();
            assert_eq!(one.agreements, 2, "{round}");
            let held: Vec<&str> = one.refreshes.keys().map(String::as_str).collect();
            assert!(
                held.iter().all(|r| refreshes.contains(r)),
                "{round}: {held:?}"
            );
        }
        let mut per_round = 0;
        for round in ["2008-11", "2011-14", "2014-17"] {
            let rows = auditor
                .performance
                .list_performance(pb::ListPerformanceRequest {
                    round: round.into(),
                    page_size: 1_000,
                    ..Default::default()
                })
                .await
                .expect("one round's performance")
                .into_inner()
                .targets;
            assert!(!rows.is_empty(), "{round}");
            assert!(
                rows.iter().all(|t| t.agreement.ends_with(round)),
                "{round}: only its agreements"
            );
            per_round += rows.len();
        }
        let every = auditor
            .performance
            .list_performance(pb::ListPerformanceRequest {
                page_size: 1_000,
                ..Default::default()
            })
            .await
            .expect("every round's performance")
            .into_inner()
            .targets;
        assert_eq!(every.len(), per_round, "the rounds' rows are every row");
        // A round no agreement belongs to: nothing; a name no round can
        // have: refused.
        let none = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                round: "2032-35".into(),
                ..Default::default()
            })
            .await
            .expect("an empty summary")
            .into_inner();
        assert_eq!(none.agreements, 0);
        let refused = auditor
            .performance
            .list_performance(pb::ListPerformanceRequest {
                round: "Not a round".into(),
                ..Default::default()
            })
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), tonic::Code::InvalidArgument);

        // Citizens see the latest round's England, each round's targets
        // counted on their own, and the earlier rounds a link away.
        let pages = crate::web::serve_pages(&app).await;
        let england = get(pages, "/", &[]).await;
        assert_eq!(england.status, 200);
        assert!(
            england
                .body
                .contains("2 of 150 areas have a signed-off agreement for 2014 to 2017"),
            "{}",
            england.body
        );
        for earlier in ["2008-11", "2011-14"] {
            assert!(
                england
                    .body
                    .contains(&format!("href=\"/rounds/{earlier}\"")),
                "a link to {earlier}"
            );
        }
        let first = get(pages, "/rounds/2008-11", &[]).await;
        assert_eq!(first.status, 200);
        assert!(
            first
                .body
                .contains("2 of 150 areas have a signed-off agreement for 2008 to 2011"),
            "{}",
            first.body
        );
        // An area's page: its latest agreement, the earlier ones a link each.
        let area = listed[0]
            .name
            .trim_start_matches("agreements/")
            .rsplitn(3, '-')
            .nth(2)
            .expect("an area's code")
            .to_owned();
        let page = get(pages, &format!("/areas/{area}"), &[]).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Agreement 2014-17"), "{}", page.body);
        assert!(
            page.body
                .contains(&format!("href=\"/areas/{area}/rounds/2008-11\"")),
            "{}",
            page.body
        );
        let earlier = get(pages, &format!("/areas/{area}/rounds/2008-11"), &[]).await;
        assert_eq!(earlier.status, 200);
        assert!(earlier.body.contains("Agreement 2008-11"));
        assert!(!earlier.body.contains("<h2>Agreement 2014-17"));
        // An earlier round's records are made from their histories the
        // first time one of its pages is asked for (`first`, above), and
        // kept packed: once another earlier round has been asked for (only
        // the last is kept whole), the page made again from the packed
        // records (these pages keep no rendering between requests) is the
        // same.
        assert_eq!(get(pages, "/rounds/2011-14", &[]).await.status, 200);
        let from_packed = get(pages, "/rounds/2008-11", &[]).await;
        assert_eq!(from_packed.body, first.body);
        // An indicator's page: the latest round's areas and rankings, the
        // earlier rounds' a link away (NI 73 is statutory: every agreement
        // carries it).
        let indicator = get(pages, "/indicators/73", &[]).await;
        assert_eq!(indicator.status, 200);
        assert!(
            indicator
                .body
                .contains("Signed-off agreements carrying it in 2014-17"),
            "{}",
            indicator.body
        );
        assert!(
            indicator
                .body
                .contains("href=\"/indicators/73/rounds/2008-11\""),
            "{}",
            indicator.body
        );
        assert!(
            indicator
                .body
                .contains(&format!("href=\"/areas/{area}#target-")),
            "the areas carrying it link to their latest agreement"
        );
        let earlier = get(pages, "/indicators/73/rounds/2008-11", &[]).await;
        assert_eq!(earlier.status, 200);
        assert!(
            earlier
                .body
                .contains("Signed-off agreements carrying it in 2008-11")
        );
        assert!(
            earlier
                .body
                .contains(&format!("href=\"/areas/{area}/rounds/2008-11#target-")),
            "an earlier round's areas link to that round's agreement"
        );
        // The open data: the latest round's, and each round's apart.
        for (path, round) in [
            ("/data/targets.csv", "2014-17"),
            ("/data/rounds/2008-11/targets.csv", "2008-11"),
        ] {
            let file = get(pages, path, &[]).await;
            assert_eq!(file.status, 200, "{path}");
            let rows: Vec<&str> = file.body.lines().skip(1).collect();
            assert!(!rows.is_empty(), "{path}");
            assert!(
                rows.iter()
                    .all(|row| row.split(',').next().is_some_and(|a| a.ends_with(round))),
                "{path}: only {round}'s agreements"
            );
        }
        assert_eq!(
            get(pages, "/data/rounds/2032-35/targets.csv", &[])
                .await
                .status,
            404
        );
        // The pages with rounds to go between, in a real browser: axe finds
        // nothing, nothing scrolls sideways, every stop is reachable by Tab.
        let mut browser = laa_browser_test::Browser::new(360).await;
        let area_page = format!("/areas/{area}");
        for width in [360, 1280] {
            browser.set_width(width).await;
            for path in [
                "/",
                "/rounds/2008-11",
                area_page.as_str(),
                "/indicators/73/rounds/2008-11",
            ] {
                let name = format!("{path} with three rounds");
                browser.goto(&format!("http://{pages}{path}")).await;
                browser.assert_accessible(&name).await;
                let (page_width, _) = browser.page_size().await;
                assert_eq!(page_width, width, "{name} scrolls sideways at {width} px");
                browser.assert_keyboard_reachable(&name).await;
            }
        }
        let no_such_agreement = format!("/areas/{area}/rounds/2032-35");
        for missing in [
            "/rounds/2032-35",
            "/indicators/73/rounds/2032-35",
            "/indicators/999/rounds/2008-11",
            "/rounds/Not%20a%20round",
            no_such_agreement.as_str(),
        ] {
            assert_eq!(get(pages, missing, &[]).await.status, 404, "{missing}");
        }
    })
    .await;
}
