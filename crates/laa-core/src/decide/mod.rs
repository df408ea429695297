//! `decide`: a command in, events out, or the rule it breaks.
//!
//! The order of checks is fixed and deliberate:
//! 1. the role may issue the command at all ([`PERMISSIONS`]);
//! 2. the agreement lies in the principal's scope (before existence, so a
//!    council cannot probe other areas);
//! 3. the agreement exists, and the caller's version is current;
//! 4. the agreement's lifecycle accepts the command ([`AGREEMENT_LIFECYCLE`]);
//! 5. the command's own rules.
//!
//! # Layout
//! - this module: the order of checks above, opening an agreement, dates and versions;
//! - [`negotiation`]: proposing, countering, accepting, declining, withdrawing, priorities;
//! - [`lifecycle`]: endorsement, submission, sign-off, refreshes, actuals, revocation;
//! - [`shape`]: terms fitted to their indicator's unit and polarity;
//! - [`reward`]: the reward grant assessed when the final actuals are in;
//! - [`rebaseline`]: new terms for a settled target when its measure changed,
//!   and Ministers' approval of them where the round asks for it;
//! - [`import`]: many targets' terms at once (a spreadsheet), all or none;
//! - [`advice`]: the area's requests for advice, and the departments' answers;
//! - [`text`]: the checks on free text, evidence and departments every command shares.
//!
//! [`AGREEMENT_LIFECYCLE`]: crate::agreement::AGREEMENT_LIFECYCLE

mod advice;
mod champions;
mod import;
mod lifecycle;
mod negotiation;
mod rebaseline;
mod reward;
mod shape;
pub(crate) mod text;

use chrono::{DateTime, Utc};

use crate::actor::{Actor, Role, Side};
use crate::agreement::{
    Agreement, AgreementStatus, CommandKind, Target, TargetKind, agreement_accepts, target_accepts,
};
use crate::catalogue::{Catalogue, IndicatorStatus, SetStatus};
use crate::command::Command;
use crate::error::DomainError;
use crate::event::{Change, Event};
use crate::ids::{SetVersion, TargetId};
use crate::policy::RoundPolicy;
use crate::terms::Terms;

use crate::authorise::role_may;
pub use import::{ImportPreview, RowAction, RowOutcome, preview_import};
pub use text::{MAX_EVIDENCE_ITEMS, MAX_REFERENCE_CHARS, MAX_TEXT_CHARS, stray_control};
use text::{invalid, required_text};

/// What `decide` needs besides the state and the command: the time, the
/// indicator catalogue, and the version the caller last saw.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The time the command is decided at; stamped on every event.
    pub now: DateTime<Utc>,
    /// The indicator catalogue, for rules 4 and the statutory targets.
    pub catalogue: &'a Catalogue,
    /// The agreement version the caller last saw (rule 9); `None` skips the check.
    pub expected_version: Option<u64>,
    /// When the command says it happened (the meeting, the letter); `None`
    /// means now. Checked by [`check_occurred_at`].
    pub occurred_at: Option<DateTime<Utc>>,
}

impl Context<'_> {
    /// When the command happened: the date it carries, or now.
    pub fn occurred(&self) -> DateTime<Utc> {
        self.occurred_at.unwrap_or(self.now)
    }
}

