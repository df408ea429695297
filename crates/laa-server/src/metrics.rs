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
//!   store's group commits (mean batch size = commands / batches), and
//!   `laa_group_commit_batch_size`, a histogram of the commands each
//!   committed transaction held (recorded by the store's committer);
//! - `laa_db_pool_connections{state="idle"|"in_use"}`: the database pool;
//! - `laa_notifications_total{outcome="sent"|"failed"}`: email
//!   notifications, recorded by the workspace's notifier
//!   (`laa_workspace::notifier`).
//!
//! [`describe`] gives every family its `# HELP` line and brings every
//! series that can be named in advance into being at zero, so a dashboard
//! or an alert finds them from the first scrape.

use std::time::Duration;

use laa_store::Store;

/// The group commit's batch sizes: its histogram's own buckets (a batch
/// holds at most `laa_store::MAX_BATCH` commands).
pub const BATCH_SIZE_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0];

/// The name of the batch size histogram.
pub const BATCH_SIZE: &str = "laa_group_commit_batch_size";

/// Describes every family the server records (their `# HELP` lines) and
/// records each series that can be named in advance at zero: a call
/// counter and latency histogram for every method of the contract with
/// the code `OK`, the store's figures, the follow streams, the
/// notifications. Called once, after the recorder is installed.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "laa_requests_total",
        "Calls answered, by gRPC method and outcome code."
    );
    describe_histogram!(
        "laa_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a call, by gRPC method and outcome code."
    );
    describe_histogram!(
        "laa_append_duration_seconds",
        Unit::Seconds,
        "Time an append to the event log took, queueing for the group commit and its flush included, by outcome."
    );
    describe_gauge!(
        "laa_follow_streams",
        "StreamEvents calls following an agreement now."
    );
    describe_counter!(
        "laa_group_commit_batches_total",
        "Transactions the store's group commit has committed."
    );
    describe_counter!(
        "laa_group_commit_commands_total",
        "Commands those transactions held."
    );
    describe_gauge!(
        "laa_group_commit_largest_batch",
        "The most commands one committed transaction has held."
    );
    describe_gauge!(
        "laa_group_commit_queued",
        "Appends waiting for the next transaction."
    );
    describe_histogram!(
        BATCH_SIZE,
        "Commands each committed transaction of the group commit held."
    );
    describe_gauge!(
        "laa_db_pool_connections",
        "Database connections of the pool, by state (idle, in_use)."
    );
    describe_counter!(
        "laa_notifications_total",
        "Email notifications, by outcome (sent, failed)."
    );
    for method in laa_proto::contract::contract().methods() {
        let method = method.path.trim_start_matches('/').to_owned();
        metrics::counter!("laa_requests_total", "method" => method.clone(), "code" => "OK")
            .absolute(0);
        // Registered, not recorded: the histogram is rendered with every
        // bucket at zero.
        let _ =
            metrics::histogram!("laa_request_duration_seconds", "method" => method, "code" => "OK");
    }
    for outcome in ["ok", "error"] {
        let _ = metrics::histogram!("laa_append_duration_seconds", "outcome" => outcome);
    }
    let _ = metrics::histogram!(BATCH_SIZE);
    metrics::gauge!("laa_follow_streams").increment(0.0);
    for outcome in ["sent", "failed"] {
        metrics::counter!("laa_notifications_total", "outcome" => outcome).absolute(0);
    }
}

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
