//! A sole writer (one `laa serve` on its SQLite file): locked against a
//! second one, and answering reads from the state it remembers.

use laa_store::{Backend, Store, StoreOptions};

use crate::support::{Negotiation, counter, for_each_database, go, go_propose, values};

fn sole() -> StoreOptions {
    StoreOptions {
        sole_writer: true,
        ..StoreOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sole_writer_of_an_sqlite_file_is_refused_until_the_first_is_gone() {
    for_each_database(|db| async move {
        let first = db.open(sole()).await;
        match db.backend {
            Backend::Postgres => {
                // Several servers share a PostgreSQL database: no lock.
                assert!(!first.is_sole_writer());
                let second = db.open(sole()).await;
                assert!(!second.is_sole_writer());
            }
            Backend::Sqlite => {
                assert!(first.is_sole_writer());
                let refused = Store::connect(&db.url, sole())
                    .await
                    .err()
                    .expect("a second sole writer is refused");
                assert!(
                    refused.to_string().contains("another laa server"),
                    "{refused}"
                );
                // Other processes' stores (the token commands) still open.
                let other = db.open(StoreOptions::default()).await;
                assert!(!other.is_sole_writer());
                first.close().await.expect("close");
                drop(first);
                let again = db.open(sole()).await;
                assert!(again.is_sole_writer());
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sole_writer_reads_what_it_wrote_without_asking_the_database() {
    for_each_database(|db| async move {
        if db.backend == Backend::Postgres {
            return;
        }
        let store = db.open(sole()).await;
        let mut n = Negotiation::new(&store, "kent");
        n.open().await;
        n.run(&go(), go_propose(1, values(60, 61, 62, 63))).await;
        // The projection row now claims a version no history reaches: a
        // store that asks the database on every read sees it (and refuses
        // the corrupt row); the sole writer does not ask, and answers with
        // the state it committed.
        db.sql("UPDATE agreements SET version = version + 5").await;
        let remembered = store.load(&n.id).await.unwrap().expect("remembered");
        assert_eq!(remembered, n.state);
        let other = db.open(StoreOptions::default()).await;
        assert!(other.load(&n.id).await.is_err(), "the other store asked");
    })
    .await;
}

/// A sole writer checkpoints its write-ahead log from a task of its own,
/// not inside a commit: its connections have SQLite's automatic
/// checkpoint off, other stores' keep it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sole_writer_checkpoints_outside_its_commits() {
    for_each_database(|db| async move {
        if db.backend == Backend::Postgres {
            return;
        }
        let autocheckpoint = |store: &Store| {
            let pool = store.connection().get_sqlite_connection_pool().clone();
            async move {
                let (pages,): (i64,) = sea_orm::sqlx::query_as("PRAGMA wal_autocheckpoint")
                    .fetch_one(&pool)
                    .await
                    .expect("read the pragma");
                pages
            }
        };
        let sole = db.open(sole()).await;
        assert_eq!(autocheckpoint(&sole).await, 0);
        assert_eq!(autocheckpoint(&db.store).await, 1000);
        // Writes go on across several checkpoint passes.
        let mut n = Negotiation::new(&sole, "kent");
        n.open().await;
        for indicator in [1, 2, 3] {
            n.run(&go(), go_propose(indicator, values(60, 61, 62, 63)))
                .await;
            tokio::time::sleep(laa_store::store::CHECKPOINT_EVERY).await;
        }
        assert!(sole.verify(&n.id).await.unwrap().ok);
    })
    .await;
}

/// A sole writer's write-ahead log stays bounded under writes that never
/// pause (issue 26 item 3): passive checkpoints alone never let SQLite
/// start the log again, so it grew without end (gigabytes in minutes),
/// and with it the index every connection maps into memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sole_writers_log_stays_bounded_under_steady_writes() {
    use laa_store::store::RESTART_AT;
    for_each_database(|db| async move {
        if db.backend == Backend::Postgres {
            return;
        }
        let sole = db
            .open(StoreOptions {
                // Flushes are not what is tested: only how long the log grows.
                sqlite_synchronous: laa_store::Synchronous::Normal,
                ..sole()
            })
            .await;
        let wal = format!(
            "{}-wal",
            laa_store::sqlite_file(&db.url).expect("an SQLite file")
        );
        let page = 4_096;
        let bound = 2 * RESTART_AT as u64 * page;
        let mut n = Negotiation::new(&sole, "kent");
        n.open().await;
        let area = n.council();
        let mut largest = 0;
        // Enough commits to write the log three times over its bound: each
        // writes at least three pages (its event, its request id, the
        // agreement's row).
        for _ in 0..bound / page {
            let (actor, base) = if n.state.version % 2 == 1 {
                (go(), 50)
            } else {
                (area.clone(), 48)
            };
            n.run(
                &actor,
                counter(1, values(base, base + 1, base + 2, base + 3)),
            )
            .await;
            let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
            largest = largest.max(size);
        }
        assert!(
            largest <= bound,
            "the log reached {largest} bytes (bound {bound})"
        );
        assert!(sole.verify(&n.id).await.unwrap().ok);
    })
    .await;
}
