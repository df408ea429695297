//! The client's command line: global options, then one noun per resource
//! with its verbs (`laa agreement show`, `laa target propose`). The plural
//! of each noun is accepted too (`laa agreements list`).
//!
//! - this module: the global options, a change's envelope, the nouns;
//! - [`catalogue`]: indicators, indicator sets, rounds, areas;
//! - [`negotiation`]: agreements, targets, actuals;
//! - [`records`]: performance, reward, tournaments and the history.

mod catalogue;
mod negotiation;
mod records;

pub use catalogue::*;
pub use negotiation::*;
pub use records::*;

use clap::{Args, Subcommand, ValueEnum};

use crate::client::CliError;
use crate::client::terms::TermsArgs;

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
    /// The server's address, with its scheme [default: the current context's, else http://127.0.0.1:50051].
    #[arg(
        long,
        global = true,
        env = "LAA_SERVER",
        // A URL may carry credentials: --help never shows its value.
        hide_env_values = true,
        help_heading = "Client options"
    )]
    pub server: Option<String>,
    /// A CA certificate (PEM) to trust for an https:// server, besides the system's roots (or the
    /// server's own self-signed certificate).
    #[arg(
        long,
        global = true,
        env = "LAA_CA_CERT",
        value_name = "FILE",
        help_heading = "Client options"
    )]
    pub ca_cert: Option<std::path::PathBuf>,
    /// A client certificate (PEM) to present to an https:// server that asks for one (mutual TLS).
    #[arg(
        long,
        global = true,
        env = "LAA_CLIENT_CERT",
        value_name = "FILE",
        requires = "client_key",
        help_heading = "Client options"
    )]
    pub client_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(
        long,
        global = true,
        env = "LAA_CLIENT_KEY",
        value_name = "FILE",
        requires = "client_cert",
        help_heading = "Client options"
    )]
    pub client_key: Option<std::path::PathBuf>,
    /// The bearer token (prefer the LAA_TOKEN environment variable: arguments are visible to other users).
    #[arg(
        long,
        global = true,
        env = "LAA_TOKEN",
        hide_env_values = true,
        help_heading = "Client options"
    )]
    pub token: Option<String>,
    /// The stored context to use (see `laa login`, `laa context list`) instead of the current one.
    #[arg(
        long,
        global = true,
        env = "LAA_CONTEXT",
        value_name = "NAME",
        help_heading = "Client options"
    )]
    pub context: Option<String>,
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
    // Positional, as `laa agreement show` takes it; `--agreement` stays
    // accepted so that scripts written for the flag keep working.
    #[arg(value_name = "AGREEMENT", required_unless_present = "agreement", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub named: Option<String>,
    /// The agreement, as an option (the same as AGREEMENT).
    #[arg(long, value_name = "AGREEMENT", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
    pub agreement: Option<String>,
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

impl Change {
    /// The agreement meant, named positionally or by `--agreement`: both
    /// may be given only if they name the same agreement, since a command
    /// that could change either of two agreements must not guess.
    pub fn agreement(&self) -> Result<&str, CliError> {
        let id = |a: &str| a.trim().trim_start_matches("agreements/").to_owned();
        match (self.named.as_deref(), self.agreement.as_deref()) {
            (Some(named), Some(flag)) if id(named) != id(flag) => Err(CliError::usage(format!(
                "two agreements named: '{named}' and --agreement '{flag}'; name one"
            ))),
            (Some(named), _) => Ok(named),
            (None, Some(flag)) => Ok(flag),
            // clap requires one of the two before a command runs.
            (None, None) => Err(CliError::usage("name the agreement, such as kent-2008-11")),
        }
    }
}

/// A National Indicator's number as people write it: `117`, `NI117`,
/// `NI 117`, `ni-117` (the CLI prints "NI 117").
pub fn indicator_number(text: &str) -> Result<i32, String> {
    let trimmed = text.trim();
    let digits = match trimmed.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("ni") => {
            trimmed[2..].trim_start_matches([' ', '-', '_'])
        }
        _ => trimmed,
    };
    match digits.parse::<i32>() {
        Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "'{text}' is not a National Indicator number: write 117, NI117 or \"NI 117\""
        )),
    }
}

/// Which target: by number, or by the National Indicator it measures.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// The target's number within the agreement.
    #[arg(long)]
    pub target: Option<u32>,
    /// The National Indicator of the target (its live target is meant).
    #[arg(long, value_parser = crate::client::args::indicator_number)]
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
    /// Negotiate targets: propose, counter, comment, accept, decline, withdraw, revoke, rebaseline (and Ministers' approve-rebaseline, reject-rebaseline).
    #[command(subcommand, alias = "targets")]
    Target(TargetCommand),
    /// Record actual values after sign-off.
    #[command(subcommand, alias = "actuals")]
    Actual(ActualCommand),
    /// Advice on request: the area asks a department through its GO (ask), the GO or a champion records the answer (answer).
    #[command(subcommand)]
    Advice(AdviceCommand),
    /// Negotiating champions: an administrator assigns one to an agreement (assign) or ends the assignment (end).
    #[command(subcommand, alias = "champions")]
    Champion(ChampionCommand),
    /// An agreement's deal history: show, follow, verify, export.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Delivery after sign-off: each target's status against its trajectory (show, list), explanations and tournaments.
    #[command(subcommand)]
    Performance(PerformanceCommand),
    /// The reward grant an agreement earned, with its working per target.
    Reward {
        /// The area (with --round), or an agreement's name such as kent-2008-11.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas_and_agreements))]
        area: String,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
    },
    /// Whether the server answers SERVING (exit 0) or not (exit 7, saying
    /// why): its gRPC health for the whole server, needing no token.
    Health,
    /// The negotiation analytics, for one area or the whole country.
    Summary {
        /// One area's agreement (default: every agreement you may read).
        #[arg(long, conflicts_with = "region", add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas))]
        area: Option<String>,
        /// Only one Government Office region's agreements, by code (gose) or name.
        #[arg(long)]
        region: Option<String>,
        /// The round: with --area, its agreement's (default 2008-11);
        /// otherwise only that round's agreements (default: every round's).
        #[arg(long)]
        round: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::indicator_number;

    #[test]
    fn an_indicator_is_taken_as_people_write_it() {
        for text in ["117", "NI117", "NI 117", "ni117", "Ni-117", " NI 117 "] {
            assert_eq!(indicator_number(text), Ok(117), "{text}");
        }
        for text in ["", "NI", "NI x", "-3", "117a", "0", "NIL117"] {
            assert!(indicator_number(text).is_err(), "{text}");
        }
    }
}
