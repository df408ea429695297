//! Identifiers and small value types that can only exist valid.
//!
//! Each type here is parsed once, at the boundary, and trusted afterwards
//! (the "parse, don't validate" habit): an [`IndicatorNumber`] is always in
//! range, an [`AreaCode`] is always a clean slug, a [`FinancialYear`] always
//! names a real year.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a piece of input could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ParseError {
    /// The field or kind of value that was being parsed.
    pub field: &'static str,
    /// What was wrong with it, as a sentence fragment a person can act on.
    pub problem: String,
}

/// The most characters of an offending value an error quotes.
pub const QUOTE_CHARS: usize = 64;

/// Quotes an offending value for an error message: at most
/// [`QUOTE_CHARS`] characters of it (then `…`), control characters shown as
/// `\u{FFFD}`, between single quotes. An error never echoes unbounded input.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(QUOTE_CHARS * 4) + 8);
    out.push('\'');
    let mut chars = value.chars();
    for c in chars.by_ref().take(QUOTE_CHARS) {
        out.push(if c.is_control() { '\u{FFFD}' } else { c });
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push('\'');
    out
}

impl ParseError {
    pub(crate) fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }
}

/// The number of a National Indicator ("NI 117"), 1 to 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct IndicatorNumber(u16);

impl IndicatorNumber {
    /// The largest number accepted; the 2008 set ends at 199.
    pub const MAX: u16 = 999;

    /// Makes an indicator number, refusing 0 and anything above [`Self::MAX`].
    pub fn new(number: u16) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&number) {
            Ok(Self(number))
        } else {
            Err(ParseError::new(
                "indicator",
                format!(
                    "NI {number} is out of range: indicator numbers run from 1 to {}",
                    Self::MAX
                ),
            ))
        }
    }

    /// The number as an integer.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for IndicatorNumber {
    type Error = ParseError;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<IndicatorNumber> for u16 {
    fn from(value: IndicatorNumber) -> Self {
        value.0
    }
}

impl FromStr for IndicatorNumber {
    type Err = ParseError;
    /// Accepts `117`, `NI 117`, `NI117` and `ni-117`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let digits = trimmed
            .strip_prefix("NI")
            .or_else(|| trimmed.strip_prefix("ni"))
            .map(|rest| rest.trim_start_matches([' ', '-']))
            .unwrap_or(trimmed);
        let number: u16 = digits.parse().map_err(|_| {
            ParseError::new(
                "indicator",
                format!(
                    "{} is not an indicator number such as 117 or NI 117",
                    quote(s)
                ),
            )
        })?;
        Self::new(number)
    }
}

impl fmt::Display for IndicatorNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NI {}", self.0)
    }
}

/// The version of an indicator set: the year it was published (`2007`, `2008`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SetVersion(u16);

impl SetVersion {
    /// Makes a set version from a plausible year (2000 to 2999).
    pub fn new(year: u16) -> Result<Self, ParseError> {
        if (2000..=2999).contains(&year) {
            Ok(Self(year))
        } else {
            Err(ParseError::new(
                "indicator_set",
                format!(
                    "{year} is not a set version: use the year of publication, such as 2007 or 2008"
                ),
            ))
        }
    }

    /// The year as an integer.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl FromStr for SetVersion {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let year: u16 = s.trim().parse().map_err(|_| {
            ParseError::new(
                "indicator_set",
                format!("{} is not a set version such as 2008", quote(s)),
            )
        })?;
        Self::new(year)
    }
}

impl fmt::Display for SetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A financial (or academic) year of an agreement's period, named by the
/// calendar year it starts in and printed the way the report prints it:
/// `2008/09`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FinancialYear(u16);

impl FinancialYear {
    /// The year starting in `start` (2000 to 2998).
    pub fn starting(start: u16) -> Result<Self, ParseError> {
        if (2000..=2998).contains(&start) {
            Ok(Self(start))
        } else {
            Err(ParseError::new(
                "year",
                format!("{start} is not a plausible year"),
            ))
        }
    }

    /// A year from a literal in this crate's presets (checked by their tests).
    pub(crate) const fn from_literal(start: u16) -> Self {
        Self(start)
    }

    /// The calendar year the financial year starts in.
    pub fn start(self) -> u16 {
        self.0
    }

    /// The year after this one.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// The first day after the year: 1 April of the calendar year it ends in.
    pub fn ended_on(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(i32::from(self.0) + 1, 4, 1)
            .expect("1 April exists in every year from 2001 to 2999")
    }
}

