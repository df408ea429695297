//! `laa serve`: the server on the embedded default, or on PostgreSQL.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use laa_server::ServerConfig;
use laa_store::{Clock, PostgresServer, Store, StoreOptions, Synchronous};

use crate::DEFAULT_DATABASE_URL;

/// How SQLite syncs commits (ignored on PostgreSQL).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SyncMode {
    /// Every acknowledged write survives power loss (default).
    Full,
    /// Faster; the last writes before a power loss may be lost (never corrupt).
    Normal,
}

/// The clock a server decides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockChoice {
    /// Every command is decided when it arrives; a date further back than the round allows is refused (a server of record).
    System,
    /// A command's occurred_at is the time it is decided at, and indicator-set commands accept one: replaying a historic round into a database of its own. Never for a server of record.
    Replay,
}

impl From<ClockChoice> for Clock {
    fn from(choice: ClockChoice) -> Self {
        match choice {
            ClockChoice::System => Clock::System,
            ClockChoice::Replay => Clock::Replay,
        }
    }
}

/// How the server writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (colours only on a terminal).
    Text,
    /// One JSON object a line, with the request's span fields.
    Json,
}

/// Options of `laa serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database: sqlite://FILE?mode=rwc (embedded) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "LAA_DATABASE_URL", hide_env_values = true, default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// The address to listen on (port 0 picks a free port and prints it).
    #[arg(long, env = "LAA_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// SQLite's synchronous setting.
    #[arg(
        long,
        env = "LAA_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "full"
    )]
    pub sqlite_synchronous: SyncMode,
    /// PostgreSQL: this is the database's only server. Reads then answer from memory, as on SQLite (where a server is always the only one), and no other server can start beside it (nor this one beside another). Without it, several servers may share the database.
    #[arg(long, env = "LAA_SOLE_SERVER")]
    pub sole_server: bool,
    /// The clock commands are decided by: system (a server of record), or replay, which decides a command at its own occurred_at so that a historic round (2008) can be replayed or re-entered into a database of its own; what is recorded (recorded_at) is always the system's time.
    #[arg(long, env = "LAA_CLOCK", value_enum, default_value = "system")]
    pub clock: ClockChoice,
    /// Seconds a request may run before it fails with DEADLINE_EXCEEDED.
    #[arg(long, env = "LAA_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds to go on serving after SIGTERM with health NOT_SERVING, so a load balancer stops sending first.
    #[arg(long, env = "LAA_SHUTDOWN_GRACE_SECS", default_value_t = 0)]
    pub shutdown_grace_secs: u64,
    /// Log format: text or json (default: text on a terminal, json otherwise).
    #[arg(long, env = "LAA_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// An HTTP address serving Prometheus /metrics, /healthz and /readyz, or `off` (the default); HTTPS with --tls-cert.
    // `off` lets an environment that turns metrics on (the container
    // image) be overridden without unsetting its variable.
    #[arg(long, env = "LAA_METRICS_LISTEN", value_parser = parse_http_listen)]
    pub metrics_listen: Option<HttpListen>,
    /// The address of the public web pages and open data (no credentials; signed-off agreements only), or `off`; HTTPS with --tls-cert.
    #[arg(long, env = "LAA_HTTP_LISTEN", default_value = "127.0.0.1:8080", value_parser = parse_http_listen)]
    pub http_listen: HttpListen,
    /// Seconds an HTTP client (pages, metrics) may take to send a request's head, and that a connection kept alive may wait for its next request.
    #[arg(long, env = "LAA_HTTP_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub http_header_timeout_secs: u64,
    /// Seconds an HTTP connection may go without a byte either way before it is closed.
    #[arg(long, env = "LAA_HTTP_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub http_idle_timeout_secs: u64,
    /// Seconds a gRPC connection may move no byte either way before it is closed; the server pings every connection at a third of it, so a client that answers (a follower waiting for events) is kept.
    #[arg(long, env = "LAA_GRPC_IDLE_TIMEOUT_SECS", default_value_t = 120)]
    pub grpc_idle_timeout_secs: u64,
    /// The most connections the gRPC listener holds open at once; more wait to be accepted (logged).
    #[arg(long, env = "LAA_GRPC_MAX_CONNECTIONS", default_value_t = 4096)]
    pub grpc_max_connections: usize,
    /// The most connections each HTTP listener holds open at once; more wait to be accepted (logged).
    #[arg(long, env = "LAA_HTTP_MAX_CONNECTIONS", default_value_t = 2048)]
    pub http_max_connections: usize,
    /// TLS: the server's certificate chain (PEM); with --tls-key, every listener speaks only TLS (gRPC, and HTTPS on --http-listen and --metrics-listen); without, all are plaintext.
    #[arg(long, env = "LAA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// TLS: the server's private key (PEM).
    #[arg(long, env = "LAA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Mutual TLS on the gRPC listener: the CA (PEM) whose client certificates are required (the HTTP listeners ask for none).
    #[arg(long, env = "LAA_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<std::path::PathBuf>,
    /// Email notifications: the SMTP relay, smtp://HOST:25 (plain), smtp://HOST:587?tls=required (STARTTLS) or smtps://USER:PASSWORD@HOST (TLS); people who ask in the workspace are emailed when something starts waiting on them. Needs --mail-from and --web-url. Without it, no email is sent.
    #[arg(long, env = "LAA_SMTP_URL", hide_env_values = true, requires_all = ["mail_from", "web_url"])]
    pub smtp_url: Option<String>,
    /// Email notifications: the address they come from, such as laa@example.org or "LAA <laa@example.org>".
    #[arg(long, env = "LAA_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Email notifications: the web address people reach the pages at, which the messages' links begin with (as for `laa token issue --sign-in-link`), such as https://laa.example.org.
    #[arg(long, env = "LAA_WEB_URL")]
    pub web_url: Option<String>,
}

