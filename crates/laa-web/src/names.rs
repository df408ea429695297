//! Names people read: regions without "Government Office for", departments
//! by their full names.

use laa_core::departments::canonical;
use laa_core::{Department, Region};

/// The region's plain name: `South East`, `London`.
pub fn region_name(region: Region) -> &'static str {
    let full = region.name();
    full.strip_prefix("Government Office for the ")
        .or_else(|| full.strip_prefix("Government Office for "))
        .unwrap_or(full)
}

/// The department's full name (`Home Office`), or its code if unknown.
pub fn department_name(department: &Department) -> &str {
    canonical(department.as_str()).map_or(department.as_str(), |d| d.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_read_plainly() {
        assert_eq!(region_name(Region::SouthEast), "South East");
        assert_eq!(region_name(Region::London), "London");
        assert_eq!(
            region_name(Region::YorkshireAndTheHumber),
            "Yorkshire and the Humber"
        );
    }
}
