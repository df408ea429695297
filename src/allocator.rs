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

/// Two arenas for the whole process, so that at most two high-water marks
/// of freed memory are kept, for a little contention between the workers.
/// Called before any thread is started.
pub fn bound_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called
    // before any thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
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