/// The SMTP relay and the pages' public address, when email notifications
/// are configured; an error names what is wrong (never a password).
fn mail_config(args: &ServeArgs) -> Result<Option<(laa_workspace::mail::Relay, String)>, String> {
    let Some(url) = &args.smtp_url else {
        return Ok(None);
    };
    let from = args.mail_from.as_deref().unwrap_or_default();
    let relay = laa_workspace::mail::Relay::new(url, from).map_err(|e| {
        format!("error: {e}\nhint: set --smtp-url (LAA_SMTP_URL) and --mail-from (LAA_MAIL_FROM), or leave --smtp-url unset to send no email")
    })?;
    let web_url = args.web_url.as_deref().unwrap_or_default().trim();
    let public = web_url.starts_with("https://") || web_url.starts_with("http://");
    if !public || web_url.len() <= "https://".len() {
        return Err(format!(
            "error: --web-url '{web_url}' is not a web address\nhint: the address people open the pages at, such as https://laa.example.org"
        ));
    }
    Ok(Some((relay, web_url.to_owned())))
}

/// Where an HTTP listener (the public pages, the metrics) listens: an
/// address, or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpListen {
    /// Listen on this address (port 0 picks a free port and prints it).
    At(SocketAddr),
    /// Do not listen.
    Off,
}

fn parse_http_listen(value: &str) -> Result<HttpListen, String> {
    if value.trim().eq_ignore_ascii_case("off") {
        return Ok(HttpListen::Off);
    }
    value
        .trim()
        .parse()
        .map(HttpListen::At)
        .map_err(|_| format!("'{value}' is neither an address such as 127.0.0.1:8080 nor off"))
}

/// The server's TLS, one certificate and key for every listener.
struct Tls {
    /// The gRPC listener's (with the client CA for mutual TLS).
    grpc: tonic::transport::ServerTlsConfig,
    /// The HTTP listeners' (HTTP/1.1, no client certificates).
    http: tokio_rustls::TlsAcceptor,
}

/// The server's TLS settings from the files named, if any.
fn tls_config(args: &ServeArgs) -> Result<Option<Tls>, String> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path)
            .map_err(|e| format!("error: cannot read the TLS {what} {}: {e}", path.display()))
    };
    let (cert_pem, key_pem) = (read(cert, "certificate")?, read(key, "key")?);
    let http = crate::https::acceptor(&cert_pem, &key_pem, cert, key)?;
    let identity = tonic::transport::Identity::from_pem(cert_pem, key_pem);
    let mut tls = tonic::transport::ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &args.tls_client_ca {
        tls = tls.client_ca_root(tonic::transport::Certificate::from_pem(read(
            ca,
            "client CA",
        )?));
    }
    Ok(Some(Tls { grpc: tls, http }))
}

/// Opens the store (migrations and reference data on first start).
pub async fn open_store(database_url: &str, sync: SyncMode) -> Result<Store, String> {
    connect(database_url, sync, false, None, Clock::System).await
}

