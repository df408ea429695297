//! `apply`: fold one event into the state.
//!
//! `apply` never refuses: the event is a fact. It trusts that events came
//! from `decide` (or from a verified history) and ignores, rather than
//! panics on, an event naming a target the state does not have.

use std::sync::Arc;

use crate::actor::Side;
use crate::agreement::IndicatorRef;
use crate::agreement::{
    Actual, Agreement, AgreementStatus, Ending, Opening, Target, TargetKind, TargetStatus,
};
use crate::event::{Change, Event};
use crate::ids::{Department, IndicatorNumber, TargetId};
use crate::terms::Terms;

/// Applies one event to the state, advancing its version by one.
pub fn apply(state: &mut Agreement, event: &Event) {
    state.version += 1;
    state.last_occurred_at = Some(event.occurred());
    if event.change.changes_terms() {
        state.endorsed = false;
    }
    match &event.change {
        Change::AgreementOpened {
            area,
            region,
            policy,
            indicator_set,
            statutory_targets,
        } => {
            state.status = AgreementStatus::Draft;
            state.opening = Some(Opening {
                area: area.clone(),
                region: *region,
                policy: policy.clone(),
                opened_at: event.occurred(),
            });
            state.indicator_set = Some(*indicator_set);
            for &(id, indicator) in statutory_targets {
                state
                    .targets
                    .insert(id, Arc::new(statutory_target(id, indicator)));
                state.next_target = state.next_target.max(id.next());
            }
        }
        Change::TargetProposed {
            target,
            target_kind,
            indicator,
            offer,
            ..
        } => {
            state.targets.insert(
                *target,
                Arc::new(Target {
                    id: *target,
                    kind: *target_kind,
                    indicator: indicator.clone(),
                    status: TargetStatus::Draft,
                    originated_by: offer.side,
                    department: offer.department.clone(),
                    agreed: None,
                    open_offer: Some(offer.clone()),
                    pending_rebaseline: None,
                    offers_made: 1,
                    ending: None,
                    actuals: Default::default(),
                }),
            );
            state.next_target = state.next_target.max(target.next());
        }
        Change::OfferMade { target, offer, .. } => {
            if let Some(t) = state.targets.get_mut(target).map(Arc::make_mut) {
                t.open_offer = Some(offer.clone());
                t.offers_made += 1;
                t.status = TargetStatus::Draft;
            }
        }
        Change::OfferAccepted {
            target,
            terms,
            awaiting_ministers,
            ..
        } => {
            let refreshing = state.status == AgreementStatus::RefreshOpen;
            if let Some(t) = state.targets.get_mut(target).map(Arc::make_mut) {
                let settled = if *awaiting_ministers {
                    // The terms agreed before stay in force meanwhile.
                    t.pending_rebaseline = t.open_offer.take();
                    t.agreed.as_ref().unwrap_or(terms)
                } else {
                    t.agreed = Some(terms.clone());
                    t.open_offer = None;
                    terms
                };
                t.status = match settled {
                    Terms::Placeholder { .. } => TargetStatus::Placeholder,
                    Terms::Values(_) if refreshing => TargetStatus::Refreshed,
                    Terms::Values(_) => TargetStatus::Agreed,
                };
            }
        }
        Change::RebaselineApproved { target, terms } => {
            if let Some(t) = state.targets.get_mut(target).map(Arc::make_mut) {
                t.agreed = Some(terms.clone());
                t.pending_rebaseline = None;
            }
        }
        Change::RebaselineRejected { target, .. } => {
            if let Some(t) = state.targets.get_mut(target).map(Arc::make_mut) {
                t.pending_rebaseline = None;
            }
        }
        Change::TargetDeclined { target, .. } => end_target(state, *target, Ending::Declined),
        Change::TargetWithdrawn { target, .. } => end_target(state, *target, Ending::Withdrawn),
        Change::AgreementEndorsed => state.endorsed = true,
        Change::AgreementSubmitted => {
            state.submitted_from = Some(state.status);
            state.status = AgreementStatus::Submitted;
        }
        Change::AgreementReturned { to, .. } => {
            state.status = *to;
            state.submitted_from = None;
        }
        Change::AgreementSignedOff { to } => {
            state.status = *to;
            state.submitted_from = None;
            state.first_signed_off_at.get_or_insert(event.occurred());
        }
        Change::RefreshOpened { round, rebound_to } => {
            state.status = AgreementStatus::RefreshOpen;
            state.refresh = Some(round.clone());
            state.refreshes_held.push(round.clone());
            if let Some(set) = rebound_to {
                state.indicator_set = Some(*set);
            }
        }
        Change::ActualRecorded {
            target,
            year,
            value,
            source,
        } => {
            if let Some(t) = state.targets.get_mut(target).map(Arc::make_mut) {
                t.actuals.insert(
                    *year,
                    Actual {
                        value: *value,
                        source: source.clone(),
                        recorded_at: event.at,
                    },
                );
            }
        }
        Change::ExplanationLodged {
            indicator,
            explanation,
        } => {
            state.explanations.insert(*indicator, explanation.clone());
        }
        Change::AdviceRequested {
            request,
            indicator,
            department,
            question,
            target,
        } => {
            state.advice.insert(
                *request,
                crate::agreement::AdviceRequest {
                    indicator: *indicator,
                    department: department.clone(),
                    question: question.clone(),
                    target: *target,
                    asked_at: event.occurred(),
                    answer: None,
                },
            );
        }
        Change::AdviceRecorded { request, answer } => {
            if let Some(asked) = state.advice.get_mut(request) {
                asked.answer = Some((answer.clone(), event.occurred()));
            }
        }
        Change::RewardAssessed { working } => {
            state.reward = Some(working.clone());
        }
        Change::DesignationRevoked { targets, .. } => {
            for target in targets {
                end_target(state, *target, Ending::Revoked);
            }
        }
        Change::AgreementClosed => state.status = AgreementStatus::Closed,
        // On the record for the analytics; it changes no target.
        Change::RequestRefused { .. } => {}
        Change::PrioritiesDeclared { priorities } => state.priorities = priorities.clone(),
        Change::ChampionAssigned {
            champion,
            department,
        } => {
            state.had_champion = true;
            state.champions.insert(
                champion.clone(),
                crate::agreement::ChampionAssignment {
                    department: department.clone(),
                    assigned_at: event.occurred(),
                },
            );
        }
        Change::ChampionAssignmentEnded { champion, .. } => {
            state.champions.remove(champion);
        }
        Change::TargetCommented {
            target,
            text,
            brokering,
        } => state.comments.push(crate::agreement::TargetComment {
            target: *target,
            author: event.actor.clone(),
            text: text.clone(),
            brokering: *brokering,
            at: event.occurred(),
        }),
    }
}

/// Rebuilds an agreement from its whole history.
pub fn replay<'a>(
    id: crate::ids::AgreementId,
    events: impl IntoIterator<Item = &'a Event>,
) -> Agreement {
    let mut state = Agreement::unopened(id);
    for event in events {
        apply(&mut state, event);
    }
    state
}

fn statutory_target(id: TargetId, indicator: IndicatorNumber) -> Target {
    Target {
        id,
        kind: TargetKind::Statutory,
        indicator: IndicatorRef::National(indicator),
        status: TargetStatus::Draft,
        originated_by: Side::Government,
        department: Department::new(crate::policy::STATUTORY_DEPARTMENT).ok(),
        agreed: None,
        open_offer: None,
        pending_rebaseline: None,
        offers_made: 0,
        ending: None,
        actuals: Default::default(),
    }
}

fn end_target(state: &mut Agreement, id: TargetId, ending: Ending) {
    if let Some(t) = state.targets.get_mut(&id).map(Arc::make_mut) {
        t.status = TargetStatus::Withdrawn;
        t.open_offer = None;
        t.pending_rebaseline = None;
        t.ending = Some(ending);
    }
}
