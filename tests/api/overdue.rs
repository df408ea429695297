//! Refreshes overdue in the negotiation summary: counted per agreement, by
//! the refresh that is overdue, nationally and per Government Office region.

use laa_proto::v1 as pb;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_reports_overdue_refreshes_per_region() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut minister = app.clients(Some(&t.sign_off)).await;
        // Kent (South East) is signed off: its 2009 refresh was due by
        // 1 December 2008, long past.
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;
        crate::negotiation::sign_off(&mut go, &mut kent, &mut minister, v).await;
        // Camden (London) never got past its draft: its 2009 refresh is overdue too.
        app.clients(Some(&t.go_london))
            .await
            .agreements
            .open_agreement(pb::OpenAgreementRequest {
                area: "areas/camden".into(),
                round: "2008-11".into(),
                indicator_set: 2008,
                request_id: rid(),
                ..Default::default()
            })
            .await
            .expect("open Camden");
        let mut auditor = app.clients(Some(&t.auditor)).await;
        let national = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
            .await
            .expect("the national summary")
            .into_inner();
        assert_eq!(national.agreements_overdue, 2);
        assert_eq!(national.refreshes_overdue.get("2009"), Some(&2));
        // A proto map: no order on the wire.
        let per_region: std::collections::BTreeMap<&str, i64> = national
            .by_region
            .iter()
            .map(|(r, s)| (r.as_str(), s.agreements_overdue))
            .collect();
        assert_eq!(
            per_region.into_iter().collect::<Vec<_>>(),
            [("gol", 1), ("gose", 1)]
        );
        let one = kent
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                agreement: KENT.into(),
                region: 0,
                round: String::new(),
            })
            .await
            .expect("Kent's summary")
            .into_inner();
        assert_eq!(one.agreements_overdue, 1);
        // The GO of the South East sees its region only.
        let south_east = go
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
            .await
            .expect("the South East's summary")
            .into_inner();
        assert_eq!(south_east.agreements_overdue, 1);
        let printed = crate::cli::ok(&crate::cli::laa(&app, Some(&t.auditor), &["summary"]));
        assert!(
            printed.contains("refreshes overdue today") && printed.contains("2 (2009: 2)"),
            "{printed}"
        );
        assert!(printed.contains("OVERDUE"), "{printed}");
    })
    .await;
}
