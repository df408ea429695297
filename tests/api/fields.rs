//! Fields that are malformed or mean nothing: refused before the store, or
//! read as the contract writes them, never recorded as sent.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_the_round_is_invalid_argument_naming_it_before_the_store() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        for round in ["\0", "2008-11\0", "2008-11\u{1b}"] {
            let refused = go
                .agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: "areas/kent".into(),
                    round: round.into(),
                    indicator_set: 2007,
                    request_id: rid(),
                    expected_version: 0,
                    occurred_at: None,
                })
                .await;
            let status = assert_refused(refused, Code::InvalidArgument, "INVALID_ARGUMENT");
            assert_eq!(bad_fields(&status), ["round"], "{} {status:?}", app.backend);
        }
        assert_eq!(app.event_count("kent-2008-11").await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trajectory_year_written_with_a_hyphen_is_recorded_as_the_contract_writes_it() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let mut terms = pct(8.0, [7.0, 6.0, 5.0]);
        if let Some(pb::terms::Kind::Values(values)) = &mut terms.kind {
            for (entry, year) in
                values
                    .trajectory
                    .iter_mut()
                    .zip(["2008-09", "2009-10", "2010/2011"])
            {
                entry.year = year.into();
            }
        }
        let answer = go
            .agreements
            .propose_target(go_proposal(v, 117, terms, "DCSF"))
            .await
            .expect("a financial year with a hyphen is read as 2008/09")
            .into_inner();
        let target = answer
            .agreement
            .expect("agreement")
            .targets
            .into_iter()
            .find(|t| t.id == answer.target)
            .expect("the target");
        let offered = target.open_offer.and_then(|o| o.terms).and_then(|t| t.kind);
        let Some(pb::terms::Kind::Values(values)) = &offered else {
            panic!("values offered: {offered:?}");
        };
        let years: Vec<&str> = values.trajectory.iter().map(|y| y.year.as_str()).collect();
        assert_eq!(years, ["2008/09", "2009/10", "2010/11"]);
        let proposed = kent_history(&app).await.pop().expect("the proposal");
        assert!(
            proposed.payload_json.contains("\"2008/09\"")
                && !proposed.payload_json.contains("2008-09"),
            "{}",
            proposed.payload_json
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priority_cited_in_a_round_without_priorities_is_refused_and_not_recorded() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go).await;
        let events_before = app.event_count("kent-2008-11").await;
        let citing = pb::ProposeTargetRequest {
            priority: 1,
            ..go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF")
        };
        let refused = go.agreements.propose_target(citing).await;
        let status = assert_refused(refused, Code::InvalidArgument, "INVALID_TERMS");
        assert_eq!(bad_fields(&status), ["priority"], "{status:?}");
        assert_eq!(app.event_count("kent-2008-11").await, events_before);
        assert!(
            kent_history(&app)
                .await
                .iter()
                .all(|e| !e.payload_json.contains("\"priority\":1")),
            "nothing records a priority"
        );
    })
    .await;
}
