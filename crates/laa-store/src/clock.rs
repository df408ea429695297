//! The one clock: every read of the current time outside tests is here.
//!
//! `laa-core` reads no clock (time arrives in `Context::now`); the store
//! and the server take the time from the [`Clock`] a [`Store`](crate::Store)
//! was opened with ([`StoreOptions::clock`](crate::StoreOptions::clock)),
//! so that a test can see every place time enters the system, and a server
//! replaying a historic round differs from a server of record in this one
//! choice. A test (`crates/laa-store/tests/one_clock.rs`) fails if any
//! other non-test source reads the system's clock.

use chrono::{DateTime, SubsecRound, Utc};

/// Where the time comes from, and what time a command is decided at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system's clock: every command is decided at the time it
    /// arrives, and one dated (`occurred_at`) further back than the round
    /// allows is refused. What a server of record runs on.
    #[default]
    System,
    /// Replaying a historic round: a command dated with `occurred_at` is
    /// decided as if the clock read that date (so the backdating limit does
    /// not refuse 2008), and the indicator-set commands accept a date too;
    /// what the store records (`recorded_at`, token times) stays the
    /// system's time. For the demo's own server, and a server replaying a
    /// round into a database of its own; never a server of record.
    Replay,
}

impl Clock {
    /// The current time (the system's, whatever the choice).
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// The current time truncated to the microsecond both databases keep:
    /// what the store records, so that a time read back hashes as written.
    pub fn now_micros(&self) -> DateTime<Utc> {
        self.now().trunc_subsecs(6)
    }

    /// Today's date (UTC), for what falls due on a day.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().date_naive()
    }

    /// Whether a command's own date is the time it is decided at.
    pub fn replays(&self) -> bool {
        *self == Clock::Replay
    }

    /// The time a command dated `occurred_at` (if at all) is decided at:
    /// its date when replaying, otherwise now.
    pub fn deciding_at(&self, occurred_at: Option<DateTime<Utc>>) -> DateTime<Utc> {
        match occurred_at {
            Some(at) if self.replays() => at,
            _ => self.now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_replaying_clock_decides_at_a_commands_date() {
        let at = DateTime::parse_from_rfc3339("2008-06-01T12:00:00Z")
            .expect("a date")
            .with_timezone(&Utc);
        assert_eq!(Clock::Replay.deciding_at(Some(at)), at);
        assert!(Clock::System.deciding_at(Some(at)) > at);
        assert!(Clock::Replay.deciding_at(None) > at);
        assert_eq!(
            Clock::Replay.now_micros().timestamp_subsec_nanos() % 1000,
            0
        );
    }
}
