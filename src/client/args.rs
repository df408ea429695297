//! The client's command line: global options, then one noun per resource
//! with its verbs (`laa agreement show`, `laa target propose`). The plural
//! of each noun is accepted too (`laa agreements list`).

use clap::{Args, Subcommand, ValueEnum};

use super::terms::TermsArgs;

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Tables and sentences, for people (fitted to the terminal's width).
    #[default]
    Table,
    /// The proto3 JSON mapping, for scripts; errors become JSON objects on stderr.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// Options every command takes, before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Output format.
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        default_value = "table",
        env = "LAA_OUTPUT"
    )]
    pub output: Format,
    /// The server's address, with its scheme [default: http://127.0.0.1:50051].
    #[arg(
        long,
        global = true,
        env = "LAA_SERVER",
        help_heading = "Client options"
    )]
    pub server: Option<String>,
    /// A CA certificate (PEM) to trust for an https:// server, besides the system's roots.
    #[arg(
        long,
        global = true,
        env = "LAA_CA_CERT",
        value_name = "FILE",
        help_heading = "Client options"
    )]
    pub ca_cert: Option<std::path::PathBuf>,
    /// The bearer token (prefer the LAA_TOKEN environment variable: arguments are visible to other users).
    #[arg(
        long,
        global = true,
        env = "LAA_TOKEN",
        hide_env_values = true,
        help_heading = "Client options"
    )]
    pub token: Option<String>,
    /// Seconds to wait for a connection to the server.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        default_value_t = 5.0,
        help_heading = "Client options"
    )]
    pub connect_timeout: f64,
    /// Seconds each call may take (following a history is not limited).
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        default_value_t = 30.0,
        help_heading = "Client options"
    )]
    pub timeout: f64,
    /// How many times a call is repeated, with backoff, while the server is
    /// unavailable (a change is repeated with the same request id, so it is
    /// never applied twice).
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = 3,
        help_heading = "Client options"
    )]
    pub retries: u32,
}

/// The default server.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

impl Global {
    /// The server to talk to.
    pub fn server(&self) -> &str {
        self.server.as_deref().unwrap_or(DEFAULT_SERVER)
    }
}

/// Options every command that changes an agreement takes.
#[derive(Debug, Clone, Args)]
pub struct Change {
    /// The agreement, such as kent-2008-11 (or agreements/kent-2008-11).
    #[arg(long)]
    pub agreement: String,
    /// The agreement version you last saw (as `laa agreement show` prints it).
    /// Without it, the version read just before sending is named. Either way
    /// a change someone made meanwhile is reported as a conflict (exit 5),
    /// never overwritten: look at the agreement again, then repeat the
    /// command with its new version.
    #[arg(long, value_name = "N")]
    pub expected_version: Option<i64>,
    /// An idempotency key (default: a fresh one). To retry a command whose
    /// outcome you did not see, repeat it with the same key: if it was
    /// applied, you get its first outcome and nothing is recorded twice.
    #[arg(long)]
    pub request_id: Option<String>,
    /// When it happened (the meeting, the letter): a date (2008-06-01) or
    /// an RFC 3339 time; default now. At most the round's backdating limit
    /// (30 days) ago, never in the future or before the latest event.
    #[arg(long, value_name = "WHEN")]
    pub occurred_at: Option<String>,
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
// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// The National Indicator Set: list, show, sets, departments; set show, draft, comment, publish.
    #[command(subcommand, alias = "indicators")]
    Indicator(IndicatorCommand),
    /// Upper-tier areas: list, show, create.
    #[command(subcommand, alias = "areas")]
    Area(AreaCommand),
    /// Negotiating rounds and their policy: list, show.
    #[command(subcommand, alias = "rounds")]
    Round(RoundCommand),
    /// Agreements: list, show, open, and their lifecycle (endorse, submit, return, sign-off, open-refresh, close).
    #[command(subcommand, alias = "agreements")]
    Agreement(AgreementCommand),
    /// Negotiate targets: propose, counter, accept, decline, withdraw, revoke, rebaseline.
    #[command(subcommand, alias = "targets")]
    Target(TargetCommand),
    /// Record actual values after sign-off.
    #[command(subcommand, alias = "actuals")]
    Actual(ActualCommand),
    /// An agreement's deal history: show, follow, verify, export.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Delivery after sign-off: each target's status against its trajectory (show, list), explanations and tournaments.
    #[command(subcommand)]
    Performance(PerformanceCommand),
    /// The reward grant an agreement earned, with its working per target.
    Reward {
        /// The area (with --round), or an agreement's name such as kent-2008-11.
        area: String,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
    },
    /// The negotiation analytics, for one area or the whole country.
    Summary {
        /// One area's agreement (default: every agreement you may read).
        #[arg(long, conflicts_with = "region")]
        area: Option<String>,
        /// Only one Government Office region's agreements, by code (gose) or name.
        #[arg(long)]
        region: Option<String>,
        /// The round, with --area.
        #[arg(long, default_value = laa_core::policy::DEFAULT_ROUND)]
        round: String,
    },
}

