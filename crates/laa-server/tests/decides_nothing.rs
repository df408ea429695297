//! ARCHITECTURE.md: "the server decides nothing". Who may do what is
//! `laa-core`'s (`decide`, `authorise_read`, `authorise_listing`,
//! `authorise_unopened`); the server may name a role only to put it on the
//! wire (`convert/`). This test reads the server's source, every module
//! at every depth, and fails if any other file names a role outside its
//! tests.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, at any depth, but those under `convert/`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the server's source") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            if !path.ends_with("convert") {
                sources(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_server_names_no_role_outside_its_wire_conversion() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut paths = Vec::new();
    sources(&src, &mut paths);
    let files = paths.len();
    assert!(
        paths.iter().any(|p| p.ends_with("agreements/command.rs")),
        "the modules in subdirectories are read too"
    );
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a source file");
        // Unit tests may build principals of any role.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.contains("Role::") && !line.trim_start().starts_with("//") {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        files >= 5,
        "the server's source was not found in {}",
        src.display()
    );
    assert!(
        offenders.is_empty(),
        "rules about roles belong in laa-core:\n{}",
        offenders.join("\n")
    );
}
