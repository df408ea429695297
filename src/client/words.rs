//! Counts and articles as English writes them: "1 area", "2 areas",
//! "an auditor", "a sign-off token". Every sentence the `laa` binary prints
//! with a number or a role in it goes through these.

/// `n` and the noun, plural unless `n` is one: `count(1, "area")` is
/// "1 area", `count(0, "area")` "0 areas". A noun whose plural is not its
/// singular with `s` (`priority`, `entry`) ends in `y` after a consonant:
/// that `y` becomes `ies`.
pub fn count(n: impl TryInto<u64>, noun: &str) -> String {
    let n: u64 = n.try_into().unwrap_or(u64::MAX);
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {}", plural(noun))
    }
}

/// The plural of a noun (the last word of `noun`).
fn plural(noun: &str) -> String {
    let consonant_y = noun.strip_suffix('y').filter(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| !"aeiou".contains(c.to_ascii_lowercase()))
    });
    match consonant_y {
        Some(stem) => format!("{stem}ies"),
        None if noun.ends_with('s') || noun.ends_with("sh") || noun.ends_with("ch") => {
            format!("{noun}es")
        }
        None => format!("{noun}s"),
    }
}

/// The word with its indefinite article: "an auditor", "a go-negotiator".
/// An initial vowel letter takes "an"; the role and noun names this binary
/// prints have no silent consonants or vowels sounded as consonants.
pub fn a(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiou".contains(c.to_ascii_lowercase()));
    if vowel {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number() {
        for (n, noun, said) in [
            (0u64, "area", "0 areas"),
            (1, "area", "1 area"),
            (2, "area", "2 areas"),
            (1, "agreement", "1 agreement"),
            (150, "agreement", "150 agreements"),
            (1, "event", "1 event"),
            (3, "priority", "3 priorities"),
            (1, "priority", "1 priority"),
            (2, "day", "2 days"),
            (2, "reference stream", "2 reference streams"),
            (2, "match", "2 matches"),
        ] {
            assert_eq!(count(n, noun), said);
        }
    }

    #[test]
    fn articles_follow_the_first_letter() {
        for (word, said) in [
            ("auditor", "an auditor"),
            ("admin", "an admin"),
            ("area-negotiator", "an area-negotiator"),
            ("sign-off", "a sign-off"),
            ("go-negotiator", "a go-negotiator"),
            ("explanation", "an explanation"),
        ] {
            assert_eq!(a(word), said);
        }
    }

    /// Nouns the binary counts: a format string that puts a number
    /// straight before one of them says "1 areas" when the number is one.
    const COUNTED: &[&str] = &[
        "agreements",
        "areas",
        "events",
        "targets",
        "indicators",
        "rows",
        "commands",
        "migrations",
        "tokens",
        "streams",
        "rounds",
        "sets",
        "clients",
        "offers",
    ];

    /// Placeholders that hold a name, not a number ("gose agreements").
    const NAMES: &[&str] = &["region", "dept"];

    /// Every `.rs` file under `dir`.
    fn sources(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, into);
            } else if path.extension().is_some_and(|e| e == "rs") {
                into.push(path);
            }
        }
    }

    #[test]
    fn no_sentence_counts_or_names_a_role_without_these() {
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 20, "the sources were not found");
        let mut found = Vec::new();
        for file in files
            .into_iter()
            .filter(|f| !f.ends_with("client/words.rs"))
        {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") || !code.contains('"') {
                    continue;
                }
                let counted = line.match_indices("} ").any(|(i, _)| {
                    let placeholder = line[..i].rsplit('{').next().unwrap_or_default();
                    let rest = &line[i + 2..];
                    let next: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
                    COUNTED.contains(&next.as_str())
                        // A rate ("commands/s") or an average ("{:.1}")
                        // is no count; a region's name labels a figure.
                        && !rest[next.len()..].starts_with('/')
                        && !placeholder.contains(":.")
                        && !NAMES.contains(&placeholder)
                });
                // "a {role}" is "a auditor" for some roles.
                let article = line.contains("\"a {") || line.contains(" a {");
                if counted || article {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, code));
                }
            }
        }
        assert!(
            found.is_empty(),
            "say counts with words::count and articles with words::a:\n{}",
            found.join("\n")
        );
    }
}
