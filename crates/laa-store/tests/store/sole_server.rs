//! PostgreSQL servers and their lock: a sole server (`laa serve
//! --sole-server`) excludes every other server and answers reads from
//! memory; one that loses its lock reads through the database and writes
//! nothing until it holds the lock again, so a sole server that started
//! meanwhile sees no write it did not make. PostgreSQL only (a server on
//! SQLite is always its file's sole writer: `sole_writer.rs`); run when
//! `LAA_TEST_POSTGRES_URL` is set, as the rest of the PostgreSQL suite.

use std::time::Duration;

use laa_store::{PostgresServer, SERVER_LOCK_APPLICATION, SERVER_LOCK_KEY, Store, StoreOptions};
use sea_orm::ConnectionTrait;
use sea_orm::sqlx::{Connection, PgConnection};

use crate::support::{FreshPostgres, Negotiation, POSTGRES_ENV, go, go_propose, rid, values};

/// A guard against a hang, not a measurement.
const PATIENCE: Duration = Duration::from_secs(20);

fn server(mode: PostgresServer) -> StoreOptions {
    StoreOptions {
        sole_writer: true,
        postgres_server: Some(mode),
        ..StoreOptions::default()
    }
}

async fn fresh() -> Option<FreshPostgres> {
    let admin = std::env::var(POSTGRES_ENV).ok()?;
    Some(FreshPostgres::create(&admin, "laa_sole").await)
}

