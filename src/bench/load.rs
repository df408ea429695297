//! The calls `laa bench` makes through the API, each timed at the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use laa_proto::v1 as pb;
use tokio::sync::Barrier;

use super::measure::Samples;
use crate::client::{Clients, Limits};

fn failed(status: tonic::Status) -> String {
    format!("error: {}: {}", status.code(), status.message())
}

/// A counter-offer's terms: a percentage rising from `value`.
fn terms(value: f64) -> pb::Terms {
    let trajectory = ["2008/09", "2009/10", "2010/11"]
        .iter()
        .enumerate()
        .map(|(k, year)| pb::YearValue {
            year: (*year).into(),
            value: Some(pb::year_value::Value::Amount(value + 2.0 * k as f64)),
        })
        .collect();
    pb::Terms {
        kind: Some(pb::terms::Kind::Values(pb::TargetValues {
            unit: "percent".into(),
            baseline: Some(pb::Baseline {
                value: 48.0,
                period: "2007".into(),
            }),
            trajectory,
            limit_deterioration: String::new(),
        })),
    }
}

/// One agreement, negotiated by its GO and its area, each with its own
/// credential and connection: the GO and the area take turns countering
/// the offer on the first statutory target, as two negotiators haggling.
pub struct Negotiation {
    go: Clients,
    area: Clients,
    name: String,
    version: i64,
    area_next: bool,
    requests: u64,
}

impl Negotiation {
    /// Opens the agreement of `area` in `round` and has the GO make the
    /// first offer on target 1; with `designated`, the GO also proposes one
    /// designated target (17 targets, as a typical agreement under way).
    pub async fn open(
        server: &str,
        go_token: &str,
        area_token: &str,
        area: &str,
        round: &str,
        designated: bool,
    ) -> Result<Self, String> {
        let mut n = Negotiation {
            go: Clients::new(server, Some(go_token), Limits::default()).map_err(|e| e.text())?,
            area: Clients::new(server, Some(area_token), Limits::default())
                .map_err(|e| e.text())?,
            name: format!("agreements/{area}-{round}"),
            version: 0,
            area_next: false,
            requests: 0,
        };
        let request_id = n.request_id();
        let opened =
            n.go.agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: format!("areas/{area}"),
                    round: round.into(),
                    indicator_set: 2007,
                    request_id,
                    expected_version: 0,
                    occurred_at: None,
                })
                .await
                .map_err(failed)?
                .into_inner();
        n.version = opened.agreement.map_or(0, |a| a.version);
        if designated {
            let request = pb::ProposeTargetRequest {
                priority: 0,
                agreement: n.name.clone(),
                request_id: n.request_id(),
                expected_version: n.version,
                indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(163)),
                terms: Some(terms(60.0)),
                rationale: "Level 2 qualifications, from the 2007 survey".into(),
                evidence: vec!["DIUS statistical first release 2007".into()],
                department: "DIUS".into(),
                occurred_at: None,
            };
            let proposed =
                n.go.agreements
                    .propose_target(request)
                    .await
                    .map_err(failed)?
                    .into_inner();
            n.version = proposed.agreement.map_or(0, |a| a.version);
        }
        n.counter().await?;
        Ok(n)
    }

    /// The same negotiation with its clients connected to `server` (the
    /// server started again, elsewhere).
    pub fn reconnect(
        &mut self,
        server: &str,
        go_token: &str,
        area_token: &str,
    ) -> Result<(), String> {
        self.go = Clients::new(server, Some(go_token), Limits::default()).map_err(|e| e.text())?;
        self.area =
            Clients::new(server, Some(area_token), Limits::default()).map_err(|e| e.text())?;
        Ok(())
    }

    fn request_id(&mut self) -> String {
        self.requests += 1;
        format!(
            "bench-{}-{}-{}",
            std::process::id(),
            self.name,
            self.requests
        )
    }

    /// One counter-offer by whichever side's turn it is; its latency.
    pub async fn counter(&mut self) -> Result<Duration, String> {
        let (value, side) = if self.area_next {
            (50.0, &mut self.area)
        } else {
            (55.0, &mut self.go)
        };
        let request = pb::CounterOfferRequest {
            agreement: self.name.clone(),
            request_id: format!(
                "bench-{}-{}-{}",
                std::process::id(),
                self.name,
                self.requests + 1
            ),
            expected_version: self.version,
            target: 1,
            terms: Some(terms(value)),
            rationale: "three-year rolling average, 2005-2007, as the evidence shows".into(),
            evidence: vec!["https://example.invalid/place-survey-2008".into()],
            deal_breaker: false,
            department: String::new(),
            occurred_at: None,
        };
        let began = Instant::now();
        let answer = side
            .agreements
            .counter_offer(request)
            .await
            .map_err(failed)?
            .into_inner();
        let took = began.elapsed();
        self.version = answer.agreement.map_or(self.version + 1, |a| a.version);
        self.area_next = !self.area_next;
        self.requests += 1;
        Ok(took)
    }

    /// The agreement's version as last answered.
    pub fn version(&self) -> u64 {
        u64::try_from(self.version).unwrap_or(0)
    }

    /// One read of the whole agreement; its latency.
    pub async fn read(&mut self) -> Result<Duration, String> {
        let began = Instant::now();
        self.go
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: self.name.clone(),
            })
            .await
            .map_err(failed)?;
        Ok(began.elapsed())
    }
}

