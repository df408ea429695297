//! Existence does not leak: a principal outside an agreement's scope gets
//! the same answer, byte for byte (code, message, `ErrorInfo` reason and
//! metadata), whether the agreement exists, was never opened, is of
//! another round, or names an area that does not exist. Tested as a matrix:
//! every method of the descriptor set whose request (its row in rows.rs)
//! names an agreement, by every principal outside Kent's agreement, on each
//! of the four.

use std::collections::BTreeMap;

use laa_proto::contract::contract;
use tonic::Code;
use tonic::transport::Channel;

use crate::rows::{ROWS, Target, Who, row};
use crate::rpc;
use crate::support::*;

/// The four agreements a principal outside their scope must not tell apart.
const CASES: [(&str, Target); 4] = [
    (
        "exists",
        Target {
            area: "kent",
            round: "2008-11",
        },
    ),
    (
        "not opened",
        Target {
            area: "hampshire",
            round: "2008-11",
        },
    ),
    (
        "other round",
        Target {
            area: "kent",
            round: "2011-14",
        },
    ),
    (
        "unknown area",
        Target {
            area: "atlantis",
            round: "2008-11",
        },
    ),
];

/// Who is outside Kent's agreement for a method, by its row: London's GO
/// and Surrey's officer always (another region, another area), and every
/// national principal whose role may not call it.
fn outsiders(allowed: &[Who]) -> Vec<Who> {
    let mut who = vec![Who::GoLondon, Who::Surrey];
    for national in [Who::Auditor, Who::SignOff, Who::Admin] {
        if !allowed.contains(&national) {
            who.push(national);
        }
    }
    who
}

/// One answer, as the bytes a client can compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    code: Code,
    message: String,
    details: Vec<u8>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_its_scope_an_agreement_that_exists_looks_like_one_that_does_not() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let mut go = app.clients(Some(&t.go)).await;
        kent_with_a_proposal(&mut go).await;
        let v = version(&mut go, KENT).await;
        let events_before = app.event_count("kent-2008-11").await;
        let channel = Channel::from_shared(app.url())
            .expect("url")
            .connect()
            .await
            .expect("connect");

        // Every method of the descriptor set whose request names an
        // agreement, by its row (a method without one fails here).
        let mut cells = Vec::new();
        for method in contract().methods() {
            let row = row(&method.name);
            if !row.names_an_agreement() {
                continue;
            }
            for who in outsiders(row.allowed) {
                for (case, target) in CASES {
                    if row.names_a_round() && case == "other round" {
                        // A round the server does not know is a malformed
                        // request (INVALID_ARGUMENT) before anything is looked up.
                        continue;
                    }
                    cells.push((row, method, who, case, target));
                }
            }
        }
        let mut answers: BTreeMap<(&str, Who), Vec<(&str, Answer)>> = BTreeMap::new();
        for chunk in cells.chunks(48) {
            let mut set = tokio::task::JoinSet::new();
            for &(row, method, who, case, target) in chunk {
                let channel = channel.clone();
                let token = who.token(t).map(str::to_owned);
                let bytes = row.request(target, v);
                set.spawn(async move {
                    let status = rpc::call_path(channel, token.as_deref(), &method.path, bytes)
                        .await
                        .expect_err(&format!("{} by {who:?} on {case}", row.method));
                    let answer = Answer {
                        code: status.code(),
                        message: status.message().to_owned(),
                        details: status.details().to_vec(),
                    };
                    (row.method, who, case, answer, status)
                });
            }
            while let Some(joined) = set.join_next().await {
                let (method, who, case, answer, status) = joined.expect("a call");
                if case == "exists" {
                    assert_eq!(
                        status.code(),
                        Code::PermissionDenied,
                        "{method} by {who:?} on {case} ({}): {status:?}",
                        app.backend
                    );
                    assert_eq!(reason(&status), "OUT_OF_SCOPE", "{method} by {who:?}");
                }
                answers
                    .entry((method, who))
                    .or_default()
                    .push((case, answer));
            }
        }
        let mut checked = 0;
        for ((method, who), mut row) in answers {
            row.sort_by_key(|(case, _)| CASES.iter().position(|(c, _)| c == case));
            let (first_case, first) = &row[0];
            assert_eq!(*first_case, "exists", "{method} by {who:?}");
            for (case, answer) in &row[1..] {
                assert_eq!(
                    answer, first,
                    "{method} by {who:?}: {case} differs from {first_case} ({})",
                    app.backend
                );
                checked += 1;
            }
        }
        assert!(checked >= 200, "{checked} cells compared");
        assert_eq!(app.event_count("kent-2008-11").await, events_before);
        // Every row that names an agreement was in the matrix.
        let named = ROWS.iter().filter(|r| r.names_an_agreement()).count();
        assert!(named >= 27, "{named} methods name an agreement");
    })
    .await;
}
