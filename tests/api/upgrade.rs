//! Upgrades keep data: databases written by earlier builds, kept as SQL
//! text in `tests/fixtures/upgrade/` (its README says how and from which
//! commit each was made), are restored into fresh databases and opened by
//! this build's `laa serve`. The server must bring their schema up to date
//! and then answer as the old build did: every indicator set, comment,
//! round and area listed as before, every history verifying with the same
//! length and head hash, the old tokens authenticating (the revoked one
//! not), and the old agreements and reference data taking new commands.
//! A second start on the upgraded database must change nothing.
//!
//! Every check reads the fixture's manifest (`NAME.json`), so a fixture
//! from a later commit is added by naming it in [`FIXTURES`].

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, SubsecRound, Utc};
use laa_proto::v1 as pb;
use sea_orm::{ConnectionTrait, Database};
use serde::Deserialize;
use tonic::Code;

use crate::support::{Clients, FreshPostgres, POSTGRES_ENV, clients_at, reason, rid};

/// The fixtures, by the commit of the build that wrote them, oldest first.
const FIXTURES: &[&str] = &["fd251e6"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_databases_of_earlier_builds_open_with_everything_kept() {
    for fixture in FIXTURES {
        upgrade(fixture, Backend::Sqlite).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_databases_of_earlier_builds_open_with_everything_kept() {
    if std::env::var(POSTGRES_ENV).is_err() {
        return;
    }
    for fixture in FIXTURES {
        upgrade(fixture, Backend::Postgres).await;
    }
}

/// The database a fixture was written on.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Its name in the manifest and in the dump's file name.
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Restores one fixture's dump, opens it with this build and checks it
/// against the manifest, gives it new commands, then opens it once more
/// and checks that the second start changed nothing.
async fn upgrade(fixture: &str, backend: Backend) {
    let held = Manifest::read(fixture).database(backend);
    let dump = fixtures().join(format!("{fixture}.{}.sql", backend.name()));
    let sql = std::fs::read_to_string(&dump).unwrap_or_else(|e| panic!("{}: {e}", dump.display()));
    let database = restore(backend, &sql).await;
    let context = format!("{fixture} on {}", backend.name());

    let server = Server::start(&database.url, &context);
    let clients = Credentials::new(&held, &server.url).await;
    tokens_authenticate_as_before(&held, &server.url, &context).await;
    sets_are_listed_as_before(&held, &clients.auditor, &context).await;
    rounds_are_listed_as_before(&held, &clients.auditor, &context).await;
    areas_are_listed_as_before(&held, &clients.auditor, &context).await;
    let upgraded = verify_streams(&held, &clients.auditor, &context).await;
    genesis_records_what_the_tables_held(&held, &upgraded, &context);
    for stream in streams(&held) {
        if let Some(before) = &stream.held {
            assert_eq!(
                &upgraded[&stream.name], before,
                "{context}: {} is not the history the old build reported",
                stream.name
            );
        }
    }
    let commanded = new_commands_take(&clients, &context).await;
    let after_commands = verify_streams(&held, &clients.auditor, &context).await;
    server.stop();

    // A second start finds nothing left to upgrade and changes nothing.
    let server = Server::start(&database.url, &context);
    let clients = Credentials::new(&held, &server.url).await;
    let restarted = verify_streams(&held, &clients.auditor, &context).await;
    assert_eq!(
        restarted, after_commands,
        "{context}: a second start changed a history"
    );
    for (name, head) in commanded {
        verify_one(&clients.auditor, &name, &head, &context).await;
    }
    sets_are_listed_as_before(&held, &clients.auditor, &context).await;
    server.stop();
}

/// The upgrade's genesis events: one per set as it stood and one per
/// comment in the catalogue's stream, one creation per round and area.
fn genesis_records_what_the_tables_held(
    held: &Holdings,
    heads: &BTreeMap<String, Head>,
    context: &str,
) {
    let sets = held.indicator_sets.len();
    let comments: usize = held.indicator_sets.iter().map(|s| s.comments.len()).sum();
    assert_eq!(
        heads["indicator-sets/national"].length,
        i64::try_from(sets + comments).expect("small"),
        "{context}: the catalogue's stream holds a set loaded for each set and a comment for each comment"
    );
    for (name, head) in heads {
        if name.starts_with("rounds/") || name.starts_with("areas/") {
            assert_eq!(head.length, 1, "{context}: {name} holds its creation");
        }
    }
}

// ---------------------------------------------------------------------------
// The manifest.

/// `tests/fixtures/upgrade/`.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade")
}

/// A fixture's manifest: what each of its databases holds, as the build
/// that wrote it reported it.
#[derive(Debug, Deserialize)]
struct Manifest {
    databases: BTreeMap<String, Holdings>,
}

impl Manifest {
    fn read(fixture: &str) -> Manifest {
        let path = fixtures().join(format!("{fixture}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn database(mut self, backend: Backend) -> Holdings {
        self.databases
            .remove(backend.name())
            .unwrap_or_else(|| panic!("the manifest has no {} database", backend.name()))
    }
}

/// What one database holds.
#[derive(Debug, Deserialize)]
struct Holdings {
    indicator_sets: Vec<SetHeld>,
    rounds: Vec<RoundHeld>,
    areas: AreasHeld,
    agreements: Vec<AgreementHeld>,
    tokens: TokensHeld,
}

#[derive(Debug, Deserialize)]
struct SetHeld {
    version: i32,
    status: String,
    active_count: i32,
    withdrawn_count: i32,
    based_on: i32,
    consultation_opens: String,
    consultation_closes: String,
    create_time: Option<String>,
    publish_time: Option<String>,
    comments: Vec<CommentHeld>,
}

#[derive(Debug, Deserialize)]
struct CommentHeld {
    author: String,
    role: String,
    text: String,
    create_time: String,
}

#[derive(Debug, Deserialize)]
struct RoundHeld {
    round: String,
    indicator_set: i32,
    designated_cap: i32,
    statutory_indicators: Vec<i32>,
    years: Vec<String>,
    create_time: String,
}

#[derive(Debug, Deserialize)]
struct AreasHeld {
    count: usize,
    regions: usize,
    created: AreaHeld,
}

#[derive(Debug, Deserialize)]
struct AreaHeld {
    code: String,
    display_name: String,
    /// The region as the wire names it (`REGION_NORTH_WEST`).
    region: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct AgreementHeld {
    id: String,
    round: String,
    indicator_set: i32,
    /// As the wire names it (`AGREEMENT_STATUS_DRAFT`).
    status: String,
    version: i64,
    length: i64,
    head_hash: String,
}

#[derive(Debug, Deserialize)]
struct TokensHeld {
    live: Vec<TokenHeld>,
    revoked: Vec<TokenHeld>,
}

#[derive(Debug, Deserialize)]
struct TokenHeld {
    role: String,
    scope: String,
    label: String,
    expires: Option<String>,
    secret: String,
}

impl Holdings {
    /// The secret of the live token labelled `label`.
    fn secret(&self, label: &str) -> &str {
        self.tokens
            .live
            .iter()
            .find(|t| t.label == label)
            .map(|t| t.secret.as_str())
            .unwrap_or_else(|| panic!("the manifest has no live token labelled {label}"))
    }
}

/// An RFC 3339 time of the manifest, to the microsecond: the precision
/// both databases keep (a time written with nanoseconds on SQLite may come
/// back without them).
fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
        .trunc_subsecs(6)
}

/// A wire time, to the microsecond.
fn wire_instant(at: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.map(|t| {
        DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).expect("nanos"))
            .expect("a time")
            .trunc_subsecs(6)
    })
}

// ---------------------------------------------------------------------------
// Restoring a dump, and this build's server on it.

/// A fresh database holding a fixture's dump, and what keeps it alive.
struct Restored {
    url: String,
    _dir: Option<tempfile::TempDir>,
    _postgres: Option<FreshPostgres>,
}

/// Executes `sql` in a fresh database of `backend`, through sea-orm: the
/// test needs neither `sqlite3` nor `psql`.
async fn restore(backend: Backend, sql: &str) -> Restored {
    let restored = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            Restored {
                url: format!("sqlite://{}/laa.db?mode=rwc", dir.path().display()),
                _dir: Some(dir),
                _postgres: None,
            }
        }
        Backend::Postgres => {
            let admin = std::env::var(POSTGRES_ENV).expect("the test PostgreSQL server");
            let pg = FreshPostgres::create(&admin, "laa_upgrade").await;
            Restored {
                url: pg.url.clone(),
                _dir: None,
                _postgres: Some(pg),
            }
        }
    };
    let db = Database::connect(&restored.url)
        .await
        .expect("connect to the fresh database");
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("the {} dump does not replay: {e}", backend.name()));
    db.close().await.expect("close");
    restored
}

