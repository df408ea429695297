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
//! [`AGREEMENT_LIFECYCLE`]: crate::agreement::AGREEMENT_LIFECYCLE

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::actor::{Actor, Role, Scope, Side};
use crate::agreement::{
    Agreement, AgreementStatus, CommandKind, IndicatorRef, Offer, Priority, Target, TargetKind,
    TargetStatus, agreement_accepts, target_accepts,
};
use crate::catalogue::{Catalogue, IndicatorStatus, SetStatus};
use crate::command::Command;
use crate::departments;
use crate::error::DomainError;
use crate::event::{Change, Event};
use crate::ids::{AreaCode, Department, IndicatorNumber, RefreshId, Region, SetVersion, TargetId};
use crate::policy::RoundPolicy;
use crate::terms::Terms;

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

/// Which roles may issue each command (rule 10). Everything not listed is denied.
#[rustfmt::skip]
pub const PERMISSIONS: &[(CommandKind, &[Role])] = &[
    (CommandKind::Open,         &[Role::GoNegotiator]),
    (CommandKind::Propose,      &[Role::GoNegotiator, Role::AreaNegotiator]),
    (CommandKind::Counter,      &[Role::GoNegotiator, Role::AreaNegotiator]),
    (CommandKind::Accept,       &[Role::GoNegotiator, Role::AreaNegotiator]),
    (CommandKind::Decline,      &[Role::GoNegotiator, Role::AreaNegotiator]),
    (CommandKind::Withdraw,     &[Role::GoNegotiator, Role::AreaNegotiator]),
    (CommandKind::Endorse,      &[Role::AreaNegotiator]),
    (CommandKind::Submit,       &[Role::GoNegotiator]),
    (CommandKind::Return,       &[Role::SignOff]),
    (CommandKind::SignOff,      &[Role::SignOff]),
    (CommandKind::OpenRefresh,  &[Role::GoNegotiator]),
    (CommandKind::RecordActual, &[Role::AreaNegotiator]),
    (CommandKind::Revoke,       &[Role::SignOff]),
    (CommandKind::Close,        &[Role::SignOff]),
    (CommandKind::RefuseRequest, &[Role::GoNegotiator]),
    (CommandKind::DeclarePriorities, &[Role::GoNegotiator]),
];

/// True when `role` may issue `command` somewhere.
pub fn role_may(role: Role, command: CommandKind) -> bool {
    PERMISSIONS
        .iter()
        .any(|(c, roles)| *c == command && roles.contains(&role))
}

/// Rule 10 for reading an agreement and its history: auditors and sign-off
/// read everything; negotiators read what lies in their scope;
/// administrators manage reference data and credentials, not agreements.
pub fn authorise_read(actor: &Actor, area: &AreaCode, region: Region) -> Result<(), DomainError> {
    match actor.role {
        Role::Auditor | Role::SignOff => Ok(()),
        Role::GoNegotiator | Role::AreaNegotiator if actor.scope.covers(area, region) => Ok(()),
        Role::GoNegotiator | Role::AreaNegotiator => Err(DomainError::OutOfScope {
            scope: actor.scope.clone(),
        }),
        Role::Admin => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
    }
}

/// What a listing of agreements may show a reader (rule 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Every agreement (auditors, sign-off, a national scope).
    All,
    /// The agreements of one region (a GO negotiator's).
    Region(Region),
    /// The agreements of one area (an area negotiator's).
    Area(AreaCode),
}

/// Rule 10 for a listing: what a reader may see, given the region or area
/// the listing asks for. Asking for more than the scope holds is
/// `OUT_OF_SCOPE`; administrators read no agreements.
pub fn authorise_listing(
    actor: &Actor,
    region: Option<Region>,
    area: Option<&AreaCode>,
) -> Result<Visible, DomainError> {
    let out_of_scope = || DomainError::OutOfScope {
        scope: actor.scope.clone(),
    };
    match (actor.role, &actor.scope) {
        (Role::Admin, _) => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
        (Role::Auditor | Role::SignOff, _) | (_, Scope::National) => Ok(Visible::All),
        (_, Scope::Region(own)) if region.is_some_and(|r| r != *own) => Err(out_of_scope()),
        (_, Scope::Region(own)) => Ok(Visible::Region(*own)),
        (_, Scope::Area(own)) if area.is_some_and(|a| a != own) => Err(out_of_scope()),
        (_, Scope::Area(own)) => Ok(Visible::Area(own.clone())),
    }
}

