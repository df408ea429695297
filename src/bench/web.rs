//! `laa bench --web URL`: the public pages and open data of a running
//! server, each beside the static stylesheet, in one run, with `wrk`
//! (Debian's `wrk`) at each connection count: the rate, p50 and p99 of
//! each, and the goals of issue 26 as ratios to the stylesheet's rate.
//!
//! Every request asks `Accept-Encoding: gzip, br`, as a browser does. Each
//! path is fetched once first, so what is measured is the page as kept,
//! not its first rendering. The conditional request is the England page
//! with `If-None-Match` naming the tag that fetch returned. With
//! `--slow N`, N other connections each send half a request throughout
//! (connecting again whenever the server closes one), to show the pages
//! keeping their rate while slow clients are held off.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What every request accepts.
const ACCEPT_ENCODING: &str = "gzip, br";

/// The static file every page is measured beside.
pub const STATIC: &str = "/style.css";

/// The pages and files measured, on the national round's data.
const PATHS: &[&str] = &[
    "/",
    "/areas/kent",
    "/indicators",
    "/indicators/117",
    "/data",
    "/data/areas.csv",
    "/data/targets.csv",
    "/data/targets.json",
    "/data/agreements/kent-2008-11/history.csv",
];

/// The page a conditional request asks for.
const CONDITIONAL: &str = "/";

/// One `wrk` measurement.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The path measured, or the conditional request's description.
    pub what: String,
    /// Connections held by `wrk`.
    pub connections: usize,
    /// Responses a second.
    pub rate: f64,
    /// The median latency, in milliseconds.
    pub p50_ms: f64,
    /// The 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Answers other than 2xx or 3xx.
    pub failed: u64,
}

impl Measured {
    /// Whether this page meets issue 26's goal beside `static_rate`, the
    /// stylesheet's rate at the same connections: a tenth of it with p99
    /// under 20 ms, or, for the conditional request, half of it.
    pub fn meets_goal(&self, static_rate: f64) -> bool {
        let conditional = self.what.ends_with("(If-None-Match)");
        let share = if conditional { 0.5 } else { 0.1 };
        self.rate >= share * static_rate && (conditional || self.p99_ms < 20.0) && self.failed == 0
    }
}

/// Measures the pages at `base` (such as http://127.0.0.1:8080) for
/// `duration` each, at each of `connections`, while `slow` other
/// connections each send half a request ([`slow_clients`]), and prints the
/// figures and the goals.
pub async fn run(
    base: &str,
    duration: Duration,
    connections: &[usize],
    slow: usize,
    slow_grpc: Option<&str>,
) -> Result<(), String> {
    let all = measure(base, duration, connections, slow, slow_grpc).await?;
    print(&all, connections);
    Ok(())
}

/// Each page and file at `base`, beside the stylesheet, at each of
/// `connections`, while `slow` other connections send half a request: every
/// measurement, the stylesheet's first at each count.
pub async fn measure(
    base: &str,
    duration: Duration,
    connections: &[usize],
    slow: usize,
    slow_grpc: Option<&str>,
) -> Result<Vec<Measured>, String> {
    let base = base.trim_end_matches('/');
    let address = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("error: --web {base} is not an http:// address"))?
        .to_owned();
    let mut tags = std::collections::BTreeMap::new();
    for path in std::iter::once(&STATIC).chain(PATHS) {
        let (status, tag) = head(&address, path).await?;
        if status != 200 {
            return Err(format!(
                "error: {base}{path} answered {status}: load the national round first (docs/PERFORMANCE.md)"
            ));
        }
        tags.insert(*path, tag);
    }
    let tag = tags
        .get(CONDITIONAL)
        .cloned()
        .flatten()
        .ok_or_else(|| format!("error: {base}{CONDITIONAL} sent no ETag"))?;
    eprintln!(
        "bench: {} paths at {connections:?} connections, {:.1} s each, with wrk",
        PATHS.len() + 2,
        duration.as_secs_f64()
    );
    let (stop_slow, stopping) = tokio::sync::watch::channel(false);
    let open = slow_clients(&address, slow, HALF_A_REQUEST, stopping.clone());
    let open_grpc = slow_grpc.map(|grpc| slow_clients(grpc, slow, HALF_A_PREFACE, stopping));
    if slow > 0 {
        // Let them connect before the first measurement.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let mut all = Vec::new();
    for &n in connections {
        if slow > 0 {
            eprintln!(
                "bench: {} of {slow} slow connections open",
                open.load(Ordering::Relaxed)
            );
            if let Some(grpc) = &open_grpc {
                eprintln!(
                    "bench: {} of {slow} slow gRPC connections open",
                    grpc.load(Ordering::Relaxed)
                );
            }
        }
        let measure = |what: &str, path: &str, extra: Option<String>| {
            let url = format!("{base}{path}");
            let what = what.to_owned();
            async move { wrk(&what, &url, n, duration, extra).await }
        };
        all.push(measure(STATIC, STATIC, None).await?);
        for path in PATHS {
            all.push(measure(path, path, None).await?);
        }
        let conditional = format!("{CONDITIONAL} (If-None-Match)");
        all.push(
            measure(
                &conditional,
                CONDITIONAL,
                Some(format!("If-None-Match: {tag}")),
            )
            .await?,
        );
    }
    let _ = stop_slow.send(true);
    Ok(all)
}

