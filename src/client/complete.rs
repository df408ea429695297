//! Shell completion that knows the server's names: `laa completion SHELL`
//! prints a script that asks `laa` itself for the candidates at each TAB
//! (clap_complete's dynamic completion: `COMPLETE=SHELL laa -- WORDS`).
//! Commands and flags come from the command line's own definition; area
//! codes (`kent`) and agreement names (`kent-2008-11`) from the server the
//! command being typed would ask, as it would find it: the client options
//! typed on the line (`--server`, `--token`, `--context`, `--ca-cert`,
//! `--client-cert`, `--client-key`), else `LAA_SERVER`, `LAA_TOKEN`,
//! `LAA_CA_CERT` and the other variables, else the stored context
//! (`LAA_CONTEXT` or the current one).
//!
//! A TAB must never hang nor print an error into the prompt: a server that
//! cannot be reached, refuses the token or is slow gives no candidates,
//! within [`PATIENCE`], and nothing is written to standard error.

use std::ffi::OsString;
use std::future::Future;
use std::time::Duration;

use clap::Parser;
use clap_complete::engine::CompletionCandidate;
use laa_proto::v1 as pb;

use super::args::Global;
use super::connect::{Clients, Limits};
use super::tls::TlsFiles;

/// The longest a TAB waits for the server, connection included.
pub const PATIENCE: Duration = Duration::from_millis(1500);

/// The environment variable that turns a run of `laa` into a completion.
pub const VARIABLE: &str = "COMPLETE";

/// The most names one completion asks the server for (every area of 2008
/// fits in one page; agreements are read page after page up to this).
const MOST: usize = 2_000;

/// The global options as the environment and the stored context give them
/// (a completion has no parsed command line).
#[derive(Debug, Parser)]
#[command(name = "laa")]
struct FromEnvironment {
    #[command(flatten)]
    global: Global,
}

/// The client options that say which server to ask and how (the rest of
/// [`Global`] changes nothing a completion asks).
const CLIENT_OPTIONS: [&str; 6] = [
    "--server",
    "--token",
    "--context",
    "--ca-cert",
    "--client-cert",
    "--client-key",
];

/// The client options typed on the line being completed (`--server URL`
/// or `--server=URL`, anywhere before a `--`), as arguments: the line is
/// `laa -- laa WORDS` with the word being completed at
/// `_CLAP_COMPLETE_INDEX` (bash) or last (the other shells), and that word,
/// still being typed, is never taken as a value.
fn typed_client_options(line: &[OsString], completing: Option<usize>) -> Vec<OsString> {
    let words: Vec<&OsString> = line.iter().skip_while(|w| *w != "--").skip(1).collect();
    let completing = completing.unwrap_or(words.len().saturating_sub(1));
    let mut typed = Vec::new();
    let mut k = 1;
    while k < words.len() {
        let word = words[k].to_string_lossy();
        if word == "--" {
            break;
        }
        if k != completing {
            if let Some(option) = CLIENT_OPTIONS.iter().find(|o| word == **o) {
                if k + 1 < words.len() && k + 1 != completing {
                    typed.push(OsString::from(option));
                    typed.push(words[k + 1].clone());
                    k += 1;
                }
            } else if CLIENT_OPTIONS
                .iter()
                .any(|o| word.strip_prefix(o).is_some_and(|v| v.starts_with('=')))
            {
                typed.push(words[k].clone());
            }
        }
        k += 1;
    }
    typed
}

/// Clients on the server the line being completed would ask (its client
/// options, else the environment's, else the stored context) with short
/// limits, or `None` when nothing usable is configured (no token: every
/// list needs one).
fn clients() -> Option<Clients> {
    let line: Vec<OsString> = std::env::args_os().collect();
    let completing = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse().ok());
    let typed = typed_client_options(&line, completing);
    let global =
        FromEnvironment::try_parse_from(std::iter::once(OsString::from("laa")).chain(typed))
            .ok()?
            .global;
    let global = super::contexts::apply(&global).ok()?;
    let token = global.token.as_deref().filter(|t| !t.trim().is_empty())?;
    let limits = Limits {
        connect: PATIENCE,
        call: Some(PATIENCE),
        retries: 0,
        tls: TlsFiles::read(
            global.ca_cert.as_deref(),
            global.client_cert.as_deref(),
            global.client_key.as_deref(),
        )
        .ok()?,
    };
    Clients::new(global.server(), Some(token), limits).ok()
}

/// Runs `ask` against the configured server within [`PATIENCE`]: its
/// candidates, or none.
fn from_server<F, Fut>(ask: F) -> Vec<CompletionCandidate>
where
    F: FnOnce(Clients) -> Fut,
    Fut: Future<Output = Option<Vec<CompletionCandidate>>>,
{
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    runtime
        .block_on(async {
            // The channel is made inside the runtime, whose reactor it needs.
            let clients = clients()?;
            tokio::time::timeout(PATIENCE, ask(clients)).await.ok()?
        })
        .unwrap_or_default()
}

