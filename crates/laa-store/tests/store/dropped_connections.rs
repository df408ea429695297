//! PostgreSQL dropping the store's connections under load (a failover, an
//! administrator's `pg_terminate_backend`): writes in flight fail, no
//! acknowledged write is lost, no chain breaks, and the store writes again
//! on fresh connections without a restart. (PostgreSQL only: the suite's
//! PostgreSQL half, run when `LAA_TEST_POSTGRES_URL` is set.)

use std::time::Duration;

use laa_store::Backend;
use sea_orm::ConnectionTrait;

use crate::support::for_each_database;
use crate::writers::Load;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_no_acknowledged_write() {
    for_each_database(|db| async move {
        if db.backend != Backend::Postgres {
            return;
        }
        let store = db.store.clone();
        let load = Load::start(&store, "dropped", 8).await;
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
        load.stop_and_check(&store).await;
        admin.close().await.ok();
    })
    .await;
}

/// Connections cut while the store is idle (a failover at night) are
/// found out before a read or a write is given one: the store pings a
/// connection idle for more than a second before handing it out, so the
/// first requests after the cut succeed on fresh connections. (A
/// connection used within the second is handed out unpinged, which saves a
/// round trip on every read and batch under load.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_while_idle_are_replaced_before_use() {
    for_each_database(|db| async move {
        if db.backend != Backend::Postgres {
            return;
        }
        let mut n = crate::support::Negotiation::new(&db.store, "kent");
        n.open_with_events(6).await;
        let admin = sea_orm::Database::connect(&db.url).await.expect("admin");
        admin
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND backend_type = 'client backend' AND query NOT ILIKE '%LISTEN%'",
            )
            .await
            .expect("terminate the store's connections");
        admin.close().await.ok();
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        // Every pooled connection is now cut and idle past the second.
        for _ in 0..30 {
            let listed = db
                .store
                .queries()
                .scope_version(&laa_store::AgreementFilter::default())
                .await
                .expect("a read after the cut");
            assert_eq!(listed.agreements, 1);
        }
        // And a write, on the connections the reads left.
        let mut m = crate::support::Negotiation::new(&db.store, "surrey");
        m.open_with_events(6).await;
        assert!(db.store.verify(&m.id).await.unwrap().ok);
    })
    .await;
}