impl FromStr for FinancialYear {
    type Err = ParseError;
    /// Accepts `2008/09`, `2008-09` and `2008/2009`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ParseError::new(
                "year",
                format!("{} is not a financial year such as 2008/09", quote(s)),
            )
        };
        let (start, end) = s.trim().split_once(['/', '-']).ok_or_else(bad)?;
        let start: u16 = start.parse().map_err(|_| bad())?;
        let end: u16 = end.parse().map_err(|_| bad())?;
        let end_full = match end {
            0..=99 => (start / 100) * 100 + end + if end < start % 100 { 100 } else { 0 },
            _ => end,
        };
        if end_full != start + 1 {
            return Err(bad());
        }
        Self::starting(start)
    }
}

impl TryFrom<String> for FinancialYear {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<FinancialYear> for String {
    fn from(value: FinancialYear) -> Self {
        value.to_string()
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

/// Declares a string newtype that holds a lowercase slug (`[a-z0-9-]`,
/// 1 to 64 characters, no leading or trailing hyphen).
macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a slug: lowercase letters, digits and inner hyphens, 1 to 64 characters.
            pub fn new(value: impl Into<String>) -> Result<Self, ParseError> {
                let value = value.into();
                if is_slug(&value) {
                    Ok(Self(value))
                } else {
                    Err(ParseError::new(
                        $field,
                        if value.is_empty() {
                            "is required: 1 to 64 lowercase letters, digits or inner hyphens".to_owned()
                        } else {
                            format!("{} must be 1 to 64 lowercase letters, digits or inner hyphens", $crate::ids::quote(&value))
                        },
                    ))
                }
            }

            /// A slug from a literal in this crate's presets (checked by their tests).
            #[allow(dead_code)]
            pub(crate) fn from_literal(value: &'static str) -> Self {
                debug_assert!(is_slug(value));
                Self(value.to_owned())
            }

            /// The slug as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn is_slug(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && !value.starts_with('-')
        && !value.ends_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

slug_type!(
    /// An upper-tier area (county, unitary, metropolitan or London borough), such as `kent`.
    AreaCode,
    "area"
);
slug_type!(
    /// One agreement: by convention `{area}-{round}`, such as `kent-2008-11`.
    AgreementId,
    "agreement"
);
slug_type!(
    /// A refresh round named in the round policy, such as `2009`.
    RefreshId,
    "refresh"
);
slug_type!(
    /// A negotiating round, such as `2008-11` (a round's policy may ask
    /// more of its name: [`crate::RoundPolicy::validate`]).
    RoundName,
    "round"
);
slug_type!(
    /// The code of a local indicator outside the National Indicator Set, such as `l-graffiti`.
    LocalIndicatorCode,
    "local_indicator"
);

impl AgreementId {
    /// The conventional id of an area's agreement for a round: `{area}-{round}`.
    pub fn for_area(area: &AreaCode, round: &str) -> Result<Self, ParseError> {
        Self::new(format!("{area}-{round}"))
    }
}

/// A target within one agreement: numbered from 1 in the order they were
/// proposed (the statutory targets come first). Numbers are never reused, so a
/// withdrawn target keeps its number and its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TargetId(u32);

impl TargetId {
    /// Makes a target id; 0 is not one.
    pub fn new(n: u32) -> Result<Self, ParseError> {
        if n == 0 {
            Err(ParseError::new("target", "target numbers start at 1"))
        } else {
            Ok(Self(n))
        }
    }

    /// The number as an integer.
    pub fn get(self) -> u32 {
        self.0
    }

    pub(crate) fn first() -> Self {
        Self(1)
    }

    pub(crate) fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The nine regional Government Offices that negotiate for Whitehall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Region {
    /// Government Office for the North East (GONE).
    NorthEast,
    /// Government Office for the North West (GONW).
    NorthWest,
    /// Government Office for Yorkshire and the Humber (GOYH).
    YorkshireAndTheHumber,
    /// Government Office for the East Midlands (GOEM).
    EastMidlands,
    /// Government Office for the West Midlands (GOWM).
    WestMidlands,
    /// Government Office for the East of England (GO-East).
    EastOfEngland,
    /// Government Office for London (GOL).
    London,
    /// Government Office for the South East (GOSE).
    SouthEast,
    /// Government Office for the South West (GOSW).
    SouthWest,
}

impl Region {
    /// All nine, in the report's order.
    pub const ALL: [Region; 9] = [
        Region::NorthEast,
        Region::NorthWest,
        Region::YorkshireAndTheHumber,
        Region::EastMidlands,
        Region::WestMidlands,
        Region::EastOfEngland,
        Region::London,
        Region::SouthEast,
        Region::SouthWest,
    ];

    /// The stable code used on the wire and in storage, such as `gone`.
    pub fn code(self) -> &'static str {
        match self {
            Region::NorthEast => "gone",
            Region::NorthWest => "gonw",
            Region::YorkshireAndTheHumber => "goyh",
            Region::EastMidlands => "goem",
            Region::WestMidlands => "gowm",
            Region::EastOfEngland => "goeast",
            Region::London => "gol",
            Region::SouthEast => "gose",
            Region::SouthWest => "gosw",
        }
    }

    /// The Government Office's name.
    pub fn name(self) -> &'static str {
        match self {
            Region::NorthEast => "Government Office for the North East",
            Region::NorthWest => "Government Office for the North West",
            Region::YorkshireAndTheHumber => "Government Office for Yorkshire and the Humber",
            Region::EastMidlands => "Government Office for the East Midlands",
            Region::WestMidlands => "Government Office for the West Midlands",
            Region::EastOfEngland => "Government Office for the East of England",
            Region::London => "Government Office for London",
            Region::SouthEast => "Government Office for the South East",
            Region::SouthWest => "Government Office for the South West",
        }
    }
}

impl FromStr for Region {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        Region::ALL
            .into_iter()
            .find(|r| r.code() == wanted)
            .ok_or_else(|| {
                ParseError::new(
                    "region",
                    format!("{} is not a Government Office region: use one of gone, gonw, goyh, goem, gowm, goeast, gol, gose, gosw", quote(s)),
                )
            })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A Whitehall department on whose behalf a Government Office makes a
/// demand, such as `HO` (Home Office) or `DCSF`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Department(String);

impl Department {
    /// Parses a department abbreviation: 2 to 12 ASCII letters (`HO`, `DCSF`, `MoJ`, `Defra`).
    pub fn new(value: impl Into<String>) -> Result<Self, ParseError> {
        let value = value.into();
        if (2..=12).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(value))
        } else {
            Err(ParseError::new(
                "department",
                format!(
                    "{} is not a department abbreviation such as HO, DCSF or DH",
                    quote(&value)
                ),
            ))
        }
    }

