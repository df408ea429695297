//! `laa bench --rounds N`: twenty years in one run. The 2008-11 round is
//! loaded through the API as `laa demo national-round --rounds` loads it,
//! then a server of its own (`laa serve`, another process) is started on
//! the database and measured; then the rounds after it are loaded (N in
//! all: 7 is 2008-11 to 2026-29, twenty-one years) and a new server is
//! measured the same way. The two are printed side by side with issue 26's
//! goals.
//!
//! Each measurement: start to serving (the process started to its first
//! health check answered); a command's latency (`CounterOffer`, one
//! client) and 16 clients' rate, on agreements the bench opens in a round
//! of its own, so that both are like for like on a database of one round
//! or of N; a read (`GetAgreement`); the analytics beside the echo
//! ([`super::reads`]); every page and open-data file beside the
//! stylesheet with `wrk` ([`super::web`]); `VerifyHistory` of every stream
//! the server holds; the export of the whole 2008-11 round (every
//! agreement's history through `ListEvents`, as `laa history export`
//! writes it); and the server's resident memory at the end and at its
//! peak.

use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use laa_core::{Role, Scope};
use laa_proto::v1 as pb;
use laa_store::{Store, StoreOptions};

use super::databases::{
    Cleanup, copy_database, fresh_database, remove, vacuum_if_autovacuum_is_off,
};
use super::histories::{Exported, Verified, export_round, verify_every_stream};
use super::measure::Samples;
use super::served::Served;
use super::soak::Resident;
use super::web::{Measured, STATIC};
use super::{Target, in_turn, load, negotiations, reads, web};
use crate::client::Clients;
use crate::client::words::count;
use crate::demo::{
    Credentials, Replay, RoundCalendar, create_round, issue_credentials, replay_server,
};

/// The goal: a command's p50, and 16 clients' rate, within this factor of
/// year one's.
pub(super) const WITHIN: f64 = 1.2;
/// The goal: a server started on the database serves within this.
const START_GOAL: Duration = Duration::from_secs(2);
/// The goal: the server's peak resident memory under this, in MB.
const PEAK_GOAL_MB: f64 = 250.0;
/// Concurrent clients of the rate measured.
const CLIENTS: usize = 16;
/// The seed the rounds are loaded with (the demo's).
const SEED: u64 = 2008;

/// What `laa bench --rounds` was asked.
pub struct Years<'a> {
    /// The rounds after which the server is measured, in order (`[1, 7]`:
    /// after 2008-11, and after the seventh round).
    pub rounds: Vec<usize>,
    /// The areas taking part in each round: for each count, a database of
    /// its own loaded and measured after each of `rounds`.
    pub areas: Vec<usize>,
    /// Seconds each measurement runs.
    pub duration: Duration,
    /// A PostgreSQL server to create the database on, instead of SQLite.
    pub postgres: Option<&'a str>,
    /// PostgreSQL: the measured server is the database's only one.
    pub sole_server: bool,
}

/// Rounds loaded, and what it took.
struct Loaded {
    areas: usize,
    first: String,
    last: String,
    commands: u64,
    seconds: f64,
}

