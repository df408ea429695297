//! Negotiating champions (recommendation 8): an administrator assigns a
//! senior Whitehall official to an agreement; the champion reads it,
//! comments on and brokers its targets, records advice, and makes and
//! accepts no offers. Each rule once.

use laa_core::authorise::{Visible, authorise_listing, authorise_read_agreement};
use laa_core::summary::NegotiationSummary;
use laa_core::waiting::{Circumstances, Waiting, waiting_on};
use laa_core::{Command, Role};

use crate::harness::*;

fn assign() -> Command {
    Command::AssignChampion {
        champion: champion().principal,
        department: dept("CLG"),
    }
}

fn end() -> Command {
    Command::EndChampionAssignment {
        champion: champion().principal,
        reason: "Moved to another post".into(),
    }
}

fn comment(target: u32, brokering: bool) -> Command {
    Command::CommentOnTarget {
        target: tid(target),
        text: "Would 14% with a deferred final year meet both sides?".into(),
        brokering,
    }
}

#[test]
fn an_administrator_assigns_a_champion_who_then_reads_comments_and_brokers() {
    let n = Negotiation::opened();
    assert!(authorise_read_agreement(&champion(), &n.state).is_err());
    let n = n
        .when(&admin(), assign())
        .then_events(&["champion_assigned"]);
    assert!(n.state.is_champion("clg:champion") && n.state.had_champion);
    assert_eq!(n.state.champions["clg:champion"].department, dept("CLG"));
    authorise_read_agreement(&champion(), &n.state).expect("an assigned champion reads");
    let n = n
        .when(&champion(), comment(1, true))
        .then_events(&["target_commented"]);
    let n = n
        .when(&area(), comment(1, false))
        .then_events(&["target_commented"]);
    let thread: Vec<_> = n.state.thread(tid(1)).collect();
    assert_eq!(thread.len(), 2);
    assert!(thread[0].brokering && thread[0].author.role == Role::Champion);
    assert!(!thread[1].brokering && thread[1].author == area());
}

#[test]
fn only_an_administrator_assigns_and_ends_and_each_once() {
    let n = Negotiation::opened();
    for who in [go(), area(), minister(), champion()] {
        n.when(&who, assign()).then_refused("OUT_OF_SCOPE");
    }
    n.when(&admin(), end()).then_refused("NOT_FOUND");
    let n = n.given(&admin(), assign());
    n.when(&admin(), assign()).then_refused("ALREADY_EXISTS");
    n.when(&go(), end()).then_refused("OUT_OF_SCOPE");
    let n = n
        .when(&admin(), end())
        .then_events(&["champion_assignment_ended"]);
    assert!(!n.state.is_champion("clg:champion"));
    assert!(n.state.had_champion, "the analytics remember the champion");
    assert!(authorise_read_agreement(&champion(), &n.state).is_err());
    n.when(&champion(), comment(1, true))
        .then_refused("OUT_OF_SCOPE");
}

#[test]
fn an_assignment_names_a_principal_and_a_known_department() {
    let n = Negotiation::opened();
    for champion in [
        "",
        "   ",
        "two\nlines",
        "clg",
        "clg:",
        ":x",
        "../../kent",
        "clg:j smith",
        &format!("clg:{}", "x".repeat(100)),
    ] {
        n.when(
            &admin(),
            Command::AssignChampion {
                champion: champion.into(),
                department: dept("CLG"),
            },
        )
        .then_refused("INVALID_TERMS");
    }
    n.when(
        &admin(),
        Command::AssignChampion {
            champion: "clg:champion".into(),
            department: dept("NOWHERE"),
        },
    )
    .then_refused("INVALID_TERMS");
}

#[test]
fn an_unassigned_champion_reaches_nothing() {
    let n = Negotiation::opened();
    n.when(&champion(), comment(1, false))
        .then_refused("OUT_OF_SCOPE");
    let n = n.given(&area(), advice_asked());
    n.when(&champion(), answer(1)).then_refused("OUT_OF_SCOPE");
}

