//! The client's TLS: whom it trusts (the system's roots and `--ca-cert`)
//! and what it presents (`--client-cert` and `--client-key`, for a server
//! that asks for mutual TLS).
//!
//! A certificate in `--ca-cert` is also accepted as the server's own
//! certificate when it is that very certificate, byte for byte, even if it
//! says it is a CA: `openssl req -x509 -addext subjectAltName=...` (OpenSSL
//! 3) marks the certificate it makes `CA:TRUE`, and webpki refuses a CA's
//! certificate as a server's (`CaUsedAsEndEntity`). Pinning the very
//! certificate is as strong as trusting it as a root, and its validity
//! period and names are still checked.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tonic::transport::{ClientTlsConfig, Endpoint, Identity};

use super::error::CliError;

/// The PEM files the global options name, read once.
#[derive(Clone, Default)]
pub struct TlsFiles {
    /// `--ca-cert`: certificates trusted besides the system's roots.
    ca: Option<Arc<Vec<u8>>>,
    /// `--client-cert` and `--client-key`: the client's certificate chain and key.
    client: Option<Arc<(Vec<u8>, Vec<u8>)>>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of any debug output.
        f.debug_struct("TlsFiles")
            .field("ca", &self.ca.is_some())
            .field("client", &self.client.is_some())
            .finish()
    }
}

fn read(option: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read --{option} {}: {e}", path.display())))
}

impl TlsFiles {
    /// The files named by `--ca-cert`, `--client-cert` and `--client-key`;
    /// a certificate without its key (or a key without its certificate) is
    /// a usage error.
    pub fn read(
        ca_cert: Option<&Path>,
        client_cert: Option<&Path>,
        client_key: Option<&Path>,
    ) -> Result<Self, CliError> {
        let client = match (client_cert, client_key) {
            (Some(cert), Some(key)) => Some(Arc::new((
                read("client-cert", cert)?,
                read("client-key", key)?,
            ))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(CliError::usage(
                    "--client-cert needs --client-key (LAA_CLIENT_KEY)",
                ));
            }
            (None, Some(_)) => {
                return Err(CliError::usage(
                    "--client-key needs --client-cert (LAA_CLIENT_CERT)",
                ));
            }
        };
        Ok(Self {
            ca: ca_cert
                .map(|p| read("ca-cert", p).map(Arc::new))
                .transpose()?,
            client,
        })
    }

    /// True when the client presents a certificate (mutual TLS).
    pub fn presents_certificate(&self) -> bool {
        self.client.is_some()
    }

    /// The client's TLS set up from the files.
    pub fn client_tls(&self) -> Result<ClientTls, CliError> {
        let pinned = match &self.ca {
            Some(pem) => certificates("--ca-cert", pem)?,
            None => Vec::new(),
        };
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let (added, _) = roots.add_parsable_certificates(pinned.iter().cloned());
        if !pinned.is_empty() && added == 0 {
            return Err(CliError::usage(
                "--ca-cert holds no certificate a client can trust",
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| {
                CliError::usage(format!("no certificate to trust the server with: {e}"))
                    .hint("give --ca-cert FILE (LAA_CA_CERT), the certificate of the CA that signed the server's")
            })?;
        let identity = match &self.client {
            Some(pair) => {
                let (cert, key) = pair.as_ref();
                let chain = certificates("--client-cert", cert)?;
                let private = PrivateKeyDer::from_pem_slice(key).map_err(|e| {
                    CliError::usage(format!("--client-key holds no private key in PEM: {e}"))
                })?;
                Some(ClientIdentity {
                    pem: pair.clone(),
                    chain,
                    key: Arc::new(private),
                })
            }
            None => None,
        };
        Ok(ClientTls {
            verifier: Arc::new(PinnedOrWebPki { pinned, webpki }),
            identity,
        })
    }
}

/// The certificates of a PEM file named by `option`; none is an error.
fn certificates(option: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, CliError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::usage(format!("{option} is not a PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(CliError::usage(format!(
            "{option} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

/// The client's certificate chain and key.
struct ClientIdentity {
    pem: Arc<(Vec<u8>, Vec<u8>)>,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

/// How the client verifies a server and what it presents to one.
pub struct ClientTls {
    verifier: Arc<PinnedOrWebPki>,
    identity: Option<ClientIdentity>,
}

impl ClientTls {
    /// `endpoint` speaking TLS as set up here.
    pub fn apply(&self, endpoint: Endpoint) -> Result<Endpoint, tonic::transport::Error> {
        let mut config = ClientTlsConfig::new();
        if let Some(identity) = &self.identity {
            let (cert, key) = identity.pem.as_ref();
            config = config.identity(Identity::from_pem(cert, key));
        }
        endpoint.tls_config_with_verifier(config, self.verifier.clone())
    }

    /// The same as a rustls configuration offering HTTP/2, for looking at
    /// what a server that failed a call answers.
    pub fn rustls_config(&self) -> Result<rustls::ClientConfig, rustls::Error> {
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(self.verifier.clone());
        let mut config = match &self.identity {
            Some(identity) => {
                builder.with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// webpki's verification, except that a server certificate equal byte
/// for byte to one given in `--ca-cert` is not refused for saying it is a CA.
#[derive(Debug)]
struct PinnedOrWebPki {
    pinned: Vec<CertificateDer<'static>>,
    webpki: Arc<WebPkiServerVerifier>,
}

/// Whether webpki refused a certificate only for being a CA's: it checks
/// the validity period first, then the basic constraints.
fn only_a_ca(error: &rustls::Error) -> bool {
    match error {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

impl ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(error)
                if only_a_ca(&error)
                    && self
                        .pinned
                        .iter()
                        .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
