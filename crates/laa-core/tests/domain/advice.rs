//! Advice on request (recommendation 4): the area asks a department
//! through its GO, the GO records the answer; each rule once.

use laa_core::Command;

use crate::harness::*;

fn ask(indicator: u16, department: &str, target: Option<u32>) -> Command {
    Command::RequestAdvice {
        indicator: ni(indicator),
        department: dept(department),
        question: "Which interventions moved NEET figures fastest?".into(),
        target: target.map(tid),
    }
}

fn answer(request: u32) -> Command {
    Command::RecordAdvice {
        request,
        answer: "Intensive personal advisers; see the IDeA case studies.".into(),
    }
}

#[test]
fn the_area_asks_and_the_go_records_the_departments_answer() {
    let n = Negotiation::opened()
        .when(&area(), ask(117, "DCSF", None))
        .then_events(&["advice_requested"]);
    let asked = &n.state.advice[&1];
    assert_eq!((asked.indicator, asked.answer.as_ref()), (ni(117), None));
    let n = n
        .when(&area(), ask(163, "DIUS", None))
        .then_events(&["advice_requested"]);
    assert_eq!(n.state.advice.len(), 2, "numbered from 1 in order");
    let n = n.when(&go(), answer(2)).then_events(&["advice_recorded"]);
    assert!(n.state.advice[&2].answer.is_some());
    assert!(n.state.advice[&1].answer.is_none());
}

#[test]
fn advice_is_asked_by_the_area_and_recorded_by_the_go_only() {
    let n = Negotiation::opened();
    n.when(&go(), ask(117, "DCSF", None))
        .then_refused("OUT_OF_SCOPE");
    n.when(&other_area(), ask(117, "DCSF", None))
        .then_refused("OUT_OF_SCOPE");
    let n = n.given(&area(), ask(117, "DCSF", None));
    n.when(&area(), answer(1)).then_refused("OUT_OF_SCOPE");
    n.when(&minister(), answer(1)).then_refused("OUT_OF_SCOPE");
}

#[test]
fn a_request_names_a_known_indicator_department_and_target() {
    let n = Negotiation::opened();
    n.when(&area(), ask(117, "NOWHERE", None))
        .then_refused("INVALID_TERMS");
    n.when(&area(), ask(117, "DCSF", Some(99)))
        .then_refused("NOT_FOUND");
    n.when(
        &area(),
        Command::RequestAdvice {
            indicator: ni(117),
            department: dept("DCSF"),
            question: "   ".into(),
            target: None,
        },
    )
    .then_refused("INVALID_TERMS");
}

#[test]
fn an_answer_is_to_an_open_request_and_recorded_once() {
    let n = Negotiation::opened().given(&area(), ask(117, "DCSF", None));
    n.when(&go(), answer(2)).then_refused("NOT_FOUND");
    let n = n.given(&go(), answer(1));
    n.when(&go(), answer(1)).then_refused("ALREADY_EXISTS");
}

#[test]
fn advice_is_asked_after_sign_off_too_but_not_once_closed() {
    let n = Negotiation::statutory_settled().signed_off();
    let n = n
        .when(&area(), ask(117, "DCSF", None))
        .then_events(&["advice_requested"]);
    let closed = n
        .after_the_period()
        .given(&minister(), Command::CloseAgreement);
    closed
        .when(&area(), ask(117, "DCSF", None))
        .then_refused("AGREEMENT_NOT_EDITABLE");
}
