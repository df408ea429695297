//! The floors a command is measured against, on the same database in the
//! same run: a raw single-row insert per transaction, and the store's own
//! append (decide + `Store::append`, no gRPC).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use laa_core::{
    Actor, Agreement, AgreementId, AreaCode, Baseline, Command, Context, FinancialYear, Region,
    Role, RoundPolicy, Scope, SetVersion, TargetId, Terms, Unit, YearValue, apply, decide,
};
use laa_store::Store;
use rust_decimal::Decimal;

use super::measure::Samples;

/// (a) single-row inserts, one per transaction, straight through the
/// driver, by one writer for `duration`: the cheapest durable write the
/// database can do (`laa_store::bench::raw_inserts`, on a table shaped like
/// the event log and dropped afterwards).
pub async fn raw_inserts(store: &Store, duration: Duration) -> Result<Samples, String> {
    let measured = laa_store::bench::raw_inserts(store, duration)
        .await
        .map_err(|e| format!("error: raw insert: {e}"))?;
    let mut samples = Samples::default();
    for latency in measured.latencies {
        samples.push(latency);
    }
    samples.elapsed = measured.elapsed;
    Ok(samples)
}

/// (b) the store alone: counter-offers decided by `laa-core` and appended
/// through `Store::append` by one writer, on an agreement of its own in
/// `area` (its 16 statutory targets present, an offer open on the first).
pub async fn store_appends(
    store: &Store,
    area: &str,
    duration: Duration,
) -> Result<Samples, String> {
    let mut n = Direct::open(store, area).await?;
    let mut samples = Samples::default();
    let start = Instant::now();
    while start.elapsed() < duration {
        let (actor, value) = if n.state.version.is_multiple_of(2) {
            (n.area.clone(), 50)
        } else {
            (n.go.clone(), 55)
        };
        let began = Instant::now();
        n.run(&actor, counter(1, value)?).await?;
        samples.push(began.elapsed());
    }
    samples.elapsed = start.elapsed();
    Ok(samples)
}

/// One agreement negotiated straight through the store.
struct Direct {
    store: Store,
    id: AgreementId,
    state: Agreement,
    go: Actor,
    area: Actor,
    requests: u64,
}

impl Direct {
    async fn open(store: &Store, area: &str) -> Result<Self, String> {
        let code = AreaCode::new(area).map_err(|e| format!("error: {e}"))?;
        let id = AgreementId::for_area(&code, laa_core::policy::DEFAULT_ROUND)
            .map_err(|e| format!("error: {e}"))?;
        let mut n = Direct {
            store: store.clone(),
            state: Agreement::unopened(id.clone()),
            id,
            go: Actor::new(
                "bench:go",
                Role::GoNegotiator,
                Scope::Region(Region::SouthEast),
            ),
            area: Actor::new(
                format!("bench:{area}"),
                Role::AreaNegotiator,
                Scope::Area(code.clone()),
            ),
            requests: 0,
        };
        let go = n.go.clone();
        let set = SetVersion::new(2007).map_err(|e| format!("error: {e}"))?;
        n.run(
            &go,
            Command::OpenAgreement {
                area: code,
                region: Region::SouthEast,
                policy: RoundPolicy::round_2008_11(),
                indicator_set: set,
            },
        )
        .await?;
        n.run(&go, counter(1, 55)?).await?;
        Ok(n)
    }

    async fn run(&mut self, actor: &Actor, command: Command) -> Result<(), String> {
        let ctx = Context {
            now: self.store.clock().now(),
            catalogue: &self.store.catalogue(),
            expected_version: Some(self.state.version),
            occurred_at: None,
        };
        let events =
            decide(&self.state, command, actor, &ctx).map_err(|e| format!("error: {e}"))?;
        self.requests += 1;
        let request = laa_core::RequestId::new(&format!(
            "bench-direct-{}-{}",
            std::process::id(),
            self.requests
        ))
        .map_err(|e| format!("error: {e}"))?;
        self.store
            .append(&self.id, self.state.version, &request, &events)
            .await
            .map_err(|e| format!("error: {e}"))?;
        for e in &events {
            apply(&mut self.state, e);
        }
        Ok(())
    }
}

/// A counter-offer on `target`: a percentage rising from `value`.
fn counter(target: u32, value: i64) -> Result<Command, String> {
    let bad = |e: &dyn std::fmt::Display| format!("error: {e}");
    let mut trajectory = BTreeMap::new();
    for (k, year) in ["2008/09", "2009/10", "2010/11"].into_iter().enumerate() {
        let year = FinancialYear::from_str(year).map_err(|e| bad(&e))?;
        trajectory.insert(year, YearValue::Value(Decimal::from(value + 2 * k as i64)));
    }
    let terms = Terms::values(
        Unit::Percent,
        Baseline {
            value: Decimal::from(48),
            period: "2007".into(),
        },
        trajectory,
    )
    .map_err(|e| bad(&e))?;
    Ok(Command::CounterOffer {
        target: TargetId::new(target).map_err(|e| bad(&e))?,
        terms,
        rationale: "three-year rolling average, 2005-2007, as the evidence shows".into(),
        evidence: vec!["https://example.invalid/place-survey-2008".into()],
        deal_breaker: false,
        department: None,
    })
}
