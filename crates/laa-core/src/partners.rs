//! The partners of a Local Strategic Partnership, as reference data, and
//! who delivers each target (recommendation 2: partners "must also be
//! judged on their contribution to cross-cutting local area objectives").
//!
//! Embedded from `data/partners_2008.csv` (`code,name,kind`): the council
//! that negotiates for the area and the partners with a duty to cooperate
//! on the LAA (`statutory`: the police, the primary care trust, fire and
//! rescue, probation, Jobcentre Plus, the Learning and Skills Council...;
//! the report's chief executive: partners "might have a duty to cooperate
//! but they don't have to sign it"), and the partners an LSP brings in
//! besides (`other`: the voluntary and community sector, business, housing
//! associations). Served by `ListPartners`. A target names one lead
//! partner and any contributing partners ([`Partners`], recorded by
//! `NamePartners`); the codes are matched case-insensitively and stored as
//! printed here.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ids::{ParseError, quote};

/// The embedded list of partners.
pub const PARTNERS_2008_CSV: &str = include_str!("../data/partners_2008.csv");

/// The most contributing partners one target may name: every partner of
/// the list but its lead.
pub const MAX_CONTRIBUTORS: usize = 32;

/// A partner's code, such as `police` or `pct`: 2 to 32 lowercase ASCII
/// letters and underscores. Whether it names a partner of the list is
/// checked where a command names it ([`canonical`]), so a history stays
/// readable whatever the list later holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Partner(String);

impl Partner {
    /// Parses a partner's code.
    pub fn new(value: impl Into<String>) -> Result<Self, ParseError> {
        let value = value.into();
        if (2..=32).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            Ok(Self(value))
        } else {
            Err(ParseError::new(
                "partner",
                format!(
                    "{} is not a partner's code such as council, police or pct",
                    quote(&value)
                ),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Partner {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Partner> for String {
    fn from(value: Partner) -> Self {
        value.0
    }
}

impl fmt::Display for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who delivers a target: its lead partner, answerable for it, and the
/// partners contributing to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partners {
    /// The partner that leads.
    pub lead: Partner,
    /// The partners that contribute, in the order named (never the lead,
    /// never one twice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Partner>,
}

impl Partners {
    /// True when `partner` leads or contributes.
    pub fn includes(&self, partner: &Partner) -> bool {
        &self.lead == partner || self.contributors.contains(partner)
    }
}

/// One partner of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerEntry {
    /// Its code, such as `police`.
    pub code: Partner,
    /// Its name, such as `The police (the police authority and the force)`.
    pub name: String,
    /// `statutory` (a duty to cooperate on the LAA) or `other`.
    pub kind: String,
}

/// The partners, in the CSV's order (the order the pages list them).
///
/// # Panics
/// Never in a built crate: the embedded CSV is checked by this module's tests.
pub fn partners_2008() -> &'static [PartnerEntry] {
    static LIST: OnceLock<Vec<PartnerEntry>> = OnceLock::new();
    LIST.get_or_init(|| parse(PARTNERS_2008_CSV).expect("the embedded partners parse"))
}

/// The partner of the list a code typed in any case names (`Police` is
/// `police`), or `None`.
pub fn canonical(code: &str) -> Option<&'static PartnerEntry> {
    let code = code.trim();
    partners_2008()
        .iter()
        .find(|p| p.code.as_str().eq_ignore_ascii_case(code))
}

/// The partner's name, or its code when the list no longer holds it.
pub fn name(partner: &Partner) -> &str {
    canonical(partner.as_str()).map_or(partner.as_str(), |p| p.name.as_str())
}

/// The valid codes, comma-separated, for messages.
pub fn valid_codes() -> String {
    partners_2008()
        .iter()
        .map(|p| p.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A partner's place in the list (for ordering groups as the list does);
/// one the list no longer holds comes last.
pub fn position(partner: &Partner) -> usize {
    partners_2008()
        .iter()
        .position(|p| &p.code == partner)
        .unwrap_or(usize::MAX)
}

fn parse(text: &str) -> Result<Vec<PartnerEntry>, String> {
    crate::reference_csv::rows(text, &["statutory", "other"])?
        .into_iter()
        .map(|row| {
            Ok(PartnerEntry {
                code: Partner::new(row.code).map_err(|e| e.to_string())?,
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
    fn the_embedded_list_parses_with_unique_codes_and_the_reports_partners() {
        let list = partners_2008();
        let mut codes: Vec<&str> = list.iter().map(|p| p.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), list.len());
        assert!(list.len() < MAX_CONTRIBUTORS);
        for code in ["council", "police", "pct", "fire_rescue"] {
            assert_eq!(canonical(code).map(|p| p.code.as_str()), Some(code));
        }
    }

    #[test]
    fn codes_match_in_any_case_and_unknown_ones_do_not() {
        assert_eq!(canonical("POLICE").unwrap().code.as_str(), "police");
        assert!(canonical("army").is_none());
        assert!(valid_codes().contains("pct"));
        assert!(Partner::new("Police").is_err());
        assert!(Partner::new("x").is_err());
        assert_eq!(
            name(&Partner::new("pct").unwrap()),
            "The primary care trust"
        );
        assert!(
            position(&Partner::new("council").unwrap())
                < position(&Partner::new("police").unwrap())
        );
    }
}
