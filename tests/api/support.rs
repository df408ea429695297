//! `spawn_app`: the real server on a loopback port, on a fresh database,
//! with a token for every role; and small helpers to speak to it.

use std::future::Future;
use std::net::SocketAddr;

use laa_core::{AreaCode, Region, Role, Scope};
use laa_proto::v1 as pb;
use laa_store::{Clock, Store, StoreOptions};
use pb::agreement_service_client::AgreementServiceClient;
use pb::area_service_client::AreaServiceClient;
use pb::audit_service_client::AuditServiceClient;
use pb::indicator_service_client::IndicatorServiceClient;
use pb::performance_service_client::PerformanceServiceClient;
use pb::round_service_client::RoundServiceClient;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic_types::StatusExt;

pub use laa_testkit::{FreshPostgres, POSTGRES_ENV};

/// A running server and everything a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub store: Store,
    pub database_url: String,
    pub backend: &'static str,
    pub tokens: Tokens,
    pub config: laa_server::ServerConfig,
    /// The clock the server's store was opened with.
    pub clock: Clock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<Result<(), laa_server::ServerError>>>,
    _dir: Option<tempfile::TempDir>,
    _postgres: Option<FreshPostgres>,
}

/// One token per role and scope the tests use.
pub struct Tokens {
    /// GO negotiator, South East (Kent's region).
    pub go: String,
    /// GO negotiator, London.
    pub go_london: String,
    /// Kent's negotiator.
    pub kent: String,
    /// Surrey's negotiator (South East, another area).
    pub surrey: String,
    pub sign_off: String,
    pub auditor: String,
    pub admin: String,
}

impl TestApp {
    /// The server's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Clients speaking as the holder of `token` (or anonymously).
    pub async fn clients(&self, token: Option<&str>) -> Clients {
        clients_at(&self.url(), token)
            .await
            .expect("connect to the test server")
    }

    /// Signals the server to stop, as SIGTERM would, without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server as SIGTERM would, waiting for it to finish.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    /// Stops the server and starts a new one on the same database with a
    /// fresh store (nothing remembered), as a restart of `laa serve` would.
    pub async fn restart(&mut self) {
        self.shutdown().await;
        let store = Store::connect(&self.database_url, clocked(self.clock))
            .await
            .expect("reopen the test database");
        let (stop, server, _) = serve_on(store.clone(), self.address, self.config.clone()).await;
        self.store = store;
        self.stop = Some(stop);
        self.server = Some(server);
    }

