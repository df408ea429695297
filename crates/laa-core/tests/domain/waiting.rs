//! What waits on whom (`laa_core::waiting`): each step of a negotiation,
//! and who it leaves something to do.

use chrono::NaiveDate;
use laa_core::waiting::{Circumstances, Waiting, waiting_on};
use laa_core::*;

use crate::harness::*;

/// Before the 2009 refresh's deadline (1 December 2008).
fn before_the_deadline() -> Circumstances {
    Circumstances {
        today: NaiveDate::from_ymd_opt(2008, 6, 1).expect("date"),
        history_broken_from: None,
    }
}

/// After it, with the refresh not opened.
fn after_the_deadline() -> Circumstances {
    Circumstances {
        today: NaiveDate::from_ymd_opt(2008, 12, 2).expect("date"),
        history_broken_from: None,
    }
}

/// What waits on each of the people the harness knows, in one table row.
struct Row {
    go: Vec<Waiting>,
    area: Vec<Waiting>,
    minister: Vec<Waiting>,
    auditor: Vec<Waiting>,
    admin: Vec<Waiting>,
    outsiders: Vec<Waiting>,
}

fn row(n: &Negotiation, c: Circumstances) -> Row {
    let on = |actor: &Actor| waiting_on(&n.state, actor, &c);
    let mut outsiders = on(&go_london());
    outsiders.extend(on(&other_area()));
    Row {
        go: on(&go()),
        area: on(&area()),
        minister: on(&minister()),
        auditor: on(&auditor()),
        admin: on(&admin()),
        outsiders,
    }
}

/// Asserts that nothing waits on anyone but the people named.
fn only(row: &Row, named: &[&str]) {
    for (who, items) in [
        ("go", &row.go),
        ("area", &row.area),
        ("minister", &row.minister),
        ("auditor", &row.auditor),
        ("admin", &row.admin),
        ("outsiders", &row.outsiders),
    ] {
        assert_eq!(
            !items.is_empty(),
            named.contains(&who),
            "{who}: {items:?} (expected something only for {named:?})"
        );
    }
}

fn statutory_terms(n: &Negotiation) -> Vec<Waiting> {
    n.state
        .live_targets()
        .filter(|t| t.kind == TargetKind::Statutory)
        .map(|t| Waiting::OfferStatutoryTerms {
            target: t.id,
            indicator: t.indicator.clone(),
        })
        .collect()
}

#[test]
fn an_unopened_agreement_waits_on_nobody() {
    only(&row(&Negotiation::unopened(), before_the_deadline()), &[]);
}

#[test]
fn a_fresh_agreements_statutory_targets_wait_on_both_sides() {
    let n = Negotiation::opened();
    let r = row(&n, before_the_deadline());
    only(&r, &["go", "area"]);
    assert_eq!(r.go, statutory_terms(&n));
    assert_eq!(r.area, statutory_terms(&n));
    assert_eq!(r.go.len(), 16, "the 2008-11 round's statutory targets");
}

#[test]
fn an_offer_waits_on_the_other_side_only() {
    let n = Negotiation::statutory_settled().given(&go(), propose(117, fitting(117)));
    let target = n.target_on(117).clone();
    let made_at = target.open_offer.as_ref().expect("the offer").made_at;
    let r = row(&n, before_the_deadline());
    only(&r, &["area"]);
    assert_eq!(
        r.area,
        vec![Waiting::AnswerOffer {
            target: target.id,
            indicator: IndicatorRef::National(ni(117)),
            made_at,
        }]
    );
    // The counter-offer turns it round.
    let n = n.given(&area(), counter(target.id.get(), on(117, 50, [49, 48, 47])));
    let r = row(&n, before_the_deadline());
    only(&r, &["go"]);
    assert!(matches!(r.go[..], [Waiting::AnswerOffer { target: t, .. }] if t == target.id));
}

#[test]
fn a_statutory_target_on_offer_waits_only_on_the_answering_side() {
    let n = Negotiation::opened();
    let first = statutory(1);
    let id = n.target_on(first).id;
    let n = n.given(&go(), counter(id.get(), pct_deferred(60, 62, 64)));
    let r = row(&n, before_the_deadline());
    assert!(
        !r.go
            .iter()
            .any(|w| matches!(w, Waiting::OfferStatutoryTerms { target, .. } | Waiting::AnswerOffer { target, .. } if *target == id)),
        "the GO offered: {:?}",
        r.go
    );
    assert!(
        r.area
            .iter()
            .any(|w| matches!(w, Waiting::AnswerOffer { target, .. } if *target == id))
    );
    assert_eq!(r.go.len(), 15);
    assert_eq!(r.area.len(), 16);
}

