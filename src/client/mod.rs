//! The client commands: people's way into a running `laa serve`.
//!
//! Every command connects to `--server` (default http://127.0.0.1:50051)
//! with the bearer token from `--token` or `LAA_TOKEN`, prints a table for
//! people or JSON for scripts (`--output json`), and on failure prints the
//! reason and what to do about it, exiting non-zero.
//!
//! Commands that change an agreement fetch it first to name its current
//! version (`--expected-version` overrides) and send a fresh request id
//! (`--request-id` overrides, to retry safely).

mod demo;
mod output;
mod terms;

use clap::{Args, Subcommand, ValueEnum};
use laa_proto::v1 as pb;
use pb::agreement_service_client::AgreementServiceClient;
use pb::area_service_client::AreaServiceClient;
use pb::audit_service_client::AuditServiceClient;
use pb::indicator_service_client::IndicatorServiceClient;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub use demo::DemoCommand;
use output::Output;
use terms::TermsArgs;

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Tables and sentences, for people.
    #[default]
    Table,
    /// JSON, for scripts.
    Json,
}

/// Where the server is and who is calling.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The server's address.
    #[arg(long, env = "LAA_SERVER", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// The bearer token (prefer the LAA_TOKEN environment variable: arguments are visible to other users).
    #[arg(long, env = "LAA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub output: Format,
}

/// Options every command that changes an agreement takes.
#[derive(Debug, Clone, Args)]
pub struct Change {
    /// The agreement, such as kent-2008-11 (or agreements/kent-2008-11).
    #[arg(long)]
    pub agreement: String,
    /// The agreement version you last saw (default: fetch the current one).
    #[arg(long)]
    pub expected_version: Option<i64>,
    /// An idempotency key: sending the same one again returns the first result (default: a fresh one).
    #[arg(long)]
    pub request_id: Option<String>,
}

/// Which target: by number, or by the National Indicator it measures.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// The target's number within the agreement.
    #[arg(long)]
    pub target: Option<u32>,
    /// The National Indicator of the target (its live target is meant).
    #[arg(long)]
    pub indicator: Option<i32>,
}

/// The client commands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// The National Indicator Set.
    #[command(subcommand)]
    Indicators(IndicatorsCommand),
    /// Upper-tier areas.
    #[command(subcommand)]
    Areas(AreasCommand),
    /// List, show and open agreements.
    #[command(subcommand)]
    Agreements(AgreementsCommand),
    /// Negotiate targets: propose, counter, accept, decline, withdraw.
    #[command(subcommand)]
    Targets(TargetsCommand),
    /// Move an agreement through its lifecycle: endorse, submit, return, sign-off, open-refresh.
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// Record actual values after sign-off.
    #[command(subcommand)]
    Actuals(ActualsCommand),
    /// An agreement's deal history: show, follow, verify, export.
    #[command(subcommand)]
    History(HistoryCommand),
    /// The negotiation analytics, for one area or the whole country.
    Summary {
        /// One area's agreement (default: every agreement you may read).
        #[arg(long)]
        area: Option<String>,
        /// The round, with --area.
        #[arg(long, default_value = "2008-11")]
        round: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Demonstrations.
    #[command(subcommand)]
    Demo(DemoCommand),
}

