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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use laa_store::{Store, StoreOptions};

use crate::writers::Load;

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
    let load = Load::start(&store, "full", 8).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let filler = tokio::task::block_in_place(|| disk.fill());
        tokio::time::sleep(Duration::from_millis(400)).await;
        std::fs::remove_file(&filler).expect("free the disk");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    load.stop_and_check(&store).await;
    store.close().await.expect("close");
}
