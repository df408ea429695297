//! The whole round: every area's negotiation, then every area's delivery,
//! each phase timed on its own, and the national results read back.

use std::time::Instant;

use chrono::Duration;
use indicatif::ProgressBar;
use laa_core::Catalogue;
use laa_proto::v1 as pb;

use super::super::calendar::RoundCalendar;
use super::super::selections::{Rng, assign_selections};
use super::{Credentials, Principals, Resume, channel, connect, delivery};
use crate::client::CliError;

/// What a round produced, for printing and for tests.
#[derive(Debug, Clone)]
pub struct RoundReport {
    /// The round: `2008-11`, `2011-14`, ...
    pub round: String,
    /// The server's national summary, read with the auditor's credential.
    pub summary: pb::NegotiationSummary,
    /// Commands sent.
    pub commands: u64,
    /// Seconds taken by the negotiations.
    pub seconds: f64,
    /// Commands of the delivery that followed (three years of actuals).
    pub delivery_commands: u64,
    /// Seconds the delivery took.
    pub delivery_seconds: f64,
    /// Indicators whose national count differs from Appendix 3d (empty when all match).
    pub mismatches: Vec<(u16, u16, i32)>,
    /// How many areas took part.
    pub areas: usize,
    /// The national reward bill: what the assessed agreements earn, in pounds.
    pub reward_bill: rust_decimal::Decimal,
    /// The pot the bill is out of, in pounds.
    pub reward_pot: rust_decimal::Decimal,
    /// How many agreements had their reward assessed.
    pub rewards_assessed: usize,
    /// The tournament on NI 117 (NEET).
    pub tournament: pb::Tournament,
    /// The round before's agreements Ministers closed as this one began.
    pub closed_before: u64,
}

/// What a round is replayed with, besides its calendar.
#[derive(Debug, Clone, Copy)]
pub struct Replay<'a> {
    /// The server's gRPC address.
    pub server: &'a str,
    /// The principals' credentials.
    pub credentials: &'a Credentials,
    /// The areas taking part.
    pub areas: &'a [laa_core::areas::AreaEntry],
    /// The seed the round's choices and values are drawn from.
    pub seed: u64,
    /// Negotiations under way at once.
    pub concurrency: usize,
    /// Whether commands carry their dates (on the demo's own server).
    pub dated: bool,
}

/// Replays the round of `calendar` against `replay.server`: every
/// area's negotiation, then its delivery, then the national results.
pub async fn national_round(
    replay: Replay<'_>,
    calendar: RoundCalendar,
    progress: &ProgressBar,
) -> Result<RoundReport, String> {
    let Replay {
        server,
        credentials,
        areas,
        seed,
        concurrency,
        dated,
    } = replay;
    let catalogue = Catalogue::national().map_err(|e| format!("error: {e}"))?;
    let full = areas.len() == 150;
    let selections = assign_selections(&catalogue, areas.len(), 35, seed)?;
    let channel = channel(server)?;
    let started = Instant::now();
    let total = areas.len();
    let mut commands = 0u64;
    let mut work = areas.iter().zip(selections).enumerate();
    let mut running = tokio::task::JoinSet::new();
    // Where each negotiation left off, for its delivery.
    let mut signed: Vec<Resume> = Vec::with_capacity(total);
    loop {
        while running.len() < concurrency.max(1) {
            let Some((k, (area, chosen))) = work.next() else {
                break;
            };
            let principals = Principals::of(credentials, area);
            let channel = channel.clone();
            let code = area.code.to_string();
            let catalogue = catalogue.clone();
            running.spawn(async move {
                let resume = Resume {
                    code,
                    calendar,
                    principals,
                    rng: Rng::new(seed.wrapping_add(k as u64 * 7919)),
                    // Opened in the first weeks of January 2008.
                    clock: calendar.day(2008, 1, 7) + Duration::days((k % 20) as i64),
                    version: 0,
                };
                let mut n = resume.negotiation(&channel, &catalogue, dated)?;
                n.negotiate(&resume.code, &chosen).await?;
                Ok::<(u64, Resume), String>((n.commands, n.resume(resume)))
            });
        }
        let Some(finished) = running.join_next().await else {
            break;
        };
        let (done, resume) =
            finished.map_err(|e| format!("error: a negotiation task failed: {e}"))??;
        commands += done;
        signed.push(resume);
        progress.inc(1);
    }
    let seconds = started.elapsed().as_secs_f64();
    // Then three years of delivery, every agreement's after every
    // negotiation: timed on its own, the negotiation above is the round.
    progress.set_position(0);
    progress.set_message(super::super::DELIVERED);
    let delivery_started = Instant::now();
    let mut delivery_commands = 0u64;
    let mut work = signed.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < concurrency.max(1) {
            let Some(resume) = work.next() else {
                break;
            };
            let channel = channel.clone();
            let catalogue = catalogue.clone();
            running.spawn(async move {
                let mut n = resume.negotiation(&channel, &catalogue, dated)?;
                n.deliver().await?;
                Ok::<u64, String>(n.commands)
            });
        }
        let Some(finished) = running.join_next().await else {
            break;
        };
        delivery_commands +=
            finished.map_err(|e| format!("error: a delivery task failed: {e}"))??;
        progress.inc(1);
    }
    let delivery_seconds = delivery_started.elapsed().as_secs_f64();
    progress.set_message(super::super::RESULTS);
    let mut auditor = connect(&channel, &credentials.auditor)?;
    let summary = auditor
        .audit
        .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
        .await
        .map_err(|s| CliError::from_status(&s, server).text())?
        .into_inner();
    let mismatches = if full && calendar.is_first() {
        catalogue
            .indicators()
            .filter_map(|i| {
                let expected = i.laa_selections_2008?;
                let got = summary
                    .selections_by_indicator
                    .get(&i32::from(i.number.get()))
                    .copied()
                    .unwrap_or(0);
                (i32::from(expected) != got).then_some((i.number.get(), expected, got))
            })
            .collect()
    } else {
        Vec::new()
    };
    // The national reward bill, and one tournament table.
    let results = delivery::national_results(&mut auditor, server, areas, calendar).await?;
    Ok(RoundReport {
        round: calendar.name(),
        summary,
        commands,
        seconds,
        delivery_commands,
        delivery_seconds,
        mismatches,
        areas: total,
        reward_bill: results.reward_bill,
        reward_pot: results.reward_pot,
        rewards_assessed: results.rewards_assessed,
        tournament: results.tournament,
        closed_before: 0,
    })
}

impl RoundReport {
    /// Every command the round sent: its negotiation, its delivery and
    /// the closing of the round before it.
    pub fn all_commands(&self) -> u64 {
        self.commands + self.delivery_commands + self.closed_before
    }
}
