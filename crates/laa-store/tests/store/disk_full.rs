//! A full disk under load (SQLite): writes fail while it is full, no
//! acknowledged write is lost, no chain breaks, and the store writes again
//! once space is freed, without a restart.
//!
//! Some writers give up on their appends part way, as clients whose
//! deadline passed do.
//!
//! The database lives on a small tmpfs mounted for the test (root only:
//! CI runs as root); elsewhere the test fails saying so rather than
//! passing without having filled a disk.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::apply;
use laa_store::{Store, StoreOptions};

use crate::support::{Negotiation, counter, go, values};

/// A tmpfs of `megabytes`, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().expect("a mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "this test mounts a {megabytes} MB tmpfs to fill it, which needs root (CI runs as root)"
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_loses_no_acknowledged_write_and_breaks_no_chain() {
    let disk = SmallDisk::mount(24);
    let url = format!("sqlite://{}/laa.db?mode=rwc", disk.path().display());
    let store = Store::connect(&url, StoreOptions::default())
        .await
        .expect("open the store");
    let mut negotiations = Vec::new();
    for i in 0..8 {
        let mut n = Negotiation::new(&store, &format!("full{i}"));
        n.open().await;
        // The GO's first offer, so that the sides counter in turn.
        n.run(&go(), counter(1, values(50, 51, 52, 53))).await;
        negotiations.push(n);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (w, mut n) in negotiations.into_iter().enumerate() {
        let (store, stop) = (store.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            // Every acknowledged write: its request id and version.
            let mut acknowledged = BTreeMap::new();
            let mut refused = 0u64;
            let mut k = 0u64;
            while !stop.load(Ordering::SeqCst) {
                k += 1;
                // As a server does: the agreement as the store has it now.
                match store.load(&n.id).await {
                    Ok(Some(state)) => n.state = state,
                    _ => {
                        refused += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                }
                let actor = if n.state.version.is_multiple_of(2) {
                    n.council()
                } else {
                    go()
                };
                let value = 50 + (k % 7) as i64;
                let events = n.decide(
                    &actor,
                    counter(1, values(value, value + 1, value + 2, value + 3)),
                );
                let request = format!("full-{w}-{k}");
                let append = store.append(&n.id, n.state.version, &request, &events);
                // Some callers give up early (a client's deadline): their
                // writes may or may not commit, and are never acknowledged.
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
                        assert_eq!(outcome.version, n.state.version);
                        acknowledged.insert(request, outcome.version);
                    }
                    Err(_) => {
                        refused += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        // Whatever failed, the agreement is as the store has it.
                        if let Ok(Some(state)) = store.load(&n.id).await {
                            n.state = state;
                        }
                    }
                }
            }
            (n, acknowledged, refused)
        }));
    }
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let filler = tokio::task::block_in_place(|| disk.fill());
        tokio::time::sleep(Duration::from_millis(400)).await;
        std::fs::remove_file(&filler).expect("free the disk");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);

    let mut total_acknowledged = 0;
    let mut total_refused = 0;
    for writer in writers {
        let (mut n, acknowledged, refused) = writer.await.expect("a writer");
        total_acknowledged += acknowledged.len();
        total_refused += refused;
        let verification = store.verify(&n.id).await.expect("verify");
        assert!(verification.ok, "{}: {verification:?}", n.id);
        for (request, version) in &acknowledged {
            let found = store.find_outcome(&n.id, request).await.expect("look up");
            assert_eq!(
                found.map(|o| o.version),
                Some(*version),
                "{}: acknowledged {request} at version {version} is missing",
                n.id
            );
        }
        // The freed disk takes writes again, without a restart.
        n.state = store
            .load(&n.id)
            .await
            .expect("load")
            .expect("the agreement");
        let actor = if n.state.version.is_multiple_of(2) {
            n.council()
        } else {
            go()
        };
        let events = n.decide(&actor, counter(1, values(60, 61, 62, 63)));
        store
            .append(&n.id, n.state.version, "after-the-fault", &events)
            .await
            .expect("a write once the disk has room again");
    }
    assert!(total_acknowledged > 0, "nothing was written");
    assert!(
        total_refused > 0,
        "the disk never filled: no write was refused ({total_acknowledged} acknowledged)"
    );
    store.close().await.expect("close");
}
