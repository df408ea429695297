//! Recommendation 2: an area assessed on its negotiated targets apart from
//! the rest of the National Indicator Set, and its partners on their
//! contribution. The two commands that feed the assessment
//! (`RecordIndicatorActual`, `NamePartners`), each rule once, then the
//! assessment itself.

use laa_core::partners::Partner;
use laa_core::performance::{Comparator, Status, assess};
use laa_core::*;
use rust_decimal::Decimal;

use crate::harness::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn partner(code: &str) -> Partner {
    Partner::new(code).unwrap()
}

fn report(indicator: u16, y: &str, value: &str) -> Command {
    Command::RecordIndicatorActual {
        indicator: ni(indicator),
        year: year(y),
        value: dec(value),
        source: "Audit Commission data hub".into(),
    }
}

fn name(target: u32, lead: &str, contributors: &[&str]) -> Command {
    Command::NamePartners {
        target: tid(target),
        lead: partner(lead),
        contributors: contributors.iter().map(|c| partner(c)).collect(),
    }
}

fn record(target: u32, y: &str, value: &str) -> Command {
    Command::RecordActual {
        target: tid(target),
        year: year(y),
        value: dec(value),
        source: "Connexions CCIS".into(),
    }
}

/// Kent signed off with NI 117 (NEET, lower is better) agreed from 8.0
/// towards 7.0, after the period.
fn kent() -> (Negotiation, u32) {
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        117,
        values(Unit::Percent, dec("8.0"), ["7.8", "7.4", "7.0"].map(dec)),
    );
    (n.signed_off().after_the_period(), id)
}

// RecordIndicatorActual.

#[test]
fn the_area_records_an_actual_on_an_indicator_it_has_no_target_on() {
    let (n, _) = kent();
    let n = n
        .when(&area(), report(154, "2008/09", "5100"))
        .then_events(&["indicator_actual_recorded"]);
    let n = n
        .when(&area(), report(154, "2008/09", "5200"))
        .then_events(&["indicator_actual_recorded"]);
    let years = &n.state.indicator_actuals[&ni(154)];
    assert_eq!(
        years[&year("2008/09")].value,
        dec("5200"),
        "the latest counts"
    );
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
}

#[test]
fn an_indicator_with_a_negotiated_target_takes_its_actual_on_the_target() {
    let (n, id) = kent();
    let e = n
        .when(&area(), report(117, "2008/09", "7.5"))
        .then_refused("INVALID_TERMS");
    assert!(e.to_string().contains(&format!("target {id}")), "{e}");
}

#[test]
fn an_indicator_actual_is_checked_like_a_targets() {
    let (n, _) = kent();
    // Its unit: NI 192 is a percentage.
    n.when(&area(), report(192, "2008/09", "101"))
        .then_refused("INVALID_TERMS");
    // A year of the period, once it has ended.
    n.when(&area(), report(192, "2011/12", "40"))
        .then_refused("INVALID_TERMS");
    let (early, _) = kent();
    early
        .clock(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2009, 2, 1, 9, 0, 0).unwrap())
        .when(&area(), report(192, "2008/09", "40"))
        .then_refused("INVALID_TERMS");
    // An indicator of the agreement's bound set (NI 199 came in 2008).
    n.when(&area(), report(199, "2008/09", "40"))
        .then_refused("INDICATOR_NOT_ACTIVE");
    // Its source.
    n.when(
        &area(),
        Command::RecordIndicatorActual {
            indicator: ni(192),
            year: year("2008/09"),
            value: dec("40"),
            source: " ".into(),
        },
    )
    .then_refused("INVALID_TERMS");
}

#[test]
fn indicator_actuals_are_the_areas_to_record_once_the_agreement_is_in_force() {
    let (n, _) = kent();
    n.when(&go(), report(192, "2008/09", "40"))
        .then_refused("OUT_OF_SCOPE");
    n.when(&other_area(), report(192, "2008/09", "40"))
        .then_refused("OUT_OF_SCOPE");
    Negotiation::opened()
        .after_the_period()
        .when(&area(), report(192, "2008/09", "40"))
        .then_refused("AGREEMENT_NOT_EDITABLE");
}

// NamePartners.

