//! DEPLOYMENT.md's systemd installation, run as written under a temporary
//! folder: every file the unit and `laa.env` name is made by a step, with
//! the modes the steps give it, and the service user has no login shell.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The ```sh block of DEPLOYMENT.md that installs the systemd unit.
fn install_steps() -> String {
    let markdown = std::fs::read_to_string(root().join("docs/DEPLOYMENT.md")).expect("DEPLOYMENT");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
        .into_iter()
        .find(|b| b.contains("deploy/laa.service"))
        .expect("a block installing deploy/laa.service")
}

/// The absolute paths a file names after `key` on each line (`LAA_TLS_CERT=/etc/...`).
fn paths_after(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(key).map(|(_, rest)| rest.trim().to_owned()))
        .filter(|p| p.starts_with('/'))
        .collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn the_systemd_installation_runs_as_written() {
    let steps = install_steps();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("root");
    let checkout = dir.path().join("checkout");
    for folder in ["deploy", "docs", "target/release"] {
        std::fs::create_dir_all(checkout.join(folder)).unwrap();
    }
    for file in ["deploy/laa.service", "deploy/laa.env", "docs/DEPLOYMENT.md"] {
        std::fs::copy(root().join(file), checkout.join(file)).unwrap();
    }
    std::fs::copy(
        env!("CARGO_BIN_EXE_laa"),
        checkout.join("target/release/laa"),
    )
    .unwrap();
    // The system's folders move under the prefix; the commands that change
    // the machine itself (a user, a group, systemd) are recorded instead,
    // and `install` drops the owner and group of a user this machine lacks.
    let mut script = steps.clone();
    for system in ["/etc/", "/usr/local/", "/usr/share/"] {
        script = script.replace(&format!(" {system}"), &format!(" $PREFIX{system}"));
    }
    let script = format!(
        r#"set -e
useradd() {{ echo "useradd $*" >> "$CALLS"; }}
systemctl() {{ echo "systemctl $*" >> "$CALLS"; }}
chgrp() {{ echo "chgrp $*" >> "$CALLS"; }}
install() {{
    local args=()
    while [ $# -gt 0 ]; do
        case "$1" in -o|-g) echo "install $1 $2" >> "$CALLS"; shift 2;; *) args+=("$1"); shift;; esac
    done
    command install "${{args[@]}}"
}}
{script}"#
    );
    let calls = dir.path().join("calls");
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&checkout)
        .env("PREFIX", &prefix)
        .env("CALLS", &calls)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "the steps failed:\n{steps}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&calls).unwrap_or_default();
    let useradd = calls
        .lines()
        .find(|l| l.starts_with("useradd "))
        .expect("a service user is made");
    assert!(
        useradd.contains("--system") && useradd.contains("--shell /usr/sbin/nologin"),
        "the service user has no login shell: {useradd}"
    );
    assert!(calls.contains("systemctl daemon-reload"), "{calls}");
    assert!(calls.contains("systemctl enable --now laa"), "{calls}");
    let at = |path: &str| prefix.join(path.trim_start_matches('/'));

    // Every file the unit names exists, the documentation included.
    let unit = std::fs::read_to_string(at("/etc/systemd/system/laa.service")).expect("the unit");
    for (key, expected) in [
        ("ExecStart=", None),
        ("EnvironmentFile=", Some(0o640)),
        ("Documentation=file://", Some(0o644)),
    ] {
        let named = paths_after(&unit, key);
        assert!(!named.is_empty(), "the unit names no {key}");
        for path in named {
            let path = path
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            assert!(at(&path).is_file(), "{key}{path} is not installed");
            if let Some(m) = expected {
                assert_eq!(mode(&at(&path)), m, "{path}");
            }
        }
    }
    assert_eq!(mode(&at("/usr/local/bin/laa")), 0o755);
    // Every file laa.env names exists; the key is readable by the service's
    // group and nobody else.
    let env = std::fs::read_to_string(at("/etc/laa/laa.env")).unwrap();
    let named: Vec<String> = ["LAA_TLS_CERT=", "LAA_TLS_KEY="]
        .iter()
        .flat_map(|k| paths_after(&env, k))
        .collect();
    assert_eq!(named.len(), 2, "{env}");
    for path in &named {
        assert!(
            at(path).is_file(),
            "laa.env names {path}, which no step makes"
        );
    }
    assert_eq!(mode(&at("/etc/laa/tls/server.key")), 0o640);
    assert_eq!(mode(&at("/etc/laa/tls")), 0o750);
    assert!(
        calls.contains("chgrp laa ") && calls.contains("install -g laa"),
        "the service's group reads the key and the settings: {calls}"
    );
}
