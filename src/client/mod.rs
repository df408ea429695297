//! The client: people's way into a running `laa serve`.
//!
//! - `args`: the command line (global options, one noun per resource, its verbs);
//! - `connect`: the address, the token, timeouts and retries ([`Session`]);
//! - `complete`: shell completion asking the server for area and agreement names;
//! - `contexts`: `laa login` and `laa context`, a server, CA and token
//!   stored per context (flags and environment variables win);
//! - `tls`: whom https:// trusts (`--ca-cert`) and what it presents (`--client-cert`);
//! - `diagnose`: what a server that failed a call speaks (TLS or not, gRPC or not);
//! - `paging`: the one loop over list pages;
//! - `commands/`: one module per noun;
//! - `render` and `output`: tables fitted to the terminal, proto3 JSON, CSV;
//! - `performance`: statuses and the reward grant as tables;
//! - `assessment`: an area's two-part assessment (recommendation 2) as tables;
//! - `error`: exit codes, stable reasons, hints, errors as JSON;
//! - `suggest`: "did you mean" for areas, regions and indicators;
//! - `terms`: terms as people type them;
//! - `words`: counts and articles ("1 area", "an auditor").
//!
//! Commands that change an agreement read it first to name its version
//! (`--expected-version` names the one you saw instead) and send one
//! request id, the same on every retry (`--request-id` to choose it).

mod args;
mod assessment;
mod commands;
pub mod complete;
mod connect;
pub mod contexts;
mod diagnose;
mod error;
pub mod history_file;
mod output;
mod paging;
mod performance;
mod render;
mod suggest;
mod terms;
mod tls;
pub mod words;

pub use args::{ClientCommand, Format, Global};
pub use commands::run;
pub use connect::{Clients, Limits, endpoint};
pub use error::{CliError, EXIT_CODES, Exit};
pub use output::{Output, Rows};

/// A region as people type it (`gose`, `south_east`), with suggestions.
pub fn parse_region(text: &str) -> Result<laa_proto::v1::Region, CliError> {
    suggest::region(text)
}
