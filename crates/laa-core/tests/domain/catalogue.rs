//! The National Indicator Set as extracted from the report.

use std::collections::BTreeSet;

use laa_core::catalogue::{CSV_HEADER, Owner};
use laa_core::*;

use crate::harness::*;

#[test]
fn each_set_version_has_198_active_indicators() {
    for version in [2007, 2008] {
        let set = CATALOGUE.set(set(version)).expect("set exists");
        assert_eq!(set.active().count(), 198, "set {version}");
        assert_eq!(set.status, SetStatus::Published);
    }
    assert_eq!(CATALOGUE.sets().count(), 2);
}

#[test]
fn ni_31_is_withdrawn_in_2008_and_ni_199_exists_only_in_2008() {
    let s2007 = CATALOGUE.set(set(2007)).unwrap();
    let s2008 = CATALOGUE.set(set(2008)).unwrap();
    assert_eq!(s2007.status_of(ni(31)), Some(IndicatorStatus::Active));
    assert_eq!(s2008.status_of(ni(31)), Some(IndicatorStatus::Withdrawn));
    assert_eq!(s2007.status_of(ni(199)), None);
    assert_eq!(s2008.status_of(ni(199)), Some(IndicatorStatus::Active));
    let nums: Vec<u16> = s2007.active().map(|n| n.get()).collect();
    assert_eq!(nums, (1..=198).collect::<Vec<_>>());
}

#[test]
fn exactly_the_16_statutory_indicators_are_flagged() {
    let statutory: BTreeSet<u16> = CATALOGUE
        .indicators()
        .filter(|i| i.statutory)
        .map(|i| i.number.get())
        .collect();
    assert_eq!(
        statutory,
        laa_core::policy::STATUTORY_2008.into_iter().collect()
    );
}

/// Appendix 3d lists 183 indicators (all but the 16 statutory ones). Its
/// counts add up to 4,689 selections; 19 indicators were chosen by no area.
#[test]
fn selections_match_appendix_3d() {
    let counted: Vec<&Indicator> = CATALOGUE
        .indicators()
        .filter(|i| i.laa_selections_2008.is_some())
        .collect();
    assert_eq!(counted.len(), 183);
    assert!(counted.iter().all(|i| !i.statutory));
    let total: u32 = counted
        .iter()
        .map(|i| u32::from(i.laa_selections_2008.unwrap()))
        .sum();
    assert_eq!(total, 4_689);
    let none = counted
        .iter()
        .filter(|i| i.laa_selections_2008 == Some(0))
        .count();
    assert_eq!(none, 19);
    let count = |n: u16| CATALOGUE.indicator(ni(n)).unwrap().laa_selections_2008;
    assert_eq!(count(117), Some(115), "NEET, the most chosen");
    assert_eq!(count(112), Some(106), "under-18 conceptions");
    assert_eq!(count(154), Some(104), "net additional homes");
    assert_eq!(count(72), None, "statutory indicators are not in 3d");
}

#[test]
fn titles_groups_and_owners_are_parsed() {
    let neet = CATALOGUE.indicator(ni(117)).unwrap();
    assert!(
        neet.title
            .contains("not in education, training or employment (NEET)"),
        "{}",
        neet.title
    );
    let ni63 = CATALOGUE.indicator(ni(63)).unwrap();
    assert!(
        ni63.title.starts_with("Stability of placements"),
        "the printing slip '53' is NI 63"
    );
    assert_eq!(CATALOGUE.indicator(ni(15)).unwrap().owner, Owner::Psa(23));
    assert_eq!(
        CATALOGUE.indicator(ni(5)).unwrap().owner,
        Owner::Dso(Department::new("CLG").unwrap())
    );
    assert_eq!(
        CATALOGUE.indicator(ni(14)).unwrap().owner,
        Owner::Unassigned
    );
    let groups: BTreeSet<&str> = CATALOGUE
        .indicators()
        .map(|i| i.subject_group.as_str())
        .collect();
    assert_eq!(groups.len(), 11);
}

#[test]
fn a_malformed_row_is_an_error_naming_its_line() {
    let header = CSV_HEADER.join(",");
    let good = "1,Title,Group,21,,false,2007,,87,percent,higher_is_better";
    let cases = [
        (
            format!("{header}\n{good}\nx,Title,Group,,,false,2007,,1,percent,higher_is_better\n"),
            3,
        ),
        (
            format!(
                "{header}\n{good}\n2,Title,Group,21,CLG,false,2007,,1,percent,higher_is_better\n"
            ),
            3,
        ),
        (
            format!("{header}\n{good}\n2,Title,Group,,,maybe,2007,,1,percent,higher_is_better\n"),
            3,
        ),
        (
            format!("{header}\n{good}\n2,Title,Group,,,false,2007,,151,percent,higher_is_better\n"),
            3,
        ),
        (format!("{header}\n{good}\n2,Title,Group,,,false,2007\n"), 3),
        (format!("{header}\n{good}\n{good}\n"), 3),
        (
            format!("{header}\n2,,Group,,,false,2007,,1,percent,higher_is_better\n"),
            2,
        ),
        (
            format!("{header}\n2,T,Group,,,false,2008,2007,1,percent,higher_is_better\n"),
            2,
        ),
        (
            format!("{header}\n{good}\n2,T,Group,,,false,2007,,1,furlongs,higher_is_better\n"),
            3,
        ),
        (
            format!("{header}\n{good}\n2,T,Group,,,false,2007,,1,percent,sideways\n"),
            3,
        ),
        ("number,title\n1,x\n".to_string(), 1),
        (format!("{header}\n"), 1),
    ];
    for (text, line) in cases {
        let err = Catalogue::parse_csv(&text).expect_err(&text);
        assert_eq!(err.line, line, "{err}");
        assert!(err.to_string().contains(&format!("line {line}")), "{err}");
    }
}

/// Issue 12's examples: which way is better, and in what unit, for the
/// indicators people quote.
#[test]
fn every_indicator_knows_which_way_is_better_and_its_unit() {
    use laa_core::Polarity::{HigherIsBetter as Higher, LowerIsBetter as Lower};
    let of = |n: u16| {
        let i = CATALOGUE.indicator(ni(n)).unwrap();
        (i.polarity, i.unit)
    };
    for n in [117, 112, 56, 15, 16, 47, 120, 158, 191] {
        assert_eq!(of(n).0, Lower, "NI {n}");
    }
    for n in [154, 155, 163, 192, 4, 5, 8] {
        assert_eq!(of(n).0, Higher, "NI {n}");
    }
    assert_eq!(of(154).1, Unit::Count);
    assert_eq!(of(155).1, Unit::Count);
    assert_eq!(of(117).1, Unit::Percent);
    assert_eq!(of(15).1, Unit::RatePer1000);
    assert_eq!(of(120).1, Unit::RatePer100000);
    assert_eq!(of(181).1, Unit::Days);
    // The handbook's measure for NI 158 is the share of non-decent homes.
    assert_eq!(
        CATALOGUE.indicator(ni(158)).unwrap().title,
        "% non-decent council homes"
    );
    // An indicator stored as JSON before units and polarities existed
    // still reads: score, higher is better.
    let mut json = serde_json::to_value(CATALOGUE.indicator(ni(117)).unwrap()).unwrap();
    let object = json.as_object_mut().unwrap();
    object.remove("unit");
    object.remove("polarity");
    let old: laa_core::Indicator = serde_json::from_value(json).unwrap();
    assert_eq!((old.polarity, old.unit), (Higher, Unit::Score));
}
