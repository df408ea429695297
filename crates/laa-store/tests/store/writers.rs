//! Writers under a fault: negotiations countered in turn until told to
//! stop, each writer remembering every write it was told was committed,
//! then checked: every acknowledged write is in the history, every chain
//! holds, and the store takes writes again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::{AgreementId, apply};
use laa_store::Store;
use tokio::task::JoinHandle;

use crate::support::{Negotiation, counter, go, rid, values};

/// One writer's result: its negotiation and its acknowledged writes
/// (request id → version).
pub type Written = (Negotiation, BTreeMap<String, u64>);

/// Writers running until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    writers: Vec<JoinHandle<Written>>,
}

impl Load {
    /// Opens `count` agreements (areas `{prefix}0`...) with the GO's first
    /// offer made, and starts a writer on each.
    pub async fn start(store: &Store, prefix: &str, count: usize) -> Self {
        Self::start_on(store, prefix, &vec![1; count]).await
    }

    /// Opens one agreement for each entry of `writers` (areas `{prefix}0`...)
    /// with the GO's first offer made, and starts that many writers on it;
    /// writers of one agreement race for each turn.
    ///
    /// Every third append gives up after a moment, as a client past its
    /// deadline does, then sends the same request again (its request id
    /// and expected version) and waits for the answer, as that client's
    /// retry does: the first attempt may or may not have committed, and is
    /// acknowledged only by the retry's answer.
    pub async fn start_on(store: &Store, prefix: &str, writers: &[usize]) -> Self {
        let mut negotiations = Vec::new();
        for (i, &count) in writers.iter().enumerate() {
            let mut n = Negotiation::new(store, &format!("{prefix}{i}"));
            n.open().await;
            n.run(&go(), counter(1, values(50, 51, 52, 53))).await;
            for _ in 1..count {
                negotiations.push(Negotiation::new(store, &format!("{prefix}{i}")));
            }
            if count > 0 {
                negotiations.push(n);
            }
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

    /// Stops the writers and checks what they leave in `store`: one more
    /// write accepted on each agreement, every acknowledged write there and
    /// every chain whole. Returns how many writes were acknowledged.
    pub async fn stop_and_check(self, store: &Store) -> usize {
        let mut written = self.stop().await;
        let refused = writes_again(store, &mut written).await;
        check(store, &written, refused).await
    }

    /// Stops the writers; returns what each wrote.
    pub async fn stop(self) -> Vec<Written> {
        self.stop.store(true, Ordering::SeqCst);
        let mut written = Vec::with_capacity(self.writers.len());
        for writer in self.writers {
            written.push(writer.await.expect("a writer"));
        }
        written
    }
}

/// One more write on each writer's agreement, once the fault has passed
/// and without a restart; each is acknowledged like the others. Returns
/// the refusals, for [`check`] to report.
pub async fn writes_again(store: &Store, written: &mut [Written]) -> Vec<String> {
    let mut refused = Vec::new();
    for (w, (n, acknowledged)) in written.iter_mut().enumerate() {
        n.state = match store.load(&n.id).await {
            Ok(Some(state)) => state,
            other => {
                refused.push(format!(
                    "{}: load once the fault has passed: {other:?}",
                    n.id
                ));
                continue;
            }
        };
        let events = n.decide(&turn(n), counter(1, values(60, 61, 62, 63)));
        let request = format!("after-the-fault-{w}");
        match store
            .append(&n.id, n.state.version, &rid(&request), &events)
            .await
        {
            Ok(outcome) => {
                acknowledged.insert(request, outcome.version);
            }
            Err(e) => refused.push(format!(
                "{}: a write once the fault has passed, without a restart: {e}",
                n.id
            )),
        }
    }
    refused
}

/// Checks what the writers left in `store`: every acknowledged write in
/// its agreement's history at its version, and every agreement's chain
/// whole; fails on any problem found, or on those `earlier` holds. Returns
/// how many writes were acknowledged.
pub async fn check(store: &Store, written: &[Written], earlier: Vec<String>) -> usize {
    let mut problems = earlier;
    let mut total = 0;
    // Each agreement's history: request id → the last sequence it wrote.
    let mut histories: BTreeMap<AgreementId, BTreeMap<String, u64>> = BTreeMap::new();
    for (n, acknowledged) in written {
        total += acknowledged.len();
        if !histories.contains_key(&n.id) {
            let verification = store.verify(&n.id).await.expect("verify");
            if !verification.ok {
                problems.push(format!("{}: chain broken: {verification:?}", n.id));
            }
            let events = store.events(&n.id, 1, u64::MAX).await.expect("events");
            let written_by = events
                .into_iter()
                .map(|e| (e.request_id, e.sequence))
                .collect();
            histories.insert(n.id.clone(), written_by);
        }
        let history = &histories[&n.id];
        for (request, version) in acknowledged {
            let found = history.get(request);
            if found != Some(version) {
                problems.push(format!(
                    "{}: acknowledged {request} at version {version}, in the history at {found:?}",
                    n.id
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(total > 0, "nothing was acknowledged");
    total
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
                // The client's retry, after its deadline.
                Err(_) => {
                    store
                        .append(&n.id, n.state.version, &request_id, &events)
                        .await
                }
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
