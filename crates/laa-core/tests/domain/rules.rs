//! One test per rule of DOMAIN.md section 3, and a table that produces every
//! reason code of the API contract.

use std::collections::BTreeSet;

use laa_core::error::REASONS;
use laa_core::*;
use rust_decimal::Decimal;

use crate::harness::*;

/// Designated indicators active in both set versions, none statutory.
pub const DESIGNATED_POOL: [u16; 40] = [
    1, 4, 5, 6, 7, 8, 11, 15, 16, 17, 19, 20, 21, 30, 32, 39, 40, 47, 51, 56, 110, 111, 112, 116,
    117, 120, 121, 123, 130, 135, 141, 152, 153, 154, 155, 163, 171, 175, 186, 195,
];

fn with_designated(mut n: Negotiation, count: usize) -> Negotiation {
    for &i in DESIGNATED_POOL.iter().take(count) {
        n = n.given(&area(), propose(i, fitting(i)));
    }
    n
}

// Rule 1: at most 35 designated targets, counting open offers.

#[test]
fn rule_1_a_36th_designated_proposal_is_refused() {
    let n = with_designated(Negotiation::opened(), 35);
    assert_eq!(n.state.designated_count(), 35);
    let e = n
        .when(
            &go(),
            propose(DESIGNATED_POOL[35], fitting(DESIGNATED_POOL[35])),
        )
        .then_refused("DESIGNATED_CAP_REACHED");
    assert_eq!(e, DomainError::DesignatedCapReached { cap: 35, count: 35 });
}

#[test]
fn rule_1_local_targets_do_not_count_against_the_cap() {
    let n = with_designated(Negotiation::opened(), 35);
    let local = Command::ProposeTarget {
        priority: None,
        indicator: IndicatorRef::Local {
            code: LocalIndicatorCode::new("l-graffiti").unwrap(),
            title: "Graffiti removed within 48 hours".into(),
        },
        terms: pct(70, [75, 80, 85]),
        rationale: "residents' top concern".into(),
        evidence: vec![],
        department: None,
    };
    let n = n.when(&area(), local).then_events(&["target_proposed"]);
    assert_eq!(n.state.live_targets().count(), 16 + 35 + 1);
}

#[test]
fn rule_1_a_withdrawn_target_frees_its_slot() {
    let n = with_designated(Negotiation::opened(), 35);
    let first = n.target_on(DESIGNATED_POOL[0]).id.get();
    let n = n.given(&area(), withdraw(first));
    n.when(
        &go(),
        propose(DESIGNATED_POOL[35], fitting(DESIGNATED_POOL[35])),
    )
    .then_ok();
}

#[test]
fn rule_1_the_cap_is_policy_a_future_round_with_cap_20_and_no_statutory_targets() {
    let mut policy = RoundPolicy::round_2008_11();
    policy.name = "2011-14".into();
    policy.designated_cap = 20;
    policy.statutory_indicators.clear();
    let n = Negotiation::opened_with(policy, 2008);
    assert_eq!(
        n.state.live_targets().count(),
        0,
        "no statutory targets in this round"
    );
    let n = with_designated(n, 20);
    n.when(
        &go(),
        propose(DESIGNATED_POOL[20], fitting(DESIGNATED_POOL[20])),
    )
    .then_refused("DESIGNATED_CAP_REACHED");
    // With no statutory list, NI 72 is an ordinary designated indicator.
    let n = Negotiation::opened_with(
        RoundPolicy {
            statutory_indicators: vec![],
            ..RoundPolicy::round_2008_11()
        },
        2008,
    );
    let n = n.given(&go(), propose(72, pct(50, [52, 54, 56])));
    assert_eq!(n.target_on(72).kind, TargetKind::Designated);
}

#[test]
fn rule_1_the_governments_targets_can_be_limited_by_policy() {
    // A limit on the Government's targets apart from its declared
    // priorities: two priorities, five targets.
    let policy = RoundPolicy {
        max_whitehall_priorities: Some(2),
        max_government_targets: Some(5),
        ..RoundPolicy::round_2008_11()
    };
    let mut n = Negotiation::opened_with(policy, 2007)
        .given(&go(), declare(&["Safer streets", "Healthier lives"]));
    for (k, &i) in DESIGNATED_POOL.iter().take(5).enumerate() {
        n = n.given(
            &go(),
            cite(propose_for(i, fitting(i), "HO"), 1 + (k % 2) as u16),
        );
    }
    let e = n
        .when(
            &go(),
            cite(
                propose_for(DESIGNATED_POOL[5], fitting(DESIGNATED_POOL[5]), "DH"),
                1,
            ),
        )
        .then_refused("DESIGNATED_CAP_REACHED");
    assert!(matches!(
        e,
        DomainError::GovernmentTargetsExceeded { limit: 5, count: 5 }
    ));
    // The area's own priorities are not limited.
    n.when(
        &area(),
        propose(DESIGNATED_POOL[5], fitting(DESIGNATED_POOL[5])),
    )
    .then_ok();
}

/// Whitehall's priorities, each for the Home Office and CLG.
fn declare(statements: &[&str]) -> Command {
    Command::DeclarePriorities {
        priorities: statements
            .iter()
            .map(|s| laa_core::agreement::Priority {
                statement: (*s).into(),
                departments: vec![dept("HO"), dept("CLG")],
            })
            .collect(),
    }
}

/// A proposal citing declared priority `n`.
fn cite(command: Command, n: u16) -> Command {
    match command {
        Command::ProposeTarget {
            indicator,
            terms,
            rationale,
            evidence,
            department,
            ..
        } => Command::ProposeTarget {
            indicator,
            terms,
            rationale,
            evidence,
            department,
            priority: Some(n),
        },
        other => other,
    }
}

