//! Delivery after sign-off: statuses per year and overall, polarity-aware,
//! and the reward grant (issue 12), with the Kent NI 117 worked example.

use laa_core::performance::reward::{achieved_percent, paid_percent};
use laa_core::performance::{Status, reward_working, target_performance};
use laa_core::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::harness::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Terms in percent with exact decimal values.
fn pct_dec(baseline: &str, trajectory: [&str; 3]) -> Terms {
    values(Unit::Percent, dec(baseline), trajectory.map(dec))
}

fn record(id: u32, y: &str, value: &str) -> Command {
    Command::RecordActual {
        target: tid(id),
        year: year(y),
        value: dec(value),
        source: "Connexions CCIS".into(),
    }
}

/// Kent, signed off with NI 117 (NEET) from 8.0 towards 7.0, lower is better.
fn kent_neet() -> (Negotiation, u32) {
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        117,
        pct_dec("8.0", ["7.8", "7.4", "7.0"]),
    );
    (n.signed_off().after_the_period(), id)
}

fn statuses(n: &Negotiation, id: u32) -> (Vec<Status>, Status) {
    let p = target_performance(&n.state, &n.state.targets[&tid(id)], &CATALOGUE);
    (p.years.iter().map(|y| y.status).collect(), p.overall)
}

#[test]
fn statuses_follow_the_trajectory_by_the_indicators_polarity() {
    use Status::*;
    let (n, id) = kent_neet();
    assert_eq!(statuses(&n, id), (vec![NoData, NoData, NoData], NoData));
    // Lower is better: 7.9 is worse than the planned 7.8.
    let n = n.given(&area(), record(id, "2008/09", "7.9"));
    assert_eq!(statuses(&n, id), (vec![OffTrack, NoData, NoData], OffTrack));
    // 7.3 beats the planned 7.4.
    let n = n.given(&area(), record(id, "2009/10", "7.3"));
    assert_eq!(statuses(&n, id), (vec![OffTrack, OnTrack, NoData], OnTrack));
    // A correction is a new event; the latest value counts.
    let corrected = n.clone().given(&area(), record(id, "2009/10", "7.5"));
    assert_eq!(statuses(&corrected, id).1, OffTrack);
    assert_eq!(
        corrected
            .history
            .iter()
            .filter(|e| e.change.kind() == "actual_recorded")
            .count(),
        3
    );
    let met = n.clone().given(&area(), record(id, "2010/11", "7.0"));
    assert_eq!(statuses(&met, id).1, Met);
    let missed = n.given(&area(), record(id, "2010/11", "7.1"));
    assert_eq!(
        statuses(&missed, id),
        (vec![OffTrack, OnTrack, Missed], Missed)
    );
}

#[test]
fn higher_is_better_indicators_are_judged_the_other_way() {
    use Status::*;
    // NI 163, Level 2 qualifications: higher is better.
    let (n, id) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 163, pct(60, [62, 64, 66]));
    let n = n
        .signed_off()
        .after_the_period()
        .given(&area(), record(id, "2008/09", "61"))
        .given(&area(), record(id, "2009/10", "64"))
        .given(&area(), record(id, "2010/11", "67"));
    assert_eq!(statuses(&n, id), (vec![OffTrack, OnTrack, Met], Met));
}

#[test]
fn placeholders_and_deferred_years_have_no_verdict_until_resolved() {
    use Status::*;
    let n = Negotiation::statutory_settled();
    // Statutory target 1 (NI 72): 2010/11 deferred to the 2009 refresh.
    let n = n
        .signed_off()
        .after_the_period()
        .given(&area(), record(1, "2010/11", "70"));
    let (years, overall) = statuses(&n, 1);
    assert_eq!(years, vec![NoData, NoData, Unresolved]);
    assert_eq!(overall, NoData);
    // A placeholder target: every year unresolved.
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        4,
        placeholder(PlaceholderReason::AwaitingSurvey),
    );
    assert_eq!(statuses(&n, id), (vec![Unresolved; 3], Unresolved));
}

