//! How much an `append` costs next to the cheapest durable write.
//!
//! For each database, on one database file or server, it measures:
//! (a) raw: one single-row insert per transaction, straight through sqlx;
//! (b) append: one typical negotiation command (a counter-offer on a target
//!     of an agreement whose 16 statutory targets are agreed), decided by
//!     `laa-core` and appended through [`laa_store::Store::append`],
//! each at 1 and at 16 concurrent writers (each writer on its own rows and
//! its own agreement), and prints commands per second and the ratio (b)/(a).
//!
//! SQLite always (a file under the target directory, `synchronous=FULL`);
//! PostgreSQL when `LAA_BENCH_POSTGRES_URL` or `LAA_TEST_POSTGRES_URL` names
//! a server (a fresh database is created there and dropped afterwards).
//!
//! ```text
//! cargo bench -p laa-store --bench append
//! LAA_BENCH_SECONDS=5 cargo bench -p laa-store --bench append
//! ```
//!
//! Knobs, for looking closer: `LAA_BENCH_SECONDS` (per case, default 3),
//! `LAA_BENCH_ONLY=sqlite|postgres`, `LAA_BENCH_WRITERS=1|16`, and
//! `LAA_BENCH_SYNC=normal` (SQLite `synchronous=NORMAL`, to see the cost
//! without the disk's flush).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use laa_core::{
    Actor, Agreement, AgreementId, AreaCode, Baseline, Command, Context, FinancialYear, Region,
    Role, RoundPolicy, Scope, SetVersion, TargetId, Terms, Unit, YearValue, apply, decide,
};
use laa_store::{Backend, Store, StoreOptions};
use laa_testkit::with_database;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use tokio::sync::Barrier;

/// The writer counts measured.
const WRITERS: [usize; 2] = [1, 16];

/// Each measurement is split into this many alternating slices.
const ROUNDS: u32 = 3;

/// Operations done, and the time they took (the slowest writer's).
#[derive(Debug, Default, Clone, Copy)]
struct Throughput {
    done: u64,
    took: Duration,
}

impl Throughput {
    fn add(&mut self, other: Throughput) {
        self.done += other.done;
        self.took += other.took;
    }