/// `laa performance`.
#[derive(Debug, Subcommand)]
pub enum PerformanceCommand {
    /// One agreement's targets: baseline, trajectory, actuals and status per year.
    Show {
        /// The area (with --round), or an agreement's name such as kent-2008-11.
        area: String,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
    },
    /// Targets across every agreement you may read: "every area in GOSE with NI 117 off track".
    List {
        /// Only one Government Office region's agreements, by code (gose) or name.
        #[arg(long)]
        region: Option<String>,
        /// Only targets on this National Indicator, such as 117.
        #[arg(long)]
        indicator: Option<i32>,
        /// Only targets whose overall status is this: no_data, on_track, off_track, met, missed or unresolved.
        #[arg(long)]
        status: Option<String>,
    },
    /// The area explains its results on an indicator (shown beside its rank in the tournament).
    Explain {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 117.
        #[arg(long)]
        indicator: i32,
        /// The explanation, such as "the Pfizer plant at Sandwich closed".
        #[arg(long)]
        explanation: String,
    },
    /// The tournament on one indicator: areas ranked by value added against similar areas.
    Tournament {
        /// The National Indicator, such as 117.
        indicator: i32,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
    },
}

/// `laa indicator`.
#[derive(Debug, Subcommand)]
pub enum IndicatorCommand {
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
    },
    /// Show one indicator.
    Show {
        /// Its number, such as 117.
        number: i32,
        /// The set version.
        #[arg(long, default_value_t = 2008)]
        set: i32,
    },
    /// List the indicator set versions.
    Sets,
    /// One set version: show it with its consultation and comments, draft
    /// the next one, comment on a draft, publish it.
    #[command(subcommand)]
    Set(SetCommand),
    /// List the Whitehall departments and agencies a Government offer may name.
    Departments,
}

/// `laa indicator set`.
#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Show a set version with its consultation window and the comments on it.
    Show {
        /// The version, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
    },
    /// Draft the next set version from a published one (administrator). It
    /// is public at once and under consultation for at least three months.
    Draft {
        /// The new version, later than every set, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
        /// The published set it starts from.
        #[arg(long, default_value_t = 2008)]
        from: i32,
        /// A new indicator: "NUMBER|TITLE|SUBJECT GROUP|OWNER|UNIT|POLARITY",
        /// OWNER a department's code (BERR), psa:N, or empty; UNIT such as
        /// percent or count; POLARITY higher_is_better or lower_is_better.
        /// Repeatable.
        #[arg(long, value_name = "SPEC")]
        add: Vec<String>,
        /// Withdraw an active indicator, by number. Repeatable.
        #[arg(long, value_name = "NUMBER")]
        withdraw: Vec<i32>,
        /// Reword an active indicator: as --add; without UNIT|POLARITY it
        /// keeps the indicator's. Repeatable.
        #[arg(long, value_name = "SPEC")]
        amend: Vec<String>,
        /// The statutory flag of every --add and --amend (default: not statutory).
        #[arg(long)]
        statutory: bool,
        /// When the consultation closes, YYYY-MM-DD (default: three months on).
        #[arg(long, value_name = "DATE")]
        consultation_closes: Option<String>,
    },
    /// Comment on a draft while its consultation is open (any role).
    Comment {
        /// The version, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
        /// What you have to say.
        #[arg(long)]
        text: String,
    },
    /// Publish a draft once its consultation has closed (administrator).
    Publish {
        /// The version, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
    },
}

/// `laa round`.
#[derive(Debug, Subcommand)]
pub enum RoundCommand {
    /// List the rounds with their policy.
    List,
    /// Show one round's whole policy.
    Show {
        /// The round, such as 2008-11.
        round: String,
    },
}

/// `laa area`.
#[derive(Debug, Subcommand)]
pub enum AreaCommand {
    /// List areas.
    List {
        /// Only one Government Office region, by code (gose) or name (south_east).
        #[arg(long)]
        region: Option<String>,
    },
    /// Show one area.
    Show {
        /// The area's code, such as kent.
        area: String,
    },
    /// Create an area (administrator).
    Create {
        /// The area's code: a lowercase slug, such as north-somerset.
        #[arg(long)]
        code: String,
        /// Its name for people, such as "North Somerset".
        #[arg(long)]
        name: String,
        /// Its Government Office region, by code (gosw) or name (south_west).
        #[arg(long)]
        region: String,
        /// county, unitary, metropolitan or london_borough.
        #[arg(long)]
        kind: String,
        /// An idempotency key.
        #[arg(long)]
        request_id: Option<String>,
    },
}