/// This build's `laa serve` on a restored database, logging to a file (a
/// pipe nobody reads could fill and stop it).
struct Server {
    child: Option<Child>,
    url: String,
    log: PathBuf,
    context: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts it and waits until it serves (its schema brought up to date).
    fn start(database_url: &str, context: &str) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("serve.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args([
                "serve",
                "--database-url",
                database_url,
                "--listen",
                "127.0.0.1:0",
                "--http-listen",
                "off",
                "--log-format",
                "json",
            ])
            .env_remove("LAA_DATABASE_URL")
            .env_remove("LAA_CLOCK")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the server's log"))
            .spawn()
            .expect("start laa serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read laa serve's first line");
        let mut server = Server {
            child: Some(child),
            url: String::new(),
            log,
            context: context.to_owned(),
            _dir: dir,
        };
        match line.trim().strip_prefix("laa listening on ") {
            Some(address) => server.url = format!("http://{address}"),
            None => panic!(
                "{context}: this build does not open the old database:\n{}",
                server.stop_and_read_log()
            ),
        }
        server
    }

    /// Stops it with SIGTERM, as a service manager would (the child, by
    /// its own id), and returns its log.
    fn stop_and_read_log(&mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it; its log must hold no error.
    fn stop(mut self) {
        let logs = self.stop_and_read_log();
        assert!(
            !logs.contains("\"level\":\"ERROR\""),
            "{}: the server logged an error:\n{logs}",
            self.context
        );
    }
}

