//! `laa demo national-round`: the 2008 round replayed through the API.
//!
//! Every one of the 150 areas gets an LAA opened by its Government Office,
//! the 16 statutory targets agreed (2010/11 deferred to the 2009 refresh),
//! designated targets chosen so that every indicator is chosen by exactly
//! as many areas as the report's Appendix 3d says, proposals from both
//! sides with Whitehall's attributed to departments, counter-offers,
//! deal-breakers, placeholders for the Place Survey indicators, then
//! endorsement, submission and sign-off; then the 2009 refresh rebinds to
//! set 2008, fills the placeholders and deferred years, and revisits a
//! quarter of the targets. Every step is a real gRPC call with a real
//! credential for its role. The run is deterministic for a `--seed`.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use clap::Subcommand;
use laa_core::catalogue::Owner;
use laa_core::{Catalogue, Region, Role, Scope};
use laa_proto::v1 as pb;
use laa_store::Store;

use super::{Clients, output};
use crate::serve::{SyncMode, open_store};

/// The Place Survey indicators: no baseline until the survey of autumn 2008.
pub const PLACE_SURVEY: [u16; 18] = [
    1, 2, 3, 4, 5, 6, 17, 21, 22, 23, 27, 37, 41, 42, 119, 138, 139, 140,
];

/// `laa demo`.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Replay the 2008 national round (150 LAAs, sign-off, first refresh) through the gRPC API.
    NationalRound {
        /// A running server to replay against (needs --database-url to issue the demo's credentials).
        #[arg(long, conflicts_with = "embedded")]
        server: Option<String>,
        /// Start a server in this process on a fresh SQLite file (or on --database-url).
        #[arg(long)]
        embedded: bool,
        /// The server's database, to issue one credential per role, GO and area.
        #[arg(long, env = "LAA_DATABASE_URL")]
        database_url: Option<String>,
        /// The seed: the same seed replays the same round.
        #[arg(long, default_value_t = 2008)]
        seed: u64,
        /// Replay only the first N areas (the selections are then not the report's).
        #[arg(long)]
        areas: Option<usize>,
        /// Concurrent negotiations.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A small deterministic generator (SplitMix64), so a seed replays a round exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Assigns designated indicators to areas so that each indicator is chosen
/// by exactly its Appendix 3d count, spreading them so no area exceeds the
/// cap: the most chosen indicators first, each to the areas with the fewest
/// so far (ties broken by the seed).
pub fn assign_selections(
    catalogue: &Catalogue,
    areas: usize,
    cap: usize,
    seed: u64,
) -> Result<Vec<Vec<u16>>, String> {
    let mut counts: Vec<(u16, usize)> = catalogue
        .indicators()
        .filter_map(|i| {
            i.laa_selections_2008
                .map(|c| (i.number.get(), usize::from(c)))
        })
        .filter(|(_, c)| *c > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut rng = Rng::new(seed);
    let tiebreak: Vec<u64> = (0..areas).map(|_| rng.next()).collect();
    let mut chosen: Vec<Vec<u16>> = vec![Vec::new(); areas];
    for (indicator, count) in counts {
        // A subset of the country takes its share of each count.
        let count = if areas >= 150 {
            count
        } else {
            (count * areas + 75) / 150
        }
        .min(areas);
        let mut order: Vec<usize> = (0..areas).collect();
        order.sort_by_key(|&a| {
            (
                chosen[a].len(),
                tiebreak[a] ^ u64::from(indicator).wrapping_mul(0x2545_F491_4F6C_DD1D),
            )
        });
        for &a in order.iter().take(count) {
            if chosen[a].len() >= cap {
                return Err(format!(
                    "cannot place NI {indicator} without exceeding the cap of {cap}"
                ));
            }
            chosen[a].push(indicator);
        }
    }
    for list in &mut chosen {
        list.sort_unstable();
    }
    Ok(chosen)
}

/// The Whitehall department a Government demand on an indicator is attributed to.
pub fn department_for(catalogue: &Catalogue, number: u16) -> String {
    let Some(i) = laa_core::IndicatorNumber::new(number)
        .ok()
        .and_then(|n| catalogue.indicator(n))
    else {
        return "CLG".into();
    };
    if let Owner::Dso(d) = &i.owner {
        return d.to_string();
    }
    let group = i.subject_group.to_ascii_lowercase();
    if group.starts_with("children") {
        "DCSF"
    } else if group.starts_with("safer") {
        "HO"
    } else if group.starts_with("adult health") {
        "DH"
    } else if group.starts_with("environmental") {
        "Defra"
    } else if group.starts_with("local economy") {
        "BERR"
    } else if group.starts_with("tackling exclusion") {
        "DWP"
    } else {
        "CLG"
    }
    .into()
}

fn values(baseline: f64, step: f64, defer_last: bool) -> pb::Terms {
    let years = ["2008/09", "2009/10", "2010/11"];
    let trajectory = years
        .iter()
        .enumerate()
        .map(|(k, y)| pb::YearValue {
            year: (*y).into(),
            value: Some(if defer_last && k == 2 {
                pb::year_value::Value::DeferredTo("2009".into())
            } else {
                pb::year_value::Value::Amount(
                    ((baseline + step * (k as f64 + 1.0)) * 10.0).round() / 10.0,
                )
            }),
        })
        .collect();
    pb::Terms {
        kind: Some(pb::terms::Kind::Values(pb::TargetValues {
            unit: "percent".into(),
            baseline: Some(pb::Baseline {
                value: baseline,
                period: "2007".into(),
            }),
            trajectory,
        })),
    }
}

/// A rate per 100,000 falling from `baseline` by `step` a year.
fn rate(baseline: f64, step: f64) -> pb::Terms {
    let mut terms = values(baseline, step, false);
    if let Some(pb::terms::Kind::Values(v)) = &mut terms.kind {
        v.unit = "rate".into();
    }
    terms
}

fn placeholder() -> pb::Terms {
    pb::Terms {
        kind: Some(pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: "awaiting_survey".into(),
            due: "2009".into(),
        })),
    }
}

