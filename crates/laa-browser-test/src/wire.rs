//! The W3C WebDriver wire protocol: JSON over HTTP/1.1 to chromedriver on
//! the loopback interface.
//!
//! Hand-written rather than `fantoccini` on purpose: fantoccini 0.22 brings
//! Mozilla's `webdriver` crate (MPL-2.0), which pulls in a second ICU family
//! (`icu_segmenter` 1.5 with its compiled data, `zerovec` 0.10, `yoke` 0.7),
//! `http` 0.2, two `cookie` versions and `thiserror` 1: about twenty crates
//! for a cold build. The harness needs some fifteen endpoints, each one JSON
//! request, plus chromedriver's `goog/cdp/execute` (for an exact viewport
//! and a full-page screenshot), which fantoccini does not expose; hyper's
//! client is already built for tonic. So this file is the whole client.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// How long one WebDriver command may take (a page load, an axe run)
/// before the test fails instead of hanging.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The key under which WebDriver names an element in JSON.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session on one chromedriver: where its commands go.
#[derive(Debug, Clone)]
pub struct Session {
    port: u16,
    id: String,
}

/// A command WebDriver refused: its error code and message.
#[derive(Debug, Clone)]
pub struct WireError {
    /// The W3C error code (`no such element`, `javascript error`...).
    pub error: String,
    /// chromedriver's message.
    pub message: String,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// Sends one request to chromedriver on `port`; the `value` of its answer.
pub async fn send(
    port: u16,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, WireError> {
    let request = async {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| transport(format!("connect to chromedriver on port {port}: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| transport(format!("HTTP handshake with chromedriver: {e}")))?;
        tokio::spawn(connection);
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header("host", format!("127.0.0.1:{port}"))
            .header("content-type", "application/json; charset=utf-8")
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| transport(format!("request {path}: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| transport(format!("{method} {path}: {e}")))?;
        let status = response.status();
        let raw = response
            .into_body()
            .collect()
            .await
            .map_err(|e| transport(format!("read the answer to {method} {path}: {e}")))?
            .to_bytes();
        let answer: Value = serde_json::from_slice(&raw).map_err(|e| {
            transport(format!(
                "{method} {path} answered {status} with no JSON ({e}): {}",
                String::from_utf8_lossy(&raw)
            ))
        })?;
        let value = answer.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(WireError {
                error: value["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            })
        }
    };
    tokio::time::timeout(COMMAND_TIMEOUT, request)
        .await
        .unwrap_or_else(|_| {
            Err(transport(format!(
                "{method} {path}: no answer from chromedriver within {COMMAND_TIMEOUT:?}"
            )))
        })
}

fn transport(message: String) -> WireError {
    WireError {
        error: "transport".to_owned(),
        message,
    }
}

impl Session {
    /// Opens a session on chromedriver at `port` with `capabilities`.
    pub async fn open(port: u16, capabilities: Value) -> Result<Session, WireError> {
        let value = send(
            port,
            Method::POST,
            "/session",
            Some(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| transport(format!("a new session without an id: {value}")))?
            .to_owned();
        Ok(Session { port, id })
    }

    /// `method` on the session's `path` (`url`, `element/…`).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WireError> {
        let full = format!("/session/{}/{path}", self.id);
        send(self.port, method, &full, body.as_ref()).await
    }

    /// `GET` on the session's `path`, panicking with WebDriver's message.
    pub async fn get(&self, path: &str) -> Value {
        self.call(Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"))
    }

    /// `POST body` to the session's `path`, panicking with WebDriver's message.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"))
    }

    /// A Chrome DevTools Protocol command on the session's page, through
    /// chromedriver's `goog/cdp/execute`.
    pub async fn devtools(&self, command: &str, params: Value) -> Value {
        self.post(
            "goog/cdp/execute",
            json!({ "cmd": command, "params": params }),
        )
        .await
    }

    /// Ends the session from synchronous code (a `Drop`): a plain blocking
    /// `DELETE` that closes the browser. Errors are ignored: chromedriver is
    /// killed just after, whatever it answered.
    pub fn close_blocking(&self) {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.id, self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return;
        }
        // chromedriver keeps the connection open whatever the request says:
        // read the head and as much body as it announces, no more.
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut chunk) {
            answer.extend_from_slice(&chunk[..n]);
            if answered_whole(&answer) {
                break;
            }
        }
    }
}

/// Whether `answer` holds an HTTP response's head and its whole
/// `Content-Length` body.
fn answered_whole(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    answer.len() >= end + 4 + length
}

#[cfg(test)]
mod tests {
    use super::answered_whole;

    #[test]
    fn an_answer_is_whole_once_its_announced_body_has_come() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n".to_vec();
        assert!(!answered_whole(&head[..10]));
        assert!(!answered_whole(&head));
        let mut whole = head.clone();
        whole.extend_from_slice(b"{\"value\":null}");
        assert!(answered_whole(&whole));
        assert!(answered_whole(b"HTTP/1.1 204 No Content\r\n\r\n"));
    }
}
