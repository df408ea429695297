//! "Did you mean": the nearest names to a mistyped one.

use laa_proto::names::{REGIONS, parse_region, region_name};
use laa_proto::v1 as pb;

use super::error::CliError;

/// The edit distance between two strings (insertions, deletions, substitutions).
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidates nearest to `wanted` (at most three, closest first), if
/// any is near enough to be what was meant.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = wanted.trim().to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(1) + 1;
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (distance(&wanted, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| {
            *d <= limit || (wanted.len() >= 3 && c.to_ascii_lowercase().starts_with(&wanted))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The numbers one keystroke away from `wanted` (at most three).
pub fn nearest_numbers<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut near: Vec<&str> = candidates
        .into_iter()
        .filter(|c| distance(wanted, c) == 1)
        .collect();
    near.sort_by_key(|c| (c.len() != wanted.len(), *c));
    near.into_iter().take(3).collect()
}

/// "did you mean 'a' or 'b'?", or None when nothing is near.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near = nearest(wanted, candidates);
    if near.is_empty() {
        return None;
    }
    let quoted: Vec<String> = near.iter().map(|c| format!("'{c}'")).collect();
    Some(format!("did you mean {}?", quoted.join(" or ")))
}

/// A region typed by a person: its code (`gose`) or name (`south_east`).
pub fn region(text: &str) -> Result<pb::Region, CliError> {
    parse_region(text).ok_or_else(|| {
        let names: Vec<String> = REGIONS
            .iter()
            .flat_map(|(r, code)| [(*code).to_owned(), region_name(*r)])
            .collect();
        let hint = did_you_mean(text, names.iter().map(String::as_str)).unwrap_or_else(|| {
            "regions: gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw (or their names, such as south_east)".into()
        });
        CliError::usage(format!("'{text}' is not a Government Office region")).hint(hint)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_suggested_and_far_ones_are_not() {
        let areas = ["kent", "surrey", "essex", "east-sussex", "west-sussex"];
        assert_eq!(nearest("kentt", areas), vec!["kent"]);
        assert_eq!(nearest("sussex", areas).len(), 2);
        assert!(nearest("atlantis", areas).is_empty());
        assert_eq!(
            did_you_mean("surey", areas).as_deref(),
            Some("did you mean 'surrey'?")
        );
    }

    #[test]
    fn regions_are_read_in_either_spelling_with_suggestions() {
        assert_eq!(region("south_east").unwrap(), pb::Region::SouthEast);
        assert_eq!(region("gose").unwrap(), pb::Region::SouthEast);
        let err = region("gosee").unwrap_err();
        assert!(err.hint.unwrap().contains("'gose'"));
        let err = region("south_eats").unwrap_err();
        assert!(err.hint.unwrap().contains("'south_east'"));
    }
}