/// The credentials the demo acts with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// One GO negotiator per region.
    pub go: BTreeMap<Region, String>,
    /// One negotiator per area code.
    pub area: BTreeMap<String, String>,
    /// Ministers' sign-off.
    pub sign_off: String,
    /// A CLG auditor.
    pub auditor: String,
}

/// Issues the demo's credentials on the store.
pub async fn issue_credentials(
    store: &Store,
    areas: &[laa_core::areas::AreaEntry],
) -> Result<Credentials, String> {
    let issue = |role: Role, scope: Scope, label: String| async move {
        store
            .issue_token(role, scope, &label)
            .await
            .map(|(_, secret)| secret)
            .map_err(|e| format!("error: issuing a demo credential: {e}"))
    };
    let mut go = BTreeMap::new();
    for region in Region::ALL {
        go.insert(
            region,
            issue(
                Role::GoNegotiator,
                Scope::Region(region),
                format!("{region}:demo-negotiator"),
            )
            .await?,
        );
    }
    let mut area = BTreeMap::new();
    for a in areas {
        area.insert(
            a.code.to_string(),
            issue(
                Role::AreaNegotiator,
                Scope::Area(a.code.clone()),
                format!("{}:demo-officer", a.code),
            )
            .await?,
        );
    }
    Ok(Credentials {
        go,
        area,
        sign_off: issue(Role::SignOff, Scope::National, "clg:demo-minister".into()).await?,
        auditor: issue(Role::Auditor, Scope::National, "clg:demo-auditor".into()).await?,
    })
}

/// One area's negotiation, driven through three clients.
struct Negotiation<'a> {
    go: Clients,
    area: Clients,
    minister: Clients,
    name: String,
    version: i64,
    rng: Rng,
    catalogue: &'a Catalogue,
    commands: u64,
}