/// `laa indicators`.
#[derive(Debug, Subcommand)]
pub enum IndicatorsCommand {
    /// List the indicators of a set version.
    List {
        /// The set version.
        #[arg(long, default_value_t = 2008)]
        set: i32,
        /// Only the statutory ones.
        #[arg(long)]
        statutory: bool,
        /// Only this subject group, such as "Safer communities".
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Show one indicator.
    Show {
        /// Its number, such as 117.
        number: i32,
        /// The set version.
        #[arg(long, default_value_t = 2008)]
        set: i32,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `laa areas`.
#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// List areas.
    List {
        /// Only one Government Office region: gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw.
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `laa agreements`.
#[derive(Debug, Subcommand)]
pub enum AgreementsCommand {
    /// List the agreements you may read.
    List {
        /// Only one region.
        #[arg(long)]
        region: Option<String>,
        /// Only one status: draft, submitted, placeholder, agreed, refresh_open, refreshed, closed.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Show one agreement with its targets.
    Show {
        /// The agreement, such as kent-2008-11.
        agreement: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Open an area's agreement (GO negotiator).
    Open {
        /// The area, such as kent.
        #[arg(long)]
        area: String,
        /// The indicator set version to bind.
        #[arg(long, default_value_t = 2007)]
        set: i32,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
        /// An idempotency key.
        #[arg(long)]
        request_id: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `laa targets`.
#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// Propose a target on a National Indicator (or a local one).
    Propose {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 117.
        #[arg(long, conflicts_with = "local_code")]
        indicator: Option<i32>,
        /// A local indicator's code, such as l-graffiti (with --local-title).
        #[arg(long, requires = "local_title")]
        local_code: Option<String>,
        /// A local indicator's title.
        #[arg(long)]
        local_title: Option<String>,
        #[command(flatten)]
        terms: TermsArgs,
        /// Why: the argument from evidence.
        #[arg(long)]
        rationale: String,
        /// A reference to evidence (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// For Government proposals, the department asking, such as HO, DCSF, DH.
        #[arg(long)]
        department: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Answer the open offer with other terms (or offer terms where none is open).
    Counter {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        terms: TermsArgs,
        /// Why.
        #[arg(long)]
        rationale: String,
        /// A reference to evidence (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// Your side will not sign without these terms.
        #[arg(long)]
        deal_breaker: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Accept the other side's open offer.
    Accept {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        conn: Connection,
    },
    /// Decline a target the other side proposed.
    Decline {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Your side will not sign an agreement that includes it.
        #[arg(long)]
        deal_breaker: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Withdraw a target your side proposed.
    Withdraw {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `laa agreement`.
#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Endorse the current terms (area negotiator).
    Endorse {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        conn: Connection,
    },
    /// Recommend the agreement to Ministers (GO negotiator).
    Submit {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        conn: Connection,
    },
    /// Return a submitted agreement to its negotiation (sign-off).
    Return {
        #[command(flatten)]
        change: Change,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Sign a submitted agreement off (sign-off).
    SignOff {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        conn: Connection,
    },
    /// Open a refresh round (GO negotiator).
    OpenRefresh {
        #[command(flatten)]
        change: Change,
        /// The refresh round, such as 2009.
        #[arg(long)]
        round: String,
        /// Rebind to a newer indicator set, such as 2008.
        #[arg(long)]
        set: Option<i32>,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `laa actuals`.
#[derive(Debug, Subcommand)]
pub enum ActualsCommand {
    /// Record a target's actual value for a year (area negotiator).
    Record {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// The year, such as 2008/09.
        #[arg(long)]
        year: String,
        /// The value.
        #[arg(long)]
        value: f64,
        /// Where it comes from.
        #[arg(long)]
        source: String,
        #[command(flatten)]
        conn: Connection,
    },
}

/// How `history export` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// A JSON array of events.
    Json,
    /// CSV, one event per row.
    Csv,
}

/// `laa history`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Print an agreement's events.
    Show {
        /// The agreement.
        agreement: String,
        /// The first sequence to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
        #[command(flatten)]
        conn: Connection,
    },
    /// Print events as they are appended, until interrupted.
    Follow {
        /// The agreement.
        agreement: String,
        /// The first sequence to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
        #[command(flatten)]
        conn: Connection,
    },
    /// Verify the hash chain of an agreement's history (exit 1 if broken).
    Verify {
        /// The agreement.
        agreement: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Export the whole history.
    Export {
        /// The agreement.
        agreement: String,
        /// The format.
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        #[command(flatten)]
        conn: Connection,
    },
}

/// Adds the bearer token to every request.
#[derive(Clone)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Bearer>;

/// Connected clients for the four services.
pub struct Clients {
    pub indicators: IndicatorServiceClient<Authed>,
    pub areas: AreaServiceClient<Authed>,
    pub agreements: AgreementServiceClient<Authed>,
    pub audit: AuditServiceClient<Authed>,
}

impl Clients {
    /// Connects to the server with the given token.
    pub async fn connect(server: &str, token: Option<&str>) -> Result<Self, String> {
        let channel = Channel::from_shared(server.to_owned())
            .map_err(|e| format!("error: '{server}' is not a server address such as http://127.0.0.1:50051: {e}"))?
            .tcp_nodelay(true)
            .connect()
            .await
            .map_err(|e| format!("error: cannot reach the server at {server}: {e}\nhint: start it with `laa serve`, or point --server / LAA_SERVER at it"))?;
        let bearer = match token {
            Some(t) => Some(format!("Bearer {}", t.trim()).parse().map_err(|_| {
                "error: the token contains characters a header cannot carry".to_owned()
            })?),
            None => None,
        };
        let b = Bearer(bearer);
        Ok(Self {
            indicators: IndicatorServiceClient::with_interceptor(channel.clone(), b.clone()),
            areas: AreaServiceClient::with_interceptor(channel.clone(), b.clone()),
            agreements: AgreementServiceClient::with_interceptor(channel.clone(), b.clone()),
            audit: AuditServiceClient::with_interceptor(channel, b),
        })
    }
}

async fn connect(conn: &Connection) -> Result<(Clients, Output), String> {
    if conn.token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err("error: no token: set LAA_TOKEN (or pass --token); an administrator issues one with `laa token issue`".into());
    }
    Ok((
        Clients::connect(&conn.server, conn.token.as_deref()).await?,
        Output::new(conn.output),
    ))
}

fn agreement_name(a: &str) -> String {
    let a = a.trim();
    if a.starts_with("agreements/") {
        a.to_owned()
    } else {
        format!("agreements/{a}")
    }
}

fn region_number(region: Option<&str>) -> Result<i32, String> {
    let Some(r) = region else { return Ok(0) };
    let region: laa_core::Region = r.parse().map_err(|e| format!("error: {e}"))?;
    Ok(laa_server::convert::region_to_pb(region) as i32)
}

fn status_number(status: Option<&str>) -> Result<i32, String> {
    let Some(s) = status else { return Ok(0) };
    let wanted = format!(
        "AGREEMENT_STATUS_{}",
        s.trim().to_ascii_uppercase().replace('-', "_")
    );
    pb::AgreementStatus::from_str_name(&wanted)
        .map(|s| s as i32)
        .ok_or_else(|| format!("error: '{s}' is not a status: draft, submitted, placeholder, agreed, refresh_open, refreshed, closed"))
}

/// The version to send and the agreement as fetched (to resolve `--indicator`).
async fn current(clients: &mut Clients, change: &Change) -> Result<(i64, pb::Agreement), String> {
    let agreement = clients
        .agreements
        .get_agreement(pb::GetAgreementRequest {
            name: agreement_name(&change.agreement),
        })
        .await
        .map_err(|s| output::failure(&s))?
        .into_inner();
    Ok((
        change.expected_version.unwrap_or(agreement.version),
        agreement,
    ))
}

fn request_id(change: &Change) -> String {
    change
        .request_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn resolve_target(which: &Which, agreement: &pb::Agreement) -> Result<u32, String> {
    if let Some(t) = which.target {
        return Ok(t);
    }
    let n = which.indicator.unwrap_or_default();
    agreement
        .targets
        .iter()
        .find(|t| {
            t.status != pb::TargetStatus::Withdrawn as i32
                && t.indicator == Some(pb::target::Indicator::IndicatorNumber(n))
        })
        .map(|t| t.id)
        .ok_or_else(|| {
            format!(
                "error: {} has no live target on NI {n}: see `laa agreements show {}`",
                agreement.name, agreement.name
            )
        })
}

/// Runs a client command.
pub async fn run(command: ClientCommand) -> Result<(), String> {
    match command {
        ClientCommand::Indicators(c) => indicators(c).await,
        ClientCommand::Areas(AreasCommand::List { region, conn }) => {
            let (mut clients, out) = connect(&conn).await?;
            let region = region_number(region.as_deref())?;
            let mut areas = Vec::new();
            let mut page_token = String::new();
            loop {
                let r = clients
                    .areas
                    .list_areas(pb::ListAreasRequest {
                        region,
                        page_size: 200,
                        page_token,
                    })
                    .await
                    .map_err(|s| output::failure(&s))?
                    .into_inner();
                areas.extend(r.areas);
                if r.next_page_token.is_empty() {
                    break;
                }
                page_token = r.next_page_token;
            }
            out.areas(&areas);
            Ok(())
        }
        ClientCommand::Agreements(c) => agreements(c).await,
        ClientCommand::Targets(c) => targets(c).await,
        ClientCommand::Agreement(c) => lifecycle(c).await,
        ClientCommand::Actuals(ActualsCommand::Record {
            change,
            which,
            year,
            value,
            source,
            conn,
        }) => {
            let mut p = Prepared::new(&conn, &change, Some(&which)).await?;
            let request = pb::RecordActualRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                target: p.target,
                year,
                value,
                source,
            };
            let result = p.clients.agreements.record_actual(request).await;
            p.finish("actual recorded", result)
        }
        ClientCommand::History(c) => history(c).await,
        ClientCommand::Summary { area, round, conn } => {
            let (mut clients, out) = connect(&conn).await?;
            let agreement = area
                .map(|a| format!("agreements/{}-{round}", a.trim()))
                .unwrap_or_default();
            let s = clients
                .audit
                .get_negotiation_summary(pb::GetNegotiationSummaryRequest {
                    agreement: agreement.clone(),
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            out.summary(&agreement, &s);
            Ok(())
        }
        ClientCommand::Demo(c) => demo::run(c).await,
    }
}

async fn indicators(c: IndicatorsCommand) -> Result<(), String> {
    match c {
        IndicatorsCommand::List {
            set,
            statutory,
            group,
            conn,
        } => {
            let (mut clients, out) = connect(&conn).await?;
            let mut all = Vec::new();
            let mut page_token = String::new();
            loop {
                let r = clients
                    .indicators
                    .list_indicators(pb::ListIndicatorsRequest {
                        indicator_set: set.to_string(),
                        statutory: statutory.then_some(true),
                        status: String::new(),
                        subject_group: group.clone().unwrap_or_default(),
                        page_size: 500,
                        page_token,
                    })
                    .await
                    .map_err(|s| output::failure(&s))?
                    .into_inner();
                all.extend(r.indicators);
                if r.next_page_token.is_empty() {
                    break;
                }
                page_token = r.next_page_token;
            }
            out.indicators(&all);
            Ok(())
        }
        IndicatorsCommand::Show { number, set, conn } => {
            let (mut clients, out) = connect(&conn).await?;
            let i = clients
                .indicators
                .get_indicator(pb::GetIndicatorRequest {
                    name: format!("indicatorSets/{set}/indicators/{number}"),
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            out.indicator(&i);
            Ok(())
        }
    }
}

async fn agreements(c: AgreementsCommand) -> Result<(), String> {
    match c {
        AgreementsCommand::List {
            region,
            status,
            conn,
        } => {
            let (mut clients, out) = connect(&conn).await?;
            let region = region_number(region.as_deref())?;
            let status = status_number(status.as_deref())?;
            let mut all = Vec::new();
            let mut page_token = String::new();
            loop {
                let r = clients
                    .agreements
                    .list_agreements(pb::ListAgreementsRequest {
                        region,
                        status,
                        area: String::new(),
                        page_size: 200,
                        page_token,
                    })
                    .await
                    .map_err(|s| output::failure(&s))?
                    .into_inner();
                all.extend(r.agreements);
                if r.next_page_token.is_empty() {
                    break;
                }
                page_token = r.next_page_token;
            }
            out.agreements(&all);
            Ok(())
        }
        AgreementsCommand::Show { agreement, conn } => {
            let (mut clients, out) = connect(&conn).await?;
            let a = clients
                .agreements
                .get_agreement(pb::GetAgreementRequest {
                    name: agreement_name(&agreement),
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            out.agreement(&a);
            Ok(())
        }
        AgreementsCommand::Open {
            area,
            set,
            round,
            request_id,
            conn,
        } => {
            let (mut clients, out) = connect(&conn).await?;
            let r = clients
                .agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: area.trim().to_owned(),
                    round,
                    indicator_set: set,
                    request_id: request_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                    expected_version: 0,
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            out.changed("agreement opened", &r);
            Ok(())
        }
    }
}

/// A command about to change an agreement: connected, with the version to
/// name, the request id to send and (for target commands) the target.
struct Prepared {
    clients: Clients,
    out: Output,
    agreement: String,
    request_id: String,
    version: i64,
    target: u32,
}

impl Prepared {
    /// Connects, fetches the agreement's version, and resolves the target.
    async fn new(
        conn: &Connection,
        change: &Change,
        which: Option<&Which>,
    ) -> Result<Self, String> {
        let (mut clients, out) = connect(conn).await?;
        let (version, agreement) = current(&mut clients, change).await?;
        let target = match which {
            Some(which) => resolve_target(which, &agreement)?,
            None => 0,
        };
        Ok(Self {
            clients,
            out,
            agreement: agreement_name(&change.agreement),
            request_id: request_id(change),
            version,
            target,
        })
    }

    /// Prints the outcome of the call, or its failure.
    fn finish(
        &self,
        what: &str,
        result: Result<tonic::Response<pb::AgreementResponse>, tonic::Status>,
    ) -> Result<(), String> {
        let response = result.map_err(|s| output::failure(&s))?.into_inner();
        self.out.changed(what, &response);
        Ok(())
    }
}

async fn targets(c: TargetsCommand) -> Result<(), String> {
    match c {
        TargetsCommand::Propose {
            change,
            indicator,
            local_code,
            local_title,
            terms,
            rationale,
            evidence,
            department,
            conn,
        } => {
            let terms = terms.to_pb().map_err(|e| format!("error: {e}"))?;
            let indicator = match (indicator, local_code) {
                (Some(n), None) => pb::propose_target_request::Indicator::IndicatorNumber(n),
                (None, Some(code)) => {
                    pb::propose_target_request::Indicator::LocalIndicator(pb::LocalIndicator {
                        code,
                        title: local_title.unwrap_or_default(),
                    })
                }
                _ => {
                    return Err(
                        "error: give --indicator NUMBER, or --local-code and --local-title".into(),
                    );
                }
            };
            let mut p = Prepared::new(&conn, &change, None).await?;
            let request = pb::ProposeTargetRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                indicator: Some(indicator),
                terms: Some(terms),
                rationale,
                evidence,
                department: department.unwrap_or_default(),
            };
            let result = p.clients.agreements.propose_target(request).await;
            p.finish("target proposed", result)
        }
        TargetsCommand::Counter {
            change,
            which,
            terms,
            rationale,
            evidence,
            deal_breaker,
            conn,
        } => {
            let terms = terms.to_pb().map_err(|e| format!("error: {e}"))?;
            let mut p = Prepared::new(&conn, &change, Some(&which)).await?;
            let request = pb::CounterOfferRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                target: p.target,
                terms: Some(terms),
                rationale,
                evidence,
                deal_breaker,
            };
            let result = p.clients.agreements.counter_offer(request).await;
            p.finish("counter-offer made", result)
        }
        TargetsCommand::Accept {
            change,
            which,
            conn,
        } => {
            let mut p = Prepared::new(&conn, &change, Some(&which)).await?;
            let request = pb::AcceptOfferRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                target: p.target,
            };
            let result = p.clients.agreements.accept_offer(request).await;
            p.finish("offer accepted", result)
        }
        TargetsCommand::Decline {
            change,
            which,
            reason,
            deal_breaker,
            conn,
        } => {
            let mut p = Prepared::new(&conn, &change, Some(&which)).await?;
            let request = pb::DeclineTargetRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                target: p.target,
                reason,
                deal_breaker,
            };
            let result = p.clients.agreements.decline_target(request).await;
            p.finish("target declined", result)
        }
        TargetsCommand::Withdraw {
            change,
            which,
            reason,
            conn,
        } => {
            let mut p = Prepared::new(&conn, &change, Some(&which)).await?;
            let request = pb::WithdrawTargetRequest {
                agreement: p.agreement.clone(),
                request_id: p.request_id.clone(),
                expected_version: p.version,
                target: p.target,
                reason,
            };
            let result = p.clients.agreements.withdraw_target(request).await;
            p.finish("target withdrawn", result)
        }
    }
}

async fn lifecycle(c: AgreementCommand) -> Result<(), String> {
    let (change, conn) = match &c {
        AgreementCommand::Endorse { change, conn }
        | AgreementCommand::Submit { change, conn }
        | AgreementCommand::Return { change, conn, .. }
        | AgreementCommand::SignOff { change, conn }
        | AgreementCommand::OpenRefresh { change, conn, .. } => (change.clone(), conn.clone()),
    };
    let mut p = Prepared::new(&conn, &change, None).await?;
    let (agreement, request_id, expected_version) =
        (p.agreement.clone(), p.request_id.clone(), p.version);
    let a = &mut p.clients.agreements;
    let (what, result) = match c {
        AgreementCommand::Endorse { .. } => (
            "agreement endorsed",
            a.endorse_agreement(pb::EndorseAgreementRequest {
                agreement,
                request_id,
                expected_version,
            })
            .await,
        ),
        AgreementCommand::Submit { .. } => (
            "agreement submitted to Ministers",
            a.submit_agreement(pb::SubmitAgreementRequest {
                agreement,
                request_id,
                expected_version,
            })
            .await,
        ),
        AgreementCommand::Return { reason, .. } => (
            "agreement returned",
            a.return_agreement(pb::ReturnAgreementRequest {
                agreement,
                request_id,
                expected_version,
                reason,
            })
            .await,
        ),
        AgreementCommand::SignOff { .. } => (
            "agreement signed off",
            a.sign_off_agreement(pb::SignOffAgreementRequest {
                agreement,
                request_id,
                expected_version,
            })
            .await,
        ),
        AgreementCommand::OpenRefresh { round, set, .. } => (
            "refresh opened",
            a.open_refresh(pb::OpenRefreshRequest {
                agreement,
                request_id,
                expected_version,
                round,
                indicator_set: set.unwrap_or(0),
            })
            .await,
        ),
    };
    p.finish(what, result)
}

async fn all_events(
    clients: &mut Clients,
    agreement: &str,
    from: i64,
) -> Result<Vec<pb::Event>, String> {
    let mut events = Vec::new();
    let mut page_token = String::new();
    loop {
        let r = clients
            .audit
            .list_events(pb::ListEventsRequest {
                agreement: agreement_name(agreement),
                from_sequence: from,
                page_size: 1000,
                page_token,
            })
            .await
            .map_err(|s| output::failure(&s))?
            .into_inner();
        events.extend(r.events);
        if r.next_page_token.is_empty() {
            return Ok(events);
        }
        page_token = r.next_page_token;
    }
}

async fn history(c: HistoryCommand) -> Result<(), String> {
    match c {
        HistoryCommand::Show {
            agreement,
            from,
            conn,
        } => {
            let (mut clients, out) = connect(&conn).await?;
            let events = all_events(&mut clients, &agreement, from).await?;
            out.events(&events);
            Ok(())
        }
        HistoryCommand::Follow {
            agreement,
            from,
            conn,
        } => {
            let (mut clients, out) = connect(&conn).await?;
            let mut stream = clients
                .audit
                .stream_events(pb::StreamEventsRequest {
                    agreement: agreement_name(&agreement),
                    from_sequence: from,
                    follow: true,
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            while let Some(event) = stream.message().await.map_err(|s| output::failure(&s))? {
                out.event_line(&event);
            }
            Ok(())
        }
        HistoryCommand::Verify { agreement, conn } => {
            let (mut clients, out) = connect(&conn).await?;
            let v = clients
                .audit
                .verify_history(pb::VerifyHistoryRequest {
                    agreement: agreement_name(&agreement),
                })
                .await
                .map_err(|s| output::failure(&s))?
                .into_inner();
            out.verification(&agreement_name(&agreement), &v);
            if v.ok {
                Ok(())
            } else {
                Err(format!(
                    "error: the history of {} is broken at sequence {}: an event was changed, deleted or reordered outside the engine",
                    agreement_name(&agreement),
                    v.first_bad_sequence.unwrap_or_default()
                ))
            }
        }
        HistoryCommand::Export {
            agreement,
            format,
            conn,
        } => {
            let (mut clients, _) = connect(&conn).await?;
            let events = all_events(&mut clients, &agreement, 1).await?;
            match format {
                ExportFormat::Json => println!("{}", output::events_json(&events)),
                ExportFormat::Csv => print!("{}", output::events_csv(&events)),
            }
            Ok(())
        }
    }
}
