//! Rule 9 at the database: version conflicts, racing writers, retried
//! requests, and a writer killed inside its transaction.

use std::sync::Arc;
use std::time::Duration;

use laa_core::AgreementId;
use laa_store::{BeforeCommit, StoreError, StoreOptions};
use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::{Barrier, Notify};

use crate::support::{
    Negotiation, TestDb, for_each_database, go, go_propose, kill_child_when_ready, rid, values,
};

/// The sequences stored for an agreement, in order, read with raw SQL.
async fn stored_sequences(db: &TestDb, id: &AgreementId) -> Vec<i64> {
    let conn = db.store.connection();
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            format!(
                "SELECT sequence FROM events WHERE agreement_id = '{id}' ORDER BY sequence, id"
            ),
        ))
        .await
        .expect("read sequences");
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("a sequence"))
        .collect()
}

async fn count(db: &TestDb, table: &str, id: &AgreementId) -> i64 {
    let conn = db.store.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table} WHERE agreement_id = '{id}'"),
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_expected_version_is_refused_and_writes_nothing() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let err = db
            .store
            .append(&n.id, 0, &rid("stale"), &events)
            .await
            .expect_err("version 0 is stale");
        assert!(
            matches!(
                err,
                StoreError::VersionConflict {
                    expected: 0,
                    actual: 1
                }
            ),
            "{}: {err}",
            db.name()
        );
        assert_eq!(err.reason().map(|r| r.as_str()), Some("VERSION_CONFLICT"));
        assert_eq!(stored_sequences(&db, &n.id).await, [1]);
        assert_eq!(
            db.store.find_outcome(&n.id, &rid("stale")).await.unwrap(),
            None
        );
        assert_eq!(db.store.current_version(&n.id).await.unwrap(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_racing_writers_one_wins_the_rest_conflict_and_the_log_has_no_gap() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let version = n.state.version;
        let barrier = Arc::new(Barrier::new(16));
        let mut tasks = Vec::new();
        for writer in 0..16u16 {
            // Each writer proposes a different indicator, decided against
            // the same state: all of them are valid on their own.
            let events = n.decide(&go(), go_propose(1 + writer, values(60, 61, 62, 63)));
            let store = db.store.clone();
            let id = n.id.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store
                    .append(&id, version, &rid(format!("writer-{writer}")), &events)
                    .await
            }));
        }
        let mut won = 0;
        let mut conflicts = 0;
        for task in tasks {
            match task.await.expect("the writer task") {
                Ok(outcome) => {
                    assert!(!outcome.replayed);
                    assert_eq!((outcome.first_sequence, outcome.version), (2, 2));
                    won += 1;
                }
                Err(StoreError::VersionConflict { expected, actual }) => {
                    assert_eq!((expected, actual), (1, 2), "{}", db.name());
                    conflicts += 1;
                }
                Err(other) => panic!("{}: a writer failed otherwise: {other}", db.name()),
            }
        }
        assert_eq!((won, conflicts), (1, 15), "{}", db.name());
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2], "{}", db.name());
        assert_eq!(count(&db, "requests", &n.id).await, 2);
        let verification = db.store.verify(&n.id).await.unwrap();
        assert!(verification.ok, "{}: {verification:?}", db.name());
        let loaded = db.store.load(&n.id).await.unwrap().expect("the agreement");
        assert_eq!(loaded.version, 2);
        assert_eq!(loaded.live_targets().count(), 17);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_on_different_agreements_all_commit() {
    for_each_database(|db| async move {
        let barrier = Arc::new(Barrier::new(16));
        let mut tasks = Vec::new();
        for writer in 0..16 {
            let store = db.store.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = Negotiation::new(&store, &format!("area-{writer}"));
                barrier.wait().await;
                n.open_with_events(6).await;
                n.id
            }));
        }
        for task in tasks {
            let id = task.await.expect("a writer");
            assert_eq!(stored_sequences(&db, &id).await, [1, 2, 3, 4, 5, 6]);
            assert!(db.store.verify(&id).await.unwrap().ok);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_request_returns_the_first_outcome_and_appends_nothing() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let first = db
            .store
            .append(&n.id, 1, &rid("retry-me"), &events)
            .await
            .unwrap();
        assert_eq!(
            (
                first.first_sequence,
                first.last_sequence,
                first.version,
                first.replayed
            ),
            (2, 2, 2, false)
        );
        // The same request again, as a client retrying after a lost reply:
        // at the version it saw then, now stale, and at the current one.
        for expected in [1, 2] {
            let again = db
                .store
                .append(&n.id, expected, &rid("retry-me"), &events)
                .await
                .unwrap();
            assert_eq!(
                (
                    again.first_sequence,
                    again.last_sequence,
                    again.version,
                    again.replayed
                ),
                (2, 2, 2, true),
                "{}",
                db.name()
            );
        }
        assert_eq!(
            db.store
                .find_outcome(&n.id, &rid("retry-me"))
                .await
                .unwrap(),
            Some(laa_store::AppendOutcome {
                replayed: true,
                ..first
            })
        );
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2]);
        assert_eq!(count(&db, "requests", &n.id).await, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_request_racing_itself_appends_one_set_of_events() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let barrier = Arc::new(Barrier::new(8));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (store, id, events, barrier) = (
                db.store.clone(),
                n.id.clone(),
                events.clone(),
                barrier.clone(),
            );
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.append(&id, 1, &rid("same-request"), &events).await
            }));
        }
        let mut fresh = 0;
        for task in tasks {
            let outcome = task
                .await
                .expect("a task")
                .unwrap_or_else(|e| panic!("{}: {e}", db.name()));
            assert_eq!((outcome.first_sequence, outcome.version), (2, 2));
            fresh += usize::from(!outcome.replayed);
        }
        assert_eq!(fresh, 1, "{}", db.name());
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_are_refused_when_malformed() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        let id = n.id.clone();
        assert!(matches!(
            db.store.append(&id, 0, &rid("r"), &[]).await,
            Err(StoreError::InvalidArgument {
                field: "events",
                ..
            })
        ));
        n.open().await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        // A blank request id cannot reach the store: it is not a RequestId.
        assert!(matches!(
            laa_core::RequestId::new(" "),
            Err(laa_core::ParseError {
                field: "request_id",
                ..
            })
        ));
        // A history must begin by opening the agreement.
        let other = AgreementId::new("surrey-2008-11").unwrap();
        assert!(matches!(
            db.store.append(&other, 0, &rid("r"), &events).await,
            Err(StoreError::InvalidArgument {
                field: "events",
                ..
            })
        ));
        assert_eq!(db.store.load(&other).await.unwrap(), None);
        assert_eq!(db.store.current_version(&other).await.unwrap(), 0);
    })
    .await;
}

