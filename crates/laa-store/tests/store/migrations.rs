//! The schema's migrations: up, down and up again, on both databases.

use laa_migration::{Migrator, MigratorTrait};
use laa_store::StoreOptions;

use crate::support::{Negotiation, for_each_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_go_up_down_and_up_again() {
    for_each_database(|db| async move {
        let conn = db.store.connection();
        assert!(
            Migrator::get_pending_migrations(conn)
                .await
                .unwrap()
                .is_empty()
        );
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(3).await;

        Migrator::down(conn, None).await.unwrap();
        let pending = Migrator::get_pending_migrations(conn).await.unwrap();
        assert_eq!(pending.len(), Migrator::migrations().len(), "{}", db.name());
        for table in [
            "events",
            "agreements",
            "targets",
            "credentials",
            "areas",
            "indicators",
        ] {
            assert!(
                !conn.get_schema_manager_has_table(table).await,
                "{}: {table} survived down",
                db.name()
            );
        }

        Migrator::up(conn, None).await.unwrap();
        assert!(
            Migrator::get_pending_migrations(conn)
                .await
                .unwrap()
                .is_empty()
        );
        // A store opened on the rebuilt schema seeds it and works.
        let store = db.open(StoreOptions::default()).await;
        assert_eq!(store.queries().indicator_sets().await.unwrap().len(), 2);
        let mut n = Negotiation::new(&store, "kent");
        n.open_with_events(3).await;
        assert!(store.verify(&n.id).await.unwrap().ok);

        // Down one step and up again.
        Migrator::down(conn, Some(1)).await.unwrap();
        assert_eq!(
            Migrator::get_pending_migrations(conn).await.unwrap().len(),
            1
        );
        Migrator::up(conn, None).await.unwrap();
        assert!(store.verify(&n.id).await.unwrap().ok);
        // The last step gives each agreement there is its round, from its id.
        let in_round = |round: &str| laa_store::AgreementFilter {
            round: Some(round.to_owned()),
            ..Default::default()
        };
        let listed = store
            .queries()
            .agreement_versions(&in_round("2008-11"))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{}", db.name());
        assert_eq!(listed[0].id, n.id);
        assert!(
            store
                .queries()
                .agreement_versions(&in_round("2011-14"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .queries()
                .scope_version(&in_round("2008-11"))
                .await
                .unwrap(),
            laa_store::ScopeVersion::of(&listed)
        );
    })
    .await;
}

/// `has_table` through sea-orm-migration's schema manager.
trait HasTable {
    async fn get_schema_manager_has_table(&self, table: &str) -> bool;
}

impl HasTable for sea_orm::DatabaseConnection {
    async fn get_schema_manager_has_table(&self, table: &str) -> bool {
        laa_migration::SchemaManager::new(self)
            .has_table(table)
            .await
            .unwrap()
    }
}

/// On PostgreSQL no index of the agreements holds the version: every
/// append moves it, an update of an indexed column is never a heap-only
/// (HOT) update, and so each append would write an entry into every index
/// of the table and leave a dead one behind until vacuumed (a round's
/// versions took 8 ms to count after one round). On SQLite the version is
/// in the indexes the analytics read from alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_no_index_of_the_agreements_holds_the_version() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    for_each_database(|db| async move {
        let conn = db.store.connection();
        let backend = conn.get_database_backend();
        let query = match backend {
            DbBackend::Postgres => {
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'agreements'"
            }
            _ => "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agreements' AND sql IS NOT NULL",
        };
        let definitions: Vec<String> = conn
            .query_all_raw(Statement::from_string(backend, query))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(definitions.len() >= 4, "{}: {definitions:?}", db.name());
        let with_version = definitions.iter().filter(|d| d.contains("version")).count();
        match backend {
            DbBackend::Postgres => assert_eq!(with_version, 0, "{definitions:?}"),
            _ => assert!(with_version >= 3, "{definitions:?}"),
        }
    })
    .await;
}
