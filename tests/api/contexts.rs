//! Stored contexts (`laa login`, `laa context`): a server, its CA and a
//! token per context in the user's configuration directory, readable by
//! the user alone; flags and environment variables win over them.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::cli::{fails, ok};
use crate::support::*;

/// `laa` with its configuration in `config` and no server or token in
/// the environment unless `env` gives them; `stdin` is written to it.
fn laa_with(config: &Path, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_laa"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("LAA_SERVER")
        .env_remove("LAA_TOKEN")
        .env_remove("LAA_CONTEXT")
        .env_remove("LAA_CA_CERT")
        .env_remove("LAA_OUTPUT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run laa");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("laa ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_stores_contexts_that_flags_and_variables_override() {
    for_each_database(|app| async move {
        let t = &app.tokens;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        let file = config.join("laa").join("contexts.json");
        let url = app.url();

        // A token the server refuses is not stored.
        let err = fails(&laa_with(
            config,
            &[("LAA_SERVER", &url)],
            &["login", "--name", "bad"],
            "laa_not_a_token\n",
        ));
        assert!(
            err.contains("UNAUTHENTICATED") && err.contains("nothing was stored"),
            "{err}"
        );
        assert!(!file.exists());

        // The GO's token, from LAA_TOKEN; Kent's from standard input.
        let out = laa_with(
            config,
            &[("LAA_SERVER", &url), ("LAA_TOKEN", &t.go)],
            &["login", "--name", "gose"],
            "",
        );
        ok(&out);
        assert!(String::from_utf8_lossy(&out.stderr).contains("context 'gose'"));
        ok(&laa_with(
            config,
            &[("LAA_SERVER", &url)],
            &["login", "--name", "kent"],
            &format!("{}\n", t.kent),
        ));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600, "the contexts file is the user's alone");
        assert_eq!(mode(file.parent().unwrap()), 0o700);

        // The last login is current; list shows no token.
        let listed = ok(&laa_with(config, &[], &["context", "list"], ""));
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with('*') && l.contains("kent")),
            "{listed}"
        );
        assert!(
            !listed.contains(&t.kent) && !listed.contains(&t.go),
            "{listed}"
        );
        // Kent's context: Kent may not open an agreement.
        let err = fails(&laa_with(
            config,
            &[],
            &["agreement", "open", "--area", "kent"],
            "",
        ));
        assert!(err.contains("OUT_OF_SCOPE"), "{err}");
        // `use` switches; --context picks one for one command.
        ok(&laa_with(config, &[], &["context", "use", "gose"], ""));
        let out = ok(&laa_with(
            config,
            &[],
            &["agreement", "open", "--area", "kent"],
            "",
        ));
        assert!(out.contains("agreement opened"), "{out}");
        let err = fails(&laa_with(
            config,
            &[],
            &["--context", "kent", "agreement", "open", "--area", "surrey"],
            "",
        ));
        assert!(err.contains("OUT_OF_SCOPE"), "{err}");
        // The environment wins over the context: another token, another server.
        let err = fails(&laa_with(
            config,
            &[("LAA_TOKEN", "laa_not_a_token")],
            &["agreement", "list"],
            "",
        ));
        assert!(err.contains("UNAUTHENTICATED"), "{err}");
        let out = laa_with(
            config,
            &[("LAA_SERVER", "http://127.0.0.1:1")],
            &["agreement", "list", "--retries", "0"],
            "",
        );
        assert_eq!(out.status.code(), Some(7), "{out:?}");
        // An unknown context is named, with what is stored.
        let out = laa_with(config, &[], &["context", "use", "nowhere"], "");
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("gose, kent"));
    })
    .await;
}

#[test]
fn the_version_names_the_commit() {
    let out = ok(&Command::new(env!("CARGO_BIN_EXE_laa"))
        .arg("--version")
        .output()
        .expect("run laa"));
    let commit = out
        .trim()
        .strip_prefix(concat!("laa ", env!("CARGO_PKG_VERSION"), " (commit "))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{out}"
    );
}
