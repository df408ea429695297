//! `laa bench`: the end-to-end load tool.
//!
//! Against a server started in this process (SQLite in a temporary
//! directory by default, or a fresh PostgreSQL database) or a running one,
//! it measures in one run, side by side on the same database: the echo
//! (`grpc.health.v1.Health/Check`), reads (`GetAgreement` of a 17-target
//! agreement) and writes (`CounterOffer`, a durable append) at one client,
//! then writes at 16 and 64 concurrent clients each on its own agreement,
//! next to the floors: a raw single-row insert per transaction and the
//! store's own append, on the same database. It prints each figure and the
//! ratios the performance goals are stated in (`docs/PERFORMANCE.md`).
//!
//! With `--web URL` it measures instead a running server's public pages
//! and open data beside its static stylesheet, with `wrk` ([`web`]); with
//! `--soak SECONDS`, the server's resident memory under a long write load
//! ([`soak`]).

mod databases;
mod floor;
mod histories;
mod history_length;
mod in_turn;
mod load;
mod measure;
mod reads;
mod served;
mod soak;
mod web;
mod years;

use std::collections::BTreeMap;
use std::time::Duration;

use clap::Args;
use laa_core::{Region, Role, Scope};
use laa_store::{Backend, PostgresServer, Store, StoreOptions};

use crate::embedded::EmbeddedServer;
use databases::{Cleanup, fresh_database, remove};
use load::Negotiation;
use measure::Samples;

