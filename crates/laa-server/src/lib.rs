//! The `laa.v1` gRPC server.
//!
//! # Layout
//! - [`auth`]: bearer token → `laa_core::Actor`, the one authentication layer.
//! - [`convert`]: wire ↔ domain; malformed input stops here.
//! - [`error`]: the one mapping from errors to `tonic::Status`.
//! - [`edge`]: the request timeout, and tonic's own answers (undecodable or
//!   oversized requests, unknown methods) brought into that mapping.
//! - `indicators`, `areas`, `agreements`, `audit`: the four services,
//!   implemented on [`Engine`].
//! - [`metrics`]: the Prometheus metrics the server records (through the
//!   `metrics` facade; `laa serve --metrics-listen` installs the exporter).
//! - [`serving`]: the server's life: listening from the start (health
//!   `NOT_SERVING` and calls `UNAVAILABLE` while the database is being
//!   opened), the services, reflection (v1 and v1alpha), health, limits,
//!   and graceful shutdown; [`serve`] runs it on an open store.
//!
//! The server decides nothing itself: every rule, including who may do
//! what, is `laa-core`'s; every write goes through `laa-store`'s `append`.
//! It reads no clock of its own: the time a command is decided at, and
//! today's date, come from the store's `laa_store::Clock`.

pub mod agreements;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod connections;
pub mod convert;
pub mod edge;
pub mod error;
pub mod indicators;
pub mod metrics;
pub mod national;
pub mod performance;
mod read_models;
pub mod rounds;
pub mod serving;
mod streams;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::AgreementId;
use laa_proto::v1 as pb;
use laa_store::{Credentials, Queries, Store};
use tokio::sync::{broadcast, watch};

pub use error::ApiError;
pub use serving::Serving;

/// Limits and timeouts of the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The longest a unary request may run before it fails with DEADLINE_EXCEEDED.
    pub request_timeout: Duration,
    /// The largest request message accepted, in bytes.
    pub max_message_bytes: usize,
    /// How often the database is checked for the health service.
    pub health_interval: Duration,
    /// After the shutdown signal, how long the server goes on accepting
    /// calls while health reports NOT_SERVING, so load balancers stop
    /// sending before the listener closes.
    pub shutdown_grace: Duration,
    /// True while health reports SERVING (what an HTTP `/readyz` answers).
    pub ready: Arc<AtomicBool>,
    /// TLS (the server's certificate, and for mutual TLS the clients'
    /// CA); `None` serves plaintext.
    pub tls: Option<tonic::transport::ServerTlsConfig>,
    /// The gRPC listener's idle timeout and connection cap.
    pub grpc_limits: GrpcLimits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_message_bytes: 16 * 1024 * 1024,
            health_interval: Duration::from_secs(1),
            shutdown_grace: Duration::ZERO,
            ready: Arc::new(AtomicBool::new(false)),
            tls: None,
            grpc_limits: GrpcLimits::default(),
        }
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The transport failed.
    #[error("gRPC transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The reflection service could not be built from the descriptor set.
    #[error("server reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The serving task ended abnormally (it panicked or was cancelled).
    #[error("the server stopped abnormally: {0}")]
    Stopped(String),
}

/// Tells followers of the event stream that an agreement has new events.
#[derive(Clone, Debug)]
pub struct Feed(broadcast::Sender<AgreementId>);

impl Feed {
    fn new() -> Self {
        Self(broadcast::channel(1024).0)
    }

    /// Announces new events on an agreement.
    pub fn announce(&self, id: &AgreementId) {
        // No subscriber is not an error: nobody is following.
        let _ = self.0.send(id.clone());
    }

    /// Listens for announcements.
    pub fn subscribe(&self) -> broadcast::Receiver<AgreementId> {
        self.0.subscribe()
    }
}

/// The state every service shares: the event log, the read-only queries
/// and the credentials (the store's roles), the event feed, and the
/// shutdown flag that ends following streams.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    queries: Queries,
    credentials: Credentials,
    /// The analytics' read models, kept by version.
    read_models: std::sync::Arc<read_models::ReadModels>,
    feed: Feed,
    stopping: watch::Receiver<bool>,
    rendered: std::sync::Arc<agreements::Rendered>,
    /// On PostgreSQL: the agreements to announce to the other servers.
    notify: Option<tokio::sync::mpsc::UnboundedSender<AgreementId>>,
}

