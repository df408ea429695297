//! What a server that failed a call speaks, found by connecting to it again
//! and reading what it answers first: a plaintext client meeting a TLS
//! server, `https://` meeting plaintext, an HTTP port given for the gRPC
//! one, a server certificate the client does not trust, a client
//! certificate the server refuses. The failed call's own error says none
//! of this reliably: the same mistake shows as "h2 protocol error",
//! "operation was canceled" or a broken pipe, depending on timing.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::AlertDescription;
use tokio_rustls::rustls::pki_types::ServerName;

use super::connect::Limits;
use super::error::{CliError, Exit};

/// What a gRPC client sends first: the HTTP/2 connection preface and an
/// empty SETTINGS frame.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

/// An HTTP/1.1 request that changes nothing.
const HTTP1_REQUEST: &[u8] = b"HEAD / HTTP/1.1\r\nHost: laa\r\nConnection: close\r\n\r\n";

/// The longest the diagnosis waits for a connection or an answer.
const PATIENCE: Duration = Duration::from_secs(3);

/// What a server answered first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A TLS record (an alert, most likely): the server speaks TLS.
    Tls,
    /// An HTTP/2 frame: a plaintext gRPC server.
    Http2,
    /// An HTTP/1 response: the web pages' or the metrics' port.
    Http1,
    /// Nothing, or nothing recognised.
    Other,
}

/// What the first bytes of an answer are.
fn answer(first: &[u8]) -> Answer {
    match first {
        // A record's content type (change_cipher_spec, alert, handshake,
        // application_data), then the major version 3.
        [0x14..=0x17, 0x03, ..] => Answer::Tls,
        [b'H', b'T', b'T', b'P', b'/', ..] => Answer::Http1,
        // A frame header: 24-bit length, then SETTINGS (4) or GOAWAY (7).
        [_, _, _, 0x04 | 0x07, ..] => Answer::Http2,
        _ => Answer::Other,
    }
}

/// Up to 9 bytes the server sends within `wait`, and the error that ended
/// the reading early, if one did.
async fn first_bytes<S: AsyncRead + Unpin>(
    stream: &mut S,
    wait: Duration,
) -> (Vec<u8>, Option<std::io::Error>) {
    let mut first = Vec::new();
    let mut buffer = [0u8; 9];
    let deadline = tokio::time::Instant::now() + wait;
    while first.len() < buffer.len() {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer[first.len()..])).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => first.extend_from_slice(&buffer[first.len()..first.len() + n]),
            Ok(Err(e)) => return (first, Some(e)),
        }
    }
    (first, None)
}

/// What `address` answers in plaintext: first to what a gRPC client
/// sends, then (an HTTP/1.1 server hangs up on that without a word) to an
/// HTTP/1.1 request.
async fn plaintext(address: (&str, u16), wait: Duration) -> Answer {
    for request in [PREFACE, HTTP1_REQUEST] {
        let Ok(Ok(mut tcp)) = timeout(wait, TcpStream::connect(address)).await else {
            return Answer::Other;
        };
        // A server that has already hung up is told apart by what it sent.
        let _ = tcp.write_all(request).await;
        match answer(&first_bytes(&mut tcp, wait).await.0) {
            Answer::Other => continue,
            known => return known,
        }
    }
    Answer::Other
}