/// Issue 12's worked example, exactly: Kent, NI 117, baseline 8.0, final
/// target 7.0, a share of GBP 40,000.
#[test]
fn the_kent_ni_117_worked_example_holds_exactly() {
    let pays = |actual: &str, multiplier: &str| {
        let (n, id) = kent_neet();
        let mut n = n;
        if multiplier != "1" {
            let opening = n.state.opening.as_mut().unwrap();
            opening.policy.reward.multiplier = dec(multiplier);
        }
        let n = n.given(&area(), record(id, "2010/11", actual));
        let working = n
            .state
            .reward
            .clone()
            .expect("assessed with the final actual");
        assert_eq!(working, reward_working(&n.state, &CATALOGUE).unwrap());
        let line = &working.lines[0];
        (
            line.achieved_percent,
            line.amount.amount(),
            working.total.amount(),
        )
    };
    let (share, amount, total) = pays("7.4", "1");
    assert_eq!(share, Some(dec("60")));
    assert_eq!(amount, dec("24000"));
    assert_eq!(total, dec("24000"));
    assert_eq!(pays("7.5", "1").1, Decimal::ZERO, "50% is below the floor");
    assert_eq!(
        pays("6.8", "1").1,
        dec("40000"),
        "beyond the target pays in full"
    );
    assert_eq!(pays("7.0", "1").1, dec("40000"));
    assert_eq!(
        pays("7.4", "2.0").1,
        dec("48000"),
        "recommendation 18: double"
    );
    assert_eq!(pays("7.2", "1").1, dec("32000"), "80% pays 80%");
}

#[test]
fn the_reward_is_assessed_once_every_final_actual_is_in_and_again_when_corrected() {
    let (n, neet) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        117,
        pct_dec("8.0", ["7.8", "7.4", "7.0"]),
    );
    let (n, homes) = n.agreed_target(&go(), &area(), 154, on(154, 400, [420, 440, 460]));
    let n = n.signed_off().after_the_period();
    let n = n.given(&area(), record(neet, "2010/11", "7.0"));
    assert!(
        n.state.reward.is_none(),
        "NI 154's final actual is still to come"
    );
    let n = n.given(&area(), record(homes, "2010/11", "430"));
    let first = n.state.reward.clone().unwrap();
    // 30 of the planned 60 homes: 50%, nothing; NEET met: in full.
    assert_eq!(first.total.amount(), dec("40000"));
    assert_eq!(first.pot.amount(), dec("80000"));
    let n = n.given(&area(), record(homes, "2010/11", "460"));
    assert_eq!(
        n.state.reward.as_ref().unwrap().total.amount(),
        dec("80000")
    );
    let assessments = n
        .history
        .iter()
        .filter(|e| e.change.kind() == "reward_assessed")
        .count();
    assert_eq!(assessments, 2);
    // The same actual again changes nothing in the working: no new assessment.
    let n = n.given(&area(), record(homes, "2010/11", "460"));
    assert_eq!(n.history.last().unwrap().change.kind(), "actual_recorded");
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
}

#[test]
fn a_target_that_limits_a_deterioration_pays_in_full_if_held() {
    let terms =
        pct_dec("6", ["7", "8", "9"]).limiting_deterioration("NEET will rise in the downturn");
    let (n, id) = Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, terms);
    let n = n.signed_off().after_the_period();
    let held = n.clone().given(&area(), record(id, "2010/11", "8.5"));
    assert_eq!(held.state.reward.unwrap().total.amount(), dec("40000"));
    assert_eq!(
        statuses(&n.clone().given(&area(), record(id, "2010/11", "8.5")), id).1,
        Status::Met
    );
    let breached = n.given(&area(), record(id, "2010/11", "9.5"));
    assert_eq!(breached.state.reward.unwrap().total, Money::ZERO);
}

fn policy() -> RewardPolicy {
    RoundPolicy::round_2008_11().reward
}

