//! The workspace in a real browser (Debian's headless Chromium over
//! WebDriver), on both databases: Kent's GO negotiator, Kent's officer and
//! a Minister's office take Kent's agreement to sign-off through the forms,
//! one offer and its acceptance by the keyboard alone, thirteen offers from
//! a spreadsheet (refused whole for one bad row, then corrected); a refused 36th
//! designated target is shown as an error summary; two browsers meet a
//! version conflict; the public page shows the result. Every page kind is
//! checked by axe-core (WCAG 2.0/2.1 A and AA) at 360 and 1280 px and
//! saved as a screenshot under `target/tmp/workspace-screenshots/`.
//!
//! The 35 designated targets the refusal needs are proposed and accepted
//! over gRPC before the walk (35 forms would only repeat the statutory
//! ones); everything the walk does is done through the pages.

use std::path::PathBuf;

use laa_browser_test::{Browser, Key};
use laa_proto::v1 as pb;

use crate::support::*;
use crate::workspace::{designatable, serve_workspace};

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workspace-screenshots")
}

/// Checks a page kind at both widths: no axe violation, a screenshot each.
async fn check_page(browser: &mut Browser, backend: &str, kind: &str) {
    for width in [360, 1280] {
        browser.set_width(width).await;
        browser
            .assert_accessible(&format!("{kind} at {width} px"))
            .await;
        browser
            .screenshot(&screenshot_dir(), &format!("{backend}-{kind}"))
            .await;
    }
}

/// Proposes 35 designated targets for Kent (GO) and accepts them (Kent),
/// over gRPC; the version after.
async fn thirty_five_designated(app: &TestApp, mut v: i64) -> (i64, i32) {
    let mut go = app.clients(Some(&app.tokens.go)).await;
    let mut kent = app.clients(Some(&app.tokens.kent)).await;
    let numbers = designatable(app, 36);
    for (i, n) in numbers[..35].iter().enumerate() {
        v = go
            .agreements
            .propose_target(go_proposal(v, *n, fitting(*n), "CLG"))
            .await
            .expect("propose")
            .into_inner()
            .agreement
            .expect("agreement")
            .version;
        v = accept(&mut kent, v, 17 + i as u32).await;
    }
    (v, numbers[35])
}

async fn offer_terms(browser: &Browser, base: &str, target: u32) {
    browser
        .goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/{target}"
        ))
        .await;
    fill_terms(browser).await;
    browser.click_button("Send offer").await;
}

async fn fill_terms(browser: &Browser) {
    for (label, value) in [
        ("Baseline", "60"),
        ("Baseline period", "2007"),
        ("Value for 2008/09", "60"),
        ("Value for 2009/10", "60"),
        ("Value for 2010/11", "60"),
        ("Unit", "percent"),
        ("Rationale", "The DCSF floor, from the 2007 results"),
    ] {
        browser.fill(label, value).await;
    }
}