/// Opens the store a server runs on: on SQLite it is the database's only
/// writer (an exclusive lock on `<file>.lock`), so reads answer from the
/// state it remembers; on PostgreSQL several servers may share it, unless
/// `sole` makes this one the only one (an advisory lock held for its
/// life), whose reads then answer from memory too. The server decides by
/// `clock`.
pub async fn open_server_store(
    database_url: &str,
    sync: SyncMode,
    sole: bool,
    clock: Clock,
) -> Result<Store, String> {
    let server = if sole {
        PostgresServer::Sole
    } else {
        PostgresServer::Shared
    };
    connect(database_url, sync, true, Some(server), clock).await
}

async fn connect(
    database_url: &str,
    sync: SyncMode,
    sole_writer: bool,
    postgres_server: Option<PostgresServer>,
    clock: Clock,
) -> Result<Store, String> {
    let options = StoreOptions {
        sqlite_synchronous: match sync {
            SyncMode::Full => Synchronous::Full,
            SyncMode::Normal => Synchronous::Normal,
        },
        sole_writer,
        postgres_server,
        clock,
        ..StoreOptions::default()
    };
    Store::connect(database_url, options)
        .await
        .map_err(|e| {
            let message = laa_store::masked(
                &format!("cannot open the database {database_url}: {e}"),
                database_url,
            );
            format!("error: {message}\nhint: use sqlite://laa.db?mode=rwc, or check that PostgreSQL is running and the URL is right")
        })
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    init_logs(args.log_format);
    let tls = tls_config(&args)?;
    let mail = mail_config(&args)?;
    // Bind first: a taken port must not leave a fresh database behind.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("error: cannot listen on {}: {e}\nhint: choose another address with --listen or LAA_LISTEN", args.listen))?;
    let http = match args.metrics_listen {
        Some(HttpListen::At(address)) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("error: cannot listen on {address} for metrics: {e}\nhint: choose another address with --metrics-listen or LAA_METRICS_LISTEN, or turn them off with --metrics-listen off"))?,
        ),
        Some(HttpListen::Off) | None => None,
    };
    let web = match args.http_listen {
        HttpListen::At(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("error: cannot listen on {address} for the web pages: {e}\nhint: choose another address with --http-listen or LAA_HTTP_LISTEN, or turn them off with --http-listen off"))?,
        ),
        HttpListen::Off => None,
    };
    let local = listener.local_addr().map_err(|e| format!("error: {e}"))?;
    let config = ServerConfig {
        request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        tls: tls.as_ref().map(|t| t.grpc.clone()),
        grpc_limits: laa_server::GrpcLimits {
            idle: Duration::from_secs(args.grpc_idle_timeout_secs.max(1)),
            connections: args.grpc_max_connections.max(1),
        },
        ..ServerConfig::default()
    };
    // Answer from the start: health NOT_SERVING and calls UNAVAILABLE
    // while the database is opened (which may mean waiting for another
    // process to finish preparing a fresh one).
    let serving = laa_server::Serving::start(listener, config.clone())
        .await
        .map_err(|e| format!("error: {e}"))?;
    let database = laa_store::redacted(&args.database_url);
    tracing::info!(address = %local, %database, "listening; opening the database");
    let store = match open_server_store(
        &args.database_url,
        args.sqlite_synchronous,
        args.sole_server,
        args.clock.into(),
    )
    .await
    {
        Ok(store) => store,
        Err(error) => {
            let _ = serving.run_until(async {}).await;
            return Err(error);
        }
    };
    serving.open(store.clone()).await;
    crate::allocator::give_back_freed_memory();
    tracing::info!(address = %local, %database, "laa serving laa.v1");
    println!("laa listening on {local}");
    // The HTTP listeners: HTTPS with the server's certificate, or plaintext.
    let acceptor = tls.map(|t| t.http);
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let (stop_http, stopping) = tokio::sync::watch::channel(());
    let stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.changed().await;
        }
    };
    let limits = crate::https::Limits {
        header_read: Duration::from_secs(args.http_header_timeout_secs.max(1)),
        idle: Duration::from_secs(args.http_idle_timeout_secs.max(1)),
        connections: args.http_max_connections.max(1),
    };
    let mut listeners = Vec::new();
    if let Some(http) = http {
        let address = http.local_addr().map_err(|e| format!("error: {e}"))?;
        let router = metrics_router(store.clone(), config.ready.clone())?;
        listeners.push(tokio::spawn(crate::https::serve(
            http,
            acceptor.clone(),
            router,
            limits,
            stopped(),
        )));
        tracing::info!(%address, %scheme, "serving /metrics, /healthz and /readyz");
        println!("laa metrics on {address}");
    }
    if let Some(web) = web {
        let address = web.local_addr().map_err(|e| format!("error: {e}"))?;
        let secure = acceptor.is_some();
        // The pages are kept until the engine announces a change (its own
        // commands, and on PostgreSQL every other server's).
        let changes = match serving.engine() {
            Some(engine) => laa_web::Changes::following(engine.feed().subscribe()),
            None => laa_web::Changes::unfollowed(),
        };
        let mut pages = laa_web::router(store.queries(), changes);
        if let Some(engine) = serving.engine() {
            let workspace =
                laa_workspace::Workspace::new(engine, &store, secure).sending_mail(mail.is_some());
            pages = pages.nest(laa_workspace::ROOT, laa_workspace::router(workspace));
        }
        listeners.push(tokio::spawn(crate::https::serve(
            web,
            acceptor,
            pages,
            limits,
            stopped(),
        )));
        tracing::info!(%address, %scheme, "serving the public web pages and open data");
        println!("laa web pages on {scheme}://{address}/");
    }
    // The email notifier, when a relay is configured: it stops with the
    // server, before the database closes.
    let notifier = match (mail, serving.engine()) {
        (Some((relay, web_url)), Some(engine)) => {
            let host = relay.host().to_owned();
            let workspace = laa_workspace::Workspace::new(engine, &store, false).sending_mail(true);
            let notifier = laa_workspace::notifier::Notifier::new(workspace, relay, &web_url);
            println!("laa email notifications through {host}");
            Some(tokio::spawn(notifier.run()))
        }
        _ => None,
    };
    let signalled = shutdown_signal();
    crate::systemd::ready(local);
    let shutdown = async {
        signalled.await;
        crate::systemd::stopping();
    };
    let served = serving.run_until(shutdown).await;
    if let Some(notifier) = notifier {
        notifier.abort();
    }
    // The HTTP listeners (/readyz answering 503) stop after gRPC, and
    // finish the requests they are on before the database closes.
    let _ = stop_http.send(());
    let finished = async {
        for listener in listeners {
            let _ = listener.await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(5), finished)
        .await
        .is_err()
    {
        tracing::warn!("HTTP requests still open 5 s after the shutdown; closing anyway");
    }
    let closed = store.close().await;
    served.map_err(|e| format!("error: {e}"))?;
    closed.map_err(|e| format!("error: closing the database: {e}"))
}

