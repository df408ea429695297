//! `laa bench --events 1000,10000,100000`: what one agreement's history
//! costs as it grows. One agreement (17 targets) is countered, one
//! command at a time through the API, to each length listed; at each a
//! server of its own (`laa serve`, another process) is started on the
//! database and measured: start to serving, the first read of the
//! agreement (its state rebuilt from its snapshot and the events since),
//! then a read's and a command's p50, `VerifyHistory` and the export of
//! the whole history, and the server's memory.

use std::path::Path;
use std::time::{Duration, Instant};

use laa_core::{Role, Scope};
use laa_store::{Store, StoreOptions};

use super::databases::{fresh_database, remove};
use super::histories::{export, verify};
use super::load::{self, Negotiation};
use super::measure::Samples;
use super::served::Served;
use super::soak::Resident;
use crate::client::Clients;
use crate::client::words::count;

/// The area whose agreement grows.
const AREA: &str = "kent";

/// What `laa bench --events` was asked.
pub struct Lengths<'a> {
    /// The history lengths measured at, in order.
    pub events: Vec<u64>,
    /// Seconds each timed measurement runs.
    pub duration: Duration,
    /// A PostgreSQL server to create the database on, instead of SQLite.
    pub postgres: Option<&'a str>,
    /// PostgreSQL: the measured server is the database's only one.
    pub sole_server: bool,
}

/// One length's figures.
struct Figures {
    /// Events in the history when the server was started.
    events: u64,
    start: Duration,
    first_read: Duration,
    read: Samples,
    write: Samples,
    verify: Duration,
    exported: super::histories::Exported,
    resident: Resident,
}

/// Runs `laa bench --events`.
pub async fn run(lengths: Lengths<'_>) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("error: {e}"))?;
    let (url, cleanup) = fresh_database(lengths.postgres, dir.path(), "lengths").await?;
    let result = measured(&lengths, &url, dir.path()).await;
    remove(cleanup).await;
    print(&lengths, &url, &result?);
    Ok(())
}

/// Tokens for the agreement's two sides and an auditor.
struct Tokens {
    go: String,
    area: String,
    auditor: String,
}

async fn tokens(url: &str) -> Result<Tokens, String> {
    let store = Store::connect(url, StoreOptions::default())
        .await
        .map_err(|e| format!("error: cannot open the database: {e}"))?;
    let issue = |role: Role, scope: Scope| {
        let store = store.clone();
        async move {
            store
                .credentials()
                .issue_token(role, scope, "bench:lengths")
                .await
                .map(|(_, secret)| secret)
                .map_err(|e| format!("error: issuing a token: {e}"))
        }
    };
    let area = laa_core::AreaCode::new(AREA).map_err(|e| format!("error: {e}"))?;
    let tokens = Tokens {
        go: issue(
            Role::GoNegotiator,
            Scope::Region(laa_core::Region::SouthEast),
        )
        .await?,
        area: issue(Role::AreaNegotiator, Scope::Area(area)).await?,
        auditor: issue(Role::Auditor, Scope::National).await?,
    };
    let _ = store.close().await;
    Ok(tokens)
}

async fn measured(lengths: &Lengths<'_>, url: &str, dir: &Path) -> Result<Vec<Figures>, String> {
    // A first server creates the database and opens the agreement.
    let (served, _) = Served::start(url, dir, lengths.sole_server).await?;
    let tokens = tokens(url).await;
    let opened = match &tokens {
        Ok(t) => {
            Negotiation::open(
                &served.grpc,
                &t.go,
                &t.area,
                AREA,
                laa_core::policy::DEFAULT_ROUND,
                true,
            )
            .await
        }
        Err(e) => Err(e.clone()),
    };
    served.stop().await;
    let (tokens, mut negotiation) = (tokens?, vec![opened?]);
    let mut columns = Vec::new();
    for &length in &lengths.events {
        // As a running service's autovacuum would have, after the history
        // grown for the length before (`databases::vacuum_if_autovacuum_is_off`):
        // otherwise the agreement's row, rewritten at every event, is read
        // past every dead version of it by the first read after the start.
        super::databases::vacuum_if_autovacuum_is_off(url).await?;
        let (served, start) = Served::start(url, dir, lengths.sole_server).await?;
        for n in &mut negotiation {
            n.reconnect(&served.grpc, &tokens.go, &tokens.area)?;
        }
        let measured = measure(lengths, &served, &tokens, negotiation, length).await;
        let resident = served.resident();
        served.stop().await;
        let (figures, back) = measured?;
        negotiation = back;
        columns.push(Figures {
            start,
            resident: resident?,
            ..figures
        });
    }
    Ok(columns)
}