macro_rules! call {
    ($self:ident, $client:ident . $method:ident ( $req:expr )) => {{
        let response = $self
            .$client
            .agreements
            .$method($req)
            .await
            .map_err(|s| {
                format!(
                    "{} {}: {}",
                    $self.name,
                    stringify!($method),
                    output::failure(&s)
                )
            })?
            .into_inner();
        $self.commands += 1;
        if let Some(a) = &response.agreement {
            $self.version = a.version;
        }
        response
    }};
}

impl Negotiation<'_> {
    /// The agreement, a request id and the expected version for the next
    /// command: the request id is derived from the agreement and its
    /// version, so a rerun of the same seed sends the same ids.
    fn envelope(&self) -> (String, String, i64) {
        (self.name.clone(), self.rid(), self.version)
    }

    fn rid(&self) -> String {
        format!(
            "demo-{}-{}",
            self.name.trim_start_matches("agreements/"),
            self.version
        )
    }

    async fn run(&mut self, area: &str, selections: &[u16]) -> Result<(), String> {
        let request_id = self.rid();
        let opened = call!(
            self,
            go.open_agreement(pb::OpenAgreementRequest {
                area: format!("areas/{area}"),
                round: "2008-11".into(),
                indicator_set: 2007,
                request_id,
                expected_version: 0,
            })
        );
        let statutory: Vec<u32> = opened
            .agreement
            .map(|a| a.targets.iter().map(|t| t.id).collect())
            .unwrap_or_default();
        // The statutory targets: the GO proposes for DCSF, the area accepts; 2010/11 is set at the 2009 refresh.
        for target in statutory {
            let base = 40.0 + self.rng.below(40) as f64;
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                go.counter_offer(pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target,
                    terms: Some(values(base, 2.0, true)),
                    rationale: "DCSF floor targets, from the 2007 results".into(),
                    evidence: vec!["DCSF statistical first release 2007".into()],
                    deal_breaker: false,
                })
            );
            self.accept(target, false).await?;
        }
        // Designated targets: proposals from both sides, some countered, Place Survey ones as placeholders.
        for &n in selections {
            let by_go = self.rng.chance(45);
            let terms = if PLACE_SURVEY.contains(&n) {
                placeholder()
            } else {
                values(30.0 + self.rng.below(50) as f64, 1.5, false)
            };
            let department = if by_go {
                department_for(self.catalogue, n)
            } else {
                String::new()
            };
            let (agreement, request_id, expected_version) = self.envelope();
            let proposal = pb::ProposeTargetRequest {
                agreement,
                request_id,
                expected_version,
                indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(
                    i32::from(n),
                )),
                terms: Some(terms.clone()),
                rationale: "a local priority on the evidence of three-year rolling averages".into(),
                evidence: vec!["Local Strategic Partnership evidence base".into()],
                department,
            };
            let r = if by_go {
                call!(self, go.propose_target(proposal))
            } else {
                call!(self, area.propose_target(proposal))
            };
            let target = r.target;
            let countered = !PLACE_SURVEY.contains(&n) && self.rng.chance(30);
            if countered {
                let stretch = values(30.0 + self.rng.below(50) as f64, 2.0, false);
                let deal_breaker = self.rng.chance(10);
                let (agreement, request_id, expected_version) = self.envelope();
                let counter = pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target,
                    terms: Some(stretch),
                    rationale: "the evidence supports a different trajectory".into(),
                    evidence: vec![],
                    deal_breaker,
                };
                if by_go {
                    call!(self, area.counter_offer(counter))
                } else {
                    call!(self, go.counter_offer(counter))
                };
                self.accept(target, by_go).await?;
            } else {
                self.accept(target, !by_go).await?;
            }
        }
        // Now and then a department asks for one more and the area refuses it as a deal-breaker.
        if self.rng.chance(15) && selections.len() < 35 && !selections.contains(&120) {
            let (agreement, request_id, expected_version) = self.envelope();
            let r = call!(
                self,
                go.propose_target(pb::ProposeTargetRequest {
                    agreement,
                    request_id,
                    expected_version,
                    indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(120)),
                    terms: Some(rate(700.0, -10.0)),
                    rationale: "DH: all-age all-cause mortality".into(),
                    evidence: vec![],
                    department: "DH".into(),
                })
            );
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                area.decline_target(pb::DeclineTargetRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target: r.target,
                    reason: "this is a deal breaker: we do not want this indicator in".into(),
                    deal_breaker: true,
                })
            );
        }
        self.sign_off().await?;
        // The 2009 refresh: rebind to set 2008, set the placeholders and deferred years, revisit a quarter.
        let (agreement, request_id, expected_version) = self.envelope();
        let refreshed = call!(
            self,
            go.open_refresh(pb::OpenRefreshRequest {
                agreement,
                request_id,
                expected_version,
                round: "2009".into(),
                indicator_set: 2008,
            })
        );
        let targets = refreshed.agreement.map(|a| a.targets).unwrap_or_default();
        for t in targets
            .iter()
            .filter(|t| t.status != pb::TargetStatus::Withdrawn as i32)
        {
            let due = match t.agreed.as_ref().and_then(|a| a.kind.as_ref()) {
                Some(pb::terms::Kind::Placeholder(_)) => true,
                Some(pb::terms::Kind::Values(v)) => v
                    .trajectory
                    .iter()
                    .any(|y| matches!(y.value, Some(pb::year_value::Value::DeferredTo(_)))),
                None => false,
            };
            if !due && !self.rng.chance(25) {
                continue;
            }
            let (agreement, request_id, expected_version) = self.envelope();
            call!(
                self,
                go.counter_offer(pb::CounterOfferRequest {
                    agreement,
                    request_id,
                    expected_version,
                    target: t.id,
                    terms: Some(values(35.0 + self.rng.below(40) as f64, 1.8, false)),
                    rationale: if due {
                        "values now that the Place Survey has reported".into()
                    } else {
                        "revisited at the 2009 refresh".into()
                    },
                    evidence: vec!["Place Survey 2008".into()],
                    deal_breaker: false,
                })
            );
            self.accept(t.id, false).await?;
        }
        self.sign_off().await
    }

    /// The side that did not make the offer accepts it.
    async fn accept(&mut self, target: u32, go_accepts: bool) -> Result<(), String> {
        let (agreement, request_id, expected_version) = self.envelope();
        let request = pb::AcceptOfferRequest {
            agreement,
            request_id,
            expected_version,
            target,
        };
        if go_accepts {
            call!(self, go.accept_offer(request))
        } else {
            call!(self, area.accept_offer(request))
        };
        Ok(())
    }

    async fn sign_off(&mut self) -> Result<(), String> {
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            area.endorse_agreement(pb::EndorseAgreementRequest {
                agreement,
                request_id,
                expected_version
            })
        );
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            go.submit_agreement(pb::SubmitAgreementRequest {
                agreement,
                request_id,
                expected_version
            })
        );
        let (agreement, request_id, expected_version) = self.envelope();
        call!(
            self,
            minister.sign_off_agreement(pb::SignOffAgreementRequest {
                agreement,
                request_id,
                expected_version
            })
        );
        Ok(())
    }
}