/// What a slow client of the pages sends: a request's head, unfinished.
const HALF_A_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ";
/// What a slow client of gRPC sends: the first half of HTTP/2's preface.
const HALF_A_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n";

/// `count` clients that each connect, send `half` and wait for the server
/// to close the connection, then connect again, until `stop`: the slow
/// clients the listener must not be held by. The count returned is how
/// many are connected now.
fn slow_clients(
    address: &str,
    count: usize,
    half: &'static [u8],
    stop: tokio::sync::watch::Receiver<bool>,
) -> Arc<AtomicUsize> {
    let open = Arc::new(AtomicUsize::new(0));
    for _ in 0..count {
        let (address, open, mut stop) = (address.to_owned(), open.clone(), stop.clone());
        tokio::spawn(async move {
            while !*stop.borrow() {
                let held = async {
                    let mut stream = tokio::net::TcpStream::connect(&address).await.ok()?;
                    stream.write_all(half).await.ok()?;
                    open.fetch_add(1, Ordering::Relaxed);
                    let mut sink = Vec::new();
                    let _ = stream.read_to_end(&mut sink).await;
                    open.fetch_sub(1, Ordering::Relaxed);
                    Some(())
                };
                tokio::select! {
                    held = held => if held.is_none() {
                        // Refused (out of file descriptors, say): wait a little.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    },
                    _ = stop.changed() => return,
                }
            }
        });
    }
    open
}

/// One run of `wrk` against `url`.
async fn wrk(
    what: &str,
    url: &str,
    connections: usize,
    duration: Duration,
    extra: Option<String>,
) -> Result<Measured, String> {
    let mut command = std::process::Command::new("wrk");
    command
        .args(["-t", "2", "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", duration.as_secs().max(1))])
        .arg("--latency")
        .args(["-H", &format!("Accept-Encoding: {ACCEPT_ENCODING}")]);
    if let Some(header) = extra {
        command.args(["-H", &header]);
    }
    command.arg(url);
    // wrk runs for the whole measurement: off the runtime's threads.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| format!("error: {e}"))?
        .map_err(|e| {
            format!("error: cannot run wrk: {e}\nhint: apt-get install wrk (Debian's package)")
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("error: wrk {url} failed: {text}"));
    }
    parse(what, connections, &text)
        .ok_or_else(|| format!("error: cannot read wrk's output: {text}"))
}

