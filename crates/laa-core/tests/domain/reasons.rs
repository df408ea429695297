//! The reason tables of `docs/API.md` and the README against [`Reason`]:
//! the documentation lists every reason the engine answers, with the
//! statuses it travels with, and no other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use laa_core::Reason;

/// The rows of the first `| reason | status | when |` table after
/// `heading` in a Markdown file: reason to the status codes its status
/// cell names in backticks.
fn reason_table(file: &str, heading: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the document exists");
    let after = &text[text.find(heading).expect("the heading exists")..];
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in after.lines().map(str::trim) {
        if line.starts_with("| reason | status |") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("| ---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let reason = cells[1].trim_matches('`').to_owned();
        let statuses = cells[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        assert!(
            rows.insert(reason.clone(), statuses).is_none(),
            "{reason} twice in {file}"
        );
    }
    assert!(
        !rows.is_empty(),
        "no reason table after {heading} in {file}"
    );
    rows
}

fn statuses(reason: Reason) -> BTreeSet<String> {
    reason.statuses().iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_api_reference_lists_every_reason_with_its_statuses() {
    let table = reason_table("docs/API.md", "## Error reasons");
    let documented: BTreeSet<&str> = table.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        documented, known,
        "docs/API.md's reason table and Reason::ALL disagree"
    );
    for reason in Reason::ALL {
        assert_eq!(
            table[reason.as_str()],
            statuses(reason),
            "the statuses of {reason}"
        );
    }
}

#[test]
fn the_readme_names_only_known_reasons_with_their_statuses() {
    let table = reason_table("README.md", "Errors carry exactly one");
    for (text, documented) in &table {
        let reason = Reason::parse(text).unwrap_or_else(|| panic!("README names {text}"));
        assert_eq!(
            *documented,
            statuses(reason),
            "the statuses of {reason} in the README"
        );
    }
}
