//! Rule 8: a whole negotiation, stored and reloaded, is the negotiation
//! that happened in memory; snapshot and replay agree; the projections
//! answer the questions asked across agreements.

use laa_core::{AgreementStatus, Command, Region};
use laa_store::AgreementFilter;

use crate::support::{Negotiation, for_each_database, minister, ni, refresh, tid};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_negotiation_reloads_equal_to_the_one_in_memory() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.negotiate_to_refreshed().await;

        let loaded = db.store.load(&n.id).await.unwrap().expect("the agreement");
        assert_eq!(loaded, n.state, "{}: load differs from memory", db.name());
        let replayed = db
            .store
            .replay(&n.id)
            .await
            .unwrap()
            .expect("the agreement");
        assert_eq!(
            replayed,
            loaded,
            "{}: replay differs from snapshot",
            db.name()
        );
        assert_eq!(loaded.status, AgreementStatus::Refreshed);

        // A store opened afresh on the same database sees the same.
        let reopened = db.open(Default::default()).await;
        assert_eq!(reopened.load(&n.id).await.unwrap().as_ref(), Some(&n.state));

        let v = db.store.verify(&n.id).await.unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.length, n.state.version);
        let events = db.store.events(&n.id, 1, 1_000).await.unwrap();
        assert_eq!(events.len() as u64, n.state.version);
        assert_eq!(events[0].kind, "agreement_opened");
        assert_eq!(events.last().unwrap().kind, "agreement_signed_off");
        // Paging through the history.
        let page = db.store.events(&n.id, 10, 5).await.unwrap();
        let sequences: Vec<u64> = page.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, [10, 11, 12, 13, 14]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_replay_agree_at_every_step() {
    for_each_database(|db| async move {
        // Another store, which did not write the events: its loads come from
        // the stored snapshot and the events since it.
        let cold = db.open(Default::default()).await;
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let area = n.council();
        let mut lags = Vec::new();
        for step in 0..40u32 {
            let target = 1 + (step / 2) % 16;
            if step % 2 == 0 {
                n.run(
                    &crate::support::go(),
                    crate::support::counter(target, crate::support::values(50, 51, 52, 53)),
                )
                .await;
            } else {
                n.run(&area, crate::support::accept(target)).await;
            }
            let from_snapshot = cold.load(&n.id).await.unwrap();
            let replayed = db.store.replay(&n.id).await.unwrap();
            assert_eq!(
                from_snapshot.as_ref(),
                Some(&n.state),
                "{} at {}",
                db.name(),
                n.state.version
            );
            assert_eq!(
                replayed.as_ref(),
                Some(&n.state),
                "{} at {}",
                db.name(),
                n.state.version
            );
            assert_eq!(db.store.load(&n.id).await.unwrap().as_ref(), Some(&n.state));
            lags.push(n.state.version - snapshot_version(&db, &n.id).await);
        }
        assert!(
            lags.iter()
                .all(|lag| *lag < laa_store::store::SNAPSHOT_EVERY),
            "{lags:?}"
        );
        assert!(
            lags.iter().any(|lag| *lag > 0),
            "the snapshot lags at times: {lags:?}"
        );
    })
    .await;
}

