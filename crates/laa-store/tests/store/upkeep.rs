//! The database's upkeep the tools ask for: whether PostgreSQL's
//! autovacuum runs, and a vacuum that clears what an agreement's commands
//! left behind, on both databases.

use laa_store::tools::Database;
use sea_orm::ConnectionTrait;

use crate::support::{Negotiation, for_each_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vacuum_after_commands_leaves_every_agreement_readable() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(30).await;
        let database = Database::open(&db.url).await.unwrap();
        // What the server itself reports: SQLite never asks for a vacuum.
        let expected = match db.backend {
            laa_store::Backend::Sqlite => false,
            laa_store::Backend::Postgres => {
                let row = db
                    .store
                    .connection()
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SHOW autovacuum",
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<String>(0).unwrap() == "off"
            }
        };
        assert_eq!(
            database.autovacuum_is_off().await.unwrap(),
            expected,
            "{}",
            db.name()
        );
        // VACUUM cannot run inside a transaction: this would fail if the
        // tool's connection wrapped it in one.
        database.vacuum().await.unwrap();
        database.close().await.unwrap();
        assert!(db.store.verify(&n.id).await.unwrap().ok, "{}", db.name());
        let store = db.open(laa_store::StoreOptions::default()).await;
        assert_eq!(
            store.load(&n.id).await.unwrap().as_ref(),
            Some(&n.state),
            "{}",
            db.name()
        );
    })
    .await;
}
