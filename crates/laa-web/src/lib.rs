//! The citizens' pages and open data (recommendation 1): what each area
//! agreed and how it is doing, as server-rendered HTML without script, and
//! every table as CSV and JSON, readable without credentials.
//!
//! Only what is public is shown, by one rule in the core
//! ([`laa_core::publication::publish`]): an agreement from its first
//! sign-off, as last signed off. Nothing under negotiation, no tokens, no
//! principals beyond their organisation.
//!
//! Each page and open-data file is kept as last rendered, with its `ETag`
//! and its gzip and brotli encodings ([`kept`]), and rendered again only
//! once a change to the record has been heard ([`changes`]: the server's
//! announcements, which on PostgreSQL include every other server's), at
//! most once per [`changes::GATHER`] under a constant stream of writes, and
//! by one request however many ask at once.
//!
//! # Layout
//! - [`model`]: what a page is rendered from (a round's public agreements
//!   in full, every round's in brief).
//! - [`reading`]: how that is read and kept (public records made once per
//!   agreement version; the latest round's whole, earlier rounds' packed by
//!   [`packed`]).
//! - [`changes`]: the changes heard, as a generation what is kept is stamped with.
//! - [`kept`]: the responses kept, one per path, and how each is made once.
//! - [`facts`]: verdicts, polarity and units, looked up in one place.
//! - [`pages`]: the England, area, indicator and open-data pages.
//! - [`chart`]: a target's plan and actuals as inline SVG.
//! - [`datasets`], [`history`], [`table`]: the open data, one table each, as CSV and JSON;
//!   `table_file`: a table written straight into the file kept of it.
//! - [`http`]: headers (Content-Security-Policy, ETag) on every response,
//!   and the encoding the client accepts.
//! - [`names`]: region and department names for people.
//!
//! HTML is written with `maud`, which escapes every interpolated value at
//! compile time unless told otherwise (nothing here tells it otherwise).

#![warn(missing_docs)]

pub mod changes;
pub mod chart;
pub mod datasets;
pub mod facts;
pub mod history;
pub mod http;
pub mod kept;
pub mod model;
pub mod names;
pub mod packed;
pub mod pages;
pub mod reading;
pub mod table;
mod table_file;

use std::future::Future;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use laa_core::{AgreementId, AreaCode, IndicatorNumber};
use laa_store::{Queries, StoreError};
use maud::Markup;

pub use crate::changes::Changes;
use crate::http::{Kind, respond};
use crate::kept::{Kept, Rendered, Shelf};
use crate::model::Snapshot;
use crate::reading::ReadModel;

/// The stylesheet, embedded.
pub const STYLESHEET: &str = include_str!("style.css");

/// The stylesheet, kept once with its tag and encodings.
static KEPT_STYLESHEET: LazyLock<Kept> = LazyLock::new(|| {
    Kept::new(Rendered {
        status: StatusCode::OK,
        kind: Kind::Css,
        body: STYLESHEET.as_bytes().to_vec().into(),
        filename: None,
    })
});

/// What every page is answered from: the read model and the responses kept.
#[derive(Clone)]
struct Web {
    model: ReadModel,
    shelf: Arc<Shelf>,
}

impl Web {
    /// The response kept at `path`, or rendered by `render` if it is not
    /// fresh; `page` names the kind of page in the count of renderings.
    async fn answer<F, Fut>(
        &self,
        headers: &HeaderMap,
        path: String,
        page: &'static str,
        render: F,
    ) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rendered>,
    {
        let kept = self
            .shelf
            .answer(path, page, || self.model.now(), render)
            .await;
        respond(headers, &kept)
    }
}

/// The pages' routes over `store`, which they read and never write, kept
/// until `changes` tell of a change.
pub fn router(store: Queries, changes: Changes) -> Router {
    let model = ReadModel::new(store, changes);
    model.warm();
    Router::new()
        .route("/", get(england))
        .route("/rounds/{round}", get(england_in_round))
        .route("/areas/{code}", get(area))
        .route("/areas/{code}/rounds/{round}", get(area_in_round))
        .route("/indicators", get(indicators))
        .route("/indicators/{number}", get(indicator))
        .route(
            "/indicators/{number}/rounds/{round}",
            get(indicator_in_round),
        )
        .route("/data", get(data))
        .route("/data/{file}", get(dataset))
        .route("/data/rounds/{round}/{file}", get(dataset_in_round))
        .route("/data/agreements/{id}/{file}", get(history))
        .route("/style.css", get(stylesheet))
        .fallback(not_found)
        .with_state(Web {
            model,
            shelf: Arc::default(),
        })
}