    fn per_second(self) -> f64 {
        self.done as f64 / self.took.as_secs_f64().max(f64::EPSILON)
    }
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> BenchResult<()> {
    // `cargo test --benches` runs benches with no arguments but `--bench`
    // absent; only measure when cargo bench asks.
    if !std::env::args().any(|a| a == "--bench") {
        println!("append bench: run with `cargo bench -p laa-store --bench append`");
        return Ok(());
    }
    let seconds: u64 = std::env::var("LAA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(Duration::from_secs(seconds)))
}

async fn run(duration: Duration) -> BenchResult<()> {
    println!(
        "{:<10} {:>7} {:>12} {:>12} {:>7}",
        "database", "writers", "raw/s", "append/s", "ratio"
    );
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
    let sqlite_url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    if std::env::var("LAA_BENCH_ONLY").map_or(true, |o| o == "sqlite") {
        bench_database("sqlite", &sqlite_url, duration).await?;
    }

    let pg = std::env::var("LAA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LAA_TEST_POSTGRES_URL"))
        .ok()
        .filter(|_| std::env::var("LAA_BENCH_ONLY").map_or(true, |o| o == "postgres"));
    if let Some(admin_url) = pg {
        let admin = sea_orm::Database::connect(&admin_url).await?;
        let name = format!("laa_bench_{}", std::process::id());
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let url = with_database(&admin_url, &name);
        let result = bench_database("postgres", &url, duration).await;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        result?;
    } else {
        println!("postgres: skipped (set LAA_BENCH_POSTGRES_URL or LAA_TEST_POSTGRES_URL)");
    }
    Ok(())
}

async fn bench_database(label: &str, url: &str, duration: Duration) -> BenchResult<()> {
    let store = Store::connect(
        url,
        StoreOptions {
            max_connections: Some(20),
            sqlite_synchronous: if std::env::var("LAA_BENCH_SYNC").is_ok_and(|s| s == "normal") {
                laa_store::Synchronous::Normal
            } else {
                laa_store::Synchronous::Full
            },
            ..StoreOptions::default()
        },
    )
    .await?;
    create_raw_table(&store).await?;
    let only: Option<usize> = std::env::var("LAA_BENCH_WRITERS")
        .ok()
        .and_then(|w| w.parse().ok());
    for writers in WRITERS.into_iter().filter(|w| only.is_none_or(|o| o == *w)) {
        let mut agreements = Vec::new();
        for writer in 0..writers {
            agreements.push(prepare_agreement(&store, &format!("bench-{writers}-{writer}")).await?);
        }
        // Short slices, alternating, so that a change in the machine's load
        // or the disk's speed during the run falls on both alike.
        let slice = duration / ROUNDS;
        let (mut raw, mut appended) = (Throughput::default(), Throughput::default());
        for _ in 0..ROUNDS {
            raw.add(raw_inserts(&store, writers, slice).await?);
            let (done, back) = appends(agreements, slice).await?;
            appended.add(done);
            agreements = back;
        }
        let (raw, appends) = (raw.per_second(), appended.per_second());
        println!(
            "{label:<10} {writers:>7} {raw:>12.0} {appends:>12.0} {:>7.2}",
            appends / raw
        );
    }
    store.close().await?;
    Ok(())
}

/// A table shaped like the event log, without the store's indexes or logic.
async fn create_raw_table(store: &Store) -> BenchResult<()> {
    let id = match store.backend() {
        Backend::Sqlite => "INTEGER PRIMARY KEY",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    store
        .connection()
        .execute_unprepared(&format!(
            "CREATE TABLE IF NOT EXISTS bench_raw (id {id}, writer BIGINT NOT NULL, \
             n BIGINT NOT NULL, payload TEXT NOT NULL)"
        ))
        .await?;
    Ok(())
}

/// (a): single-row inserts, one per transaction, through sqlx directly.
async fn raw_inserts(store: &Store, writers: usize, duration: Duration) -> BenchResult<Throughput> {
    // About the size of a stored counter-offer event.
    let payload = Arc::new("x".repeat(700));
    let barrier = Arc::new(Barrier::new(writers));
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let (store, payload, barrier) = (store.clone(), payload.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let start = Instant::now();
            let mut n: i64 = 0;
            while start.elapsed() < duration {
                match store.backend() {
                    Backend::Sqlite => {
                        let pool = store.connection().get_sqlite_connection_pool();
                        let mut tx = pool.begin().await?;
                        sea_orm::sqlx::query(
                            "INSERT INTO bench_raw (writer, n, payload) VALUES (?, ?, ?)",
                        )
                        .bind(writer as i64)
                        .bind(n)
                        .bind(payload.as_str())
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await?;
                    }
                    Backend::Postgres => {
                        let pool = store.connection().get_postgres_connection_pool();
                        let mut tx = pool.begin().await?;
                        sea_orm::sqlx::query(
                            "INSERT INTO bench_raw (writer, n, payload) VALUES ($1, $2, $3)",
                        )
                        .bind(writer as i64)
                        .bind(n)
                        .bind(payload.as_str())
                        .execute(&mut *tx)
                        .await?;
                        tx.commit().await?;
                    }
                }
                n += 1;
            }
            BenchResult::Ok((n as u64, start.elapsed()))
        }));
    }
    throughput(tasks).await
}

/// (b): a counter-offer decided and appended, the sides taking turns; each
/// writer on its own agreement. Returns the agreements for the next slice.
async fn appends(
    agreements: Vec<Negotiation>,
    duration: Duration,
) -> BenchResult<(Throughput, Vec<Negotiation>)> {
    let barrier = Arc::new(Barrier::new(agreements.len()));
    let mut tasks = Vec::new();
    for mut n in agreements {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let start = Instant::now();
            let mut count: u64 = 0;
            while start.elapsed() < duration {
                let (actor, value) = if n.state.version.is_multiple_of(2) {
                    (n.area.clone(), 50)
                } else {
                    (n.go.clone(), 55)
                };
                n.run(&actor, counter(1, value)).await?;
                count += 1;
            }
            BenchResult::Ok((count, start.elapsed(), n))
        }));
    }
    let mut total = Throughput::default();
    let mut back = Vec::new();
    for task in tasks {
        let (count, elapsed, n) = task.await??;
        total.done += count;
        total.took = total.took.max(elapsed);
        back.push(n);
    }
    Ok((total, back))
}