/// Options of `laa bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A running server to measure, e.g. http://127.0.0.1:50051 (needs
    /// --database-url: its database, where the bench issues its credentials).
    #[arg(long, requires = "database_url")]
    pub server: Option<String>,
    /// The database of the server: the running one's (with --server), or
    /// the embedded server's. Embedded default: a fresh SQLite file in a
    /// temporary directory, removed afterwards.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Run the embedded server on a fresh PostgreSQL database created on
    /// this server (and dropped afterwards), e.g.
    /// postgres://postgres@127.0.0.1:5432/postgres.
    #[arg(long, conflicts_with_all = ["server", "database_url"])]
    pub postgres: Option<String>,
    /// PostgreSQL: the embedded server is the database's only server
    /// (`laa serve --sole-server`): reads answer from memory. Without it,
    /// it serves as one of several, each read asking the database.
    #[arg(long, conflicts_with = "server")]
    pub sole_server: bool,
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// The concurrent client counts measured, each client on its own
    /// agreement (default 16,64; with --soak, one count, default 8).
    #[arg(long, value_delimiter = ',')]
    pub clients: Vec<usize>,
    /// A fixed amount of work instead of timed measurements: only the
    /// concurrent writes run, each client count making this many
    /// CounterOffers in all (shared evenly among its clients), for counting
    /// the CPU a command costs with `perf stat` (run two counts and divide
    /// the difference).
    #[arg(long)]
    pub commands: Option<usize>,
    /// Measure instead the public pages and open data of the server whose
    /// pages are at this address (its --http-listen, e.g.
    /// http://127.0.0.1:8080), each beside the static stylesheet, with
    /// `wrk` at each --clients count of connections.
    #[arg(long, value_name = "URL", conflicts_with_all = ["server", "database_url", "postgres", "commands"])]
    pub web: Option<String>,
    /// With --web: this many other connections each send half a request
    /// throughout the measurement (connecting again when closed).
    #[arg(long, requires = "web", default_value_t = 0)]
    pub slow: usize,
    /// With --slow: as many again hold the gRPC listener at this address
    /// (its --listen, e.g. 127.0.0.1:50051), each with half of HTTP/2's
    /// preface, while the pages are measured.
    #[arg(long, value_name = "ADDRESS", requires = "slow")]
    pub slow_grpc: Option<String>,
    /// Measure instead the analytics of the server at this address (the
    /// national and a regional GetNegotiationSummary, a region's and
    /// England's ListPerformance), each beside the echo, one client, as
    /// the holder of LAA_TOKEN (an auditor's or the sign-off's token).
    #[arg(long, value_name = "URL", conflicts_with_all = ["server", "database_url", "postgres", "commands", "web", "soak"])]
    pub reads: Option<String>,
    /// A soak instead: this many seconds of CounterOffers by --clients
    /// clients (default 8), each on its own agreement, while the server's
    /// resident memory is read once a second; prints it by quarter of the
    /// run and whether it stayed flat after the first (the warm-up).
    #[arg(long, conflicts_with_all = ["web", "commands"])]
    pub soak: Option<f64>,
    /// Twenty years instead: load three-year rounds through the API as
    /// `laa demo national-round --rounds` does, and after each round listed
    /// (such as 1,7: after 2008-11 and after 2026-29, about 346,000
    /// commands) measure a server (`laa serve`, a process of its own) on
    /// the database, side by side: start to serving, a command's p50 and 16
    /// clients' rate, the analytics, the pages (with `wrk`), VerifyHistory
    /// of every stream, the export of the 2008-11 round, and the server's
    /// peak memory. With two rounds or more listed, a copy of the database
    /// after the first is then served beside the last and both measured in
    /// turn, three times each (a command's p50 and 16 clients' rate, judged
    /// on the medians). On SQLite in a temporary directory, or on a fresh
    /// database with --postgres (vacuumed after each load if the server's
    /// autovacuum is off).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=20), conflicts_with_all = ["server", "database_url", "web", "reads", "soak", "commands"])]
    pub rounds: Vec<u16>,
    /// With --rounds: the areas taking part in each round (default 150;
    /// such as 15,50,150: a database of its own for each, spread over the
    /// country with Kent among them; their figures are reported side by
    /// side, and a command's p50 and 16 clients' rate are judged against
    /// the first only across rounds).
    #[arg(long, value_delimiter = ',', requires = "rounds", value_parser = clap::value_parser!(u16).range(1..=150))]
    pub areas: Vec<u16>,
    /// How one agreement's history costs as it grows instead: counter one
    /// agreement through the API to each of these lengths (such as
    /// 1000,10000,100000 events) and at each measure a server (`laa
    /// serve`, a process of its own) started on the database: start to
    /// serving, the first read, a read's and a command's p50,
    /// VerifyHistory, the export, and the server's memory. On SQLite in a
    /// temporary directory, or on a fresh database with --postgres.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["server", "database_url", "web", "reads", "soak", "commands", "rounds"])]
    pub events: Vec<u64>,
    /// With --soak and --server: the process id of that server, whose
    /// memory is read (without --server the embedded server's, this
    /// process's).
    #[arg(long, requires_all = ["soak", "server"])]
    pub server_pid: Option<u32>,
}

/// Where the bench's server runs.
struct Target {
    server: String,
    store: Store,
    label: String,
    embedded: Option<EmbeddedServer>,
    cleanup: Cleanup,
}