/// Serves the pages over plain HTTP on `listener` until `shutdown`
/// completes, rendering each for every request (nothing tells them of
/// changes). (`laa serve` runs [`router`] on its own HTTP listener, which
/// speaks TLS when the server has a certificate, with the server's
/// announcements.)
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Queries,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, Changes::unfollowed()))
        .with_graceful_shutdown(shutdown)
        .await
}

fn html(status: StatusCode, markup: Markup) -> Rendered {
    Rendered {
        status,
        kind: Kind::Html,
        body: markup.into_string().into_bytes().into(),
        filename: None,
    }
}

/// How many events of an agreement's public history are read at a time.
const HISTORY_PAGE: u64 = 1_000;

fn missing() -> Rendered {
    html(StatusCode::NOT_FOUND, pages::not_found())
}

fn failed(error: StoreError) -> Rendered {
    tracing::warn!(%error, "a public page could not read the record");
    html(StatusCode::SERVICE_UNAVAILABLE, pages::unavailable())
}

async fn not_found(headers: HeaderMap) -> Response {
    respond(&headers, &Kept::new(missing()))
}

async fn stylesheet(headers: HeaderMap) -> Response {
    respond(&headers, &KEPT_STYLESHEET)
}

/// A round named in a page's path (`None`: none named); an error for a
/// name no round can have, whose page is not found.
fn named_round(round: Option<String>) -> Result<Option<laa_core::RoundName>, laa_core::ParseError> {
    round.map(laa_core::RoundName::new).transpose()
}

/// The snapshot a page of the whole country shows: `asked`'s, if it has
/// a public agreement (`None` if it has none: the page is not found), or
/// else the latest round's (which holds nothing while nothing is public).
async fn round_shown(
    model: &ReadModel,
    asked: Option<&laa_core::RoundName>,
) -> Result<Option<Arc<Snapshot>>, StoreError> {
    match asked {
        Some(round) => model.round(round.as_str()).await,
        None => model.latest().await.map(Some),
    }
}

/// The page `render` makes of the snapshot of `round` (see
/// [`round_shown`]).
async fn in_round_shown(
    model: &ReadModel,
    round: Option<&laa_core::RoundName>,
    render: impl FnOnce(&Snapshot) -> Rendered,
) -> Rendered {
    match round_shown(model, round).await {
        Ok(Some(snapshot)) => render(&snapshot),
        Ok(None) => missing(),
        Err(e) => failed(e),
    }
}

async fn england(State(web): State<Web>, headers: HeaderMap) -> Response {
    england_page(web, headers, None).await
}

/// England's page for one round: `/rounds/2008-11`.
async fn england_in_round(
    State(web): State<Web>,
    Path(round): Path<String>,
    headers: HeaderMap,
) -> Response {
    england_page(web, headers, Some(round)).await
}

/// England's page for `round` (`None`: the latest, at `/`).
async fn england_page(web: Web, headers: HeaderMap, round: Option<String>) -> Response {
    let Ok(round) = named_round(round) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let model = &web.model;
    let path = round
        .as_ref()
        .map_or_else(|| "/".to_owned(), |r| format!("/rounds/{}", r.as_str()));
    web.answer(&headers, path, "england", || {
        in_round_shown(model, round.as_ref(), |snapshot| {
            html(StatusCode::OK, pages::england::england(snapshot))
        })
    })
    .await
}

async fn area(State(web): State<Web>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    area_page(web, headers, code, None).await
}

