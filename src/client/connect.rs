//! Connecting to the server: the address checked, a bearer token on every
//! call, timeouts, and retries with backoff while the server is unavailable.

use std::future::Future;
use std::time::Duration;

use laa_proto::v1 as pb;
use pb::agreement_service_client::AgreementServiceClient;
use pb::area_service_client::AreaServiceClient;
use pb::audit_service_client::AuditServiceClient;
use pb::indicator_service_client::IndicatorServiceClient;
use pb::performance_service_client::PerformanceServiceClient;
use pb::round_service_client::RoundServiceClient;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use super::args::Global;
use super::diagnose::diagnose;
use super::error::{CliError, Exit};
use super::output::Output;
use super::tls::TlsFiles;

/// Adds the bearer token to every request.
#[derive(Clone)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Bearer>;

/// Clients for the six services, sharing one channel.
#[derive(Clone)]
pub struct Clients {
    pub indicators: IndicatorServiceClient<Authed>,
    pub areas: AreaServiceClient<Authed>,
    pub agreements: AgreementServiceClient<Authed>,
    pub audit: AuditServiceClient<Authed>,
    pub rounds: RoundServiceClient<Authed>,
    pub performance: PerformanceServiceClient<Authed>,
}

/// How long to wait, and how often to try again.
#[derive(Debug, Clone)]
pub struct Limits {
    /// For the connection.
    pub connect: Duration,
    /// For each call; `None` for none (following a stream).
    pub call: Option<Duration>,
    /// Further attempts while the server is unavailable.
    pub retries: u32,
    /// What https:// trusts and presents (`--ca-cert`, `--client-cert`, `--client-key`).
    pub tls: TlsFiles,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            call: Some(Duration::from_secs(30)),
            retries: 3,
            tls: TlsFiles::default(),
        }
    }
}

fn seconds(what: &str, s: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| CliError::usage(format!("--{what} must be a positive number of seconds")))
}

impl Limits {
    /// The limits the global options ask for.
    pub fn from_global(global: &Global) -> Result<Self, CliError> {
        Ok(Self {
            connect: seconds("connect-timeout", global.connect_timeout)?,
            call: Some(seconds("timeout", global.timeout)?),
            retries: global.retries,
            tls: TlsFiles::read(
                global.ca_cert.as_deref(),
                global.client_cert.as_deref(),
                global.client_key.as_deref(),
            )?,
        })
    }
}

/// The endpoint for a server address: `http://` in plaintext, `https://`
/// over TLS verifying the server against the system's roots and
/// `--ca-cert`, presenting `--client-cert` if given (never falling back to
/// plaintext); anything else refused.
pub fn endpoint(server: &str, limits: Limits) -> Result<Endpoint, CliError> {
    let server = server.trim();
    let usage = |m: String| {
        CliError::usage(m)
            .hint("give the server as http://HOST:PORT, such as http://127.0.0.1:50051")
    };
    let Some((scheme, rest)) = server.split_once("://") else {
        return Err(usage(format!(
            "the server address '{server}' has no scheme: write http://{server}"
        )));
    };
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "http" => false,
        "https" => true,
        other => {
            return Err(usage(format!(
                "'{server}': the scheme '{other}' is not http or https (from {rest})"
            )));
        }
    };
    let mut endpoint = Endpoint::from_shared(server.to_owned())
        .map_err(|e| usage(format!("'{server}' is not a server address: {e}")))?
        .tcp_nodelay(true)
        .connect_timeout(limits.connect);
    if let Some(call) = limits.call {
        endpoint = endpoint.timeout(call);
    }
    if tls {
        endpoint = limits
            .tls
            .client_tls()?
            .apply(endpoint)
            .map_err(|e| {
                let error = CliError::usage(format!("'{server}': cannot set up TLS: {e}"));
                // What the transport refuses here is the client's identity.
                if limits.tls.presents_certificate() {
                    error.hint("check that --client-key (LAA_CLIENT_KEY) is the private key of --client-cert (LAA_CLIENT_CERT), both PEM")
                } else {
                    error
                }
            })?;
    }
    Ok(endpoint)
}

