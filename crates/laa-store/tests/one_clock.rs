//! ARCHITECTURE.md: "one clock". Every read of the time of day outside
//! tests goes through `laa_store::Clock` (`crates/laa-store/src/clock.rs`),
//! the clock a store is opened with, so a server replaying a historic round
//! differs from a server of record in that one choice, and a test can see
//! every place time enters. This test reads every Rust source of the
//! workspace, every crate's at every depth, and fails if any file but the
//! clock module reads the system's clock outside its tests.
//!
//! `Instant::now` is not a clock read in this sense: it measures how long
//! something took and never becomes a date.

use std::path::Path;

/// The calls that read the time of day (`chrono::Utc::now` and
/// `chrono::offset::Local::now` included, by their tails).
const CLOCK_READS: &[&str] = &["Utc::now", "Local::now", "SystemTime::now"];

#[test]
fn no_source_reads_the_time_but_through_the_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let clock = Path::new("crates/laa-store/src/clock.rs");
    let paths = laa_testkit::rust_sources(&root, false);
    for expected in [
        "crates/laa-store/src/store/plan.rs",
        "crates/laa-server/src/agreements/command.rs",
        "crates/laa-store/benches/append.rs",
        "src/bench/floor.rs",
        "src/serve.rs",
    ] {
        assert!(
            paths.iter().any(|p| p.ends_with(expected)),
            "{expected} is read too (the workspace is {})",
            root.display()
        );
    }
    let mut offenders = Vec::new();
    for path in &paths {
        if path.ends_with(clock) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("a source file");
        // Unit tests may read the clock, or fix their own times.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let read = CLOCK_READS.iter().any(|call| line.contains(call));
            if read && !line.trim_start().starts_with("//") {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the time is read through laa_store::Clock (the store's `clock()`), never directly:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_clock_module_is_where_the_time_is_read() {
    let clock = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/clock.rs");
    let text = std::fs::read_to_string(&clock).expect("the clock module");
    assert!(
        text.contains("Utc::now()"),
        "{} reads the system's clock",
        clock.display()
    );
}