/// An area's agreement of one round: `/areas/kent/rounds/2008-11`.
async fn area_in_round(
    State(web): State<Web>,
    Path((code, round)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    area_page(web, headers, code, Some(round)).await
}

/// The area `code`'s page: its agreement of `round` (`None`: its latest).
async fn area_page(web: Web, headers: HeaderMap, code: String, round: Option<String>) -> Response {
    let (Ok(code), Ok(round)) = (AreaCode::new(code), named_round(round)) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let model = &web.model;
    let path = match &round {
        Some(r) => format!("/areas/{code}/rounds/{}", r.as_str()),
        None => format!("/areas/{code}"),
    };
    web.answer(&headers, path, "area", || async {
        // Its own page shows the area's latest agreement, whichever round
        // that is.
        let latest = match model.latest().await {
            Ok(s) => s,
            Err(e) => return failed(e),
        };
        let shown = match &round {
            Some(r) => Some(r.as_str().to_owned()),
            None => latest.briefs_of(&code).last().map(|b| b.round.clone()),
        };
        let snapshot = match shown {
            Some(r) => match model.round(&r).await {
                Ok(Some(s)) => s,
                Ok(None) => return missing(),
                Err(e) => return failed(e),
            },
            None => latest,
        };
        snapshot
            .area(code.as_str())
            .and_then(|record| {
                pages::area::area(
                    &snapshot,
                    record,
                    &model.store().catalogue(),
                    round.as_ref().map(laa_core::RoundName::as_str),
                )
            })
            .map_or_else(missing, |page| html(StatusCode::OK, page))
    })
    .await
}

async fn indicators(State(web): State<Web>, headers: HeaderMap) -> Response {
    let model = &web.model;
    web.answer(&headers, "/indicators".into(), "indicators", || async {
        match model.latest().await {
            Ok(s) => html(
                StatusCode::OK,
                pages::indicator::list(&s, &model.store().catalogue()),
            ),
            Err(e) => failed(e),
        }
    })
    .await
}

async fn indicator(
    State(web): State<Web>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    indicator_page(web, headers, number, None).await
}

/// An indicator's page in one round: `/indicators/117/rounds/2008-11`.
async fn indicator_in_round(
    State(web): State<Web>,
    Path((number, round)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    indicator_page(web, headers, number, Some(round)).await
}

/// The indicator `number`'s page in `round` (`None`: the latest).
async fn indicator_page(
    web: Web,
    headers: HeaderMap,
    number: String,
    round: Option<String>,
) -> Response {
    let number = number
        .parse::<u16>()
        .ok()
        .and_then(|n| IndicatorNumber::new(n).ok());
    let (Some(number), Ok(round)) = (number, named_round(round)) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let model = &web.model;
    let path = match &round {
        Some(r) => format!("/indicators/{}/rounds/{}", number.get(), r.as_str()),
        None => format!("/indicators/{}", number.get()),
    };
    web.answer(&headers, path, "indicator", || async {
        let proposals = match national_proposals(model.store(), number).await {
            Ok(r) => r,
            Err(e) => return failed(e),
        };
        in_round_shown(
            model,
            round.as_ref(),
            |snapshot| match pages::indicator::indicator(
                snapshot,
                &model.store().catalogue(),
                number,
                &proposals,
            ) {
                Some(page) => html(StatusCode::OK, page),
                None => missing(),
            },
        )
        .await
    })
    .await
}

/// Every round with the national target proposed in it for `number`
/// (recommendation 15), read from each round's stream.
async fn national_proposals(
    store: &Queries,
    number: IndicatorNumber,
) -> Result<Vec<pages::national::RoundProposal>, laa_store::StoreError> {
    let mut out = Vec::new();
    for round in store.rounds().await? {
        let Ok(name) = laa_core::RoundName::new(round.policy.name.clone()) else {
            continue;
        };
        let proposal = store
            .round_state(&name)
            .await?
            .national_targets
            .get(&number)
            .cloned();
        out.push(pages::national::RoundProposal { round, proposal });
    }
    Ok(out)
}

async fn data(State(web): State<Web>, headers: HeaderMap) -> Response {
    let model = &web.model;
    web.answer(&headers, "/data".into(), "data", || async {
        let snapshot = match model.latest().await {
            Ok(s) => s,
            Err(e) => return failed(e),
        };
        let descriptions: Vec<(String, String)> = datasets::DATASETS
            .iter()
            .filter_map(|name| datasets::heading(name))
            .map(|t| (t.name, t.description))
            .collect();
        html(StatusCode::OK, pages::data::data(&snapshot, &descriptions))
    })
    .await
}

/// `name.csv` or `name.json`: the name and the kind.
fn split_file(file: &str) -> Option<(&str, Kind)> {
    if let Some(name) = file.strip_suffix(".csv") {
        Some((name, Kind::Csv))
    } else {
        file.strip_suffix(".json").map(|name| (name, Kind::Json))
    }
}

/// The answer when a file could not be written (into memory: not expected).
fn unwritten(error: std::io::Error) -> Rendered {
    tracing::warn!(%error, "an open-data file could not be written");
    html(StatusCode::SERVICE_UNAVAILABLE, pages::unavailable())
}

/// An open-data file of the latest round with a signed-off agreement:
/// `/data/targets.csv`. (Every round's together would grow by 20 MB a
/// round as written; a round's is the table its England page shows.)
async fn dataset(State(web): State<Web>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/data/{file}");
    dataset_of(web, headers, path, file, None).await
}

/// An open-data file of one round: `/data/rounds/2008-11/targets.csv`.
async fn dataset_in_round(
    State(web): State<Web>,
    Path((round, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Ok(round) = laa_core::RoundName::new(round) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let path = format!("/data/rounds/{}/{file}", round.as_str());
    dataset_of(web, headers, path, file, Some(round)).await
}

/// The open-data `file` of `round` (`None`: the latest), kept at `path`.
async fn dataset_of(
    web: Web,
    headers: HeaderMap,
    path: String,
    file: String,
    round: Option<laa_core::RoundName>,
) -> Response {
    let Some((name, kind)) = split_file(&file) else {
        return respond(&headers, &Kept::new(missing()));
    };
    if !datasets::DATASETS.contains(&name) {
        return respond(&headers, &Kept::new(missing()));
    }
    let model = &web.model;
    web.answer(&headers, path, "dataset", || async {
        let snapshot = match round_shown(model, round.as_ref()).await {
            Ok(Some(s)) => s,
            Ok(None) => return missing(),
            Err(e) => return failed(e),
        };
        let Some(table) = datasets::heading(name) else {
            return missing();
        };
        let catalogue = model.store().catalogue();
        // A round's targets are 5 MB of CSV and 15 MB of JSON; the other
        // datasets a few kilobytes.
        let expected = if name == "targets" {
            table_file::LARGE_FILE
        } else {
            0
        };
        let filename = match &round {
            Some(r) => format!(
                "{name}-{}.{}",
                r.as_str(),
                if kind == Kind::Json { "json" } else { "csv" }
            ),
            None => file.clone(),
        };
        let written =
            table_file::TableFile::begin(&table, kind, snapshot.as_of(), filename, expected)
                .and_then(|mut f| {
                    datasets::write_rows(name, &snapshot, &catalogue, &mut f.writer)?;
                    f.finish()
                });
        written.unwrap_or_else(unwritten)
    })
    .await
}

async fn history(
    State(web): State<Web>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(("history", kind)) = split_file(&file) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let Ok(id) = AgreementId::new(id) else {
        return respond(&headers, &Kept::new(missing()));
    };
    let model = &web.model;
    let path = format!("/data/agreements/{id}/{file}");
    web.answer(&headers, path, "history", || async {
        let snapshot = match model.latest().await {
            Ok(s) => s,
            Err(e) => return failed(e),
        };
        let Some(brief) = snapshot.briefs.iter().find(|b| b.id == id) else {
            return missing();
        };
        let through = brief.public_through;
        let name = format!(
            "{}-history.{}",
            id,
            if kind == Kind::Json { "json" } else { "csv" }
        );
        let table = history::heading(id.as_str());
        // About 200 bytes an event as CSV, 400 as JSON.
        let expected =
            usize::try_from(through.saturating_mul(if kind == Kind::Json { 400 } else { 200 }))
                .unwrap_or(usize::MAX);
        let mut file =
            match table_file::TableFile::begin(&table, kind, snapshot.as_of(), name, expected) {
                Ok(file) => file,
                Err(e) => return unwritten(e),
            };
        // Read a page of events at a time: a long history is never held
        // whole, as events or as rows.
        let mut next = 1;
        while next <= through {
            let page = HISTORY_PAGE.min(through - next + 1);
            let events = match model.store().events(&id, next, page).await {
                Ok(events) => events,
                Err(e) => return failed(e),
            };
            if let Err(e) = history::write_rows(id.as_str(), &events, &mut file.writer) {
                return unwritten(e);
            }
            match events.last() {
                Some(last) if events.len() as u64 == page => next = last.sequence + 1,
                _ => break,
            }
        }
        file.finish().unwrap_or_else(unwritten)
    })
    .await
}