#[test]
fn rule_16_government_proposals_cite_priorities_declared_at_the_outset() {
    let limited = RoundPolicy {
        max_whitehall_priorities: Some(2),
        ..RoundPolicy::round_2008_11()
    };
    let n = Negotiation::opened_with(limited, 2007);
    let offer = || propose_for(DESIGNATED_POOL[0], fitting(DESIGNATED_POOL[0]), "HO");
    // Nothing declared: a Government proposal serves no declared priority.
    n.when(&go(), offer())
        .then_refused("OUTSIDE_DECLARED_PRIORITIES");
    n.when(&area(), Command::EndorseAgreement).then_ok();
    n.when(&area(), declare(&["Safer streets"]))
        .then_refused("OUT_OF_SCOPE");
    n.when(&go(), declare(&["a", "b", "c"]))
        .then_refused("DESIGNATED_CAP_REACHED");
    n.when(&go(), declare(&[])).then_refused("INVALID_TERMS");
    n.when(&go(), declare(&[&"x".repeat(281)]))
        .then_refused("INVALID_TERMS");
    let n = n.given(
        &go(),
        declare(&["Safer streets", "Fewer young people NEET"]),
    );
    assert_eq!(n.state.priorities.len(), 2);
    n.when(&go(), declare(&["Again"]))
        .then_refused("INVALID_TERMS");
    n.when(&go(), offer())
        .then_refused("OUTSIDE_DECLARED_PRIORITIES");
    n.when(&go(), cite(offer(), 3))
        .then_refused("OUTSIDE_DECLARED_PRIORITIES");
    let n = n.given(&go(), cite(offer(), 2));
    // The area's own proposals cite nothing.
    n.when(
        &area(),
        propose(DESIGNATED_POOL[1], fitting(DESIGNATED_POOL[1])),
    )
    .then_ok();
    n.when(
        &area(),
        cite(propose(DESIGNATED_POOL[1], fitting(DESIGNATED_POOL[1])), 1),
    )
    .then_refused("INVALID_TERMS");
    // In a limited round the Government's first proposal needs a declared
    // priority, so the declaration always comes first: once made, it stands.
    // A round with no limit (2008-11) has nothing to declare and cites nothing.
    let open = Negotiation::opened();
    open.when(&go(), declare(&["Safer streets"]))
        .then_refused("INVALID_TERMS");
    open.when(&go(), offer()).then_ok();
}

#[test]
fn rule_16_a_round_without_priorities_takes_no_citation_of_one() {
    // 2008-11 declares no priorities: a cited one would point at nothing.
    let open = Negotiation::opened();
    let offer = || propose_for(DESIGNATED_POOL[0], fitting(DESIGNATED_POOL[0]), "HO");
    let refused = open
        .when(&go(), cite(offer(), 1))
        .then_refused("INVALID_TERMS");
    assert!(
        matches!(
            refused,
            DomainError::InvalidTerms {
                field: "priority",
                ..
            }
        ),
        "{refused:?}"
    );
    open.when(&go(), offer()).then_ok();
}

// Rule 2: the statutory targets.

#[test]
fn rule_2_the_16_statutory_targets_exist_from_opening_outside_the_cap() {
    let n = Negotiation::opened();
    let statutory: BTreeSet<u16> = n
        .state
        .live_targets()
        .filter(|t| t.kind == TargetKind::Statutory)
        .filter_map(|t| t.indicator.national())
        .map(|i| i.get())
        .collect();
    assert_eq!(
        statutory,
        laa_core::policy::STATUTORY_2008.into_iter().collect()
    );
    assert_eq!(n.state.designated_count(), 0);
    let n = with_designated(n, 35);
    assert_eq!(n.state.live_targets().count(), 51, "at most 51 targets");
}

#[test]
fn rule_2_statutory_targets_cannot_be_withdrawn_declined_or_revoked() {
    let n = Negotiation::statutory_settled();
    n.when(&go(), withdraw(1))
        .then_refused("STATUTORY_TARGET_IMMUTABLE");
    n.when(&area(), decline(1, true))
        .then_refused("STATUTORY_TARGET_IMMUTABLE");
    let n = n.signed_off();
    n.when(
        &minister(),
        Command::RevokeDesignation {
            target: Some(tid(1)),
            reason: "round ended".into(),
        },
    )
    .then_refused("STATUTORY_TARGET_IMMUTABLE");
}

#[test]
fn rule_2_statutory_targets_need_agreed_values_before_submission() {
    let n = Negotiation::opened()
        .given(
            &go(),
            counter(1, placeholder(PlaceholderReason::NoBaseline)),
        )
        .given(&area(), accept(1))
        .given(&area(), Command::EndorseAgreement);
    let e = n
        .when(&go(), Command::SubmitAgreement)
        .then_refused("STATUTORY_TARGETS_INCOMPLETE");
    let DomainError::StatutoryTargetsIncomplete { indicators } = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        indicators.len(),
        16,
        "a placeholder does not count as values"
    );
}

#[test]
fn rule_2_a_later_statutory_year_may_be_deferred_to_a_named_refresh() {
    let n = Negotiation::statutory_settled().given(&area(), Command::EndorseAgreement);
    n.when(&go(), Command::SubmitAgreement)
        .then_events(&["agreement_submitted"]);
}

// Rule 3: one live target per indicator.

#[test]
fn rule_3_one_live_target_per_indicator() {
    let n = Negotiation::opened().given(&go(), propose(117, pct(8, [7, 6, 5])));
    let e = n
        .when(&area(), propose(117, pct(8, [7, 7, 6])))
        .then_refused("DUPLICATE_INDICATOR");
    assert!(matches!(e, DomainError::DuplicateIndicator { existing, .. } if existing == tid(17)));
    // Its facts name the indicator as every other reason does: the number.
    assert_eq!(
        e.facts(),
        [
            ("indicator", "117".to_owned()),
            ("existing_target", tid(17).to_string())
        ]
    );
    n.when(&go(), propose(72, pct(50, [52, 54, 56])))
        .then_refused("DUPLICATE_INDICATOR");
    // Once withdrawn, the indicator can be proposed again, as a new target.
    let n = n.given(&go(), withdraw(17));
    let n = n.when(&area(), propose(117, pct(8, [7, 7, 6]))).then_ok();
    assert_eq!(n.target_on(117).id, tid(18));
    assert_eq!(n.state.targets[&tid(17)].status, TargetStatus::Withdrawn);
}

// Rule 4: only active indicators of the bound, published set.

#[test]
fn rule_4_unknown_and_inactive_indicators_are_refused() {
    let n = Negotiation::opened();
    n.when(&go(), propose(250, pct(1, [1, 1, 1])))
        .then_refused("INDICATOR_UNKNOWN");
    n.when(&go(), propose(199, pct(50, [52, 54, 56])))
        .then_refused("INDICATOR_NOT_ACTIVE");
    let n2008 = Negotiation::opened_with(RoundPolicy::round_2008_11(), 2008);
    n2008
        .when(&go(), propose(31, pct(5, [4, 4, 3])))
        .then_refused("INDICATOR_NOT_ACTIVE");
    n2008
        .when(&go(), propose(199, pct(50, [52, 54, 56])))
        .then_ok();
}

