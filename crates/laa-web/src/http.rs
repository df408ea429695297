//! Every response leaves through here: the security headers, the `ETag`
//! (a SHA-256 of the body, so a page that has not changed answers
//! `304 Not Modified`), and the pages for what is not found or cannot be read.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The Content-Security-Policy of every response: nothing but our own
/// stylesheet; no script at all, inline or not; no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The media types served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An HTML page.
    Html,
    /// The stylesheet.
    Css,
    /// A CSV table.
    Csv,
    /// A JSON table.
    Json,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Html => "text/html; charset=utf-8",
            Kind::Css => "text/css; charset=utf-8",
            Kind::Csv => "text/csv; charset=utf-8",
            Kind::Json => "application/json",
        }
    }
}

/// The strong entity tag of a body.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// True when the request's `If-None-Match` names `tag` (or is `*`).
fn not_modified(request: &HeaderMap, tag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// A response of `status` with `body`, its headers, and the ETag check.
pub fn respond(
    request: &HeaderMap,
    status: StatusCode,
    kind: Kind,
    body: Vec<u8>,
    filename: Option<&str>,
) -> Response {
    let tag = etag(&body);
    let mut response = if status == StatusCode::OK && not_modified(request, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (status, body).into_response()
    };
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(headers, header::CONTENT_TYPE, kind.content_type());
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "no-cache");
    if status == StatusCode::OK {
        set(headers, header::ETAG, &tag);
    }
    if kind == Kind::Csv || kind == Kind::Json {
        set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
    if let Some(name) = filename {
        set(
            headers,
            header::CONTENT_DISPOSITION,
            &format!("inline; filename=\"{name}\""),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_body_answers_not_modified() {
        let body = b"<p>hello</p>".to_vec();
        let tag = etag(&body);
        let mut request = HeaderMap::new();
        let first = respond(&request, StatusCode::OK, Kind::Html, body.clone(), None);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::ETAG], tag.as_str());
        assert_eq!(first.headers()[header::CONTENT_SECURITY_POLICY], CSP);
        request.insert(header::IF_NONE_MATCH, tag.parse().unwrap());
        let again = respond(&request, StatusCode::OK, Kind::Html, body.clone(), None);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        request.insert(header::IF_NONE_MATCH, "\"other\"".parse().unwrap());
        let changed = respond(&request, StatusCode::OK, Kind::Html, body, None);
        assert_eq!(changed.status(), StatusCode::OK);
    }

    #[test]
    fn the_policy_allows_no_script() {
        assert!(!CSP.contains("script-src"));
        assert!(CSP.starts_with("default-src 'none'"));
        assert!(!CSP.contains("unsafe-inline"));
    }
}