    /// How many events an agreement has in the store.
    pub async fn event_count(&self, agreement: &str) -> u64 {
        let id = laa_core::AgreementId::new(agreement).expect("agreement id");
        self.store
            .events(&id, 1, 100_000)
            .await
            .expect("events")
            .len() as u64
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Adds a bearer token to every request.
#[derive(Clone)]
pub struct Bearer(pub Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            request.metadata_mut().insert("authorization", v.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Bearer>;

/// Generated clients for the five services.
#[derive(Clone)]
pub struct Clients {
    pub indicators: IndicatorServiceClient<Authed>,
    pub areas: AreaServiceClient<Authed>,
    pub agreements: AgreementServiceClient<Authed>,
    pub audit: AuditServiceClient<Authed>,
    pub rounds: RoundServiceClient<Authed>,
    pub performance: PerformanceServiceClient<Authed>,
}

async fn issue(store: &Store, role: Role, scope: Scope, label: &str) -> String {
    store
        .credentials()
        .issue_token(role, scope, label)
        .await
        .expect("issue token")
        .1
}

type ServerTask = tokio::task::JoinHandle<Result<(), laa_server::ServerError>>;

/// Serves `store` on `address` (port 0: any) until the returned sender fires.
pub async fn serve_on(
    store: Store,
    address: SocketAddr,
    config: laa_server::ServerConfig,
) -> (tokio::sync::oneshot::Sender<()>, ServerTask, SocketAddr) {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("bind the test port");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        laa_server::serve(store, listener, config, async {
            let _ = stopped.await;
        })
        .await
    });
    (stop, server, address)
}

/// Starts the real server on port 0 over a database at `url`.
pub async fn spawn_on(
    url: String,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
    pg: Option<FreshPostgres>,
    config: laa_server::ServerConfig,
) -> TestApp {
    spawn_clocked_on(url, backend, dir, pg, config, Clock::System).await
}

/// Store options with `clock`, the rest the defaults.
pub fn clocked(clock: Clock) -> StoreOptions {
    StoreOptions {
        clock,
        ..StoreOptions::default()
    }
}

/// [`spawn_on`] with the store opened on `clock`.
pub async fn spawn_clocked_on(
    url: String,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
    pg: Option<FreshPostgres>,
    config: laa_server::ServerConfig,
    clock: Clock,
) -> TestApp {
    let store = Store::connect(&url, clocked(clock))
        .await
        .expect("open the test database");
    let kent = AreaCode::new("kent").expect("kent");
    let surrey = AreaCode::new("surrey").expect("surrey");
    let tokens = Tokens {
        go: issue(
            &store,
            Role::GoNegotiator,
            Scope::Region(Region::SouthEast),
            "gose:negotiator",
        )
        .await,
        go_london: issue(
            &store,
            Role::GoNegotiator,
            Scope::Region(Region::London),
            "gol:negotiator",
        )
        .await,
        kent: issue(
            &store,
            Role::AreaNegotiator,
            Scope::Area(kent),
            "kent:officer",
        )
        .await,
        surrey: issue(
            &store,
            Role::AreaNegotiator,
            Scope::Area(surrey),
            "surrey:officer",
        )
        .await,
        sign_off: issue(&store, Role::SignOff, Scope::National, "clg:minister").await,
        auditor: issue(&store, Role::Auditor, Scope::National, "clg:auditor").await,
        admin: issue(&store, Role::Admin, Scope::National, "admin").await,
    };
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let (stop, server, address) = serve_on(store.clone(), any_port, config.clone()).await;
    TestApp {
        address,
        store,
        database_url: url,
        backend,
        tokens,
        config,
        clock,
        stop: Some(stop),
        server: Some(server),
        _dir: dir,
        _postgres: pg,
    }
}

/// Runs `test` against a server on a fresh SQLite database and, when
/// `LAA_TEST_POSTGRES_URL` is set, against one on a fresh PostgreSQL
/// database (panicking, not skipping, if that server cannot be reached).
pub async fn for_each_database<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for_each_database_with(laa_server::ServerConfig::default(), test).await;
}

/// [`for_each_database`] with the server's limits and timeouts set.
pub async fn for_each_database_with<F, Fut>(config: laa_server::ServerConfig, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for_each_database_clocked(Clock::System, config, test).await;
}

/// [`for_each_database_with`] on servers deciding by `clock`.
pub async fn for_each_database_clocked<F, Fut>(
    clock: Clock,
    config: laa_server::ServerConfig,
    test: F,
) where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    test(spawn_clocked_on(url, "sqlite", Some(dir), None, config.clone(), clock).await).await;
    if let Ok(admin_url) = std::env::var(POSTGRES_ENV) {
        let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
        let url = pg.url.clone();
        test(spawn_clocked_on(url, "postgres", None, Some(pg), config, clock).await).await;
    }
}

/// A server on a fresh database of the other kind than `backend`: PostgreSQL
/// after SQLite when `LAA_TEST_POSTGRES_URL` is set, else SQLite again.
pub async fn spawn_other(backend: &str) -> TestApp {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin_url) if backend == "sqlite" => {
            let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
            let url = pg.url.clone();
            spawn_on(
                url,
                "postgres",
                None,
                Some(pg),
                laa_server::ServerConfig::default(),
            )
            .await
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
            spawn_on(
                url,
                "sqlite",
                Some(dir),
                None,
                laa_server::ServerConfig::default(),
            )
            .await
        }
    }
}