impl Drop for Server {
    /// A test that failed leaves no server behind.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Clients speaking with the old build's tokens.
struct Credentials {
    auditor: Clients,
    kent: Clients,
    go_north_west: Clients,
}

impl Credentials {
    async fn new(held: &Holdings, url: &str) -> Credentials {
        let speak = |label: &'static str| async move {
            clients_at(url, Some(held.secret(label)))
                .await
                .expect("connect")
        };
        Credentials {
            auditor: speak("clg:auditor").await,
            kent: speak("kent:officer").await,
            go_north_west: speak("gonw:negotiator").await,
        }
    }
}

// ---------------------------------------------------------------------------
// What must read as before.

/// Every live token authenticates (any principal may list the sets), and
/// the revoked one is refused.
async fn tokens_authenticate_as_before(held: &Holdings, url: &str, context: &str) {
    for token in &held.tokens.live {
        if let Some(expires) = &token.expires {
            assert!(
                instant(expires) > Utc::now(),
                "{context}: the fixture's token {} expired on {expires}: make the fixture again (tests/fixtures/upgrade/README.md)",
                token.label
            );
        }
        let mut c = clients_at(url, Some(&token.secret)).await.expect("connect");
        c.indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{context}: the live token {} ({}, {}) no longer authenticates: {e:?}",
                    token.label, token.role, token.scope
                )
            });
    }
    assert!(
        !held.tokens.revoked.is_empty(),
        "the fixture holds a revoked token"
    );
    for token in &held.tokens.revoked {
        let mut c = clients_at(url, Some(&token.secret)).await.expect("connect");
        let refused = c
            .indicators
            .list_indicator_sets(pb::ListIndicatorSetsRequest {})
            .await
            .expect_err("a revoked token stays revoked");
        assert_eq!(
            refused.code(),
            Code::Unauthenticated,
            "{context}: {refused:?}"
        );
        assert_eq!(reason(&refused), "UNAUTHENTICATED");
    }
}