#[test]
fn a_negotiator_names_a_targets_lead_and_contributing_partners() {
    let (n, id) = kent();
    let n = n
        .when(&area(), name(id, "council", &["lsc", "jobcentre_plus"]))
        .then_events(&["partners_named"]);
    let named = &n.state.partners[&tid(id)];
    assert_eq!(named.lead, partner("council"));
    assert_eq!(
        named.contributors,
        vec![partner("lsc"), partner("jobcentre_plus")]
    );
    // Named again, the later naming replaces the earlier; the GO may name too.
    let n = n
        .when(&go(), name(id, "police", &[]))
        .then_events(&["partners_named"]);
    assert_eq!(n.state.partners[&tid(id)].lead, partner("police"));
    assert!(n.state.partners[&tid(id)].contributors.is_empty());
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
}

#[test]
fn partners_come_from_the_list_once_each_and_the_lead_is_not_a_contributor() {
    let (n, id) = kent();
    n.when(&area(), name(id, "army", &[]))
        .then_refused("INVALID_TERMS");
    n.when(&area(), name(id, "council", &["army"]))
        .then_refused("INVALID_TERMS");
    n.when(&area(), name(id, "council", &["council"]))
        .then_refused("INVALID_TERMS");
    n.when(&area(), name(id, "council", &["pct", "pct"]))
        .then_refused("INVALID_TERMS");
    n.when(&area(), name(99, "council", &[]))
        .then_refused("NOT_FOUND");
}

#[test]
fn partners_are_named_during_negotiation_without_voiding_the_endorsement() {
    let n = Negotiation::statutory_settled().given(&go(), propose(117, fitting(117)));
    let n = n
        .given(&area(), accept(17))
        .given(&area(), Command::EndorseAgreement);
    let n = n
        .when(&area(), name(17, "council", &["pct"]))
        .then_events(&["partners_named"]);
    assert!(n.state.endorsed, "who delivers a target is not its terms");
    // A withdrawn target takes no partners.
    let n = n
        .given(&go(), propose(163, fitting(163)))
        .given(&go(), withdraw(18));
    n.when(&area(), name(18, "council", &[]))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    // Nobody else names them.
    n.when(&minister(), name(17, "council", &[]))
        .then_refused("OUT_OF_SCOPE");
    n.when(&other_area(), name(17, "council", &[]))
        .then_refused("OUT_OF_SCOPE");
}

// The assessment.

/// Kent's agreement as another area's of `kind`, with its own actuals: a
/// comparator (the pure assessment reads agreements, not who they are).
fn as_area(n: &Negotiation, code: &str) -> Agreement {
    let mut a = n.state.clone();
    a.id = AgreementId::new(format!("{code}-2008-11")).unwrap();
    a.opening.as_mut().unwrap().area = area_code(code);
    a
}

