//! The reference data's verbs: indicators, indicator sets, rounds, areas.

use clap::Subcommand;

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
        #[arg(value_parser = crate::client::args::indicator_number)]
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
    /// List the partners a target's lead and contributing partners are
    /// named from (recommendation 2).
    Partners,
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
        /// Declare two indicators to influence each other: "FIRST|SECOND|NOTE",
        /// such as "117|163|Fewer NEETs raise Level 2 attainment". Repeatable;
        /// the draft keeps the base set's relations otherwise.
        #[arg(long, value_name = "SPEC")]
        relate: Vec<String>,
        /// Drop a relation the base set declares: "FIRST|SECOND". Repeatable.
        #[arg(long, value_name = "PAIR")]
        unrelate: Vec<String>,
        /// The statutory flag of every --add and --amend (default: not statutory).
        #[arg(long)]
        statutory: bool,
        /// When the consultation closes, YYYY-MM-DD (default: three months on).
        #[arg(long, value_name = "DATE")]
        consultation_closes: Option<String>,
        /// An idempotency key (default: a fresh one): repeat it to retry a
        /// command whose outcome you did not see; nothing is recorded twice.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Comment on a draft while its consultation is open (any role).
    Comment {
        /// The version, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
        /// What you have to say.
        #[arg(long)]
        text: String,
        /// An idempotency key (default: a fresh one): repeat it to retry a
        /// command whose outcome you did not see; nothing is recorded twice.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Publish a draft once its consultation has closed (administrator).
    Publish {
        /// The version, such as 2011.
        #[arg(value_name = "VERSION")]
        set: i32,
        /// An idempotency key (default: a fresh one): repeat it to retry a
        /// command whose outcome you did not see; nothing is recorded twice.
        #[arg(long)]
        request_id: Option<String>,
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
    /// The national trajectory an indicator's signed-off local targets imply, with the areas without one at a floor, beside the proposed national target (recommendation 15).
    Trajectory {
        /// The National Indicator, such as 117.
        indicator: u16,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
        /// Count the areas without a target at this floor instead of the proposal's, such as 9.
        #[arg(long)]
        floor: Option<String>,
    },
    /// Record a department's proposed national target for an indicator (sign-off, for the department; recommendation 15).
    ProposeTarget {
        /// The National Indicator, such as 117.
        indicator: u16,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
        /// The department proposing it, such as DCSF.
        #[arg(long)]
        department: String,
        /// The year it is a target for, such as 2010/11.
        #[arg(long)]
        year: String,
        /// The national value proposed, in the indicator's unit, such as 7.6.
        #[arg(long)]
        value: String,
        /// The base level expected of areas without a local target on it, such as 9.
        #[arg(long)]
        floor: String,
        /// Why.
        #[arg(long)]
        rationale: String,
        /// An idempotency key.
        #[arg(long)]
        request_id: Option<String>,
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
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas))]
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
    /// An area's assessment in two parts (recommendation 2): its
    /// negotiated targets (status, partners, tournament rank, the reward,
    /// by partner), then the rest of the National Indicator Set it reported
    /// against the areas of its kind.
    Assessment {
        /// The area (with --round), or an agreement's name such as kent-2008-11.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas_and_agreements))]
        area: String,
        /// The round.
        #[arg(long, default_value = laa_core::policy::DEFAULT_ROUND)]
        round: String,
    },
    /// Set an area's population (administrator; national figures are weighted by it).
    SetPopulation {
        /// The area's code, such as kent.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas))]
        area: String,
        /// How many people live there, such as 1394700.
        #[arg(long)]
        population: i64,
        /// The date the estimate is for, such as 2007-06-30.
        #[arg(long)]
        as_of: String,
        /// Where the figure comes from, such as "ONS mid-2007 estimate".
        #[arg(long)]
        source: String,
        /// An idempotency key.
        #[arg(long)]
        request_id: Option<String>,
    },
}