async fn snapshot_version(db: &crate::support::TestDb, id: &laa_core::AgreementId) -> u64 {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = db.store.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT snapshot_version FROM agreements WHERE id = '{id}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_projections_are_rebuilt_from_the_history() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(5).await;
        // The projections are wiped (to be rebuilt, say) and the server
        // restarted.
        db.sql("DELETE FROM targets").await;
        db.sql("DELETE FROM agreements").await;
        n.store = db.open(Default::default()).await;
        assert_eq!(n.store.load(&n.id).await.unwrap().as_ref(), Some(&n.state));
        assert_eq!(n.store.current_version(&n.id).await.unwrap(), 5);
        // The next append rewrites the projections whole.
        n.run(
            &crate::support::go(),
            crate::support::counter(3, crate::support::values(1, 2, 3, 4)),
        )
        .await;
        let (rows, _) = db
            .store
            .queries()
            .list_agreements(AgreementFilter::default(), 10, None)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(*rows[0].agreement, n.state);
        assert_eq!(
            db.store.queries().areas_choosing(ni(72)).await.unwrap(),
            [n.id.clone()]
        );
        assert!(db.store.verify(&n.id).await.unwrap().ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_target_projection_answers_queries_across_agreements() {
    for_each_database(|db| async move {
        let mut kent = Negotiation::new(&db.store, "kent");
        kent.negotiate_to_refreshed().await;
        let mut surrey = Negotiation::new(&db.store, "surrey");
        surrey.open_with_events(1).await;
        let area = surrey.council();
        surrey
            .run(
                &area,
                crate::support::propose(4, crate::support::placeholder("2009")),
            )
            .await;
        surrey
            .run(&crate::support::go(), crate::support::accept(17))
            .await;
        surrey
            .run(
                &area,
                crate::support::propose(1, crate::support::values(1, 2, 3, 4)),
            )
            .await;

        // NI 1: kent agreed it; surrey has it on offer. NI 2: kent's was declined.
        assert_eq!(
            db.store.queries().areas_choosing(ni(1)).await.unwrap(),
            [kent.id.clone(), surrey.id.clone()]
        );
        assert!(
            db.store
                .queries()
                .areas_choosing(ni(2))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            db.store
                .queries()
                .areas_choosing(ni(72))
                .await
                .unwrap()
                .len(),
            2
        );
        // Kent settled its placeholder and its deferred year at the 2009
        // refresh; surrey's placeholder is still due there.
        assert_eq!(
            db.store
                .queries()
                .placeholders_due(&refresh("2009"))
                .await
                .unwrap(),
            [(surrey.id.clone(), tid(17))]
        );
        assert!(
            db.store
                .queries()
                .placeholders_due(&refresh("2010"))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn placeholders_due_include_deferred_years_until_settled() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let area = n.council();
        n.run(
            &crate::support::go(),
            crate::support::counter(
                16,
                crate::support::values_deferring_last(40, 42, 44, "2009"),
            ),
        )
        .await;
        // Offered, not agreed: nothing is due yet.
        assert!(
            db.store
                .queries()
                .placeholders_due(&refresh("2009"))
                .await
                .unwrap()
                .is_empty()
        );
        n.run(&area, crate::support::accept(16)).await;
        assert_eq!(
            db.store
                .queries()
                .placeholders_due(&refresh("2009"))
                .await
                .unwrap(),
            [(n.id.clone(), tid(16))]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreements_list_by_region_area_and_status_in_pages() {
    for_each_database(|db| async move {
        let mut ids = Vec::new();
        for area in ["medway", "kent", "surrey", "brighton", "slough"] {
            let mut n = Negotiation::new(&db.store, area);
            n.open().await;
            ids.push(n.id.clone());
        }
        ids.sort();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let (rows, next) = db
                .store
                .queries()
                .list_agreements(
                    AgreementFilter {
                        region: Some(Region::SouthEast),
                        ..Default::default()
                    },
                    2,
                    after,
                )
                .await
                .unwrap();
            assert!(rows.len() <= 2);
            seen.extend(rows.into_iter().map(|r| {
                assert_eq!(
                    (r.region, r.status, r.version),
                    (Region::SouthEast, AgreementStatus::Draft, 1)
                );
                r.id
            }));
            match next {
                Some(token) => after = Some(token),
                None => break,
            }
        }
        assert_eq!(seen, ids);
        let by_area = AgreementFilter {
            area: Some(laa_core::AreaCode::new("kent").unwrap()),
            status: Some(AgreementStatus::Draft),
            ..Default::default()
        };
        let (rows, next) = db
            .store
            .queries()
            .list_agreements(by_area, 0, None)
            .await
            .unwrap();
        assert_eq!((rows.len(), next), (1, None));
        let elsewhere = AgreementFilter {
            region: Some(Region::London),
            ..Default::default()
        };
        assert!(
            db.store
                .queries()
                .list_agreements(elsewhere, 10, None)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        let signed = AgreementFilter {
            status: Some(AgreementStatus::Agreed),
            ..Default::default()
        };
        assert!(
            db.store
                .queries()
                .list_agreements(signed, 10, None)
                .await
                .unwrap()
                .0
                .is_empty()
        );
    })
    .await;
}

/// The projection rows the appends leave change by change (on PostgreSQL
/// through the batch statement whose every column is an array) hold what
/// the agreement's state says: its status, version, indicator set and head,
/// and each target's indicator, kind, status and agreed terms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projection_rows_written_change_by_change_hold_the_state() {
    use sea_orm::{ConnectionTrait, Statement};
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.negotiate_to_refreshed().await;
        let conn = db.store.connection();
        let backend = conn.get_database_backend();
        let row = conn
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT status, version, indicator_set, snapshot_version \
                     FROM agreements WHERE id = '{}'",
                    n.id
                ),
            ))
            .await
            .unwrap()
            .expect("the agreement's row");
        assert_eq!(
            row.try_get_by_index::<String>(0).unwrap(),
            n.state.status.as_str(),
            "{}",
            db.name()
        );
        assert_eq!(
            row.try_get_by_index::<i64>(1).unwrap() as u64,
            n.state.version
        );
        assert_eq!(
            row.try_get_by_index::<Option<i32>>(2).unwrap(),
            n.state.indicator_set.map(|s| i32::from(s.get()))
        );
        assert!(row.try_get_by_index::<i64>(3).unwrap() as u64 <= n.state.version);

        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT target_id, indicator_number, local_code, kind, status, terms \
                     FROM targets WHERE agreement_id = '{}' ORDER BY target_id",
                    n.id
                ),
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), n.state.targets.len(), "{}", db.name());
        for (row, (id, t)) in rows.iter().zip(&n.state.targets) {
            assert_eq!(row.try_get_by_index::<i32>(0).unwrap() as u32, id.get());
            let (number, code) = match &t.indicator {
                laa_core::IndicatorRef::National(n) => (Some(i32::from(n.get())), None),
                laa_core::IndicatorRef::Local { code, .. } => {
                    (None, Some(code.as_str().to_owned()))
                }
            };
            assert_eq!(row.try_get_by_index::<Option<i32>>(1).unwrap(), number);
            assert_eq!(row.try_get_by_index::<Option<String>>(2).unwrap(), code);
            assert_eq!(row.try_get_by_index::<String>(3).unwrap(), t.kind.as_str());
            assert_eq!(
                row.try_get_by_index::<String>(4).unwrap(),
                t.status.as_str(),
                "{}: target {}",
                db.name(),
                id.get()
            );
            let terms = row
                .try_get_by_index::<Option<String>>(5)
                .unwrap()
                .map(|json| serde_json::from_str::<laa_core::Terms>(&json).unwrap());
            assert_eq!(terms.as_ref(), t.agreed.as_ref(), "{}", db.name());
        }
        // Two targets changed status along the way and one was declined.
        assert!(rows.len() >= 20);
    })
    .await;
}