/// A hook that signals when the writer is inside its transaction with
/// everything written, then never lets it commit.
fn stall_before_commit(reached: Arc<Notify>) -> BeforeCommit {
    Arc::new(move || {
        let reached = reached.clone();
        Box::pin(async move {
            reached.notify_one();
            std::future::pending::<()>().await;
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_aborted_inside_its_transaction_leaves_no_partial_write() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(3).await;
        let before = db.store.load(&n.id).await.unwrap();
        let targets_before = count(&db, "targets", &n.id).await;

        let reached = Arc::new(Notify::new());
        let crashing = db
            .open(StoreOptions {
                before_commit: Some(stall_before_commit(reached.clone())),
                ..StoreOptions::default()
            })
            .await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let task = {
            let (id, events) = (n.id.clone(), events.clone());
            tokio::spawn(async move { crashing.append(&id, 3, &rid("doomed"), &events).await })
        };
        tokio::time::timeout(Duration::from_secs(30), reached.notified())
            .await
            .expect("the writer reaches its commit");
        // Everything is written but uncommitted: kill the writer.
        task.abort();
        assert!(task.await.expect_err("aborted").is_cancelled());

        assert_eq!(
            stored_sequences(&db, &n.id).await,
            [1, 2, 3],
            "{}",
            db.name()
        );
        assert_eq!(count(&db, "requests", &n.id).await, 3);
        assert_eq!(count(&db, "targets", &n.id).await, targets_before);
        assert_eq!(db.store.load(&n.id).await.unwrap(), before);
        assert_eq!(
            db.store.find_outcome(&n.id, &rid("doomed")).await.unwrap(),
            None
        );
        assert!(db.store.verify(&n.id).await.unwrap().ok);
        // The lock is free and nothing half-written is in the way: the same
        // request goes through now, from another store.
        let outcome = tokio::time::timeout(
            Duration::from_secs(30),
            db.store.append(&n.id, 3, &rid("doomed"), &events),
        )
        .await
        .expect("the write lock was released")
        .unwrap();
        assert_eq!((outcome.version, outcome.replayed), (4, false));
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2, 3, 4]);
    })
    .await;
}

/// Set in the environment of the child process the crash test kills.
const CRASH_CHILD_URL: &str = "LAA_TEST_CRASH_CHILD_URL";
/// What the child prints when it is inside its transaction.
const CHILD_READY: &str = "LAA_CRASH_CHILD_READY";