impl Engine {
    /// The announcements of new events on agreements this server hears:
    /// every command it records, and on PostgreSQL every one another server
    /// of the database records. For followers outside this crate (the
    /// workspace's email notifier); an announcement may be missed when a
    /// follower lags far behind ([`broadcast::error::RecvError::Lagged`]),
    /// so a follower also re-reads on its own from time to time.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// Tells this server's followers that an agreement has new events and,
    /// on PostgreSQL, every other server of the database (a `NOTIFY` sent
    /// after the commit, in the background: the caller does not wait).
    pub(crate) fn announce(&self, id: &AgreementId) {
        self.feed.announce(id);
        if let Some(notify) = &self.notify {
            // The notifier may have stopped with the server: nobody to tell.
            let _ = notify.send(id.clone());
        }
    }
}

/// On PostgreSQL: announces appended agreements to the other servers of the
/// database ([`Store::announce`]), after the commit, in the background. What
/// queued while the last announcement was sent goes in the next one: one
/// per command would cost a flush each and serialise commits on
/// PostgreSQL's notification queue.
async fn notify_other_servers(
    store: Store,
    mut queued: tokio::sync::mpsc::UnboundedReceiver<AgreementId>,
) {
    while let Some(first) = queued.recv().await {
        let mut ids = std::collections::BTreeSet::from([first]);
        while let Ok(id) = queued.try_recv() {
            ids.insert(id);
        }
        let ids: Vec<AgreementId> = ids.into_iter().collect();
        if let Err(error) = store.announce(&ids).await {
            tracing::warn!(%error, agreements = ids.len(), "cannot notify the other servers; their followers poll");
        }
    }
}

/// On PostgreSQL: passes the other servers' announcements to this server's
/// followers ([`Store::follow_announcements`], which listens again after a
/// failure; meanwhile followers still re-read every second).
async fn listen_for_other_servers(store: Store, feed: Feed) {
    store.follow_announcements(|id| feed.announce(&id)).await;
}

pub use connections::{GrpcLimits, incoming};

/// Every name the health service answers for: the server as a whole (`""`)
/// and each of the services.
pub fn health_names() -> [&'static str; 7] {
    use pb::agreement_service_server::AgreementServiceServer;
    use pb::area_service_server::AreaServiceServer;
    use pb::audit_service_server::AuditServiceServer;
    use pb::indicator_service_server::IndicatorServiceServer;
    use pb::performance_service_server::PerformanceServiceServer;
    use pb::round_service_server::RoundServiceServer;
    use tonic::server::NamedService;
    [
        "",
        <IndicatorServiceServer<Engine> as NamedService>::NAME,
        <RoundServiceServer<Engine> as NamedService>::NAME,
        <AreaServiceServer<Engine> as NamedService>::NAME,
        <AgreementServiceServer<Engine> as NamedService>::NAME,
        <AuditServiceServer<Engine> as NamedService>::NAME,
        <PerformanceServiceServer<Engine> as NamedService>::NAME,
    ]
}

/// Sets every name of [`health_names`] to one status.
async fn set_health(
    health: &tonic_health::server::HealthReporter,
    ready: &AtomicBool,
    serving: bool,
) {
    ready.store(serving, Ordering::SeqCst);
    let status = if serving {
        tonic_health::ServingStatus::Serving
    } else {
        tonic_health::ServingStatus::NotServing
    };
    for name in health_names() {
        health.set_service_status(name, status).await;
    }
}

/// Checks the database every `interval` (each check bounded by it, at
/// least a second) and reports every service NOT_SERVING while it cannot
/// be reached, SERVING again once it answers.
async fn watch_database(
    store: Store,
    health: tonic_health::server::HealthReporter,
    ready: Arc<AtomicBool>,
    interval: Duration,
) {
    let mut up = true;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let bound = interval.max(Duration::from_secs(1));
        let answer = match tokio::time::timeout(bound, store.ping()).await {
            Ok(answer) => answer.map_err(|e| e.to_string()),
            Err(_) => Err(format!("no answer within {} ms", bound.as_millis())),
        };
        match (up, answer) {
            (true, Err(error)) => {
                tracing::error!(%error, "the database cannot be reached: health is NOT_SERVING");
                set_health(&health, &ready, false).await;
                up = false;
            }
            (false, Ok(())) => {
                tracing::info!("the database answers again: health is SERVING");
                set_health(&health, &ready, true).await;
                up = true;
            }
            _ => {}
        }
    }
}

/// Serves every service on `store` on `listener` until `shutdown`
/// completes (see [`Serving::run_until`]). Every acknowledged write was
/// committed before its answer. A server that must answer while its
/// database is still being opened uses [`Serving`] itself.
pub async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Serving::start_open(listener, config, store)
        .await?
        .run_until(shutdown)
        .await
}
