//! Every response leaves through here: the security headers, the `ETag`
//! (a SHA-256 of the body, so a page that has not changed answers
//! `304 Not Modified` from the tag kept with it, without rendering), and
//! the body in the encoding the client prefers of those kept (brotli, then
//! gzip, then as it is: `Accept-Encoding`). A large file kept only
//! encoded is decoded from its gzip as it is sent to a client that accepts
//! neither.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::kept::Kept;

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
    tag(&Sha256::digest(body))
}

/// The strong entity tag of a body whose SHA-256 is `digest`.
pub fn tag(digest: &[u8]) -> String {
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The encodings a body may be sent in, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` and the tag's suffix.
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }
}

/// Whether the request's `Accept-Encoding` accepts `name` (by name or
/// `*`, with a quality above zero).
fn accepts(request: &HeaderMap, name: &str) -> bool {
    let mut named = None;
    let mut any = None;
    for item in request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case(name) {
            named = Some(quality > 0.0);
        } else if coding == "*" {
            any = Some(quality > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

/// The tag of `kept` sent in `encoding`: each encoding is its own
/// representation, so its own strong tag.
fn tag_of(base: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Identity => base.to_owned(),
        other => format!("{}-{}\"", base.trim_end_matches('"'), other.name()),
    }
}

/// `gzip` decoded as it is sent, 64 KiB at a time on a blocking thread, so
/// that a large file is never held whole for one client.
fn decoded(gzip: Bytes) -> Body {
    let (pieces, received) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut decoder = flate2::read::GzDecoder::new(&gzip[..]);
        loop {
            let mut piece = vec![0; 64 * 1024];
            let piece = match decoder.read(&mut piece) {
                Ok(0) => return,
                Ok(n) => {
                    piece.truncate(n);
                    Ok(Bytes::from(piece))
                }
                Err(e) => Err(e),
            };
            // Done when the client has gone, or once a broken gzip's error
            // is sent (the response ends there).
            let broken = piece.is_err();
            if pieces.blocking_send(piece).is_err() || broken {
                return;
            }
        }
    });
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(received))
}

/// True when the request's `If-None-Match` names the body's tag in any of
/// its encodings (or is `*`): the body the client holds is this one.
fn not_modified(request: &HeaderMap, base: &str) -> bool {
    let bare = base.trim_matches('"');
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| {
            t == "*"
                || t == bare
                || [Encoding::Brotli, Encoding::Gzip]
                    .iter()
                    .any(|e| t.strip_prefix(bare) == Some(&format!("-{}", e.name())))
        })
}

/// The response for `kept`: `304 Not Modified` when the client holds it,
/// otherwise its body in the best encoding the client accepts; with the
/// headers of every response.
pub fn respond(request: &HeaderMap, kept: &Kept) -> Response {
    let ok = kept.status == StatusCode::OK;
    let (encoding, body) = match (&kept.brotli, &kept.gzip) {
        (Some(body), _) if accepts(request, "br") => (Encoding::Brotli, Some(body.clone())),
        (_, Some(body)) if accepts(request, "gzip") => (Encoding::Gzip, Some(body.clone())),
        _ => (Encoding::Identity, kept.identity.clone()),
    };
    let mut response = if ok && not_modified(request, &kept.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match (body, &kept.gzip) {
            (Some(body), _) => (kept.status, body).into_response(),
            // Its length said, so that it is sent as a whole body would
            // be, not in chunks.
            (None, Some(gzip)) => (
                kept.status,
                [(header::CONTENT_LENGTH, kept.length.to_string())],
                decoded(gzip.clone()),
            )
                .into_response(),
            // A body is kept whole, or its gzip is (kept::Encoder::finish).
            (None, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    };
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(headers, header::CONTENT_TYPE, kept.kind.content_type());
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "no-cache");
    if ok {
        set(headers, header::ETAG, &tag_of(&kept.etag, encoding));
        if kept.gzip.is_some() || kept.brotli.is_some() {
            set(headers, header::VARY, "Accept-Encoding");
        }
        if encoding != Encoding::Identity && response.status() == StatusCode::OK {
            set(
                response.headers_mut(),
                header::CONTENT_ENCODING,
                encoding.name(),
            );
        }
    }
    let headers = response.headers_mut();
    if kept.kind == Kind::Csv || kept.kind == Kind::Json {
        set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
    if let Some(name) = &kept.filename {
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
    use crate::kept::Rendered;

    fn kept(body: &str) -> Kept {
        Kept::new(Rendered {
            status: StatusCode::OK,
            kind: Kind::Html,
            body: body.as_bytes().to_vec().into(),
            filename: None,
        })
    }

    fn asking(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut request = HeaderMap::new();
        for (name, value) in pairs {
            request.append(name, value.parse().unwrap());
        }
        request
    }

    #[tokio::test]
    async fn a_file_kept_only_encoded_is_sent_decoded_to_a_client_that_accepts_none() {
        use std::io::Write as _;
        let body = "area,target,year,value\nkent,1,2008/09,52.5\n".repeat(40_000);
        let mut encoder = crate::kept::Encoder::expecting(body.len());
        encoder.write_all(body.as_bytes()).unwrap();
        let file = Kept::new(Rendered {
            status: StatusCode::OK,
            kind: Kind::Csv,
            body: crate::kept::Body::Encoded(encoder.finish().unwrap()),
            filename: None,
        });
        assert_eq!(file.identity, None, "kept only encoded");
        let plain = respond(&HeaderMap::new(), &file);
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::ETAG], file.etag.as_str());
        // Sent with its length, as a body kept whole is, not in chunks.
        assert_eq!(
            plain.headers()[header::CONTENT_LENGTH],
            body.len().to_string().as_str()
        );
        let sent = axum::body::to_bytes(plain.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(sent, body.as_bytes());
        let gzipped = respond(&asking(&[(header::ACCEPT_ENCODING, "gzip")]), &file);
        assert_eq!(gzipped.headers()[header::CONTENT_ENCODING], "gzip");
    }

    #[test]
    fn an_unchanged_body_answers_not_modified() {
        let page = kept("<p>hello</p>");
        let first = respond(&HeaderMap::new(), &page);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::ETAG], page.etag.as_str());
        assert_eq!(first.headers()[header::CONTENT_SECURITY_POLICY], CSP);
        let again = respond(&asking(&[(header::IF_NONE_MATCH, &page.etag)]), &page);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], page.etag.as_str());
        let changed = respond(&asking(&[(header::IF_NONE_MATCH, "\"other\"")]), &page);
        assert_eq!(changed.status(), StatusCode::OK);
    }

    #[test]
    fn the_encoding_follows_accept_encoding_and_its_tag_answers_not_modified() {
        let page = kept(&"<p>Kent agreed 35 targets</p>".repeat(30));
        let cases: &[(&str, Option<&str>)] = &[
            ("", None),
            ("gzip", Some("gzip")),
            ("gzip, deflate, br", Some("br")),
            ("br;q=0, gzip;q=0.5", Some("gzip")),
            ("*", Some("br")),
            ("*, br;q=0", Some("gzip")),
            ("identity", None),
            ("gzip;q=0", None),
        ];
        for (accept, expected) in cases {
            let response = respond(&asking(&[(header::ACCEPT_ENCODING, accept)]), &page);
            let encoding = response
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(encoding.as_deref(), *expected, "Accept-Encoding: {accept}");
            assert_eq!(response.headers()[header::VARY], "Accept-Encoding");
            let tag = response.headers()[header::ETAG]
                .to_str()
                .unwrap()
                .to_owned();
            let again = respond(
                &asking(&[
                    (header::ACCEPT_ENCODING, accept),
                    (header::IF_NONE_MATCH, &tag),
                ]),
                &page,
            );
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{accept}: {tag}");
            assert!(again.headers().get(header::CONTENT_ENCODING).is_none());
        }
    }

    #[test]
    fn the_policy_allows_no_script() {
        assert!(!CSP.contains("script-src"));
        assert!(CSP.starts_with("default-src 'none'"));
        assert!(!CSP.contains("unsafe-inline"));
    }
}
