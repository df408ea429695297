//! England's 150 upper-tier areas of the 2008-11 round, as data.
//!
//! Embedded from `data/areas_2008.csv` (see the NOTES file beside it for
//! how the 150 are made up). Stores load them as reference data; nothing in
//! the rules depends on them.

use crate::catalogue::CatalogueError;
use crate::ids::{AreaCode, Region};

/// The embedded list of the 150 areas.
pub const AREAS_2008_CSV: &str = include_str!("../data/areas_2008.csv");

/// The areas' populations in mid-2007 (approximate: see the NOTES file
/// beside it), loaded with the areas on a new database.
pub const POPULATIONS_2007_CSV: &str = include_str!("../data/area_populations_2007.csv");

/// The date the embedded populations are for: mid-2007.
pub const POPULATIONS_AS_OF: (i32, u32, u32) = (2007, 6, 30);

/// The source the embedded populations are recorded with.
pub const POPULATIONS_SOURCE: &str = "ONS mid-2007 estimate, approximate (laa reference data)";

/// The kinds of upper-tier area.
pub const AREA_KINDS: [&str; 4] = ["county", "unitary", "metropolitan", "london_borough"];

/// One upper-tier area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaEntry {
    /// Its code, such as `kent`.
    pub code: AreaCode,
    /// Its name, such as `Kent`.
    pub name: String,
    /// Its Government Office region.
    pub region: Region,
    /// One of [`AREA_KINDS`].
    pub kind: String,
}

/// The 150 areas of 2008, in region order.
pub fn areas_2008() -> Result<Vec<AreaEntry>, CatalogueError> {
    parse_areas(AREAS_2008_CSV)
}

/// Parses an areas CSV with the header `code,name,region,kind`.
pub fn parse_areas(text: &str) -> Result<Vec<AreaEntry>, CatalogueError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header_ok = reader
        .headers()
        .map(|h| h.iter().eq(["code", "name", "region", "kind"]))
        .unwrap_or(false);
    if !header_ok {
        return Err(CatalogueError {
            line: 1,
            problem: "the header must be `code,name,region,kind`".into(),
        });
    }
    let mut areas = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CatalogueError {
            line: e.position().map_or(0, |p| p.line()),
            problem: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let bad = |problem: String| CatalogueError { line, problem };
        let code = AreaCode::new(field(0)).map_err(|e| bad(e.to_string()))?;
        let name = field(1);
        if name.is_empty() {
            return Err(bad(format!("area {code} has no name")));
        }
        let region: Region = field(2)
            .parse()
            .map_err(|e: crate::ids::ParseError| bad(e.to_string()))?;
        let kind = field(3);
        if !AREA_KINDS.contains(&kind) {
            return Err(bad(format!(
                "'{kind}' is not one of {}",
                AREA_KINDS.join(", ")
            )));
        }
        areas.push(AreaEntry {
            code,
            name: name.to_owned(),
            region,
            kind: kind.to_owned(),
        });
    }
    Ok(areas)
}

/// The embedded mid-2007 population of each area, by code.
pub fn populations_2007() -> Result<Vec<(AreaCode, u64)>, CatalogueError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(POPULATIONS_2007_CSV.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CatalogueError {
            line: e.position().map_or(0, |p| p.line()),
            problem: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |problem: String| CatalogueError { line, problem };
        let code =
            AreaCode::new(record.get(0).unwrap_or("").trim()).map_err(|e| bad(e.to_string()))?;
        let population: u64 = record
            .get(1)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| bad(format!("area {code} has no population")))?;
        out.push((code, population));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_150_areas_in_nine_regions() {
        let areas = areas_2008().unwrap();
        assert_eq!(areas.len(), 150);
        let mut codes: Vec<_> = areas.iter().map(|a| a.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 150, "codes are unique");
        for region in Region::ALL {
            assert!(
                areas.iter().any(|a| a.region == region),
                "{region} has areas"
            );
        }
        let london = areas.iter().filter(|a| a.region == Region::London).count();
        assert_eq!(london, 33, "32 boroughs and the City");
        assert!(
            areas
                .iter()
                .any(|a| a.code.as_str() == "kent" && a.region == Region::SouthEast)
        );
    }

    #[test]
    fn every_area_has_a_population_and_england_adds_up() {
        let areas = areas_2008().unwrap();
        let populations = populations_2007().unwrap();
        assert_eq!(populations.len(), 150);
        for a in &areas {
            assert!(
                populations.iter().any(|(c, p)| *c == a.code && *p > 0),
                "{} has a population",
                a.code
            );
        }
        let england: u64 = populations.iter().map(|(_, p)| p).sum();
        assert_eq!(england, 51_109_000, "within 0.05% of ONS's 51.09 million");
    }

    #[test]
    fn a_malformed_area_names_its_line() {
        let err = parse_areas("code,name,region,kind\nkent,Kent,gose,county\nx,X,wales,county\n")
            .unwrap_err();
        assert_eq!(err.line, 3);
        assert!(parse_areas("code,name\n").is_err());
    }
}