/// Decides what a command does to an agreement: the events to record, or
/// the rule it breaks. Pure: the same state, command, actor and context
/// always give the same answer, and nothing is changed.
pub fn decide(
    state: &Agreement,
    command: Command,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let kind = command.kind();
    if !role_may(actor.role, kind) {
        return Err(DomainError::RoleNotPermitted {
            role: actor.role,
            command: kind,
        });
    }
    let command = match command {
        Command::OpenAgreement {
            area,
            region,
            policy,
            indicator_set,
        } => {
            if !actor.scope.covers(&area, region) {
                return Err(DomainError::OutOfScope {
                    scope: actor.scope.clone(),
                });
            }
            if state.status != AgreementStatus::Unopened {
                return Err(DomainError::AgreementAlreadyOpen {
                    agreement: state.id.clone(),
                });
            }
            check_version(state, ctx)?;
            check_occurred_at(state, actor, ctx, &policy)?;
            return open(state, actor, ctx, area, region, policy, indicator_set);
        }
        other => other,
    };
    if let Command::ImportTargets { rows } = command {
        admit(state, kind, actor, ctx)?;
        return import::decide_rows(state, &rows, actor, ctx)?.into_events();
    }
    let policy = admit(state, kind, actor, ctx)?;
    let d = Decider {
        state,
        actor,
        ctx,
        policy,
    };
    let change = match command {
        Command::OpenAgreement { .. } => unreachable_open(state)?,
        Command::ProposeTarget {
            indicator,
            terms,
            rationale,
            evidence,
            department,
            priority,
        } => d.propose(indicator, terms, rationale, evidence, department, priority)?,
        Command::CounterOffer {
            target,
            terms,
            rationale,
            evidence,
            deal_breaker,
            department,
        } => d.counter(target, terms, rationale, evidence, deal_breaker, department)?,
        Command::AcceptOffer { target } => d.accept(target)?,
        Command::DeclineTarget {
            target,
            reason,
            deal_breaker,
        } => d.decline(target, reason, deal_breaker)?,
        Command::WithdrawTarget { target, reason } => d.withdraw(target, reason)?,
        Command::EndorseAgreement => d.endorse()?,
        Command::SubmitAgreement => d.submit()?,
        Command::ReturnAgreement { reason } => Change::AgreementReturned {
            reason: required_text("reason", reason)?,
            to: state.submitted_from.unwrap_or(AgreementStatus::Draft),
        },
        Command::SignOffAgreement => d.sign_off()?,
        Command::OpenRefresh {
            round,
            indicator_set,
        } => d.open_refresh(round, indicator_set)?,
        Command::RecordActual {
            target,
            year,
            value,
            source,
        } => d.record_actual(target, year, value, source)?,
        Command::RevokeDesignation { target, reason } => d.revoke(target, reason)?,
        Command::CloseAgreement => Change::AgreementClosed,
        Command::RecordRefusedRequest {
            indicator,
            department,
            rationale,
        } => d.refuse_request(indicator, department, rationale)?,
        Command::DeclarePriorities { priorities } => d.declare_priorities(priorities)?,
        Command::ProposeRebaseline {
            target,
            terms,
            reason,
            rationale,
            evidence,
            department,
        } => d.rebaseline(target, terms, reason, rationale, evidence, department)?,
        Command::LodgeExplanation {
            indicator,
            explanation,
        } => d.lodge_explanation(indicator, explanation)?,
        Command::RequestAdvice {
            indicator,
            department,
            question,
            target,
        } => d.request_advice(indicator, department, question, target)?,
        Command::RecordAdvice { request, answer } => d.record_advice(request, answer)?,
        Command::ApproveRebaseline { target } => d.approve_rebaseline(target)?,
        Command::RejectRebaseline { target, reason } => d.reject_rebaseline(target, reason)?,
        Command::ImportTargets { .. } => unreachable_import()?,
        Command::AssignChampion {
            champion,
            department,
        } => d.assign_champion(champion, department)?,
        Command::EndChampionAssignment { champion, reason } => d.end_champion(champion, reason)?,
        Command::CommentOnTarget {
            target,
            text,
            brokering,
        } => d.comment(target, text, brokering)?,
    };
    let event = d.event(change);
    // The actual (or accepted re-baselining) that completes or changes the
    // reward's working records its assessment with it.
    let assessed = match &event.change {
        Change::ActualRecorded { .. }
        | Change::OfferAccepted { .. }
        | Change::RebaselineApproved { .. } => d.reward_after(&event),
        _ => None,
    };
    Ok(std::iter::once(event).chain(assessed).collect())
}

/// The checks every command of an opened agreement passes before its own
/// rules, in the order the module names (the role checked already): the
/// agreement exists, lies in the actor's scope, is at the caller's version,
/// accepts the command's date and, by its lifecycle, the command. Answers
/// the agreement's policy.
fn admit<'a>(
    state: &'a Agreement,
    kind: CommandKind,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<&'a RoundPolicy, DomainError> {
    let Some(opening) = &state.opening else {
        return Err(DomainError::AgreementNotFound {
            agreement: state.id.clone(),
        });
    };
    if !crate::authorise::reaches(actor, state) {
        return Err(DomainError::OutOfScope {
            scope: actor.scope.clone(),
        });
    }
    check_version(state, ctx)?;
    check_occurred_at(state, actor, ctx, &opening.policy)?;
    if !agreement_accepts(state.status, kind) {
        return Err(DomainError::AgreementNotEditable {
            status: state.status,
            command: kind,
        });
    }
    Ok(&opening.policy)
}

/// `ImportTargets` is decided row by row before the one-change commands.
fn unreachable_import() -> Result<Change, DomainError> {
    Err(DomainError::Invalid {
        field: "rows",
        problem: "an import is decided row by row".into(),
    })
}

/// `OpenAgreement` is handled before the agreement must exist; reaching the
/// general path with it would mean the agreement is open already.
fn unreachable_open(state: &Agreement) -> Result<Change, DomainError> {
    Err(DomainError::AgreementAlreadyOpen {
        agreement: state.id.clone(),
    })
}

