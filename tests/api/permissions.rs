//! The permission matrix: every method of the descriptor set, called by
//! every role, in scope and out of scope, with the well-formed request of
//! its row (rows.rs).

use laa_proto::contract::contract;
use laa_proto::v1 as pb;
use tonic::Code;
use tonic::transport::Channel;

use crate::rows::{KENT_2008, ROWS, Who, row};
use crate::rpc;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_by_every_role_in_and_out_of_scope() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let v = open_kent(&mut go).await;
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("a proposal to act on");
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let mut auditor = app.clients(Some(&t.auditor)).await;
        // Every method of the descriptor set has a row (a method without one
        // fails here, before anything is called); the rows are called in
        // their table's order.
        for method in contract().methods() {
            row(&method.name);
        }
        for row in ROWS {
            let method = rpc::method(row.method);
            for who in Who::ALL {
                let before = app.event_count("kent-2008-11").await;
                let v = version(&mut auditor, KENT).await;
                let result = rpc::call_path(
                    channel.clone(),
                    who.token(t),
                    &method.path,
                    row.request(KENT_2008, v),
                )
                .await;
                let code = match &result {
                    Ok(_) => Code::Ok,
                    Err(status) => {
                        if status.code() == Code::PermissionDenied {
                            assert_eq!(
                                reason(status),
                                "OUT_OF_SCOPE",
                                "{} by {who:?}: {status:?}",
                                row.method
                            );
                        }
                        status.code()
                    }
                };
                let m = row.method;
                match who {
                    Who::Anonymous => assert_eq!(
                        code,
                        Code::Unauthenticated,
                        "{m} anonymously ({})",
                        app.backend
                    ),
                    _ if !row.allowed.contains(&who) => {
                        assert_eq!(
                            code,
                            Code::PermissionDenied,
                            "{m} by {who:?} ({})",
                            app.backend
                        );
                        assert_eq!(
                            app.event_count("kent-2008-11").await,
                            before,
                            "a denied {m} wrote nothing"
                        );
                    }
                    _ => assert!(
                        !matches!(
                            code,
                            Code::PermissionDenied
                                | Code::Unauthenticated
                                | Code::Internal
                                | Code::Unknown
                        ),
                        "{m} by {who:?} should be allowed, got {result:?} ({})",
                        app.backend
                    ),
                }
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_narrowed_to_the_callers_scope() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        open_kent(&mut go).await;
        let list = |token: String| {
            let app = &app;
            async move {
                app.clients(Some(&token))
                    .await
                    .agreements
                    .list_agreements(pb::ListAgreementsRequest::default())
                    .await
                    .map(|r| r.into_inner().agreements.len())
            }
        };
        assert_eq!(list(t.go.clone()).await.unwrap(), 1);
        assert_eq!(list(t.kent.clone()).await.unwrap(), 1);
        assert_eq!(list(t.auditor.clone()).await.unwrap(), 1);
        assert_eq!(
            list(t.go_london.clone()).await.unwrap(),
            0,
            "London's GO sees none of the South East"
        );
        assert_eq!(
            list(t.surrey.clone()).await.unwrap(),
            0,
            "Surrey sees none of Kent's"
        );
        // Asking for another region explicitly is refused, not silently emptied.
        let status = app
            .clients(Some(&t.go_london))
            .await
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                region: pb::Region::SouthEast as i32,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_is_checked_before_existence() {
    for_each_database(|app| async move {
        // Surrey asks about Kent's agreement, which does not exist yet: the
        // answer must not differ from the one it gets once it does.
        let mut surrey = app.clients(Some(&app.tokens.surrey)).await;
        let before = surrey
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap_err();
        assert_eq!(before.code(), Code::PermissionDenied);
        open_kent(&mut app.clients(Some(&app.tokens.go)).await).await;
        let after = surrey
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .unwrap_err();
        assert_eq!(after.code(), Code::PermissionDenied);
        // Kent itself is told its missing agreement is not found.
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let missing = kent
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: "agreements/kent-2011-14".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        assert_eq!(reason(&missing), "NOT_FOUND");
    })
    .await;
}
