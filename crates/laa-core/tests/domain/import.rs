//! Many targets' terms at once (a spreadsheet uploaded): each row decided,
//! in order, as the counter-offer or proposal it stands for, on the state
//! the earlier rows left; all recorded or none.

use laa_core::agreement::IndicatorRef;
use laa_core::decide::{RowAction, preview_import};
use laa_core::ids::LocalIndicatorCode;
use laa_core::{Command, Context, DomainError, TargetRow, TargetStatus, Terms, Unit};
use rust_decimal::Decimal;

use crate::harness::*;

fn row(indicator: IndicatorRef, terms: Terms) -> TargetRow {
    TargetRow {
        indicator,
        terms,
        rationale: "from the partnership's spreadsheet".into(),
        evidence: vec!["LSP evidence base 2007".into()],
        department: None,
        deal_breaker: false,
        priority: None,
    }
}

fn national(n: u16) -> TargetRow {
    row(IndicatorRef::National(ni(n)), fitting(n))
}

fn local(code: &str) -> TargetRow {
    row(
        IndicatorRef::Local {
            code: LocalIndicatorCode::new(code).unwrap(),
            title: "Graffiti removed within a day".into(),
        },
        pct(40, [50, 60, 70]),
    )
}

fn import(rows: Vec<TargetRow>) -> Command {
    Command::ImportTargets { rows }
}

#[test]
fn each_row_is_the_counter_offer_or_proposal_it_stands_for_in_order() {
    let statutory_ni = statutory(1);
    let n = Negotiation::opened();
    let next = n.state.next_target.get();
    let n = n
        .when(
            &area(),
            import(vec![
                national(statutory_ni),
                national(117),
                local("l-graffiti"),
            ]),
        )
        .then_events(&["offer_made", "target_proposed", "target_proposed"]);
    // The statutory target existed from the opening and got its first offer.
    assert_eq!(n.target_on(statutory_ni).id.get(), 1);
    assert!(n.target_on(statutory_ni).open_offer.is_some());
    // The others are new targets, numbered in the rows' order.
    assert_eq!(n.target_on(117).id.get(), next);
    assert_eq!(n.state.next_target.get(), next + 2);
}

#[test]
fn one_refused_row_refuses_the_whole_naming_every_refused_row() {
    let n = Negotiation::opened();
    let mut wrong_unit = national(117);
    wrong_unit.terms = values(Unit::Count, Decimal::from(10), [9, 8, 7].map(Decimal::from));
    let mut proposal_as_deal_breaker = national(130);
    proposal_as_deal_breaker.deal_breaker = true;
    let refused = n
        .when(
            &area(),
            import(vec![
                national(statutory(1)),
                wrong_unit,
                local("l-graffiti"),
                proposal_as_deal_breaker,
            ]),
        )
        .then_refused("INVALID_TERMS");
    let DomainError::RowsRefused { rows } = &refused else {
        panic!("not a refusal of rows: {refused:?}")
    };
    let named: Vec<(usize, String)> = rows.iter().map(|r| (r.row, r.field())).collect();
    assert_eq!(
        named,
        [
            (1, "rows[1].terms.values.unit".to_owned()),
            (3, "rows[3].deal_breaker".to_owned())
        ]
    );
    assert!(
        refused.to_string().contains("nothing was recorded"),
        "{refused}"
    );
    assert!(
        refused.facts().contains(&("rows", "1,3".to_owned())),
        "{:?}",
        refused.facts()
    );
}

#[test]
fn a_later_row_is_decided_on_the_state_the_earlier_rows_left() {
    let n = Negotiation::opened();
    // Twice the same indicator: one row per indicator, the second refused.
    let mut other_terms = national(117);
    other_terms.terms = pct(8, [7, 6, 5]);
    let refused = n
        .when(&area(), import(vec![national(117), other_terms]))
        .then_refused("INVALID_TERMS");
    let DomainError::RowsRefused { rows } = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [1]);
    // The other side's offer on a target is countered by the next import.
    let n = n.given(&go(), propose_for(117, fitting(117), "DCSF"));
    n.when(&area(), import(vec![national(117)]))
        .then_events(&["offer_made"]);
}

#[test]
fn an_import_is_a_negotiators_command_in_scope() {
    let n = Negotiation::opened();
    for (who, reason) in [
        (minister(), "OUT_OF_SCOPE"),
        (auditor(), "OUT_OF_SCOPE"),
        (admin(), "OUT_OF_SCOPE"),
        (other_area(), "OUT_OF_SCOPE"),
        (go_london(), "OUT_OF_SCOPE"),
    ] {
        let e = n
            .when(&who, import(vec![national(117)]))
            .then_refused(reason);
        assert!(
            !matches!(e, DomainError::RowsRefused { .. }),
            "refused whole, before any row: {e:?}"
        );
    }
    // The GO's rows are Government offers, each naming its department.
    let mut row = national(117);
    row.department = Some(dept("DCSF"));
    n.when(&go(), import(vec![row]))
        .then_events(&["target_proposed"]);
}

