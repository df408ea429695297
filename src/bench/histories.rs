//! Histories read whole, as an auditor reads them: `VerifyHistory` of
//! streams, and exports through `ListEvents` as `laa history export`
//! writes them.

use std::time::Instant;

use laa_proto::v1 as pb;

use crate::client::Clients;
use crate::demo::RoundCalendar;

/// Agreements' histories, exported.
#[derive(Debug, Default)]
pub struct Exported {
    /// Agreements exported.
    pub agreements: usize,
    /// Events exported.
    pub events: usize,
    /// Bytes of NDJSON written.
    pub bytes: usize,
    /// Seconds it took.
    pub seconds: f64,
}

/// `VerifyHistory` of every stream.
pub struct Verified {
    /// Streams verified.
    pub streams: usize,
    /// Agreements among them.
    pub agreements: usize,
    /// Events in them all.
    pub events: i64,
    /// Seconds it took.
    pub seconds: f64,
}

fn status(s: tonic::Status) -> String {
    format!("error: {}: {}", s.code(), s.message())
}

/// Every stream the server holds: the indicator sets', each round's, each
/// area's and each agreement's; all verified, one at a time.
pub async fn verify_every_stream(auditor: &Clients) -> Result<Verified, String> {
    let began = Instant::now();
    let mut streams = vec!["indicator-sets/national".to_owned()];
    let rounds = auditor
        .rounds
        .clone()
        .list_rounds(pb::ListRoundsRequest {})
        .await
        .map_err(status)?
        .into_inner()
        .rounds;
    streams.extend(rounds.into_iter().map(|r| r.name));
    let mut page_token = String::new();
    loop {
        let page = auditor
            .areas
            .clone()
            .list_areas(pb::ListAreasRequest {
                region: 0,
                page_size: 200,
                page_token,
            })
            .await
            .map_err(status)?
            .into_inner();
        streams.extend(page.areas.into_iter().map(|a| a.name));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let mut agreements = 0;
    let mut page_token = String::new();
    loop {
        let page = auditor
            .agreements
            .clone()
            .list_agreements(pb::ListAgreementsRequest {
                page_size: 200,
                page_token,
                ..Default::default()
            })
            .await
            .map_err(status)?
            .into_inner();
        agreements += page.agreements.len();
        streams.extend(page.agreements.into_iter().map(|a| a.name));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let mut events = 0;
    for name in &streams {
        events += verify(auditor, name).await?;
    }
    Ok(Verified {
        streams: streams.len(),
        agreements,
        events,
        seconds: began.elapsed().as_secs_f64(),
    })
}

/// Every agreement of the round of `calendar`, its whole history read
/// through `ListEvents` and written as `laa history export` writes it.
pub async fn export_round(
    auditor: &Clients,
    areas: &[laa_core::areas::AreaEntry],
    calendar: RoundCalendar,
) -> Result<Exported, String> {
    let began = Instant::now();
    let mut all = Exported::default();
    for area in areas {
        let one = export(auditor, &calendar.agreement(area.code.as_str())).await?;
        all.agreements += 1;
        all.events += one.events;
        all.bytes += one.bytes;
    }
    all.seconds = began.elapsed().as_secs_f64();
    Ok(all)
}

/// One agreement's whole history read through `ListEvents`, 1,000 events
/// a page, and written as `laa history export` writes it.
pub async fn export(auditor: &Clients, agreement: &str) -> Result<Exported, String> {
    let began = Instant::now();
    let mut audit = auditor.audit.clone();
    let (mut events, mut bytes) = (0, 0);
    let mut page_token = String::new();
    loop {
        let page = audit
            .list_events(pb::ListEventsRequest {
                agreement: agreement.to_owned(),
                from_sequence: 1,
                page_size: 1_000,
                page_token,
            })
            .await
            .map_err(|s| format!("error: exporting {agreement}: {}", s.message()))?
            .into_inner();
        for e in &page.events {
            bytes += crate::client::history_file::line(e)?.len() + 1;
        }
        events += page.events.len();
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    Ok(Exported {
        agreements: 1,
        events,
        bytes,
        seconds: began.elapsed().as_secs_f64(),
    })
}

/// `VerifyHistory` of the stream `name`: its length, or an error if broken.
pub async fn verify(auditor: &Clients, name: &str) -> Result<i64, String> {
    let v = auditor
        .audit
        .clone()
        .verify_history(pb::VerifyHistoryRequest {
            agreement: name.to_owned(),
        })
        .await
        .map_err(|s| format!("error: verifying {name}: {}", s.message()))?
        .into_inner();
    if v.ok {
        Ok(v.length)
    } else {
        Err(format!(
            "error: the history of {name} is broken at sequence {}",
            v.first_bad_sequence.unwrap_or_default()
        ))
    }
}
