//! The edge of the server: answers tonic gives before (or instead of) a
//! handler, brought into the one error shape.
//!
//! tonic decodes a request before a handler sees it, and answers on its own
//! when it cannot: `INTERNAL "failed to decode Protobuf message"` for bytes
//! that are not the method's message (a wrong wire type, invalid UTF-8 in a
//! string, a truncated length, a missing or broken frame), `OUT_OF_RANGE`
//! for a message over the size limit, `UNIMPLEMENTED` for a method no
//! service has. None of these carries an `ErrorInfo`, and an `INTERNAL`
//! answer to a client's bad bytes reads as a server bug.
//!
//! [`EdgeLayer`] wraps every service. It runs each call under the request
//! timeout (the server's, or the client's `grpc-timeout` when shorter),
//! answering `DEADLINE_EXCEEDED` when it runs out, and rewrites every error
//! answer that carries no details into an [`ApiError`], so it leaves through
//! `error.rs` like every other error: one `ErrorInfo`, bounded in size.
//! Handlers' own errors already carry their details and pass unchanged.
//! A request the codec refused for a control character in a string
//! (`laa_proto::codec`) becomes `INVALID_ARGUMENT` naming the field.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tonic::codegen::Service;
use tonic::codegen::http;
use tonic::{Code, Status};
use tracing::Instrument;
use tracing::field::Empty;

use crate::error::ApiError;

/// Wraps every service of the server (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct EdgeLayer {
    timeout: Duration,
}

impl EdgeLayer {
    /// Calls run at most `timeout` (less if the client asks for less).
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> tower_layer::Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            timeout: self.timeout,
        }
    }
}

/// The service [`EdgeLayer`] makes.
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
    timeout: Duration,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Edge<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    ResBody: Default + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let limit = client_timeout(request.headers()).map_or(self.timeout, |t| t.min(self.timeout));
        let method = request.uri().path().trim_start_matches('/').to_owned();
        // One span per call: the handler records the principal, the
        // agreement, the request id and (a command) the version it left
        // as it learns them.
        let span = tracing::info_span!(
            "request",
            method = %method,
            principal = Empty,
            agreement = Empty,
            request_id = Empty,
            version = Empty,
            code = Empty,
            latency_ms = Empty,
        );
        let started = Instant::now();
        let call = span.in_scope(|| self.inner.call(request));
        let finished = span.clone();
        Box::pin(
            async move {
                let result = match tokio::time::timeout(limit, call).await {
                    Err(_elapsed) => {
                        tracing::warn!(?limit, "request timed out");
                        Ok(Status::from(ApiError::DeadlineExceeded { limit }).into_http())
                    }
                    Ok(Ok(response)) => Ok(with_details(response)),
                    Ok(Err(e)) => Err(e),
                };
                let code = match &result {
                    Ok(response) => outcome(response.headers()),
                    Err(_) => "UNKNOWN",
                };
                let latency = started.elapsed();
                finished.record("code", code);
                finished.record("latency_ms", latency_ms(latency));
                // The API's calls at info; health checks and reflection,
                // which load balancers and tools send all day, at debug.
                if method.starts_with("laa.") {
                    tracing::info!("request");
                } else {
                    tracing::debug!("request");
                }
                crate::metrics::request(method, code, latency);
                result
            }
            .instrument(span),
        )
    }
}

/// An error answer without details, as an [`ApiError`]'s status; any other
/// answer unchanged.
fn with_details<B: Default>(response: http::Response<B>) -> http::Response<B> {
    let headers = response.headers();
    let code = match headers.get(Status::GRPC_STATUS) {
        Some(v) => Code::from_bytes(v.as_bytes()),
        None => return response, // a normal answer: the status follows in trailers
    };
    if code == Code::Ok || headers.contains_key(Status::GRPC_STATUS_DETAILS) {
        return response;
    }
    let status = response.extensions().get::<Status>();
    if let Some(stray) = status.and_then(laa_proto::codec::stray_control) {
        tracing::debug!(field = %stray.field, "a request string held a control character");
        return Status::from(ApiError::from(stray.clone())).into_http();
    }
    let message = status
        .map(|s| s.message().to_owned())
        .or_else(|| {
            headers
                .get(Status::GRPC_MESSAGE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        })
        .unwrap_or_default();
    tracing::debug!(?code, %message, "transport error answered with details");
    Status::from(ApiError::from_transport(code, message)).into_http()
}

/// A call's outcome as its gRPC code name: an error answer's status from
/// its headers; an answer without one is `OK` (a stream's final status,
/// which follows in trailers, is not waited for).
fn outcome(headers: &http::HeaderMap) -> &'static str {
    let code = headers
        .get(Status::GRPC_STATUS)
        .map_or(Code::Ok, |v| Code::from_bytes(v.as_bytes()));
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The client's deadline, from its `grpc-timeout` header (`100m`, `5S`...).
fn client_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// A latency in milliseconds to the microsecond, as a log line shows it:
/// `1.416`, not the `1.4162370000000002` of a float's arithmetic.
fn latency_ms(latency: std::time::Duration) -> f64 {
    // A whole number of microseconds over 1000 is the double nearest that
    // decimal, which prints as written.
    latency.as_micros() as f64 / 1000.0
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn client_deadlines_are_read_in_every_unit() {
        let read = |v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert("grpc-timeout", v.parse().unwrap());
            client_timeout(&h)
        };
        assert_eq!(read("2S"), Some(Duration::from_secs(2)));
        assert_eq!(read("150m"), Some(Duration::from_millis(150)));
        assert_eq!(read("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(read("S"), None);
        assert_eq!(read("12x"), None);
        assert_eq!(read("1234567890S"), None);
    }

    #[test]
    fn an_answer_without_details_gets_one_error_info() {
        use tonic_types::StatusExt;
        let bare: http::Response<()> =
            Status::internal("failed to decode Protobuf message: invalid wire type").into_http();
        let rewritten = with_details(bare);
        let status = Status::from_header_map(rewritten.headers()).expect("a status");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status
                .get_error_details()
                .error_info()
                .map(|i| i.reason.as_str()),
            Some("MALFORMED_REQUEST")
        );
        let ok: http::Response<()> = http::Response::new(());
        assert!(with_details(ok).headers().is_empty());
    }

    #[test]
    fn a_latency_is_logged_to_the_microsecond() {
        let shown = latency_ms(std::time::Duration::from_nanos(1_416_237_000));
        assert_eq!(shown.to_string(), "1416.237");
        let shown = latency_ms(std::time::Duration::from_nanos(1_416_237));
        assert_eq!(shown.to_string(), "1.416");
    }
}