/// One measurement of a server on the database.
struct Figures {
    start: Duration,
    /// England's page asked for as the server started serving: how long
    /// the pages' first reading took.
    first_page: Duration,
    echo: Samples,
    read: Samples,
    write: Samples,
    concurrent: Samples,
    analytics: Vec<(&'static str, Samples)>,
    pages: Vec<Measured>,
    verified: Verified,
    exported: Exported,
    resident: Resident,
}

/// Runs `laa bench --rounds`.
pub async fn run(years: Years<'_>) -> Result<(), String> {
    // wrk is needed for the pages: say so before twenty years are loaded.
    if let Err(e) = std::process::Command::new("wrk").arg("--version").output() {
        return Err(format!(
            "error: cannot run wrk ({e}), which measures the pages\nhint: apt-get install wrk (Debian's package)"
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| format!("error: {e}"))?;
    let mut columns = Vec::new();
    let mut turns = Vec::new();
    for &count in &years.areas {
        let (url, cleanup) =
            fresh_database(years.postgres, dir.path(), &format!("years_{count}")).await?;
        let mut copy = None;
        let result = measured(&years, (&url, &mut copy), dir.path(), count).await;
        remove(cleanup).await;
        if let Some(copy) = copy {
            remove(copy).await;
        }
        let (measured, in_turn) = result?;
        columns.extend(measured);
        turns.extend(in_turn.map(|t| (count, t)));
    }
    print(&years, &columns, &turns);
    Ok(())
}

/// `count` of the 150 areas, spread over the list (every tenth for 15)
/// and Kent always among them, whose pages and history the pages'
/// measurement asks for.
fn areas_taking_part(count: usize) -> Result<Vec<laa_core::areas::AreaEntry>, String> {
    let all = laa_core::areas::areas_2008().map_err(|e| format!("error: {e}"))?;
    if count >= all.len() {
        return Ok(all);
    }
    let kent = all
        .iter()
        .position(|a| a.code.as_str() == "kent")
        .unwrap_or(0);
    let step = (all.len() / count.max(1)).max(1);
    Ok(all
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % step == kent % step)
        .map(|(_, a)| a)
        .take(count)
        .collect())
}

/// For each of `years.rounds`, the rounds up to it loaded for
/// `taking_part` areas and the server measured: what was loaded before each
/// measurement, and the figures. With more than one measurement, a copy of
/// the database after the first (`copy`, which the caller removes) is then
/// measured in turn with the last ([`in_turn`]).
async fn measured(
    years: &Years<'_>,
    (url, copy): (&str, &mut Option<Cleanup>),
    dir: &Path,
    taking_part: usize,
) -> Result<(Vec<(Loaded, Figures)>, Option<in_turn::InTurn>), String> {
    let areas = areas_taking_part(taking_part)?;
    let mut credentials = None;
    let mut loaded = 0;
    let mut columns = Vec::new();
    let mut first_copy = None;
    for &upto in &years.rounds {
        eprintln!(
            "bench: loading {} to {}",
            RoundCalendar::nth(loaded).name(),
            RoundCalendar::nth(upto - 1).name()
        );
        let (issued, load) = load_rounds(url, credentials.clone(), &areas, loaded..upto).await?;
        credentials = Some(issued);
        loaded = upto;
        vacuum_if_autovacuum_is_off(url).await?;
        if columns.is_empty() && years.rounds.len() > 1 {
            let name = format!("years_{taking_part}_first");
            let (copied, cleanup) = copy_database(url, years.postgres, dir, &name).await?;
            *copy = Some(cleanup);
            first_copy = Some(copied);
        }
        eprintln!(
            "bench: measuring after {} ({} loaded)",
            load.last,
            count(load.commands, "command")
        );
        let issued = credentials.as_ref().ok_or("error: no credentials")?;
        let own = format!("after-{upto}");
        let figures = measure(years, url, dir, issued, &areas, (&own, &load.last)).await?;
        columns.push((load, figures));
    }
    let in_turn = match first_copy {
        Some(first) => Some(
            in_turn::measure(
                (&first, url),
                dir,
                years.sole_server,
                &areas,
                years.duration,
            )
            .await?,
        ),
        None => None,
    };
    Ok((columns, in_turn))
}

/// Replays `rounds` on a server in this process over `url`.
async fn load_rounds(
    url: &str,
    credentials: Option<Credentials>,
    areas: &[laa_core::areas::AreaEntry],
    rounds: Range<usize>,
) -> Result<(Credentials, Loaded), String> {
    let server = replay_server(url).await.map_err(|e| e.text())?;
    let credentials = match credentials {
        Some(c) => c,
        None => issue_credentials(&server.store, areas).await?,
    };
    let started = Instant::now();
    let replay = Replay {
        server: &server.url,
        credentials: &credentials,
        areas,
        seed: SEED,
        concurrency: 32,
        dated: true,
    };
    let reports = crate::demo::replay_rounds(replay, rounds.clone(), &ProgressBar::hidden()).await;
    let seconds = started.elapsed().as_secs_f64();
    let stopped = server.stop().await;
    let reports = reports?;
    stopped?;
    Ok((
        credentials,
        Loaded {
            areas: areas.len(),
            first: RoundCalendar::nth(rounds.start).name(),
            last: RoundCalendar::nth(rounds.end.saturating_sub(1)).name(),
            commands: reports
                .iter()
                .map(crate::demo::RoundReport::all_commands)
                .sum(),
            seconds,
        },
    ))
}

/// Opens the agreements of [`CLIENTS`] of `areas` in `round`, a round of
/// the bench's own (2008-11's policy under another name, created now), on
/// the server `served` over the database `url`: agreements that are the
/// same on a database of one round or of N.
pub(super) async fn bench_negotiations(
    url: &str,
    served: &Served,
    areas: &[laa_core::areas::AreaEntry],
    round: &str,
) -> Result<Vec<load::Negotiation>, String> {
    let store = Store::connect(url, StoreOptions::default())
        .await
        .map_err(|e| format!("error: cannot open the database: {e}"))?;
    let channel = load::connect(&served.grpc).await?;
    let (_, admin_token) = store
        .credentials()
        .issue_token(Role::Admin, Scope::National, "bench:admin")
        .await
        .map_err(|e| format!("error: issuing a token: {e}"))?;
    let mut admin = Clients::on(channel, Some(&admin_token)).map_err(|e| e.text())?;
    create_round(&mut admin, &served.grpc, round.to_owned(), |first| {
        pb::Round {
            name: String::new(),
            round: round.to_owned(),
            create_time: None,
            ..first.clone()
        }
    })
    .await?;
    let target = Target {
        server: served.grpc.clone(),
        store,
        label: format!("the server at {}", served.grpc),
        embedded: None,
        cleanup: Cleanup::Nothing,
    };
    let negotiations = negotiations(&target, areas, CLIENTS, round).await;
    let _ = target.store.close().await;
    negotiations
}

/// One measurement: a server started on `url`, measured, stopped;
/// `rounds` names the bench's own round and the latest round loaded.
async fn measure(
    years: &Years<'_>,
    url: &str,
    dir: &Path,
    credentials: &Credentials,
    areas: &[laa_core::areas::AreaEntry],
    rounds: (&str, &str),
) -> Result<Figures, String> {
    let (served, start) = Served::start(url, dir, years.sole_server).await?;
    let first_page = web::first_page(&served.pages).await;
    let figures = match first_page {
        Ok(first_page) => measure_served(years, url, &served, credentials, areas, rounds)
            .await
            .map(|f| Figures { first_page, ..f }),
        Err(e) => Err(e),
    };
    let resident = served.resident();
    served.stop().await;
    let figures = figures?;
    Ok(Figures {
        start,
        resident: resident?,
        ..figures
    })
}

async fn measure_served(
    years: &Years<'_>,
    url: &str,
    served: &Served,
    credentials: &Credentials,
    areas: &[laa_core::areas::AreaEntry],
    (round, latest): (&str, &str),
) -> Result<Figures, String> {
    let duration = years.duration;
    let bench_round = format!("bench-{round}");
    let mut negotiations = bench_negotiations(url, served, areas, &bench_round).await?;
    let auditor = Clients::on(
        load::connect(&served.grpc).await?,
        Some(&credentials.auditor),
    )
    .map_err(|e| e.text())?;
    eprintln!(
        "bench: writes and reads, {:.1} s each",
        duration.as_secs_f64()
    );
    let read = load::reads(&mut negotiations[0], duration).await?;
    let (write, concurrent, _) = in_turn::commands(negotiations, duration).await?;
    eprintln!("bench: the analytics");
    let analytics =
        reads::measure_all(&served.grpc, &credentials.auditor, duration, latest).await?;
    let echo = analytics
        .first()
        .map(|(_, echo)| echo.clone())
        .unwrap_or_default();
    eprintln!("bench: the pages, with wrk");
    let pages = web::measure(&served.pages, duration, &[CLIENTS], 0, None).await?;
    eprintln!("bench: VerifyHistory of every stream");
    let verified = verify_every_stream(&auditor).await?;
    eprintln!("bench: exporting the 2008-11 round");
    let exported = export_round(&auditor, areas, RoundCalendar::FIRST).await?;
    Ok(Figures {
        start: Duration::ZERO,
        first_page: Duration::ZERO,
        echo,
        read,
        write,
        concurrent,
        analytics,
        pages,
        verified,
        exported,
        resident: Resident::default(),
    })
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One row of the table: a figure from each measurement.
type Figure<'a> = &'a dyn Fn(&Figures) -> f64;

fn print(years: &Years<'_>, columns: &[(Loaded, Figures)], turns: &[(usize, in_turn::InTurn)]) {
    println!(
        "laa bench --rounds: {}, {} cores, {:.1} s per measurement",
        if years.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        std::thread::available_parallelism().map_or(0, usize::from),
        years.duration.as_secs_f64()
    );
    for (l, _) in columns {
        let rounds = if l.first == l.last {
            l.first.clone()
        } else {
            format!("{} to {}", l.first, l.last)
        };
        println!(
            "loaded {rounds} for {}: {} in {:.1} s ({:.0} a second)",
            count(l.areas, "area"),
            count(l.commands, "command"),
            l.seconds,
            l.commands as f64 / l.seconds.max(f64::EPSILON)
        );
    }
    let (Some((_, first)), Some((_, last))) = (columns.first(), columns.last()) else {
        return;
    };
    println!();
    print!("{:<48}", "");
    for (l, _) in columns {
        print!(" {:>14}", count(l.areas, "area"));
    }
    println!();
    print!("{:<48}", "measurement");
    for (l, _) in columns {
        print!(" {:>14}", format!("after {}", l.last));
    }
    println!(" {:>8}  goal", "last/1st");
    let mut unmet = 0;
    // A row, and its goal: met when `holds` is true of every column.
    let mut row =
        |name: &str, figure: Figure<'_>, places: usize, goal: Option<(&str, Figure<'_>)>| {
            print!("{name:<48}");
            for (_, f) in columns {
                print!(" {:>14.places$}", figure(f));
            }
            let verdict = match goal {
                Some((text, holds)) => {
                    if columns.iter().all(|(_, f)| holds(f) > 0.0) {
                        format!("{text}: met")
                    } else {
                        unmet += 1;
                        format!("{text}: NOT MET")
                    }
                }
                None => String::new(),
            };
            println!(" {:>8.2}  {verdict}", figure(last) / figure(first));
        };
    let yes = |b: bool| if b { 1.0 } else { 0.0 };
    row(
        "agreements held",
        &|f| f.verified.agreements as f64,
        0,
        None,
    );
    row(
        "events held (every stream)",
        &|f| f.verified.events as f64,
        0,
        None,
    );
    row(
        "start to serving, s",
        &|f| f.start.as_secs_f64(),
        3,
        Some(("under 2 s", &|f| yes(f.start < START_GOAL))),
    );
    row(
        "first / after start (the pages' first reading), s",
        &|f| f.first_page.as_secs_f64(),
        2,
        None,
    );
    row("echo p50, ms", &|f| f.echo.p50(), 3, None);
    row(
        "read p50 (GetAgreement, 1 client), ms",
        &|f| f.read.p50(),
        3,
        None,
    );
    // Judged below, on the two served at once and measured in turn, when
    // there are two: minutes apart, one measurement each is the host's
    // weather as much as the database's. Item 5's goal is the same
    // service years on: rounds of different sizes (`--areas 15,50,150`)
    // are reported side by side, not judged against the first.
    let same_areas = columns.iter().all(|(l, _)| l.areas == columns[0].0.areas);
    let judged_here = turns.is_empty() && same_areas;
    row(
        "command p50 (CounterOffer, 1 client), ms",
        &|f| f.write.p50(),
        3,
        judged_here.then_some(("within 1.2x of the first", &|f: &Figures| {
            yes(f.write.p50() <= WITHIN * first.write.p50())
        })),
    );
    row(
        "16 clients, commands a second",
        &|f| f.concurrent.per_second(),
        0,
        judged_here.then_some(("within 1.2x of the first", &|f: &Figures| {
            yes(f.concurrent.per_second() * WITHIN >= first.concurrent.per_second())
        })),
    );
    for (k, (name, _)) in first.analytics.iter().enumerate().skip(1) {
        let cold = move |f: &Figures| {
            f.analytics
                .get(k)
                .and_then(|(_, s)| s.first)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1_000.0)
        };
        row(
            &format!("{name}, first call after start, ms"),
            &cold,
            1,
            None,
        );
        let ratio = move |f: &Figures| {
            f.analytics
                .get(k)
                .map_or(f64::NAN, |(_, s)| s.p50() / f.echo.p50())
        };
        row(
            &format!("{name}, p50 / echo"),
            &ratio,
            2,
            reads::is_judged(name)
                .then_some(("at most 5x", &|f: &Figures| yes(ratio(f) <= reads::GOAL))),
        );
    }
    let static_rate = |f: &Figures| {
        f.pages
            .iter()
            .find(|m| m.what == STATIC)
            .map_or(f64::NAN, |m| m.rate)
    };
    row(
        "static stylesheet, requests a second",
        &static_rate,
        0,
        None,
    );
    for (k, page) in first.pages.iter().enumerate().skip(1) {
        let share = move |f: &Figures| f.pages.get(k).map_or(f64::NAN, |m| m.rate / static_rate(f));
        let p99 = move |f: &Figures| f.pages.get(k).map_or(f64::NAN, |m| m.p99_ms);
        row(
            &format!("{}: / static", page.what),
            &share,
            3,
            Some(("item 2", &|f| {
                yes(f.pages.get(k).is_some_and(|m| m.meets_goal(static_rate(f))))
            })),
        );
        row(&format!("{}: p99, ms", page.what), &p99, 2, None);
    }
    row(
        "VerifyHistory of every stream, s",
        &|f| f.verified.seconds,
        2,
        None,
    );
    row(
        "  streams verified",
        &|f| f.verified.streams as f64,
        0,
        None,
    );
    row(
        "export of 2008-11 (each of its histories), s",
        &|f| f.exported.seconds,
        2,
        None,
    );
    row(
        "  histories exported",
        &|f| f.exported.agreements as f64,
        0,
        None,
    );
    row("  events exported", &|f| f.exported.events as f64, 0, None);
    row("  MB exported", &|f| f.exported.bytes as f64 / 1e6, 1, None);
    row(
        "server RSS at the end, MB",
        &|f| megabytes(f.resident.total),
        1,
        None,
    );
    row(
        "server peak RSS, MB",
        &|f| megabytes(f.resident.peak),
        1,
        Some(("under 250 MB", &|f| {
            yes(megabytes(f.resident.peak) < PEAK_GOAL_MB)
        })),
    );
    for (areas, turn) in turns {
        unmet += turn.print(*areas, years.duration);
    }
    println!("\ngoals not met: {unmet}");
}
