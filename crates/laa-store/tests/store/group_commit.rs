//! Group commit: concurrent appends share a transaction, each is answered
//! only after it committed, and a refused member fails alone, never its
//! neighbours; a batch killed inside its transaction leaves nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use laa_core::{Actor, Role, Scope};
use laa_store::{BeforeCommit, Store, StoreError, StoreOptions};
use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::{Barrier, Notify};

use crate::support::{
    Negotiation, TestDb, counter, for_each_database, go, go_propose, kill_child_when_ready, rid,
    values,
};

/// A hook that, once armed, holds the next batch inside its transaction
/// (every row written, nothing committed) until released; later batches
/// pass straight through.
pub(crate) struct Hold {
    pub(crate) armed: Arc<AtomicBool>,
    pub(crate) reached: Arc<Notify>,
    pub(crate) release: Arc<Notify>,
}

impl Hold {
    pub(crate) fn new() -> Self {
        Self {
            armed: Arc::new(AtomicBool::new(false)),
            reached: Arc::new(Notify::new()),
            release: Arc::new(Notify::new()),
        }
    }

    pub(crate) fn hook(&self) -> BeforeCommit {
        let (armed, reached, release) = (
            self.armed.clone(),
            self.reached.clone(),
            self.release.clone(),
        );
        Arc::new(move || {
            let (armed, reached, release) = (armed.clone(), reached.clone(), release.clone());
            Box::pin(async move {
                if armed.swap(false, Ordering::SeqCst) {
                    reached.notify_one();
                    release.notified().await;
                }
            })
        })
    }
}

impl Hold {
    /// A store on `db` whose batches this holds when armed, writing one
    /// batch at a time (as SQLite always does), so that what arrives while
    /// one is held queues for the next.
    async fn open(&self, db: &TestDb) -> Store {
        self.open_with(db, Some(1)).await
    }

    /// A store on `db` whose batches this holds when armed, writing at
    /// most `in_flight` batches at once (`None`: the default).
    async fn open_with(&self, db: &TestDb, in_flight: Option<usize>) -> Store {
        db.open(StoreOptions {
            before_batch_commit: Some(self.hook()),
            batches_in_flight: in_flight,
            ..StoreOptions::default()
        })
        .await
    }
}

/// Waits until `n` appends are queued behind the batch being held.
pub(crate) async fn queued(store: &Store, n: usize) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while store.group_commits().queued < n {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the appends queue behind the held batch");
}

async fn stored_sequences(db: &TestDb, id: &laa_core::AgreementId) -> Vec<i64> {
    let conn = db.store.connection();
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT sequence FROM events WHERE agreement_id = '{id}' ORDER BY sequence"),
        ))
        .await
        .expect("read sequences");
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("a sequence"))
        .collect()
}

type Appending = tokio::task::JoinHandle<Result<laa_store::AppendOutcome, StoreError>>;

/// Arms `hold`, appends a proposal to `n` (at version 1) and waits until its
/// batch is held inside its transaction; then queues the agreement's next
/// command (a counter-offer at version 2, the version the held batch will
/// leave). Returns the held append and the follower, with `n` at version 2.
async fn hold_one_and_follow(
    store: &Store,
    hold: &Hold,
    n: &mut Negotiation,
    label: &str,
) -> (Appending, Appending) {
    hold.armed.store(true, Ordering::SeqCst);
    let first = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
    let held = {
        let (store, id, events) = (store.clone(), n.id.clone(), first.clone());
        let request = rid(format!("{label}-first"));
        tokio::spawn(async move { store.append(&id, 1, &request, &events).await })
    };
    hold.reached.notified().await;
    for e in &first {
        laa_core::apply(&mut n.state, e);
    }
    let council = n.council();
    let next = n.decide(&council, counter(2, values(50, 51, 52, 53)));
    let follower = {
        let (store, id) = (store.clone(), n.id.clone());
        let request = rid(format!("{label}-next"));
        tokio::spawn(async move { store.append(&id, 2, &request, &next).await })
    };
    (held, follower)
}

