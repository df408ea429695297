//! The harness: fresh databases for each test on each backend, and a
//! driver that negotiates through `laa-core`'s `decide` and the store.

use std::collections::BTreeMap;
use std::future::Future;
use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use laa_core::{
    Actor, Agreement, AgreementId, AreaCode, Baseline, Command, Context, Event, FinancialYear,
    IndicatorNumber, IndicatorRef, PlaceholderReason, RefreshId, Region, Role, RoundPolicy, Scope,
    SetVersion, TargetId, Terms, Unit, YearValue, apply, decide,
};
use laa_store::{AppendOutcome, Backend, Store, StoreOptions};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;

pub use laa_testkit::{FreshPostgres, POSTGRES_ENV};

/// One fresh database for one test.
pub struct TestDb {
    /// A store opened on it with the default options.
    pub store: Store,
    /// Its URL, to open more stores on the same database.
    pub url: String,
    /// Which database it is.
    pub backend: Backend,
}

impl TestDb {
    /// Opens another store on the same database.
    pub async fn open(&self, options: StoreOptions) -> Store {
        Store::connect(&self.url, options)
            .await
            .expect("open a second store on the test database")
    }

    /// Runs raw SQL, as an attacker or a crash would, around the store.
    pub async fn sql(&self, sql: &str) {
        self.store
            .connection()
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A label for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Runs `test` against a fresh SQLite database and, when
/// `LAA_TEST_POSTGRES_URL` is set, against a fresh PostgreSQL database on
/// that server (created for the test, dropped after it). Panics, rather than
/// skipping, if the variable is set and the server cannot be reached.
pub async fn for_each_database<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let store = Store::connect(&url, StoreOptions::default())
        .await
        .expect("open a fresh SQLite store");
    test(TestDb {
        store: store.clone(),
        url,
        backend: Backend::Sqlite,
    })
    .await;
    store.close().await.ok();

    if let Ok(admin_url) = std::env::var(POSTGRES_ENV) {
        let fresh = FreshPostgres::create(&admin_url, "laa_test").await;
        let store = Store::connect(&fresh.url, StoreOptions::default())
            .await
            .expect("open a fresh PostgreSQL store");
        test(TestDb {
            store: store.clone(),
            url: fresh.url.clone(),
            backend: Backend::Postgres,
        })
        .await;
        store.close().await.ok();
        // `fresh` drops its database here, or while unwinding from a panic.
        drop(fresh);
    }
}

/// The Government Office negotiator for the South East.
/// A request id from test text.
pub fn rid(text: impl AsRef<str>) -> laa_core::RequestId {
    laa_core::RequestId::new(text.as_ref()).expect("a request id")
}

pub fn go() -> Actor {
    Actor::new(
        "gose:alice",
        Role::GoNegotiator,
        Scope::Region(Region::SouthEast),
    )
}

/// An area's negotiator.
pub fn council(area: &AreaCode) -> Actor {
    Actor::new(
        format!("{area}:bob"),
        Role::AreaNegotiator,
        Scope::Area(area.clone()),
    )
}

/// The Minister who signs off.
pub fn minister() -> Actor {
    Actor::new("clg:minister", Role::SignOff, Scope::National)
}

/// An indicator number.
pub fn ni(n: u16) -> IndicatorNumber {
    IndicatorNumber::new(n).expect("an indicator number")
}

/// A target id.
pub fn tid(n: u32) -> TargetId {
    TargetId::new(n).expect("a target id")
}

/// A refresh id.
pub fn refresh(name: &str) -> RefreshId {
    RefreshId::new(name).expect("a refresh id")
}

fn year(s: &str) -> FinancialYear {
    FinancialYear::from_str(s).expect("a year")
}

/// Percentage values for the three years of 2008-11.
pub fn values(base: i64, a: i64, b: i64, c: i64) -> Terms {
    Terms::values(
        Unit::Percent,
        Baseline {
            value: Decimal::from(base),
            period: "2007".into(),
        },
        BTreeMap::from([
            (year("2008/09"), YearValue::Value(Decimal::from(a))),
            (year("2009/10"), YearValue::Value(Decimal::from(b))),
            (year("2010/11"), YearValue::Value(Decimal::from(c))),
        ]),
    )
    .expect("valid terms")
}

/// Values whose last year is deferred to a refresh.
pub fn values_deferring_last(base: i64, a: i64, b: i64, to: &str) -> Terms {
    Terms::values(
        Unit::Percent,
        Baseline {
            value: Decimal::from(base),
            period: "2007".into(),
        },
        BTreeMap::from([
            (year("2008/09"), YearValue::Value(Decimal::from(a))),
            (year("2009/10"), YearValue::Value(Decimal::from(b))),
            (year("2010/11"), YearValue::Deferred { to: refresh(to) }),
        ]),
    )
    .expect("valid terms")
}

/// Terms written as a rising percentage, fitted to the indicator they are
/// offered on: its unit, and for one where lower is better the trajectory
/// mirrored about the baseline (50 → 51, 52, 53 becomes 50 → 49, 48, 47).
pub fn fitted(indicator: Option<u16>, terms: Terms) -> Terms {
    static CATALOGUE: std::sync::LazyLock<laa_core::Catalogue> =
        std::sync::LazyLock::new(|| laa_core::Catalogue::national().expect("the catalogue"));
    let measure = indicator
        .and_then(|n| IndicatorNumber::new(n).ok())
        .and_then(|n| CATALOGUE.indicator(n));
    let (Some(measure), Terms::Values(mut v)) = (measure, terms.clone()) else {
        return terms;
    };
    v.unit = measure.unit;
    if measure.polarity == laa_core::Polarity::LowerIsBetter {
        let base = v.baseline.value;
        for value in v.trajectory.values_mut() {
            if let YearValue::Value(x) = value {
                *x = base + base - *x;
            }
        }
    }
    Terms::Values(v)
}

/// A placeholder awaiting the Place Survey, due at a refresh.
pub fn placeholder(due: &str) -> Terms {
    Terms::placeholder(PlaceholderReason::AwaitingSurvey, refresh(due))
}

/// A command to counter (or first offer) terms on a target.
pub fn counter(target: u32, terms: Terms) -> Command {
    // Targets 1 to 16 are the statutory ones, in the round's order.
    let indicator = laa_core::policy::STATUTORY_2008
        .get((target as usize).wrapping_sub(1))
        .copied();
    Command::CounterOffer {
        target: tid(target),
        terms: fitted(indicator, terms),
        rationale: "three-year rolling average".into(),
        evidence: vec!["https://example.invalid/data".into()],
        deal_breaker: false,
        department: None,
    }
}

/// A command to accept the open offer on a target.
pub fn accept(target: u32) -> Command {
    Command::AcceptOffer {
        target: tid(target),
    }
}

/// A command to propose a National Indicator target.
pub fn propose(indicator: u16, terms: Terms) -> Command {
    Command::ProposeTarget {
        priority: None,
        indicator: IndicatorRef::National(ni(indicator)),
        terms: fitted(Some(indicator), terms),
        rationale: "a local priority".into(),
        evidence: vec![],
        department: None,
    }
}

/// A command by which a Government Office proposes a National Indicator
/// target on the Home Office's behalf.
pub fn go_propose(indicator: u16, terms: Terms) -> Command {
    match propose(indicator, terms) {
        Command::ProposeTarget {
            indicator,
            terms,
            rationale,
            evidence,
            ..
        } => Command::ProposeTarget {
            priority: None,
            indicator,
            terms,
            rationale,
            evidence,
            department: Some(laa_core::Department::new("HO").expect("a department")),
        },
        other => other,
    }
}

/// One agreement negotiated through `decide` and the store, with the
/// in-memory state every accepted command's events were applied to.
pub struct Negotiation {
    /// The store.
    pub store: Store,
    /// The agreement.
    pub id: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// The state in memory.
    pub state: Agreement,
    /// The time the next command is decided at.
    pub now: DateTime<Utc>,
    requests: u64,
}

impl Negotiation {
    /// A negotiation for an area in the South East, not yet opened.
    pub fn new(store: &Store, area: &str) -> Self {
        let area = AreaCode::new(area).expect("an area code");
        let id = AgreementId::for_area(&area, "2008-11").expect("an agreement id");
        Self {
            store: store.clone(),
            state: Agreement::unopened(id.clone()),
            id,
            area,
            now: Utc
                .with_ymd_and_hms(2008, 1, 15, 9, 0, 0)
                .single()
                .expect("a time"),
            requests: 0,
        }
    }

