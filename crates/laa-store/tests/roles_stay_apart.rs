//! ARCHITECTURE.md: "the store split by role". The public pages and the
//! negotiators' workspace are adapters over the engine: the pages read
//! through a [`laa_store::Queries`], which has no method that writes; the
//! workspace changes the record only through the engine's service methods
//! and holds the roles it needs of the store (queries, credentials,
//! sessions, notifications), never the event log. This test reads their
//! sources and fails if one names the log's type, `Store`, anywhere but
//! the one place the workspace's handles are taken from it.

use std::path::Path;

/// The only line allowed to name `Store`: `Workspace::new`, which takes
/// the roles from it (and the `use` that brings the type in).
const HANDLES_TAKEN: (&str, &str) = (
    "crates/laa-workspace/src/lib.rs",
    "pub fn new(engine: Engine, store: &Store, secure: bool)",
);

#[test]
fn the_pages_and_the_workspace_never_name_the_event_log() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut offenders = Vec::new();
    let mut allowed_seen = false;
    for krate in ["crates/laa-web/src", "crates/laa-workspace/src"] {
        let files = laa_testkit::rust_sources(&root.join(krate), true);
        assert!(!files.is_empty(), "no sources under {krate}");
        for file in files {
            let relative = file.strip_prefix(&root).unwrap_or(&file).to_owned();
            let text = std::fs::read_to_string(&file).expect("a source");
            for (n, line) in text.lines().enumerate() {
                let names_store = line
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == "Store");
                if !names_store || line.trim_start().starts_with("//") {
                    continue;
                }
                let taken_here = relative.ends_with(HANDLES_TAKEN.0);
                allowed_seen |= taken_here && line.contains(HANDLES_TAKEN.1);
                let allowed = taken_here
                    && (line.contains(HANDLES_TAKEN.1) || line.trim_start().starts_with("use "));
                if !allowed {
                    offenders.push(format!("{}:{}: {}", relative.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        allowed_seen,
        "Workspace::new no longer takes its roles from the store: update this test"
    );
    assert!(
        offenders.is_empty(),
        "the pages and the workspace take roles (Queries, Credentials, Sessions, Notifications), never the event log:\n{}",
        offenders.join("\n")
    );
}