async fn throughput(
    tasks: Vec<tokio::task::JoinHandle<BenchResult<(u64, Duration)>>>,
) -> BenchResult<Throughput> {
    let mut total = Throughput::default();
    for task in tasks {
        let (count, elapsed) = task.await??;
        total.done += count;
        total.took = total.took.max(elapsed);
    }
    Ok(total)
}

/// One writer's agreement and its in-memory state.
struct Negotiation {
    store: Store,
    id: AgreementId,
    state: Agreement,
    go: Actor,
    area: Actor,
    requests: u64,
}

impl Negotiation {
    async fn run(&mut self, actor: &Actor, command: Command) -> BenchResult<()> {
        let ctx = Context {
            now: self.store.clock().now(),
            catalogue: &self.store.catalogue(),
            expected_version: Some(self.state.version),
            occurred_at: None,
        };
        let events = decide(&self.state, command, actor, &ctx)?;
        self.requests += 1;
        let request = laa_core::RequestId::new(&format!("{}-{}", self.id, self.requests))?;
        self.store
            .append(&self.id, self.state.version, &request, &events)
            .await?;
        for e in &events {
            apply(&mut self.state, e);
        }
        Ok(())
    }
}

/// An agreement opened with its 16 statutory targets agreed, and an offer
/// open on the first, as one is in the thick of a negotiation.
async fn prepare_agreement(store: &Store, area: &str) -> BenchResult<Negotiation> {
    let area = AreaCode::new(area)?;
    let id = AgreementId::for_area(&area, laa_core::policy::DEFAULT_ROUND)?;
    let mut n = Negotiation {
        store: store.clone(),
        state: Agreement::unopened(id.clone()),
        id,
        go: Actor::new(
            "gose:alice",
            Role::GoNegotiator,
            Scope::Region(Region::SouthEast),
        ),
        area: Actor::new(
            format!("{area}:bob"),
            Role::AreaNegotiator,
            Scope::Area(area.clone()),
        ),
        requests: 0,
    };
    let (go, council) = (n.go.clone(), n.area.clone());
    n.run(
        &go,
        Command::OpenAgreement {
            area,
            region: Region::SouthEast,
            policy: RoundPolicy::round_2008_11(),
            indicator_set: SetVersion::new(2007)?,
        },
    )
    .await?;
    for target in 1..=16 {
        n.run(&go, counter(target, 52)).await?;
        n.run(
            &council,
            Command::AcceptOffer {
                target: tid(target)?,
            },
        )
        .await?;
    }
    n.run(&go, counter(1, 55)).await?;
    Ok(n)
}

fn tid(n: u32) -> BenchResult<TargetId> {
    Ok(TargetId::new(n)?)
}

/// The embedded National Indicator Set, for which way each indicator improves.
static CATALOGUE: std::sync::LazyLock<laa_core::Catalogue> = std::sync::LazyLock::new(|| {
    laa_core::Catalogue::national().unwrap_or_else(|e| unreachable!("{e}"))
});

fn counter(target: u32, value: i64) -> Command {
    let year = |s: &str| FinancialYear::from_str(s).unwrap_or_else(|_| unreachable!());
    // NI 87 and NI 92 (targets 6 and 7): lower is better, so their values fall.
    let lower = laa_core::policy::STATUTORY_2008
        .get(target as usize - 1)
        .and_then(|n| laa_core::IndicatorNumber::new(*n).ok())
        .and_then(|n| CATALOGUE.indicator(n).map(|i| i.polarity))
        == Some(laa_core::Polarity::LowerIsBetter);
    let value = if lower { 96 - value } else { value };
    let step = if lower { -2 } else { 2 };
    let terms = Terms::values(
        Unit::Percent,
        Baseline {
            value: Decimal::from(48),
            period: "2007".into(),
        },
        BTreeMap::from([
            (year("2008/09"), YearValue::Value(Decimal::from(value))),
            (
                year("2009/10"),
                YearValue::Value(Decimal::from(value + step)),
            ),
            (
                year("2010/11"),
                YearValue::Value(Decimal::from(value + 2 * step)),
            ),
        ]),
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    Command::CounterOffer {
        target: TargetId::new(target).unwrap_or_else(|_| unreachable!()),
        terms,
        rationale: "three-year rolling average, 2005-2007, as the evidence shows".into(),
        evidence: vec!["https://example.invalid/place-survey-2008".into()],
        deal_breaker: false,
        department: None,
    }
}
