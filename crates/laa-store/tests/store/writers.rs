//! Writers under a fault: eight negotiations countering in turn until told
//! to stop, each remembering every write it was told was committed, then
//! checked: every acknowledged write is in the history, every chain holds,
//! and the store takes writes again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::apply;
use laa_store::Store;
use tokio::task::JoinHandle;

use crate::support::{Negotiation, counter, go, rid, values};

/// One writer's result: its negotiation and its acknowledged writes
/// (request id → version).
type Written = (Negotiation, BTreeMap<String, u64>);

/// Writers running until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    writers: Vec<JoinHandle<Written>>,
}

impl Load {
    /// Opens `count` agreements (areas `{prefix}0`...) with the GO's first
    /// offer made, and starts a writer on each. Every third append gives up
    /// after a moment, as a client past its deadline does: those writes may
    /// or may not commit and are never counted as acknowledged.
    pub async fn start(store: &Store, prefix: &str, count: usize) -> Self {
        let mut negotiations = Vec::new();
        for i in 0..count {
            let mut n = Negotiation::new(store, &format!("{prefix}{i}"));
            n.open().await;
            n.run(&go(), counter(1, values(50, 51, 52, 53))).await;
            negotiations.push(n);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers = negotiations
            .into_iter()
            .enumerate()
            .map(|(w, n)| {
                tokio::spawn(write(
                    store.clone(),
                    n,
                    format!("{prefix}-{w}"),
                    stop.clone(),
                ))
            })
            .collect();
        Self { stop, writers }
    }

    /// Stops the writers and checks what they leave: every acknowledged
    /// write there, every chain whole, and one more write accepted on each
    /// agreement. Returns how many writes were acknowledged.
    pub async fn stop_and_check(self, store: &Store) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        let mut total = 0;
        for writer in self.writers {
            let (mut n, acknowledged) = writer.await.expect("a writer");
            total += acknowledged.len();
            let verification = store.verify(&n.id).await.expect("verify");
            assert!(verification.ok, "{}: {verification:?}", n.id);
            for (request, version) in &acknowledged {
                let found = store
                    .find_outcome(&n.id, &rid(request))
                    .await
                    .expect("look up");
                assert_eq!(
                    found.map(|o| o.version),
                    Some(*version),
                    "{}: acknowledged {request} at version {version} is missing",
                    n.id
                );
            }
            n.state = store
                .load(&n.id)
                .await
                .expect("load")
                .expect("the agreement");
            let events = n.decide(&turn(&n), counter(1, values(60, 61, 62, 63)));
            store
                .append(&n.id, n.state.version, &rid("after-the-fault"), &events)
                .await
                .expect("a write once the fault has passed, without a restart");
        }
        assert!(total > 0, "nothing was acknowledged");
        total
    }
}

/// Whose turn it is: the GO counters at odd versions, the area at even.
fn turn(n: &Negotiation) -> laa_core::Actor {
    if n.state.version.is_multiple_of(2) {
        n.council()
    } else {
        go()
    }
}

async fn write(store: Store, mut n: Negotiation, tag: String, stop: Arc<AtomicBool>) -> Written {
    let mut acknowledged = BTreeMap::new();
    let mut k = 0u64;
    while !stop.load(Ordering::SeqCst) {
        k += 1;
        // As a server does: the agreement as the store has it now.
        match store.load(&n.id).await {
            Ok(Some(state)) => n.state = state,
            _ => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        }
        let value = 50 + (k % 7) as i64;
        let events = n.decide(
            &turn(&n),
            counter(1, values(value, value + 1, value + 2, value + 3)),
        );
        let request = format!("{tag}-{k}");
        let request_id = rid(&request);
        let append = store.append(&n.id, n.state.version, &request_id, &events);
        let answered = if k.is_multiple_of(3) {
            match tokio::time::timeout(Duration::from_micros(200 + k % 900), append).await {
                Ok(answered) => answered,
                Err(_) => continue,
            }
        } else {
            append.await
        };
        match answered {
            Ok(outcome) => {
                for e in &events {
                    apply(&mut n.state, e);
                }
                acknowledged.insert(request, outcome.version);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    (n, acknowledged)
}