/// Rule 10 for an agreement that could not be loaded (it was never opened,
/// or its history cannot be read), known only by its id: `command` is the
/// command asked for (`None` for a read), `named` the area and region the
/// id names by the `{area}-{round}` convention (`None` when it names no
/// known area).
///
/// The answer is the one an opened agreement of that area would give, in
/// the same order (role, then scope): a principal outside an agreement's
/// scope cannot tell whether it exists, is of another round, or names an
/// area that does not exist (an unknown area lies outside every regional
/// or area scope). `Ok` means the caller may be told the agreement is not
/// found.
pub fn authorise_unopened(
    actor: &Actor,
    command: Option<CommandKind>,
    named: Option<(&AreaCode, Region)>,
) -> Result<(), DomainError> {
    if let Some(kind) = command
        && !role_may(actor.role, kind)
    {
        return Err(DomainError::RoleNotPermitted {
            role: actor.role,
            command: kind,
        });
    }
    let out_of_scope = || DomainError::OutOfScope {
        scope: actor.scope.clone(),
    };
    match (command, named) {
        (None, Some((area, region))) => authorise_read(actor, area, region),
        (None, None) if actor.role == Role::Admin => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
        (Some(_), Some((area, region))) if !actor.scope.covers(area, region) => Err(out_of_scope()),
        (_, None) if actor.scope != crate::actor::Scope::National => Err(out_of_scope()),
        _ => Ok(()),
    }
}

/// Rule 10 for administration (areas, indicator sets, credentials): administrators only.
pub fn authorise_administration(actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: false,
        })
    }
}