async fn area_candidates(mut clients: Clients) -> Option<Vec<CompletionCandidate>> {
    let mut found = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = clients
            .areas
            .list_areas(pb::ListAreasRequest {
                region: 0,
                page_size: 200,
                page_token,
            })
            .await
            .ok()?
            .into_inner();
        found.extend(
            page.areas
                .into_iter()
                .map(|a| CompletionCandidate::new(a.code).help(Some(a.display_name.into()))),
        );
        if page.next_page_token.is_empty() || found.len() >= MOST {
            return Some(found);
        }
        page_token = page.next_page_token;
    }
}

async fn agreement_candidates(mut clients: Clients) -> Option<Vec<CompletionCandidate>> {
    let mut found = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = clients
            .agreements
            .list_agreements(pb::ListAgreementsRequest {
                page_size: 200,
                page_token,
                ..Default::default()
            })
            .await
            .ok()?
            .into_inner();
        found.extend(page.agreements.into_iter().map(|a| {
            let id = a
                .name
                .strip_prefix("agreements/")
                .unwrap_or(&a.name)
                .to_owned();
            let status = pb::AgreementStatus::try_from(a.status)
                .map(|s| {
                    s.as_str_name()
                        .trim_start_matches("AGREEMENT_STATUS_")
                        .to_ascii_lowercase()
                })
                .unwrap_or_default();
            CompletionCandidate::new(id).help(Some(status.into()))
        }));
        if page.next_page_token.is_empty() || found.len() >= MOST {
            return Some(found);
        }
        page_token = page.next_page_token;
    }
}

/// The area codes the server knows, such as `kent`.
pub fn areas() -> Vec<CompletionCandidate> {
    from_server(area_candidates)
}

/// The agreements the user may read, such as `kent-2008-11`.
pub fn agreements() -> Vec<CompletionCandidate> {
    from_server(agreement_candidates)
}

/// Where an area or an agreement is meant (`laa reward kent`, `laa reward
/// kent-2008-11`): both.
pub fn areas_and_agreements() -> Vec<CompletionCandidate> {
    from_server(|clients| async move {
        let mut found = area_candidates(clients.clone()).await?;
        found.extend(agreement_candidates(clients).await?);
        Some(found)
    })
}

/// The script `laa completion SHELL` prints: it registers `laa` with the
/// shell so that each TAB runs `COMPLETE=SHELL laa -- WORDS`. `invoked`
/// is how this process was started (`argv[0]`): the script calls the same
/// binary, by its absolute path when it was started by a path.
pub fn registration(shell: clap_complete::Shell, invoked: Option<OsString>) -> Option<String> {
    let name = clap::ValueEnum::to_possible_value(&shell)?
        .get_name()
        .to_owned();
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells.completer(&name)?;
    let binary: std::path::PathBuf = match invoked.map(std::path::PathBuf::from) {
        Some(path) if path.components().count() > 1 => std::env::current_dir()
            .map(|dir| dir.join(&path))
            .unwrap_or(path)
            .components()
            .filter(|c| *c != std::path::Component::CurDir)
            .collect(),
        _ => std::path::PathBuf::from("laa"),
    };
    let mut script = Vec::new();
    completer
        .write_registration(
            VARIABLE,
            "laa",
            "laa",
            &binary.to_string_lossy(),
            &mut script,
        )
        .ok()?;
    String::from_utf8(script).ok()
}

#[cfg(test)]
mod typed_options_tests {
    use super::*;

    fn line(words: &[&str]) -> Vec<OsString> {
        ["laa", "--", "laa"]
            .iter()
            .chain(words)
            .map(OsString::from)
            .collect()
    }

    fn typed(words: &[&str], completing: Option<usize>) -> Vec<String> {
        typed_client_options(&line(words), completing)
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_client_options_on_the_line_are_taken_and_the_word_being_typed_is_not() {
        assert_eq!(
            typed(&["-o", "json", "--server", "http://a", "show", "k"], None),
            ["--server", "http://a"]
        );
        assert_eq!(
            typed(&["--token=laa_x", "--context", "office", "k"], None),
            ["--token=laa_x", "--context", "office"]
        );
        // Completing the server's own value, or the option itself.
        assert!(typed(&["--server", "ht"], Some(2)).is_empty());
        assert!(typed(&["--serv"], None).is_empty());
        // Nothing after `--` is an option.
        assert!(typed(&["show", "--", "--server", "x", "k"], None).is_empty());
        // A lookalike is not an option.
        assert!(typed(&["--servers=x", "k"], None).is_empty());
    }
}
