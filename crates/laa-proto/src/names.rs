//! The spellings of the wire's enums that people read and type.
//!
//! A region is printed and accepted both as its Government Office code
//! (`gose`) and as its enum name (`south_east`, also `south-east` or
//! `REGION_SOUTH_EAST`); statuses as their short names (`refresh_open`).

use crate::v1::{AgreementStatus, Region};

/// Every region with its Government Office code, in the report's order.
pub const REGIONS: [(Region, &str); 9] = [
    (Region::NorthEast, "gone"),
    (Region::NorthWest, "gonw"),
    (Region::YorkshireAndTheHumber, "goyh"),
    (Region::EastMidlands, "goem"),
    (Region::WestMidlands, "gowm"),
    (Region::EastOfEngland, "goeast"),
    (Region::London, "gol"),
    (Region::SouthEast, "gose"),
    (Region::SouthWest, "gosw"),
];

/// Every agreement status a filter may name.
pub const AGREEMENT_STATUSES: [AgreementStatus; 7] = [
    AgreementStatus::Draft,
    AgreementStatus::Submitted,
    AgreementStatus::Placeholder,
    AgreementStatus::Agreed,
    AgreementStatus::RefreshOpen,
    AgreementStatus::Refreshed,
    AgreementStatus::Closed,
];

/// An enum value's proto name without its prefix, in lower case:
/// `short_name("AGREEMENT_STATUS_REFRESH_OPEN", "AGREEMENT_STATUS_")` is `refresh_open`.
pub fn short_name(proto_name: &str, prefix: &str) -> String {
    proto_name
        .strip_prefix(prefix)
        .unwrap_or(proto_name)
        .to_ascii_lowercase()
}

/// A region's Government Office code (`gose`); empty for unspecified.
pub fn region_code(region: Region) -> &'static str {
    REGIONS
        .iter()
        .find(|(r, _)| *r == region)
        .map_or("", |(_, code)| code)
}

/// A region's enum name (`south_east`).
pub fn region_name(region: Region) -> String {
    short_name(region.as_str_name(), "REGION_")
}

/// Folds the ways people write a name: case, spaces and dashes.
fn fold(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// A region from its code (`gose`, `go-east`) or its name (`south_east`,
/// `South East`, `REGION_SOUTH_EAST`).
pub fn parse_region(text: &str) -> Option<Region> {
    let folded = fold(text);
    let bare = folded.strip_prefix("region_").unwrap_or(&folded);
    REGIONS
        .iter()
        .find(|(region, code)| {
            *code == bare || *code == bare.replace('_', "") || region_name(*region) == bare
        })
        .map(|(region, _)| *region)
}

/// An agreement status from its short name (`refresh_open`, `refresh-open`)
/// or its full name.
pub fn parse_agreement_status(text: &str) -> Option<AgreementStatus> {
    let folded = fold(text);
    let bare = folded.strip_prefix("agreement_status_").unwrap_or(&folded);
    AGREEMENT_STATUSES
        .iter()
        .copied()
        .find(|s| short_name(s.as_str_name(), "AGREEMENT_STATUS_") == bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_accepted_as_printed_and_as_codes() {
        for (region, code) in REGIONS {
            assert_eq!(parse_region(code), Some(region));
            assert_eq!(parse_region(&region_name(region)), Some(region));
            assert_eq!(parse_region(region.as_str_name()), Some(region));
        }
        assert_eq!(parse_region("South East"), Some(Region::SouthEast));
        assert_eq!(parse_region("go-east"), Some(Region::EastOfEngland));
        assert_eq!(parse_region("east_of_england"), Some(Region::EastOfEngland));
        assert_eq!(parse_region("atlantis"), None);
        assert_eq!(parse_region("unspecified"), None);
    }

    #[test]
    fn statuses_parse_in_any_spelling() {
        assert_eq!(
            parse_agreement_status("refresh-open"),
            Some(AgreementStatus::RefreshOpen)
        );
        assert_eq!(
            parse_agreement_status("AGREEMENT_STATUS_DRAFT"),
            Some(AgreementStatus::Draft)
        );
        assert_eq!(parse_agreement_status("unspecified"), None);
    }
}
