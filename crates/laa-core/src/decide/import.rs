//! Many targets' terms at once (a spreadsheet uploaded): each row is
//! decided as the command it stands for, in order, on the state the earlier
//! rows left, and the import is recorded whole or not at all.
//!
//! A row on an indicator with a live target is that target's
//! `CounterOffer` (the statutory targets exist from the opening, awaiting
//! terms); a row on any other indicator is the `ProposeTarget` of a new
//! one. Each is decided by [`decide`] itself, so every rule, permission and
//! lifecycle check of those commands applies to it unchanged; the history
//! records the offers one by one.

use std::borrow::Cow;

use crate::actor::Actor;
use crate::agreement::{Agreement, CommandKind, IndicatorRef};
use crate::apply::apply;
use crate::authorise::role_may;
use crate::command::{Command, MAX_IMPORT_ROWS, TargetRow};
use crate::error::{DomainError, RowRefusal};
use crate::event::Event;
use crate::ids::TargetId;

use super::text::{check_evidence, invalid, known_department, required_text};
use super::{Context, admit, decide};

/// What a row of an import does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowAction {
    /// Proposes a new target on its indicator.
    Propose,
    /// Counters the offer on (or offers terms for) the live target of its indicator.
    Counter,
    /// Restates what the live target of its indicator already stands at
    /// for this side (its own open offer's terms, or the agreed terms with
    /// no offer open): records nothing. A download edited in some rows
    /// and uploaded again carries such rows.
    Unchanged,
}

impl RowAction {
    /// The action's name: `propose`, `counter` or `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowAction::Propose => "propose",
            RowAction::Counter => "counter",
            RowAction::Unchanged => "unchanged",
        }
    }
}

/// One row's outcome, decided on the state the rows before it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// Its index in the command's rows, from 0.
    pub row: usize,
    /// The indicator it offers terms on.
    pub indicator: IndicatorRef,
    /// What it does.
    pub action: RowAction,
    /// The target it proposes (the number it would take) or counters.
    pub target: TargetId,
    /// Accepted, or why it is refused.
    pub result: Result<(), DomainError>,
}

/// Every row's outcome, and the events of the rows accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    /// One outcome per row, in order.
    pub outcomes: Vec<RowOutcome>,
    /// The events the accepted rows record, in order.
    pub events: Vec<Event>,
}

impl ImportPreview {
    /// The events to record when every row is accepted, or
    /// [`DomainError::RowsRefused`] naming each row refused.
    pub fn into_events(self) -> Result<Vec<Event>, DomainError> {
        let refused: Vec<RowRefusal> = self
            .outcomes
            .into_iter()
            .filter_map(|o| {
                o.result.err().map(|error| RowRefusal {
                    row: o.row,
                    indicator: o.indicator,
                    error: Box::new(error),
                })
            })
            .collect();
        if refused.is_empty() && self.events.is_empty() {
            Err(DomainError::Invalid {
                field: "rows",
                problem: "every row restates the agreement as it stands: nothing would change"
                    .into(),
            })
        } else if refused.is_empty() {
            Ok(self.events)
        } else {
            Err(DomainError::RowsRefused { rows: refused })
        }
    }
}

