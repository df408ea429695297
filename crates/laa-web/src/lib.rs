//! The citizens' pages and open data (recommendation 1): what each area
//! agreed and how it is doing, as server-rendered HTML without script, and
//! every table as CSV and JSON, readable without credentials.
//!
//! Only what is public is shown, by one rule in the core
//! ([`laa_core::publication::publish`]): an agreement from its first
//! sign-off, as last signed off. Nothing under negotiation, no tokens, no
//! principals beyond their organisation.
//!
//! # Layout
//! - [`model`]: the read model (public records cached by agreement version).
//! - [`facts`]: verdicts, polarity and units, looked up in one place.
//! - [`pages`]: the England, area, indicator and open-data pages.
//! - [`chart`]: a target's plan and actuals as inline SVG.
//! - [`datasets`], [`history`], [`table`]: the open data, one table each, as CSV and JSON.
//! - [`http`]: headers (Content-Security-Policy, ETag) on every response.
//! - [`names`]: region and department names for people.
//!
//! HTML is written with `maud`, which escapes every interpolated value at
//! compile time unless told otherwise (nothing here tells it otherwise).

#![warn(missing_docs)]

pub mod chart;
pub mod datasets;
pub mod facts;
pub mod history;
pub mod http;
pub mod model;
pub mod names;
pub mod pages;
pub mod table;

use std::future::Future;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use laa_core::{AgreementId, AreaCode, IndicatorNumber};
use laa_store::{Reader, StoreError};
use maud::Markup;

use crate::http::{Kind, respond};
use crate::model::ReadModel;

/// The stylesheet, embedded.
pub const STYLESHEET: &str = include_str!("style.css");

/// The pages' routes over `store`, which they read and never write.
pub fn router(store: Reader) -> Router {
    Router::new()
        .route("/", get(england))
        .route("/areas/{code}", get(area))
        .route("/indicators", get(indicators))
        .route("/indicators/{number}", get(indicator))
        .route("/data", get(data))
        .route("/data/{file}", get(dataset))
        .route("/data/agreements/{id}/{file}", get(history))
        .route("/style.css", get(stylesheet))
        .fallback(not_found)
        .with_state(ReadModel::new(store))
}

/// Serves the pages over plain HTTP on `listener` until `shutdown`
/// completes. (`laa serve` runs [`router`] on its own HTTP listener, which
/// speaks TLS when the server has a certificate.)
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Reader,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await
}

fn html(headers: &HeaderMap, status: StatusCode, markup: Markup) -> Response {
    respond(
        headers,
        status,
        Kind::Html,
        markup.into_string().into_bytes(),
        None,
    )
}

fn missing(headers: &HeaderMap) -> Response {
    html(headers, StatusCode::NOT_FOUND, pages::not_found())
}

fn failed(headers: &HeaderMap, error: StoreError) -> Response {
    tracing::warn!(%error, "a public page could not read the store");
    html(
        headers,
        StatusCode::SERVICE_UNAVAILABLE,
        pages::unavailable(),
    )
}

async fn not_found(headers: HeaderMap) -> Response {
    missing(&headers)
}

async fn stylesheet(headers: HeaderMap) -> Response {
    respond(
        &headers,
        StatusCode::OK,
        Kind::Css,
        STYLESHEET.as_bytes().to_vec(),
        None,
    )
}

async fn england(State(model): State<ReadModel>, headers: HeaderMap) -> Response {
    match model.snapshot(None).await {
        Ok(s) => html(&headers, StatusCode::OK, pages::england::england(&s)),
        Err(e) => failed(&headers, e),
    }
}

async fn area(
    State(model): State<ReadModel>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(code) = AreaCode::new(code) else {
        return missing(&headers);
    };
    let snapshot = match model.snapshot(Some(&code)).await {
        Ok(s) => s,
        Err(e) => return failed(&headers, e),
    };
    match snapshot.area(code.as_str()) {
        Some(record) => html(
            &headers,
            StatusCode::OK,
            pages::area::area(&snapshot, record, &model.store().catalogue()),
        ),
        None => missing(&headers),
    }
}