/// The TLS error inside an I/O error, if it is one.
fn tls_error(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

/// Why a call to `server` failed, when it is one of the mistakes this
/// module tells apart; `None` otherwise (such as a server that is down).
pub async fn diagnose(server: &str, limits: &Limits) -> Option<CliError> {
    let uri: tonic::codegen::http::Uri = server.trim().parse().ok()?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let wait = limits.connect.min(PATIENCE);
    if !https {
        return match plaintext((host, port), wait).await {
            Answer::Tls => Some(speaks_tls(server)),
            Answer::Http1 => Some(http_port(server)),
            Answer::Http2 | Answer::Other => None,
        };
    }
    let config = limits.tls.client_tls().ok()?.rustls_config().ok()?;
    let name = ServerName::try_from(host.to_owned()).ok()?;
    let tcp = timeout(wait, TcpStream::connect((host, port)))
        .await
        .ok()?
        .ok()?;
    let handshake = TlsConnector::from(Arc::new(config)).connect(name, tcp);
    let mut tls = match timeout(wait, handshake).await.ok()? {
        Ok(tls) => tls,
        Err(e) => {
            return match tls_error(&e) {
                Some(rustls::Error::InvalidCertificate(_)) => Some(untrusted(server, &e)),
                Some(rustls::Error::AlertReceived(AlertDescription::NoApplicationProtocol)) => {
                    Some(http_port(server))
                }
                Some(rustls::Error::AlertReceived(alert)) if refuses_client(*alert) => {
                    Some(client_refused(server, *alert))
                }
                // Not TLS: what does it speak in plaintext?
                Some(rustls::Error::InvalidMessage(_)) | None => {
                    match plaintext((host, port), wait).await {
                        Answer::Http2 => Some(speaks_plaintext(server)),
                        Answer::Http1 => Some(http_port(server)),
                        Answer::Tls | Answer::Other => None,
                    }
                }
                Some(_) => None,
            };
        }
    };
    if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
        return Some(http_port(server));
    }
    // A server that asks for a client certificate says whether it took the
    // one presented just after the handshake, before it sends anything
    // else: an alert then can only be about the client's certificate (a
    // signature that does not verify is `DecryptError`).
    match first_bytes(&mut tls, wait).await {
        (_, Some(e)) => match tls_error(&e) {
            Some(rustls::Error::AlertReceived(alert)) => Some(client_refused(server, *alert)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a TLS alert is a server's refusal of the client's certificate
/// (or of its having none).
fn refuses_client(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied
            | AlertDescription::HandshakeFailure
            | AlertDescription::DecryptError
    )
}

/// The address with another scheme, for a hint.
fn with_scheme(server: &str, scheme: &str) -> String {
    let rest = server
        .trim()
        .split_once("://")
        .map_or(server, |(_, rest)| rest);
    format!("{scheme}://{rest}")
}

fn speaks_tls(server: &str) -> CliError {
    CliError::new(
        Exit::Usage,
        "SERVER_SPEAKS_TLS",
        format!("the server speaks TLS: use https:// and --ca-cert (the address given is {server})"),
    )
    .hint(format!(
        "give --server {} and --ca-cert FILE (LAA_CA_CERT), the certificate of the CA that signed the server's (not needed if the system already trusts it)",
        with_scheme(server, "https")
    ))
}

fn speaks_plaintext(server: &str) -> CliError {
    CliError::new(
        Exit::Usage,
        "SERVER_SPEAKS_PLAINTEXT",
        format!(
            "the server does not speak TLS: use http:// (the address given is {server}; laa never falls back to plaintext by itself)"
        ),
    )
    .hint(format!(
        "give --server {}, or start the server with --tls-cert and --tls-key",
        with_scheme(server, "http")
    ))
}

fn http_port(server: &str) -> CliError {
    CliError::new(
        Exit::Usage,
        "NOT_THE_GRPC_PORT",
        format!(
            "{server} answers HTTP/1.1, not gRPC: it is the web pages' or the metrics' port, not the server's gRPC port"
        ),
    )
    .hint("point --server (LAA_SERVER) at the address `laa serve` prints as \"laa listening on\" (port 50051 by default)")
}

fn untrusted(server: &str, error: &std::io::Error) -> CliError {
    let hint = match tls_error(error) {
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        )) => "the certificate does not name the host in --server: connect by a name or address it holds (its subjectAltName)".to_owned(),
        _ => "give --ca-cert FILE (LAA_CA_CERT): the certificate of the CA that signed the server's, or the server's own certificate if it signed itself".to_owned(),
    };
    let why = tls_error(error).map_or_else(|| error.to_string(), why_untrusted);
    CliError::new(
        Exit::Unavailable,
        "SERVER_CERTIFICATE_NOT_TRUSTED",
        format!("the server at {server} cannot be trusted: {why}"),
    )
    .hint(hint)
}

/// Why a server's certificate was refused, in words rather than the TLS
/// library's names.
fn why_untrusted(error: &rustls::Error) -> String {
    use rustls::CertificateError as E;
    let rustls::Error::InvalidCertificate(refusal) = error else {
        return error.to_string();
    };
    match refusal {
        E::UnknownIssuer => "its certificate is signed by no CA this client trusts".into(),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "its certificate does not name the host in --server".into()
        }
        E::Expired | E::ExpiredContext { .. } => "its certificate has expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => "its certificate is not valid yet".into(),
        E::Revoked => "its certificate is revoked".into(),
        E::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => {
            "its certificate is a CA's (as OpenSSL makes a self-signed one), and it is not the one given with --ca-cert".into()
        }
        other => format!("its certificate is refused ({other:?})"),
    }
}

fn client_refused(server: &str, alert: AlertDescription) -> CliError {
    CliError::new(
        Exit::Denied,
        "CLIENT_CERTIFICATE_REFUSED",
        format!(
            "the server at {server} asks for a client certificate it trusts (mutual TLS) and refused the connection (TLS alert {alert:?})"
        ),
    )
    .hint("give --client-cert FILE and --client-key FILE (LAA_CLIENT_CERT, LAA_CLIENT_KEY): a certificate signed by the CA the server trusts for clients (its --tls-client-ca)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bytes_tell_what_a_server_speaks() {
        let cases: [(&[u8], Answer); 6] = [
            (&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32], Answer::Tls),
            (&[0x16, 0x03, 0x01, 0x00, 0x40], Answer::Tls),
            (b"HTTP/1.1 400 Bad Request", Answer::Http1),
            (&[0, 0, 6, 0x04, 0, 0, 0, 0, 0], Answer::Http2),
            (&[0, 0, 8, 0x07, 0, 0, 0, 0, 0], Answer::Http2),
            (b"", Answer::Other),
        ];
        for (bytes, expected) in cases {
            assert_eq!(answer(bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn hints_name_the_address_with_the_right_scheme() {
        assert_eq!(
            with_scheme("http://127.0.0.1:50051", "https"),
            "https://127.0.0.1:50051"
        );
        assert_eq!(
            with_scheme("HTTPS://laa.example:443", "http"),
            "http://laa.example:443"
        );
    }
}