/// A history longer than the pages it is read in (issue 26 item 3: an
/// agreement's whole history is never held in memory to rebuild its
/// state) replays, loads cold and verifies as the state in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_of_several_pages_replays_page_by_page() {
    use laa_store::store::REPLAY_PAGE;
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open().await;
        let area = n.council();
        // The two sides haggle over target 1, an offer an event.
        while n.state.version < 2 * REPLAY_PAGE + 7 {
            let (actor, base) = if n.state.version % 2 == 1 {
                (crate::support::go(), 50)
            } else {
                (area.clone(), 48)
            };
            let terms = crate::support::values(base, base + 1, base + 2, base + 3);
            n.run(&actor, crate::support::counter(1, terms)).await;
        }
        assert_eq!(n.state.version, 2 * REPLAY_PAGE + 7);
        let replayed = db.store.replay(&n.id).await.unwrap();
        assert_eq!(replayed.as_ref(), Some(&n.state), "{}", db.name());
        let cold = db.open(Default::default()).await;
        assert_eq!(cold.load(&n.id).await.unwrap().as_ref(), Some(&n.state));
        let v = cold.verify(&n.id).await.unwrap();
        assert!(v.ok && !v.projection_rebuilt, "{}: {v:?}", db.name());
        assert_eq!(v.length, n.state.version);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_agreement_is_read_from_the_database_not_remembered() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.negotiate_to_refreshed().await;
        assert_eq!(db.store.remembered_agreements(), 1, "{}", db.name());
        n.run(&minister(), Command::CloseAgreement).await;
        assert_eq!(n.state.status, AgreementStatus::Closed);
        assert_eq!(
            db.store.remembered_agreements(),
            0,
            "{}: a closed agreement takes no commands, so its head is not kept",
            db.name()
        );
        let loaded = db.store.load(&n.id).await.unwrap().expect("the agreement");
        assert_eq!(loaded, n.state, "{}", db.name());
        assert_eq!(
            db.store.remembered_agreements(),
            0,
            "{}: nor once read",
            db.name()
        );
        let v = db.store.verify(&n.id).await.unwrap();
        assert!(v.ok && v.length == n.state.version, "{v:?}");
    })
    .await;
}