/// Every set is listed as it was, with its comments; and no other.
async fn sets_are_listed_as_before(held: &Holdings, auditor: &Clients, context: &str) {
    let mut c = auditor.clone();
    let listed = c
        .indicators
        .list_indicator_sets(pb::ListIndicatorSetsRequest {})
        .await
        .expect("list sets")
        .into_inner()
        .indicator_sets;
    assert_eq!(
        listed.iter().map(|s| s.version).collect::<Vec<_>>(),
        held.indicator_sets
            .iter()
            .map(|s| s.version)
            .collect::<Vec<_>>(),
        "{context}: the sets listed"
    );
    for set in &held.indicator_sets {
        let got = c
            .indicators
            .get_indicator_set(pb::GetIndicatorSetRequest {
                name: set.version.to_string(),
            })
            .await
            .expect("get set")
            .into_inner();
        let what = format!("{context}: set {}", set.version);
        assert_eq!(got.status, set.status, "{what}: status");
        assert_eq!(
            (got.active_count, got.withdrawn_count),
            (set.active_count, set.withdrawn_count),
            "{what}: active and withdrawn indicators"
        );
        assert_eq!(got.based_on, set.based_on, "{what}: based on");
        assert_eq!(
            (&got.consultation_opens, &got.consultation_closes),
            (&set.consultation_opens, &set.consultation_closes),
            "{what}: consultation window"
        );
        assert_eq!(
            wire_instant(got.create_time.as_ref()),
            set.create_time.as_deref().map(instant),
            "{what}: drafted"
        );
        assert_eq!(
            wire_instant(got.publish_time.as_ref()),
            set.publish_time.as_deref().map(instant),
            "{what}: published"
        );
        let comments: Vec<_> = got
            .comments
            .iter()
            .map(|m| {
                (
                    m.author.as_str(),
                    m.role.as_str(),
                    m.text.as_str(),
                    wire_instant(m.create_time.as_ref()),
                )
            })
            .collect();
        let held_comments: Vec<_> = set
            .comments
            .iter()
            .map(|m| {
                (
                    m.author.as_str(),
                    m.role.as_str(),
                    m.text.as_str(),
                    Some(instant(&m.create_time)),
                )
            })
            .collect();
        assert_eq!(comments, held_comments, "{what}: comments");
        // Every indicator the counts promise is there to read.
        let mut indicators = 0;
        let mut page_token = String::new();
        loop {
            let page = c
                .indicators
                .list_indicators(pb::ListIndicatorsRequest {
                    indicator_set: set.version.to_string(),
                    page_size: 500,
                    page_token,
                    ..Default::default()
                })
                .await
                .expect("list indicators")
                .into_inner();
            indicators += page.indicators.len();
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        assert_eq!(
            indicators,
            usize::try_from(set.active_count + set.withdrawn_count).expect("counts"),
            "{what}: indicators listed"
        );
    }
}

/// Every round is listed with the policy it had; and no other.
async fn rounds_are_listed_as_before(held: &Holdings, auditor: &Clients, context: &str) {
    let listed = auditor
        .clone()
        .rounds
        .list_rounds(pb::ListRoundsRequest {})
        .await
        .expect("list rounds")
        .into_inner()
        .rounds;
    assert_eq!(
        listed.iter().map(|r| r.round.as_str()).collect::<Vec<_>>(),
        held.rounds
            .iter()
            .map(|r| r.round.as_str())
            .collect::<Vec<_>>(),
        "{context}: the rounds listed"
    );
    for (got, round) in listed.iter().zip(&held.rounds) {
        assert_eq!(
            (
                got.indicator_set,
                got.designated_cap,
                &got.statutory_indicators,
                &got.years,
                wire_instant(got.create_time.as_ref()),
            ),
            (
                round.indicator_set,
                round.designated_cap,
                &round.statutory_indicators,
                &round.years,
                Some(instant(&round.create_time)),
            ),
            "{context}: round {}",
            round.round
        );
    }
}

/// As many areas in as many regions, and the one an administrator created
/// as it was created.
async fn areas_are_listed_as_before(held: &Holdings, auditor: &Clients, context: &str) {
    let mut c = auditor.clone();
    let mut areas = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = c
            .areas
            .list_areas(pb::ListAreasRequest {
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .expect("list areas")
            .into_inner();
        areas.extend(page.areas);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let regions: std::collections::BTreeSet<_> = areas.iter().map(|a| a.region).collect();
    assert_eq!(
        (areas.len(), regions.len()),
        (held.areas.count, held.areas.regions),
        "{context}: areas and regions"
    );
    let created = &held.areas.created;
    let got = c
        .areas
        .get_area(pb::GetAreaRequest {
            name: format!("areas/{}", created.code),
        })
        .await
        .expect("the created area")
        .into_inner();
    let region = pb::Region::from_str_name(&created.region).expect("a region") as i32;
    assert_eq!(
        (&got.display_name, got.region, &got.kind),
        (&created.display_name, region, &created.kind),
        "{context}: area {}",
        created.code
    );
}

// ---------------------------------------------------------------------------
// The event streams.

/// One event stream an upgraded database must hold intact.
struct Stream {
    /// Its name as `VerifyHistory` takes it (`agreements/kent-2008-11`).
    name: String,
    /// Its length and head hash as the old build reported them; `None`
    /// for a stream the upgrade itself begins.
    held: Option<Head>,
}

/// A history's length and head hash.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    length: i64,
    hash: String,
}

/// Every stream an upgraded database must verify.
///
/// Today the agreements are the only streams, each with the length and
/// head hash the old build reported. When indicator sets, rounds and areas
/// become streams, add theirs here from `held.indicator_sets`,
/// `held.rounds` and `held.areas` (and `held.areas.created`), with `held:
/// None`: their genesis events are written by the upgrade, not by the
/// build that made the fixture, so no hash is known in advance; the test
/// then checks that each verifies and that a second start leaves it
/// unchanged (a genesis written once). If they are verified by another
/// method than `VerifyHistory`, [`verify_one`] is where to say so.
fn streams(held: &Holdings) -> Vec<Stream> {
    let agreements = held.agreements.iter().map(|a| Stream {
        name: format!("agreements/{}", a.id),
        held: Some(Head {
            length: a.length,
            hash: a.head_hash.clone(),
        }),
    });
    let begun = |name: String| Stream { name, held: None };
    let reference = std::iter::once("indicator-sets/national".to_owned())
        .chain(held.rounds.iter().map(|r| format!("rounds/{}", r.round)))
        .chain([
            "areas/kent".to_owned(),
            format!("areas/{}", held.areas.created.code),
        ])
        .map(begun);
    agreements.chain(reference).collect()
}

/// Verifies every stream; their heads by name. An agreement is also read,
/// and must be as the old build left it.
async fn verify_streams(
    held: &Holdings,
    auditor: &Clients,
    context: &str,
) -> BTreeMap<String, Head> {
    let mut heads = BTreeMap::new();
    for stream in streams(held) {
        let head = verify(auditor, &stream.name, context).await;
        heads.insert(stream.name, head);
    }
    for agreement in &held.agreements {
        let got = auditor
            .clone()
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: format!("agreements/{}", agreement.id),
            })
            .await
            .unwrap_or_else(|e| panic!("{context}: agreement {}: {e:?}", agreement.id))
            .into_inner();
        let status = pb::AgreementStatus::from_str_name(&agreement.status).expect("a status");
        assert_eq!(
            (&got.round, got.indicator_set, got.status),
            (&agreement.round, agreement.indicator_set, status as i32),
            "{context}: agreement {}",
            agreement.id
        );
        // Its version is its history's length, the new commands' included.
        let name = format!("agreements/{}", agreement.id);
        assert_eq!(
            got.version, heads[&name].length,
            "{context}: {name}'s version"
        );
        assert!(
            got.version >= agreement.version,
            "{context}: {name} went back"
        );
    }
    heads
}