impl Clients {
    /// Clients on `server` that send `token`; the connection is made by the
    /// first call (and made again after a failure).
    pub fn new(server: &str, token: Option<&str>, limits: Limits) -> Result<Self, CliError> {
        Self::on(endpoint(server, limits)?.connect_lazy(), token)
    }

    /// Clients that send `token` over `channel`, which clients of other
    /// principals may share (one HTTP/2 connection carrying their calls
    /// side by side, each with its own credential).
    pub fn on(channel: Channel, token: Option<&str>) -> Result<Self, CliError> {
        let bearer = match token {
            Some(t) => Some(format!("Bearer {}", t.trim()).parse().map_err(|_| {
                CliError::new(
                    Exit::Denied,
                    "UNAUTHENTICATED",
                    "the token contains characters a header cannot carry",
                )
            })?),
            None => None,
        };
        let b = Bearer(bearer);
        Ok(Self {
            indicators: IndicatorServiceClient::with_interceptor(channel.clone(), b.clone()),
            areas: AreaServiceClient::with_interceptor(channel.clone(), b.clone()),
            agreements: AgreementServiceClient::with_interceptor(channel.clone(), b.clone()),
            audit: AuditServiceClient::with_interceptor(channel.clone(), b.clone()),
            rounds: RoundServiceClient::with_interceptor(channel.clone(), b.clone()),
            performance: PerformanceServiceClient::with_interceptor(channel, b),
        })
    }
}

/// A connected command: clients, where to print, and how to retry.
pub struct Session {
    pub clients: Clients,
    pub out: Output,
    pub server: String,
    global: Global,
    limits: Limits,
}

impl Session {
    /// A session as the global options describe it; a token is required.
    pub fn open(global: &Global) -> Result<Self, CliError> {
        let token = global
            .token
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                CliError::new(
                    Exit::Denied,
                    "UNAUTHENTICATED",
                    "no token: set LAA_TOKEN (or pass --token)",
                )
                .hint("an administrator issues one with `laa token issue` on the server's database")
            })?;
        let limits = Limits::from_global(global)?;
        Ok(Self {
            clients: Clients::new(global.server(), Some(token), limits.clone())?,
            out: Output::new(global.output),
            server: global.server().to_owned(),
            global: global.clone(),
            limits,
        })
    }

    /// Clients without a per-call timeout, for a stream that is followed.
    pub fn streaming_clients(&self) -> Result<Clients, CliError> {
        let limits = Limits {
            call: None,
            ..self.limits.clone()
        };
        Clients::new(&self.server, self.global.token.as_deref(), limits)
    }

    /// The error for a failed call: the server's own answer, or when the
    /// connection failed, what the server was found to speak.
    pub async fn failed(&self, status: &tonic::Status) -> CliError {
        if transport_failure(status)
            && let Some(error) = diagnose(&self.server, &self.limits).await
        {
            return error;
        }
        CliError::from_status(status, &self.server)
    }

    /// Makes a call, making it again with backoff while the server is
    /// unavailable. `call` must send the same request every time (the same
    /// request id and expected version): the server then answers a repeat
    /// of a change it already applied with that change's first outcome.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, CliError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        call_server(&self.server, &self.limits, call).await
    }
}

/// Makes a call to `server`, made again with backoff while the server is
/// unavailable; a failed connection is explained by what the server was
/// found to speak. Calls that need no token (health) use it directly.
pub async fn call_server<T, F, Fut>(server: &str, limits: &Limits, call: F) -> Result<T, CliError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    retry(
        limits.retries,
        call,
        async |status| {
            if transport_failure(status) {
                diagnose(server, limits).await
            } else {
                None
            }
        },
        |status| CliError::from_status(status, server),
    )
    .await
}

/// Whether a failed call is the connection's failure rather than an answer
/// of the server (which always carries an `ErrorInfo`).
fn transport_failure(status: &tonic::Status) -> bool {
    use tonic::Code;
    use tonic_types::StatusExt;
    matches!(
        status.code(),
        Code::Unavailable | Code::Unknown | Code::Internal | Code::Cancelled
    ) && status.get_error_details().error_info().is_none()
}