/// Logs to stderr as text or JSON; no ANSI codes outside a terminal.
fn init_logs(format: Option<LogFormat>) {
    let terminal = std::io::stderr().is_terminal();
    let format = format.unwrap_or(if terminal {
        LogFormat::Text
    } else {
        LogFormat::Json
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(terminal && format == LogFormat::Text);
    match format {
        LogFormat::Text => builder.init(),
        // The call's span once (`span`), not again in a list of the spans
        // it is in (there is only the one): half the bytes a line.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Latency buckets, in seconds, of every histogram.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the Prometheus recorder; the routes `/metrics`, `/healthz`
/// (the process is up) and `/readyz` (health is SERVING).
fn metrics_router(
    store: Store,
    ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<axum::Router, String> {
    use axum::http::StatusCode;
    use axum::routing::get;
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(laa_server::metrics::BATCH_SIZE.into()),
                laa_server::metrics::BATCH_SIZE_BUCKETS,
            )
        })
        .and_then(|b| b.install_recorder())
        .map_err(|e| format!("error: cannot start the metrics recorder: {e}"))?;
    laa_server::metrics::describe();
    metrics::describe_gauge!(
        "laa_build_info",
        "Always 1: the version and commit of the running binary."
    );
    metrics::gauge!(
        "laa_build_info",
        "version" => env!("CARGO_PKG_VERSION"),
        "commit" => crate::COMMIT
    )
    .set(1.0);
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    Ok(axum::Router::new()
        .route(
            "/metrics",
            get(move || async move {
                laa_server::metrics::observe_store(&store);
                handle.render() + &crate::process_metrics::exposition()
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/readyz",
            get(move || async move {
                if ready.load(std::sync::atomic::Ordering::SeqCst) {
                    (StatusCode::OK, "ready\n")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
                }
            }),
        ))
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers
/// are installed when this is called, not when the future is first polled:
/// a SIGTERM that arrives just after `READY=1` must begin a graceful
/// shutdown, not find the default action (an immediate exit).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (interrupt, term) {
                (Ok(mut interrupt), Ok(mut term)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                (interrupt, term) => {
                    let error = interrupt.err().or(term.err());
                    tracing::warn!(
                        ?error,
                        "cannot listen for SIGINT or SIGTERM; Ctrl-C still stops the server"
                    );
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
