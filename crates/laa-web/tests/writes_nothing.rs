//! The public pages read the record and write nothing: they are given a
//! `laa_store::Reader`, which has no method that writes, and this test
//! fails if any source of the crate names the store itself.

use std::path::Path;

fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the crate's sources") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_pages_name_a_reader_never_the_store() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source");
        for (n, line) in text.lines().enumerate() {
            let names_store = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == "Store");
            assert!(
                !names_store,
                "{}:{}: the pages take a laa_store::Reader, not the Store: {line}",
                file.display(),
                n + 1
            );
        }
    }
}
