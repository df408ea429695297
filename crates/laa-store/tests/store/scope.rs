//! Where a scope stands (`Queries::scope_since`): its version on both
//! databases, and on PostgreSQL "unchanged" exactly while no transaction
//! has completed since the snapshot a kept view last stood at.

use laa_store::{AgreementFilter, Backend, ScopeNow, ScopeVersion};
use sea_orm::sqlx;

use crate::support::{Negotiation, counter, for_each_database, go, values};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_is_unchanged_only_while_no_transaction_completes() {
    for_each_database(|db| async move {
        let queries = db.store.queries();
        let england = AgreementFilter::default();
        let mut kent = Negotiation::new(&db.store, "kent");
        kent.open_with_events(5).await;
        let listed = queries.agreement_versions(&england).await.unwrap();
        let ScopeNow::At(version, seen) = queries.scope_since(&england, None).await.unwrap() else {
            panic!("{}: unchanged since no snapshot", db.name());
        };
        assert_eq!(version, ScopeVersion::of(&listed), "{}", db.name());
        assert_eq!(version, queries.scope_version(&england).await.unwrap());
        match db.backend {
            Backend::Sqlite => assert_eq!(seen, None, "SQLite has no snapshot to give"),
            Backend::Postgres => {
                assert!(seen.is_some(), "PostgreSQL gives the snapshot it read");
                // The cluster's snapshot is shared with every database on it
                // (other tests commit meanwhile): unchanged must be seen when
                // nothing completes between two questions, which one of a
                // hundred pairs asked back to back will find.
                let mut unchanged = false;
                for _ in 0..100 {
                    let now = snapshot(&queries, &england).await;
                    if queries.scope_since(&england, Some(&now)).await.unwrap()
                        == ScopeNow::Unchanged
                    {
                        unchanged = true;
                        break;
                    }
                }
                assert!(
                    unchanged,
                    "never unchanged though nothing was committed here"
                );
                // A transaction already running when a snapshot is read and
                // completed after it (a commit whose events the snapshot did
                // not see) moves the snapshot, though it takes no new id.
                let pool = db.store.connection().get_postgres_connection_pool();
                let mut running = pool.begin().await.unwrap();
                sqlx::query("SELECT pg_current_xact_id()")
                    .execute(&mut *running)
                    .await
                    .unwrap();
                let before = snapshot(&queries, &england).await;
                running.commit().await.unwrap();
                assert!(
                    matches!(
                        queries.scope_since(&england, Some(&before)).await.unwrap(),
                        ScopeNow::At(v, Some(_)) if v == version
                    ),
                    "a transaction completed since is seen, and the scope read again"
                );
            }
        }
        // An event appended in the scope moves it, whatever was given.
        kent.run(&go(), counter(3, values(60, 61, 62, 63))).await;
        let ScopeNow::At(moved, _) = queries.scope_since(&england, seen.as_ref()).await.unwrap()
        else {
            panic!("{}: unchanged after an append", db.name());
        };
        assert_eq!(moved.agreements, version.agreements, "{}", db.name());
        assert_eq!(moved.versions, version.versions + 1, "{}", db.name());
        // A scope of no agreement stands at nothing.
        let london = AgreementFilter {
            region: Some(laa_core::Region::London),
            ..Default::default()
        };
        assert_eq!(
            queries.scope_version(&london).await.unwrap(),
            ScopeVersion::default(),
            "{}",
            db.name()
        );
    })
    .await;
}

/// The snapshot a scope's question reads now (PostgreSQL).
async fn snapshot(queries: &laa_store::Queries, scope: &AgreementFilter) -> laa_store::Snapshot {
    match queries.scope_since(scope, None).await.unwrap() {
        ScopeNow::At(_, Some(seen)) => seen,
        other => panic!("no snapshot: {other:?}"),
    }
}