#[test]
fn the_whole_is_checked_before_any_row() {
    let n = Negotiation::opened();
    n.when(&area(), import(vec![]))
        .then_refused("INVALID_ARGUMENT");
    n.when(&area(), import(vec![national(117); 201]))
        .then_refused("INVALID_ARGUMENT");
    n.when_at_version(&area(), import(vec![national(117)]), 0)
        .then_refused("VERSION_CONFLICT");
    Negotiation::unopened()
        .when(&area(), import(vec![national(117)]))
        .then_refused("NOT_FOUND");
    // After sign-off, terms change only in a refresh: the lifecycle refuses
    // the whole before any row.
    let signed = Negotiation::statutory_settled().signed_off();
    let refused = signed
        .when(&area(), import(vec![national(117)]))
        .then_refused("AGREEMENT_NOT_EDITABLE");
    assert!(
        !matches!(refused, DomainError::RowsRefused { .. }),
        "{refused:?}"
    );
}

#[test]
fn the_preview_answers_every_rows_outcome_and_changes_nothing() {
    let n = Negotiation::opened();
    let mut wrong = national(130);
    wrong.rationale = " ".into();
    let rows = vec![national(statutory(2)), wrong, national(117)];
    let ctx = Context {
        now: n.now,
        catalogue: &CATALOGUE,
        expected_version: Some(n.state.version),
        occurred_at: None,
    };
    let before = n.state.clone();
    let preview = preview_import(&n.state, &rows, &area(), &ctx).expect("previewed");
    assert_eq!(n.state, before);
    let seen: Vec<(usize, RowAction, u32, Option<&str>)> = preview
        .outcomes
        .iter()
        .map(|o| {
            (
                o.row,
                o.action,
                o.target.get(),
                o.result.as_ref().err().map(|e| e.reason().as_str()),
            )
        })
        .collect();
    let next = n.state.next_target.get();
    assert_eq!(
        seen,
        [
            (0, RowAction::Counter, 2, None),
            (1, RowAction::Propose, next, Some("INVALID_TERMS")),
            // The refused row took no number: the next proposal takes it.
            (2, RowAction::Propose, next, None),
        ]
    );
    assert_eq!(preview.events.len(), 2, "the accepted rows' events");
    // Outside the scope, the preview answers as the command would.
    assert_eq!(
        preview_import(&n.state, &rows, &other_area(), &ctx)
            .unwrap_err()
            .reason()
            .as_str(),
        "OUT_OF_SCOPE"
    );
}

#[test]
fn in_a_refresh_a_row_revisits_its_indicators_settled_target() {
    let n = Negotiation::statutory_settled()
        .signed_off()
        .given(&go(), open_refresh("2009", None));
    let n = n
        .when(&area(), import(vec![national(statutory(1))]))
        .then_events(&["offer_made"]);
    assert_eq!(
        n.target_on(statutory(1)).status,
        TargetStatus::Draft,
        "reopened by the counter-offer"
    );
}

/// A download edited in one row and uploaded again carries rows that only
/// restate the agreement (the side's own open offers, terms agreed): they
/// record nothing, and do not refuse the rows that do change something.
#[test]
fn rows_that_restate_the_agreement_record_nothing_and_refuse_nothing() {
    let statutory_ni = statutory(1);
    let other_ni = statutory(2);
    let n = Negotiation::opened()
        .when(&area(), import(vec![national(statutory_ni)]))
        .then_events(&["offer_made"]);
    // The area's own open offer on the first, restated, beside a new offer.
    let n = n
        .when(
            &area(),
            import(vec![national(statutory_ni), national(other_ni)]),
        )
        .then_events(&["offer_made"]);
    assert!(n.target_on(other_ni).open_offer.is_some());
    let ctx = Context {
        now: n.now,
        catalogue: &CATALOGUE,
        expected_version: Some(n.state.version),
        occurred_at: None,
    };
    let preview =
        preview_import(&n.state, &[national(statutory_ni)], &area(), &ctx).expect("a preview");
    assert_eq!(preview.outcomes[0].action, RowAction::Unchanged);
    assert!(preview.outcomes[0].result.is_ok());
    // An import of nothing but restated rows would record nothing: refused.
    let refused = n
        .when(&area(), import(vec![national(statutory_ni)]))
        .then_refused("INVALID_ARGUMENT");
    assert!(
        matches!(refused, DomainError::Invalid { field: "rows", .. }),
        "{refused:?}"
    );
}
