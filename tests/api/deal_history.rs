//! The deal history CLG can trust (issue 11): departments as reference data,
//! and who demanded what.

use laa_proto::v1 as pb;
use tonic::Code;

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
                .propose_target(go_proposal(v, 188, pct(10.0, [12.0, 14.0, 16.0]), "DEFRA"))
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
                .propose_target(proposal(v, 15, pct(0.0, [3.5, 7.1, 10.6])))
                .await
                .expect("the partnership offers 10.6%"),
        );
        // A GO counter on the area's target must name a department.
        assert_refused(
            go.agreements
                .counter_offer(counter(v, target, pct(0.0, [4.0, 8.0, 12.0]), ""))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
        let answer = go
            .agreements
            .counter_offer(counter(v, target, pct(0.0, [4.0, 8.0, 12.0]), "ho"))
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
                .counter_offer(counter(v, target, pct(0.0, [3.5, 7.1, 11.0]), "HO"))
                .await,
            Code::InvalidArgument,
            "INVALID_TERMS",
        );
    })
    .await;
}
