//! The negotiation's verbs: agreements, targets, actuals.

use clap::Subcommand;

use super::*;

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
        /// Only agreements in which something waits on you, as the workspace's
        /// inbox shows it: for negotiators, offers to answer, statutory targets
        /// without terms, endorsing (area) or submitting (GO), advice to record
        /// (GO), an overdue refresh; for sign-off, submissions and
        /// re-baselinings to approve; for auditors, broken histories.
        #[arg(long)]
        waiting_on_me: bool,
        /// Only one round's agreements, such as 2011-14.
        #[arg(long)]
        round: Option<String>,
    },
    /// Show one agreement with its targets.
    Show {
        /// The agreement, such as kent-2008-11.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
        agreement: String,
    },
    /// Open an area's agreement (GO negotiator).
    Open {
        /// The area, such as kent.
        #[arg(long, add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas))]
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
        #[arg(long, value_parser = crate::client::args::indicator_number)]
        indicator: i32,
        /// The department that asked, such as DfT (see `laa indicator departments`).
        #[arg(long)]
        department: String,
        /// Why the GO declined to carry it.
        #[arg(long)]
        rationale: String,
    },
    /// Write one agreement's targets, or every agreement of a region or a
    /// round, as a spreadsheet (docs/SPREADSHEETS.md): the terms on the
    /// table for each live target, in the columns `laa target import` reads.
    Export(ExportArgs),
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

/// A spreadsheet's format.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SheetFormat {
    /// Comma-separated values (UTF-8).
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// `laa agreement export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The agreement, such as kent-2008-11; or --region and/or --round.
    #[arg(value_name = "AGREEMENT", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub agreement: Option<String>,
    /// Every agreement of a region you may read, by code (gonw) or name (north-west).
    #[arg(long)]
    pub region: Option<String>,
    /// Every agreement of a round you may read, such as 2008-11.
    #[arg(long)]
    pub round: Option<String>,
    /// csv or xlsx [default: from --file's extension, else csv].
    #[arg(long, value_enum)]
    pub format: Option<SheetFormat>,
    /// The file to write (default: standard output; an XLSX workbook needs a file
    /// unless the output is redirected).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
}

/// `laa target import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The agreement, such as kent-2008-11: `laa target import kent-2008-11
    /// targets.xlsx` (with --agreement, the file alone is named here).
    #[arg(value_name = "AGREEMENT", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub named: Option<String>,
    /// The sheet: a .csv or .xlsx file.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// The agreement, as an option.
    #[arg(long, value_name = "AGREEMENT", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub agreement: Option<String>,
    /// csv or xlsx [default: from the file's extension].
    #[arg(long, value_enum)]
    pub format: Option<SheetFormat>,
    /// Decide every row and print each one's outcome; record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The agreement version you last saw (default: the version read just before sending).
    #[arg(long, value_name = "N")]
    pub expected_version: Option<i64>,
    /// An idempotency key (default: a fresh one); repeat it to retry an
    /// import whose outcome you did not see.
    #[arg(long)]
    pub request_id: Option<String>,
    /// When it happened: a date (2008-06-01) or an RFC 3339 time; default now.
    #[arg(long, value_name = "WHEN")]
    pub occurred_at: Option<String>,
}