    /// The abbreviation.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Department {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Department> for String {
    fn from(value: Department) -> Self {
        value.0
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_numbers_parse_in_the_forms_people_type() {
        assert_eq!("117".parse::<IndicatorNumber>().unwrap().get(), 117);
        assert_eq!("NI 117".parse::<IndicatorNumber>().unwrap().get(), 117);
        assert_eq!("ni-31".parse::<IndicatorNumber>().unwrap().get(), 31);
        assert!("0".parse::<IndicatorNumber>().is_err());
        assert!("1000".parse::<IndicatorNumber>().is_err());
        assert!("abc".parse::<IndicatorNumber>().is_err());
    }

    #[test]
    fn financial_years_print_and_parse_like_the_report() {
        let y: FinancialYear = "2008/09".parse().unwrap();
        assert_eq!(y.to_string(), "2008/09");
        assert_eq!("2009-10".parse::<FinancialYear>().unwrap().start(), 2009);
        assert_eq!(
            "1999/2000".parse::<FinancialYear>().unwrap_err().field,
            "year"
        );
        assert_eq!(
            "2099/00".parse::<FinancialYear>().unwrap().to_string(),
            "2099/00"
        );
        assert!("2008/10".parse::<FinancialYear>().is_err());
    }

    #[test]
    fn slugs_refuse_anything_but_lowercase_words() {
        assert!(AreaCode::new("tower-hamlets").is_ok());
        assert!(AreaCode::new("Tower Hamlets").is_err());
        assert!(AreaCode::new("-kent").is_err());
        assert!(AreaCode::new("").is_err());
        assert!(AreaCode::new("a".repeat(65)).is_err());
    }

    #[test]
    fn regions_parse_from_their_codes() {
        for region in Region::ALL {
            assert_eq!(region.code().parse::<Region>().unwrap(), region);
        }
        assert_eq!("GO-East".parse::<Region>().unwrap(), Region::EastOfEngland);
        assert!("wales".parse::<Region>().is_err());
    }
}
