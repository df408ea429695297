//! How `laa serve` holds glibc's allocator to what it uses. A server's
//! reads build large values that live for one request (a page rendered,
//! a file written, an agreement's history replayed), and glibc keeps what
//! they free for reuse: in an arena per thread that allocated at once (up
//! to eight a core), and in the middle of each heap, where it is never
//! given back by itself. After twenty years of rounds that retained memory
//! was a fifth of the server's resident size (docs/PERFORMANCE.md,
//! "Rounds apart, and memory after twenty years").

use std::time::Duration;

/// How often the memory freed and kept is looked at.
const EVERY: Duration = Duration::from_secs(2);

/// Freed memory kept beyond this is given back to the system.
const KEPT_FREE: usize = 32 << 20;

/// A block this large or larger is mapped on its own and unmapped when
/// freed. glibc raises its threshold to the size of each mapped block
/// freed (up to 32 MB), after which the large buffers of one request (a
/// page, a file's encodings, a record unpacked) come from the heap and
/// stay there, fragmenting it; a fixed threshold keeps them out of it.
const MAPPED_FROM: usize = 2 << 20;

/// Two arenas for the whole process, so that at most two high-water marks
/// of freed memory are kept, for a little contention between the workers;
/// and large blocks mapped on their own ([`MAPPED_FROM`]). Called before
/// any thread is started.
pub fn bound_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called
    // before any thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(
            libc::M_MMAP_THRESHOLD,
            libc::c_int::try_from(MAPPED_FROM).unwrap_or(libc::c_int::MAX),
        );
    }
}

/// Every [`EVERY`], gives back to the system the memory freed and kept
/// beyond [`KEPT_FREE`] (`malloc_trim`, which also releases the free
/// pages inside each heap). Runs until the runtime ends.
pub fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            // SAFETY: mallinfo2 and malloc_trim only read and adjust the
            // allocator's own state, under its locks.
            let free = unsafe { libc::mallinfo2() }.fordblks;
            if free > KEPT_FREE {
                let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
            }
        }
    });
}
