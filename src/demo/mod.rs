//! `laa demo national-round`: the 2008 round replayed through the API.
//!
//! Every one of the 150 areas gets an LAA opened by its Government Office,
//! the 16 statutory targets agreed (2010/11 deferred to the 2009 refresh),
//! designated targets chosen so that every indicator is chosen by exactly
//! as many areas as the report's Appendix 3d says, proposals from both
//! sides with Whitehall's attributed to departments, counter-offers,
//! deal-breakers, placeholders for the Place Survey indicators, then
//! endorsement, submission and sign-off; then the 2009 refresh rebinds to
//! set 2008, fills the placeholders and deferred years, and revisits a
//! quarter of the targets; then three years of actuals are recorded (each
//! July, every target somewhere between well short of its plan and beating
//! it), the reward grant is assessed as the final actuals come in, and the
//! report ends with the national reward bill and the tournament table on
//! NI 117. Every step is a real gRPC call with a real credential for its
//! role. The run is deterministic for a `--seed`.
//!
//! With `--rounds N` the rounds after it follow, each 2008-11's calendar
//! moved on three years ([`RoundCalendar`]): created by an administrator,
//! negotiated the same way, refreshed twice, delivered, and closed by
//! Ministers as the next gets under way. `laa bench --rounds` loads its
//! twenty years through [`replay_rounds`].

mod calendar;
mod negotiation;
mod selections;

use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use laa_core::Catalogue;

use crate::client::words::count;
use crate::client::{CliError, Format, Global};
use crate::embedded::EmbeddedServer;
use crate::serve::{SyncMode, open_server_store};
pub use calendar::RoundCalendar;
pub use negotiation::create_round;
pub use negotiation::{Credentials, Replay, RoundReport, issue_credentials};
use negotiation::{close_round, national_round};

/// `laa demo`.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Replay the 2008 national round (150 LAAs, sign-off, first refresh, three years of actuals, the reward bill, a tournament) through the gRPC API.
    ///
    /// With --server (or LAA_SERVER), against that server, whose database
    /// --database-url names to issue the demo's credentials; otherwise on a
    /// server started in this process over a fresh SQLite file, deleted
    /// afterwards unless --keep.
    NationalRound {
        /// Start a server in this process, even when --server or LAA_SERVER is set.
        #[arg(long)]
        embedded: bool,
        /// The server's database, to issue one credential per role, GO and area
        /// (embedded: the database to serve instead of a fresh SQLite file).
        #[arg(long, env = "LAA_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// The seed: the same seed replays the same round.
        #[arg(long, default_value_t = 2008)]
        seed: u64,
        /// Replay only the first N areas (the selections are then not the report's).
        #[arg(long)]
        areas: Option<usize>,
        /// Concurrent negotiations (each area's three principals calling in turn; all share one HTTP/2 connection).
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Keep the embedded server's database, and print where it is and an
        /// auditor's token to explore it with.
        #[arg(long)]
        keep: bool,
        /// Rounds replayed: 1 is 2008-11 alone; more go on with 2011-14,
        /// 2014-17, ..., each 2008-11's policy and calendar moved on three
        /// years, created by an administrator, refreshed twice, delivered,
        /// and closed by Ministers as the next gets under way (7 is twenty
        /// years, about 346,000 commands).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=20))]
        rounds: u16,
    },
}

/// The progress bar's words in each phase of the round.
const CREDENTIALS: &str = "issuing the demo's credentials";
/// A round after the first created, and the one before it closed.
const CREATED: &str = "creating the round, closing the one before";
/// The negotiations, each to its first refresh's sign-off.
const NEGOTIATED: &str = "LAAs negotiated, signed off and refreshed";
/// Three years of actuals, then the reward.
const DELIVERED: &str = "LAAs' three years of actuals recorded";
/// The summary, the reward bill and the tournament read back.
const RESULTS: &str = "reading the national results";

