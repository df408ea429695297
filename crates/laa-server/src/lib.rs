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
//! - [`serve`]: the server itself: the services, reflection (v1 and
//!   v1alpha), health, limits, and graceful shutdown.
//!
//! The server decides nothing itself: every rule, including who may do
//! what, is `laa-core`'s; every write goes through `laa-store`'s `append`.

pub mod agreements;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod convert;
pub mod edge;
pub mod error;
pub mod indicators;
pub mod rounds;

use std::future::Future;
use std::time::Duration;

use laa_core::AgreementId;
use laa_proto::v1 as pb;
use laa_store::Store;
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::TcpListenerStream;

pub use error::ApiError;

/// Limits and timeouts of the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The longest a unary request may run before it fails with DEADLINE_EXCEEDED.
    pub request_timeout: Duration,
    /// The largest request message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Replaying a historic round: a command dated with `occurred_at` is
    /// decided as if the server's clock read that date (so the backdating
    /// limit does not refuse 2008), while `recorded_at` stays the real
    /// time. Only for the demo's own embedded server: a server of record
    /// never sets it (`laa serve` cannot), and a historic round is loaded
    /// into one with `ImportHistory`.
    pub replay_dates: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_message_bytes: 16 * 1024 * 1024,
            replay_dates: false,
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

/// The state every service shares: the store, the event feed, and the
/// shutdown flag that ends following streams.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    feed: Feed,
    stopping: watch::Receiver<bool>,
    rendered: std::sync::Arc<agreements::Rendered>,
    /// See [`ServerConfig::replay_dates`].
    replay_dates: bool,
}

/// The connections accepted on `listener`, with Nagle's algorithm off.
///
/// A gRPC exchange is a few small writes each way; with Nagle's algorithm
/// on, a response's last segment waits for the client's delayed ACK (about
/// 40 ms on Linux) before it is sent. tonic's `tcp_nodelay` only applies to
/// listeners it binds itself, so every connection accepted here sets it.
pub fn incoming(
    listener: tokio::net::TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt;
    TcpListenerStream::new(listener).map(|accepted| {
        let stream = accepted?;
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot turn Nagle's algorithm off on a connection");
        }
        Ok(stream)
    })
}

/// Serves every service on `listener` until `shutdown` completes; then
/// stops accepting, ends following streams, finishes in-flight calls and
/// returns. Every acknowledged write was committed before its answer.
pub async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    use pb::agreement_service_server::AgreementServiceServer;
    use pb::area_service_server::AreaServiceServer;
    use pb::audit_service_server::AuditServiceServer;
    use pb::indicator_service_server::IndicatorServiceServer;
    use pb::round_service_server::RoundServiceServer;

    let (stop, stopping) = watch::channel(false);
    let engine = Engine {
        store,
        feed: Feed::new(),
        stopping,
        rendered: Default::default(),
        replay_dates: config.replay_dates,
    };
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IndicatorServiceServer<Engine>>().await;
    health.set_serving::<RoundServiceServer<Engine>>().await;
    health.set_serving::<AreaServiceServer<Engine>>().await;
    health.set_serving::<AgreementServiceServer<Engine>>().await;
    health.set_serving::<AuditServiceServer<Engine>>().await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let max = config.max_message_bytes;
    let on_shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing in-flight calls");
        health
            .set_not_serving::<AgreementServiceServer<Engine>>()
            .await;
        let _ = stop.send(true);
    };
    tonic::transport::Server::builder()
        .layer(edge::EdgeLayer::new(config.request_timeout))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(IndicatorServiceServer::new(engine.clone()).max_decoding_message_size(max))
        .add_service(RoundServiceServer::new(engine.clone()).max_decoding_message_size(max))
        .add_service(AreaServiceServer::new(engine.clone()).max_decoding_message_size(max))
        .add_service(AgreementServiceServer::new(engine.clone()).max_decoding_message_size(max))
        .add_service(AuditServiceServer::new(engine).max_decoding_message_size(max))
        .serve_with_incoming_shutdown(incoming(listener), on_shutdown)
        .await?;
    tracing::info!("server stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio_stream::StreamExt;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let mut accepted = Box::pin(super::incoming(listener));
        let _client = tokio::net::TcpStream::connect(address).await?;
        let Some(connection) = accepted.next().await else {
            panic!("the listener accepted nothing");
        };
        assert!(
            connection?.nodelay()?,
            "TCP_NODELAY is off on an accepted connection"
        );
        Ok(())
    }
}