/// Runs `laa bench`.
pub async fn run(mut args: BenchArgs) -> Result<(), String> {
    let duration = Duration::from_secs_f64(args.seconds.max(0.1));
    if args.clients.is_empty() {
        args.clients = if args.soak.is_some() {
            vec![8]
        } else {
            vec![16, 64]
        };
    }
    if let Some(web) = &args.web {
        return web::run(
            web,
            duration,
            &args.clients,
            args.slow,
            args.slow_grpc.as_deref(),
        )
        .await;
    }
    if !args.events.is_empty() {
        let mut events = args.events.clone();
        events.sort_unstable();
        events.dedup();
        return history_length::run(history_length::Lengths {
            events,
            duration,
            postgres: args.postgres.as_deref(),
            sole_server: args.sole_server,
        })
        .await;
    }
    if !args.rounds.is_empty() {
        let mut rounds: Vec<usize> = args.rounds.iter().map(|r| usize::from(*r)).collect();
        rounds.sort_unstable();
        rounds.dedup();
        let mut areas: Vec<usize> = args.areas.iter().map(|a| usize::from(*a)).collect();
        if areas.is_empty() {
            areas.push(150);
        }
        return years::run(years::Years {
            rounds,
            areas,
            duration,
            postgres: args.postgres.as_deref(),
            sole_server: args.sole_server,
        })
        .await;
    }
    if let Some(server) = &args.reads {
        let token = std::env::var("LAA_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or("error: --reads needs LAA_TOKEN: an auditor's or the sign-off's token")?;
        return reads::run(server, &token, duration).await;
    }
    let most = args.clients.iter().copied().max().unwrap_or(1).max(1);
    let areas = laa_core::areas::areas_2008().map_err(|e| format!("error: {e}"))?;
    if most + 2 > areas.len() {
        return Err(format!(
            "error: at most {} (one agreement each among the {})",
            crate::client::words::count(areas.len() - 2, "concurrent client"),
            crate::client::words::count(areas.len(), "area")
        ));
    }
    let target = start(&args).await?;
    if let Some(seconds) = args.soak {
        let result =
            match negotiations(&target, &areas, most, laa_core::policy::DEFAULT_ROUND).await {
                Ok(negotiations) => {
                    let duration = Duration::from_secs_f64(seconds.max(1.0));
                    soak::run(negotiations, duration, args.server_pid).await
                }
                Err(e) => Err(e),
            };
        let label = target.label.clone();
        stop(target).await;
        result?.print(&label);
        return Ok(());
    }
    if let Some(commands) = args.commands {
        let result = counted(&target, &areas, &args.clients, most, commands).await;
        stop(target).await;
        return result;
    }
    let result = measure(&target, &areas, &args.clients, most, duration).await;
    stop(target).await;
    let report = result?;
    report.print();
    Ok(())
}

async fn start(args: &BenchArgs) -> Result<Target, String> {
    let open = |url: String, server: Option<PostgresServer>| async move {
        let options = StoreOptions {
            sole_writer: server.is_some(),
            postgres_server: server,
            ..StoreOptions::default()
        };
        Store::connect(&url, options)
            .await
            .map_err(|e| format!("error: cannot open {url}: {e}"))
    };
    if let Some(server) = &args.server {
        let url = args.database_url.clone().unwrap_or_default();
        return Ok(Target {
            server: server.clone(),
            store: open(url.clone(), None).await?,
            label: format!("the server at {server}"),
            embedded: None,
            cleanup: Cleanup::Nothing,
        });
    }
    let (url, cleanup) = match (&args.postgres, &args.database_url) {
        (None, Some(url)) => (url.clone(), Cleanup::Nothing),
        (postgres, _) => {
            let dir = tempfile::tempdir().map_err(|e| format!("error: {e}"))?;
            match fresh_database(postgres.as_deref(), dir.path(), "bench").await? {
                (url, Cleanup::Nothing) => (url, Cleanup::Directory(dir)),
                made => made,
            }
        }
    };
    // The embedded server is a server as `laa serve` is: on SQLite its
    // database's only writer; on PostgreSQL one of several unless
    // --sole-server says it is the only one.
    let server = if args.sole_server {
        PostgresServer::Sole
    } else {
        PostgresServer::Shared
    };
    let store = open(url.clone(), Some(server)).await?;
    let embedded = EmbeddedServer::serve(store.clone()).await?;
    let backend = match (store.backend(), args.sole_server) {
        (Backend::Sqlite, _) => "SQLite",
        (Backend::Postgres, true) => "PostgreSQL as its sole server",
        (Backend::Postgres, false) => "PostgreSQL, one of several servers",
    };
    Ok(Target {
        server: embedded.url.clone(),
        store,
        label: format!("an embedded server on {backend} ({url})"),
        embedded: Some(embedded),
        cleanup,
    })
}

async fn stop(target: Target) {
    if let Some(embedded) = target.embedded
        && let Err(e) = embedded.stop().await
    {
        eprintln!("{e}");
    }
    let _ = target.store.close().await;
    remove(target.cleanup).await;
}

/// Everything one run measured.
struct Report {
    label: String,
    backend: Backend,
    echo: Samples,
    raw: Samples,
    append: Samples,
    read: Samples,
    write: Samples,
    concurrent: Vec<(usize, Samples, Option<laa_store::GroupCommits>)>,
    seconds: f64,
}

/// A GO credential per region, and the first `most` areas' agreements
/// opened in `round`, each with its own area credential.
async fn negotiations(
    target: &Target,
    areas: &[laa_core::areas::AreaEntry],
    most: usize,
    round: &str,
) -> Result<Vec<Negotiation>, String> {
    let store = &target.store;
    let mut go = BTreeMap::new();
    for region in Region::ALL {
        let (_, secret) = store
            .credentials()
            .issue_token(Role::GoNegotiator, Scope::Region(region), "bench:go")
            .await
            .map_err(|e| format!("error: issuing a token: {e}"))?;
        go.insert(region, secret);
    }
    eprintln!(
        "bench: opening {} on {}",
        crate::client::words::count(most, "agreement"),
        target.label
    );
    let mut negotiations = Vec::new();
    for (k, area) in areas.iter().take(most).enumerate() {
        let (_, secret) = store
            .credentials()
            .issue_token(
                Role::AreaNegotiator,
                Scope::Area(area.code.clone()),
                "bench:area",
            )
            .await
            .map_err(|e| format!("error: issuing a token: {e}"))?;
        let go_token = go.get(&area.region).cloned().unwrap_or_default();
        negotiations.push(
            Negotiation::open(
                &target.server,
                &go_token,
                &secret,
                area.code.as_str(),
                round,
                k == 0,
            )
            .await?,
        );
    }
    Ok(negotiations)
}

/// `--commands`: each client count makes `commands` CounterOffers in all,
/// untimed; prints how many were made and the group commits they took.
async fn counted(
    target: &Target,
    areas: &[laa_core::areas::AreaEntry],
    counts: &[usize],
    most: usize,
    commands: usize,
) -> Result<(), String> {
    let mut negotiations =
        negotiations(target, areas, most, laa_core::policy::DEFAULT_ROUND).await?;
    for &count in counts {
        let count = count.clamp(1, negotiations.len());
        let rest = negotiations.split_off(count);
        let before = target.store.group_commits();
        let (made, mut back) = load::counted_writes(negotiations, commands).await?;
        let after = target.store.group_commits();
        back.extend(rest);
        negotiations = back;
        println!(
            "{}: {made} CounterOffers in {}",
            crate::client::words::count(count, "client"),
            crate::client::words::count(after.batches - before.batches, "transaction")
        );
    }
    Ok(())
}

async fn measure(
    target: &Target,
    areas: &[laa_core::areas::AreaEntry],
    counts: &[usize],
    most: usize,
    duration: Duration,
) -> Result<Report, String> {
    let store = &target.store;
    // Credentials: a GO negotiator per region, a negotiator per area used.
    let mut negotiations =
        negotiations(target, areas, most, laa_core::policy::DEFAULT_ROUND).await?;
    let direct_area = areas[most].code.as_str();

    eprintln!("bench: measuring, {:.1} s each", duration.as_secs_f64());
    let echo = load::echo(&target.server, duration).await?;
    let raw = floor::raw_inserts(store, duration).await?;
    let append = floor::store_appends(store, direct_area, duration).await?;
    let read = load::reads(&mut negotiations[0], duration).await?;
    let mut lone = vec![negotiations.remove(0)];
    let (write, back) = load::writes(lone, duration).await?;
    lone = back;
    negotiations.splice(0..0, lone);
    let mut concurrent = Vec::new();
    for &count in counts {
        let rest = negotiations.split_off(count.min(negotiations.len()));
        let before = store.group_commits();
        let (samples, mut back) = load::writes(negotiations, duration).await?;
        let after = store.group_commits();
        back.extend(rest);
        negotiations = back;
        // The server's own group commits, when it runs in this process.
        let commits = target.embedded.is_some().then(|| laa_store::GroupCommits {
            batches: after.batches - before.batches,
            commands: after.commands - before.commands,
            largest: after.largest,
            queued: after.queued,
        });
        concurrent.push((count, samples, commits));
    }
    Ok(Report {
        label: target.label.clone(),
        backend: store.backend(),
        echo,
        raw,
        append,
        read,
        write,
        concurrent,
        seconds: duration.as_secs_f64(),
    })
}

impl Report {
    fn print(&self) {
        println!(
            "laa bench: {}, {} cores, {:.1} s per measurement",
            self.label,
            std::thread::available_parallelism().map_or(0, usize::from),
            self.seconds
        );
        println!(
            "{:<40} {:>10} {:>10} {:>12}",
            "measurement", "p50 ms", "p99 ms", "per second"
        );
        let row = |name: &str, s: &Samples| {
            println!(
                "{name:<40} {:>10.3} {:>10.3} {:>12.0}",
                s.p50(),
                s.p99(),
                s.per_second()
            );
        };
        row("echo: Health/Check, 1 client", &self.echo);
        row("raw insert, 1 writer (floor)", &self.raw);
        row("store append, 1 writer (no gRPC)", &self.append);
        row("read: GetAgreement, 1 client", &self.read);
        row("write: CounterOffer, 1 client", &self.write);
        for (count, samples, _) in &self.concurrent {
            row(
                &format!(
                    "write: CounterOffer, {}",
                    crate::client::words::count(*count, "client")
                ),
                samples,
            );
        }
        for (count, _, commits) in &self.concurrent {
            if let Some(c) = commits {
                println!(
                    "group commit at {}: {}, {:.1} commands each on average, {:.2} ms each",
                    crate::client::words::count(*count, "client"),
                    crate::client::words::count(c.batches, "transaction"),
                    c.commands as f64 / c.batches.max(1) as f64,
                    self.seconds * 1_000.0 / c.batches.max(1) as f64
                );
            }
        }

        println!();
        println!("{:<52} {:>10} {:>16}", "goal", "measured", "target");
        let floor = self.raw.per_second();
        let goal = |name: &str, measured: f64, target: &str, met: bool| {
            println!(
                "{name:<52} {measured:>10.2} {target:>16}  {}",
                if met { "met" } else { "NOT MET" }
            );
        };
        let read_ratio = self.read.p50() / self.echo.p50();
        goal(
            "read p50 / echo p50",
            read_ratio,
            "at most 2",
            read_ratio <= 2.0,
        );
        let allowed = self.echo.p50() + 1.5 * self.append.p50();
        goal(
            "write p50, ms (echo p50 + 1.5 x append p50)",
            self.write.p50(),
            &format!("at most {allowed:.3}"),
            self.write.p50() <= allowed,
        );
        let floor_goal = match self.backend {
            Backend::Sqlite => 2.5,
            Backend::Postgres => 1.5,
        };
        let mut sixteen = None;
        for (count, samples, _) in &self.concurrent {
            let ratio = samples.per_second() / floor;
            if *count == 16 {
                sixteen = Some(samples);
                goal(
                    "16 clients / raw insert floor",
                    ratio,
                    &format!("at least {floor_goal}"),
                    ratio >= floor_goal,
                );
                let tail = samples.p99() / samples.p50();
                goal("p99 / p50 at 16 clients", tail, "at most 3", tail <= 3.0);
            } else {
                goal(
                    &format!(
                        "{} / raw insert floor",
                        crate::client::words::count(*count, "client")
                    ),
                    ratio,
                    "",
                    true,
                );
            }
        }
        if let (Some(sixteen), Some((_, sixty_four, _))) = (
            sixteen,
            self.concurrent.iter().find(|(count, _, _)| *count == 64),
        ) {
            let ratio = sixty_four.per_second() / sixteen.per_second();
            goal("64 clients / 16 clients", ratio, "at least 1", ratio >= 1.0);
        }
    }
}
