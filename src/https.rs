//! The HTTP listeners of `laa serve` (the public pages, and metrics with
//! health): HTTP/1.1 over TLS when the server has a certificate and key,
//! plaintext otherwise. One accept loop for both, with rustls in front of
//! each accepted connection and hyper serving the axum router behind it.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Serves `router` on `listener`, through `tls` when given, until
/// `shutdown` completes; then stops accepting, lets each open connection
/// finish the request it is on, and returns once they have closed.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // `stop` tells connections to finish; each holds an `open` receiver,
    // so `open_tx.closed()` completes when the last one has gone.
    let (stop_tx, stop_rx) = watch::channel(());
    let (open_tx, open_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
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
            let _open = open;
            let Some(tls) = tls else {
                return connection(stream, router, stop).await;
            };
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream));
            tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => connection(stream, router, stop).await,
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

/// One HTTP/1.1 connection, closed gracefully once `stop` changes.
async fn connection<S>(stream: S, router: axum::Router, mut stop: watch::Receiver<()>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    // With a timer, hyper closes a connection whose headers take over 30 s.
    builder.timer(TokioTimer::new());
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    tokio::pin!(conn);
    let served = tokio::select! {
        served = conn.as_mut() => served,
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = served {
        tracing::debug!(%error, "an HTTP connection ended with an error");
    }
}