    /// The area's negotiator.
    pub fn council(&self) -> Actor {
        council(&self.area)
    }

    /// Decides a command against the in-memory state (at its version).
    pub fn decide(&self, actor: &Actor, command: Command) -> Vec<Event> {
        let ctx = Context {
            now: self.now,
            catalogue: &self.store.catalogue(),
            expected_version: Some(self.state.version),
            occurred_at: None,
        };
        decide(&self.state, command, actor, &ctx)
            .unwrap_or_else(|e| panic!("{}: decide refused: {e}", self.id))
    }

    /// A fresh request id.
    pub fn request_id(&mut self) -> String {
        self.requests += 1;
        format!("{}-req-{}", self.id, self.requests)
    }

    /// Decides a command, appends its events, and applies them in memory.
    pub async fn run(&mut self, actor: &Actor, command: Command) -> AppendOutcome {
        let events = self.decide(actor, command);
        let request = self.request_id();
        let outcome = self
            .store
            .append(&self.id, self.state.version, &rid(&request), &events)
            .await
            .unwrap_or_else(|e| panic!("{}: append failed: {e}", self.id));
        assert!(!outcome.replayed);
        for e in &events {
            apply(&mut self.state, e);
        }
        assert_eq!(outcome.version, self.state.version);
        self.now += Duration::minutes(10);
        outcome
    }

