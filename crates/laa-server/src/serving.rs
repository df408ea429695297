//! The server's life: serving from the moment it listens, the engine's
//! services once the database is ready, and a graceful shutdown.
//!
//! A server listens before its database is open, so that nothing else
//! takes its port while the schema and reference data are being prepared
//! (which, on a fresh database another process is preparing, means
//! waiting). Meanwhile it answers: health says `NOT_SERVING` for every
//! name and every other call is `UNAVAILABLE` with reason `UNAVAILABLE`
//! and a sentence saying why, which a client retries, never a SQL error
//! or a connection left hanging. [`Serving::open`] puts the engine's
//! services behind the same listener and reports `SERVING`.

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use laa_proto::v1 as pb;
use laa_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::service::Routes;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::{
    Engine, Feed, ServerConfig, ServerError, edge, incoming, listen_for_other_servers,
    notify_other_servers, set_health, watch_database,
};

/// A server listening, with or without its engine yet.
pub struct Serving {
    config: ServerConfig,
    health: tonic_health::server::HealthReporter,
    /// The engine's services, once the database is open.
    engine_routes: Arc<OnceLock<axum::Router>>,
    /// The engine, once opened: other adapters in this process (the
    /// workspace) call its services directly.
    engine: OnceLock<Engine>,
    /// Tells the engine's following streams to end.
    stop_engine: watch::Sender<bool>,
    /// Begins the shutdown (`true`).
    begin_shutdown: watch::Sender<bool>,
    /// The engine's background tasks (the database watcher, the other
    /// servers' listener), stopped first at shutdown.
    background: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// The task serving the listener (`None` only while [`Serving::begin`]
    /// sets the server up).
    server: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
}

impl Serving {
    /// Starts serving on `listener`: health `NOT_SERVING`, reflection, and
    /// `UNAVAILABLE` for every other call until [`Serving::open`].
    pub async fn start(
        listener: tokio::net::TcpListener,
        config: ServerConfig,
    ) -> Result<Self, ServerError> {
        Self::begin(listener, config, None).await
    }

    /// Starts serving on `listener` with the engine on `store` from the
    /// first call.
    pub async fn start_open(
        listener: tokio::net::TcpListener,
        config: ServerConfig,
        store: Store,
    ) -> Result<Self, ServerError> {
        Self::begin(listener, config, Some(store)).await
    }

