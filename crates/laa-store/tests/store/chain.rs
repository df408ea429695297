//! DOMAIN.md section 4: the hash chain makes any edit, deletion or
//! reordering of a stored event detectable, and `verify` names where.

use laa_core::AgreementId;
use laa_store::{GENESIS_HASH, StoreError};

use crate::support::{Negotiation, TestDb, for_each_database};

/// How many events each tampered history has.
const LENGTH: u64 = 5;

/// One way to tamper with the event at sequence `s` of agreement `a`.
type Tamper = fn(a: &str, s: u64) -> Vec<String>;

fn where_(a: &str, s: u64) -> String {
    format!("WHERE agreement_id = '{a}' AND sequence = {s}")
}

/// Every tampering tried, by name. Each is one or more raw SQL statements.
fn tampers() -> Vec<(&'static str, Tamper)> {
    vec![
        ("edit the payload", |a, s| {
            vec![format!(
                "UPDATE events SET payload = REPLACE(payload, '\"at\":\"2008', '\"at\":\"2009') {}",
                where_(a, s)
            )]
        }),
        ("edit the actor column", |a, s| {
            vec![format!(
                "UPDATE events SET actor = 'mallory' {}",
                where_(a, s)
            )]
        }),
        ("edit the request id", |a, s| {
            vec![format!(
                "UPDATE events SET request_id = 'forged' {}",
                where_(a, s)
            )]
        }),
        ("edit the recorded time", |a, s| {
            vec![format!(
                "UPDATE events SET recorded_at = (SELECT MIN(recorded_at) FROM events) {}",
                where_(a, s)
            )]
        }),
        ("break the link", |a, s| {
            vec![format!(
                "UPDATE events SET prev_hash = '{}' {}",
                "f".repeat(64),
                where_(a, s)
            )]
        }),
        ("delete the event", |a, s| {
            vec![format!("DELETE FROM events {}", where_(a, s))]
        }),
        ("swap it with its successor (or predecessor)", |a, s| {
            let (x, y) = if s < LENGTH { (s, s + 1) } else { (s - 1, s) };
            vec![
                format!("UPDATE events SET sequence = -1 {}", where_(a, x)),
                format!("UPDATE events SET sequence = {x} {}", where_(a, y)),
                format!(
                    "UPDATE events SET sequence = {y} {}",
                    where_(a, -1_i64 as u64)
                ),
            ]
        }),
        ("swap its payload with its neighbour's", |a, s| {
            let other = if s < LENGTH { s + 1 } else { s - 1 };
            vec![format!(
                "UPDATE events SET payload = (SELECT payload FROM events e {}) {}",
                where_(a, other)
                    .replace("agreement_id", "e.agreement_id")
                    .replace("sequence", "e.sequence"),
                where_(a, s)
            )]
        }),
    ]
}

/// The sequence the tampering must be reported at.
fn expected_bad(name: &str, s: u64) -> u64 {
    match name {
        // Swapping the last event with the one before it breaks the earlier one first.
        "swap it with its successor (or predecessor)" if s == LENGTH => s - 1,
        _ => s,
    }
}

fn agreement(area: &str) -> AgreementId {
    AgreementId::new(format!("{area}-2008-11")).expect("an agreement id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_history_verifies() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(LENGTH).await;
        let v = db.store.verify(&n.id).await.unwrap();
        assert!(v.ok, "{}: {v:?}", db.name());
        assert_eq!(v.length, LENGTH);
        assert_eq!(v.first_bad_sequence, None);
        let events = db.store.events(&n.id, 1, 100).await.unwrap();
        assert_eq!(v.head_hash, events.last().unwrap().hash);
        assert_eq!(events[0].prev_hash, GENESIS_HASH);
        for pair in events.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
            assert!(pair[0].global_id < pair[1].global_id);
        }
        let unknown = agreement("nowhere");
        assert!(matches!(
            db.store.verify(&unknown).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_one_tampered_event_is_named_by_verify() {
    for_each_database(|db| async move {
        // One agreement per (tampering, sequence), so each starts intact.
        let mut cases = Vec::new();
        for (t, (name, tamper)) in tampers().into_iter().enumerate() {
            for s in 1..=LENGTH {
                let area = format!("t{t}-s{s}");
                let mut n = Negotiation::new(&db.store, &area);
                n.open_with_events(LENGTH).await;
                cases.push((name, tamper, s, n.id.clone()));
            }
        }
        for (name, tamper, s, id) in &cases {
            for sql in tamper(id.as_str(), *s) {
                db.sql(&sql).await;
            }
            let v = db.store.verify(id).await.unwrap();
            assert!(!v.ok, "{}: '{name}' at {s} went unnoticed", db.name());
            assert_eq!(
                v.first_bad_sequence,
                Some(expected_bad(name, *s)),
                "{}: '{name}' at sequence {s}: {v:?}",
                db.name()
            );
        }
        // The others' histories are untouched by all of that.
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(LENGTH).await;
        assert!(db.store.verify(&n.id).await.unwrap().ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_forged_onto_the_end_is_named() {
    for_each_database(|db| async move {
        let mut n = Negotiation::new(&db.store, "kent");
        n.open_with_events(LENGTH).await;
        forge_copy_of_last(&db, &n.id).await;
        let v = db.store.verify(&n.id).await.unwrap();
        assert_eq!(v.length, LENGTH + 1);
        assert_eq!(
            v.first_bad_sequence,
            Some(LENGTH + 1),
            "{}: {v:?}",
            db.name()
        );
    })
    .await;
}

/// Appends a copy of the last event as the next sequence, with a fresh
/// link, around the store (as a forger with write access would).
async fn forge_copy_of_last(db: &TestDb, id: &AgreementId) {
    db.sql(&format!(
        "INSERT INTO events (agreement_id, sequence, recorded_at, actor, kind, payload, request_id, prev_hash, hash) \
         SELECT agreement_id, sequence + 1, recorded_at, actor, kind, payload, 'forged', hash, hash \
         FROM events WHERE agreement_id = '{id}' AND sequence = {LENGTH}"
    ))
    .await;
}
