//! Negotiating champions (recommendation 8) end to end: an administrator
//! assigns a CLG official to Kent's agreement through the CLI; the champion
//! reads it, brokers on a target's thread, records advice the area asked
//! for, and makes no offer; the summary shows Kent among the championed
//! areas; once the assignment ends the champion reads nothing.

use laa_core::{Role, Scope};
use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::{laa, ok};
use crate::support::*;

const CHAMPION: &str = "clg:alice";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_champion_reads_brokers_and_answers_only_where_assigned() {
    for_each_database(|app| async move {
        let (_, secret) = app
            .store
            .credentials()
            .issue_token(Role::Champion, Scope::National, CHAMPION)
            .await
            .expect("a champion's token");
        let mut go = app.clients(Some(&app.tokens.go)).await;
        let mut champion = app.clients(Some(&secret)).await;
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let v = kent_with_a_proposal(&mut go).await;

        // Unassigned, the champion reaches nothing and learns nothing.
        let get = pb::GetAgreementRequest { name: KENT.into() };
        let refused = champion.agreements.get_agreement(get.clone()).await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);
        assert!(listed(&mut champion, false).await.is_empty());
        let comment = |v: i64, brokering: bool| pb::CommentOnTargetRequest {
            agreement: KENT.into(),
            expected_version: v,
            target: 17,
            text: "Would 7% by 2011 with a deferred final year meet both sides?".into(),
            brokering,
            ..Default::default()
        };
        let refused = champion
            .agreements
            .comment_on_target(comment(v, true))
            .await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);

        // The administrator assigns; the GO cannot.
        let assign = [
            "champion",
            "assign",
            "kent-2008-11",
            "--champion",
            CHAMPION,
            "--department",
            "clg",
        ];
        let out = laa(&app, Some(&app.tokens.go), &assign);
        assert!(!out.status.success(), "a GO assigns no champion");
        ok(&laa(&app, Some(&app.tokens.admin), &assign));

        // Assigned: the champion reads the draft and lists it.
        let read = champion
            .agreements
            .get_agreement(get.clone())
            .await
            .expect("an assigned champion reads the draft")
            .into_inner();
        assert_eq!(read.champions.len(), 1);
        assert_eq!(
            (
                read.champions[0].champion.as_str(),
                read.champions[0].department.as_str()
            ),
            (CHAMPION, "CLG")
        );
        assert_eq!(
            listed(&mut champion, false).await,
            ["agreements/kent-2008-11"]
        );

        // The champion brokers through the CLI; Kent comments, but cannot broker.
        ok(&laa(
            &app,
            Some(&secret),
            &[
                "target",
                "comment",
                "kent-2008-11",
                "--indicator",
                "117",
                "--text",
                "DCSF would accept 7% if the final year waits for the 2009 data.",
                "--brokering",
            ],
        ));
        let v = read.version + 1;
        let refused = kent.agreements.comment_on_target(comment(v, true)).await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);
        let answered = kent
            .agreements
            .comment_on_target(comment(v, false))
            .await
            .expect("Kent comments")
            .into_inner()
            .agreement
            .expect("agreement");
        let thread: Vec<_> = answered
            .comments
            .iter()
            .map(|c| (c.target, c.brokering, c.author.as_ref().unwrap().role()))
            .collect();
        assert_eq!(
            thread,
            [
                (17, true, pb::Role::Champion),
                (17, false, pb::Role::AreaNegotiator)
            ]
        );

        // The champion makes and accepts no offers.
        let refused = champion
            .agreements
            .accept_offer(pb::AcceptOfferRequest {
                agreement: KENT.into(),
                expected_version: answered.version,
                target: 17,
                ..Default::default()
            })
            .await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);

        // Kent asks for advice; it waits on the champion, who records the answer.
        let asked = kent
            .agreements
            .request_advice(pb::RequestAdviceRequest {
                agreement: KENT.into(),
                expected_version: answered.version,
                indicator_number: 117,
                department: "DCSF".into(),
                question: "Which interventions moved NEET figures fastest?".into(),
                ..Default::default()
            })
            .await
            .expect("Kent asks")
            .into_inner()
            .agreement
            .expect("agreement");
        assert_eq!(
            listed(&mut champion, true).await,
            ["agreements/kent-2008-11"]
        );
        // The DCSF's inbox holds it, through gRPC and the CLI; the DH's does not.
        assert_eq!(
            inbox(&mut go, "DCSF").await,
            [("agreements/kent-2008-11".to_owned(), 1)]
        );
        assert!(inbox(&mut go, "DH").await.is_empty());
        let out = ok(&laa(
            &app,
            Some(&app.tokens.go),
            &["advice", "list", "--department", "dcsf", "--open"],
        ));
        assert!(
            out.contains("kent-2008-11") && out.contains("NI 117"),
            "{out}"
        );
        champion
            .agreements
            .record_advice(pb::RecordAdviceRequest {
                agreement: KENT.into(),
                expected_version: asked.version,
                advice: 1,
                answer: "Intensive personal advisers; see the IDeA case studies.".into(),
                ..Default::default()
            })
            .await
            .expect("the champion records the department's answer");
        assert!(listed(&mut champion, true).await.is_empty());
        assert!(inbox(&mut champion, "DCSF").await.is_empty(), "answered");

        // The summary puts Kent among the championed negotiations, and
        // counts the DCSF's request and its answer.
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let summary = auditor
            .audit
            .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
            .await
            .expect("summary")
            .into_inner();
        let champions = summary.champions.expect("the comparison");
        assert_eq!(champions.areas, ["kent"]);
        assert_eq!(champions.with_champion.unwrap().agreements, 1);
        let dcsf = &summary.by_department["DCSF"];
        assert_eq!((dcsf.advice_requests, dcsf.advice_open), (1, 0));
        assert_eq!(dcsf.median_days_to_answer, Some(0.0));

        // The assignment ends: the champion reads nothing again, and the
        // history keeps every step.
        ok(&laa(
            &app,
            Some(&app.tokens.admin),
            &[
                "champion",
                "end",
                "kent-2008-11",
                "--champion",
                CHAMPION,
                "--reason",
                "Negotiation concluded",
            ],
        ));
        let refused = champion.agreements.get_agreement(get).await;
        assert_eq!(refused.unwrap_err().code(), Code::PermissionDenied);
        let kinds: Vec<String> = kent_history(&app)
            .await
            .into_iter()
            .map(|e| e.kind)
            .collect();
        for kind in [
            "champion_assigned",
            "target_commented",
            "advice_recorded",
            "champion_assignment_ended",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
        }
    })
    .await;
}

/// The open requests for advice to `department` a caller lists: each
/// agreement's name and the request's number.
async fn inbox(clients: &mut Clients, department: &str) -> Vec<(String, i32)> {
    clients
        .agreements
        .list_advice_requests(pb::ListAdviceRequestsRequest {
            department: department.into(),
            open_only: true,
            ..Default::default()
        })
        .await
        .expect("an inbox")
        .into_inner()
        .requests
        .into_iter()
        .map(|r| (r.agreement, r.request.unwrap().request))
        .collect()
}

/// The agreements a caller lists (only those waiting on them, if asked).
async fn listed(clients: &mut Clients, waiting_on_me: bool) -> Vec<String> {
    clients
        .agreements
        .list_agreements(pb::ListAgreementsRequest {
            waiting_on_me,
            ..Default::default()
        })
        .await
        .expect("a champion lists")
        .into_inner()
        .agreements
        .into_iter()
        .map(|a| a.name)
        .collect()
}
