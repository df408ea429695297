//! Negotiations the report describes, replayed through the engine.

use laa_core::summary::NegotiationSummary;
use laa_core::*;
use rust_decimal::Decimal;

use crate::harness::*;
use crate::rules::DESIGNATED_POOL;

/// "We chose to have 34 [targets in the LAA], so we had one or two
/// departments saying 'oh, you've got a space there, can we put ours in',
/// and I said, 'No'" (a GO area director, IfG interviews 81).
#[test]
fn a_go_keeps_the_laa_at_34_and_refuses_a_department_the_free_slot() {
    let mut n = Negotiation::statutory_settled();
    for &i in DESIGNATED_POOL.iter().take(34) {
        n = n.agreed_target(&area(), &go(), i, fitting(i)).0;
    }
    assert_eq!(n.state.designated_count(), 34);
    // A department asks, through the GO, for the free slot; the engine would
    // allow a 35th target, so refusing it is the GO's choice, recorded as
    // such: a refused request, not a target proposed and withdrawn.
    let refuse = |dept: &str| Command::RecordRefusedRequest {
        indicator: ni(DESIGNATED_POOL[34]),
        department: Department::new(dept).unwrap(),
        rationale: "we chose to have 34".into(),
    };
    let before = n.state.targets.len();
    n.when(&area(), refuse("DfT")).then_refused("OUT_OF_SCOPE");
    n.when(&go(), refuse("Treasuryish"))
        .then_refused("INVALID_TERMS");
    n.when(
        &go(),
        Command::RecordRefusedRequest {
            indicator: ni(DESIGNATED_POOL[0]),
            department: dept("DfT"),
            rationale: "already carried".into(),
        },
    )
    .then_refused("DUPLICATE_INDICATOR");
    let n = n.given(&go(), refuse("dft"));
    assert_eq!(n.history.last().unwrap().change.kind(), "request_refused");
    assert_eq!(n.state.targets.len(), before, "not a target");
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Agreed);
    assert_eq!(n.state.designated_count(), 34);
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(summary.originated_by_area, 34);
    assert_eq!(summary.originated_by_government, 0);
    assert_eq!(summary.withdrawn, 0);
    assert_eq!(summary.refused_requests, 1);
    assert_eq!(summary.by_department["DfT"].refused_requests, 1);
    assert_eq!(summary.signed_off, 1);
    assert_eq!(
        summary.very_limited_say(),
        Some(0.0),
        "all 34 the area's own"
    );
}

/// "[local authority X] said 'look this is a deal breaker... we do not want
/// this indicator in'": all-age all-cause mortality (NI 120) kept out.
#[test]
fn an_area_makes_ni_120_a_deal_breaker() {
    let n = Negotiation::statutory_settled().given(
        &go(),
        propose_for(
            120,
            values(
                Unit::RatePer100000,
                Decimal::from(700),
                [690, 675, 660].map(Decimal::from),
            ),
            "DH",
        ),
    );
    let id = n.target_on(120).id.get();
    let n = n
        .when(&area(), decline(id, true))
        .then_events(&["target_declined"]);
    assert!(
        n.state
            .live_target_on(&IndicatorRef::National(ni(120)))
            .is_none()
    );
    let Change::TargetDeclined {
        deal_breaker, by, ..
    } = &n.history.last().unwrap().change
    else {
        panic!()
    };
    assert!(*deal_breaker);
    assert_eq!(*by, Side::Area);
    // The LAA is agreed without it.
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Agreed);
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(summary.deal_breakers, 1);
    assert_eq!(summary.declined, 1);
}

