//! The HTTP listeners of `laa serve` (the public pages, and metrics with
//! health): HTTP/1.1 over TLS when the server has a certificate and key,
//! plaintext otherwise. One accept loop for both, with rustls in front of
//! each accepted connection and hyper serving the axum router behind it.
//!
//! Slow and idle clients cannot hold a listener ([`Limits`]): a client has
//! a while to send each request's head (and to begin the next one on a
//! connection kept alive), a connection on which nothing moves either way
//! for a while is closed, and at most so many connections are open at
//! once; past that, new ones wait to be accepted (and the listener says
//! so in the log).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often, at most, the listener says that it is at its connection cap.
const CAP_LOGGED_EVERY: Duration = Duration::from_secs(10);

/// What an HTTP listener allows its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send a request's head; on a
    /// connection kept alive, counted from the end of the last response,
    /// so it is also how long such a connection may wait unused.
    pub header_read: Duration,
    /// How long a connection may go without a byte either way (a body sent
    /// slowly, a response not read) before it is closed.
    pub idle: Duration,
    /// The most connections open at once; more wait to be accepted.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            connections: 2_048,
        }
    }
}

/// A TLS acceptor for HTTP/1.1 with the certificate chain and key (PEM)
/// read from `cert` and `key`. No client certificates are asked for: the
/// public pages are for anyone, and mutual TLS is the gRPC listener's.
pub fn acceptor(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert: &Path,
    key: &Path,
) -> Result<TlsAcceptor, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "error: the TLS certificate {} is not PEM: {e}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "error: the TLS certificate {} holds no certificate",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        format!(
            "error: the TLS key {} holds no private key in PEM: {e}",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("error: TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            format!(
                "error: the TLS certificate {} and key {} do not go together: {e}",
                cert.display(),
                key.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` on `listener`, through `tls` when given, within
/// `limits`, until `shutdown` completes; then stops accepting, lets each open connection
/// finish the request it is on, and returns once they have closed.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // `stop` tells connections to finish; each holds an `open` receiver,
    // so `open_tx.closed()` completes when the last one has gone.
    let (stop_tx, stop_rx) = watch::channel(());
    let (open_tx, open_rx) = watch::channel(());
    let room = Arc::new(Semaphore::new(limits.connections.max(1)));
    let mut cap_logged: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let permit = match room.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if cap_logged.is_none_or(|at| at.elapsed() >= CAP_LOGGED_EVERY) {
                    tracing::warn!(
                        cap = limits.connections,
                        "an HTTP listener is at its connection cap; new connections wait to be accepted"
                    );
                    cap_logged = Some(Instant::now());
                }
                tokio::select! {
                    permit = room.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "an HTTP listener cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The peer's address, for the handlers that limit by it (sign-in).
        let router = router
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        let tls = tls.clone();
        let mut stop = stop_rx.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let (_open, _permit) = (open, permit);
            let stream = Watched::new(stream);
            let Some(tls) = tls else {
                return connection(stream, router, limits, stop).await;
            };
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream));
            tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => connection(stream, router, limits, stop).await,
                    Ok(Err(error)) => tracing::debug!(%peer, %error, "a TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "a TLS handshake timed out"),
                },
                _ = stop.changed() => {}
            }
        });
    }
    drop(listener);
    drop(open_rx);
    let _ = stop_tx.send(());
    open_tx.closed().await;
}

/// One HTTP/1.1 connection, closed gracefully once `stop` changes, and at
/// once when it has been idle for `limits.idle`.
async fn connection<S>(
    stream: S,
    router: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<()>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + Active + 'static,
{
    let active = stream.activity();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    tokio::pin!(conn);
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = active.idle_for(limits.idle) => {
            tracing::debug!("closed an idle HTTP connection");
            return;
        }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = served {
        tracing::debug!(%error, "an HTTP connection ended with an error");
    }
}

/// When a connection last moved a byte.
#[derive(Clone)]
struct Activity {
    since: Instant,
    /// Milliseconds from `since` to the last byte read or written.
    last: Arc<AtomicU64>,
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    /// Completes once nothing has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = self.since + Duration::from_millis(self.last.load(Ordering::Relaxed));
            let quiet = last.elapsed();
            if quiet >= limit {
                return;
            }
            tokio::time::sleep(limit - quiet).await;
        }
    }
}

/// A stream that can tell when it last moved a byte.
trait Active {
    fn activity(&self) -> Activity;
}

/// A TCP stream that notes when it last moved a byte.
struct Watched {
    stream: tokio::net::TcpStream,
    activity: Activity,
}

impl Watched {
    fn new(stream: tokio::net::TcpStream) -> Self {
        Self {
            stream,
            activity: Activity {
                since: Instant::now(),
                last: Arc::default(),
            },
        }
    }
}

impl Active for Watched {
    fn activity(&self) -> Activity {
        self.activity.clone()
    }
}

impl Active for tokio_rustls::server::TlsStream<Watched> {
    fn activity(&self) -> Activity {
        self.get_ref().0.activity()
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
