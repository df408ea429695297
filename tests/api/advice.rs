//! Advice on request (recommendation 4) end to end: Kent's officer asks
//! the DCSF through the CLI, the GO records the answer over gRPC, the
//! agreement shows both and the history records both; the wrong roles
//! are refused.

use laa_proto::v1 as pb;
use tonic::Code;

use crate::cli::laa;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kent_asks_the_dcsf_through_its_go_and_the_answer_is_recorded() {
    for_each_database(|app| async move {
        let mut go = app.clients(Some(&app.tokens.go)).await;
        kent_with_a_proposal(&mut go).await;
        let out = laa(
            &app,
            Some(&app.tokens.kent),
            &[
                "advice",
                "ask",
                "--agreement",
                "kent-2008-11",
                "--indicator",
                "NI 117",
                "--department",
                "dcsf",
                "--question",
                "Which interventions moved NEET figures fastest?",
                "--target",
                "17",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let asked = go
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("read")
            .into_inner();
        assert_eq!(asked.advice.len(), 1, "{asked:?}");
        let request = &asked.advice[0];
        assert_eq!(
            (
                request.request,
                request.indicator_number,
                request.department.as_str(),
                request.target
            ),
            (1, 117, "DCSF", 17)
        );
        assert!(request.answer.is_empty() && request.answered_at.is_none());

        // Only the GO records the answer; only the area asks.
        let mut kent = app.clients(Some(&app.tokens.kent)).await;
        let answer = |v: i64| pb::RecordAdviceRequest {
            agreement: KENT.into(),
            expected_version: v,
            advice: 1,
            answer: "Intensive personal advisers; see the IDeA case studies.".into(),
            ..Default::default()
        };
        let refused = kent
            .agreements
            .record_advice(answer(asked.version))
            .await
            .expect_err("an area records no answer");
        assert_eq!(refused.code(), Code::PermissionDenied);
        let answered = go
            .agreements
            .record_advice(answer(asked.version))
            .await
            .expect("the GO records the answer")
            .into_inner();
        let advice = &answered.agreement.expect("agreement").advice[0];
        assert!(!advice.answer.is_empty() && advice.answered_at.is_some());
        let again = go
            .agreements
            .record_advice(answer(asked.version + 1))
            .await
            .expect_err("answered once");
        assert_eq!(again.code(), Code::AlreadyExists);

        let kinds: Vec<String> = kent_history(&app)
            .await
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(
            kinds.ends_with(&["advice_requested".to_owned(), "advice_recorded".to_owned()]),
            "{kinds:?}"
        );
    })
    .await;
}
