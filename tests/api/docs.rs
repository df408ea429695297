//! The documentation a newcomer meets: QUICKSTART's commands run verbatim,
//! and no link in the README or docs/ leaves the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The ```sh blocks of a Markdown file, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
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
}

#[test]
fn quickstart_runs_verbatim() {
    let markdown = std::fs::read_to_string(root().join("docs/QUICKSTART.md")).expect("QUICKSTART");
    let blocks = shell_blocks(&markdown);
    assert!(blocks.len() >= 6, "{blocks:?}");
    let dir = tempfile::tempdir().expect("temporary directory");
    let bin = Path::new(env!("CARGO_BIN_EXE_laa"))
        .parent()
        .expect("bin dir")
        .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let web_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // The blocks run as written, in one shell, in a fresh folder; only the
    // build is skipped (this test's `laa` is already built) and the ports
    // are free ones rather than 50051 and 8080.
    let script = format!("set -e\ncargo() {{ :; }}\n{}\nwait\n", blocks.join("\n"))
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{web_port}"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("LAA_LISTEN", format!("127.0.0.1:{port}"))
        .env("LAA_HTTP_LISTEN", format!("127.0.0.1:{web_port}"))
        .env("LAA_SERVER", format!("http://127.0.0.1:{port}"))
        .env_remove("LAA_TOKEN")
        .env_remove("LAA_DATABASE_URL")
        .env_remove("LAA_OUTPUT")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "QUICKSTART failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("[NOT_YOUR_TURN]") && stdout.contains("refused: exit 4"),
        "the turn rule, as the text says:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("history intact, 4 events"), "{stdout}");
    assert!(stdout.contains("counter-offers"), "{stdout}");
    // To the end: signed off, and on the public page.
    assert!(
        stdout.contains("imported: 16 rows")
            && stdout
                .contains("agreement signed off: agreements/kent-2008-11 is agreed at version 39"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l == "In force; every target has values"),
        "the public page shows the agreement:\n{stdout}"
    );
    // The server's own words and logs went to its file, not the tutorial's.
    assert!(
        !stdout.contains("laa listening on") && !stderr.contains("\"request\""),
        "{stdout}\n{stderr}"
    );
    let log = std::fs::read_to_string(dir.path().join("laa.log")).expect("laa.log");
    assert!(log.contains("laa listening on"), "{log}");
}

/// Every Markdown link target in a file: `[text](target)`.
fn links(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            found.push(rest[..end].trim().to_owned());
        }
    }
    found
}

#[test]
fn no_link_in_the_readme_or_docs_leaves_the_repository() {
    let root = root().canonicalize().expect("root");
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut bad = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        assert!(
            !text.contains("../shared"),
            "{} names ../shared",
            file.display()
        );
        for link in links(&text) {
            let target = link.split('#').next().unwrap_or_default();
            if link.contains("://") || link.starts_with("mailto:") {
                bad.push(format!(
                    "{}: {link} (outside the repository)",
                    file.display()
                ));
                continue;
            }
            if target.is_empty() {
                continue;
            }
            let resolved = file.parent().expect("folder").join(target);
            match resolved.canonicalize() {
                Ok(p) if p.starts_with(&root) => {}
                Ok(_) => bad.push(format!(
                    "{}: {link} (outside the repository)",
                    file.display()
                )),
                Err(_) => bad.push(format!("{}: {link} (missing)", file.display())),
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

/// ARCHITECTURE.md's invariant: the client speaks only the wire.
#[test]
fn the_client_imports_neither_the_server_nor_the_store() {
    let mut stack = vec![root().join("src/client")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/client") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("read");
                for crate_name in ["laa_server", "laa_store"] {
                    assert!(
                        !text.contains(crate_name),
                        "{} uses {crate_name}",
                        path.display()
                    );
                }
            }
        }
    }
}