/// The figures of `wrk --latency`'s report.
fn parse(what: &str, connections: usize, text: &str) -> Option<Measured> {
    let value = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    Some(Measured {
        what: what.to_owned(),
        connections,
        rate: value("Requests/sec:")?.parse().ok()?,
        p50_ms: milliseconds(value("50%")?)?,
        p99_ms: milliseconds(value("99%")?)?,
        failed: value("Non-2xx or 3xx responses:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    })
}

/// wrk's `1.23ms`, `456.00us`, `1.20s`, `2.00m` in milliseconds.
fn milliseconds(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1_000.0,
        "ms" => number,
        "s" => number * 1_000.0,
        "m" => number * 60_000.0,
        _ => return None,
    })
}

/// How long England's page (`/`) takes to answer at `base` (such as
/// http://127.0.0.1:8080): asked as a server starts serving, how long a
/// first visitor waits for the pages' first reading of the record.
pub async fn first_page(base: &str) -> Result<Duration, String> {
    let address = base
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or_else(|| format!("error: {base} is not an http:// address"))?;
    let began = std::time::Instant::now();
    let (status, _) = head(address, "/").await?;
    if status != 200 {
        return Err(format!("error: {base}/ answered {status}"));
    }
    Ok(began.elapsed())
}

/// The status and `ETag` of `path`, fetched as `wrk` will ask for it.
async fn head(address: &str, path: &str) -> Result<(u16, Option<String>), String> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("error: cannot connect to {address}: {e}"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept-Encoding: {ACCEPT_ENCODING}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("error: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| format!("error: {e}"))?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("error: {address}{path} sent no HTTP status"))?;
    let tag = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("etag"))
        .map(|(_, value)| value.trim().to_owned());
    Ok((status, tag))
}

fn print(all: &[Measured], connections: &[usize]) {
    println!(
        "{:<48} {:>5} {:>10} {:>9} {:>9} {:>9}",
        "path", "conns", "req/s", "p50 ms", "p99 ms", "/ static"
    );
    for &n in connections {
        let at: Vec<&Measured> = all.iter().filter(|m| m.connections == n).collect();
        let rate = at
            .iter()
            .find(|m| m.what == STATIC)
            .map_or(f64::NAN, |m| m.rate);
        for m in &at {
            println!(
                "{:<48} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>9.3}{}",
                m.what,
                n,
                m.rate,
                m.p50_ms,
                m.p99_ms,
                m.rate / rate,
                if m.failed > 0 {
                    format!("  ({} failed)", m.failed)
                } else {
                    String::new()
                }
            );
        }
    }
    let Some(&first) = connections.first() else {
        return;
    };
    let at: Vec<&Measured> = all.iter().filter(|m| m.connections == first).collect();
    let rate = at
        .iter()
        .find(|m| m.what == STATIC)
        .map_or(f64::NAN, |m| m.rate);
    println!();
    println!("goals at {first} connections (issue 26):");
    let verdict = |met: bool| if met { "met" } else { "NOT MET" };
    for m in at.iter().filter(|m| m.what != STATIC) {
        let goal = if m.what.ends_with("(If-None-Match)") {
            "at least 0.5x static"
        } else {
            "at least 0.1x static, p99 under 20 ms"
        };
        println!(
            "  {:<46} {:>7.3}x, p99 {:>7.2} ms  {goal}: {}",
            m.what,
            m.rate / rate,
            m.p99_ms,
            verdict(m.meets_goal(rate))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_latencies_read_in_milliseconds() {
        for (text, ms) in [
            ("1.23ms", 1.23),
            ("456.00us", 0.456),
            ("1.20s", 1_200.0),
            ("2.00m", 120_000.0),
        ] {
            assert!((milliseconds(text).unwrap() - ms).abs() < 1e-9, "{text}");
        }
        assert_eq!(milliseconds("12"), None);
    }

    #[test]
    fn a_wrk_report_is_read() {
        let report = "Running 5s test @ http://127.0.0.1:8080/\n  2 threads and 16 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   330.12us  120.00us   5.00ms   90.00%\n  Latency Distribution\n     50%  300.00us\n     75%  350.00us\n     90%  400.00us\n     99%    1.10ms\n  240000 requests in 5.00s, 1.20GB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  48000.12\nTransfer/sec:    245.00MB\n";
        let m = parse("/", 16, report).unwrap();
        assert!((m.rate - 48_000.12).abs() < 1e-6);
        assert!((m.p50_ms - 0.3).abs() < 1e-9);
        assert!((m.p99_ms - 1.1).abs() < 1e-9);
        assert_eq!(m.failed, 3);
    }
}