async fn indicators(State(model): State<ReadModel>, headers: HeaderMap) -> Response {
    match model.snapshot(None).await {
        Ok(s) => html(
            &headers,
            StatusCode::OK,
            pages::indicator::list(&s, &model.store().catalogue()),
        ),
        Err(e) => failed(&headers, e),
    }
}

async fn indicator(
    State(model): State<ReadModel>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(number) = number
        .parse::<u16>()
        .ok()
        .and_then(|n| IndicatorNumber::new(n).ok())
    else {
        return missing(&headers);
    };
    let snapshot = match model.snapshot(None).await {
        Ok(s) => s,
        Err(e) => return failed(&headers, e),
    };
    match pages::indicator::indicator(&snapshot, &model.store().catalogue(), number) {
        Some(page) => html(&headers, StatusCode::OK, page),
        None => missing(&headers),
    }
}

async fn data(State(model): State<ReadModel>, headers: HeaderMap) -> Response {
    let snapshot = match model.snapshot(None).await {
        Ok(s) => s,
        Err(e) => return failed(&headers, e),
    };
    let catalogue = model.store().catalogue();
    let descriptions: Vec<(String, String)> = datasets::DATASETS
        .iter()
        .filter_map(|name| datasets::dataset(name, &snapshot, &catalogue))
        .map(|t| (t.name, t.description))
        .collect();
    html(
        &headers,
        StatusCode::OK,
        pages::data::data(&snapshot, &descriptions),
    )
}

/// `name.csv` or `name.json`: the name and the kind.
fn split_file(file: &str) -> Option<(&str, Kind)> {
    if let Some(name) = file.strip_suffix(".csv") {
        Some((name, Kind::Csv))
    } else {
        file.strip_suffix(".json").map(|name| (name, Kind::Json))
    }
}

fn table_response(
    headers: &HeaderMap,
    table: &table::Table,
    kind: Kind,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    filename: &str,
) -> Response {
    let body = match kind {
        Kind::Json => table.to_json(as_of),
        _ => table.to_csv(),
    };
    respond(headers, StatusCode::OK, kind, body, Some(filename))
}

async fn dataset(
    State(model): State<ReadModel>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((name, kind)) = split_file(&file) else {
        return missing(&headers);
    };
    if !datasets::DATASETS.contains(&name) {
        return missing(&headers);
    }
    let snapshot = match model.snapshot(None).await {
        Ok(s) => s,
        Err(e) => return failed(&headers, e),
    };
    match datasets::dataset(name, &snapshot, &model.store().catalogue()) {
        Some(table) => table_response(&headers, &table, kind, snapshot.as_of(), &file),
        None => missing(&headers),
    }
}

async fn history(
    State(model): State<ReadModel>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(("history", kind)) = split_file(&file) else {
        return missing(&headers);
    };
    let Ok(id) = AgreementId::new(id) else {
        return missing(&headers);
    };
    // The agreement's area is the id's first part (`kent` of `kent-2008-11`,
    // `east-sussex` of `east-sussex-2008-11`): read only the areas it may be.
    let mut published = None;
    let mut snapshot = None;
    for (i, _) in id.as_str().match_indices('-') {
        let Ok(area) = AreaCode::new(&id.as_str()[..i]) else {
            continue;
        };
        match model.snapshot(Some(&area)).await {
            Ok(s) if s.published.iter().any(|p| p.id == id) => {
                published = s.published.iter().find(|p| p.id == id).cloned();
                snapshot = Some(s);
                break;
            }
            Ok(_) => {}
            Err(e) => return failed(&headers, e),
        }
    }
    let (Some(published), Some(snapshot)) = (published, snapshot) else {
        return missing(&headers);
    };
    let through = published.record.public_through;
    match model.store().events(&id, 1, through).await {
        Ok(events) => {
            let table = history::history(id.as_str(), &events);
            let name = format!(
                "{}-history.{}",
                id,
                if kind == Kind::Json { "json" } else { "csv" }
            );
            table_response(&headers, &table, kind, snapshot.as_of(), &name)
        }
        Err(e) => failed(&headers, e),
    }
}