/// Waits until `ready` holds, checking every 50 ms; panics after PATIENCE.
async fn until<F: AsyncFnMut() -> bool>(what: &str, mut ready: F) {
    let start = std::time::Instant::now();
    while !ready().await {
        assert!(start.elapsed() < PATIENCE, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Ends the lock connections of every server on the database, as a
/// network failure or a PostgreSQL restart would.
async fn cut_locks(tool: &Store) {
    tool.connection()
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{SERVER_LOCK_APPLICATION}' AND datname = current_database()"
        ))
        .await
        .expect("terminate the lock connections");
}

/// Cuts `sole`'s lock connection (through `tool`) and takes the lock as
/// another sole server would, before `sole` can take it back; returns once
/// `sole` has noticed, with the connection that holds the lock.
async fn fence(url: &str, tool: &Store, sole: &Store) -> PgConnection {
    cut_locks(tool).await;
    let mut other = PgConnection::connect(url).await.expect("connect");
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(SERVER_LOCK_KEY)
        .execute(&mut other)
        .await
        .expect("another sole server's lock");
    until("the server notices its lock is gone", async || {
        !sole.is_sole_writer()
    })
    .await;
    other
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sole_server_excludes_every_other_server_and_shared_ones_exclude_it() {
    let Some(db) = fresh().await else { return };
    let sole = Store::connect(&db.url, server(PostgresServer::Sole))
        .await
        .expect("the first server, sole");
    assert!(sole.is_sole_writer(), "its reads answer from memory");
    for (mode, says) in [
        (PostgresServer::Shared, "a sole server"),
        (PostgresServer::Sole, "another laa server"),
    ] {
        let refused = Store::connect(&db.url, server(mode))
            .await
            .err()
            .unwrap_or_else(|| panic!("a {mode:?} server beside a sole one is refused"));
        assert!(refused.to_string().contains(says), "{refused}");
    }
    // The command line's tools (tokens, migrations) still open the database.
    let tool = Store::connect(&db.url, StoreOptions::default())
        .await
        .expect("a tool's store");
    assert!(!tool.is_sole_writer());
    sole.close().await.expect("close");
    drop(sole);
    // Once it is gone, servers share the database, and no sole one starts.
    let mut shared = Vec::new();
    for _ in 0..2 {
        let url = db.url.clone();
        let mut opened = None;
        until(
            "a shared server starts once the sole one is gone",
            async || {
                opened = Store::connect(&url, server(PostgresServer::Shared))
                    .await
                    .ok();
                opened.is_some()
            },
        )
        .await;
        let store = opened.expect("opened");
        assert!(!store.is_sole_writer(), "its reads ask the database");
        shared.push(store);
    }
    let refused = Store::connect(&db.url, server(PostgresServer::Sole))
        .await
        .err()
        .expect("no sole server beside shared ones");
    assert!(
        refused.to_string().contains("another laa server"),
        "{refused}"
    );
    for store in shared {
        store.close().await.ok();
    }
    tool.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_loses_its_lock_writes_nothing_until_it_holds_it_again() {
    let Some(db) = fresh().await else { return };
    let sole = Store::connect(&db.url, server(PostgresServer::Sole))
        .await
        .expect("a sole server");
    let tool = Store::connect(&db.url, StoreOptions::default())
        .await
        .expect("a tool's store");
    let mut n = Negotiation::new(&sole, "kent");
    n.open().await;
    // The lock's connection is cut, and another sole server takes the
    // lock before this one can take it back (the test holds it as one).
    let other = fence(&db.url, &tool, &sole).await;
    let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
    let refused = sole
        .append(&n.id, n.state.version, &rid("while-fenced"), &events)
        .await
        .expect_err("no write while another server holds the lock");
    assert!(refused.to_string().contains("lost its lock"), "{refused}");
    assert_eq!(
        tool.current_version(&n.id).await.expect("version"),
        n.state.version,
        "nothing was written"
    );
    // The other server stops; this one takes the lock back (shared) and
    // writes again, its reads asking the database from now on.
    other
        .close()
        .await
        .expect("release the other server's lock");
    until(
        "the server writes again once it holds the lock",
        async || {
            sole.append(&n.id, n.state.version, &rid("after"), &events)
                .await
                .is_ok()
        },
    )
    .await;
    assert!(!sole.is_sole_writer());
    sole.close().await.ok();
    tool.close().await.ok();
}

/// A batch of several commands that finds its server fenced is refused
/// whole: its members, retried one by one as any refused batch's are, are
/// refused too, and nothing of them is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_several_that_finds_its_server_fenced_writes_nothing() {
    use std::sync::atomic::Ordering;
    let Some(db) = fresh().await else { return };
    let hold = crate::group_commit::Hold::new();
    let sole = Store::connect(
        &db.url,
        StoreOptions {
            before_batch_commit: Some(hold.hook()),
            batches_in_flight: Some(1),
            ..server(PostgresServer::Sole)
        },
    )
    .await
    .expect("a sole server");
    let tool = Store::connect(&db.url, StoreOptions::default())
        .await
        .expect("a tool's store");
    let mut all = Vec::new();
    for area in ["kent", "surrey", "medway"] {
        let mut n = Negotiation::new(&sole, area);
        n.open().await;
        all.push(n);
    }
    // The first command is held inside its transaction while the other
    // two queue behind it, to be written together.
    hold.armed.store(true, Ordering::SeqCst);
    let mut tasks = Vec::new();
    for (i, n) in all.iter().enumerate() {
        let events = n.decide(&go(), go_propose(1, values(60, 61, 62, 63)));
        let (store, id) = (sole.clone(), n.id.clone());
        tasks.push(tokio::spawn(async move {
            store
                .append(&id, 1, &rid(format!("fenced-{i}")), &events)
                .await
        }));
        if i == 0 {
            hold.reached.notified().await;
        }
    }
    crate::group_commit::queued(&sole, 2).await;
    // Meanwhile another sole server takes the lock.
    let other = fence(&db.url, &tool, &sole).await;
    hold.release.notify_one();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("a task"));
    }
    for (n, result) in all.iter().zip(&results).skip(1) {
        let refused = result.as_ref().expect_err("no write while fenced");
        assert!(refused.to_string().contains("lost its lock"), "{refused}");
        assert_eq!(
            tool.current_version(&n.id).await.expect("version"),
            1,
            "nothing of {} was written",
            n.id
        );
    }
    other.close().await.ok();
    sole.close().await.ok();
    tool.close().await.ok();
}
