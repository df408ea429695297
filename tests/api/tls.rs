//! TLS with certificates made at test time (rcgen): the client verifies
//! the server against `--ca-cert`, a plaintext client gets nothing from a
//! TLS server, and mutual TLS refuses a client without a certificate.

use std::time::Duration;

use laa_proto::v1 as pb;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::cli::{fails, laa, ok};
use crate::support::*;

/// A private CA, a server certificate for localhost and 127.0.0.1, and a
/// client certificate, all PEM.
struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
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

fn server_tls(pki: &Pki, mutual: bool) -> ServerTlsConfig {
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