/// A connection to `server`, with `TCP_NODELAY` as every client of the
/// bench uses.
pub async fn connect(server: &str) -> Result<tonic::transport::Channel, String> {
    tonic::transport::Endpoint::from_shared(server.to_owned())
        .map_err(|e| format!("error: {e}"))?
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|e| format!("error: cannot reach {server}: {e}"))
}

/// Health checks (`grpc.health.v1.Health/Check`) for `duration`: the echo
/// every other latency is measured against.
pub async fn echo(server: &str, duration: Duration) -> Result<Samples, String> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut health = HealthClient::new(connect(server).await?);
    let mut samples = Samples::default();
    let start = Instant::now();
    while start.elapsed() < duration {
        let began = Instant::now();
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map_err(failed)?;
        samples.push(began.elapsed());
    }
    samples.elapsed = start.elapsed();
    Ok(samples)
}

/// Reads of one agreement for `duration`.
pub async fn reads(n: &mut Negotiation, duration: Duration) -> Result<Samples, String> {
    let mut samples = Samples::default();
    let start = Instant::now();
    while start.elapsed() < duration {
        samples.push(n.read().await?);
    }
    samples.elapsed = start.elapsed();
    Ok(samples)
}

/// Every negotiation counters as fast as it is answered, all at once, for
/// `duration`; the negotiations come back for the next measurement.
pub async fn writes(
    negotiations: Vec<Negotiation>,
    duration: Duration,
) -> Result<(Samples, Vec<Negotiation>), String> {
    let barrier = Arc::new(Barrier::new(negotiations.len()));
    let mut tasks = Vec::new();
    for mut n in negotiations {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut samples = Samples::default();
            let start = Instant::now();
            while start.elapsed() < duration {
                samples.push(n.counter().await?);
            }
            samples.elapsed = start.elapsed();
            Ok::<_, String>((samples, n))
        }));
    }
    let mut all = Samples::default();
    let mut back = Vec::new();
    for task in tasks {
        let (samples, n) = task
            .await
            .map_err(|e| format!("error: a client failed: {e}"))??;
        all.merge(samples);
        back.push(n);
    }
    Ok((all, back))
}

/// Every negotiation counters as fast as it is answered, all at once, until
/// `commands` counter-offers are made in all (shared evenly); how many were
/// made, and the negotiations back.
pub async fn counted_writes(
    negotiations: Vec<Negotiation>,
    commands: usize,
) -> Result<(usize, Vec<Negotiation>), String> {
    let clients = negotiations.len().max(1);
    let mut tasks = Vec::new();
    for (k, mut n) in negotiations.into_iter().enumerate() {
        let share = commands / clients + usize::from(k < commands % clients);
        tasks.push(tokio::spawn(async move {
            for _ in 0..share {
                n.counter().await?;
            }
            Ok::<_, String>((share, n))
        }));
    }
    let mut made = 0;
    let mut back = Vec::new();
    for task in tasks {
        let (share, n) = task
            .await
            .map_err(|e| format!("error: a client failed: {e}"))??;
        made += share;
        back.push(n);
    }
    Ok((made, back))
}