/// Opens `n` agreements on `store`, one per area `{prefix}{i}`.
async fn opened(store: &Store, prefix: &str, n: usize) -> Vec<Negotiation> {
    let mut all = Vec::new();
    for i in 0..n {
        let mut negotiation = Negotiation::new(store, &format!("{prefix}{i}"));
        negotiation.open().await;
        all.push(negotiation);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_queued_behind_a_flush_commit_together_in_the_next() {
    for_each_database(|db| async move {
        let hold = Hold::new();
        let store = hold.open(&db).await;
        let negotiations = opened(&store, "batch", 6).await;
        let before = store.group_commits();

        hold.armed.store(true, Ordering::SeqCst);
        let mut tasks = Vec::new();
        for (i, n) in negotiations.iter().enumerate() {
            let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
            let (store, id) = (store.clone(), n.id.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .append(&id, 1, &rid(format!("batch-{i}")), &events)
                    .await
            }));
            if i == 0 {
                // The first holds its transaction open; the rest queue.
                hold.reached.notified().await;
            }
        }
        queued(&store, 5).await;
        // Nothing queued is written before its batch commits.
        for n in &negotiations[1..] {
            assert_eq!(stored_sequences(&db, &n.id).await, [1], "{}", db.name());
        }
        hold.release.notify_one();
        for task in tasks {
            let outcome = task.await.expect("a task").expect("an append");
            assert_eq!((outcome.version, outcome.replayed), (2, false));
        }
        let after = store.group_commits();
        assert_eq!(after.batches - before.batches, 2, "{}", db.name());
        assert_eq!(after.commands - before.commands, 6, "{}", db.name());
        assert_eq!(after.largest, 5, "{}", db.name());
        for n in &negotiations {
            assert_eq!(stored_sequences(&db, &n.id).await, [1, 2]);
            assert!(db.store.verify(&n.id).await.unwrap().ok);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_member_of_a_batch_fails_alone() {
    for_each_database(|db| async move {
        let hold = Hold::new();
        let store = hold.open(&db).await;
        let mut negotiations = opened(&store, "mixed", 6).await;
        // Agreement 1 has applied request id "taken" already, for the GO.
        let first = negotiations[1].decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        store
            .append(&negotiations[1].id, 1, &rid("taken"), &first)
            .await
            .expect("the first use of the request id");
        for e in &first {
            laa_core::apply(&mut negotiations[1].state, e);
        }

        hold.armed.store(true, Ordering::SeqCst);
        let held = {
            let events = negotiations[0].decide(&go(), go_propose(1, values(60, 61, 62, 63)));
            let (store, id) = (store.clone(), negotiations[0].id.clone());
            tokio::spawn(async move { store.append(&id, 1, &rid("held"), &events).await })
        };
        hold.reached.notified().await;
        let mut tasks = Vec::new();
        for (i, n) in negotiations.iter().enumerate().skip(1) {
            let council = n.council();
            let (request, expected, events) = match i {
                // The same request id, now for the council and another
                // command, at the agreement's current version: the database
                // refuses it, inside the batch.
                1 => (
                    "taken".to_owned(),
                    2,
                    n.decide(&council, counter(2, values(50, 51, 52, 53))),
                ),
                // A stale version.
                2 => (
                    format!("mixed-{i}"),
                    0,
                    n.decide(&go(), go_propose(1, values(60, 61, 62, 63))),
                ),
                _ => (
                    format!("mixed-{i}"),
                    1,
                    n.decide(&go(), go_propose(1, values(60, 61, 62, 63))),
                ),
            };
            let (store, id) = (store.clone(), n.id.clone());
            tasks.push(tokio::spawn(async move {
                store.append(&id, expected, &rid(&request), &events).await
            }));
        }
        queued(&store, 5).await;
        hold.release.notify_one();
        assert_eq!(held.await.expect("a task").expect("held").version, 2);
        let results: Vec<_> = futures_results(tasks).await;
        assert!(
            matches!(&results[0], Err(StoreError::RequestIdReused { request_id, .. }) if request_id == "taken"),
            "{}: {:?}",
            db.name(),
            results[0]
        );
        assert!(
            matches!(
                results[1],
                Err(StoreError::VersionConflict {
                    expected: 0,
                    actual: 1
                })
            ),
            "{}: {:?}",
            db.name(),
            results[1]
        );
        for result in &results[2..] {
            let outcome = result.as_ref().expect("a valid neighbour commits");
            assert_eq!((outcome.version, outcome.replayed), (2, false));
        }
        assert_eq!(stored_sequences(&db, &negotiations[1].id).await, [1, 2]);
        assert_eq!(stored_sequences(&db, &negotiations[2].id).await, [1]);
        for n in &negotiations {
            assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
        }
    })
    .await;
}

/// A command on an agreement whose batch is being written waits for that
/// batch to land and is then planned on the head it left, while commands
/// on other agreements are planned during the flight and written in the
/// next batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_on_an_agreement_in_flight_follows_its_batch() {
    for_each_database(|db| async move {
        let hold = Hold::new();
        let store = hold.open(&db).await;
        let mut negotiations = opened(&store, "follow", 3).await;
        let before = store.group_commits();

        // The next command on the agreement in flight, at the version its
        // batch will leave; and one command on each of the others.
        let (held, follower) =
            hold_one_and_follow(&store, &hold, &mut negotiations[0], "follow").await;
        let mut tasks = vec![follower];
        for (i, n) in negotiations.iter().enumerate().skip(1) {
            let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
            let (store, id) = (store.clone(), n.id.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .append(&id, 1, &rid(format!("follow-{i}")), &events)
                    .await
            }));
        }
        queued(&store, 3).await;
        assert_eq!(stored_sequences(&db, &negotiations[0].id).await, [1]);
        hold.release.notify_one();
        assert_eq!(held.await.expect("a task").expect("held").version, 2);
        let results = futures_results(tasks).await;
        let versions: Vec<u64> = results
            .iter()
            .map(|r| r.as_ref().expect("an append").version)
            .collect();
        assert_eq!(versions, [3, 2, 2], "{}", db.name());
        assert_eq!(stored_sequences(&db, &negotiations[0].id).await, [1, 2, 3]);
        let after = store.group_commits();
        // The held batch, then the two others together, then the follower
        // (planned only once its agreement's batch had landed) with them or
        // after them.
        assert!(
            (2..=3).contains(&(after.batches - before.batches)),
            "{}: {:?}",
            db.name(),
            after
        );
        assert_eq!(after.commands - before.commands, 4, "{}", db.name());
        assert_eq!(after.queued, 0);
        for n in &negotiations {
            assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
        }
    })
    .await;
}

/// On PostgreSQL, a batch takes off while another is still being written,
/// once it holds `MIN_BATCH_BESIDE` commands: the commands on other
/// agreements commit while the first batch is held inside its transaction,
/// and a command on the held agreement waits for it. SQLite writes one
/// transaction at a time: there they queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_batches_are_written_side_by_side() {
    for_each_database(|db| async move {
        let hold = Hold::new();
        let store = hold.open_with(&db, None).await;
        let beside = laa_store::MIN_BATCH_BESIDE;
        let mut negotiations = opened(&store, "side", 1 + beside).await;
        let before = store.group_commits();
        let (held, follower) =
            hold_one_and_follow(&store, &hold, &mut negotiations[0], "side").await;
        let mut others = Vec::new();
        for (i, n) in negotiations.iter().enumerate().skip(1) {
            let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
            let (store, id) = (store.clone(), n.id.clone());
            others.push(tokio::spawn(async move {
                store
                    .append(&id, 1, &rid(format!("side-{i}")), &events)
                    .await
            }));
        }
        match db.store.backend() {
            laa_store::Backend::Postgres => {
                // Written and answered while the first is still held.
                let results =
                    tokio::time::timeout(Duration::from_secs(30), futures_results(others))
                        .await
                        .expect("the other agreements commit beside the held batch");
                for result in results {
                    assert_eq!(result.expect("an append").version, 2);
                }
                for n in &negotiations[1..] {
                    assert_eq!(stored_sequences(&db, &n.id).await, [1, 2]);
                }
                // The held agreement's next command waits for its batch.
                queued(&store, 1).await;
                assert!(!follower.is_finished());
                assert_eq!(stored_sequences(&db, &negotiations[0].id).await, [1]);
                hold.release.notify_one();
            }
            laa_store::Backend::Sqlite => {
                queued(&store, 1 + beside).await;
                for n in &negotiations {
                    assert_eq!(stored_sequences(&db, &n.id).await, [1]);
                }
                hold.release.notify_one();
                for result in futures_results(others).await {
                    assert_eq!(result.expect("an append").version, 2);
                }
            }
        }
        assert_eq!(held.await.expect("a task").expect("held").version, 2);
        assert_eq!(
            follower.await.expect("a task").expect("follower").version,
            3
        );
        assert_eq!(stored_sequences(&db, &negotiations[0].id).await, [1, 2, 3]);
        // PostgreSQL: the held batch, the others together beside it (not
        // in smaller batches: none took off before it held
        // MIN_BATCH_BESIDE), then the follower. SQLite: the held batch,
        // then everything else together.
        let after = store.group_commits();
        let expected = match db.store.backend() {
            laa_store::Backend::Postgres => (3, beside as u64),
            laa_store::Backend::Sqlite => (2, 1 + beside as u64),
        };
        assert_eq!(
            (after.batches - before.batches, after.largest),
            expected,
            "{}: {after:?}",
            db.name()
        );
        for n in &negotiations {
            assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
        }
    })
    .await;
}

