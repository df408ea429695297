//! TLS with certificates made at test time (rcgen): the client verifies
//! the server against `--ca-cert`, a plaintext client gets nothing from a
//! TLS server, and mutual TLS refuses a client without a certificate. A
//! real `laa serve --tls-cert --tls-key` serves gRPC, the web pages and
//! `/metrics` all over TLS with the one certificate.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use laa_proto::v1 as pb;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::cli::{fails, laa, ok};
use crate::support::*;

/// A private CA, a server certificate for localhost and 127.0.0.1, and a
/// client certificate, all PEM.
pub struct Pki {
    pub ca: String,
    pub server_cert: String,
    pub server_key: String,
    pub client_cert: String,
    pub client_key: String,
}

pub fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "laa test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["localhost".into(), "127.0.0.1".into()]);
    let (client_cert, client_key) = leaf(vec!["client.laa.test".into()]);
    Pki {
        ca: ca.pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
    }
}

pub fn server_tls(pki: &Pki, mutual: bool) -> ServerTlsConfig {
    let tls =
        ServerTlsConfig::new().identity(Identity::from_pem(&pki.server_cert, &pki.server_key));
    if mutual {
        tls.client_ca_root(Certificate::from_pem(&pki.ca))
    } else {
        tls
    }
}

async fn list_over(channel: Channel, token: &str) -> Result<(), tonic::Status> {
    let bearer = Bearer(Some(format!("Bearer {token}").parse().unwrap()));
    pb::agreement_service_client::AgreementServiceClient::with_interceptor(channel, bearer)
        .list_agreements(pb::ListAgreementsRequest::default())
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_verifies_the_server_and_plaintext_is_refused() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca).unwrap();
    let config = laa_server::ServerConfig {
        tls: Some(server_tls(&pki, false)),
        ..Default::default()
    };
    for_each_database_with(config, |app| {
        let ca_file = ca_file.clone();
        let ca = pki.ca.clone();
        async move {
            let https = format!("https://localhost:{}", app.address.port());
            let ca_arg = ca_file.to_str().unwrap();
            // The command line, verifying the server with the private CA.
            let out = ok(&laa(
                &app,
                Some(&app.tokens.go),
                &["--server", &https, "--ca-cert", ca_arg, "agreement", "list"],
            ));
            assert!(out.contains("0 agreements"), "{out}");
            // Without the CA the server is not trusted: no call is made.
            let err = fails(&laa(
                &app,
                Some(&app.tokens.go),
                &["--server", &https, "--retries", "0", "agreement", "list"],
            ));
            assert!(!err.is_empty());
            // Plaintext against the TLS server: refused, never answered.
            let err = fails(&laa(
                &app,
                Some(&app.tokens.go),
                &[
                    "--server",
                    &app.url(),
                    "--retries",
                    "0",
                    "agreement",
                    "list",
                ],
            ));
            assert!(!err.contains("0 agreements"), "{err}");
            let plain = Channel::from_shared(app.url())
                .unwrap()
                .connect_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(2))
                .connect_lazy();
            let refused = list_over(plain, &app.tokens.go).await.unwrap_err();
            assert_ne!(refused.code(), tonic::Code::Ok);
            // The generated client over TLS works.
            let tls = Channel::from_shared(https)
                .unwrap()
                .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&ca)))
                .unwrap()
                .connect()
                .await
                .unwrap();
            list_over(tls, &app.tokens.go)
                .await
                .expect("a call over TLS");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let pki = pki();
    let config = laa_server::ServerConfig {
        tls: Some(server_tls(&pki, true)),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let app = spawn_on(url, "sqlite", Some(dir), None, config).await;
    let https = format!("https://localhost:{}", app.address.port());
    let trust = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca));
    let anonymous = Channel::from_shared(https.clone())
        .unwrap()
        .tls_config(trust.clone())
        .unwrap()
        .connect_lazy();
    assert!(list_over(anonymous, &app.tokens.go).await.is_err());
    let with_cert = Channel::from_shared(https)
        .unwrap()
        .tls_config(trust.identity(Identity::from_pem(&pki.client_cert, &pki.client_key)))
        .unwrap()
        .connect()
        .await
        .unwrap();
    list_over(with_cert, &app.tokens.go)
        .await
        .expect("a call with a client certificate");
}

/// `GET path` over `stream` (HTTP/1.1, the connection then closed): the
/// whole answer, or what came back before the server hung up.
async fn get_over<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, path: &str) -> String {
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers or hangs up");
    String::from_utf8_lossy(&answer).into_owned()
}

/// `GET path` over HTTPS to `address` as `localhost`, trusting only `ca`.
async fn https_get(address: &str, ca: &str, path: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    // As a browser offers them: the server picks HTTP/1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .expect("a TLS handshake verified against the test CA");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    get_over(tls, path).await
}

/// The status code of an HTTP answer (0 when there is none).
fn status(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laa_serve_with_a_certificate_serves_the_pages_and_metrics_over_https() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
    std::fs::write(&cert, &pki.server_cert).unwrap();
    std::fs::write(&key, &pki.server_key).unwrap();
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .args([
            "--http-listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .args(["--tls-cert", cert.to_str().unwrap()])
        .args(["--tls-key", key.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start laa serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let line = lines.next().unwrap().unwrap();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected {prefix}..., got {line:?}"))
            .to_owned()
    };
    let grpc = next("laa listening on ");
    let metrics = next("laa metrics on ");
    let web = next("laa web pages on https://")
        .trim_end_matches('/')
        .to_owned();

    // The web pages and /metrics, verified against the test CA.
    let page = https_get(&web, &pki.ca, "/").await;
    assert_eq!(status(&page), 200, "{page}");
    assert!(page.contains("<html"), "{page}");
    let stylesheet = https_get(&web, &pki.ca, "/style.css").await;
    assert_eq!(status(&stylesheet), 200, "{stylesheet}");
    let exported = https_get(&metrics, &pki.ca, "/metrics").await;
    assert_eq!(status(&exported), 200, "{exported}");
    assert!(exported.contains("laa_db_pool_connections"), "{exported}");
    assert_eq!(status(&https_get(&metrics, &pki.ca, "/readyz").await), 200);

    // Plaintext HTTP to either TLS port: no page, no metrics.
    for (address, path) in [(&web, "/"), (&metrics, "/metrics")] {
        let tcp = tokio::net::TcpStream::connect(address.as_str())
            .await
            .unwrap();
        let answer = get_over(tcp, path).await;
        assert_eq!(
            status(&answer),
            0,
            "plaintext answered on {address}: {answer}"
        );
        assert!(
            !answer.contains("<html") && !answer.contains("laa_"),
            "{answer}"
        );
    }

    // gRPC on the same certificate.
    let channel = Channel::from_shared(format!("https://localhost:{}", grpc_port(&grpc)))
        .unwrap()
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca)))
        .unwrap()
        .connect()
        .await
        .expect("gRPC over TLS");
    let serving = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health over TLS")
        .into_inner()
        .status;
    assert_eq!(
        serving,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // A TLS connection left open does not hold up a graceful shutdown.
    let roots = {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(pki.ca.as_bytes()).unwrap())
            .unwrap();
        roots
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut idle = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(
            "localhost".try_into().unwrap(),
            tokio::net::TcpStream::connect(web.as_str()).await.unwrap(),
        )
        .await
        .unwrap();
    idle.write_all(b"GET /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let began = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "laa serve exited with {exit}");
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "shutdown took {:?}",
        began.elapsed()
    );
    drop(idle);
}

fn grpc_port(address: &str) -> u16 {
    address.rsplit_once(':').unwrap().1.parse().unwrap()
}