#[test]
fn rule_4_only_a_published_set_can_be_bound() {
    let mut catalogue = CATALOGUE.clone();
    catalogue.add_draft_set(set(2009)).expect("new draft set");
    let n = Negotiation::unopened();
    let ctx = Context {
        now: n.now,
        catalogue: &catalogue,
        expected_version: Some(0),
        occurred_at: None,
    };
    let e = decide(
        &n.state,
        open_cmd(RoundPolicy::round_2008_11(), 2009),
        &go(),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(e.reason(), "INDICATOR_NOT_ACTIVE");
    n.when(&go(), open_cmd(RoundPolicy::round_2008_11(), 2010))
        .then_refused("NOT_FOUND");
}

#[test]
fn rule_4_a_refresh_rebinding_to_a_newer_set_must_clear_withdrawn_indicators() {
    let (n, ni31) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 31, pct(5, [4, 4, 3]));
    let n = n.signed_off();
    n.when(&go(), open_refresh("2009", Some(2007)))
        .then_refused("INDICATOR_NOT_ACTIVE");
    let n = n.given(&go(), open_refresh("2009", Some(2008)));
    assert_eq!(n.state.indicator_set, Some(set(2008)));
    let n = n.given(&area(), Command::EndorseAgreement);
    let e = n
        .when(&go(), Command::SubmitAgreement)
        .then_refused("WITHDRAWN_INDICATORS_OUTSTANDING");
    assert!(
        matches!(e, DomainError::WithdrawnIndicatorsOutstanding { targets, .. } if targets == vec![tid(ni31)])
    );
}

// Rule 5: values are finite, percentages in range, trajectories complete, baselines dated.

#[test]
fn rule_5_malformed_terms_are_refused() {
    let n = Negotiation::opened();
    // A percentage of 250, built around the checked constructor.
    let Terms::Values(mut v) = pct(50, [52, 54, 56]) else {
        unreachable!()
    };
    v.trajectory
        .insert(year("2010/11"), YearValue::Value(Decimal::from(250)));
    n.when(&go(), propose(117, Terms::Values(v)))
        .then_refused("INVALID_TERMS");
    // A trajectory missing a year.
    let Terms::Values(mut v) = pct(50, [52, 54, 56]) else {
        unreachable!()
    };
    v.trajectory.remove(&year("2009/10"));
    n.when(&go(), propose(117, Terms::Values(v)))
        .then_refused("INVALID_TERMS");
    // A trajectory with a year outside the period.
    let Terms::Values(mut v) = pct(50, [52, 54, 56]) else {
        unreachable!()
    };
    v.trajectory
        .insert(year("2011/12"), YearValue::Value(Decimal::from(57)));
    n.when(&go(), propose(117, Terms::Values(v)))
        .then_refused("INVALID_TERMS");
    // A baseline without its period.
    let Terms::Values(mut v) = pct(50, [52, 54, 56]) else {
        unreachable!()
    };
    v.baseline.period = String::new();
    n.when(&go(), propose(117, Terms::Values(v)))
        .then_refused("INVALID_TERMS");
    // A placeholder due at a refresh the round does not have.
    n.when(
        &go(),
        propose(
            117,
            Terms::placeholder(PlaceholderReason::NoBaseline, refresh("2015")),
        ),
    )
    .then_refused("INVALID_TERMS");
    // An empty or enormous rationale.
    let Command::ProposeTarget {
        indicator,
        terms,
        evidence,
        department,
        ..
    } = propose(117, pct(8, [7, 6, 5]))
    else {
        unreachable!()
    };
    for rationale in [String::from("  "), "x".repeat(10_001)] {
        let cmd = Command::ProposeTarget {
            priority: None,
            indicator: indicator.clone(),
            terms: terms.clone(),
            rationale,
            evidence: evidence.clone(),
            department: department.clone(),
        };
        n.when(&go(), cmd).then_refused("INVALID_TERMS");
    }
    // Floats from the wire that are not finite never become values.
    assert!(laa_core::terms::decimal_from_f64(f64::NAN).is_err());
    assert!(laa_core::terms::decimal_from_f64(f64::NEG_INFINITY).is_err());
}

/// Issue 12: a NEET target rising from 6% to 9% is no improvement, and
/// NI 154 (net additional homes) is a count, not a percentage.
#[test]
fn rule_5_terms_fit_their_indicators_unit_and_polarity() {
    let n = Negotiation::statutory_settled();
    // The unit is the indicator's.
    n.when(&area(), propose(154, pct(40, [42, 44, 46])))
        .then_refused("INVALID_TERMS");
    n.when(&area(), propose(154, on(154, 400, [420, 440, 460])))
        .then_ok();
    n.when(
        &area(),
        propose(
            15,
            values(Unit::Rate, Decimal::TEN, [9, 8, 7].map(Decimal::from)),
        ),
    )
    .then_refused("INVALID_TERMS");
    // Lower is better for NEET: rising is refused, falling or flat accepted.
    let worse = pct(6, [7, 8, 9]);
    n.when(&area(), propose(117, worse.clone()))
        .then_refused("INVALID_TERMS");
    n.when(&area(), propose(117, pct(6, [6, 6, 6]))).then_ok();
    n.when(&area(), propose(117, pct(6, [6, 5, 5]))).then_ok();
    // Higher is better for Level 2 qualifications: falling is refused.
    n.when(&area(), propose(163, pct(60, [59, 58, 57])))
        .then_refused("INVALID_TERMS");
    // Only the final year counts: a dip on the way is a trajectory.
    n.when(&area(), propose(163, pct(60, [58, 60, 62])))
        .then_ok();
    // A target that limits an expected deterioration says so, and why.
    let limited = worse
        .clone()
        .limiting_deterioration("  NEET will rise in the downturn ");
    let accepted = n
        .when(&area(), propose(117, limited))
        .then_events(&["target_proposed"]);
    let Terms::Values(v) = accepted
        .target_on(117)
        .open_offer
        .as_ref()
        .unwrap()
        .terms
        .clone()
    else {
        unreachable!()
    };
    assert_eq!(
        v.limit_deterioration.as_deref(),
        Some("NEET will rise in the downturn")
    );
    n.when(
        &area(),
        propose(117, worse.clone().limiting_deterioration(" ")),
    )
    .then_refused("INVALID_TERMS");
    // A counter-offer is held to the same rules as a proposal.
    let (settled, id) = n
        .clone()
        .agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    settled
        .when(&area(), counter(id, pct(8, [8, 9, 9])))
        .then_refused("INVALID_TERMS");
    // Local indicators have no catalogue entry: any unit, any direction.
    n.when(
        &area(),
        Command::ProposeTarget {
            priority: None,
            indicator: IndicatorRef::Local {
                code: LocalIndicatorCode::new("bus-complaints").unwrap(),
                title: "Complaints about buses".into(),
            },
            terms: values(Unit::Rate, Decimal::TEN, [11, 12, 13].map(Decimal::from)),
            rationale: "more complaints recorded is the point".into(),
            evidence: vec![],
            department: None,
        },
    )
    .then_ok();
}

