//! ARCHITECTURE.md: "the server decides nothing". Who may do what is
//! `laa-core`'s (`decide`, `authorise_read`, `authorise_listing`,
//! `authorise_unopened`); the server may name a role only to put it on the
//! wire (`convert.rs`). This test reads the server's source and fails if
//! any other file names a role outside its tests.

use std::path::Path;

#[test]
fn the_server_names_no_role_outside_its_wire_conversion() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&src).expect("the server's source") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("convert.rs") {
            continue;
        }
        files += 1;
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