/// The Crime and Disorder Reduction Partnership offered to reduce violent
/// crime by 10.6%; the Home Office insisted on 12% ("Twelve would be tidy").
#[test]
fn the_partnership_offers_10_6_percent_and_the_home_office_insists_on_12() {
    // NI 15 is a rate per 1,000 people: a reduction of p% from a baseline of 10.
    let rate = |p: &str| Decimal::from(10) - p.parse::<Decimal>().unwrap() / Decimal::from(10);
    let reduction = |a: &str, b: &str, c: &str| {
        values(
            Unit::RatePer1000,
            Decimal::from(10),
            [rate(a), rate(b), rate(c)],
        )
    };
    let offered = reduction("3.5", "7.1", "10.6");
    let insisted = reduction("4", "8", "12");
    let n = Negotiation::statutory_settled().given(&area(), propose(15, offered.clone()));
    let id = n.target_on(15).id.get();
    let n = n
        .given(
            &go(),
            Command::CounterOffer {
                target: tid(id),
                terms: insisted.clone(),
                rationale: "Home Office: twelve would be tidy".into(),
                evidence: vec![],
                deal_breaker: true,
                department: Some(laa_core::Department::new("HO").unwrap()),
            },
        )
        .when(&area(), accept(id))
        .then_events(&["offer_accepted"]);
    let target = n.target_on(15);
    assert_eq!(target.agreed.as_ref(), Some(&insisted));
    assert_ne!(target.agreed.as_ref(), Some(&offered));
    assert_eq!(target.offers_made, 2);
    let Change::OfferMade {
        offer,
        terms_before,
        ..
    } = &n.history[n.history.len() - 2].change
    else {
        panic!()
    };
    assert_eq!(offer.side, Side::Government);
    assert_eq!(
        offer.department.as_ref().map(|d| d.as_str()),
        Some("HO"),
        "the Home Office's counter is recorded against the Home Office"
    );
    assert!(terms_before.is_none());
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(
        summary.counter_offers, 1,
        "the GO's first offers on statutory targets are not counters"
    );
    assert_eq!(summary.deal_breakers, 1);
    assert_eq!(
        summary.accepted_unchanged, 0,
        "neither the statutory targets (counted apart) nor NI 15"
    );
    assert_eq!(summary.statutory_targets, 16);
    assert_eq!(summary.by_department["HO"].counter_offers, 1);
    assert_eq!(summary.by_department["HO"].deal_breakers, 1);
}

/// "Over 70% of the Home Office's community safety indicators they selected
/// had placeholders instead of targets, to be negotiated in the refresh."
#[test]
fn a_home_office_set_agreed_mostly_as_placeholders_and_filled_at_the_first_refresh() {
    let home_office = [15, 16, 17, 20, 21, 30, 32, 39, 40, 41];
    let mut n = Negotiation::statutory_settled();
    for (k, &i) in home_office.iter().enumerate() {
        let terms = if k < 7 {
            placeholder(PlaceholderReason::AwaitingSurvey)
        } else {
            fitting(i)
        };
        n = n.given(&go(), propose_for(i, terms, "HO"));
        let id = n.target_on(i).id.get();
        n = n.given(&area(), accept(id));
    }
    let placeholders = n
        .state
        .live_targets()
        .filter(|t| t.status == TargetStatus::Placeholder)
        .count();
    assert_eq!(placeholders, 7);
    let n = n.days_later(120).signed_off();
    assert_eq!(n.state.status, AgreementStatus::Placeholder);

    // The 2009 refresh: values for every placeholder and the deferred statutory year.
    let mut n = n.days_later(200).given(&go(), open_refresh("2009", None));
    for &i in &home_office[..7] {
        let id = n.target_on(i).id.get();
        n = n
            .given(&go(), counter(id, fitting(i)))
            .given(&area(), accept(id));
        assert_eq!(n.state.targets[&tid(id)].status, TargetStatus::Refreshed);
    }
    let n = n.given(&area(), Command::EndorseAgreement);
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("PLACEHOLDERS_OUTSTANDING");
    let mut n = n;
    for id in 1..=16 {
        n = n
            .given(&go(), counter(id, fitting(statutory(id))))
            .given(&area(), accept(id));
    }
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Refreshed);
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);

    // The analytics: 23 of the 26 targets live at the refresh revisited,
    // signed off 120 days after opening, every designated target imposed.
    let summary = NegotiationSummary::of_history(&n.history);
    let refresh = &summary.refreshes["2009"];
    assert_eq!((refresh.targets, refresh.revisited), (26, 23));
    assert_eq!(summary.days_to_sign_off, vec![120]);
    assert_eq!(summary.median_days_to_sign_off(), Some(120.0));
    assert_eq!(summary.very_limited_say(), Some(1.0));
    assert_eq!(summary.by_department["HO"].proposals, 10);
    assert_eq!(summary.by_department["HO"].accepted_unchanged, 10);
    assert_eq!(
        summary.by_department["HO"].counter_offers, 0,
        "a fresh offer at a refresh, accepted, is no counter-offer round"
    );
}