#[test]
fn rule_5_values_in_other_units_are_exact_decimals() {
    let terms = values(
        Unit::RatePer1000,
        "10.6".parse().unwrap(),
        [
            "10.2".parse().unwrap(),
            "9.95".parse().unwrap(),
            "9.4".parse().unwrap(),
        ],
    );
    let n = Negotiation::opened()
        .given(&go(), propose(15, terms.clone()))
        .given(&area(), accept(17));
    assert_eq!(n.target_on(15).agreed.as_ref(), Some(&terms));
}

// Rule 6: submission needs settled offers, statutory values and endorsement.

#[test]
fn rule_6_submission_needs_no_open_offers() {
    let n = Negotiation::statutory_settled().given(&area(), propose(117, pct(8, [7, 6, 5])));
    n.when(&area(), Command::EndorseAgreement)
        .then_refused("OPEN_OFFERS_OUTSTANDING");
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("OPEN_OFFERS_OUTSTANDING");
}

#[test]
fn rule_6_submission_needs_the_areas_endorsement_of_the_current_terms() {
    let n = Negotiation::statutory_settled();
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("NOT_ENDORSED");
    let n = n.given(&area(), Command::EndorseAgreement);
    assert!(n.state.endorsed);
    // Any later change voids the endorsement.
    let (n, _) = n.agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    assert!(!n.state.endorsed);
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("NOT_ENDORSED");
}

// Rule 7: after sign-off, terms change only inside a refresh; placeholders are resolved by their refresh.

#[test]
fn rule_7_signed_off_terms_change_only_in_a_refresh() {
    let (n, id) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Agreed);
    n.when(&go(), counter(id, pct(8, [7, 6, 4])))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    n.when(&area(), propose(112, on(112, 40, [38, 36, 34])))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    let n = n.given(&go(), open_refresh("2009", None));
    n.when(&go(), counter(id, pct(8, [7, 6, 4]))).then_ok();
}

#[test]
fn rule_7_a_submitted_agreement_is_frozen_until_signed_off_or_returned() {
    let n = Negotiation::statutory_settled()
        .given(&area(), Command::EndorseAgreement)
        .given(&go(), Command::SubmitAgreement);
    n.when(&area(), propose(117, pct(8, [7, 6, 5])))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    let n = n
        .when(
            &minister(),
            Command::ReturnAgreement {
                reason: "trajectories lack evidence".into(),
            },
        )
        .then_events(&["agreement_returned"]);
    assert_eq!(n.state.status, AgreementStatus::Draft);
    assert!(
        !n.state.endorsed,
        "a returned agreement must be endorsed again"
    );
    n.when(&area(), propose(117, pct(8, [7, 6, 5]))).then_ok();
}

#[test]
fn rule_7_a_refresh_cannot_be_signed_off_while_something_due_in_it_remains() {
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        5,
        placeholder(PlaceholderReason::AwaitingSurvey),
    );
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Placeholder);
    let n = n
        .given(&go(), open_refresh("2009", None))
        .given(&area(), Command::EndorseAgreement);
    let e = n
        .when(&go(), Command::SubmitAgreement)
        .then_refused("PLACEHOLDERS_OUTSTANDING");
    let DomainError::PlaceholdersOutstanding { targets, .. } = e else {
        panic!()
    };
    // The placeholder and all 16 statutory targets' deferred 2010/11 values.
    assert_eq!(targets.len(), 17);
    assert!(targets.contains(&tid(id)));
    // A placeholder cannot be pushed into the refresh being held.
    n.when(
        &go(),
        counter(id, placeholder(PlaceholderReason::AwaitingSurvey)),
    )
    .then_refused("INVALID_TERMS");
}

// Rule 9: expected versions.

#[test]
fn rule_9_a_stale_expected_version_is_refused() {
    let n = Negotiation::opened().given(&go(), propose(117, pct(8, [7, 6, 5])));
    let e = n
        .when_at_version(&area(), accept(17), 1)
        .then_refused("VERSION_CONFLICT");
    assert_eq!(
        e,
        DomainError::VersionConflict {
            expected: 1,
            actual: 2
        }
    );
    assert_eq!(e.class(), ErrorClass::Conflict);
}

// Rule 10: who may do what, deny by default.

#[test]
fn rule_10_roles_and_scopes() {
    let n = Negotiation::opened().given(&go(), propose(117, pct(8, [7, 6, 5])));
    for actor in [auditor(), admin(), minister()] {
        let e = n.when(&actor, accept(17)).then_refused("OUT_OF_SCOPE");
        assert_eq!(e.class(), ErrorClass::Forbidden);
    }
    n.when(&go_london(), propose(112, on(112, 40, [38, 36, 34])))
        .then_refused("OUT_OF_SCOPE");
    n.when(&other_area(), accept(17))
        .then_refused("OUT_OF_SCOPE");
    n.when(&area(), Command::SubmitAgreement)
        .then_refused("OUT_OF_SCOPE");
    n.when(&go(), Command::EndorseAgreement)
        .then_refused("OUT_OF_SCOPE");
    n.when(&go(), Command::SignOffAgreement)
        .then_refused("OUT_OF_SCOPE");
    Negotiation::unopened()
        .when(&area(), open_cmd(RoundPolicy::round_2008_11(), 2007))
        .then_refused("OUT_OF_SCOPE");
    Negotiation::unopened()
        .when(&go_london(), open_cmd(RoundPolicy::round_2008_11(), 2007))
        .then_refused("OUT_OF_SCOPE");
}