/// Calls until the answer is not `UNAVAILABLE` or `retries` further
/// attempts are spent, waiting 200 ms, 400 ms, 800 ms... (at most 5 s)
/// between attempts. At the first failure `lasting` says whether it is
/// one waiting cannot mend (the wrong scheme or port, a certificate): its
/// error is then the outcome, with no further attempt. Otherwise the last
/// failure is reported as `failed` words it.
pub async fn retry<T, F, Fut>(
    retries: u32,
    call: F,
    lasting: impl AsyncFnOnce(&tonic::Status) -> Option<CliError>,
    failed: impl Fn(&tonic::Status) -> CliError,
) -> Result<T, CliError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let mut delay = Duration::from_millis(200);
    let mut lasting = Some(lasting);
    let mut attempt = 0;
    loop {
        let status = match call().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) => status,
        };
        if let Some(lasting) = lasting.take()
            && let Some(error) = lasting(&status).await
        {
            return Err(error);
        }
        if status.code() != tonic::Code::Unavailable || attempt >= retries {
            return Err(failed(&status));
        }
        attempt += 1;
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Calls a method of one of a session's clients with retries:
/// `rpc!(session, agreements.get_agreement(request))`. The request is
/// cloned for each attempt, so every attempt sends the same one.
macro_rules! rpc {
    ($session:expr, $service:ident . $method:ident ($request:expr)) => {{
        let session = &$session;
        let request = $request;
        session
            .call(|| {
                let mut client = session.clients.$service.clone();
                let request = request.clone();
                async move { client.$method(request).await }
            })
            .await
    }};
}
pub(crate) use rpc;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn addresses_without_a_scheme_or_another_scheme_are_refused_clearly() {
        let err = endpoint("127.0.0.1:50051", limits()).unwrap_err();
        assert!(
            err.message
                .contains("no scheme: write http://127.0.0.1:50051"),
            "{err:?}"
        );
        assert_eq!(err.exit, Exit::Usage);
        let err = endpoint("ftp://laa.example:443", limits()).unwrap_err();
        assert!(err.message.contains("not http or https"), "{err:?}");
        assert!(endpoint("https://laa.example:443", limits()).is_ok());
        assert!(endpoint("http://127.0.0.1:50051", limits()).is_ok());
    }

    #[tokio::test]
    async fn only_unavailable_is_retried_and_the_same_request_is_sent() {
        let failed = |s: &tonic::Status| CliError::from_status(s, "http://test");
        let attempts = AtomicU32::new(0);
        let sent: std::sync::Mutex<Vec<String>> = Default::default();
        let result: Result<u32, _> = retry(
            3,
            || {
                let n = attempts.fetch_add(1, Ordering::SeqCst);
                sent.lock().unwrap().push("request-1".into());
                async move {
                    if n < 2 {
                        Err(tonic::Status::unavailable("down"))
                    } else {
                        Ok(tonic::Response::new(n))
                    }
                }
            },
            async |_| None,
            failed,
        )
        .await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(sent.lock().unwrap().len(), 3);
        let refused = AtomicU32::new(0);
        let result: Result<u32, _> = retry(
            3,
            || {
                refused.fetch_add(1, Ordering::SeqCst);
                async { Err(tonic::Status::failed_precondition("no")) }
            },
            async |_| None,
            failed,
        )
        .await;
        assert!(result.is_err());
        assert_eq!(refused.load(Ordering::SeqCst), 1, "a refusal is final");
    }

    #[tokio::test]
    async fn a_failure_waiting_cannot_mend_is_not_retried() {
        let attempts = AtomicU32::new(0);
        let asked = AtomicU32::new(0);
        let result: Result<u32, _> = retry(
            3,
            || {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Err(tonic::Status::unavailable("handshake")) }
            },
            async |_| {
                asked.fetch_add(1, Ordering::SeqCst);
                Some(CliError::usage("the server speaks TLS"))
            },
            |s| CliError::from_status(s, "http://test"),
        )
        .await;
        assert_eq!(result.unwrap_err().exit, Exit::Usage);
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }
}