    async fn begin(
        listener: tokio::net::TcpListener,
        config: ServerConfig,
        store: Option<Store>,
    ) -> Result<Self, ServerError> {
        let (health, health_service) = tonic_health::server::health_reporter();
        set_health(&health, &config.ready, false).await;
        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;
        let engine_routes: Arc<OnceLock<axum::Router>> = Arc::default();
        let gate = {
            let engine_routes = engine_routes.clone();
            move |request: axum::extract::Request| {
                let routes = engine_routes.get().cloned();
                async move {
                    match routes {
                        Some(routes) => match routes.oneshot(request).await {
                            Ok(response) => response,
                            Err(never) => match never {},
                        },
                        None => tonic::Status::from(ApiError::Starting).into_http(),
                    }
                }
            }
        };
        let routes = Routes::new(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .into_axum_router()
            .fallback(gate);

        let (stop_engine, _) = watch::channel(false);
        let (begin_shutdown, mut shutdown_begun) = watch::channel(false);
        let background: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let on_shutdown = {
            let (health, ready, background) =
                (health.clone(), config.ready.clone(), background.clone());
            let (grace, stop_engine) = (config.shutdown_grace, stop_engine.clone());
            async move {
                let _ = shutdown_begun.wait_for(|begun| *begun).await;
                // The watcher stops first, so it cannot report SERVING again.
                let tasks = std::mem::take(&mut *lock(&background));
                for task in tasks {
                    task.abort();
                    let _ = task.await;
                }
                set_health(&health, &ready, false).await;
                if !grace.is_zero() {
                    tracing::info!(
                        grace_ms = grace.as_millis() as u64,
                        "shutting down: health is NOT_SERVING; still serving during the grace period"
                    );
                    tokio::time::sleep(grace).await;
                }
                tracing::info!("shutting down: no new connections; finishing in-flight calls");
                let _ = stop_engine.send(true);
            }
        };
        // The server pings every connection, so a client that only waits
        // still moves bytes and is not closed as idle (`connections`).
        let keepalive = config.grpc_limits.keepalive();
        let mut builder = tonic::transport::Server::builder()
            .http2_keepalive_interval(Some(keepalive))
            .http2_keepalive_timeout(Some(keepalive));
        if let Some(tls) = config.tls.clone() {
            builder = builder.tls_config(tls)?;
        }
        let mut serving = Self {
            config,
            health,
            engine_routes,
            engine: OnceLock::new(),
            stop_engine,
            begin_shutdown,
            background,
            server: None,
        };
        if let Some(store) = store {
            serving.open(store).await;
        }
        serving.server = Some(tokio::spawn(
            builder
                .layer(edge::EdgeLayer::new(serving.config.request_timeout))
                .add_routes(Routes::from(routes))
                .serve_with_incoming_shutdown(
                    incoming(listener, serving.config.grpc_limits),
                    on_shutdown,
                ),
        ));
        Ok(serving)
    }

    /// Puts the engine's services on `store` behind the listener and
    /// reports `SERVING` (while the database answers).
    pub async fn open(&self, store: Store) {
        use pb::agreement_service_server::AgreementServiceServer;
        use pb::area_service_server::AreaServiceServer;
        use pb::audit_service_server::AuditServiceServer;
        use pb::indicator_service_server::IndicatorServiceServer;
        use pb::performance_service_server::PerformanceServiceServer;
        use pb::round_service_server::RoundServiceServer;

        let notify = (store.backend() == laa_store::Backend::Postgres).then(|| {
            let (notify, queued) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(notify_other_servers(store.clone(), queued));
            notify
        });
        let engine = Engine {
            store: store.clone(),
            queries: store.queries(),
            credentials: store.credentials(),
            read_models: Default::default(),
            feed: Feed::new(),
            stopping: self.stop_engine.subscribe(),
            rendered: Default::default(),
            notify,
        };
        let max = self.config.max_message_bytes;
        let routes =
            Routes::new(IndicatorServiceServer::new(engine.clone()).max_decoding_message_size(max))
                .add_service(RoundServiceServer::new(engine.clone()).max_decoding_message_size(max))
                .add_service(AreaServiceServer::new(engine.clone()).max_decoding_message_size(max))
                .add_service(
                    AgreementServiceServer::new(engine.clone()).max_decoding_message_size(max),
                )
                .add_service(AuditServiceServer::new(engine.clone()).max_decoding_message_size(max))
                .add_service(
                    PerformanceServiceServer::new(engine.clone()).max_decoding_message_size(max),
                )
                .prepare()
                .into_axum_router();
        if self.engine_routes.set(routes).is_err() {
            tracing::warn!("the server's engine was opened twice; the first stays");
            return;
        }
        let _ = self.engine.set(engine.clone());
        let shutting_down = || *self.begin_shutdown.borrow();
        if shutting_down() {
            return;
        }
        let (health, ready) = (&self.health, &self.config.ready);
        set_health(health, ready, true).await;
        lock(&self.background).extend([
            tokio::spawn(listen_for_other_servers(
                engine.store.clone(),
                engine.feed.clone(),
            )),
            tokio::spawn(watch_database(
                store,
                health.clone(),
                ready.clone(),
                self.config.health_interval,
            )),
        ]);
        // A shutdown that began meanwhile may have reported NOT_SERVING
        // before this reported SERVING: nothing may report SERVING now.
        if shutting_down() {
            set_health(health, ready, false).await;
        }
    }

    /// The engine, once [`Serving::open`] has put it on a store: what the
    /// workspace's forms call, so they take the gRPC services' one path.
    pub fn engine(&self) -> Option<Engine> {
        self.engine.get().cloned()
    }

    /// Serves until `shutdown` completes; then reports NOT_SERVING for
    /// every service, goes on serving for [`ServerConfig::shutdown_grace`],
    /// stops accepting, ends following streams, finishes in-flight calls
    /// and returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let Some(mut server) = self.server else {
            return Ok(());
        };
        tokio::select! {
            ended = &mut server => return finished(ended),
            () = shutdown => {}
        }
        let _ = self.begin_shutdown.send(true);
        finished(server.await)
    }
}

/// The server task's end as the server's result.
fn finished(
    ended: Result<Result<(), tonic::transport::Error>, tokio::task::JoinError>,
) -> Result<(), ServerError> {
    match ended {
        Ok(served) => {
            served?;
            tracing::info!("server stopped");
            Ok(())
        }
        Err(e) => Err(ServerError::Stopped(e.to_string())),
    }
}

/// The background tasks, even if a thread panicked holding them.
fn lock(tasks: &Mutex<Vec<JoinHandle<()>>>) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
    tasks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