#[test]
fn rule_10_scope_is_checked_before_existence() {
    // Surrey's negotiator learns nothing about target 99 of Kent's agreement.
    let n = Negotiation::opened();
    n.when(&other_area(), accept(99))
        .then_refused("OUT_OF_SCOPE");
    n.when(&area(), accept(99)).then_refused("NOT_FOUND");
}

#[test]
fn the_permission_table_denies_by_default() {
    for role in Role::ALL {
        for &kind in CommandKind::ALL {
            let expected = match role {
                Role::Auditor => false,
                Role::Admin => {
                    matches!(kind, CommandKind::AssignChampion | CommandKind::EndChampion)
                }
                Role::Champion => matches!(kind, CommandKind::Comment | CommandKind::RecordAdvice),
                Role::SignOff => matches!(
                    kind,
                    CommandKind::Return
                        | CommandKind::SignOff
                        | CommandKind::Revoke
                        | CommandKind::Close
                        | CommandKind::ApproveRebaseline
                        | CommandKind::RejectRebaseline
                ),
                Role::AreaNegotiator => matches!(
                    kind,
                    CommandKind::Propose
                        | CommandKind::Counter
                        | CommandKind::Import
                        | CommandKind::Accept
                        | CommandKind::Decline
                        | CommandKind::Withdraw
                        | CommandKind::Endorse
                        | CommandKind::RecordActual
                        | CommandKind::Rebaseline
                        | CommandKind::LodgeExplanation
                        | CommandKind::RequestAdvice
                        | CommandKind::Comment
                ),
                Role::GoNegotiator => matches!(
                    kind,
                    CommandKind::DeclarePriorities
                        | CommandKind::Open
                        | CommandKind::Propose
                        | CommandKind::Counter
                        | CommandKind::Import
                        | CommandKind::Accept
                        | CommandKind::Decline
                        | CommandKind::Withdraw
                        | CommandKind::Submit
                        | CommandKind::OpenRefresh
                        | CommandKind::RefuseRequest
                        | CommandKind::Rebaseline
                        | CommandKind::RecordAdvice
                        | CommandKind::Comment
                ),
            };
            assert_eq!(
                laa_core::authorise::role_may(role, kind),
                expected,
                "{role} {kind}"
            );
        }
    }
}

// Turn-taking.

#[test]
fn only_the_counterparty_may_accept_or_counter_an_open_offer() {
    let n = Negotiation::opened().given(&go(), propose(117, pct(8, [7, 6, 5])));
    n.when(&go(), accept(17)).then_refused("NOT_YOUR_TURN");
    n.when(&go(), counter(17, pct(8, [7, 6, 4])))
        .then_refused("NOT_YOUR_TURN");
    let n = n.when(&area(), counter(17, pct(8, [7, 7, 6]))).then_ok();
    n.when(&area(), accept(17)).then_refused("NOT_YOUR_TURN");
    let n = n.when(&go(), accept(17)).then_ok();
    assert_eq!(n.target_on(117).status, TargetStatus::Agreed);
    n.when(&area(), accept(17)).then_refused("NO_OPEN_OFFER");
}

#[test]
fn decline_is_for_the_other_side_and_withdraw_for_the_proposer() {
    let n = Negotiation::opened().given(
        &go(),
        propose_for(
            120,
            values(
                Unit::RatePer100000,
                Decimal::from(700),
                [690, 680, 670].map(Decimal::from),
            ),
            "DH",
        ),
    );
    n.when(&go(), decline(17, false))
        .then_refused("NOT_YOUR_TURN");
    n.when(&area(), withdraw(17)).then_refused("NOT_YOUR_TURN");
    n.when(&area(), decline(17, true))
        .then_events(&["target_declined"]);
    n.when(&go(), withdraw(17))
        .then_events(&["target_withdrawn"]);
}

#[test]
fn only_the_government_side_names_a_department_and_it_must() {
    let n = Negotiation::opened();
    n.when(&area(), propose_for(117, pct(8, [7, 6, 5]), "DCSF"))
        .then_refused("INVALID_TERMS");
    let e = n
        .when_exactly(&go(), propose(117, pct(8, [7, 6, 5])))
        .then_refused("INVALID_TERMS");
    assert!(
        matches!(
            e,
            DomainError::InvalidTerms {
                field: "department",
                ..
            }
        ),
        "{e:?}"
    );
    let n = n
        .when_exactly(&go(), propose_for(117, pct(8, [7, 6, 5]), "DCSF"))
        .then_ok();
    assert_eq!(
        n.target_on(117).department.as_ref().map(Department::as_str),
        Some("DCSF")
    );
}

#[test]
fn departments_are_reference_data_matched_in_any_case() {
    let n = Negotiation::opened();
    let n2 = n
        .when_exactly(&go(), propose_for(117, pct(8, [7, 6, 5]), "DEFRA"))
        .then_ok();
    assert_eq!(
        n2.target_on(117)
            .department
            .as_ref()
            .map(Department::as_str),
        Some("Defra"),
        "DEFRA is the one department Defra"
    );
    let e = n
        .when_exactly(&go(), propose_for(117, pct(8, [7, 6, 5]), "Treasuryish"))
        .then_refused("INVALID_TERMS");
    let DomainError::InvalidTerms { field, problem } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*field, "department");
    assert!(
        problem.contains("HMT") && problem.contains("HO") && problem.contains("Defra"),
        "the valid codes are listed: {problem}"
    );
}

#[test]
fn a_government_counter_defaults_to_the_targets_department_and_may_name_another() {
    let n = Negotiation::statutory_settled()
        .given(&go(), propose_for(117, pct(8, [7, 6, 5]), "dcsf"))
        .given(&area(), counter(17, pct(8, [7, 7, 6])));
    let offer_department = |n: &Negotiation| match &n.history.last().unwrap().change {
        Change::OfferMade { offer, .. } => offer.department.as_ref().map(|d| d.to_string()),
        other => panic!("{other:?}"),
    };
    let defaulted = n
        .when_exactly(&go(), counter(17, pct(8, [7, 6, 4])))
        .then_ok();
    assert_eq!(offer_department(&defaulted).as_deref(), Some("DCSF"));
    let named = n
        .when_exactly(&go(), counter_for(17, pct(8, [7, 6, 4]), "ho"))
        .then_ok();
    assert_eq!(offer_department(&named).as_deref(), Some("HO"));
    assert_eq!(
        named
            .target_on(117)
            .department
            .as_ref()
            .map(Department::as_str),
        Some("DCSF"),
        "the target stays the department's that asked for it"
    );
    // The area names no department; a GO counter on an area's target names one.
    defaulted
        .when(&area(), counter_for(17, pct(8, [7, 6, 5]), "HO"))
        .then_refused("INVALID_TERMS");
    let area_target =
        Negotiation::statutory_settled().given(&area(), propose(112, on(112, 40, [38, 36, 34])));
    area_target
        .when(&go(), counter(17, on(112, 40, [37, 35, 33])))
        .then_refused("INVALID_TERMS");
    area_target
        .when(&go(), counter_for(17, on(112, 40, [37, 35, 33]), "DH"))
        .then_events(&["offer_made"]);
    area_target
        .when(
            &go(),
            counter_for(17, on(112, 40, [37, 35, 33]), "Treasuryish"),
        )
        .then_refused("INVALID_TERMS");
}

