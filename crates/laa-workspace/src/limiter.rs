//! The rate limit on sign-in attempts: at most [`ATTEMPTS`] a minute from
//! one address, however they fare.
//!
//! Written here rather than taken from a crate (`governor`,
//! `tower_governor`): it is one fixed window per address in a bounded map,
//! applied to two handlers, and a crate would bring its own clock and
//! key-extraction layer for that.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Sign-in attempts allowed from one address in a [`WINDOW`].
pub const ATTEMPTS: u32 = 10;
/// The window attempts are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// The most addresses remembered; beyond it, expired windows are dropped,
/// and if none has expired every address starts afresh.
const MAX_ADDRESSES: usize = 100_000;

/// Attempts per address in the current window.
#[derive(Default)]
pub struct Limiter(Mutex<HashMap<IpAddr, (Instant, u32)>>);

impl Limiter {
    /// Counts an attempt from `address`: false when it is over the limit
    /// (and must be refused without being tried).
    pub fn allow(&self, address: IpAddr) -> bool {
        let mut windows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= MAX_ADDRESSES {
            windows.retain(|_, (began, _)| began.elapsed() < WINDOW);
            if windows.len() >= MAX_ADDRESSES {
                windows.clear();
            }
        }
        let now = Instant::now();
        let (began, count) = windows.entry(address).or_insert((now, 0));
        if began.elapsed() >= WINDOW {
            *began = now;
            *count = 0;
        }
        *count += 1;
        *count <= ATTEMPTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_attempt_in_a_minute_is_refused_and_others_are_not() {
        let limiter = Limiter::default();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..ATTEMPTS {
            assert!(limiter.allow(one));
        }
        assert!(!limiter.allow(one));
        assert!(limiter.allow(other));
    }
}
