//! `laa`: the LAA negotiation engine's one binary.
//!
//! `laa serve` runs the gRPC server; `laa token` manages credentials
//! directly on the database; `laa demo` replays the 2008 round; every other
//! command is a client of a running server (see `laa --help`).

// A `CliError` carries everything a failed command prints (reason, facts,
// field violations, hint) and ends the process: its size costs nothing on
// that path, and boxing it would only add noise at every `?`.
#![allow(clippy::result_large_err)]

mod admin;
mod allocator;
mod bench;
mod client;
mod copy;
mod database;
mod demo;
mod embedded;
mod https;
mod process_metrics;
mod serve;
mod systemd;
mod tokens;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use client::{CliError, Format};

/// The version `laa --version` prints: the package's and the commit it was
/// built from (`build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("LAA_COMMIT"),
    ")"
);

/// The commit the binary was built from: git's short hash, or `unknown`.
pub const COMMIT: &str = env!("LAA_COMMIT");

/// The database used when none is named: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://laa.db?mode=rwc";

/// laa: negotiate Local Area Agreements between Government Offices and
/// England's upper-tier areas, sign them off, refresh them, and audit the
/// whole deal history.
#[derive(Debug, Parser)]
#[command(
    name = "laa",
    version = VERSION,
    about,
    long_about = None,
    propagate_version = true,
    after_help = client::EXIT_CODES
)]
struct Cli {
    #[command(flatten)]
    global: client::Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server (SQLite ./laa.db on 127.0.0.1:50051 by default).
    Serve(serve::ServeArgs),
    /// Issue, list, rotate and revoke bearer tokens (works directly on the database).
    #[command(subcommand, alias = "tokens")]
    Token(tokens::TokenCommand),
    /// Copy an SQLite database to a file, online (PostgreSQL: pg_dump, see docs/DEPLOYMENT.md).
    Backup(admin::BackupArgs),
    /// Restore a backup into a new SQLite file and verify every history.
    Restore(admin::RestoreArgs),
    /// Copy a database into a new one (an SQLite pilot onto PostgreSQL): every
    /// stream's history, verified, and the tokens.
    Copy(copy::CopyArgs),
    /// The schema's migrations: status, up, and the destructive down and reset.
    #[command(subcommand)]
    Migrate(admin::MigrateCommand),
    #[command(flatten)]
    Client(Box<client::ClientCommand>),
    /// Store a server, its CA certificate and a token as a context in your
    /// configuration directory (mode 0600) and make it current; the token
    /// is read from LAA_TOKEN or --token, else from standard input.
    Login(client::contexts::LoginArgs),
    /// The stored contexts: list, use, remove.
    #[command(subcommand, alias = "contexts")]
    Context(client::contexts::ContextCommand),
    /// Measure the server end to end: echo, read and write latency, and
    /// throughput at 16 and 64 clients, next to a raw insert on the same database.
    Bench(bench::BenchArgs),
    /// Demonstrations: the 2008 national round through the API.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Print a shell completion script, such as
    /// `laa completion bash > ~/.local/share/bash-completion/completions/laa`:
    /// commands and flags, and area codes and agreement names asked of the
    /// server you are configured for (LAA_SERVER and LAA_TOKEN, else the
    /// current context); none if it does not answer within 1.5 seconds.
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (laa.1, laa-agreement.1, ...) into a directory.
    Man {
        /// The directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    // `COMPLETE=SHELL laa -- WORDS`, as the script `laa completion SHELL`
    // prints runs it at each TAB: answered here, then the process ends.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(client::complete::VARIABLE)
        .complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let format = cli.global.output;
    if matches!(cli.command, Command::Serve(_)) {
        allocator::bound_arenas();
    } else {
        sigpipe_ends_only_a_closed_stdout();
    }
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(CliError::failure(format!(
            "cannot start the async runtime: {e}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if format == Format::Json {
                eprintln!("{}", error.json());
            } else {
                eprintln!("{}", error.text());
            }
            ExitCode::from(error.exit as u8)
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await.map_err(CliError::from),
        Command::Token(cmd) => tokens::run(&cli.global, cmd).await,
        Command::Backup(args) => admin::backup(args).await,
        Command::Restore(args) => admin::restore(args).await,
        Command::Copy(args) => copy::run(args).await,
        Command::Migrate(cmd) => admin::migrate(&cli.global, cmd).await,
        Command::Client(cmd) => client::run(&client::contexts::apply(&cli.global)?, *cmd).await,
        Command::Login(args) => client::contexts::login(&cli.global, args).await,
        Command::Context(cmd) => client::contexts::run(&cli.global, cmd),
        Command::Demo(cmd) => demo::run(&cli.global, cmd).await,
        Command::Bench(args) => bench::run(args).await.map_err(CliError::from),
        Command::Completion { shell } => {
            let script = client::complete::registration(shell, std::env::args_os().next())
                .ok_or_else(|| CliError::failure(format!("no completion script for {shell}")))?;
            let mut out = std::io::stdout();
            out.write_all(script.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::failure(e.to_string()))
        }
        Command::Man { dir } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                .map_err(|e| {
                    CliError::failure(format!(
                        "cannot write the manual pages into {}: {e}",
                        dir.display()
                    ))
                })?;
            eprintln!(
                "manual pages written to {} (read one with `man -l {}/laa.1`)",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
    }
}

/// A command line clap refused (or help asked for): clap's own message, or
/// under `--output json` a JSON error, with exit code 2 (0 for help).
fn usage_error(error: &clap::Error) -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "--output" | "-o") && w[1] == "json")
        || args.iter().any(|a| a == "--output=json" || a == "-ojson");
    if json && error.use_stderr() {
        let message = error.render().to_string();
        let first = message.lines().next().unwrap_or_default();
        let err = CliError::usage(first.trim_start_matches("error: ").to_owned())
            .hint("see `laa --help`");
        eprintln!("{}", err.json());
    } else {
        let _ = error.print();
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// Client output piped into `head` should end quietly when the pipe closes,
/// as other command-line tools do, rather than panic on a failed print;
/// but a socket the server closed must never kill the client: the write
/// fails with EPIPE and the call reports it. Both raise SIGPIPE (HTTP/2
/// writes with `writev`, which cannot ask for no signal), so the handler
/// tells them apart by standard output itself: only when it is a pipe
/// whose reader has gone does the signal end the process, by its default
/// action. (The server keeps Rust's default of ignoring SIGPIPE.)
fn sigpipe_ends_only_a_closed_stdout() {
    #[cfg(unix)]
    {
        extern "C" fn on_sigpipe(_: libc::c_int) {
            let mut stdout = libc::pollfd {
                fd: libc::STDOUT_FILENO,
                events: 0,
                revents: 0,
            };
            // SAFETY: poll, signal and raise are async-signal-safe, and
            // `stdout` is a live pollfd for the one descriptor polled.
            unsafe {
                // POLLERR: a pipe (or socket) with no reader left.
                if libc::poll(&mut stdout, 1, 0) == 1
                    && stdout.revents & (libc::POLLERR | libc::POLLHUP) != 0
                {
                    libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                    libc::raise(libc::SIGPIPE);
                }
            }
        }
        // SAFETY: the handler only calls async-signal-safe functions, and
        // it is installed before any thread is started.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigpipe as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGPIPE, &action, std::ptr::null_mut());
        }
    }
}
