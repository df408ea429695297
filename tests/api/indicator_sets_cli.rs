//! Indicator sets and Whitehall's priorities through the `laa` command
//! line: drafting, commenting, publishing refused before the window has
//! passed, showing a set with its comments, and declaring priorities.

use laa_proto::v1 as pb;

use crate::rounds::round_2011_14;
use crate::support::*;

const KENT_2011: &str = "agreements/kent-2011-14";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sets_and_priorities_through_the_command_line() {
    use crate::cli::{fails, laa, ok};
    for_each_database(|app| async move {
        let t = &app.tokens;
        let out = ok(&laa(
            &app,
            Some(&t.admin),
            &[
                "indicator",
                "set",
                "draft",
                "2011",
                "--add",
                "201|Businesses helped to grow|Local economy|BERR|count|higher_is_better",
                "--withdraw",
                "16",
            ],
        ));
        assert!(out.contains("2011") && out.contains("draft"), "{out}");
        let err = fails(&laa(
            &app,
            Some(&t.go),
            &["indicator", "set", "draft", "2012", "--add", "201|no owner"],
        ));
        assert!(err.contains("NUMBER|TITLE|SUBJECT GROUP|OWNER"), "{err}");
        ok(&laa(
            &app,
            Some(&t.kent),
            &[
                "indicator",
                "set",
                "comment",
                "2011",
                "--text",
                "Keep NI 16",
            ],
        ));
        let err = fails(&laa(
            &app,
            Some(&t.admin),
            &["indicator", "set", "publish", "2011"],
        ));
        assert!(err.contains("CONSULTATION_OPEN"), "{err}");
        let out = ok(&laa(
            &app,
            Some(&t.auditor),
            &["indicator", "set", "show", "2011"],
        ));
        assert!(
            out.contains("kent:officer") && out.contains("Keep NI 16"),
            "{out}"
        );
        let out = ok(&laa(
            &app,
            Some(&t.kent),
            &["indicator", "show", "201", "--set", "2011"],
        ));
        assert!(out.contains("Businesses helped to grow"), "{out}");

        // Whitehall's priorities for a round that limits them.
        let mut admin = app.clients(Some(&t.admin)).await;
        admin
            .rounds
            .create_round(pb::CreateRoundRequest {
                request_id: String::new(),
                round: Some(round_2011_14()),
            })
            .await
            .expect("2011-14");
        ok(&laa(
            &app,
            Some(&t.go),
            &[
                "agreement",
                "open",
                "--area",
                "kent",
                "--round",
                "2011-14",
                "--set",
                "2008",
            ],
        ));
        let out = ok(&laa(
            &app,
            Some(&t.go),
            &[
                "agreement",
                "declare-priorities",
                "--agreement",
                "kent-2011-14",
                "--priority",
                "Young people in learning or work|DCSF, DIUS",
                "--priority",
                "Fewer people out of work|DWP",
            ],
        ));
        assert!(out.contains("priorities declared"), "{out}");
        let agreement = admin
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: KENT_2011.into(),
            })
            .await;
        let agreement = match agreement {
            Ok(a) => a.into_inner(),
            // An administrator reads no agreement: ask the GO.
            Err(_) => app
                .clients(Some(&t.go))
                .await
                .agreements
                .get_agreement(pb::GetAgreementRequest {
                    name: KENT_2011.into(),
                })
                .await
                .expect("the GO reads it")
                .into_inner(),
        };
        let declared: Vec<(&str, usize)> = agreement
            .priorities
            .iter()
            .map(|p| (p.statement.as_str(), p.departments.len()))
            .collect();
        assert_eq!(
            declared,
            [
                ("Young people in learning or work", 2),
                ("Fewer people out of work", 1)
            ]
        );
    })
    .await;
}