/// By late 2008 NI 31 was deleted and NI 199 added: a refresh that rebinds
/// to set 2008 must replace the target on NI 31.
#[test]
fn a_refresh_rebinds_to_set_2008_and_replaces_the_target_on_ni_31() {
    let (n, ni31) =
        Negotiation::statutory_settled().agreed_target(&area(), &go(), 31, pct(5, [4, 4, 3]));
    let n = n
        .signed_off()
        .days_later(180)
        .given(&go(), open_refresh("2009", Some(2008)));
    let mut n = n;
    for id in 1..=16 {
        n = n
            .given(&go(), counter(id, fitting(statutory(id))))
            .given(&area(), accept(id));
    }
    let n = n.given(&area(), Command::EndorseAgreement);
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("WITHDRAWN_INDICATORS_OUTSTANDING");
    // NI 199 exists only in set 2008, which is now bound.
    let n = n.given(&area(), withdraw(ni31));
    let (n, ni199) = n.agreed_target(&area(), &go(), 199, pct(55, [58, 61, 64]));
    let n = n
        .given(&area(), Command::EndorseAgreement)
        .given(&go(), Command::SubmitAgreement);
    let n = n.when(&minister(), Command::SignOffAgreement).then_ok();
    assert_eq!(n.state.status, AgreementStatus::Refreshed);
    assert_eq!(n.state.indicator_set, Some(set(2008)));
    assert_eq!(n.state.targets[&tid(ni31)].status, TargetStatus::Withdrawn);
    assert_eq!(n.state.targets[&tid(ni199)].status, TargetStatus::Refreshed);
}

/// The whole history of a negotiation rebuilds the state exactly, and
/// survives a round trip through JSON (as the store keeps it).
#[test]
fn replaying_the_history_rebuilds_the_agreement_exactly() {
    let n = Negotiation::statutory_settled();
    let (n, _) = n.agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    let n = n.given(&area(), propose(112, on(112, 40, [38, 36, 34])));
    let id = n.target_on(112).id.get();
    let n = n
        .given(&go(), counter_for(id, on(112, 40, [37, 35, 33]), "DH"))
        .given(&area(), accept(id))
        .signed_off();
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
    let json = serde_json::to_string(&n.history).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, n.history);
    assert_eq!(replay(n.state.id.clone(), &back), n.state);
    assert_eq!(n.state.version, n.history.len() as u64);
}

/// Demands after the round's cut-off are counted as late.
#[test]
fn government_demands_after_the_cut_off_are_late() {
    let n = Negotiation::opened()
        .given(&go(), propose_for(117, pct(8, [7, 6, 5]), "DCSF"))
        .days_later(90)
        .given(&go(), propose_for(112, on(112, 40, [38, 36, 34]), "DH"))
        .given(&area(), propose(15, on(15, 10, [9, 8, 7])));
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(
        summary.late_demands, 1,
        "only the DH demand came after 1 March 2008"
    );
    assert_eq!(summary.originated_by_government, 2);
    assert_eq!(summary.originated_by_area, 1);
}

/// Late demands are judged on when they happened, not when they were
/// recorded: a demand dated 15 January 2008 but recorded in February is not
/// late; one dated 1 June 2008 is; so is a Government counter-offer after
/// the cut-off that asks for more, but not one that asks for less.
#[test]
fn late_demands_are_judged_on_occurred_at() {
    use chrono::{TimeZone, Utc};
    let day = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).single().unwrap();
    let n = Negotiation::opened()
        .clock(day(2008, 2, 10))
        .dated(Some(day(2008, 1, 15)))
        .given(&go(), propose_for(117, pct(8, [7, 6, 5]), "DCSF"))
        .dated(None)
        .given(&area(), propose(15, on(15, 10, [9, 8, 7])))
        .clock(day(2008, 6, 20))
        .dated(Some(day(2008, 6, 1)))
        .given(&go(), propose_for(112, on(112, 40, [38, 36, 34]), "DH"))
        .given(&go(), counter_for(18, on(15, 10, [9, 8, 6]), "HO"))
        .given(&area(), counter(18, on(15, 10, [9, 8, 7])))
        .given(&go(), counter_for(18, on(15, 10, [9, 8, 6]), "HO"))
        .given(&area(), counter(18, on(15, 10, [9, 9, 7])));
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(
        summary.late_demands, 3,
        "the DH proposal and the two Home Office counters asking for more, not the 15 January demand"
    );
    // A Government counter asking for less is no demand.
    let eased = n.given(&go(), counter_for(18, on(15, 10, [9, 9, 8]), "HO"));
    assert_eq!(
        NegotiationSummary::of_history(&eased.history).late_demands,
        3
    );
}

/// A refresh is a negotiation of its own: a Government counter asking for
/// more at the 2009 refresh is not a late demand on the 2008 deal.
#[test]
fn demands_at_a_refresh_are_not_late_demands() {
    let (n, id) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    let n = n
        .signed_off()
        .days_later(300)
        .given(&go(), open_refresh("2009", None))
        .given(&go(), counter_for(id, pct(8, [6, 5, 4]), "DCSF"));
    let summary = NegotiationSummary::of_history(&n.history);
    assert_eq!(summary.late_demands, 0);
    assert_eq!(summary.refreshes["2009"].revisited, 1);
}