/// The longest rationale, reason or local title accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The most evidence references one offer may carry.
pub const MAX_EVIDENCE_ITEMS: usize = 50;
/// The longest evidence reference or source, in characters.
pub const MAX_REFERENCE_CHARS: usize = 2_000;

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
    let Some(opening) = &state.opening else {
        return Err(DomainError::AgreementNotFound {
            agreement: state.id.clone(),
        });
    };
    if !actor.scope.covers(&opening.area, opening.region) {
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
    let d = Decider {
        state,
        actor,
        ctx,
        policy: &opening.policy,
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
    };
    Ok(vec![d.event(change)])
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

fn invalid(field: &'static str, problem: impl Into<String>) -> DomainError {
    DomainError::InvalidTerms {
        field,
        problem: problem.into(),
    }
}

/// True when text holds a control character other than the line breaks
/// and tabs of running text (NUL, BEL, ESC, DEL...).
fn has_stray_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Checks free text: not blank, no control characters but line breaks and
/// tabs, not longer than [`MAX_TEXT_CHARS`].
fn required_text(field: &'static str, text: String) -> Result<String, DomainError> {
    let trimmed = text.trim();
    if trimmed.contains('\0') {
        return Err(invalid(
            field,
            format!("the {field} contains a NUL character"),
        ));
    }
    if has_stray_control(trimmed) {
        return Err(invalid(
            field,
            format!("the {field} contains a control character"),
        ));
    }
    if trimmed.is_empty() {
        return Err(invalid(field, format!("a {field} is required")));
    }
    if trimmed.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            field,
            format!("the {field} is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn check_evidence(evidence: Vec<String>) -> Result<Vec<String>, DomainError> {
    if evidence.len() > MAX_EVIDENCE_ITEMS {
        return Err(invalid(
            "evidence",
            format!("at most {MAX_EVIDENCE_ITEMS} evidence references per offer"),
        ));
    }
    evidence
        .into_iter()
        .map(|e| {
            let e = e.trim().to_owned();
            if e.is_empty() || e.chars().any(char::is_control) || e.chars().count() > MAX_REFERENCE_CHARS {
                Err(invalid(
                    "evidence",
                    format!(
                        "each evidence reference must be 1 to {MAX_REFERENCE_CHARS} characters on one line"
                    ),
                ))
            } else {
                Ok(e)
            }
        })
        .collect()
}

/// A department named in an offer: only the Government side names one, and
/// it must be one of the reference list's codes (in any case), stored as
/// the canonical code.
fn known_department(
    side: Side,
    department: Option<Department>,
) -> Result<Option<Department>, DomainError> {
    match (side, department) {
        (_, None) => Ok(None),
        (Side::Area, Some(_)) => Err(invalid(
            "department",
            "only the Government side names a requesting department",
        )),
        (Side::Government, Some(named)) => match departments::canonical(named.as_str()) {
            Some(known) => Ok(Some(known.code.clone())),
            None => Err(invalid(
                "department",
                format!(
                    "'{named}' is not a Whitehall department or agency; the valid codes are {}",
                    departments::valid_codes()
                ),
            )),
        },
    }
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

    fn offer(
        &self,
        terms: Terms,
        rationale: String,
        evidence: Vec<String>,
        department: Option<Department>,
        deal_breaker: bool,
    ) -> Result<Offer, DomainError> {
        self.check_terms(&terms)?;
        Ok(Offer {
            side: self.side(),
            terms,
            rationale: required_text("rationale", rationale)?,
            evidence: check_evidence(evidence)?,
            department,
            deal_breaker,
            made_at: self.ctx.occurred(),
        })
    }

    fn propose(
        &self,
        indicator: IndicatorRef,
        terms: Terms,
        rationale: String,
        evidence: Vec<String>,
        department: Option<Department>,
        priority: Option<u16>,
    ) -> Result<Change, DomainError> {
        let side = self.side();
        let department = known_department(side, department)?;
        // Recommendation 16: in a round that limits Whitehall's priorities,
        // every Government proposal serves one declared for the area.
        if side != Side::Government && priority.is_some() {
            return Err(invalid(
                "priority",
                "only a Government proposal cites a Whitehall priority",
            ));
        }
        if side == Side::Government && self.policy.max_whitehall_priorities.is_some() {
            let declared = self.state.priorities.len();
            if !priority.is_some_and(|p| p >= 1 && usize::from(p) <= declared) {
                return Err(DomainError::OutsideDeclaredPriorities {
                    cited: priority,
                    declared,
                });
            }
        }
        let kind = match &indicator {
            IndicatorRef::National(number) => {
                let number = *number;
                if self.ctx.catalogue.indicator(number).is_none() {
                    return Err(DomainError::IndicatorUnknown { indicator: number });
                }
                let set = self
                    .state
                    .indicator_set
                    .ok_or(DomainError::AgreementNotFound {
                        agreement: self.state.id.clone(),
                    })?;
                let active = self
                    .ctx
                    .catalogue
                    .set(set)
                    .and_then(|s| s.status_of(number))
                    == Some(IndicatorStatus::Active);
                if !active {
                    return Err(DomainError::IndicatorNotActive {
                        indicator: number,
                        set,
                    });
                }
                if self.policy.is_statutory(number) {
                    TargetKind::Statutory
                } else {
                    TargetKind::Designated
                }
            }
            IndicatorRef::Local { title, .. } => {
                if title.trim().is_empty()
                    || title.chars().any(char::is_control)
                    || title.chars().count() > 300
                {
                    return Err(invalid(
                        "indicator",
                        "a local indicator needs a title of 1 to 300 characters on one line",
                    ));
                }
                TargetKind::Local
            }
        };
        if let Some(existing) = self.state.live_target_on(&indicator) {
            return Err(DomainError::DuplicateIndicator {
                indicator,
                existing: existing.id,
            });
        }
        if kind == TargetKind::Designated {
            let count = self.state.designated_count();
            if count >= usize::from(self.policy.designated_cap) {
                return Err(DomainError::DesignatedCapReached {
                    cap: self.policy.designated_cap,
                    count,
                });
            }
            if let Some(limit) = self.policy.max_whitehall_priorities
                && side == Side::Government
                && self.state.first_signed_off_at.is_none()
            {
                let count = self
                    .state
                    .live_targets()
                    .filter(|t| {
                        t.kind == TargetKind::Designated && t.originated_by == Side::Government
                    })
                    .count();
                if count >= usize::from(limit) {
                    return Err(DomainError::WhitehallPrioritiesExceeded { limit, count });
                }
            }
        }
        let offer = self.offer(terms, rationale, evidence, department, false)?;
        if side == Side::Government && offer.department.is_none() {
            return Err(invalid(
                "department",
                "a Government Office proposal names the Whitehall department asking for it, such as HO, DCSF or DH",
            ));
        }
        Ok(Change::TargetProposed {
            target: self.state.next_target,
            target_kind: kind,
            indicator,
            offer,
            priority,
        })
    }

    fn counter(
        &self,
        id: TargetId,
        terms: Terms,
        rationale: String,
        evidence: Vec<String>,
        deal_breaker: bool,
        department: Option<Department>,
    ) -> Result<Change, DomainError> {
        let target = self.target_in(id, CommandKind::Counter)?;
        let side = self.side();
        if target.open_offer.as_ref().is_some_and(|o| o.side == side) {
            return Err(DomainError::NotYourTurn {
                target: id,
                side,
                why: "only the other side may answer an open offer",
            });
        }
        let department = match known_department(side, department)? {
            Some(named) => Some(named),
            None if side == Side::Government => Some(target.department.clone().ok_or_else(|| {
                invalid(
                    "department",
                    format!(
                        "target {id} has no department: a Government offer names the department it speaks for, one of {}",
                        departments::valid_codes()
                    ),
                )
            })?),
            None => None,
        };
        let offer = self.offer(terms, rationale, evidence, department, deal_breaker)?;
        Ok(Change::OfferMade {
            target: id,
            offer,
            terms_before: target.agreed.clone(),
        })
    }

    /// A department's request the GO declined to carry: the indicator must
    /// exist and have no live target (a target is the request granted), the
    /// department be one of the reference list, and the rationale given.
    fn declare_priorities(&self, priorities: Vec<Priority>) -> Result<Change, DomainError> {
        let Some(limit) = self.policy.max_whitehall_priorities else {
            return Err(invalid(
                "priorities",
                "this round sets no limit on Whitehall's priorities: there is nothing to declare",
            ));
        };
        if !self.state.priorities.is_empty() {
            return Err(invalid(
                "priorities",
                "Whitehall's priorities for this area are already declared",
            ));
        }
        if self
            .state
            .targets
            .values()
            .any(|t| t.originated_by == Side::Government && t.kind == TargetKind::Designated)
        {
            return Err(invalid(
                "priorities",
                "priorities are declared at the outset, before the Government's first proposal",
            ));
        }
        if priorities.is_empty() {
            return Err(invalid("priorities", "declare at least one priority"));
        }
        if priorities.len() > usize::from(limit) {
            return Err(DomainError::WhitehallPrioritiesExceeded {
                limit,
                count: priorities.len(),
            });
        }
        let mut checked = Vec::with_capacity(priorities.len());
        for p in priorities {
            let statement = required_text("priorities.statement", p.statement)?;
            if statement.chars().count() > 280 {
                return Err(invalid(
                    "priorities.statement",
                    "a priority is a short statement: at most 280 characters",
                ));
            }
            if p.departments.is_empty() {
                return Err(invalid(
                    "priorities.departments",
                    "name the departments behind each priority, such as HO or DCSF",
                ));
            }
            let mut departments = Vec::with_capacity(p.departments.len());
            for d in p.departments {
                if let Some(d) = known_department(Side::Government, Some(d))? {
                    departments.push(d);
                }
            }
            checked.push(Priority {
                statement,
                departments,
            });
        }
        Ok(Change::PrioritiesDeclared {
            priorities: checked,
        })
    }

    fn refuse_request(
        &self,
        indicator: IndicatorNumber,
        department: Department,
        rationale: String,
    ) -> Result<Change, DomainError> {
        if self.ctx.catalogue.indicator(indicator).is_none() {
            return Err(DomainError::IndicatorUnknown { indicator });
        }
        let national = IndicatorRef::National(indicator);
        if let Some(existing) = self.state.live_target_on(&national) {
            return Err(DomainError::DuplicateIndicator {
                indicator: national,
                existing: existing.id,
            });
        }
        let department = known_department(Side::Government, Some(department))?
            .ok_or_else(|| invalid("department", "the department that asked is required"))?;
        Ok(Change::RequestRefused {
            indicator,
            department,
            rationale: required_text("rationale", rationale)?,
        })
    }

    fn accept(&self, id: TargetId) -> Result<Change, DomainError> {
        let target = self.target(id)?;
        let Some(offer) = &target.open_offer else {
            return Err(DomainError::NoOpenOffer { target: id });
        };
        let side = self.side();
        if offer.side == side {
            return Err(DomainError::NotYourTurn {
                target: id,
                side,
                why: "a side cannot accept its own offer",
            });
        }
        Ok(Change::OfferAccepted {
            target: id,
            by: side,
            terms: offer.terms.clone(),
        })
    }

    fn decline(
        &self,
        id: TargetId,
        reason: String,
        deal_breaker: bool,
    ) -> Result<Change, DomainError> {
        let target = self.target(id)?;
        Self::not_statutory(target)?;
        let target = self.target_in(id, CommandKind::Decline)?;
        let side = self.side();
        if target.originated_by == side {
            return Err(DomainError::NotYourTurn {
                target: id,
                side,
                why: "only the side that did not propose a target may decline it (withdraw it instead)",
            });
        }
        Ok(Change::TargetDeclined {
            target: id,
            by: side,
            reason: required_text("reason", reason)?,
            deal_breaker,
        })
    }

    fn withdraw(&self, id: TargetId, reason: String) -> Result<Change, DomainError> {
        let target = self.target(id)?;
        Self::not_statutory(target)?;
        let target = self.target_in(id, CommandKind::Withdraw)?;
        let side = self.side();
        if target.originated_by != side {
            return Err(DomainError::NotYourTurn {
                target: id,
                side,
                why: "only the side that proposed a target may withdraw it (decline it instead)",
            });
        }
        Ok(Change::TargetWithdrawn {
            target: id,
            by: side,
            reason: required_text("reason", reason)?,
        })
    }

    fn open_offers(&self) -> Result<(), DomainError> {
        let targets: Vec<TargetId> = self
            .state
            .live_targets()
            .filter(|t| t.open_offer.is_some())
            .map(|t| t.id)
            .collect();
        if targets.is_empty() {
            Ok(())
        } else {
            Err(DomainError::OpenOffersOutstanding { targets })
        }
    }

    fn endorse(&self) -> Result<Change, DomainError> {
        self.open_offers()?;
        Ok(Change::AgreementEndorsed)
    }

    /// Rule 7: during a refresh, nothing may remain that is due in it (or in an earlier one).
    fn placeholders_due(&self) -> Result<(), DomainError> {
        let Some(round) = &self.state.refresh else {
            return Ok(());
        };
        if self.state.status != AgreementStatus::RefreshOpen
            && self.state.submitted_from != Some(AgreementStatus::RefreshOpen)
        {
            return Ok(());
        }
        let now = self.policy.refresh_position(round).unwrap_or(usize::MAX);
        let due_now = |r: &RefreshId| self.policy.refresh_position(r).is_none_or(|p| p <= now);
        let targets: Vec<TargetId> = self
            .state
            .live_targets()
            .filter(|t| {
                t.agreed
                    .as_ref()
                    .is_some_and(|terms| terms.due_refreshes().into_iter().any(due_now))
            })
            .map(|t| t.id)
            .collect();
        if targets.is_empty() {
            Ok(())
        } else {
            Err(DomainError::PlaceholdersOutstanding {
                round: round.clone(),
                targets,
            })
        }
    }

    fn submit(&self) -> Result<Change, DomainError> {
        self.open_offers()?;
        let incomplete: Vec<_> = self
            .state
            .live_targets()
            .filter(|t| t.kind == TargetKind::Statutory)
            .filter(|t| !matches!(t.agreed, Some(Terms::Values(_))))
            .filter_map(|t| t.indicator.national())
            .collect();
        if !incomplete.is_empty() {
            return Err(DomainError::StatutoryTargetsIncomplete {
                indicators: incomplete,
            });
        }
        if let Some(set_version) = self.state.indicator_set {
            let set = self.ctx.catalogue.set(set_version);
            let withdrawn: Vec<TargetId> = self
                .state
                .live_targets()
                .filter(|t| {
                    t.indicator.national().is_some_and(|n| {
                        set.and_then(|s| s.status_of(n)) != Some(IndicatorStatus::Active)
                    })
                })
                .map(|t| t.id)
                .collect();
            if !withdrawn.is_empty() {
                return Err(DomainError::WithdrawnIndicatorsOutstanding {
                    set: set_version,
                    targets: withdrawn,
                });
            }
        }
        self.placeholders_due()?;
        if !self.state.endorsed {
            return Err(DomainError::NotEndorsed);
        }
        Ok(Change::AgreementSubmitted)
    }

    fn sign_off(&self) -> Result<Change, DomainError> {
        self.placeholders_due()?;
        let to = if self
            .state
            .live_targets()
            .any(|t| t.status == TargetStatus::Placeholder)
        {
            AgreementStatus::Placeholder
        } else if self.state.refreshes_held.is_empty() {
            AgreementStatus::Agreed
        } else {
            AgreementStatus::Refreshed
        };
        Ok(Change::AgreementSignedOff { to })
    }

    fn open_refresh(
        &self,
        round: RefreshId,
        indicator_set: Option<SetVersion>,
    ) -> Result<Change, DomainError> {
        let Some(position) = self.policy.refresh_position(&round) else {
            return Err(DomainError::RefreshUnknown {
                round,
                known: self.policy.refresh_names().join(", "),
            });
        };
        let passed = self
            .state
            .refreshes_held
            .iter()
            .filter_map(|r| self.policy.refresh_position(r))
            .any(|p| p >= position);
        if passed {
            return Err(DomainError::RefreshAlreadyHeld { round });
        }
        // Refreshes open in the calendar's order: every earlier one must
        // have been held (and, since a refresh opens only from a signed-off
        // status, signed off).
        if let Some(earlier) = self.policy.refresh_rounds[..position]
            .iter()
            .find(|r| !self.state.refreshes_held.contains(&r.id))
        {
            return Err(DomainError::RefreshOutOfOrder {
                round,
                earlier: earlier.id.clone(),
            });
        }
        if let Some(requested) = indicator_set {
            published_set(self.ctx.catalogue, requested)?;
            if let Some(bound) = self.state.indicator_set
                && requested <= bound
            {
                return Err(DomainError::IndicatorSetNotNewer { requested, bound });
            }
        }
        Ok(Change::RefreshOpened {
            round,
            rebound_to: indicator_set,
        })
    }

    fn record_actual(
        &self,
        id: TargetId,
        year: crate::ids::FinancialYear,
        value: Decimal,
        source: String,
    ) -> Result<Change, DomainError> {
        let target = self.target(id)?;
        let Some(agreed) = target.agreed.as_ref().filter(|_| target.is_live()) else {
            return Err(DomainError::TargetNotEditable {
                target: id,
                status: target.status,
                command: CommandKind::RecordActual,
            });
        };
        if !self.policy.period.contains(year) {
            return Err(invalid(
                "year",
                format!(
                    "{year} is outside the agreement's period ({} to {})",
                    self.policy.period.first(),
                    self.policy.period.last()
                ),
            ));
        }
        if let Terms::Values(values) = agreed {
            values.unit.check(value).map_err(|p| invalid("value", p))?;
        }
        let source = required_text("source", source)?;
        if source.chars().count() > MAX_REFERENCE_CHARS {
            return Err(invalid(
                "source",
                format!("the source is longer than {MAX_REFERENCE_CHARS} characters"),
            ));
        }
        Ok(Change::ActualRecorded {
            target: id,
            year,
            value,
            source,
        })
    }

    fn revoke(&self, target: Option<TargetId>, reason: String) -> Result<Change, DomainError> {
        let targets = match target {
            Some(id) => {
                let t = self.target(id)?;
                Self::not_statutory(t)?;
                if t.kind != TargetKind::Designated {
                    return Err(DomainError::TargetNotFound {
                        target: id,
                        what: "designated target",
                    });
                }
                self.target_in(id, CommandKind::Revoke)?;
                vec![id]
            }
            None => self
                .state
                .live_targets()
                .filter(|t| t.kind == TargetKind::Designated)
                .map(|t| t.id)
                .collect(),
        };
        Ok(Change::DesignationRevoked {
            targets,
            reason: required_text("reason", reason)?,
        })
    }
}