/// The child half of the crash test: does nothing unless the crash test
/// started this process. Then it appends to `kent-2008-11` on the named
/// database, announces that it is inside its transaction with everything
/// written, and waits to be killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child() {
    let Ok(url) = std::env::var(CRASH_CHILD_URL) else {
        return;
    };
    let hook: BeforeCommit = Arc::new(|| {
        Box::pin(async {
            use std::io::Write;
            println!("{CHILD_READY}");
            std::io::stdout().flush().ok();
            std::future::pending::<()>().await;
        })
    });
    let store = laa_store::Store::connect(
        &url,
        StoreOptions {
            before_commit: Some(hook),
            ..StoreOptions::default()
        },
    )
    .await
    .expect("the child opens the store");
    let mut n = Negotiation::new(&store, "kent");
    n.state = store.load(&n.id).await.unwrap().expect("the agreement");
    let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
    let version = n.state.version;
    store
        .append(&n.id, version, &rid("doomed"), &events)
        .await
        .expect("the child is killed before this returns");
    panic!("the child was not killed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_inside_its_transaction_leaves_no_partial_write() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(3).await;
        let before = db.store.load(&n.id).await.unwrap();

        // Run this test binary again, as the child test alone; SIGKILL it
        // once everything is written but uncommitted.
        let ready =
            kill_child_when_ready("append::crash_child", CRASH_CHILD_URL, &db.url, CHILD_READY)
                .await;
        assert!(ready, "{}: the child never reached its commit", db.name());

        let outcome = tokio::time::timeout(Duration::from_secs(30), async {
            assert_eq!(
                stored_sequences(&db, &n.id).await,
                [1, 2, 3],
                "{}",
                db.name()
            );
            assert_eq!(count(&db, "requests", &n.id).await, 3);
            assert_eq!(db.store.load(&n.id).await.unwrap(), before);
            assert_eq!(
                db.store.find_outcome(&n.id, &rid("doomed")).await.unwrap(),
                None
            );
            assert!(db.store.verify(&n.id).await.unwrap().ok);
            let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
            db.store.append(&n.id, 3, &rid("doomed"), &events).await
        })
        .await
        .expect("the dead writer's lock is released")
        .unwrap();
        assert_eq!((outcome.version, outcome.replayed), (4, false));
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2, 3, 4]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_from_two_stores_on_one_database_queue_rather_than_fail() {
    for_each_database(|db| async move {
        // Two stores on one database, as two server processes would be: on
        // SQLite their writers meet at the file lock, not at a shared mutex.
        let other = db.open(StoreOptions::default()).await;
        let barrier = Arc::new(Barrier::new(16));
        let mut tasks = Vec::new();
        for writer in 0..16 {
            let store = if writer % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = Negotiation::new(&store, &format!("two-{writer}"));
                barrier.wait().await;
                n.open_with_events(5).await;
                n.id
            }));
        }
        for task in tasks {
            let id = task.await.expect("no writer fails");
            assert_eq!(stored_sequences(&db, &id).await, [1, 2, 3, 4, 5]);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_missed_another_writer_conflicts_then_recovers() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(3).await;
        // Another store (another process) appends behind this one's back.
        let other = db.open(StoreOptions::default()).await;
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        other
            .append(&n.id, 3, &rid("elsewhere"), &events)
            .await
            .unwrap();
        // This store still remembers version 3: its write is refused whole.
        let events = n.decide(&go(), go_propose(2, values(60, 61, 62, 63)));
        let err = db
            .store
            .append(&n.id, 3, &rid("here"), &events)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::VersionConflict {
                    expected: 3,
                    actual: 4
                }
            ),
            "{}: {err}",
            db.name()
        );
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2, 3, 4]);
        // Reloaded, it carries on, on the same pool.
        n.state = db.store.load(&n.id).await.unwrap().expect("the agreement");
        n.run(&go(), go_propose(2, values(60, 61, 62, 63))).await;
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2, 3, 4, 5]);
        assert!(db.store.verify(&n.id).await.unwrap().ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_cancelled_at_any_moment_are_whole_or_absent() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let area = n.council();
        const ROUNDS: u64 = 40;
        for round in 0..ROUNDS {
            n.state = db.store.load(&n.id).await.unwrap().expect("the agreement");
            let version = n.state.version;
            let (actor, value) = if version % 2 == 1 {
                (go(), 55)
            } else {
                (area.clone(), 50)
            };
            let events = n.decide(
                &actor,
                crate::support::counter(1, values(48, value, value + 1, value + 2)),
            );
            let task = {
                let (store, id, events) = (db.store.clone(), n.id.clone(), events.clone());
                tokio::spawn(async move {
                    store
                        .append(&id, version, &rid(format!("cancel-{round}")), &events)
                        .await
                })
            };
            // Abort somewhere between before it starts and after it ends.
            tokio::time::sleep(Duration::from_micros(round * 50)).await;
            task.abort();
            let _ = task.await;
        }
        // A write already handed to the database when its caller went away
        // still completes, whole, a moment later: let those land.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let sequences = stored_sequences(&db, &n.id).await;
        let expected: Vec<i64> = (1..=sequences.len() as i64).collect();
        assert_eq!(sequences, expected, "{}: a gap or a duplicate", db.name());
        let mut recorded = 0;
        for round in 0..ROUNDS {
            if let Some(outcome) = db
                .store
                .find_outcome(&n.id, &rid(format!("cancel-{round}")))
                .await
                .unwrap()
            {
                assert_eq!(outcome.first_sequence, outcome.last_sequence);
                recorded += 1;
            }
        }
        // Every event after the opening belongs to exactly one recorded
        // request: nothing was written without its idempotency record.
        assert_eq!(recorded, sequences.len() - 1, "{}", db.name());
        assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
        let replayed = db.store.replay(&n.id).await.unwrap();
        assert_eq!(db.store.load(&n.id).await.unwrap(), replayed);
        // Every pooled connection is still usable for writing.
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = Negotiation::new(&store, &format!("after-{writer}"));
                n.open_with_events(3).await;
            }));
        }
        for task in tasks {
            task.await.expect("a writer after the cancellations");
        }
    })
    .await;
}
