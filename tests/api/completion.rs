//! Shell completion that asks the server (`laa completion SHELL`, and the
//! entry point its script calls at each TAB: `COMPLETE=SHELL laa --
//! WORDS`): area codes and agreement names from the configured server;
//! nothing, quickly and silently, when there is none.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::cli::ok;
use crate::support::*;

/// What a TAB after `words` offers in `shell`, with `env` (and nothing
/// else: no stored context, no server or token unless given).
fn complete(config: &Path, shell: &str, env: &[(&str, &str)], words: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_laa"));
    cmd.arg("--")
        .arg("laa")
        .args(words)
        .env("COMPLETE", shell)
        // The word being completed is the last one (bash's COMP_CWORD).
        .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
        .env("_CLAP_IFS", "\n")
        .env("XDG_CONFIG_HOME", config)
        .env_remove("LAA_SERVER")
        .env_remove("LAA_TOKEN")
        .env_remove("LAA_CONTEXT")
        .env_remove("LAA_CA_CERT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run laa")
}

/// The candidates offered (the help fish writes after a tab, zsh after a
/// colon, left out).
fn offered(output: &Output) -> Vec<String> {
    ok(output)
        .lines()
        .map(|l| l.split(['\t', ':']).next().unwrap_or_default().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_offers_the_servers_areas_and_agreements() {
    for_each_database(|app| async move {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = app.url();
        let mut go = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go).await;
        let env = [
            ("LAA_SERVER", url.as_str()),
            ("LAA_TOKEN", app.tokens.go.as_str()),
        ];

        for shell in ["bash", "zsh", "fish"] {
            let agreements = offered(&complete(
                dir.path(),
                shell,
                &env,
                &["agreement", "show", "k"],
            ));
            assert_eq!(agreements, ["kent-2008-11"], "{shell} {}", app.backend);
            let areas = offered(&complete(
                dir.path(),
                shell,
                &env,
                &["agreement", "open", "--area", "ke"],
            ));
            // Every area the server knows, in or out of the GO's region.
            assert_eq!(areas, ["kensington-and-chelsea", "kent"], "{shell}");
        }
        // A change names its agreement positionally (offered first, before
        // the flags, on an empty word) or by --agreement.
        let empty = offered(&complete(
            dir.path(),
            "bash",
            &env,
            &["target", "accept", ""],
        ));
        assert_eq!(
            empty.first().map(String::as_str),
            Some("kent-2008-11"),
            "{empty:?}"
        );
        assert_eq!(
            offered(&complete(
                dir.path(),
                "bash",
                &env,
                &["agreement", "endorse", "--agreement", "kent-"]
            )),
            ["kent-2008-11"]
        );
        // Where an area or an agreement is meant, both; the South East
        // GO's agreements are only those it may read.
        let both = offered(&complete(dir.path(), "bash", &env, &["reward", "kent"]));
        assert_eq!(both, ["kent", "kent-2008-11"]);
        let london = [
            ("LAA_SERVER", url.as_str()),
            ("LAA_TOKEN", app.tokens.go_london.as_str()),
        ];
        assert!(
            offered(&complete(
                dir.path(),
                "bash",
                &london,
                &["agreement", "show", "k"]
            ))
            .is_empty()
        );
        // Commands and flags complete as they always did.
        let verbs = offered(&complete(dir.path(), "bash", &env, &["agreement", "li"]));
        assert_eq!(verbs, ["list"]);
        let flags = offered(&complete(
            dir.path(),
            "bash",
            &env,
            &["agreement", "list", "--wai"],
        ));
        assert_eq!(flags, ["--waiting-on-me"]);
    })
    .await;
}

/// The client options typed on the line being completed are the ones a
/// TAB asks with, before the environment's (as the command, once run,
/// would): `laa --server URL agreement show k<TAB>`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_asks_the_server_named_on_the_line() {
    for_each_database(|app| async move {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = app.url();
        let mut go = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go).await;
        let token = app.tokens.go.as_str();
        // Nothing listens where the environment points.
        let elsewhere = [("LAA_SERVER", "http://127.0.0.1:9"), ("LAA_TOKEN", token)];
        let spaced = ["--server", url.as_str(), "agreement", "show", "k"];
        let joined = format!("--server={url}");
        let joined = [joined.as_str(), "agreement", "show", "k"];
        let after = ["agreement", "show", "--server", url.as_str(), "k"];
        for words in [&spaced[..], &joined[..], &after[..]] {
            assert_eq!(
                offered(&complete(dir.path(), "bash", &elsewhere, words)),
                ["kent-2008-11"],
                "{words:?} {}",
                app.backend
            );
        }
        // The token too, with no environment at all.
        let token_too = [
            "--server",
            url.as_str(),
            "--token",
            token,
            "reward",
            "kent-",
        ];
        assert_eq!(
            offered(&complete(dir.path(), "bash", &[], &token_too)),
            ["kent-2008-11"]
        );
        // A stored context named on the line, not the current one.
        let login = |env: &[(&str, &str)], name: &str, extra: &[&str]| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_laa"));
            cmd.args(["login", "--name", name])
                .args(extra)
                .env("XDG_CONFIG_HOME", dir.path())
                .env_remove("LAA_SERVER")
                .env_remove("LAA_TOKEN")
                .env_remove("LAA_CONTEXT");
            for (k, v) in env {
                cmd.env(k, v);
            }
            ok(&cmd.output().expect("run laa"));
        };
        login(&[("LAA_SERVER", &url), ("LAA_TOKEN", token)], "office", &[]);
        login(&elsewhere, "away", &["--no-check"]);
        let named = ["--context", "office", "agreement", "show", "k"];
        assert_eq!(
            offered(&complete(dir.path(), "bash", &[], &named)),
            ["kent-2008-11"]
        );
        assert!(
            offered(&complete(
                dir.path(),
                "bash",
                &[],
                &["agreement", "show", "k"]
            ))
            .is_empty(),
            "the current context is the one away"
        );
    })
    .await;
}

#[test]
fn without_a_server_a_tab_offers_nothing_quickly_and_silently() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // Refused at once (nothing listens on port 9), a server that never
    // answers (a non-routable address), and no token at all.
    for env in [
        vec![("LAA_SERVER", "http://127.0.0.1:9"), ("LAA_TOKEN", "laa_x")],
        vec![
            ("LAA_SERVER", "http://10.255.255.1:50051"),
            ("LAA_TOKEN", "laa_x"),
        ],
        vec![("LAA_SERVER", "http://127.0.0.1:9")],
    ] {
        let started = Instant::now();
        let out = complete(dir.path(), "bash", &env, &["agreement", "show", "k"]);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{env:?}: {:?}",
            started.elapsed()
        );
        assert!(out.status.success(), "{env:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{env:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{env:?}");
    }
}

#[test]
fn the_script_calls_this_binary_back() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["completion", shell])
            .output()
            .expect("run laa");
        let script = ok(&out);
        assert!(
            script.contains("COMPLETE") && script.contains(env!("CARGO_BIN_EXE_laa")),
            "{shell}: {script}"
        );
    }
}