async fn futures_results(
    tasks: Vec<Appending>,
) -> Vec<Result<laa_store::AppendOutcome, StoreError>> {
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("a task"));
    }
    results
}

/// Issue 10's defect: sixteen principals racing one request id on one
/// agreement. Exactly one command is recorded; every other principal is
/// told the request id is taken (ALREADY_EXISTS), never handed the first
/// caller's outcome as if it were its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_principals_racing_one_request_id_get_already_exists() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let barrier = Arc::new(Barrier::new(16));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let actor = Actor::new(
                format!("gose:negotiator-{i}"),
                Role::GoNegotiator,
                Scope::Region(laa_core::Region::SouthEast),
            );
            let events = n.decide(&actor, go_propose(1, values(60, 61, 62, 63)));
            let (store, id, barrier) = (db.store.clone(), n.id.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.append(&id, 1, &rid("shared-request"), &events).await
            }));
        }
        let results = futures_results(tasks).await;
        let recorded = results
            .iter()
            .filter(|r| matches!(r, Ok(o) if !o.replayed))
            .count();
        let reused = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::RequestIdReused { .. })))
            .count();
        assert_eq!((recorded, reused), (1, 15), "{}: {results:?}", db.name());
        assert_eq!(stored_sequences(&db, &n.id).await, [1, 2]);
    })
    .await;
}