/// Presses Tab until the focused element's id is `id` (at most 200 times).
async fn tab_to(browser: &Browser, id: &str) {
    for _ in 0..200 {
        browser.press(Key::Tab).await;
        if let Some(focused) = browser.focused().await
            && focused.attribute("id").await.as_deref() == Some(id)
        {
            return;
        }
    }
    panic!("the keyboard never reached #{id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_negotiate_kents_agreement_in_chromium() {
    for_each_database(|app| async move {
        let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
        let v = open_kent(&mut go_grpc).await;
        let (_, thirty_sixth) = thirty_five_designated(&app, v).await;
        let address = serve_workspace(&app).await;
        let base = format!("http://{address}");
        let backend = app.backend;

        // The GO negotiator signs in by pasting the token.
        let mut go = Browser::new(1280).await;
        go.goto(&format!("{base}/workspace/sign-in")).await;
        check_page(&mut go, backend, "sign-in").await;
        go.fill("Access token", &app.tokens.go).await;
        go.click_button("Sign in").await;
        let cookie = go
            .cookies()
            .await
            .into_iter()
            .find(|c| c.name == "laa-session")
            .expect("a session cookie");
        assert!(cookie.http_only, "{cookie:?}");
        assert_eq!(go.text("h1").await, "Waiting on you");
        check_page(&mut go, backend, "inbox").await;

        let mut kent = Browser::new(1280).await;
        kent.goto(&format!("{base}/workspace/sign-in")).await;
        kent.fill("Access token", &app.tokens.kent).await;
        kent.click_button("Sign in").await;

        // The first statutory target by the keyboard alone: the GO tabs to
        // each field and types; Kent tabs to the button and presses Enter.
        go.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/1"
        ))
        .await;
        for (id, value) in [
            ("baseline", "60"),
            ("baseline_period", "2007"),
            ("year-2008-09", "60"),
            ("year-2009-10", "60"),
            ("year-2010-11", "60"),
            ("rationale", "Agreed floor"),
        ] {
            tab_to(&go, id).await;
            go.focused().await.expect("focused").send_keys(value).await;
        }
        tab_to(&go, "submit-CounterOffer").await;
        go.expecting_new_page("Enter on the offer", go.press(Key::Enter))
            .await;
        assert!(
            go.source().await.contains("Success"),
            "the offer is recorded"
        );
        kent.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/1"
        ))
        .await;
        check_page(&mut kent, backend, "target-with-offer").await;
        tab_to(&kent, "submit-AcceptOffer").await;
        kent.expecting_new_page("Enter on accept", kent.press(Key::Enter))
            .await;
        assert!(kent.source().await.contains("Success"));

        // A version conflict between two browsers: the GO's form for
        // target 3 is drawn, then Kent makes the first offer on it.
        go.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/3"
        ))
        .await;
        fill_terms(&go).await;
        offer_terms(&kent, &base, 3).await;
        assert!(kent.source().await.contains("Success"));
        go.click_button("Send offer").await;
        let page = go.source().await;
        assert!(page.contains("changed while you were working"), "{page}");
        assert!(page.contains("offer made by kent:officer"), "{page}");
        check_page(&mut go, backend, "conflict").await;
        go.click_button("Send counter-offer").await;
        assert!(
            go.source().await.contains("Success"),
            "sent again, recorded"
        );

        // A change to another target is no conflict: the GO's form for
        // target 2 is drawn, then Kent accepts target 3.
        go.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/2"
        ))
        .await;
        fill_terms(&go).await;
        kent.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/3"
        ))
        .await;
        kent.click_button("Accept these terms").await;
        go.click_button("Send offer").await;
        assert!(
            go.source().await.contains("Success"),
            "recorded without a conflict"
        );
        kent.goto(&format!(
            "{base}/workspace/agreements/kent-2008-11/targets/2"
        ))
        .await;
        kent.click_button("Accept these terms").await;

        // The other thirteen statutory targets from a spreadsheet: one row
        // with a unit that is not its indicator's refuses the whole, then
        // the corrected sheet is applied at once.
        let folder = tempfile::tempdir().expect("a folder for the sheets");
        let sheet = |unit: &str| {
            let mut csv = String::from(
                "indicator,unit,baseline,baseline period,2008/09,2009/10,2010/11,rationale\n",
            );
            for (i, n) in laa_core::policy::STATUTORY_2008[3..].iter().enumerate() {
                let unit = if i == 2 { unit } else { "percent" };
                csv.push_str(&format!("NI {n},{unit},60,2007,60,60,60,The DCSF floor\n"));
            }
            let path = folder.path().join(format!("statutory-{unit}.csv"));
            std::fs::write(&path, csv).expect("write the sheet");
            path
        };
        go.goto(&format!("{base}/workspace/agreements/kent-2008-11"))
            .await;
        let upload = go.field("Spreadsheet").await;
        upload
            .send_keys(&sheet("count").display().to_string())
            .await;
        go.click_button("Check the spreadsheet").await;
        let summary = go.text(".error-summary").await;
        assert!(summary.contains("Row 4"), "{summary}");
        assert!(
            go.try_find("#form-ApplyImport").await.is_none(),
            "nothing can be applied"
        );
        check_page(&mut go, backend, "sheet-refused").await;
        let upload = go.field("Spreadsheet").await;
        upload
            .send_keys(&sheet("percent").display().to_string())
            .await;
        go.click_button("Check the spreadsheet").await;
        check_page(&mut go, backend, "sheet-checked").await;
        go.click_button("Apply all 13 rows").await;
        assert!(
            go.source().await.contains("Success"),
            "the sheet is applied"
        );
        for target in 4..=16 {
            kent.goto(&format!(
                "{base}/workspace/agreements/kent-2008-11/targets/{target}"
            ))
            .await;
            kent.click_button("Accept these terms").await;
        }
        check_page(&mut kent, backend, "target-agreed").await;

        // The 36th designated target is refused with an error summary
        // linked to the indicator's field.
        go.goto(&format!("{base}/workspace/agreements/kent-2008-11"))
            .await;
        check_page(&mut go, backend, "agreement").await;
        go.fill("National Indicator", &format!("NI {thirty_sixth}"))
            .await;
        go.fill("Baseline", "50").await;
        go.fill("Baseline period", "2007").await;
        go.fill("Value for 2008/09", "52").await;
        go.fill("Value for 2009/10", "54").await;
        go.fill("Value for 2010/11", "56").await;
        go.fill("Rationale", "One more").await;
        go.click_button("Propose target").await;
        let summary = go.text(".error-summary").await;
        assert!(
            summary.contains("There is a problem") && summary.contains("35"),
            "{summary}"
        );
        let link = go.find(".error-summary-list a").await;
        assert_eq!(
            link.attribute("href")
                .await
                .as_deref()
                .map(|h| h.ends_with("#indicator_number")),
            Some(true)
        );
        check_page(&mut go, backend, "error-summary").await;

        // Kent endorses, the GO submits.
        kent.goto(&format!("{base}/workspace/agreements/kent-2008-11"))
            .await;
        kent.click_link("Check the terms before you endorse them")
            .await;
        kent.click_button("Endorse these terms").await;
        go.goto(&format!("{base}/workspace")).await;
        assert!(
            go.source()
                .await
                .contains("Submit the agreement to Ministers")
        );
        // The inbox leads straight to the check page.
        go.click_link("Submit the agreement to Ministers").await;
        assert_eq!(
            go.text("h1").await,
            "Check the agreement before you submit it to Ministers"
        );
        go.click_button("Submit for sign-off").await;

        // The Minister's office signs in with a one-time link and signs off.
        let (token, _) = app
            .store
            .credentials()
            .issue_token(
                laa_core::Role::SignOff,
                laa_core::Scope::National,
                "clg:private-office",
            )
            .await
            .expect("a sign-off token");
        let code = app
            .store
            .sessions()
            .issue_sign_in_link(&token, std::time::Duration::from_secs(600))
            .await
            .expect("a link");
        let mut minister = Browser::new(1280).await;
        minister
            .goto(&format!("{base}/workspace/sign-in/link/{code}"))
            .await;
        minister.click_button("Continue").await;
        assert_eq!(minister.text("h1").await, "Waiting on you");
        minister
            .click_link("Sign off or return the agreement")
            .await;
        minister
            .click_link("Check the agreement before you sign it off")
            .await;
        check_page(&mut minister, backend, "sign-off-check").await;
        minister.click_button("Sign off").await;
        assert!(minister.source().await.contains("Success"));

        // The other page kinds, for the accessibility check and the record.
        for (path, kind) in [
            ("/workspace/agreements", "agreements"),
            ("/workspace/indicator-sets", "indicator-sets"),
            ("/workspace/rounds", "rounds"),
            ("/workspace/areas", "areas"),
            ("/workspace/advice?department=DCSF&open=true", "advice"),
            (
                "/workspace/agreements/kent-2008-11/targets/17",
                "target-thread",
            ),
        ] {
            minister.goto(&format!("{base}{path}")).await;
            check_page(&mut minister, backend, kind).await;
        }

        // The citizens' page shows the result.
        minister.goto(&format!("{base}/areas/kent")).await;
        assert_eq!(minister.text("h1").await, "Kent");
        let agreed = go_grpc
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("read")
            .into_inner();
        assert_eq!(agreed.status, pb::AgreementStatus::Agreed as i32);
    })
    .await;
}