/// Clients of the server at `url`, speaking as the holder of `token`.
pub async fn clients_at(
    url: &str,
    token: Option<&str>,
) -> Result<Clients, tonic::transport::Error> {
    let channel = Channel::from_shared(url.to_owned())
        .expect("url")
        .connect()
        .await?;
    let bearer = Bearer(token.map(|t| format!("Bearer {t}").parse().expect("header value")));
    Ok(Clients {
        indicators: IndicatorServiceClient::with_interceptor(channel.clone(), bearer.clone()),
        areas: AreaServiceClient::with_interceptor(channel.clone(), bearer.clone()),
        agreements: AgreementServiceClient::with_interceptor(channel.clone(), bearer.clone()),
        audit: AuditServiceClient::with_interceptor(channel.clone(), bearer.clone()),
        rounds: RoundServiceClient::with_interceptor(channel.clone(), bearer.clone()),
        performance: PerformanceServiceClient::with_interceptor(channel, bearer),
    })
}

/// The stable reason of a failed call (its one `ErrorInfo`, domain `laa.v1`).
pub fn reason(status: &tonic::Status) -> String {
    let details = status.get_error_details_vec();
    let infos: Vec<_> = details
        .iter()
        .filter_map(|d| match d {
            tonic_types::ErrorDetail::ErrorInfo(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(infos.len(), 1, "exactly one ErrorInfo in {status:?}");
    assert_eq!(infos[0].domain, "laa.v1");
    infos[0].reason.clone()
}

/// The fields a failed call's `BadRequest` names.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// Asserts a call failed with `code` and `reason`.
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<tonic::Response<T>, tonic::Status>,
    code: tonic::Code,
    why: &str,
) -> tonic::Status {
    let status = result.expect_err(&format!("expected {code:?} {why}"));
    assert_eq!(status.code(), code, "{why}: {status:?}");
    assert_eq!(reason(&status), why, "{status:?}");
    status
}

/// NI `n`'s unit and polarity, from the embedded catalogue (percent and
/// higher is better for a number it does not hold).
pub fn measure(n: i32) -> (laa_core::Unit, laa_core::Polarity) {
    static CATALOGUE: std::sync::LazyLock<laa_core::Catalogue> =
        std::sync::LazyLock::new(|| laa_core::Catalogue::national().expect("catalogue"));
    u16::try_from(n)
        .ok()
        .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
        .and_then(|n| CATALOGUE.indicator(n))
        .map_or(
            (laa_core::Unit::Percent, laa_core::Polarity::HigherIsBetter),
            |i| (i.unit, i.polarity),
        )
}

/// Values terms on NI `n` in its own unit: a baseline (2007) and three years.
pub fn on(n: i32, baseline: f64, years: [f64; 3]) -> pb::Terms {
    let mut terms = pct(baseline, years);
    if let Some(pb::terms::Kind::Values(v)) = &mut terms.kind {
        v.unit = measure(n).0.as_str().into();
    }
    terms
}

/// Well-shaped terms on NI `n`: its unit, from 50 two a year in its better direction.
pub fn fitting(n: i32) -> pb::Terms {
    match measure(n).1 {
        laa_core::Polarity::HigherIsBetter => on(n, 50.0, [52.0, 54.0, 56.0]),
        laa_core::Polarity::LowerIsBetter => on(n, 50.0, [48.0, 46.0, 44.0]),
    }
}

/// Percent values terms: a baseline (2007) and three years.
pub fn pct(baseline: f64, years: [f64; 3]) -> pb::Terms {
    let names = ["2008/09", "2009/10", "2010/11"];
    pb::Terms {
        kind: Some(pb::terms::Kind::Values(pb::TargetValues {
            unit: "percent".into(),
            baseline: Some(pb::Baseline {
                value: baseline,
                period: "2007".into(),
            }),
            trajectory: names
                .iter()
                .zip(years)
                .map(|(y, v)| pb::YearValue {
                    year: (*y).into(),
                    value: Some(pb::year_value::Value::Amount(v)),
                })
                .collect(),
            limit_deterioration: String::new(),
        })),
    }
}

/// Percent terms with 2010/11 deferred to the 2009 refresh.
pub fn pct_deferred(baseline: f64, a: f64, b: f64) -> pb::Terms {
    let mut t = pct(baseline, [a, b, b]);
    if let Some(pb::terms::Kind::Values(v)) = &mut t.kind {
        v.trajectory[2].value = Some(pb::year_value::Value::DeferredTo("2009".into()));
    }
    t
}

/// A placeholder due at the 2009 refresh.
pub fn placeholder(reason: &str) -> pb::Terms {
    pb::Terms {
        kind: Some(pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: reason.into(),
            due: "2009".into(),
        })),
    }
}

