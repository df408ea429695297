//! The Whitehall departments and agencies of 2008, as reference data.
//!
//! Embedded from `data/departments_2008.csv` (`code,name,kind`): the
//! departments that own National Indicators (the DSO owners of Appendix 3b)
//! and the other departments and agencies whose demands a Government Office
//! carried. A Government offer names one of them by its code; the code is
//! matched case-insensitively and stored as printed here (`DEFRA` is
//! `Defra`), so the analytics count one department once.

use std::sync::OnceLock;

use crate::ids::Department;

/// The embedded list of departments and agencies.
pub const DEPARTMENTS_2008_CSV: &str = include_str!("../data/departments_2008.csv");

/// One Whitehall department or agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentEntry {
    /// Its canonical code, such as `HO` or `Defra`.
    pub code: Department,
    /// Its name, such as `Home Office`.
    pub name: String,
    /// `department` or `agency`.
    pub kind: String,
}

/// The departments and agencies of 2008, in the CSV's order.
///
/// # Panics
/// Never in a built crate: the embedded CSV is checked by this module's tests.
pub fn departments_2008() -> &'static [DepartmentEntry] {
    static LIST: OnceLock<Vec<DepartmentEntry>> = OnceLock::new();
    LIST.get_or_init(|| parse(DEPARTMENTS_2008_CSV).expect("the embedded departments parse"))
}

/// The canonical department for a code typed in any case (`DEFRA`, `defra`
/// and `Defra` are all `Defra`), or `None` when no department has that code.
pub fn canonical(code: &str) -> Option<&'static DepartmentEntry> {
    let code = code.trim();
    departments_2008()
        .iter()
        .find(|d| d.code.as_str().eq_ignore_ascii_case(code))
}

/// The valid codes, comma-separated, for messages.
pub fn valid_codes() -> String {
    departments_2008()
        .iter()
        .map(|d| d.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse(text: &str) -> Result<Vec<DepartmentEntry>, String> {
    crate::reference_csv::rows(text, &["department", "agency"])?
        .into_iter()
        .map(|row| {
            Ok(DepartmentEntry {
                code: Department::new(row.code).map_err(|e| e.to_string())?,
                name: row.name,
                kind: row.kind,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_parses_with_unique_codes_ignoring_case() {
        let list = departments_2008();
        assert!(list.len() >= 14);
        let mut codes: Vec<String> = list
            .iter()
            .map(|d| d.code.as_str().to_ascii_lowercase())
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), list.len());
        for code in [
            "CLG", "DCSF", "DH", "HO", "DfT", "Defra", "DWP", "BERR", "DCMS", "MoJ", "HMT", "CO",
            "DIUS", "FSA",
        ] {
            assert_eq!(canonical(code).map(|d| d.code.as_str()), Some(code));
        }
    }

    #[test]
    fn codes_match_in_any_case_and_unknown_ones_do_not() {
        assert_eq!(canonical("DEFRA").unwrap().code.as_str(), "Defra");
        assert_eq!(canonical("ho").unwrap().name, "Home Office");
        assert!(canonical("Treasuryish").is_none());
        assert!(valid_codes().contains("HMT"));
    }

    #[test]
    fn every_dso_owner_in_the_catalogue_is_a_known_department() {
        let catalogue = crate::catalogue::Catalogue::national().unwrap();
        for indicator in catalogue.indicators() {
            if let crate::catalogue::Owner::Dso(d) = &indicator.owner {
                assert!(canonical(d.as_str()).is_some(), "{d}");
            }
        }
    }
}