/// The rules on a command's date (DOMAIN.md 3, rule 11): not in the future,
/// not before the agreement's latest event nor its opening, and no further
/// back than the policy's backdating limit, which binds everyone but an
/// administrator.
pub fn check_occurred_at(
    state: &Agreement,
    actor: &Actor,
    ctx: &Context<'_>,
    policy: &RoundPolicy,
) -> Result<(), DomainError> {
    let Some(occurred_at) = ctx.occurred_at else {
        return Ok(());
    };
    let refuse = |bound, why| {
        Err(DomainError::OccurredAtOutOfRange {
            occurred_at,
            bound,
            why,
        })
    };
    if occurred_at > ctx.now {
        return refuse(ctx.now, "it is in the future");
    }
    if let Some(opened) = state.opening.as_ref().map(|o| o.opened_at)
        && occurred_at < opened
    {
        return refuse(opened, "it is before the agreement was opened");
    }
    if let Some(last) = state.last_occurred_at
        && occurred_at < last
    {
        return refuse(last, "it is before the agreement's latest event");
    }
    let earliest = ctx.now - chrono::Duration::days(i64::from(policy.max_backdating_days));
    if actor.role != Role::Admin && occurred_at < earliest {
        return refuse(
            earliest,
            "it is further back than the round's backdating limit",
        );
    }
    Ok(())
}

fn check_version(state: &Agreement, ctx: &Context<'_>) -> Result<(), DomainError> {
    match ctx.expected_version {
        Some(expected) if expected != state.version => Err(DomainError::VersionConflict {
            expected,
            actual: state.version,
        }),
        _ => Ok(()),
    }
}

fn open(
    state: &Agreement,
    actor: &Actor,
    ctx: &Context<'_>,
    area: crate::ids::AreaCode,
    region: crate::ids::Region,
    policy: RoundPolicy,
    indicator_set: SetVersion,
) -> Result<Vec<Event>, DomainError> {
    if state.status != AgreementStatus::Unopened {
        return Err(DomainError::AgreementAlreadyOpen {
            agreement: state.id.clone(),
        });
    }
    let set = published_set(ctx.catalogue, indicator_set)?;
    let mut statutory_targets = Vec::with_capacity(policy.statutory_indicators.len());
    let mut id = TargetId::first();
    for &indicator in &policy.statutory_indicators {
        match set.status_of(indicator) {
            Some(IndicatorStatus::Active) => {}
            _ if ctx.catalogue.indicator(indicator).is_none() => {
                return Err(DomainError::IndicatorUnknown { indicator });
            }
            _ => {
                return Err(DomainError::IndicatorNotActive {
                    indicator,
                    set: indicator_set,
                });
            }
        }
        statutory_targets.push((id, indicator));
        id = id.next();
    }
    Ok(vec![Event {
        at: ctx.now,
        occurred_at: Some(ctx.occurred()),
        actor: actor.clone(),
        change: Change::AgreementOpened {
            area,
            region,
            policy,
            indicator_set,
            statutory_targets,
        },
    }])
}

fn published_set(
    catalogue: &Catalogue,
    version: SetVersion,
) -> Result<&crate::catalogue::IndicatorSet, DomainError> {
    let set = catalogue
        .set(version)
        .ok_or(DomainError::IndicatorSetUnknown { set: version })?;
    if set.status != SetStatus::Published {
        return Err(DomainError::IndicatorSetNotPublished { set: version });
    }
    Ok(set)
}

/// The per-command rules, with the state, actor and context at hand.
struct Decider<'a> {
    state: &'a Agreement,
    actor: &'a Actor,
    ctx: &'a Context<'a>,
    policy: &'a RoundPolicy,
}

impl Decider<'_> {
    fn event(&self, change: Change) -> Event {
        Event {
            at: self.ctx.now,
            occurred_at: Some(self.ctx.occurred()),
            actor: self.actor.clone(),
            change,
        }
    }

    /// The acting side; the permission table only lets negotiators reach here.
    fn side(&self) -> Side {
        self.actor.role.side().unwrap_or(Side::Government)
    }

    fn target(&self, id: TargetId) -> Result<&Target, DomainError> {
        self.state
            .targets
            .get(&id)
            .map(|t| &**t)
            .ok_or(DomainError::TargetNotFound {
                target: id,
                what: "target",
            })
    }

    fn target_in(&self, id: TargetId, command: CommandKind) -> Result<&Target, DomainError> {
        let target = self.target(id)?;
        if !target_accepts(target.status, command) {
            return Err(DomainError::TargetNotEditable {
                target: id,
                status: target.status,
                command,
            });
        }
        Ok(target)
    }

    fn not_statutory(target: &Target) -> Result<(), DomainError> {
        match (target.kind, target.indicator.national()) {
            (TargetKind::Statutory, Some(indicator)) => {
                Err(DomainError::StatutoryTargetImmutable {
                    target: target.id,
                    indicator,
                })
            }
            _ => Ok(()),
        }
    }

    fn check_terms(&self, terms: &Terms) -> Result<(), DomainError> {
        terms
            .check_against(self.policy, &self.state.refreshes_held)
            .map_err(|problem| invalid("terms", problem))
    }
}