/// Verifies one stream: intact, its projection as its history replays.
async fn verify(auditor: &Clients, name: &str, context: &str) -> Head {
    let verified = auditor
        .clone()
        .audit
        .verify_history(pb::VerifyHistoryRequest {
            agreement: name.to_owned(),
        })
        .await
        .unwrap_or_else(|e| panic!("{context}: verify {name}: {e:?}"))
        .into_inner();
    assert!(
        verified.ok,
        "{context}: {name} is broken at {:?}",
        verified.first_bad_sequence
    );
    assert!(
        !verified.projection_rebuilt,
        "{context}: {name}'s projection was not what its history replays to"
    );
    Head {
        length: verified.length,
        hash: verified.head_hash,
    }
}

/// Verifies one stream and checks its head.
async fn verify_one(auditor: &Clients, name: &str, head: &Head, context: &str) {
    assert_eq!(
        &verify(auditor, name, context).await,
        head,
        "{context}: {name}"
    );
}

// ---------------------------------------------------------------------------
// What must still be done.

/// The new commands every fixture's upgraded database takes: Kent accepts
/// the offer on NI 154 the GO made under the old build, its history going
/// on from the old head; and the North West's GO opens a new agreement for
/// Lancashire in the round 2011-14 on the set 2011, both created under the
/// old build. Returns the heads of the streams they wrote.
async fn new_commands_take(clients: &Credentials, context: &str) -> Vec<(String, Head)> {
    const KENT: &str = "agreements/kent-2008-11";
    let mut kent = clients.kent.clone();
    let agreement = kent
        .agreements
        .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
        .await
        .expect("Kent's agreement")
        .into_inner();
    let offered = agreement
        .targets
        .iter()
        .find(|t| {
            t.open_offer.is_some()
                && t.indicator == Some(pb::target::Indicator::IndicatorNumber(154))
        })
        .unwrap_or_else(|| panic!("{context}: the fixture's open offer on NI 154"));
    let before = verify(&clients.auditor, KENT, context).await;
    let accepted = kent
        .agreements
        .accept_offer(pb::AcceptOfferRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: agreement.version,
            target: offered.id,
            occurred_at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{context}: Kent accepts the old offer: {e:?}"))
        .into_inner()
        .agreement
        .expect("agreement");
    let after = verify(&clients.auditor, KENT, context).await;
    assert_eq!(after.length, accepted.version, "{context}: Kent's version");
    assert!(after.length > before.length, "{context}: nothing recorded");
    let next = clients
        .auditor
        .clone()
        .audit
        .list_events(pb::ListEventsRequest {
            agreement: KENT.into(),
            from_sequence: before.length + 1,
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("Kent's new event")
        .into_inner()
        .events;
    assert_eq!(
        next.first().map(|e| e.prev_hash.as_str()),
        Some(before.hash.as_str()),
        "{context}: the new event does not chain on from the old head"
    );

    const LANCASHIRE: &str = "agreements/lancashire-2011-14";
    let opened = clients
        .go_north_west
        .clone()
        .agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: "areas/lancashire".into(),
            round: "2011-14".into(),
            indicator_set: 2011,
            request_id: rid(),
            expected_version: 0,
            occurred_at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{context}: open in the old round on the old set: {e:?}"))
        .into_inner()
        .agreement
        .expect("agreement");
    let lancashire = verify(&clients.auditor, LANCASHIRE, context).await;
    assert_eq!(lancashire.length, opened.version, "{context}: Lancashire");
    vec![(KENT.into(), after), (LANCASHIRE.into(), lancashire)]
}