/// `laa agreement`.
#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// List the agreements you may read.
    List {
        /// Only one region, by code (gose) or name (south_east).
        #[arg(long)]
        region: Option<String>,
        /// Only one status: draft, submitted, placeholder, agreed, refresh_open, refreshed, closed.
        #[arg(long)]
        status: Option<String>,
        /// Only agreements with a refresh overdue today (its deadline passed, not signed off).
        #[arg(long)]
        refresh_overdue: bool,
    },
    /// Show one agreement with its targets.
    Show {
        /// The agreement, such as kent-2008-11.
        agreement: String,
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
        #[arg(long, default_value = laa_core::policy::DEFAULT_ROUND)]
        round: String,
        /// An idempotency key (default: a fresh one).
        #[arg(long)]
        request_id: Option<String>,
        /// When it was opened: a date (2008-01-07) or an RFC 3339 time; default now.
        #[arg(long, value_name = "WHEN")]
        occurred_at: Option<String>,
    },
    /// Endorse the current terms (area negotiator).
    Endorse {
        #[command(flatten)]
        change: Change,
    },
    /// Recommend the agreement to Ministers (GO negotiator).
    Submit {
        #[command(flatten)]
        change: Change,
    },
    /// Return a submitted agreement to its negotiation (sign-off).
    Return {
        #[command(flatten)]
        change: Change,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Sign a submitted agreement off (sign-off).
    SignOff {
        #[command(flatten)]
        change: Change,
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
    },
    /// Close the agreement at the end of its period (sign-off).
    Close {
        #[command(flatten)]
        change: Change,
    },
    /// Record that a department asked for an indicator and the GO declined
    /// to carry it (GO negotiator): on the record, not a target.
    RefuseRequest {
        #[command(flatten)]
        change: Change,
        /// The National Indicator asked for, such as 47.
        #[arg(long)]
        indicator: i32,
        /// The department that asked, such as DfT (see `laa indicator departments`).
        #[arg(long)]
        department: String,
        /// Why the GO declined to carry it.
        #[arg(long)]
        rationale: String,
    },
    /// Declare Whitehall's outcome-level priorities for the area at the
    /// outset, before the first proposal (GO negotiator; rounds that limit
    /// them). Government proposals then cite one with `--priority`.
    DeclarePriorities {
        #[command(flatten)]
        change: Change,
        /// One priority: its statement, a `|`, then the departments behind
        /// it, comma-separated: "Young people in learning or work|DCSF,DIUS".
        /// Repeat for each, in order (the first is priority 1).
        #[arg(long = "priority", value_name = "STATEMENT|DEPTS", required = true)]
        priorities: Vec<String>,
    },
}

/// `laa target`.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
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
        /// For Government proposals in a round that limits Whitehall's
        /// priorities, the declared priority served (numbered from 1).
        #[arg(long)]
        priority: Option<u16>,
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
        /// For a Government offer, the department it speaks for (HO, DCSF,
        /// DH...; see `laa department list`); default: the target's.
        #[arg(long)]
        department: Option<String>,
    },
    /// After sign-off: offer a settled target a new baseline and trajectory because its measure changed (the other side accepts it with `accept`).
    Rebaseline {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        terms: TermsArgs,
        /// Why the measure changed (the definition, the recording).
        #[arg(long)]
        rationale: String,
        /// A reference to evidence (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// For a Government offer, the department it speaks for; default: the target's.
        #[arg(long)]
        department: Option<String>,
    },
    /// Accept the other side's open offer.
    Accept {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
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
    },
    /// Revoke a designation, or every designation with --all (sign-off).
    Revoke {
        #[command(flatten)]
        change: Change,
        /// The target's number within the agreement.
        #[arg(long, conflicts_with_all = ["indicator", "all"])]
        target: Option<u32>,
        /// The National Indicator of the target.
        #[arg(long, conflicts_with = "all")]
        indicator: Option<i32>,
        /// Every designated target.
        #[arg(long)]
        all: bool,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `laa actual`.
#[derive(Debug, Subcommand)]
pub enum ActualCommand {
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
    },
}

/// How `history export` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// One event a line, every hashed field exactly as hashed
    /// (docs/HISTORY_FORMAT.md): what `history verify --file` and
    /// `history import` read.
    Ndjson,
    /// A JSON array of events (the proto3 JSON mapping).
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
    },
    /// Print events as they are appended, until interrupted.
    Follow {
        /// The agreement.
        agreement: String,
        /// The first sequence to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
    },
    /// Verify the hash chain of an agreement's history (exit 1 if broken):
    /// on the server, or with --file an export, with no server at all.
    Verify {
        /// The agreement (not with --file).
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        agreement: Option<String>,
        /// An exported history (NDJSON) to verify offline.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Export the whole history (--format, default ndjson).
    Export {
        /// The agreement.
        agreement: String,
        /// The format.
        #[arg(long, value_enum, default_value = "ndjson")]
        format: ExportFormat,
    },
    /// Import an exported history (NDJSON) as a new agreement
    /// (administrator): the chain is verified first, nothing is re-hashed.
    Import {
        /// The export.
        #[arg(long)]
        file: std::path::PathBuf,
    },
}