/// What a round produced, for printing and for tests.
#[derive(Debug, Clone)]
pub struct RoundReport {
    /// The server's national summary, read with the auditor's credential.
    pub summary: pb::NegotiationSummary,
    /// Commands sent.
    pub commands: u64,
    /// Seconds taken by the negotiations.
    pub seconds: f64,
    /// Indicators whose national count differs from Appendix 3d (empty when all match).
    pub mismatches: Vec<(u16, u16, i32)>,
    /// How many areas took part.
    pub areas: usize,
}

/// Replays the round against `server` with `credentials`.
pub async fn national_round(
    server: &str,
    credentials: &Credentials,
    areas: &[laa_core::areas::AreaEntry],
    seed: u64,
    concurrency: usize,
    progress: bool,
) -> Result<RoundReport, String> {
    let catalogue = Catalogue::national().map_err(|e| format!("error: {e}"))?;
    let full = areas.len() == 150;
    let selections = assign_selections(&catalogue, areas.len(), 35, seed)?;
    let started = Instant::now();
    let total = areas.len();
    let mut done = 0usize;
    let mut commands = 0u64;
    let mut work = areas.iter().zip(selections).enumerate();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < concurrency.max(1) {
            let Some((k, (area, chosen))) = work.next() else {
                break;
            };
            let go = credentials
                .go
                .get(&area.region)
                .cloned()
                .unwrap_or_default();
            let officer = credentials
                .area
                .get(area.code.as_str())
                .cloned()
                .unwrap_or_default();
            let minister = credentials.sign_off.clone();
            let server = server.to_owned();
            let code = area.code.to_string();
            let catalogue = catalogue.clone();
            running.spawn(async move {
                let mut n = Negotiation {
                    go: Clients::connect(&server, Some(&go)).await?,
                    area: Clients::connect(&server, Some(&officer)).await?,
                    minister: Clients::connect(&server, Some(&minister)).await?,
                    name: format!("agreements/{code}-2008-11"),
                    version: 0,
                    rng: Rng::new(seed.wrapping_add(k as u64 * 7919)),
                    catalogue: &catalogue,
                    commands: 0,
                };
                n.run(&code, &chosen).await?;
                Ok::<u64, String>(n.commands)
            });
        }
        let Some(finished) = running.join_next().await else {
            break;
        };
        commands += finished.map_err(|e| format!("error: a negotiation task failed: {e}"))??;
        done += 1;
        if progress {
            let width = 40;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} LAAs signed off and refreshed",
                "=".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprintln!();
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut auditor = Clients::connect(server, Some(&credentials.auditor)).await?;
    let summary = auditor
        .audit
        .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
        .await
        .map_err(|s| output::failure(&s))?
        .into_inner();
    let mismatches = if full {
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
    Ok(RoundReport {
        summary,
        commands,
        seconds,
        mismatches,
        areas: total,
    })
}

/// Runs `laa demo`.
pub async fn run(command: DemoCommand) -> Result<(), String> {
    let DemoCommand::NationalRound {
        server,
        embedded,
        database_url,
        seed,
        areas: limit,
        concurrency,
        json,
    } = command;
    let all = laa_core::areas::areas_2008().map_err(|e| format!("error: {e}"))?;
    let areas: Vec<_> = all.into_iter().take(limit.unwrap_or(150)).collect();
    let scratch = std::env::temp_dir().join(format!("laa-demo-{}-{seed}.db", std::process::id()));
    let (server_url, store, serving) = if embedded || server.is_none() {
        let url =
            database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", scratch.display()));
        let store = open_store(&url, SyncMode::Full).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("error: {e}"))?;
        let address = listener.local_addr().map_err(|e| format!("error: {e}"))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving_store = store.clone();
        let handle = tokio::spawn(async move {
            laa_server::serve(
                serving_store,
                listener,
                laa_server::ServerConfig::default(),
                async {
                    let _ = stopped.await;
                },
            )
            .await
        });
        eprintln!("embedded server on {address} ({url})");
        (format!("http://{address}"), store, Some((stop, handle)))
    } else {
        let url = database_url.ok_or("error: --server needs --database-url (or LAA_DATABASE_URL) to issue the demo's credentials")?;
        (
            server.unwrap_or_default(),
            open_store(&url, SyncMode::Full).await?,
            None,
        )
    };
    let credentials = issue_credentials(&store, &areas).await?;
    let report = national_round(&server_url, &credentials, &areas, seed, concurrency, !json).await;
    if let Some((stop, handle)) = serving {
        let _ = stop.send(());
        let _ = handle.await;
        let _ = std::fs::remove_file(&scratch);
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
        }
    }
    let report = report?;
    print_report(&report, json);
    if report.mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "error: {} indicators differ from Appendix 3d",
            report.mismatches.len()
        ))
    }
}

