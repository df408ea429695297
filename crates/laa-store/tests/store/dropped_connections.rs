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
