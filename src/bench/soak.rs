//! `laa bench --soak SECONDS`: the server's memory under a long write load
//! (issue 26 item 3).
//!
//! Each client counters on its own agreement as fast as it is answered,
//! for the whole run, while the server's resident memory is read from
//! `/proc` once a second: the embedded server's (this process's), or with
//! `--server URL --server-pid PID` a running server's. It prints the
//! resident memory at the start and at each tenth of the run, the mean of
//! each quarter beside the first's, and the goal: after the first quarter
//! (the warm-up), memory stays flat within 10%. No latency is kept (a
//! sample a command would itself grow with the run); only counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::load::Negotiation;

/// How often resident memory is read.
const EVERY: Duration = Duration::from_secs(1);

/// The growth after warm-up the goal allows: 10%.
const FLAT: f64 = 1.10;

/// Resident memory of a process, from `/proc/PID/status`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resident {
    /// All of it (`VmRSS`).
    pub total: u64,
    /// Anonymous memory: the heap and stacks (`RssAnon`).
    pub anonymous: u64,
    /// Pages of mapped files (`RssFile`), such as a database file mapped.
    pub file: u64,
    /// The most it has been since the process started (`VmHWM`).
    pub peak: u64,
}

impl Resident {
    /// Reads the resident memory of `pid` (this process when `None`).
    pub fn of(pid: Option<u32>) -> Result<Self, String> {
        let path = match pid {
            Some(pid) => format!("/proc/{pid}/status"),
            None => "/proc/self/status".to_owned(),
        };
        let status = std::fs::read_to_string(&path)
            .map_err(|e| format!("error: cannot read {path}: {e}"))?;
        parse_status(&status).ok_or_else(|| format!("error: {path} gives no VmRSS"))
    }
}

/// The resident figures of a `/proc/PID/status` text.
fn parse_status(status: &str) -> Option<Resident> {
    let kilobytes = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()
            .map(|k| k * 1024)
    };
    Some(Resident {
        total: kilobytes("VmRSS:")?,
        anonymous: kilobytes("RssAnon:").unwrap_or(0),
        file: kilobytes("RssFile:").unwrap_or(0),
        peak: kilobytes("VmHWM:").unwrap_or(0),
    })
}

/// One reading during the run.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// Seconds since the load began.
    at: f64,
    /// Acknowledged writes so far.
    writes: u64,
    resident: Resident,
}

/// Everything a soak measured.
pub struct Soak {
    clients: usize,
    seconds: f64,
    before: Resident,
    readings: Vec<Reading>,
    /// Each agreement's version at the end.
    versions: Vec<u64>,
}

