//! `laa bench --reads URL`: the analytics of a running server (the
//! national and a regional negotiation summary, a region's and England's
//! performance listing), each beside the echo, one client, in one run of
//! three interleaved passes: the p50 and p99 of each and the goal of
//! issue 26 (each analytic's p50 at most five times the echo's; a page of
//! 1,000 rows is reported beside it). Meant for a server holding the national
//! round (`laa demo national-round --embedded --keep`, then `laa serve` on
//! the database it kept), with an auditor's token in `LAA_TOKEN`.

use std::time::{Duration, Instant};

use laa_proto::v1 as pb;

use super::load::{connect, echo};
use super::measure::Samples;
use crate::client::Clients;

/// The goal: an analytic's p50 at most this many times the echo's.
pub const GOAL: f64 = 5.0;

/// The one analytic reported beside the goal rather than judged by it: a
/// page of 1,000 rows, which the client alone takes about ten echoes to
/// decode. The goal is the default page's (100 rows).
pub const A_THOUSAND_ROWS: &str = "ListPerformance, region gose, 1,000 a page";

/// Whether the analytic named `name` is judged by [`GOAL`].
pub fn is_judged(name: &str) -> bool {
    name != A_THOUSAND_ROWS
}

/// The region the regional measurements ask for.
const REGION: pb::Region = pb::Region::SouthEast;

/// Measures the analytics at `server` for `duration` each, as the holder
/// of `token`, and prints the figures and the goal.
pub async fn run(server: &str, token: &str, duration: Duration) -> Result<(), String> {
    let latest = laa_core::policy::DEFAULT_ROUND;
    let measured = measure_all(server, token, duration, latest).await?;
    println!(
        "laa bench --reads {server}: {} cores, {:.1} s per measurement, 1 client",
        std::thread::available_parallelism().map_or(0, usize::from),
        duration.as_secs_f64()
    );
    println!(
        "{:<52} {:>10} {:>10} {:>10}",
        "measurement", "p50 ms", "p99 ms", "p50 / echo"
    );
    let base = measured.first().map_or(f64::NAN, |(_, echo)| echo.p50());
    let mut unmet = 0;
    for (k, (name, samples)) in measured.iter().enumerate() {
        let ratio = samples.p50() / base;
        let verdict = if k == 0 {
            ""
        } else if !is_judged(name) {
            "reported"
        } else if ratio <= GOAL {
            "met"
        } else {
            unmet += 1;
            "NOT MET"
        };
        println!(
            "{name:<52} {:>10.3} {:>10.3} {ratio:>10.2}  {verdict}",
            samples.p50(),
            samples.p99()
        );
    }
    println!("goal: each analytic's p50 at most {GOAL} x the echo's ({unmet} not met)");
    Ok(())
}

/// How many passes the analytics are measured in: each pass measures the
/// echo and every analytic for a share of the time, so that a spell in
/// which the host slows falls on every measurement alike rather than on
/// whichever ran during it.
pub const PASSES: u32 = 3;

/// One analytic's call, as the passes make it again and again.
type Call<'a> = Box<
    dyn Fn() -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), tonic::Status>> + Send + 'a>,
        > + 'a,
>;

/// The echo first, then each analytic, measured at `server` for `duration`
/// each as the holder of `token` (England's also for the round `latest`
/// alone), in [`PASSES`] interleaved passes whose samples are pooled: each
/// one's name and latencies.
pub async fn measure_all(
    server: &str,
    token: &str,
    duration: Duration,
    latest: &str,
) -> Result<Vec<(&'static str, Samples)>, String> {
    let channel = connect(server).await?;
    let clients = Clients::on(channel, Some(token))
        .map_err(|_| "error: LAA_TOKEN holds characters a header cannot carry".to_owned())?;
    let summary = |request: pb::GetNegotiationSummaryRequest| -> Call<'_> {
        let audit = clients.audit.clone();
        Box::new(move || {
            let mut audit = audit.clone();
            let request = request.clone();
            Box::pin(async move { audit.get_negotiation_summary(request).await.map(|_| ()) })
        })
    };
    let performance = |request: pb::ListPerformanceRequest| -> Call<'_> {
        let performance = clients.performance.clone();
        Box::new(move || {
            let mut performance = performance.clone();
            let request = request.clone();
            Box::pin(async move { performance.list_performance(request).await.map(|_| ()) })
        })
    };
    let analytics: Vec<(&'static str, Call<'_>)> = vec![
        (
            "GetNegotiationSummary, England",
            summary(pb::GetNegotiationSummaryRequest::default()),
        ),
        (
            "GetNegotiationSummary, England, latest round",
            summary(pb::GetNegotiationSummaryRequest {
                round: latest.to_owned(),
                ..Default::default()
            }),
        ),
        (
            "GetNegotiationSummary, region gose",
            summary(pb::GetNegotiationSummaryRequest {
                region: REGION as i32,
                ..Default::default()
            }),
        ),
        (
            "ListPerformance, region gose, first 100",
            performance(pb::ListPerformanceRequest {
                region: REGION as i32,
                ..Default::default()
            }),
        ),
        (
            A_THOUSAND_ROWS,
            performance(pb::ListPerformanceRequest {
                region: REGION as i32,
                page_size: 1_000,
                ..Default::default()
            }),
        ),
        (
            "ListPerformance, England, first 100",
            performance(pb::ListPerformanceRequest {
                page_size: 100,
                ..Default::default()
            }),
        ),
        (
            "ListPerformance, England, latest round, first 100",
            performance(pb::ListPerformanceRequest {
                page_size: 100,
                round: latest.to_owned(),
                ..Default::default()
            }),
        ),
    ];
    let share = duration / PASSES;
    let mut measured: Vec<(&'static str, Samples)> = std::iter::once("echo: Health/Check")
        .chain(analytics.iter().map(|(name, _)| *name))
        .map(|name| (name, Samples::default()))
        .collect();
    for pass in 0..PASSES {
        let mut each = measured.iter_mut();
        if let Some((_, samples)) = each.next() {
            samples.pool(echo(server, share).await?);
        }
        for ((_, call), (_, samples)) in analytics.iter().zip(each) {
            samples.pool(measure(share, call, pass == 0).await?);
        }
    }
    Ok(measured)
}

/// Calls `call` one at a time for `duration`, timing each; with `first`,
/// once untimed before (the first call after a server starts derives what
/// is then kept; [`Samples::first`] records it).
async fn measure(duration: Duration, call: &Call<'_>, first: bool) -> Result<Samples, String> {
    let mut samples = Samples::default();
    if first {
        let began = Instant::now();
        call()
            .await
            .map_err(|status| format!("error: {}: {}", status.code(), status.message()))?;
        samples.first = Some(began.elapsed());
    }
    let start = Instant::now();
    while start.elapsed() < duration {
        let began = Instant::now();
        call()
            .await
            .map_err(|status| format!("error: {}: {}", status.code(), status.message()))?;
        samples.push(began.elapsed());
    }
    samples.elapsed = start.elapsed();
    Ok(samples)
}