proptest! {
    /// Paying more for a better actual, never less; never above the share.
    #[test]
    fn the_reward_is_monotone_in_the_actual_and_never_above_the_pot(
        baseline in 1u32..1000,
        planned_gain in 1u32..500,
        a in 0u32..2000,
        b in 0u32..2000,
        lower in any::<bool>(),
        multiplier in 1u32..40,
    ) {
        let polarity = if lower { Polarity::LowerIsBetter } else { Polarity::HigherIsBetter };
        let baseline = Decimal::from(baseline);
        let gain = Decimal::from(planned_gain);
        let planned = if lower { baseline - gain } else { baseline + gain };
        let mut policy = policy();
        policy.multiplier = Decimal::from(multiplier) / Decimal::TEN;
        let share = policy.per_target.amount() * policy.multiplier;
        let amount = |actual: Decimal| {
            let achieved = achieved_percent(polarity, baseline, planned, actual);
            Money::pounds(share * paid_percent(&policy, achieved) / Decimal::ONE_HUNDRED)
        };
        let (a, b) = (Decimal::from(a), Decimal::from(b));
        let (worse, better) = if polarity.at_least_as_good(a, b) { (b, a) } else { (a, b) };
        prop_assert!(amount(worse) <= amount(better));
        prop_assert!(amount(better).amount() <= share.round_dp(2));
        prop_assert!(amount(worse) >= Money::ZERO);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// An agreement's total never exceeds its pot, whatever the actuals.
    #[test]
    fn an_agreements_total_never_exceeds_its_pot(actuals in proptest::collection::vec(0u32..120, 3)) {
        let n = Negotiation::statutory_settled();
        let (n, a) = n.agreed_target(&go(), &area(), 117, pct(10, [9, 8, 6]));
        let (n, b) = n.agreed_target(&go(), &area(), 163, pct(60, [62, 64, 66]));
        let (n, c) = n.agreed_target(&go(), &area(), 154, on(154, 400, [420, 440, 460]));
        let mut n = n.signed_off().after_the_period();
        for (id, v) in [a, b, c].into_iter().zip(&actuals) {
            let value = if id == c { *v * 5 } else { *v % 101 };
            n = n.given(&area(), Command::RecordActual {
                target: tid(id),
                year: year("2010/11"),
                value: Decimal::from(value),
                source: "ONS".into(),
            });
        }
        let working = n.state.reward.clone().unwrap();
        prop_assert_eq!(working.pot.amount(), Decimal::from(120_000));
        prop_assert!(working.total <= working.pot);
        prop_assert_eq!(working.lines.len(), 3);
    }
}

fn rebaseline(id: u32, terms: Terms) -> Command {
    Command::ProposeRebaseline {
        target: tid(id),
        terms,
        reason: laa_core::agreement::Rebaseline::MeasurementChange,
        rationale: "recording changed: admissions mushroomed from about 50 to about 1,000".into(),
        evidence: vec!["PCT recording guidance 2009".into()],
        department: None,
    }
}

/// Figure 5.3: the measure changes mid-period, the area proposes a new
/// baseline and trajectory, the GO accepts, and the reward is assessed
/// against the new terms; the history keeps both.
#[test]
fn a_target_is_rebaselined_when_its_measure_changes() {
    let old = on(47, 50, [48, 46, 44]);
    let new = on(47, 1000, [960, 920, 880]);
    // Before sign-off there is nothing to re-baseline: terms are negotiated.
    let (n, id) = Negotiation::statutory_settled().agreed_target(&go(), &area(), 47, old.clone());
    n.when(&area(), rebaseline(id, new.clone()))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    let n = n.signed_off().after_the_period();
    // Ministers do not negotiate; a placeholder is no re-baselining; the
    // new terms must fit the indicator like any others.
    n.when(&minister(), rebaseline(id, new.clone()))
        .then_refused("OUT_OF_SCOPE");
    n.when(
        &area(),
        rebaseline(id, placeholder(PlaceholderReason::DefinitionPending)),
    )
    .then_refused("INVALID_TERMS");
    n.when(&area(), rebaseline(id, on(47, 1000, [1100, 1200, 1300])))
        .then_refused("INVALID_TERMS");
    // An ordinary counter-offer is still refused after sign-off.
    n.when(&area(), counter(id, new.clone()))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    let n = n
        .given(&area(), record(id, "2008/09", "990"))
        .when(&area(), rebaseline(id, new.clone()))
        .then_events(&["offer_made"]);
    // The proposer cannot accept its own re-baselining; the GO does.
    n.when(&area(), accept(id)).then_refused("NOT_YOUR_TURN");
    let n = n.when(&go(), accept(id)).then_events(&["offer_accepted"]);
    let target = n.target_on(47);
    assert_eq!(target.agreed.as_ref(), Some(&new));
    assert_eq!(target.status, TargetStatus::Agreed);
    assert_eq!(n.state.status, AgreementStatus::Agreed);
    let Change::OfferMade {
        offer,
        terms_before,
        ..
    } = &n.history[n.history.len() - 2].change
    else {
        panic!("the re-baselining offer")
    };
    assert_eq!(terms_before.as_ref(), Some(&old), "the history keeps both");
    assert_eq!(
        offer.rebaseline,
        Some(laa_core::agreement::Rebaseline::MeasurementChange)
    );
    // Judged against the new terms: 990 is worse than the planned 960.
    assert_eq!(statuses(&n, id).0[0], Status::OffTrack);
    // 900 achieves 100 of the planned 120: 83.33%, paid in proportion.
    let n = n.given(&area(), record(id, "2010/11", "900"));
    let working = n.state.reward.clone().unwrap();
    assert_eq!(working.lines[0].amount.amount(), dec("33333.33"));
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
}

fn approve(id: u32) -> Command {
    Command::ApproveRebaseline { target: tid(id) }
}

fn reject(id: u32) -> Command {
    Command::RejectRebaseline {
        target: tid(id),
        reason: "the new recording is not yet audited".into(),
    }
}

/// In a round whose policy asks for it, a re-baselining both sides accepted
/// waits for Ministers: the old terms, and the statuses and reward judged
/// against them, stay in force until they approve it; a rejection keeps
/// them; a local target's re-baselining needs no Minister.
#[test]
fn ministers_approve_a_rebaselining_when_the_round_asks_them() {
    let mut policy = RoundPolicy::round_2008_11();
    policy.rebaseline_needs_ministers = true;
    let old = on(47, 50, [48, 46, 44]);
    let new = on(47, 1000, [960, 920, 880]);
    let (n, id) =
        Negotiation::statutory_settled_under(policy).agreed_target(&go(), &area(), 47, old.clone());
    let local = Command::ProposeTarget {
        priority: None,
        indicator: IndicatorRef::Local {
            code: LocalIndicatorCode::new("l-falls").unwrap(),
            title: "Older people seen by the falls clinic".into(),
        },
        terms: pct(70, [75, 80, 85]),
        rationale: "the 50+ programme".into(),
        evidence: vec![],
        department: None,
    };
    let local_id = n.state.next_target.get();
    let n = n
        .given(&area(), local)
        .given(&go(), accept(local_id))
        .signed_off()
        .after_the_period();
    n.when(&minister(), approve(id))
        .then_refused("NO_PENDING_REBASELINE");
    let n = n.given(&area(), rebaseline(id, new.clone()));
    // An open offer is the other side's to answer, not Ministers'.
    n.when(&minister(), approve(id))
        .then_refused("NO_PENDING_REBASELINE");
    let n = n.when(&go(), accept(id)).then_events(&["offer_accepted"]);
    let Change::OfferAccepted {
        awaiting_ministers, ..
    } = &n.history.last().unwrap().change
    else {
        panic!("the acceptance")
    };
    assert!(awaiting_ministers);
    let target = n.target_on(47);
    assert_eq!(
        target.agreed.as_ref(),
        Some(&old),
        "the old terms stay in force"
    );
    assert_eq!(
        target.pending_rebaseline.as_ref().map(|o| &o.terms),
        Some(&new)
    );
    assert_eq!(target.status, TargetStatus::Agreed);
    // Only Ministers decide it, and no side offers on the target meanwhile.
    n.when(&go(), approve(id)).then_refused("OUT_OF_SCOPE");
    n.when(&area(), reject(id)).then_refused("OUT_OF_SCOPE");
    n.when(&area(), rebaseline(id, on(47, 900, [880, 860, 840])))
        .then_refused("NOT_YOUR_TURN");
    // Judged against the old terms meanwhile: 955 is far above 48, and the
    // final 900 against a planned 44 pays nothing.
    let n = n
        .given(&area(), record(id, "2008/09", "955"))
        .given(&area(), record(id, "2010/11", "900"));
    assert_eq!(statuses(&n, id).0[0], Status::OffTrack);
    let paid = |n: &Negotiation| n.state.reward.clone().unwrap().lines[0].amount.amount();
    assert_eq!(paid(&n), Decimal::ZERO);
    // Rejected: the old terms stay, and a new re-baselining may be proposed.
    let rejected = n
        .when(&minister(), reject(id))
        .then_events(&["rebaseline_rejected"]);
    assert_eq!(rejected.target_on(47).agreed.as_ref(), Some(&old));
    assert!(rejected.target_on(47).pending_rebaseline.is_none());
    rejected
        .when(&area(), rebaseline(id, new.clone()))
        .then_events(&["offer_made"]);
    // Approved: the new terms are agreed and the reward assessed against
    // them (900 achieves 100 of the planned 120: 83.33%).
    let n = n
        .when(&minister(), approve(id))
        .then_events(&["rebaseline_approved", "reward_assessed"]);
    let target = n.target_on(47);
    assert_eq!(target.agreed.as_ref(), Some(&new));
    assert!(target.pending_rebaseline.is_none());
    assert_eq!(statuses(&n, id).0[0], Status::OnTrack);
    assert_eq!(paid(&n), dec("33333.33"));
    n.when(&minister(), approve(id))
        .then_refused("NO_PENDING_REBASELINE");
    // A local target is outside Ministers' sign-off: acceptance suffices.
    let local_new = pct(20, [25, 30, 35]);
    let n = n
        .given(&area(), rebaseline(local_id, local_new.clone()))
        .when(&go(), accept(local_id))
        .then_events(&["offer_accepted"]);
    assert_eq!(
        n.state.targets[&tid(local_id)].agreed.as_ref(),
        Some(&local_new)
    );
    assert_eq!(replay(n.state.id.clone(), &n.history), n.state);
}

fn entry(code: &str, kind: &str, baseline: i64, actual: i64) -> laa_core::performance::Entrant {
    laa_core::performance::Entrant {
        agreement: AgreementId::new(format!("{code}-2008-11")).unwrap(),
        area: area_code(code),
        region: Region::SouthEast,
        kind: kind.into(),
        baseline: Decimal::from(baseline),
        actual: Decimal::from(actual),
        year: year("2010/11"),
        explanation: None,
    }
}

#[test]
fn tournaments_rank_by_value_added_against_similar_areas() {
    use laa_core::performance::{TournamentPolicy, tournament};
    let mut policy = TournamentPolicy {
        min_group: 3,
        prize: Money::pounds(Decimal::from(10_000)),
        ..TournamentPolicy::default()
    };
    // NEET, lower is better: improvements 25%, 10%, 0%, -10% among the
    // counties (median 5); two unitaries, too few to rank.
    let entrants = vec![
        entry("kent", "county", 8, 6),
        entry("surrey", "county", 10, 9),
        entry("essex", "county", 10, 10),
        entry("norfolk", "county", 10, 11),
        entry("medway", "unitary", 10, 5),
        entry("slough", "unitary", 10, 9),
    ];
    let table = tournament(Polarity::LowerIsBetter, entrants.clone(), &policy);
    let row = |code: &str| {
        table
            .iter()
            .find(|s| s.entrant.area.as_str() == code)
            .unwrap()
    };
    assert_eq!(row("kent").value_added, Some(dec("20")));
    assert_eq!(row("kent").rank, Some(1));
    assert!(row("kent").top_quartile);
    assert_eq!(row("kent").prize.amount(), dec("10000"));
    assert_eq!(row("norfolk").rank, Some(4));
    assert_eq!(row("norfolk").prize, Money::ZERO);
    assert_eq!(
        row("medway").rank,
        None,
        "a group of 2 is below the minimum of 3"
    );
    assert!(row("medway").unranked_because.is_some());
    assert_eq!(table[0].entrant.area.as_str(), "kent");
    // By region instead, all six are similar.
    policy.similar_by = laa_core::performance::Similarity::Region;
    let by_region = tournament(Polarity::LowerIsBetter, entrants, &policy);
    assert!(by_region.iter().all(|s| s.rank.is_some()));
    assert_eq!(by_region[0].entrant.area.as_str(), "medway");
}

#[test]
fn an_area_lodges_an_explanation_after_sign_off() {
    let (n, _) = kent_neet();
    let why = || Command::LodgeExplanation {
        indicator: ni(117),
        explanation: "the Pfizer plant at Sandwich closed".into(),
    };
    n.when(&go(), why()).then_refused("OUT_OF_SCOPE");
    n.when(
        &area(),
        Command::LodgeExplanation {
            indicator: ni(154),
            explanation: "no such target".into(),
        },
    )
    .then_refused("INVALID_TERMS");
    let n = n.when(&area(), why()).then_events(&["explanation_lodged"]);
    assert_eq!(
        n.state.explanations[&ni(117)],
        "the Pfizer plant at Sandwich closed"
    );
    let entrant = laa_core::performance::entrant(&n.state, ni(117), "county");
    assert!(entrant.is_none(), "no actual yet: not in the tournament");
}

proptest! {
    /// Renaming and reordering the areas changes no area's rank.
    #[test]
    fn a_ranking_is_stable_under_relabelling_of_areas(
        figures in proptest::collection::vec((1i64..100, 0i64..150, any::<bool>()), 1..24),
        rotate in 0usize..24,
    ) {
        use laa_core::performance::{TournamentPolicy, tournament};
        let policy = TournamentPolicy { min_group: 2, ..TournamentPolicy::default() };
        let kind = |county: bool| if county { "county" } else { "unitary" };
        let first: Vec<_> = figures.iter().enumerate()
            .map(|(i, (b, a, c))| entry(&format!("area-{i}"), kind(*c), *b, *a))
            .collect();
        // The same figures under other names, in another order.
        let n = figures.len();
        let mut second: Vec<_> = figures.iter().enumerate()
            .map(|(i, (b, a, c))| entry(&format!("zz-{}", n - i), kind(*c), *b, *a))
            .collect();
        second.rotate_left(rotate % n);
        let ranks = |table: Vec<laa_core::performance::Standing>, prefix: &str| {
            let mut by_figures: Vec<_> = table.into_iter()
                .map(|s| (s.entrant.baseline, s.entrant.actual, s.entrant.kind.clone(), s.rank, s.top_quartile, s.entrant.area.as_str().starts_with(prefix)))
                .collect();
            by_figures.sort();
            by_figures.into_iter().map(|(b, a, k, r, q, _)| (b, a, k, r, q)).collect::<Vec<_>>()
        };
        prop_assert_eq!(
            ranks(tournament(Polarity::HigherIsBetter, first, &policy), "area"),
            ranks(tournament(Polarity::HigherIsBetter, second, &policy), "zz")
        );
    }
}

proptest! {
    /// A better actual for one area (by the polarity) never lowers its
    /// improvement or value added, never worsens its rank, and never takes
    /// it out of the top quartile.
    #[test]
    fn a_ranking_is_monotone_in_the_actual(
        figures in proptest::collection::vec((1i64..100, 0i64..150, any::<bool>()), 1..24),
        pick in 0usize..24,
        better_by in 0i64..60,
        lower in any::<bool>(),
    ) {
        use laa_core::performance::{TournamentPolicy, tournament};
        let policy = TournamentPolicy { min_group: 2, ..TournamentPolicy::default() };
        let polarity = if lower { Polarity::LowerIsBetter } else { Polarity::HigherIsBetter };
        let kind = |county: bool| if county { "county" } else { "unitary" };
        let entrants = |bump: i64| -> Vec<_> {
            figures.iter().enumerate()
                .map(|(i, (b, a, c))| {
                    let a = if i == pick % figures.len() {
                        if lower { a - bump } else { a + bump }
                    } else {
                        *a
                    };
                    entry(&format!("area-{i}"), kind(*c), *b, a)
                })
                .collect()
        };
        let picked = format!("area-{}", pick % figures.len());
        let standing = |bump: i64| {
            tournament(polarity, entrants(bump), &policy)
                .into_iter()
                .find(|s| s.entrant.area.as_str() == picked)
                .unwrap()
        };
        let (before, after) = (standing(0), standing(better_by));
        prop_assert!(after.improvement_percent >= before.improvement_percent);
        prop_assert!(after.value_added >= before.value_added);
        if let (Some(was), Some(now)) = (before.rank, after.rank) {
            prop_assert!(now <= was, "rank {} became {}", was, now);
        }
        prop_assert!(!before.top_quartile || after.top_quartile);
        prop_assert!(after.prize >= before.prize);
    }
}

/// A later set that rewords an indicator's unit and polarity changes
/// nothing for an agreement bound to an earlier set: its terms are checked,
/// its statuses judged and its reward paid by its own set's wording.
#[test]
fn an_agreement_is_judged_by_its_bound_sets_wording() {
    use laa_core::indicator_sets::{DraftRequest, SetEdit, draft_set};
    let mut catalogue = Catalogue::national().unwrap();
    let mut reworded = catalogue.indicator(ni(117)).unwrap().clone();
    reworded.unit = Unit::Count;
    reworded.polarity = Polarity::HigherIsBetter;
    let drafted = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2010, 6, 1, 9, 0, 0).unwrap();
    let draft = draft_set(
        &catalogue,
        &admin(),
        DraftRequest {
            version: set(2011),
            based_on: set(2008),
            edits: vec![SetEdit::Amend(reworded)],
            consultation_closes: None,
        },
        drafted,
    )
    .unwrap();
    catalogue.insert_set(draft.set, draft.wording).unwrap();
    assert!(catalogue.mark_published(set(2011)));
    assert_eq!(
        catalogue.indicator(ni(117)).map(|i| i.polarity),
        Some(Polarity::HigherIsBetter),
        "the newest wording says higher is better"
    );
    // Kent, bound to 2007: NI 117 is a percentage, lower is better.
    let (n, id) = kent_neet();
    assert_eq!(n.state.indicator_set, Some(set(2007)));
    let n = n
        .given(&area(), record(id, "2008/09", "7.7"))
        .given(&area(), record(id, "2010/11", "7.4"));
    let target = &n.state.targets[&tid(id)];
    let p = target_performance(&n.state, target, &catalogue);
    assert_eq!(
        p.years[0].status,
        Status::OnTrack,
        "7.7 beats 7.8 when lower is better"
    );
    let working = reward_working(&n.state, &catalogue).unwrap();
    assert_eq!(working.lines[0].amount.amount(), dec("24000"));
    // New terms on it are still a percentage that falls.
    let ctx = Context {
        now: n.now,
        catalogue: &catalogue,
        expected_version: Some(n.state.version),
        occurred_at: None,
    };
    let refitted = decide(
        &n.state,
        rebaseline(id, pct_dec("9.0", ["8.6", "8.3", "8.0"])),
        &area(),
        &ctx,
    );
    assert!(refitted.is_ok(), "{refitted:?}");
}
