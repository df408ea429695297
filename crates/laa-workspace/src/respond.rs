//! Every response of the workspace leaves through here, with its headers:
//! a Content-Security-Policy that allows no script at all and only our own
//! stylesheet, no framing, no referrer, and no caching (the pages hold
//! drafts under negotiation).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

/// The workspace's Content-Security-Policy: no script, inline or not;
/// styles and images from this origin; forms post only here.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn secure_headers(headers: &mut HeaderMap) {
    let pairs = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// An HTML page.
pub fn html(status: StatusCode, page: Markup) -> Response {
    let mut response = (status, page.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(headers);
    response
}

/// `303 See Other` to `location`, a path of this service (never a URL a
/// request supplied: there is no open redirect).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    secure_headers(response.headers_mut());
    response
}

/// The workspace's stylesheet.
pub async fn stylesheet() -> Response {
    let mut response = (StatusCode::OK, crate::STYLESHEET).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    secure_headers(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The page for a path the workspace does not have.
pub async fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        crate::layout::bare(
            "Page not found",
            maud::html! {
                h1.heading-l { "Page not found" }
                p { "If you typed the web address, check it is correct." }
                p { a href=(crate::ROOT) { "Go to what is waiting on you" } }
            },
        ),
    )
}