/// The progress bar: drawn on stderr only when it is a terminal (never
/// `\r` frames in a log or a pipe), and not at all for JSON. It ticks on
/// its own, so the time keeps moving while a phase has nothing to count.
fn progress(total: usize, json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg} ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Removes an SQLite file with its journal files.
fn remove_sqlite(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A server in this process over `database_url` (migrated), deciding each
/// command at its own date (`laa_store::Clock::Replay`): where rounds are
/// replayed as they happened.
pub async fn replay_server(database_url: &str) -> Result<EmbeddedServer, CliError> {
    let store = open_server_store(
        database_url,
        SyncMode::Full,
        false,
        laa_store::Clock::Replay,
    )
    .await?;
    Ok(EmbeddedServer::serve(store).await?)
}

/// Replays the rounds `rounds` (0 is 2008-11, 1 is 2011-14, ...) through
/// `replay`'s server, one after another: before each round after the first
/// an administrator creates it and Ministers close the one before.
pub async fn replay_rounds(
    replay: Replay<'_>,
    rounds: Range<usize>,
    progress: &ProgressBar,
) -> Result<Vec<RoundReport>, String> {
    let channel = negotiation::channel(replay.server)?;
    let mut admin = negotiation::connect(&channel, &replay.credentials.admin)?;
    let mut minister = negotiation::connect(&channel, &replay.credentials.sign_off)?;
    let mut reports = Vec::with_capacity(rounds.len());
    for index in rounds {
        let calendar = RoundCalendar::nth(index);
        progress.set_position(0);
        let mut closed = 0;
        if !calendar.is_first() {
            progress.set_message(format!("{}: {CREATED}", calendar.name()));
            create_round(&mut admin, replay.server, calendar.name(), |first| {
                calendar.policy(first)
            })
            .await?;
            closed = close_round(
                &mut minister,
                replay.server,
                replay.areas,
                RoundCalendar::nth(index - 1),
                replay.dated,
            )
            .await?;
        }
        progress.set_message(if calendar.is_first() {
            NEGOTIATED.to_owned()
        } else {
            format!("{}: {NEGOTIATED}", calendar.name())
        });
        // Each round draws its own choices and values; 2008-11 the seed's.
        let seed = replay.seed.wrapping_add(index as u64 * 1_000_003);
        let mut report = national_round(Replay { seed, ..replay }, calendar, progress).await?;
        report.closed_before = closed;
        reports.push(report);
    }
    Ok(reports)
}

/// Runs `laa demo`.
pub async fn run(global: &Global, command: DemoCommand) -> Result<(), CliError> {
    let DemoCommand::NationalRound {
        embedded,
        database_url,
        seed,
        areas: limit,
        concurrency,
        keep,
        rounds,
    } = command;
    let json = global.output == Format::Json;
    let all = laa_core::areas::areas_2008().map_err(|e| e.to_string())?;
    let areas: Vec<_> = all.into_iter().take(limit.unwrap_or(150)).collect();
    let remote = global.server.clone().filter(|_| !embedded);
    let mut scratch: Option<PathBuf> = None;
    let (server_url, store, serving) = if let Some(server) = remote {
        let url = database_url.ok_or_else(|| {
            CliError::usage("a demo against --server needs --database-url (or LAA_DATABASE_URL) to issue its credentials")
                .hint("or run it on a server of its own with --embedded")
        })?;
        (
            server,
            crate::database::open_existing(&url, false).await?,
            None,
        )
    } else {
        let url = match database_url {
            Some(url) => url,
            None => {
                let path =
                    std::env::temp_dir().join(format!("laa-demo-{}-{seed}.db", std::process::id()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                scratch = Some(path);
                url
            }
        };
        // Its own server: commands are decided at their 2008 dates.
        let server = replay_server(&url).await?;
        eprintln!(
            "embedded server on {} ({})",
            server.url.trim_start_matches("http://"),
            laa_store::redacted(&url)
        );
        (server.url.clone(), server.store.clone(), Some(server))
    };
    let bar = progress(areas.len(), json);
    bar.set_message(CREDENTIALS);
    let credentials = issue_credentials(&store, &areas).await?;
    // On its own server the round is dated as it happened in 2008; on
    // another server, commands happen now (a server of record dates nothing
    // further back than the round allows).
    let replay = Replay {
        server: &server_url,
        credentials: &credentials,
        areas: &areas,
        seed,
        concurrency,
        dated: serving.is_some(),
    };
    let reports = replay_rounds(replay, 0..usize::from(rounds), &bar).await;
    bar.finish_and_clear();
    match serving {
        Some(server) => {
            let _ = server.stop().await;
        }
        None => {
            let _ = store.close().await;
        }
    }
    match (&scratch, keep) {
        (Some(path), false) => remove_sqlite(path),
        (Some(path), true) => eprintln!(
            "the demo's database is kept at {}\nexplore it: laa serve --database-url 'sqlite://{}?mode=rwc' &\n  LAA_TOKEN={} laa agreement list",
            path.display(),
            path.display(),
            credentials.auditor
        ),
        (None, _) => {}
    }
    let reports = reports?;
    let Some(first) = reports.first() else {
        return Err(CliError::failure("no round was replayed"));
    };
    print_report(first, &reports, json);
    if first.mismatches.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "{} from Appendix 3d",
            differ(first.mismatches.len())
        )))
    }
}