/// The preview of an import (AIP-163 `validate_only`): every row's outcome
/// and nothing recorded. The command as a whole is checked first, as
/// [`decide`] checks it (role, scope, version, date, lifecycle): a failure
/// there is the answer, with no row's.
pub fn preview_import(
    state: &Agreement,
    rows: &[TargetRow],
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<ImportPreview, DomainError> {
    if !role_may(actor.role, CommandKind::Import) {
        return Err(DomainError::RoleNotPermitted {
            role: actor.role,
            command: CommandKind::Import,
        });
    }
    admit(state, CommandKind::Import, actor, ctx)?;
    decide_rows(state, rows, actor, ctx)
}

/// Decides each row in order on the state the accepted rows before it
/// left; a refused row changes nothing, and the rows after it are still
/// decided, so every row has its outcome.
pub(super) fn decide_rows(
    state: &Agreement,
    rows: &[TargetRow],
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<ImportPreview, DomainError> {
    if rows.is_empty() {
        return Err(DomainError::Invalid {
            field: "rows",
            problem: "an import needs at least one row".into(),
        });
    }
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(DomainError::Invalid {
            field: "rows",
            problem: format!(
                "{} rows is more than an import may hold ({MAX_IMPORT_ROWS})",
                rows.len()
            ),
        });
    }
    // The version was checked for the whole; each row's own decision is
    // on the state the earlier rows made, whatever its version.
    let each = Context {
        expected_version: None,
        ..*ctx
    };
    let mut current: Cow<'_, Agreement> = Cow::Borrowed(state);
    let mut outcomes = Vec::with_capacity(rows.len());
    let mut events = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        // One row per indicator: a second would restate or counter the
        // first, which no spreadsheet means to do.
        if let Some(first) = rows[..index]
            .iter()
            .position(|earlier| earlier.indicator.same_indicator(&row.indicator))
        {
            let (action, target, _) = command_for(&current, row);
            outcomes.push(RowOutcome {
                row: index,
                indicator: row.indicator.clone(),
                action,
                target,
                result: Err(invalid(
                    match row.indicator {
                        IndicatorRef::National(_) => "indicator_number",
                        IndicatorRef::Local { .. } => "local_indicator.code",
                    },
                    format!(
                        "{} is in rows[{first}] already: a sheet gives one row per indicator",
                        row.indicator
                    ),
                )),
            });
            continue;
        }
        if let Some(target) = restated(&current, row, actor) {
            outcomes.push(RowOutcome {
                row: index,
                indicator: row.indicator.clone(),
                action: RowAction::Unchanged,
                target,
                result: Ok(()),
            });
            continue;
        }
        let (action, target, command) = command_for(&current, row);
        let result = command.and_then(|command| decide(&current, command, actor, &each));
        let result = match result {
            Ok(decided) => {
                let next = current.to_mut();
                for event in &decided {
                    apply(next, event);
                }
                events.extend(decided);
                Ok(())
            }
            Err(refused) => Err(refused),
        };
        outcomes.push(RowOutcome {
            row: index,
            indicator: row.indicator.clone(),
            action,
            target,
            result,
        });
    }
    Ok(ImportPreview { outcomes, events })
}

/// The live target a row only restates for the actor's side: its terms are
/// the side's own open offer's, or the agreed terms with no offer open.
///
/// Only a well-formed row restates: one whose rationale, evidence and
/// department a counter-offer would take, without a priority. Any other row is decided as the command it stands for, and
/// refused for what is wrong with it.
fn restated(state: &Agreement, row: &TargetRow, actor: &Actor) -> Option<TargetId> {
    let side = actor.role.side()?;
    let well_formed = row.priority.is_none()
        && required_text("rationale", row.rationale.clone()).is_ok()
        && check_evidence(row.evidence.clone()).is_ok()
        && known_department(side, row.department.clone()).is_ok();
    if !well_formed {
        return None;
    }
    let target = state.live_target_on(&row.indicator)?;
    let stands = match &target.open_offer {
        Some(offer) => {
            offer.side == side && offer.terms == row.terms && offer.deal_breaker == row.deal_breaker
        }
        None => !row.deal_breaker && target.agreed.as_ref() == Some(&row.terms),
    };
    stands.then_some(target.id)
}

/// The command a row stands for on `state`: the counter-offer on its
/// indicator's live target, or the proposal of a new one; or why the row
/// cannot be either.
fn command_for(
    state: &Agreement,
    row: &TargetRow,
) -> (RowAction, TargetId, Result<Command, DomainError>) {
    let row = row.clone();
    match state.live_target_on(&row.indicator) {
        Some(target) => {
            let command = if row.priority.is_some() {
                Err(invalid(
                    "priority",
                    format!(
                        "target {} on {} exists, so this row counters its offer: a counter-offer cites no priority",
                        target.id, row.indicator
                    ),
                ))
            } else {
                Ok(Command::CounterOffer {
                    target: target.id,
                    terms: row.terms,
                    rationale: row.rationale,
                    evidence: row.evidence,
                    deal_breaker: row.deal_breaker,
                    department: row.department,
                })
            };
            (RowAction::Counter, target.id, command)
        }
        None => {
            let command = if row.deal_breaker {
                Err(invalid(
                    "deal_breaker",
                    format!(
                        "{} has no target yet, so this row proposes one: a proposal's first offer cannot be a deal-breaker",
                        row.indicator
                    ),
                ))
            } else {
                Ok(Command::ProposeTarget {
                    indicator: row.indicator,
                    terms: row.terms,
                    rationale: row.rationale,
                    evidence: row.evidence,
                    department: row.department,
                    priority: row.priority,
                })
            };
            (RowAction::Propose, state.next_target, command)
        }
    }
}