fn day(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(y, m, d, 10, 0, 0)
        .single()
        .unwrap()
}

#[test]
fn rule_11_a_command_may_be_dated_but_not_in_the_future_nor_out_of_order() {
    // Opened (on 7 January 2008), then the clock is 20 January.
    let n = Negotiation::opened().clock(day(2008, 1, 20));
    let refused = |n: &Negotiation, at, why: &str| {
        let e = n
            .clone()
            .dated(Some(at))
            .when(&go(), propose(117, pct(8, [7, 6, 5])))
            .then_refused("OCCURRED_AT_OUT_OF_RANGE");
        assert!(e.to_string().contains(why), "{e}");
    };
    refused(&n, day(2008, 1, 21), "future");
    refused(&n, day(2008, 1, 6), "opened");
    // A meeting on 15 January, recorded on the 20th.
    let dated = n
        .clone()
        .dated(Some(day(2008, 1, 15)))
        .given(&go(), propose(117, pct(8, [7, 6, 5])));
    let last = dated.history.last().unwrap();
    assert_eq!(last.occurred(), day(2008, 1, 15));
    assert_eq!(last.at, day(2008, 1, 20), "decided at the server's clock");
    // Nothing may then be dated before it; undated commands happen now.
    refused(&dated, day(2008, 1, 14), "latest event");
    let undated = dated.clone().dated(None).given(&area(), accept(17));
    assert_eq!(undated.history.last().unwrap().occurred(), day(2008, 1, 20));
}

#[test]
fn rule_11_backdating_is_limited_by_policy() {
    let n = Negotiation::opened().clock(day(2008, 3, 1));
    // 30 days by default: 31 days back is refused, 29 is not.
    let e = n
        .clone()
        .dated(Some(day(2008, 1, 30)))
        .when(&go(), propose(117, pct(8, [7, 6, 5])))
        .then_refused("OCCURRED_AT_OUT_OF_RANGE");
    assert!(e.to_string().contains("backdating"), "{e}");
    n.clone()
        .dated(Some(day(2008, 2, 1)))
        .when(&go(), propose(117, pct(8, [7, 6, 5])))
        .then_events(&["target_proposed"]);
    // A round that allows 90 days accepts what 2008-11 refused.
    let generous = RoundPolicy {
        max_backdating_days: 90,
        ..RoundPolicy::round_2008_11()
    };
    Negotiation::opened_with(generous, 2007)
        .clock(day(2008, 3, 1))
        .dated(Some(day(2008, 1, 30)))
        .when(&go(), propose(117, pct(8, [7, 6, 5])))
        .then_events(&["target_proposed"]);
    assert_eq!(RoundPolicy::round_2008_11().max_backdating_days, 30);
}

#[test]
fn more_demanding_terms_ask_more_in_the_direction_of_improvement() {
    // Rising is improvement here (baseline 40, rising to 46).
    let rising = pct(40, [42, 44, 46]);
    assert!(pct(40, [42, 45, 48]).more_demanding_than(&rising));
    assert!(!pct(40, [42, 43, 44]).more_demanding_than(&rising));
    assert!(!rising.more_demanding_than(&rising));
    assert!(!pct(40, [43, 43, 47]).more_demanding_than(&rising), "mixed");
    // Falling is improvement here (crime: 10.6% reduction vs 12%).
    let falling = pct(100, [96, 93, 89]);
    assert!(pct(100, [96, 92, 88]).more_demanding_than(&falling));
    assert!(!pct(100, [97, 94, 90]).more_demanding_than(&falling));
}

#[test]
fn free_text_holds_no_control_characters_but_newlines_and_tabs() {
    let n = Negotiation::opened();
    let with_rationale = |text: &str| Command::ProposeTarget {
        priority: None,
        indicator: IndicatorRef::National(ni(117)),
        terms: pct(8, [7, 6, 5]),
        rationale: text.into(),
        evidence: vec![],
        department: Some(dept("DCSF")),
    };
    n.when(&go(), with_rationale("a bell \u{7} rings"))
        .then_refused("INVALID_TERMS");
    n.when(&go(), with_rationale("a form \u{c} feed"))
        .then_refused("INVALID_TERMS");
    n.when(&go(), with_rationale("two lines\nand\ta tab"))
        .then_events(&["target_proposed"]);
}

// Lifecycle, performance and reward.

#[test]
fn opening_twice_is_refused_and_unopened_agreements_are_not_found() {
    Negotiation::opened()
        .when(&go(), open_cmd(RoundPolicy::round_2008_11(), 2007))
        .then_refused("ALREADY_EXISTS");
    Negotiation::unopened()
        .when(&go(), propose(117, pct(8, [7, 6, 5])))
        .then_refused("NOT_FOUND");
}