#[test]
fn the_assessment_puts_negotiated_targets_apart_from_the_rest_of_the_set() {
    let (kent, neet) = kent();
    let kent = kent
        .given(&area(), record(neet, "2008/09", "7.6"))
        .given(&area(), name(neet, "council", &["lsc"]))
        .given(&area(), name(1, "council", &[]))
        .given(&area(), name(2, "pct", &["council"]))
        // NI 192 recycling (higher is better), NI 191 residual waste (lower).
        .given(&area(), report(192, "2008/09", "38"))
        .given(&area(), report(192, "2009/10", "41"))
        .given(&area(), report(191, "2009/10", "600"));
    // Five other counties report NI 192 for 2009/10 (one through a target
    // of its own), a unitary reports it too; none reports NI 191.
    let mut others: Vec<(Agreement, &str)> = Vec::new();
    for (code, value) in [
        ("surrey", "45"),
        ("essex", "41"),
        ("devon", "30"),
        ("norfolk", "35"),
    ] {
        let n = signed_off_elsewhere().given(&area(), report(192, "2009/10", value));
        others.push((as_area(&n, code), "county"));
    }
    let (lincs, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        192,
        on(192, 30, [32, 34, 36]),
    );
    let lincs = lincs
        .signed_off()
        .after_the_period()
        .given(&area(), record(id, "2009/10", "50"));
    others.push((as_area(&lincs, "lincolnshire"), "county"));
    let medway = signed_off_elsewhere().given(&area(), report(192, "2009/10", "90"));
    others.push((as_area(&medway, "medway"), "unitary"));

    let mut comparators: Vec<Comparator<'_>> = others
        .iter()
        .map(|(a, kind)| Comparator { agreement: a, kind })
        .collect();
    let me = Comparator {
        agreement: &kent.state,
        kind: "county",
    };
    comparators.push(me);
    let a = assess(me, &comparators, &CATALOGUE).expect("opened");
    assert_eq!((a.area.as_str(), a.group.as_str()), ("kent", "county"));

    // Part 1: every negotiated target, with its status and partners.
    assert_eq!(a.negotiated.targets.len(), 17, "16 statutory and NI 117");
    let neet_line = a
        .negotiated
        .targets
        .iter()
        .find(|t| t.performance.target == tid(neet))
        .unwrap();
    assert_eq!(
        neet_line.performance.overall,
        Status::OnTrack,
        "7.6 beats 7.8"
    );
    assert_eq!(
        neet_line.partners.as_ref().unwrap().lead,
        partner("council")
    );
    // Kent alone chose NI 117: entered, but its group is too small to rank.
    let standing = neet_line.standing.as_ref().expect("in the tournament");
    assert_eq!(standing.rank, None);
    assert!(standing.unranked_because.is_some());
    assert_eq!(a.negotiated.reward, None, "not yet assessed");
    // Grouped by partner, in the list's order: the council leads two and
    // contributes to one; the PCT leads one; the LSC contributes to one.
    let groups: Vec<(&str, usize, usize)> = a
        .negotiated
        .partners
        .iter()
        .map(|c| (c.partner.as_str(), c.leads.len(), c.contributes.len()))
        .collect();
    assert_eq!(
        groups,
        vec![("council", 2, 1), ("pct", 1, 0), ("lsc", 0, 1)]
    );
    let council = &a.negotiated.partners[0];
    assert_eq!(council.led.get(&Status::OnTrack), Some(&1));
    assert_eq!(a.negotiated.unassigned.len(), 14);

    // Part 2: the rest of the set, never a negotiated indicator.
    let wider: Vec<u16> = a.wider.iter().map(|c| c.indicator.get()).collect();
    assert_eq!(wider, vec![191, 192]);
    let recycling = &a.wider[1];
    // Its latest year, among the counties only: 30, 35, 41, 41, 45, 50.
    assert_eq!(recycling.year, year("2009/10"));
    assert_eq!(recycling.value, dec("41"));
    assert_eq!(recycling.group_size, 6, "Medway is a unitary");
    assert_eq!(recycling.group_median, Some(dec("41")));
    assert_eq!(
        recycling.position,
        Some(3),
        "Lincolnshire and Surrey do better; Essex shares"
    );
    assert_eq!(recycling.quartile, Some(2));
    let waste = &a.wider[0];
    assert_eq!((waste.group_size, waste.position), (1, None));
    assert!(
        waste
            .unplaced_because
            .as_deref()
            .unwrap()
            .contains("fewer than 5")
    );
}

#[test]
fn the_wider_comparison_is_judged_by_the_indicators_polarity() {
    // NI 191, residual waste per household: lower is better.
    let mut states = Vec::new();
    for (code, value) in [
        ("kent", "500"),
        ("surrey", "450"),
        ("essex", "600"),
        ("devon", "700"),
        ("norfolk", "800"),
    ] {
        let n = signed_off_elsewhere().given(&area(), report(191, "2008/09", value));
        states.push(as_area(&n, code));
    }
    let comparators: Vec<Comparator<'_>> = states
        .iter()
        .map(|a| Comparator {
            agreement: a,
            kind: "county",
        })
        .collect();
    let a = assess(comparators[0], &comparators, &CATALOGUE).unwrap();
    let waste = &a.wider[0];
    assert_eq!(waste.polarity, Polarity::LowerIsBetter);
    assert_eq!((waste.position, waste.quartile), (Some(2), Some(2)));
    assert_eq!(waste.group_median, Some(dec("600")));
    let worst = assess(comparators[4], &comparators, &CATALOGUE).unwrap();
    assert_eq!(
        (worst.wider[0].position, worst.wider[0].quartile),
        (Some(5), Some(4))
    );
}

/// A signed-off agreement after the period with no target but the
/// statutory ones: another area's, once `as_area` renames it.
fn signed_off_elsewhere() -> Negotiation {
    Negotiation::statutory_settled()
        .signed_off()
        .after_the_period()
}