/// A fresh request id.
pub fn rid() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub const KENT: &str = "agreements/kent-2008-11";

/// Opens Kent's agreement as its GO; returns the version.
pub async fn open_kent(go: &mut Clients) -> i64 {
    go.agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: "areas/kent".into(),
            round: String::new(),
            indicator_set: 2007,
            request_id: rid(),
            expected_version: 0,
            occurred_at: None,
        })
        .await
        .expect("open kent")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

/// The current version of an agreement.
pub async fn version(c: &mut Clients, name: &str) -> i64 {
    c.agreements
        .get_agreement(pb::GetAgreementRequest { name: name.into() })
        .await
        .expect("get agreement")
        .into_inner()
        .version
}

/// A proposal request on a National Indicator.
pub fn proposal(v: i64, n: i32, terms: pb::Terms) -> pb::ProposeTargetRequest {
    pb::ProposeTargetRequest {
        priority: 0,
        agreement: KENT.into(),
        request_id: rid(),
        expected_version: v,
        indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(n)),
        terms: Some(terms),
        rationale: "three-year rolling average".into(),
        evidence: vec!["LSP evidence base".into()],
        department: String::new(),
        occurred_at: None,
    }
}

/// A proposal by a Government Office, for a department.
pub fn go_proposal(v: i64, n: i32, terms: pb::Terms, department: &str) -> pb::ProposeTargetRequest {
    pb::ProposeTargetRequest {
        department: department.into(),
        ..proposal(v, n, terms)
    }
}

/// Agrees all 16 statutory targets (GO offers for DCSF, area accepts); returns the version.
pub async fn settle_statutory(go: &mut Clients, area: &mut Clients, mut v: i64) -> i64 {
    for target in 1..=16u32 {
        v = go
            .agreements
            .counter_offer(pb::CounterOfferRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target,
                terms: Some(pct_deferred(60.0, 62.0, 64.0)),
                rationale: "DCSF floor".into(),
                evidence: vec![],
                deal_breaker: false,
                department: String::new(),
                occurred_at: None,
            })
            .await
            .expect("statutory offer")
            .into_inner()
            .agreement
            .expect("agreement")
            .version;
        v = accept(area, v, target).await;
    }
    v
}

/// Accepts the open offer on a target; returns the new version.
pub async fn accept(c: &mut Clients, v: i64, target: u32) -> i64 {
    c.agreements
        .accept_offer(pb::AcceptOfferRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            target,
            occurred_at: None,
        })
        .await
        .expect("accept")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

/// Kent's history, as the auditor reads it (one page of up to 1,000 events).
pub async fn kent_history(app: &TestApp) -> Vec<pb::Event> {
    app.clients(Some(&app.tokens.auditor))
        .await
        .audit
        .list_events(pb::ListEventsRequest {
            agreement: KENT.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("Kent's history")
        .into_inner()
        .events
}

/// Kent's agreement opened by the GO with one proposal on it (NI 117, for
/// DCSF), as the corpora act on: its version after the proposal.
pub async fn kent_with_a_proposal(go: &mut Clients) -> i64 {
    let v = open_kent(go).await;
    go.agreements
        .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
        .await
        .expect("a proposal to act on")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

/// Kent endorses its agreement at version `v`; returns the new version.
pub async fn endorse(kent: &mut Clients, v: i64) -> i64 {
    kent.agreements
        .endorse_agreement(pb::EndorseAgreementRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            occurred_at: None,
        })
        .await
        .expect("endorse")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}