/// Runs the soak: `negotiations` counter for `duration` while the memory
/// of `pid` (this process when `None`) is read.
pub async fn run(
    negotiations: Vec<Negotiation>,
    duration: Duration,
    pid: Option<u32>,
) -> Result<Soak, String> {
    let clients = negotiations.len();
    let writes = Arc::new(AtomicU64::new(0));
    let before = Resident::of(pid)?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for mut n in negotiations {
        let writes = writes.clone();
        tasks.push(tokio::spawn(async move {
            while start.elapsed() < duration {
                n.counter().await?;
                writes.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(n.version())
        }));
    }
    let mut readings = Vec::new();
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tenth = duration.as_secs_f64() / 10.0;
    let mut told = 0;
    while start.elapsed() < duration {
        tick.tick().await;
        let reading = Reading {
            at: start.elapsed().as_secs_f64(),
            writes: writes.load(Ordering::Relaxed),
            resident: Resident::of(pid)?,
        };
        if reading.at >= tenth * f64::from(told + 1) {
            told += 1;
            eprintln!(
                "soak: {:>6.0} s  {:>9} writes  RSS {:>6.1} MB",
                reading.at,
                reading.writes,
                megabytes(reading.resident.total)
            );
        }
        readings.push(reading);
    }
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(
            task.await
                .map_err(|e| format!("error: a client failed: {e}"))??,
        );
    }
    readings.push(Reading {
        at: start.elapsed().as_secs_f64(),
        writes: writes.load(Ordering::Relaxed),
        resident: Resident::of(pid)?,
    });
    Ok(Soak {
        clients,
        seconds: start.elapsed().as_secs_f64(),
        before,
        readings,
        versions,
    })
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The mean of each quarter of the readings, by time, of what `of` reads.
fn quarter_means(readings: &[Reading], seconds: f64, of: fn(&Resident) -> u64) -> [f64; 4] {
    let mut sums = [(0.0, 0u32); 4];
    for r in readings {
        let quarter = ((r.at / seconds * 4.0) as usize).min(3);
        sums[quarter].0 += of(&r.resident) as f64;
        sums[quarter].1 += 1;
    }
    sums.map(|(sum, n)| if n == 0 { f64::NAN } else { sum / f64::from(n) })
}

impl Soak {
    /// Prints the figures and the goal.
    pub fn print(&self, label: &str) {
        let last = self.readings.last().copied().unwrap_or(Reading {
            at: 0.0,
            writes: 0,
            resident: self.before,
        });
        let peak = self
            .readings
            .iter()
            .map(|r| r.resident.total)
            .max()
            .unwrap_or(0);
        let events = self.versions.iter().sum::<u64>();
        println!(
            "laa bench --soak: {label}, {} cores, {} for {:.0} s",
            std::thread::available_parallelism().map_or(0, usize::from),
            crate::client::words::count(self.clients, "client"),
            self.seconds
        );
        println!(
            "acknowledged writes: {} ({:.0} a second); events an agreement at the end: {} (mean)",
            last.writes,
            last.writes as f64 / self.seconds.max(f64::EPSILON),
            events / self.versions.len().max(1) as u64
        );
        println!(
            "RSS: {:.1} MB before the load, {:.1} MB at the end (anonymous {:.1}, files {:.1}), peak {:.1} MB",
            megabytes(self.before.total),
            megabytes(last.resident.total),
            megabytes(last.resident.anonymous),
            megabytes(last.resident.file),
            megabytes(peak)
        );
        let means = quarter_means(&self.readings, self.seconds, |r| r.total);
        let anonymous = quarter_means(&self.readings, self.seconds, |r| r.anonymous);
        println!(
            "{:<24} {:>10} {:>10} {:>16}",
            "quarter", "RSS MB", "/ first", "anonymous MB"
        );
        for (k, mean) in means.iter().enumerate() {
            println!(
                "{:<24} {:>10.1} {:>10.3} {:>16.1}",
                format!("{} (mean)", ["first", "second", "third", "fourth"][k]),
                mean / (1024.0 * 1024.0),
                mean / means[0],
                anonymous[k] / (1024.0 * 1024.0)
            );
        }
        // Bytes kept per write after warm-up: the rise from the second
        // quarter's middle to the fourth's, over the writes between.
        let at = |fraction: f64| {
            self.readings
                .iter()
                .min_by(|a, b| {
                    (a.at - fraction * self.seconds)
                        .abs()
                        .total_cmp(&(b.at - fraction * self.seconds).abs())
                })
                .map_or(0, |r| r.writes)
        };
        let between = at(7.0 / 8.0).saturating_sub(at(3.0 / 8.0));
        if between > 0 {
            println!(
                "kept per write after warm-up: {:.0} bytes ((fourth - second quarter mean) / the writes between)",
                (means[3] - means[1]) / between as f64
            );
        }
        let ratio = means[3] / means[1];
        println!();
        println!("{:<52} {:>10} {:>16}", "goal", "measured", "target");
        println!(
            "{:<52} {ratio:>10.3} {:>16}  {}",
            "fourth quarter / second quarter (RSS mean)",
            format!("at most {FLAT:.2}"),
            if ratio <= FLAT { "met" } else { "NOT MET" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_file_gives_the_resident_figures() {
        let status = "Name:\tlaa\nVmPeak:\t 1000 kB\nVmHWM:\t   31000 kB\nVmRSS:\t   30000 kB\nRssAnon:\t   20000 kB\nRssFile:\t    9000 kB\nRssShmem:\t    1000 kB\n";
        assert_eq!(
            parse_status(status),
            Some(Resident {
                total: 30_000 * 1024,
                anonymous: 20_000 * 1024,
                file: 9_000 * 1024,
                peak: 31_000 * 1024,
            })
        );
        assert_eq!(parse_status("Name:\tlaa\n"), None);
    }

    #[test]
    fn this_process_has_resident_memory() {
        let r = Resident::of(None).unwrap();
        assert!(r.total > 0 && r.total >= r.anonymous);
    }

    #[test]
    fn quarters_are_by_time() {
        let reading = |at: f64, mb: u64| Reading {
            at,
            writes: 0,
            resident: Resident {
                total: mb * 1024 * 1024,
                ..Resident::default()
            },
        };
        let readings = [
            reading(0.0, 10),
            reading(1.0, 20),
            reading(2.0, 30),
            reading(3.0, 40),
            reading(4.0, 50),
        ];
        let means = quarter_means(&readings, 4.0, |r| r.total);
        let mb = means.map(|m| m / (1024.0 * 1024.0));
        assert_eq!(mb, [10.0, 20.0, 30.0, 45.0]);
    }
}
