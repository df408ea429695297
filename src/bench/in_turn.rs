//! Year one beside the last year, in turn: `laa bench --rounds` keeps a
//! copy of the database as it was after the first round, and after the
//! last load serves both at once and measures a command's latency and 16
//! clients' rate on each, one after the other, several times. The goal
//! that the last be within 1.2x of the first is judged on the medians, so
//! that a host that slows for a minute slows both sides alike instead of
//! the one measured while it was slow (the sequential measurements, minutes
//! apart, moved by a quarter from run to run on this project's machines).

use std::path::Path;
use std::time::Duration;

use super::load::{self, Negotiation};
use super::measure::Samples;
use super::served::Served;
use super::years::{WITHIN, bench_negotiations};

/// How many times each side is measured.
pub const TURNS: usize = 3;

/// One side's measurements, a turn each.
#[derive(Default)]
pub struct Side {
    /// A command's latency (`CounterOffer`, one client), p50 in ms.
    pub command_p50: Vec<f64>,
    /// 16 clients' commands a second.
    pub rate: Vec<f64>,
}

impl Side {
    /// The median of a command's p50 over the turns.
    pub fn command_p50(&self) -> f64 {
        median(&self.command_p50)
    }

    /// The median of 16 clients' rate over the turns.
    pub fn rate(&self) -> f64 {
        median(&self.rate)
    }
}

/// Both sides: year one's database and the last.
pub struct InTurn {
    /// The copy of the database after the first round.
    pub first: Side,
    /// The database after the last round.
    pub last: Side,
}

impl InTurn {
    /// The section of year one and the last measured in turn; how many of its
    /// goals are not met.
    pub fn print(&self, areas: usize, duration: Duration) -> usize {
        println!(
            "\nyear one's database and the last, served at once and measured in turn ({}, {} turns of {:.1} s each; medians):",
            crate::client::words::count(areas, "area"),
            TURNS,
            duration.as_secs_f64()
        );
        println!(
            "{:<48} {:>14} {:>14} {:>8}  goal",
            "measurement", "first", "last", "last/1st"
        );
        let mut unmet = 0;
        let mut judged = |name: &str,
                          (first, last): (f64, f64),
                          places: usize,
                          met: bool,
                          turns: [&[f64]; 2]| {
            let verdict = if met {
                "within 1.2x of the first: met"
            } else {
                unmet += 1;
                "within 1.2x of the first: NOT MET"
            };
            println!(
                "{name:<48} {first:>14.places$} {last:>14.places$} {:>8.2}  {verdict}",
                last / first
            );
            let shown = |values: &[f64]| {
                values
                    .iter()
                    .map(|v| format!("{v:.places$}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            println!(
                "  each turn: first {}; last {}",
                shown(turns[0]),
                shown(turns[1])
            );
        };
        let (first, last) = (&self.first, &self.last);
        judged(
            "command p50 (CounterOffer, 1 client), ms",
            (first.command_p50(), last.command_p50()),
            3,
            last.command_p50() <= WITHIN * first.command_p50(),
            [&first.command_p50, &last.command_p50],
        );
        judged(
            "16 clients, commands a second",
            (first.rate(), last.rate()),
            0,
            last.rate() * WITHIN >= first.rate(),
            [&first.rate, &last.rate],
        );
        unmet
    }
}

/// The median of `values` (NaN for none).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A command alone (the first negotiation), then every negotiation at
/// once, `duration` each: the two samples and the negotiations back.
pub async fn commands(
    mut negotiations: Vec<Negotiation>,
    duration: Duration,
) -> Result<(Samples, Samples, Vec<Negotiation>), String> {
    let rest = negotiations.split_off(1.min(negotiations.len()));
    let (alone, mut back) = load::writes(negotiations, duration).await?;
    back.extend(rest);
    let (together, back) = load::writes(back, duration).await?;
    Ok((alone, together, back))
}

/// Serves `first` and `last` (database URLs) at once and measures each in
/// turn, [`TURNS`] times, on agreements opened in a round of the bench's
/// own on each.
pub async fn measure(
    (first, last): (&str, &str),
    dir: &Path,
    sole_server: bool,
    areas: &[laa_core::areas::AreaEntry],
    duration: Duration,
) -> Result<InTurn, String> {
    let mut served = Vec::new();
    for (url, name) in [(first, "first"), (last, "last")] {
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("error: {e}"))?;
        match Served::start(url, &dir, sole_server).await {
            Ok((s, _)) => served.push((url, s)),
            Err(e) => {
                for (_, s) in served {
                    s.stop().await;
                }
                return Err(e);
            }
        }
    }
    // Each side's pages read the record as it starts: waited for, so that
    // neither is measured while the other makes its first reading.
    let mut measured = Ok(());
    for (_, s) in &served {
        if let Err(e) = super::web::first_page(&s.pages).await {
            measured = Err(e);
        }
    }
    let measured = match measured {
        Ok(()) => in_turn(&served, areas, duration).await,
        Err(e) => Err(e),
    };
    for (_, s) in served {
        s.stop().await;
    }
    measured
}

async fn in_turn(
    served: &[(&str, Served)],
    areas: &[laa_core::areas::AreaEntry],
    duration: Duration,
) -> Result<InTurn, String> {
    let mut sides = Vec::new();
    for (url, s) in served {
        sides.push(Some(
            bench_negotiations(url, s, areas, "bench-in-turn").await?,
        ));
    }
    let mut figures: Vec<Side> = served.iter().map(|_| Side::default()).collect();
    for turn in 0..TURNS {
        eprintln!(
            "bench: year one and the last in turn ({} of {TURNS})",
            turn + 1
        );
        for (side, measured) in sides.iter_mut().zip(&mut figures) {
            let negotiations = side.take().ok_or("error: a side's agreements were lost")?;
            let (alone, together, back) = commands(negotiations, duration).await?;
            measured.command_p50.push(alone.p50());
            measured.rate.push(together.per_second());
            *side = Some(back);
        }
    }
    let mut figures = figures.into_iter();
    match (figures.next(), figures.next()) {
        (Some(first), Some(last)) => Ok(InTurn { first, last }),
        _ => Err("error: two servers were to be measured".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[5.0]), 5.0);
        assert!(median(&[]).is_nan());
    }
}
