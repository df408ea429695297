//! Reference data: seeded once, idempotently; areas created by administrators;
//! SQLite opened with the durability settings the issue asks for.

use laa_core::area::{Area, AreaCommand};
use laa_core::decide::Context;
use laa_core::{
    Actor, Aggregate, AreaCode, DomainError, IndicatorStatus, Region, RequestId, Role, Scope,
    SetStatus, SetVersion, StreamId,
};
use laa_store::{AreaRecord, Backend, Request, StoreError, StoreOptions, Synchronous};
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{TestDb, for_each_database, ni};

async fn scalar_i64(db: &TestDb, sql: &str) -> i64 {
    let conn = db.store.connection();
    conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("an integer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicator_sets_and_regions_are_seeded_once() {
    for_each_database(|db| async move {
        let catalogue = db.store.catalogue().clone();
        let sets = db.store.queries().indicator_sets().await.unwrap();
        let versions: Vec<u16> = sets.iter().map(|s| s.version.get()).collect();
        assert_eq!(versions, [2007, 2008]);
        for info in &sets {
            let set = catalogue.set(info.version).unwrap();
            assert_eq!(info.status, SetStatus::Published);
            assert_eq!(info.active, set.active().count() as u64);
        }
        assert_eq!(sets[1].withdrawn, 1, "NI 31 is withdrawn in 2008");

        let rows = db
            .store
            .queries()
            .indicators(SetVersion::new(2008).unwrap())
            .await
            .unwrap();
        let ni31 = rows.iter().find(|r| r.indicator.number == ni(31)).unwrap();
        assert_eq!(ni31.status, IndicatorStatus::Withdrawn);
        let ni72 = rows.iter().find(|r| r.indicator.number == ni(72)).unwrap();
        assert!(ni72.indicator.statutory);
        assert_eq!(Some(&ni72.indicator), catalogue.indicator(ni(72)));
        assert!(matches!(
            db.store
                .queries()
                .indicators(SetVersion::new(2099).unwrap())
                .await,
            Err(StoreError::NotFound { .. })
        ));

        // Opening again seeds nothing twice.
        let before = scalar_i64(&db, "SELECT COUNT(*) FROM indicators").await;
        db.open(StoreOptions::default()).await;
        db.open(StoreOptions::default()).await;
        assert_eq!(
            scalar_i64(&db, "SELECT COUNT(*) FROM indicators").await,
            before
        );
        assert_eq!(scalar_i64(&db, "SELECT COUNT(*) FROM regions").await, 9);
        assert_eq!(
            scalar_i64(&db, "SELECT COUNT(*) FROM indicator_sets").await,
            2
        );
    })
    .await;
}

fn area(code: &str, region: Region, kind: &str) -> AreaRecord {
    AreaRecord {
        code: AreaCode::new(code).unwrap(),
        name: format!("{code} council"),
        region,
        kind: kind.into(),
        population: None,
    }
}

/// Creates an area as the API does: its stream loaded, the core's
/// decision, the append.
async fn create_area(s: &laa_store::Store, record: AreaRecord) -> Result<(), DomainError> {
    let stream = StreamId::Area(record.code.clone());
    let head = s.load_stream::<Area>(&stream).await.unwrap();
    let admin = Actor::new("admin", Role::Admin, Scope::National);
    let catalogue = s.catalogue();
    let ctx = Context {
        now: chrono::Utc::now(),
        catalogue: &catalogue,
        expected_version: None,
        occurred_at: None,
    };
    let command = AreaCommand::Create {
        code: record.code,
        name: record.name,
        region: record.region,
        kind: record.kind,
    };
    let request = Request::of(RequestId::new("create-area").unwrap(), &command);
    let events = head.state.decide(command, &admin, &ctx)?;
    if !events.is_empty() {
        s.append_to_stream(&stream, &head, &request, events)
            .await
            .unwrap();
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_150_areas_are_seeded_once_and_administrators_add_more() {
    for_each_database(|db| async move {
        let s = &db.store;
        let seeded = laa_core::areas::areas_2008().unwrap();
        assert_eq!(seeded.len(), 150);

        // Paging through every area.
        let mut codes = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = s.queries().list_areas(None, 0, after).await.unwrap();
            assert!(page.len() <= 50);
            codes.extend(page.into_iter().map(|a| a.code));
            match next {
                Some(token) => after = Some(token),
                None => break,
            }
        }
        let mut expected: Vec<AreaCode> = seeded.iter().map(|a| a.code.clone()).collect();
        expected.sort();
        assert_eq!(codes, expected, "{}", db.name());

        let kent = s
            .queries()
            .area(&AreaCode::new("kent").unwrap())
            .await
            .unwrap();
        assert_eq!(
            kent.map(|a| (a.region, a.kind)),
            Some((Region::SouthEast, "county".to_owned()))
        );
        let (south_east, _) = s
            .queries()
            .list_areas(Some(Region::SouthEast), 1000, None)
            .await
            .unwrap();
        assert_eq!(
            south_east.len(),
            seeded
                .iter()
                .filter(|a| a.region == Region::SouthEast)
                .count()
        );
        assert!(south_east.iter().all(|a| a.region == Region::SouthEast));

        let duplicate = create_area(s, area("kent", Region::London, "county"))
            .await
            .unwrap_err();
        assert!(
            matches!(duplicate, DomainError::Exists { what: "area", .. }),
            "{duplicate}"
        );
        assert_eq!(duplicate.reason().as_str(), "ALREADY_EXISTS");
        assert!(matches!(
            create_area(s, area("new-town", Region::SouthEast, "island")).await,
            Err(DomainError::Invalid {
                field: "area.kind",
                ..
            })
        ));
        create_area(s, area("new-town", Region::SouthEast, "unitary"))
            .await
            .unwrap();
        let stream = StreamId::Area(AreaCode::new("new-town").unwrap());
        let verified = s.verify_stream(&stream).await.unwrap();
        assert!(verified.ok && verified.length == 1, "{verified:?}");
        assert_eq!(
            s.queries()
                .area(&AreaCode::new("new-town").unwrap())
                .await
                .unwrap(),
            Some(area("new-town", Region::SouthEast, "unitary"))
        );
        assert_eq!(
            s.queries()
                .area(&AreaCode::new("atlantis").unwrap())
                .await
                .unwrap(),
            None
        );

        // Restarting neither duplicates the seed nor loses the addition.
        let reopened = db.open(StoreOptions::default()).await;
        assert_eq!(scalar_i64(&db, "SELECT COUNT(*) FROM areas").await, 151);
        assert!(
            reopened
                .queries()
                .area(&AreaCode::new("new-town").unwrap())
                .await
                .unwrap()
                .is_some()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_opened_durable_with_wal_and_foreign_keys() {
    for_each_database(|db| async move {
        if db.backend != Backend::Sqlite {
            return;
        }
        let text = |sql: &'static str| {
            let conn = db.store.connection().clone();
            async move {
                conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get_by_index::<String>(0)
                    .unwrap()
            }
        };
        assert_eq!(text("PRAGMA journal_mode").await, "wal");
        // FULL is 2, NORMAL 1.
        assert_eq!(scalar_i64(&db, "PRAGMA synchronous").await, 2);
        assert_eq!(scalar_i64(&db, "PRAGMA foreign_keys").await, 1);
        assert!(scalar_i64(&db, "PRAGMA busy_timeout").await >= 1_000);

        let relaxed = db
            .open(StoreOptions {
                sqlite_synchronous: Synchronous::Normal,
                ..StoreOptions::default()
            })
            .await;
        let conn = relaxed.connection();
        let sync = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                "PRAGMA synchronous",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        assert_eq!(sync, 1);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_database_url_is_refused() {
    let err = laa_store::Store::connect("mysql://localhost/laa", StoreOptions::default())
        .await
        .err()
        .expect("refused");
    assert!(matches!(
        err,
        StoreError::InvalidArgument {
            field: "database_url",
            ..
        }
    ));
}

/// `sslmode=require` in a PostgreSQL URL gives a TLS connection (with the
/// `postgres-tls` feature): the server reports the store's own session as
/// encrypted.
#[cfg(feature = "postgres-tls")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_in_a_postgres_url_gives_tls() {
    for_each_database(|db| async move {
        if db.backend != Backend::Postgres {
            return;
        }
        let separator = if db.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}sslmode=require", db.url);
        let store = laa_store::Store::connect(&url, StoreOptions::default())
            .await
            .expect("a TLS connection (the test server has ssl = on)");
        let (encrypted,): (bool,) =
            sea_orm::sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .fetch_one(store.connection().get_postgres_connection_pool())
                .await
                .expect("ask the server");
        assert!(encrypted, "the session is not encrypted");
        store.close().await.ok();
    })
    .await;
}

/// A database seeded before indicators were stored as JSON (its rows have
/// only their columns) reads back the same catalogue: the embedded one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicator_rows_without_their_json_read_back_from_their_columns() {
    for_each_database(|db| async move {
        let embedded = laa_core::Catalogue::national().unwrap();
        assert_eq!(*db.store.catalogue(), embedded, "seeded: the embedded sets");
        assert_eq!(
            scalar_i64(
                &db,
                "SELECT COUNT(*) FROM indicators WHERE definition IS NULL"
            )
            .await,
            0,
            "every row written now carries its JSON"
        );
        db.sql("UPDATE indicators SET definition = NULL").await;
        let reopened = db.open(StoreOptions::default()).await;
        assert_eq!(*reopened.catalogue(), embedded);
    })
    .await;
}
