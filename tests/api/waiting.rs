//! `ListAgreements` with `waiting_on_me` and `laa agreement list
//! --waiting-on-me`: each person sees the agreements in which something
//! waits on them, by the core's one rule, paged as any listing.

use laa_proto::v1 as pb;

use crate::cli::{laa, ok};
use crate::support::*;

/// Opens an area's 2008-11 agreement as `go`.
async fn open(go: &mut Clients, area: &str) {
    go.agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: format!("areas/{area}"),
            round: String::new(),
            indicator_set: 2007,
            request_id: rid(),
            expected_version: 0,
            occurred_at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("open {area}: {e}"));
}

/// One page of the agreements waiting on the holder of `clients`.
async fn page(
    clients: &mut Clients,
    status: pb::AgreementStatus,
    page_size: i32,
    page_token: String,
) -> (Vec<String>, String) {
    let listed = clients
        .agreements
        .list_agreements(pb::ListAgreementsRequest {
            status: status as i32,
            page_size,
            page_token,
            waiting_on_me: true,
            ..Default::default()
        })
        .await
        .expect("list the agreements waiting on me")
        .into_inner();
    (
        listed.agreements.into_iter().map(|a| a.name).collect(),
        listed.next_page_token,
    )
}

/// Every agreement waiting on the holder of `clients`, in one page.
async fn waiting(clients: &mut Clients) -> Vec<String> {
    let (names, next) = page(clients, pb::AgreementStatus::Unspecified, 0, String::new()).await;
    assert_eq!(next, "", "one page holds them");
    names
}

fn names(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| format!("agreements/{id}-2008-11"))
        .collect()
}

/// `laa agreement list --waiting-on-me -o json` as the holder of `token`:
/// the names listed.
fn cli_waiting(app: &TestApp, token: &str) -> Vec<String> {
    let out = ok(&laa(
        app,
        Some(token),
        &["agreement", "list", "--waiting-on-me", "-o", "json"],
    ));
    let listed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|a| a["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_lists_what_waits_on_them() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        let mut kent = app.clients(Some(&t.kent)).await;
        let mut surrey = app.clients(Some(&t.surrey)).await;
        let mut london = app.clients(Some(&t.go_london)).await;
        let mut ministers = app.clients(Some(&t.sign_off)).await;
        let mut auditor = app.clients(Some(&t.auditor)).await;

        // Kent's statutory targets are agreed (it waits on the area to
        // endorse); Medway's and Surrey's have no terms yet (they wait on
        // both sides); Barnet is London's.
        let v = open_kent(&mut go).await;
        let v = settle_statutory(&mut go, &mut kent, v).await;
        open(&mut go, "medway").await;
        open(&mut go, "surrey").await;
        open(&mut london, "barnet").await;

        assert_eq!(
            waiting(&mut go).await,
            names(&["medway", "surrey"]),
            "{}",
            app.backend
        );
        assert_eq!(waiting(&mut kent).await, names(&["kent"]));
        assert_eq!(waiting(&mut surrey).await, names(&["surrey"]));
        assert_eq!(waiting(&mut london).await, names(&["barnet"]));
        assert_eq!(waiting(&mut ministers).await, Vec::<String>::new());
        assert_eq!(waiting(&mut auditor).await, Vec::<String>::new());

        // Paged one at a time, the GO's pages skip Kent (waiting on the
        // area) and resume after the last agreement answered.
        let (first, token) =
            page(&mut go, pb::AgreementStatus::Unspecified, 1, String::new()).await;
        assert_eq!(first, names(&["medway"]));
        assert!(!token.is_empty(), "a second page");
        let (second, token) = page(&mut go, pb::AgreementStatus::Unspecified, 1, token).await;
        assert_eq!(second, names(&["surrey"]));
        assert_eq!(token, "", "Surrey is the last");

        // The CLI lists the same, in every format.
        assert_eq!(cli_waiting(&app, &t.go), names(&["medway", "surrey"]));
        assert_eq!(cli_waiting(&app, &t.kent), names(&["kent"]));
        let table = ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "list", "--waiting-on-me"],
        ));
        assert!(
            table.contains("medway-2008-11")
                && table.contains("surrey-2008-11")
                && !table.contains("kent-2008-11"),
            "{table}"
        );
        let csv = ok(&laa(
            &app,
            Some(&t.go),
            &["agreement", "list", "--waiting-on-me", "-o", "csv"],
        ));
        assert_eq!(csv.lines().count(), 3, "a header and two rows: {csv}");
        assert!(!csv.contains("kent-2008-11"), "{csv}");

        // Endorsed, Kent waits on its GO to submit it; then on Ministers.
        let v = endorse(&mut kent, v).await;
        assert_eq!(waiting(&mut go).await, names(&["kent", "medway", "surrey"]));
        assert_eq!(waiting(&mut kent).await, Vec::<String>::new());
        assert_eq!(cli_waiting(&app, &t.kent), Vec::<String>::new());
        go.agreements
            .submit_agreement(pb::SubmitAgreementRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                occurred_at: None,
            })
            .await
            .expect("submit");
        assert_eq!(waiting(&mut ministers).await, names(&["kent"]));
        assert_eq!(cli_waiting(&app, &t.sign_off), names(&["kent"]));
        assert_eq!(waiting(&mut go).await, names(&["medway", "surrey"]));

        // The other filters still apply.
        let (drafts, _) = page(&mut ministers, pb::AgreementStatus::Draft, 0, String::new()).await;
        assert_eq!(drafts, Vec::<String>::new());
        let (drafts, _) = page(&mut go, pb::AgreementStatus::Draft, 0, String::new()).await;
        assert_eq!(drafts, names(&["medway", "surrey"]));
    })
    .await;
}