#[test]
fn a_champion_makes_and_accepts_no_offers() {
    let n = Negotiation::opened().given(&admin(), assign());
    n.when(&champion(), propose(117, fitting(117)))
        .then_refused("OUT_OF_SCOPE");
    n.when(&champion(), counter(1, fitting(statutory(1))))
        .then_refused("OUT_OF_SCOPE");
    n.when(&champion(), accept(1)).then_refused("OUT_OF_SCOPE");
    n.when(&champion(), Command::EndorseAgreement)
        .then_refused("OUT_OF_SCOPE");
}

#[test]
fn only_a_champion_brokers_and_a_comment_is_on_a_live_target() {
    let n = Negotiation::opened().given(&admin(), assign());
    n.when(&go(), comment(1, true)).then_refused("OUT_OF_SCOPE");
    n.when(&area(), comment(1, true))
        .then_refused("OUT_OF_SCOPE");
    n.when(&other_area(), comment(1, false))
        .then_refused("OUT_OF_SCOPE");
    n.when(&go(), comment(99, false)).then_refused("NOT_FOUND");
    n.when(
        &go(),
        Command::CommentOnTarget {
            target: tid(1),
            text: " ".into(),
            brokering: false,
        },
    )
    .then_refused("INVALID_TERMS");
    let n = n.given(&go(), propose_for(117, fitting(117), "DCSF"));
    let proposed = n.target_on(117).id.get();
    let n = n.given(&go(), withdraw(proposed));
    n.when(&champion(), comment(proposed, true))
        .then_refused("AGREEMENT_NOT_EDITABLE");
}

#[test]
fn a_champion_records_advice_and_sees_it_waiting() {
    let n = Negotiation::opened()
        .given(&admin(), assign())
        .given(&area(), advice_asked());
    let today = Circumstances {
        today: n.state.opening.as_ref().unwrap().opened_at.date_naive(),
        history_broken_from: None,
    };
    assert!(matches!(
        waiting_on(&n.state, &champion(), &today)[..],
        [Waiting::RecordAdvice { request: 1, .. }]
    ));
    let n = n
        .when(&champion(), answer(1))
        .then_events(&["advice_recorded"]);
    assert!(waiting_on(&n.state, &champion(), &today).is_empty());
}

#[test]
fn a_champion_lists_only_the_agreements_assigned_to_them() {
    assert_eq!(
        authorise_listing(&champion(), None, None).unwrap(),
        Visible::Assigned("clg:champion".into())
    );
}

#[test]
fn the_summary_compares_negotiations_with_a_champion_and_without() {
    let championed = Negotiation::opened()
        .given(&admin(), assign())
        .given(&go(), propose_for(117, fitting(117), "DCSF"))
        .given(&area(), counter(17, fitting(117)));
    let plain = Negotiation::opened();
    let mut total = NegotiationSummary::of_history(&championed.history);
    total.merge(&NegotiationSummary::of_history(&plain.history));
    let c = &total.champions;
    assert_eq!(c.areas.iter().collect::<Vec<_>>(), ["kent"]);
    assert_eq!(
        (c.with_champion.agreements, c.with_champion.counter_offers),
        (1, 1)
    );
    assert_eq!(
        (
            c.without_champion.agreements,
            c.without_champion.counter_offers
        ),
        (1, 0)
    );
}

#[test]
fn the_summary_counts_each_departments_advice_and_days_to_answer() {
    let n = Negotiation::opened()
        .given(&area(), advice_asked())
        .given(&area(), advice_asked())
        .days_later(6)
        .given(&go(), answer(1));
    let s = NegotiationSummary::of_history(&n.history);
    let dcsf = &s.by_department["DCSF"];
    assert_eq!((dcsf.advice_requests, dcsf.advice_open()), (2, 1));
    assert_eq!(dcsf.median_days_to_answer(), Some(6.0));
}

fn advice_asked() -> Command {
    Command::RequestAdvice {
        indicator: ni(117),
        department: dept("DCSF"),
        question: "Which interventions moved NEET figures fastest?".into(),
        target: None,
    }
}

fn answer(request: u32) -> Command {
    Command::RecordAdvice {
        request,
        answer: "Intensive personal advisers.".into(),
    }
}