/// On a server just started: the first read of the agreement (its state
/// rebuilt), then the history grown to `length` events, then the rest
/// measured; the negotiation comes back for the next length.
async fn measure(
    lengths: &Lengths<'_>,
    served: &Served,
    tokens: &Tokens,
    mut negotiation: Vec<Negotiation>,
    length: u64,
) -> Result<(Figures, Vec<Negotiation>), String> {
    let channel = load::connect(&served.grpc).await?;
    let auditor = Clients::on(channel, Some(&tokens.auditor)).map_err(|e| e.text())?;
    let name = format!("agreements/{AREA}-{}", laa_core::policy::DEFAULT_ROUND);
    let first_read = match negotiation.first_mut() {
        Some(n) => n.read().await?,
        None => return Err("error: no agreement to measure".into()),
    };
    let events: u64 = negotiation.iter().map(Negotiation::version).sum();
    if events < length {
        eprintln!("bench: countering to {}", count(length, "event"));
        let grown = usize::try_from(length - events).unwrap_or(usize::MAX);
        negotiation = load::counted_writes(negotiation, grown).await?.1;
    }
    let events: u64 = negotiation.iter().map(Negotiation::version).sum();
    eprintln!("bench: measuring at {}", count(events, "event"));
    let read = match negotiation.first_mut() {
        Some(n) => load::reads(n, lengths.duration).await?,
        None => Samples::default(),
    };
    let (write, negotiation) = load::writes(negotiation, lengths.duration).await?;
    let began = Instant::now();
    verify(&auditor, &name).await?;
    let verify = began.elapsed();
    let exported = export(&auditor, &name).await?;
    Ok((
        Figures {
            events,
            start: Duration::ZERO,
            first_read,
            read,
            write,
            verify,
            exported,
            resident: Resident::default(),
        },
        negotiation,
    ))
}

fn print(lengths: &Lengths<'_>, url: &str, columns: &[Figures]) {
    println!(
        "laa bench --events: one agreement's history, {} ({}), {} cores, {:.1} s per measurement",
        if lengths.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        laa_store::redacted(url),
        std::thread::available_parallelism().map_or(0, usize::from),
        lengths.duration.as_secs_f64()
    );
    let (Some(first), Some(last)) = (columns.first(), columns.last()) else {
        return;
    };
    print!("{:<44}", "measurement");
    for f in columns {
        print!(" {:>12}", count(f.events, "event"));
    }
    println!(" {:>9}", "last/1st");
    let row = |name: &str, figure: &dyn Fn(&Figures) -> f64, places: usize| {
        print!("{name:<44}");
        for f in columns {
            print!(" {:>12.places$}", figure(f));
        }
        println!(" {:>9.2}", figure(last) / figure(first));
    };
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    row("start to serving, ms", &|f| ms(f.start), 1);
    row("first read after the start, ms", &|f| ms(f.first_read), 2);
    row("read p50 (GetAgreement), ms", &|f| f.read.p50(), 3);
    row("command p50 (CounterOffer), ms", &|f| f.write.p50(), 3);
    row("VerifyHistory, ms", &|f| ms(f.verify), 1);
    row(
        "export (ListEvents, NDJSON), ms",
        &|f| f.exported.seconds * 1_000.0,
        1,
    );
    row("  MB exported", &|f| f.exported.bytes as f64 / 1e6, 2);
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    row("server RSS at the end, MB", &|f| mb(f.resident.total), 1);
    row("server peak RSS, MB", &|f| mb(f.resident.peak), 1);
}
