//! A negotiating champion in the workspace: signed in, they see Kent's
//! agreement only once assigned, broker on a target's thread from its page,
//! and are offered no form that makes or accepts an offer; Kent's
//! negotiator sees the brokering on the same thread.

use laa_core::{Role, Scope};
use laa_proto::v1 as pb;

use crate::support::*;
use crate::workspace::{Visitor, offers, serve_workspace};

const TARGET_PAGE: &str = "/workspace/agreements/kent-2008-11/targets/1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_champion_brokers_from_a_targets_page_and_both_sides_read_it() {
    for_each_database(|app| async move {
        let (_, secret) = app
            .store
            .credentials()
            .issue_token(Role::Champion, Scope::National, "clg:alice")
            .await
            .expect("a champion's token");
        let mut go = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go).await;
        let address = serve_workspace(&app).await;
        let mut champion = Visitor::at(address);
        champion.sign_in(&secret).await;
        let unassigned = champion.get(TARGET_PAGE).await;
        assert_ne!(
            unassigned.status, 200,
            "an unassigned champion sees nothing"
        );

        let mut admin = app.clients(Some(&app.tokens.admin)).await;
        admin
            .agreements
            .assign_champion(pb::AssignChampionRequest {
                agreement: KENT.into(),
                champion: "clg:alice".into(),
                department: "CLG".into(),
                ..Default::default()
            })
            .await
            .expect("assigned");

        let page = champion.get(TARGET_PAGE).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(offers(&page.body, "CommentOnTarget"), "{}", page.body);
        assert!(
            page.body.contains(r#"name="brokering""#),
            "a champion's comment may broker: {}",
            page.body
        );
        for command in [
            "CounterOffer",
            "AcceptOffer",
            "DeclineTarget",
            "WithdrawTarget",
        ] {
            assert!(
                !offers(&page.body, command),
                "a champion offers no {command}"
            );
        }
        let text = "DCSF would take 60% if the final year waits for the 2009 data.";
        let sent = champion
            .submit_from(
                &page.body,
                "CommentOnTarget",
                &[("text", text), ("brokering", "true")],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);

        let mut kent = Visitor::at(address);
        kent.sign_in(&app.tokens.kent).await;
        let seen = kent.get(TARGET_PAGE).await;
        assert!(seen.body.contains(text), "{}", seen.body);
        assert!(
            seen.body.contains("<strong>Brokering</strong>"),
            "{}",
            seen.body
        );

        // Kent may comment, and is shown no brokering box: only a champion
        // brokers. One ticked anyway (a crafted form) is refused.
        assert!(offers(&seen.body, "CommentOnTarget"), "{}", seen.body);
        assert!(
            !seen.body.contains(r#"name="brokering""#),
            "a negotiator is offered no brokering: {}",
            seen.body
        );
        let refused = kent
            .submit_from(
                &seen.body,
                "CommentOnTarget",
                &[("text", "We could"), ("brokering", "true")],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);

        // Kent asks the DCSF; the request is in the department's inbox the
        // champion reads, open until answered.
        let mut kent_grpc = app.clients(Some(&app.tokens.kent)).await;
        let version = kent_grpc
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("read")
            .into_inner()
            .version;
        kent_grpc
            .agreements
            .request_advice(pb::RequestAdviceRequest {
                agreement: KENT.into(),
                expected_version: version,
                indicator_number: 117,
                department: "DCSF".into(),
                question: "Which interventions moved NEET figures fastest?".into(),
                ..Default::default()
            })
            .await
            .expect("Kent asks");
        let inbox = champion
            .get("/workspace/advice?department=DCSF&open=true")
            .await;
        assert_eq!(inbox.status, 200, "{}", inbox.body);
        assert!(
            inbox
                .body
                .contains("Which interventions moved NEET figures fastest?")
                && inbox.body.contains("Open"),
            "{}",
            inbox.body
        );
        let other = champion.get("/workspace/advice?department=DH").await;
        assert!(!other.body.contains("NEET figures"), "{}", other.body);
    })
    .await;
}
