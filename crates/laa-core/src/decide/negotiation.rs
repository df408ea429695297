//! The negotiation of targets (DOMAIN.md 3, 4): offers and counter-offers,
//! acceptance, declining, withdrawal, refused requests and Whitehall priorities.

use crate::actor::Side;
use crate::agreement::{CommandKind, IndicatorRef, Offer, Priority, TargetKind};
use crate::catalogue::IndicatorStatus;
use crate::departments;
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{Department, IndicatorNumber, TargetId};
use crate::terms::Terms;

use super::Decider;
use super::text::{check_evidence, invalid, known_department, required_text};

impl Decider<'_> {
    pub(super) fn offer(
        &self,
        indicator: &IndicatorRef,
        terms: Terms,
        rationale: String,
        evidence: Vec<String>,
        department: Option<Department>,
        deal_breaker: bool,
    ) -> Result<Offer, DomainError> {
        self.check_terms(&terms)?;
        let terms = self.fit_terms(indicator, terms)?;
        Ok(Offer {
            side: self.side(),
            terms,
            rationale: required_text("rationale", rationale)?,
            evidence: check_evidence(evidence)?,
            department,
            deal_breaker,
            made_at: self.ctx.occurred(),
            rebaseline: None,
        })
    }

    pub(super) fn propose(
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
        // A round that declares no priorities has none to cite: a citation
        // would be recorded pointing at nothing.
        if self.policy.max_whitehall_priorities.is_none() && priority.is_some() {
            return Err(invalid(
                "priority",
                "this round declares no Whitehall priorities: cite none (priority 0)",
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
                        "local_indicator.title",
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
            if let Some(limit) = self.policy.max_government_targets
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
                    return Err(DomainError::GovernmentTargetsExceeded { limit, count });
                }
            }
        }
        let offer = self.offer(&indicator, terms, rationale, evidence, department, false)?;
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

    pub(super) fn counter(
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
        Self::not_awaiting_ministers(target, side)?;
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
        let offer = self.offer(
            &target.indicator,
            terms,
            rationale,
            evidence,
            department,
            deal_breaker,
        )?;
        Ok(Change::OfferMade {
            target: id,
            offer,
            terms_before: target.agreed.clone(),
        })
    }

    /// A department's request the GO declined to carry: the indicator must
    /// exist and have no live target (a target is the request granted), the
    /// department be one of the reference list, and the rationale given.
    pub(super) fn declare_priorities(
        &self,
        priorities: Vec<Priority>,
    ) -> Result<Change, DomainError> {
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

    pub(super) fn refuse_request(
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

    pub(super) fn accept(&self, id: TargetId) -> Result<Change, DomainError> {
        let target = self.target(id)?;
        let Some(offer) = &target.open_offer else {
            return Err(DomainError::NoOpenOffer { target: id });
        };
        // After sign-off, outside a refresh, only a re-baselining is open to accept.
        if !self.state.status.is_negotiating() && offer.rebaseline.is_none() {
            return Err(DomainError::AgreementNotEditable {
                status: self.state.status,
                command: CommandKind::Accept,
            });
        }
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
            awaiting_ministers: offer.rebaseline.is_some()
                && self.policy.rebaseline_needs_ministers
                && target.kind != TargetKind::Local,
        })
    }

    pub(super) fn decline(
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

    pub(super) fn withdraw(&self, id: TargetId, reason: String) -> Result<Change, DomainError> {
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
}