#[test]
fn settled_terms_wait_on_the_area_to_endorse_then_the_go_to_submit_then_ministers() {
    let n = Negotiation::statutory_settled();
    let r = row(&n, before_the_deadline());
    only(&r, &["area"]);
    assert_eq!(r.area, vec![Waiting::Endorse]);

    let n = n.given(&area(), Command::EndorseAgreement);
    let r = row(&n, before_the_deadline());
    only(&r, &["go"]);
    assert_eq!(r.go, vec![Waiting::Submit]);

    let n = n.given(&go(), Command::SubmitAgreement);
    let r = row(&n, before_the_deadline());
    only(&r, &["minister"]);
    assert_eq!(r.minister, vec![Waiting::SignOffOrReturn]);

    let n = n.given(&minister(), Command::SignOffAgreement);
    only(&row(&n, before_the_deadline()), &[]);
}

#[test]
fn an_open_offer_holds_the_endorsement_back() {
    let n = Negotiation::statutory_settled().given(&area(), propose(117, fitting(117)));
    let r = row(&n, before_the_deadline());
    only(&r, &["go"]);
    assert!(!r.area.contains(&Waiting::Endorse));
}

#[test]
fn advice_asked_waits_on_the_go_until_recorded() {
    let ask = Command::RequestAdvice {
        indicator: ni(117),
        department: dept("DCSF"),
        question: "Which interventions moved NEET figures fastest?".into(),
        target: None,
    };
    let n = Negotiation::statutory_settled()
        .given(&area(), Command::EndorseAgreement)
        .given(&area(), ask);
    let r = row(&n, before_the_deadline());
    only(&r, &["go"]);
    assert_eq!(
        r.go,
        vec![
            Waiting::Submit,
            Waiting::RecordAdvice {
                request: 1,
                department: dept("DCSF"),
                indicator: ni(117),
            }
        ]
    );
    let n = n.given(
        &go(),
        Command::RecordAdvice {
            request: 1,
            answer: "Intensive personal advisers.".into(),
        },
    );
    assert_eq!(row(&n, before_the_deadline()).go, vec![Waiting::Submit]);
}

#[test]
fn an_overdue_refresh_waits_on_both_negotiators_once_signed_off() {
    let n = Negotiation::statutory_settled().signed_off();
    only(&row(&n, before_the_deadline()), &[]);
    let r = row(&n, after_the_deadline());
    only(&r, &["go", "area"]);
    let overdue = vec![Waiting::OpenOverdueRefresh {
        refresh: refresh("2009"),
    }];
    assert_eq!((r.go, r.area), (overdue.clone(), overdue));
    // Still in its first negotiation, an agreement has nothing to refresh.
    let draft = Negotiation::statutory_settled();
    assert_eq!(
        row(&draft, after_the_deadline()).area,
        vec![Waiting::Endorse]
    );
}

#[test]
fn a_rebaselining_accepted_waits_on_ministers_where_the_round_asks_them() {
    let mut policy = RoundPolicy::round_2008_11();
    policy.rebaseline_needs_ministers = true;
    let (n, id) = Negotiation::statutory_settled_under(policy).agreed_target(
        &go(),
        &area(),
        47,
        on(47, 50, [48, 46, 44]),
    );
    let n = n.signed_off().after_the_period().given(
        &area(),
        Command::ProposeRebaseline {
            target: tid(id),
            terms: on(47, 1000, [960, 920, 880]),
            reason: laa_core::agreement::Rebaseline::MeasurementChange,
            rationale: "recording changed".into(),
            evidence: vec![],
            department: None,
        },
    );
    // Offered after sign-off, outside a negotiation: as the inbox always
    // had it, nothing waits until both sides accepted it, then Ministers.
    only(&row(&n, before_the_deadline()), &[]);
    let n = n.given(&go(), accept(id));
    let r = row(&n, before_the_deadline());
    only(&r, &["minister"]);
    assert_eq!(
        r.minister,
        vec![Waiting::ApproveRebaseline { target: tid(id) }]
    );
}

#[test]
fn a_broken_history_waits_on_the_auditors() {
    let n = Negotiation::opened();
    let broken = Circumstances {
        history_broken_from: Some(3),
        ..before_the_deadline()
    };
    let r = row(&n, broken);
    only(&r, &["go", "area", "auditor"]);
    assert_eq!(r.auditor, vec![Waiting::HistoryBroken { from: 3 }]);
}
