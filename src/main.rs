//! `laa`: the LAA negotiation engine's one binary.
//!
//! `laa serve` runs the gRPC server; `laa token` manages credentials
//! directly on the database; every other command is a client of a running
//! server (see `laa --help`).

mod bench;
mod client;
mod serve;
mod tokens;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The database used when none is named: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://laa.db?mode=rwc";

/// laa: negotiate Local Area Agreements between Government Offices and
/// England's upper-tier areas, sign them off, refresh them, and audit the
/// whole deal history.
#[derive(Debug, Parser)]
#[command(name = "laa", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server (SQLite ./laa.db on 127.0.0.1:50051 by default).
    Serve(serve::ServeArgs),
    /// Issue, list and revoke bearer tokens (works directly on the database).
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Measure the server end to end: echo, read and write latency, and
    /// throughput at 16 and 64 clients, next to a raw insert on the same database.
    Bench(bench::BenchArgs),
    #[command(flatten)]
    Client(Box<client::ClientCommand>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Client(_) | Command::Token(_)) {
        restore_sigpipe();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Token(cmd) => tokens::run(cmd).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Client(cmd) => client::run(*cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Client output piped into `head` should end quietly when the pipe closes,
/// as other command-line tools do, rather than panic on a failed print. (The
/// server keeps Rust's default of ignoring SIGPIPE: a closed socket must be
/// an error there, never a signal that kills the process.)
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any
    // thread is started has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
