//! The metrics the server records, through the `metrics` facade: nothing
//! is recorded until a recorder is installed (`laa serve --metrics-listen`
//! installs the Prometheus exporter), so tests and embedded servers pay
//! nothing.
//!
//! Families:
//! - `laa_requests_total{method, code}` and
//!   `laa_request_duration_seconds{method, code}`: every call, by its
//!   gRPC method and outcome code (see `edge.rs`);
//! - `laa_append_duration_seconds{outcome}`: the store's append (queueing
//!   for the group commit, the transaction and its flush);
//! - `laa_follow_streams`: following `StreamEvents` calls open now;
//! - `laa_group_commit_batches_total`, `laa_group_commit_commands_total`,
//!   `laa_group_commit_largest_batch`, `laa_group_commit_queued`: the
//!   store's group commits (mean batch size = commands / batches);
//! - `laa_db_pool_connections{state="idle"|"in_use"}`: the database pool;
//! - `laa_notifications_total{outcome="sent"|"failed"}`: email
//!   notifications, recorded by the workspace's notifier
//!   (`laa_workspace::notifier`).

use std::time::Duration;

use laa_store::Store;

/// Records one call.
pub(crate) fn request(method: String, code: &'static str, latency: Duration) {
    metrics::counter!("laa_requests_total", "method" => method.clone(), "code" => code)
        .increment(1);
    metrics::histogram!("laa_request_duration_seconds", "method" => method, "code" => code)
        .record(latency.as_secs_f64());
}

/// Records one append to the store.
pub(crate) fn appended(latency: Duration, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::histogram!("laa_append_duration_seconds", "outcome" => outcome)
        .record(latency.as_secs_f64());
}

/// A following stream, counted in `laa_follow_streams` while it lives.
pub(crate) struct FollowStream(());

impl FollowStream {
    pub(crate) fn open() -> Self {
        metrics::gauge!("laa_follow_streams").increment(1.0);
        FollowStream(())
    }
}

impl Drop for FollowStream {
    fn drop(&mut self) {
        metrics::gauge!("laa_follow_streams").decrement(1.0);
    }
}

/// Brings the store's own figures (group commits, the connection pool)
/// up to date: called just before each scrape.
pub fn observe_store(store: &Store) {
    let commits = store.group_commits();
    metrics::counter!("laa_group_commit_batches_total").absolute(commits.batches);
    metrics::counter!("laa_group_commit_commands_total").absolute(commits.commands);
    metrics::gauge!("laa_group_commit_largest_batch").set(commits.largest as f64);
    metrics::gauge!("laa_group_commit_queued").set(commits.queued as f64);
    let pool = store.pool_connections();
    metrics::gauge!("laa_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("laa_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
}
