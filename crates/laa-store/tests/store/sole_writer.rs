//! A sole writer (one `laa serve` on its SQLite file): locked against a
//! second one, and answering reads from the state it remembers.

use laa_store::{Backend, Store, StoreOptions};

use crate::support::{Negotiation, for_each_database, go, go_propose, values};

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