/// "1 indicator differs", "3 indicators differ".
fn differ(n: usize) -> String {
    format!(
        "{} {}",
        count(n, "indicator"),
        if n == 1 { "differs" } else { "differ" }
    )
}

/// Prints the first round's report in full and, when more were replayed,
/// a line for each round.
fn print_report(r: &RoundReport, all: &[RoundReport], json: bool) {
    let s = &r.summary;
    let chosen = |n: i32| s.selections_by_indicator.get(&n).copied().unwrap_or(0);
    let total: i64 = s
        .selections_by_indicator
        .values()
        .map(|v| i64::from(*v))
        .sum();
    let catalogue_size = Catalogue::national()
        .map(|c| {
            c.indicators()
                .filter(|i| i.laa_selections_2008.is_some())
                .count()
        })
        .unwrap_or(0);
    let none = catalogue_size.saturating_sub(
        s.selections_by_indicator
            .values()
            .filter(|v| **v > 0)
            .count(),
    );
    let rate = r.commands as f64 / r.seconds.max(f64::EPSILON);
    let delivery_rate = r.delivery_commands as f64 / r.delivery_seconds.max(f64::EPSILON);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "areas": r.areas, "agreements": s.agreements, "signed_off": s.signed_off,
                "designated_selections": total, "indicators_chosen_by_none": none,
                "ni_117": chosen(117), "ni_112": chosen(112),
                "originated_by_government": s.originated_by_government, "originated_by_area": s.originated_by_area,
                "counter_offers": s.counter_offers, "deal_breakers": s.deal_breakers, "placeholders": s.placeholders,
                "late_demands": s.late_demands, "refused_requests": s.refused_requests,
                "median_days_to_sign_off": s.median_days_to_sign_off,
                "matches_appendix_3d": if r.areas == 150 { serde_json::json!(r.mismatches.is_empty()) } else { serde_json::Value::Null },
                "commands": r.commands, "seconds": r.seconds, "commands_per_second": rate,
                "delivery_commands": r.delivery_commands, "delivery_seconds": r.delivery_seconds,
                "delivery_commands_per_second": delivery_rate,
                "rewards_assessed": r.rewards_assessed,
                "reward_bill_pounds": r.reward_bill.to_string(),
                "reward_pot_pounds": r.reward_pot.to_string(),
                "tournament_ni_117_ranked": r.tournament.standings.iter().filter(|s| s.rank > 0).count(),
                "rounds": all.iter().map(|r| serde_json::json!({
                    "round": r.round, "closed_before": r.closed_before,
                    "commands": r.commands, "seconds": r.seconds,
                    "delivery_commands": r.delivery_commands, "delivery_seconds": r.delivery_seconds,
                    "rewards_assessed": r.rewards_assessed,
                    "reward_bill_pounds": r.reward_bill.to_string(),
                })).collect::<Vec<_>>(),
                "all_commands": all.iter().map(RoundReport::all_commands).sum::<u64>(),
            })
        );
        return;
    }
    println!(
        "national round: {}, {} signed off and refreshed",
        count(r.areas, "area"),
        count(s.agreements, "agreement")
    );
    println!("  designated selections       {total} (Appendix 3d: 4,689 over 183 indicators)");
    println!(
        "  NI 117 (NEET)               {} LAAs (report: 115)",
        chosen(117)
    );
    println!(
        "  NI 112 (under-18 conception){:>4} LAAs (report: 106)",
        chosen(112)
    );
    println!("  indicators chosen by none   {none} (report: 19)");
    println!(
        "  targets proposed by GOs     {}",
        s.originated_by_government
    );
    println!("  targets proposed by areas   {}", s.originated_by_area);
    println!("  counter-offers              {}", s.counter_offers);
    println!("  deal-breakers               {}", s.deal_breakers);
    println!(
        "  late demands                {} (after 1 March 2008, by when they happened)",
        s.late_demands
    );
    println!(
        "  median days to sign-off     {}",
        s.median_days_to_sign_off
            .map_or_else(|| "none signed off".to_owned(), |d| format!("{d:.0}"))
    );
    println!("  placeholders outstanding    {}", s.placeholders);
    if r.areas == 150 {
        println!(
            "  Appendix 3d                 {}",
            if r.mismatches.is_empty() {
                "every indicator matches".to_owned()
            } else {
                differ(r.mismatches.len())
            }
        );
    }
    println!(
        "  reward bill                 £{:.2} of a pot of £{:.2} ({} assessed)",
        r.reward_bill,
        r.reward_pot,
        count(r.rewards_assessed, "agreement")
    );
    println!(
        "  negotiation                 {} in {:.1} s: {:.0} commands/s",
        count(r.commands, "command"),
        r.seconds,
        rate
    );
    println!(
        "  delivery (actuals)          {} in {:.1} s: {:.0} commands/s",
        count(r.delivery_commands, "command"),
        r.delivery_seconds,
        delivery_rate
    );
    let t = &r.tournament;
    println!(
        "\ntournament on NI 117 (NEET, {}): value added against the median of {}, groups of at least {}",
        t.polarity.replace('_', " "),
        if t.similar_by == "region" {
            "areas in the same region"
        } else {
            "areas of the same kind"
        },
        t.min_group_size
    );
    println!("  rank  area                        kind            improvement %  value added");
    for s in t.standings.iter().filter(|s| s.rank > 0).take(10) {
        println!(
            "  {:>4}{} {:<27} {:<15} {:>13} {:>12}",
            s.rank,
            if s.top_quartile { "*" } else { " " },
            s.area.trim_start_matches("areas/"),
            s.kind,
            s.improvement_percent,
            s.value_added
        );
    }
    let ranked = t.standings.iter().filter(|s| s.rank > 0).count();
    println!(
        "  ... {ranked} ranked, {} unranked (too few similar areas); * top quartile",
        t.standings.len() - ranked
    );
    if all.len() > 1 {
        print_rounds(all);
    }
}

/// A line for each round replayed, and the whole run's commands.
fn print_rounds(all: &[RoundReport]) {
    println!("\n{} replayed:", count(all.len(), "round"));
    println!(
        "  {:<8} {:>10} {:>12} {:>10} {:>12} {:>8}  reward bill",
        "round", "negotiated", "commands/s", "delivered", "commands/s", "closed"
    );
    for r in all {
        println!(
            "  {:<8} {:>10} {:>12.0} {:>10} {:>12.0} {:>8}  £{:.2}",
            r.round,
            r.commands,
            r.commands as f64 / r.seconds.max(f64::EPSILON),
            r.delivery_commands,
            r.delivery_commands as f64 / r.delivery_seconds.max(f64::EPSILON),
            r.closed_before,
            r.reward_bill
        );
    }
    let commands: u64 = all.iter().map(RoundReport::all_commands).sum();
    let seconds: f64 = all.iter().map(|r| r.seconds + r.delivery_seconds).sum();
    println!(
        "  in all: {} in {seconds:.1} s of negotiation and delivery",
        count(commands, "command")
    );
}