#[test]
fn actuals_are_recorded_by_the_area_after_sign_off_and_earn_reward() {
    let (n, id) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(10, [9, 8, 6]));
    let n = n.signed_off();
    let record = |y: &str, v: i64| Command::RecordActual {
        target: tid(id),
        year: year(y),
        value: Decimal::from(v),
        source: "Connexions CCIS".into(),
    };
    n.when(&go(), record("2008/09", 9))
        .then_refused("OUT_OF_SCOPE");
    n.when(&area(), record("2011/12", 9))
        .then_refused("INVALID_TERMS");
    // An actual is the year's outturn: not before the year has ended.
    let e = n
        .when(&area(), record("2008/09", 9))
        .then_refused("INVALID_TERMS");
    assert!(e.to_string().contains("2008/09 has not ended"), "{e}");
    let n = n
        .clock(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2009, 4, 1, 0, 0, 0)
                .single()
                .unwrap(),
        )
        .given(&area(), record("2008/09", 9));
    n.when(&area(), record("2009/10", 9))
        .then_refused("INVALID_TERMS");
    let n = n
        .after_the_period()
        .given(&area(), record("2009/10", 9))
        .given(&area(), record("2010/11", 7));
    use laa_core::performance::{Status, target_performance};
    let target = &n.state.targets[&tid(id)];
    let statuses: Vec<Status> = target_performance(&n.state, target, &CATALOGUE)
        .years
        .iter()
        .map(|y| y.status)
        .collect();
    assert_eq!(
        statuses,
        [Status::OnTrack, Status::OffTrack, Status::Missed]
    );
    // 3 of the planned 4 points: 75% of the improvement, 75% of £40,000,
    // assessed with the final actual.
    let working = n.state.reward.as_ref().expect("assessed");
    assert_eq!(working.total.amount(), Decimal::from(30_000));
    assert_eq!(working.lines.len(), 1, "statutory targets bear no reward");
    assert_eq!(n.history.last().unwrap().change.kind(), "reward_assessed");
}

#[test]
fn revoking_every_designation_then_closing_ends_the_round_early() {
    let (n, id) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(10, [9, 8, 6]));
    let n = n.signed_off();
    n.when(&go(), Command::CloseAgreement)
        .then_refused("OUT_OF_SCOPE");
    let n = n
        .when(
            &minister(),
            Command::RevokeDesignation {
                target: None,
                reason: "October 2010: all designations revoked".into(),
            },
        )
        .then_ok();
    assert_eq!(n.state.targets[&tid(id)].status, TargetStatus::Withdrawn);
    assert_eq!(n.state.designated_count(), 0);
    let n = n.when(&minister(), Command::CloseAgreement).then_ok();
    assert_eq!(n.state.status, AgreementStatus::Closed);
    n.when(&go(), open_refresh("2010", None))
        .then_refused("AGREEMENT_NOT_EDITABLE");
}

#[test]
fn refreshes_are_held_in_order_and_once() {
    let n = Negotiation::statutory_settled().signed_off();
    n.when(&go(), open_refresh("2012", None))
        .then_refused("NOT_FOUND");
    // No 2010 before 2009 is held and signed off.
    n.when(&go(), open_refresh("2010", None))
        .then_refused("REFRESH_OUT_OF_ORDER");
    let n = n.given(&go(), open_refresh("2009", None));
    // The statutory values deferred to 2009 must be set now.
    let n = n.given(&area(), Command::EndorseAgreement);
    n.when(&go(), Command::SubmitAgreement)
        .then_refused("PLACEHOLDERS_OUTSTANDING");
    let mut n = n;
    for id in 1..=16 {
        n = n
            .given(&go(), counter(id, fitting(statutory(id))))
            .given(&area(), accept(id));
    }
    // After 2009's sign-off, 2010 opens.
    let n = n.signed_off().given(&go(), open_refresh("2010", None));
    let n = n.signed_off();
    assert_eq!(n.state.status, AgreementStatus::Refreshed);
    n.when(&go(), open_refresh("2009", None))
        .then_refused("ALREADY_EXISTS");
    n.when(&go(), open_refresh("2010", None))
        .then_refused("ALREADY_EXISTS");
}

/// Every reason code of the contract, each produced by a real refusal.
#[test]
fn every_reason_code_is_produced_by_some_refusal() {
    let opened = Negotiation::opened();
    let with_offer = opened.clone().given(&go(), propose(117, pct(8, [7, 6, 5])));
    let full = with_designated(Negotiation::opened(), 35);
    let settled = Negotiation::statutory_settled();
    let (with_ni31, _) = settled
        .clone()
        .agreed_target(&go(), &area(), 31, pct(5, [4, 4, 3]));
    let rebound = with_ni31
        .signed_off()
        .given(&go(), open_refresh("2009", Some(2008)))
        .given(&area(), Command::EndorseAgreement);
    let refresh_due = settled
        .clone()
        .signed_off()
        .given(&go(), open_refresh("2009", None))
        .given(&area(), Command::EndorseAgreement);
    let cases: Vec<(&str, Outcome)> = vec![
        (
            "DESIGNATED_CAP_REACHED",
            full.when(&go(), propose(195, on(195, 60, [62, 64, 66]))),
        ),
        (
            "STATUTORY_TARGET_IMMUTABLE",
            opened.when(&go(), withdraw(3)),
        ),
        (
            "INDICATOR_NOT_ACTIVE",
            opened.when(&go(), propose(199, pct(60, [62, 64, 66]))),
        ),
        (
            "INDICATOR_UNKNOWN",
            opened.when(&go(), propose(250, pct(60, [62, 64, 66]))),
        ),
        (
            "DUPLICATE_INDICATOR",
            with_offer.when(&area(), propose(117, pct(8, [7, 6, 5]))),
        ),
        ("NOT_YOUR_TURN", with_offer.when(&go(), accept(17))),
        ("NO_OPEN_OFFER", opened.when(&area(), accept(1))),
        (
            "NO_PENDING_REBASELINE",
            settled
                .clone()
                .signed_off()
                .when(&minister(), Command::ApproveRebaseline { target: tid(1) }),
        ),
        (
            "INVALID_TERMS",
            opened.when(&go(), counter(1, terms_beyond_the_period())),
        ),
        (
            "AGREEMENT_NOT_EDITABLE",
            opened.when(&minister(), Command::SignOffAgreement),
        ),
        (
            "OPEN_OFFERS_OUTSTANDING",
            with_offer.when(&go(), Command::SubmitAgreement),
        ),
        (
            "STATUTORY_TARGETS_INCOMPLETE",
            opened.when(&go(), Command::SubmitAgreement),
        ),
        (
            "NOT_ENDORSED",
            settled.when(&go(), Command::SubmitAgreement),
        ),
        (
            "PLACEHOLDERS_OUTSTANDING",
            refresh_due.when(&go(), Command::SubmitAgreement),
        ),
        (
            "WITHDRAWN_INDICATORS_OUTSTANDING",
            rebound.when(&go(), Command::SubmitAgreement),
        ),
        (
            "VERSION_CONFLICT",
            opened.when_at_version(&go(), propose(117, pct(8, [7, 6, 5])), 0),
        ),
        (
            "OUT_OF_SCOPE",
            opened.when(&other_area(), propose(117, pct(8, [7, 6, 5]))),
        ),
        ("NOT_FOUND", opened.when(&area(), accept(77))),
        (
            "ALREADY_EXISTS",
            opened.when(&go(), open_cmd(RoundPolicy::round_2008_11(), 2007)),
        ),
        (
            "OUTSIDE_DECLARED_PRIORITIES",
            Negotiation::opened_with(
                RoundPolicy {
                    max_whitehall_priorities: Some(5),
                    ..RoundPolicy::round_2008_11()
                },
                2007,
            )
            .when(&go(), propose(117, pct(8, [7, 6, 5]))),
        ),
        (
            "REFRESH_OUT_OF_ORDER",
            settled
                .clone()
                .signed_off()
                .when(&go(), open_refresh("2010", None)),
        ),
        (
            "OCCURRED_AT_OUT_OF_RANGE",
            opened
                .clone()
                .dated(Some(opened.now + chrono::Duration::days(1)))
                .when(&go(), propose(117, pct(8, [7, 6, 5]))),
        ),
    ];
    let mut produced = BTreeSet::new();
    for (reason, outcome) in cases {
        outcome.then_refused(reason);
        produced.insert(reason);
    }
    // The indicator sets' own reasons (rec. 17): a draft under consultation.
    let mut catalogue = laa_core::Catalogue::national().unwrap();
    let admin = laa_core::Actor {
        principal: "clg:admin".into(),
        role: laa_core::Role::Admin,
        scope: laa_core::Scope::National,
    };
    let drafted_at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2010, 6, 1, 9, 0, 0).unwrap();
    let v2011 = laa_core::SetVersion::new(2011).unwrap();
    let draft = laa_core::indicator_sets::draft_set(
        &catalogue,
        &admin,
        laa_core::indicator_sets::DraftRequest {
            version: v2011,
            based_on: laa_core::SetVersion::new(2008).unwrap(),
            edits: vec![],
            consultation_closes: None,
        },
        drafted_at,
    )
    .unwrap();
    catalogue.insert_set(draft.set, draft.wording).unwrap();
    let later = drafted_at + chrono::Duration::days(200);
    for (reason, refused) in [
        (
            "CONSULTATION_OPEN",
            laa_core::indicator_sets::publish_set(&catalogue, &admin, v2011, drafted_at),
        ),
        (
            "CONSULTATION_CLOSED",
            laa_core::indicator_sets::comment_on_set(
                &catalogue,
                &admin,
                v2011,
                "late".into(),
                later,
            )
            .map(drop),
        ),
    ] {
        assert_eq!(refused.unwrap_err().reason(), reason);
        produced.insert(reason);
    }
    assert_eq!(
        produced,
        REASONS
            .into_iter()
            .map(|r| r.as_str())
            .collect::<BTreeSet<_>>()
    );
}

