//! Every write that a rule depends on goes through the event log: the
//! tables `decide` and the readers see (agreements and targets, the
//! indicator sets, their indicators and comments, rounds, areas) are
//! written only as the projections of an append (`store/rows.rs`,
//! `stored.rs`), by an import of a verified history (`store/import.rs`),
//! or dropped to be rebuilt from the log (`store/verify.rs`); the log
//! itself (events and idempotency records) only by an append or an
//! import. This test reads every source of the store and fails when any
//! other file writes one of those tables, by sea-orm or by SQL text.

use std::path::Path;

/// Each table's entity, and the only files (under `src/`) that may write it.
const WRITERS: &[(&str, &[&str])] = &[
    ("event", &["store/rows.rs", "store/import.rs"]),
    ("request", &["store/rows.rs", "store/import.rs"]),
    (
        "agreement",
        &["store/rows.rs", "store/import.rs", "store/verify.rs"],
    ),
    (
        "target",
        &["store/rows.rs", "store/import.rs", "store/verify.rs"],
    ),
    ("indicator_set", &["stored.rs"]),
    ("indicator", &["stored.rs"]),
    ("indicator_set_comment", &["stored.rs"]),
    ("round", &["stored.rs"]),
    ("area", &["stored.rs"]),
];

/// The tables outside the log's projections, and their one writer each:
/// the fixed list of regions, the credentials, the workspace's sessions
/// and sign-in links (who is signed in decides no rule), and the email
/// notification subscriptions (nor does who is told; a rotation carries
/// one over, from `credentials.rs`, through `notifications.rs`).
const OTHERS: &[(&str, &str)] = &[
    ("region", "reference.rs"),
    ("credential", "credentials.rs"),
    ("session", "sessions.rs"),
    ("sign_in_link", "sessions.rs"),
    ("notification_subscription", "notifications.rs"),
];

/// The files that may hold SQL text that writes: the fixed batch statement
/// of PostgreSQL (the same rows as `rows.rs`), the broken histories, the
/// benchmark's floor.
const SQL_TEXT_WRITERS: &[&str] = &["store/unnest.rs", "store/broken.rs", "bench.rs"];

const WRITES: [&str; 7] = [
    "::Entity::insert(",
    "::Entity::insert_many(",
    "::Entity::update(",
    "::Entity::update_many(",
    "::Entity::delete(",
    "::Entity::delete_many(",
    "::Entity::delete_by_id(",
];

#[test]
fn the_tables_rules_depend_on_are_written_only_through_the_event_log() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = laa_testkit::rust_sources(&src, true);
    let mut seen = 0;
    for file in files {
        let name = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).expect("a source");
        for (n, line) in text.lines().enumerate() {
            for write in WRITES {
                let Some(at) = line.find(write) else {
                    continue;
                };
                seen += 1;
                let entity = line[..at]
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                let allowed = WRITERS
                    .iter()
                    .find(|(e, _)| *e == entity)
                    .map(|(_, files)| files.contains(&name.as_str()))
                    .or_else(|| {
                        OTHERS
                            .iter()
                            .find(|(e, _)| *e == entity)
                            .map(|(_, f)| *f == name)
                    })
                    .unwrap_or(false);
                assert!(
                    allowed,
                    "{name}:{}: writes `{entity}` outside the event log's path: {line}",
                    n + 1
                );
            }
            let upper = line.to_ascii_uppercase();
            let sql_write = ["INSERT INTO", "DELETE FROM"]
                .iter()
                .any(|w| upper.contains(w))
                || (upper.contains("UPDATE ") && upper.contains(" SET "));
            if sql_write && !line.trim_start().starts_with("//") {
                assert!(
                    SQL_TEXT_WRITERS.contains(&name.as_str()),
                    "{name}:{}: SQL text that writes, outside the event log's path: {line}",
                    n + 1
                );
            }
        }
    }
    assert!(seen >= 15, "the scan found the store's writes ({seen})");
}