fn print_report(r: &RoundReport, json: bool) {
    let s = &r.summary;
    let chosen = |n: i32| s.selections_by_indicator.get(&n).copied().unwrap_or(0);
    let total: i64 = s
        .selections_by_indicator
        .values()
        .map(|v| i64::from(*v))
        .sum();
    let catalogue_size = Catalogue::national()
        .map(|c| {
            c.indicators()
                .filter(|i| i.laa_selections_2008.is_some())
                .count()
        })
        .unwrap_or(0);
    let none = catalogue_size.saturating_sub(
        s.selections_by_indicator
            .values()
            .filter(|v| **v > 0)
            .count(),
    );
    let rate = r.commands as f64 / r.seconds.max(f64::EPSILON);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "areas": r.areas, "agreements": s.agreements, "signed_off": s.signed_off,
                "designated_selections": total, "indicators_chosen_by_none": none,
                "ni_117": chosen(117), "ni_112": chosen(112),
                "originated_by_government": s.originated_by_government, "originated_by_area": s.originated_by_area,
                "counter_offers": s.counter_offers, "deal_breakers": s.deal_breakers, "placeholders": s.placeholders,
                "matches_appendix_3d": if r.areas == 150 { serde_json::json!(r.mismatches.is_empty()) } else { serde_json::Value::Null },
                "commands": r.commands, "seconds": r.seconds, "commands_per_second": rate,
            })
        );
        return;
    }
    println!(
        "national round: {} areas, {} agreements signed off and refreshed",
        r.areas, s.agreements
    );
    println!("  designated selections       {total} (Appendix 3d: 4,689 over 183 indicators)");
    println!(
        "  NI 117 (NEET)               {} LAAs (report: 115)",
        chosen(117)
    );
    println!(
        "  NI 112 (under-18 conception){:>4} LAAs (report: 106)",
        chosen(112)
    );
    println!("  indicators chosen by none   {none} (report: 19)");
    println!(
        "  targets proposed by GOs     {}",
        s.originated_by_government
    );
    println!("  targets proposed by areas   {}", s.originated_by_area);
    println!("  counter-offers              {}", s.counter_offers);
    println!("  deal-breakers               {}", s.deal_breakers);
    println!("  placeholders outstanding    {}", s.placeholders);
    if r.areas == 150 {
        println!(
            "  Appendix 3d                 {}",
            if r.mismatches.is_empty() {
                "every indicator matches".to_owned()
            } else {
                format!("{} indicators differ", r.mismatches.len())
            }
        );
    }
    println!(
        "  throughput                  {} commands in {:.1} s: {:.0} commands/s",
        r.commands, r.seconds, rate
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_reproduce_appendix_3d_within_the_cap() {
        let catalogue = Catalogue::national().unwrap();
        let chosen = assign_selections(&catalogue, 150, 35, 7).unwrap();
        assert!(chosen.iter().all(|c| c.len() <= 35));
        let mut counts: BTreeMap<u16, u16> = BTreeMap::new();
        for list in &chosen {
            for n in list {
                *counts.entry(*n).or_default() += 1;
            }
        }
        for i in catalogue.indicators() {
            if let Some(expected) = i.laa_selections_2008 {
                assert_eq!(
                    counts.get(&i.number.get()).copied().unwrap_or(0),
                    expected,
                    "NI {}",
                    i.number.get()
                );
            }
        }
        assert_eq!(chosen.iter().map(Vec::len).sum::<usize>(), 4_689);
        assert_eq!(
            assign_selections(&catalogue, 150, 35, 7).unwrap(),
            chosen,
            "deterministic for a seed"
        );
    }

    #[test]
    fn the_seeded_generator_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(2);
            (0..5).map(|_| r.next()).collect::<Vec<_>>()
        });
    }
}