/// `laa target`.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Offer the terms of many targets from a spreadsheet (CSV or XLSX;
    /// docs/SPREADSHEETS.md): each row counters the offer on its
    /// indicator's target, or proposes one; all rows are recorded or none.
    /// Prints each row's outcome; exits non-zero if any row is refused.
    Import(ImportArgs),
    /// Propose a target on a National Indicator (or a local one).
    Propose {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 117.
        #[arg(long, conflicts_with = "local_code", value_parser = crate::client::args::indicator_number)]
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
    /// Approve a re-baselining both sides accepted, in a round that asks Ministers to (sign-off).
    ApproveRebaseline {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
    },
    /// Reject a re-baselining both sides accepted: the terms agreed before stay (sign-off).
    RejectRebaseline {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Comment on a target's thread, which both sides and the agreement's
    /// champions read; a negotiating champion may broker (--brokering).
    Comment {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// The comment.
        #[arg(long)]
        text: String,
        /// A champion brokering between the sides: a way through put to both.
        #[arg(long)]
        brokering: bool,
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
        #[arg(long, conflicts_with = "all", value_parser = crate::client::args::indicator_number)]
        indicator: Option<i32>,
        /// Every designated target.
        #[arg(long)]
        all: bool,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Name who delivers a target (recommendation 2): its lead partner and
    /// contributing partners, replacing any named before (negotiators).
    Partners {
        #[command(flatten)]
        change: Change,
        #[command(flatten)]
        which: Which,
        /// The lead partner: council, district_councils, police, pct,
        /// fire_rescue, probation, youth_offending, jobcentre_plus, lsc,
        /// national_park, voluntary_sector, business or housing.
        #[arg(long)]
        lead: String,
        /// A contributing partner, from the same list (repeat for each).
        #[arg(long = "contributor")]
        contributors: Vec<String>,
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
        /// The value (a negative one needs no `=`: --value -3).
        #[arg(long, allow_negative_numbers = true)]
        value: f64,
        /// Where it comes from.
        #[arg(long)]
        source: String,
    },
    /// Record the area's actual for a year on a National Indicator it
    /// carries no target on (recommendation 2: the whole set is reported;
    /// area negotiator).
    RecordIndicator {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 192.
        #[arg(long, value_parser = crate::client::args::indicator_number)]
        indicator: i32,
        /// The year, such as 2008/09.
        #[arg(long)]
        year: String,
        /// The value (a negative one needs no `=`: --value -3).
        #[arg(long, allow_negative_numbers = true)]
        value: f64,
        /// Where it comes from.
        #[arg(long)]
        source: String,
    },
}

/// `laa advice`.
#[derive(Debug, Subcommand)]
pub enum AdviceCommand {
    /// The requests for advice in the agreements you may read: a
    /// department's inbox (--department DCSF --open) or a region's.
    List {
        /// Only requests to one department, such as DCSF.
        #[arg(long)]
        department: Option<String>,
        /// Only one region, by code (gose) or name (south_east).
        #[arg(long)]
        region: Option<String>,
        /// Only requests whose answer is not yet recorded.
        #[arg(long)]
        open: bool,
    },
    /// The area asks a Whitehall department, through its GO, for advice on
    /// an indicator (recommendation 4); the request's number is printed.
    Ask {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 117.
        #[arg(long, value_parser = crate::client::args::indicator_number)]
        indicator: i32,
        /// The department asked, such as DCSF (see `laa indicator departments`).
        #[arg(long)]
        department: String,
        /// The question.
        #[arg(long)]
        question: String,
        /// The target under negotiation it concerns, if any.
        #[arg(long)]
        target: Option<u32>,
    },
    /// The GO records the department's answer to a request for advice.
    Answer {
        #[command(flatten)]
        change: Change,
        /// The request's number (`laa agreement show` lists them).
        #[arg(long)]
        request: i32,
        /// The department's answer.
        #[arg(long)]
        answer: String,
    },
}

/// `laa champion`.
#[derive(Debug, Subcommand)]
pub enum ChampionCommand {
    /// An administrator assigns a negotiating champion (recommendation 8)
    /// to an agreement: the champion may then read it, comment on and
    /// broker its targets, and record advice in it.
    Assign {
        #[command(flatten)]
        assignment: Assignment,
        /// The champion's principal, as their champion token's label names
        /// them (`laa token issue --role champion --label dcsf:jsmith`).
        #[arg(long)]
        champion: String,
        /// The Whitehall department the champion comes from, such as DCSF
        /// (see `laa indicator departments`).
        #[arg(long)]
        department: String,
    },
    /// An administrator ends a champion's assignment to an agreement.
    End {
        #[command(flatten)]
        assignment: Assignment,
        /// The champion's principal.
        #[arg(long)]
        champion: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// Which agreement an administrator's assignment is of, and the request's
/// id and date. An administrator reads no agreements, so an assignment
/// names no version: it is made on the agreement as it stands.
#[derive(Debug, Clone, Args)]
pub struct Assignment {
    /// The agreement, such as kent-2008-11.
    #[arg(value_name = "AGREEMENT", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub agreement: String,
    /// An idempotency key (default: a fresh one); repeat it to retry safely.
    #[arg(long)]
    pub request_id: Option<String>,
    /// When it happened: a date (2008-06-01) or an RFC 3339 time; default now.
    #[arg(long, value_name = "WHEN")]
    pub occurred_at: Option<String>,
}
