//! What is recorded and measured: performance, reward, tournaments, the history.

use clap::{Subcommand, ValueEnum};

use super::*;

/// `laa performance`.
#[derive(Debug, Subcommand)]
pub enum PerformanceCommand {
    /// One agreement's targets: baseline, trajectory, actuals and status per year.
    Show {
        /// The area (with --round), or an agreement's name such as kent-2008-11.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::areas_and_agreements))]
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
        #[arg(long, value_parser = crate::client::args::indicator_number)]
        indicator: Option<i32>,
        /// Only targets whose overall status is this: no_data, on_track, off_track, met, missed or unresolved.
        #[arg(long)]
        status: Option<String>,
        /// Only one round's agreements, such as 2011-14 (default: every round's).
        #[arg(long)]
        round: Option<String>,
    },
    /// The area explains its results on an indicator (shown beside its rank in the tournament).
    Explain {
        #[command(flatten)]
        change: Change,
        /// The National Indicator, such as 117.
        #[arg(long, value_parser = crate::client::args::indicator_number)]
        indicator: i32,
        /// The explanation, such as "the Pfizer plant at Sandwich closed".
        #[arg(long)]
        explanation: String,
    },
    /// The tournament on one indicator: areas ranked by value added against similar areas.
    Tournament {
        /// The National Indicator, such as 117.
        #[arg(value_parser = crate::client::args::indicator_number)]
        indicator: i32,
        /// The round.
        #[arg(long, default_value = "2008-11")]
        round: String,
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
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
        agreement: String,
        /// The first sequence to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
    },
    /// Print events as they are appended, until interrupted.
    Follow {
        /// The agreement.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
        agreement: String,
        /// The first sequence to show.
        #[arg(long, default_value_t = 1)]
        from: i64,
    },
    /// Verify the hash chain of a history (exit 1 if broken): on the
    /// server, or with --file an export, with no server at all.
    Verify {
        /// The agreement, or a reference stream: indicator-sets/national,
        /// rounds/{round} or areas/{code} (not with --file).
        #[arg(required_unless_present = "file", conflicts_with = "file", add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
        agreement: Option<String>,
        /// An exported history (NDJSON) to verify offline.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Export the whole history (--format, default ndjson).
    Export {
        /// The agreement, or a reference stream: indicator-sets/national,
        /// rounds/{round} or areas/{code}.
        #[arg(add = clap_complete::ArgValueCandidates::new(crate::client::complete::agreements))]
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