/// Set in the environment of the child process the batch crash test kills.
const BATCH_CHILD_URL: &str = "LAA_TEST_BATCH_CHILD_URL";
/// What the child prints when its batch is inside its transaction.
const BATCH_CHILD_READY: &str = "LAA_BATCH_CHILD_READY";
/// The areas the batch crash test appends to.
const CRASH_AREAS: [&str; 4] = ["crash0", "crash1", "crash2", "crash3"];

/// The child half of the batch crash test: does nothing unless that test
/// started this process. Then it appends one command to each of four
/// agreements: the first alone, the other three queued behind it and
/// written as one batch, which it announces inside its transaction and
/// never commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_crash_child() {
    let Ok(url) = std::env::var(BATCH_CHILD_URL) else {
        return;
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let (reached, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let hook: BeforeCommit = {
        let (calls, reached, release) = (calls.clone(), reached.clone(), release.clone());
        Arc::new(move || {
            let (calls, reached, release) = (calls.clone(), reached.clone(), release.clone());
            Box::pin(async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    reached.notify_one();
                    release.notified().await;
                    return;
                }
                use std::io::Write;
                println!("{BATCH_CHILD_READY}");
                std::io::stdout().flush().ok();
                std::future::pending::<()>().await;
            })
        })
    };
    let store = Store::connect(
        &url,
        StoreOptions {
            before_batch_commit: Some(hook),
            // One batch at a time, so that the three queue behind the first.
            batches_in_flight: Some(1),
            ..StoreOptions::default()
        },
    )
    .await
    .expect("the child opens the store");
    let mut tasks = Vec::new();
    for (i, area) in CRASH_AREAS.iter().enumerate() {
        let mut n = Negotiation::new(&store, area);
        n.state = store.load(&n.id).await.unwrap().expect("the agreement");
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let id = n.id.clone();
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .append(&id, 1, &rid(format!("crash-{i}")), &events)
                .await
        }));
        if i == 0 {
            reached.notified().await;
        }
    }
    queued(&store, 3).await;
    release.notify_one();
    std::future::pending::<()>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_inside_its_transaction_leaves_none_of_its_members() {
    for_each_database(|db| async move {
        let mut negotiations = Vec::new();
        for area in CRASH_AREAS {
            let mut n = Negotiation::new(&db.store, area);
            n.open().await;
            negotiations.push(n);
        }
        let ready = kill_child_when_ready(
            "group_commit::batch_crash_child",
            BATCH_CHILD_URL,
            &db.url,
            BATCH_CHILD_READY,
        )
        .await;
        assert!(
            ready,
            "{}: the child's batch never reached its commit",
            db.name()
        );
        tokio::time::timeout(Duration::from_secs(30), async {
            // The lone first append committed; the batch of three did not,
            // not one row of it.
            assert_eq!(stored_sequences(&db, &negotiations[0].id).await, [1, 2]);
            for (i, n) in negotiations.iter().enumerate().skip(1) {
                assert_eq!(stored_sequences(&db, &n.id).await, [1], "{}", db.name());
                assert_eq!(
                    db.store
                        .find_outcome(&n.id, &rid(format!("crash-{i}")))
                        .await
                        .unwrap(),
                    None
                );
            }
            for n in &negotiations {
                assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
            }
            // The dead batch's lock is gone and its commands go through.
            for (i, n) in negotiations.iter().enumerate().skip(1) {
                let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
                let outcome = db
                    .store
                    .append(&n.id, 1, &rid(format!("crash-{i}")), &events)
                    .await
                    .expect("the command goes through after the crash");
                assert_eq!((outcome.version, outcome.replayed), (2, false));
            }
        })
        .await
        .expect("the dead batch's lock is released");
    })
    .await;
}
