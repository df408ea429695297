//! PostgreSQL dropping the store's connections under load (a failover, an
//! administrator's `pg_terminate_backend`): writes in flight fail, no
//! acknowledged write is lost, no chain breaks, and the store writes again
//! on fresh connections without a restart. (PostgreSQL only: the suite's
//! PostgreSQL half, run when `LAA_TEST_POSTGRES_URL` is set.)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::apply;
use laa_store::Backend;
use sea_orm::ConnectionTrait;

use crate::support::{Negotiation, counter, for_each_database, go, values};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_no_acknowledged_write() {
    for_each_database(|db| async move {
        if db.backend != Backend::Postgres {
            return;
        }
        let store = db.store.clone();
        let mut negotiations = Vec::new();
        for i in 0..8 {
            let mut n = Negotiation::new(&store, &format!("dropped{i}"));
            n.open().await;
            n.run(&go(), counter(1, values(50, 51, 52, 53))).await;
            negotiations.push(n);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for (w, mut n) in negotiations.into_iter().enumerate() {
            let (store, stop) = (store.clone(), stop.clone());
            writers.push(tokio::spawn(async move {
                let mut acknowledged = BTreeMap::new();
                let mut refused = 0u64;
                let mut k = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    k += 1;
                    match store.load(&n.id).await {
                        Ok(Some(state)) => n.state = state,
                        _ => {
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            continue;
                        }
                    }
                    let actor = if n.state.version.is_multiple_of(2) {
                        n.council()
                    } else {
                        go()
                    };
                    let value = 50 + (k % 7) as i64;
                    let events = n.decide(
                        &actor,
                        counter(1, values(value, value + 1, value + 2, value + 3)),
                    );
                    let request = format!("dropped-{w}-{k}");
                    match store
                        .append(&n.id, n.state.version, &request, &events)
                        .await
                    {
                        Ok(outcome) => {
                            for e in &events {
                                apply(&mut n.state, e);
                            }
                            acknowledged.insert(request, outcome.version);
                        }
                        Err(_) => {
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                }
                (n, acknowledged, refused)
            }));
        }
        // Another session terminates every connection of the test database,
        // five times, while the writers write.
        let admin = sea_orm::Database::connect(&db.url).await.expect("admin");
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            admin
                .execute_unprepared(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .await
                .expect("terminate the store's connections");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
        let mut total = 0;
        for writer in writers {
            let (mut n, acknowledged, _refused) = writer.await.expect("a writer");
            total += acknowledged.len();
            let verification = store.verify(&n.id).await.expect("verify");
            assert!(verification.ok, "{}: {verification:?}", n.id);
            for (request, version) in &acknowledged {
                let found = store.find_outcome(&n.id, request).await.expect("look up");
                assert_eq!(
                    found.map(|o| o.version),
                    Some(*version),
                    "{}: acknowledged {request} is missing",
                    n.id
                );
            }
            n.state = store.load(&n.id).await.expect("load").expect("agreement");
            let actor = if n.state.version.is_multiple_of(2) {
                n.council()
            } else {
                go()
            };
            let events = n.decide(&actor, counter(1, values(60, 61, 62, 63)));
            store
                .append(&n.id, n.state.version, "after-the-drops", &events)
                .await
                .expect("writes resume on fresh connections");
        }
        assert!(total > 0, "nothing was written");
        admin.close().await.ok();
    })
    .await;
}