    /// Opens the agreement, bound to the 2007 set.
    pub async fn open(&mut self) -> AppendOutcome {
        let command = Command::OpenAgreement {
            area: self.area.clone(),
            region: Region::SouthEast,
            policy: RoundPolicy::round_2008_11(),
            indicator_set: SetVersion::new(2007).expect("a set version"),
        };
        self.run(&go(), command).await
    }

    /// Opens the agreement and runs it to `length` events with offers and
    /// acceptances on the statutory targets.
    pub async fn open_with_events(&mut self, length: u64) {
        self.open().await;
        let area = self.council();
        let mut target = 1;
        while self.state.version < length {
            if self.state.version % 2 == 1 {
                self.run(&go(), counter(target, values(50, 51, 52, 53)))
                    .await;
            } else {
                self.run(&area, accept(target)).await;
                target += 1;
            }
        }
    }

    /// The whole negotiation: open, agree all 16 statutory targets (one with
    /// its last year deferred to the 2009 refresh), a designated target, a
    /// placeholder, a local target, a declined proposal; endorse, submit,
    /// sign off (as `placeholder`); open the 2009 refresh rebinding to the
    /// 2008 set, settle what is due, endorse, submit, sign off (`refreshed`).
    pub async fn negotiate_to_refreshed(&mut self) {
        let area = self.council();
        self.open().await;
        for target in 1..=16 {
            let terms = if target == 16 {
                values_deferring_last(40, 42, 44, "2009")
            } else {
                values(50, 51, 52, 53)
            };
            self.run(&go(), counter(target, terms)).await;
            self.run(&area, accept(target)).await;
        }
        // 17: a designated target the GO asks for on the Home Office's behalf.
        self.run(
            &go(),
            Command::ProposeTarget {
                priority: None,
                indicator: IndicatorRef::National(ni(1)),
                terms: values(60, 61, 63, 65),
                rationale: "cohesion is a regional priority".into(),
                evidence: vec!["Place Survey pilot".into()],
                department: Some(laa_core::Department::new("HO").expect("a department")),
            },
        )
        .await;
        self.run(&area, counter(17, values(60, 61, 62, 63))).await;
        self.run(&go(), accept(17)).await;
        // 18: a placeholder until the Place Survey reports.
        self.run(&area, propose(4, placeholder("2009"))).await;
        self.run(&go(), accept(18)).await;
        // 19: a local target.
        self.run(
            &area,
            Command::ProposeTarget {
                priority: None,
                indicator: IndicatorRef::Local {
                    code: laa_core::LocalIndicatorCode::new("l-graffiti").expect("a code"),
                    title: "Graffiti removed within 48 hours".into(),
                },
                terms: values(70, 75, 80, 85),
                rationale: "residents' top complaint".into(),
                evidence: vec![],
                department: None,
            },
        )
        .await;
        self.run(&go(), accept(19)).await;
        // 20: proposed by the area, declined by the GO.
        self.run(&area, propose(2, values(30, 31, 32, 33))).await;
        self.run(
            &go(),
            Command::DeclineTarget {
                target: tid(20),
                reason: "no evidence base".into(),
                deal_breaker: false,
            },
        )
        .await;
        self.run(&area, Command::EndorseAgreement).await;
        self.run(&go(), Command::SubmitAgreement).await;
        self.run(&minister(), Command::SignOffAgreement).await;
        assert_eq!(self.state.status, laa_core::AgreementStatus::Placeholder);

        self.now = Utc
            .with_ymd_and_hms(2008, 11, 3, 9, 0, 0)
            .single()
            .expect("a time");
        self.run(
            &go(),
            Command::OpenRefresh {
                round: refresh("2009"),
                indicator_set: Some(SetVersion::new(2008).expect("a set version")),
            },
        )
        .await;
        self.run(&area, counter(18, values(20, 22, 24, 26))).await;
        self.run(&go(), accept(18)).await;
        self.run(&go(), counter(16, values(40, 42, 44, 46))).await;
        self.run(&area, accept(16)).await;
        self.run(&area, Command::EndorseAgreement).await;
        self.run(&go(), Command::SubmitAgreement).await;
        self.run(&minister(), Command::SignOffAgreement).await;
        assert_eq!(self.state.status, laa_core::AgreementStatus::Refreshed);
    }
}

/// Runs this test binary again as the one test `child` (which does
/// nothing unless `env` is set; here to `url`), waits up to a minute for it
/// to print `marker`, then kills it with SIGKILL, as a crash or a power cut
/// would end it, with no chance to roll back. True when it printed the
/// marker before it was killed.
pub async fn kill_child_when_ready(child: &str, env: &str, url: &str, marker: &str) -> bool {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().expect("the test binary");
    let mut process = Command::new(exe)
        .args(["--exact", child, "--nocapture", "--test-threads=1"])
        .env(env, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the child");
    let stdout = process.stdout.take().expect("the child's output");
    let marker = marker.to_owned();
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains(&marker))
    });
    let ready = tokio::time::timeout(std::time::Duration::from_secs(60), ready).await;
    process.kill().expect("kill the child");
    process.wait().expect("reap the child");
    matches!(ready, Ok(Ok(true)))
}