/// Percent terms with a fourth year, beyond the 2008-11 period.
fn terms_beyond_the_period() -> Terms {
    let Terms::Values(mut v) = pct(60, [62, 64, 66]) else {
        unreachable!()
    };
    v.trajectory
        .insert(year("2012/13"), YearValue::Value(Decimal::from(70)));
    Terms::Values(v)
}

#[test]
fn a_refresh_is_overdue_from_its_deadline_until_it_is_signed_off() {
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let overdue = |n: &Negotiation, today| n.state.refresh_overdue(today).map(|r| r.id.to_string());
    let n = Negotiation::statutory_settled().signed_off();
    // 2009 is due by 1 December 2008 (recommendation 3).
    assert_eq!(overdue(&n, day(2008, 12, 1)), None);
    assert_eq!(overdue(&n, day(2008, 12, 2)).as_deref(), Some("2009"));
    let n = n.given(&go(), open_refresh("2009", None));
    assert_eq!(overdue(&n, day(2008, 12, 2)).as_deref(), Some("2009"));
    let mut n = n;
    for id in 1..=16 {
        n = n
            .given(&go(), counter(id, fitting(statutory(id))))
            .given(&area(), accept(id));
    }
    let n = n.signed_off();
    assert_eq!(overdue(&n, day(2009, 6, 1)), None);
    assert_eq!(overdue(&n, day(2009, 12, 2)).as_deref(), Some("2010"));
    let n = n.given(&minister(), Command::CloseAgreement);
    assert_eq!(overdue(&n, day(2011, 1, 1)), None);
}

proptest::proptest! {
    /// Summaries of agreements at every stage, each noted for the same day
    /// and merged in any order, count exactly the agreements with a refresh
    /// overdue that day, under the refresh that is overdue.
    #[test]
    fn the_summary_counts_each_overdue_agreement_once(
        day in 0i64..1200,
        picks in proptest::collection::vec(0usize..4, 1..8),
    ) {
        let today = chrono::NaiveDate::from_ymd_opt(2008, 6, 1).unwrap() + chrono::Duration::days(day);
        let signed = Negotiation::statutory_settled().signed_off();
        let stages = [
            Negotiation::opened(),
            signed.clone(),
            signed.clone().given(&go(), open_refresh("2009", None)),
            signed.given(&minister(), Command::CloseAgreement),
        ];
        let mut forward = laa_core::summary::NegotiationSummary::default();
        let mut backward = laa_core::summary::NegotiationSummary::default();
        let mut expected = std::collections::BTreeMap::<String, u64>::new();
        let ones: Vec<_> = picks
            .iter()
            .map(|&p| {
                let n = &stages[p];
                if let Some(r) = n.state.refresh_overdue(today) {
                    *expected.entry(r.id.to_string()).or_default() += 1;
                }
                let mut one = laa_core::summary::NegotiationSummary::of_history(&n.history);
                one.note_overdue(&n.state, today);
                one
            })
            .collect();
        for one in &ones {
            forward.merge(one);
        }
        for one in ones.iter().rev() {
            backward.merge(one);
        }
        proptest::prop_assert_eq!(&forward.refreshes_overdue, &expected);
        proptest::prop_assert_eq!(&backward.refreshes_overdue, &expected);
        proptest::prop_assert_eq!(
            forward.agreements_overdue(),
            picks
                .iter()
                .filter(|&&p| stages[p].state.refresh_overdue(today).is_some())
                .count() as u64
        );
    }
}
