//! ARCHITECTURE.md: "no SQL outside the store". Every statement the engine
//! runs, and every database connection it opens, lives in `laa-store` (and
//! the schema in `migrations/`): the server, the web pages and the tools
//! call the store's methods. This test reads every Rust source of the
//! workspace outside those two, and every manifest, and fails if one names
//! the database's crates, a raw statement or a connection. The suites and
//! their kit (`tests/`, `laa-testkit`, `#[cfg(test)]` modules) may tamper
//! with rows directly, so they are not read.

use std::path::{Path, PathBuf};

/// What only the store may name: the database crates, raw statements, the
/// driver's pools, the store's connection, and SQL written out.
const FORBIDDEN: &[&str] = &[
    "sea_orm",
    "sea_query",
    "sqlx",
    "laa_migration",
    "Statement",
    "query_one_raw",
    "query_all_raw",
    "execute_unprepared",
    "get_postgres_connection_pool",
    "get_sqlite_connection_pool",
    "DatabaseConnection",
    ".connection()",
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    // SQL's DELETE always names its table with FROM; HTTP's DELETE (the
    // browser harness speaking WebDriver) names a path.
    "\"DELETE FROM",
    "\"CREATE ",
    "\"DROP ",
    "\"ALTER ",
    "VACUUM",
    "pg_notify",
    "LISTEN ",
];

/// The dependencies only the store's crates may have.
const FORBIDDEN_DEPENDENCIES: &[&str] = &["sea-orm", "sea-query", "sqlx", "laa-migration"];

/// The workspace's root (this crate is `crates/laa-store`).
fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// True for what this test does not read: the store and the schema, the
/// suites and their kit, and what is not source.
fn exempt(relative: &Path) -> bool {
    [
        "crates/laa-store",
        "migrations",
        "crates/laa-testkit",
        "target",
        ".git",
    ]
    .iter()
    .any(|p| relative.starts_with(p))
        || relative.components().any(|c| c.as_os_str() == "tests")
}

/// Every file under `dir` not exempt, at any depth, whose name ends `suffix`.
fn files(root: &Path, dir: &Path, suffix: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a directory of the workspace") {
        let path = entry.expect("an entry").path();
        let relative = path.strip_prefix(root).expect("under the root");
        if exempt(relative) {
            continue;
        }
        if path.is_dir() {
            files(root, &path, suffix, found);
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
}

#[test]
fn no_rust_source_outside_the_store_names_the_database() {
    let root = root();
    let mut paths = Vec::new();
    files(&root, &root, ".rs", &mut paths);
    for must in [
        "src/admin.rs",
        "src/bench/floor.rs",
        "crates/laa-server/src/lib.rs",
        "crates/laa-server/src/metrics.rs",
        "crates/laa-web/src/lib.rs",
    ] {
        assert!(
            paths.iter().any(|p| p.ends_with(must)),
            "{must} was not read (the workspace's sources were not found under {})",
            root.display()
        );
    }
    let mut offenders = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("a source file");
        // Unit tests may use fixtures of their own.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for word in FORBIDDEN {
                if line.contains(word) {
                    offenders.push(format!(
                        "{}:{}: names {word}: {}",
                        path.strip_prefix(&root).unwrap_or(path).display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL and connections belong in laa-store (add a store method):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_crate_outside_the_store_depends_on_the_database() {
    let root = root();
    let mut manifests = Vec::new();
    files(&root, &root, "Cargo.toml", &mut manifests);
    assert!(
        manifests.len() >= 5,
        "the workspace's manifests were not found under {}",
        root.display()
    );
    let mut offenders = Vec::new();
    for path in &manifests {
        let text = std::fs::read_to_string(path).expect("a manifest");
        let mut section = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_owned();
                continue;
            }
            // The workspace's table names the versions; the suites may
            // tamper with rows (dev-dependencies).
            if section == "[workspace.dependencies]" || section == "[dev-dependencies]" {
                continue;
            }
            for dependency in FORBIDDEN_DEPENDENCIES {
                if line.starts_with(dependency) {
                    offenders.push(format!(
                        "{} {section}: {line}",
                        path.strip_prefix(&root).unwrap_or(path).display()
                    ));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "only laa-store and migrations/ may depend on the database:\n{}",
        offenders.join("\n")
    );
}
