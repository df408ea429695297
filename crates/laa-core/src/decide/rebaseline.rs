//! Re-baselining when the measure changes (Figure 5.3): after sign-off and
//! outside a refresh, either side may offer a settled target new values
//! for the reason `measurement_change`; the other side accepts it with
//! `AcceptOffer` (or leaves it open), the accepted terms replace the old
//! ones, the reward is assessed against them, and the history keeps both
//! (`offer_made` carries `terms_before`). In a round whose policy asks for
//! it (`rebaseline_needs_ministers`), an accepted re-baselining of a target
//! Ministers sign off waits for their approval, and the old terms stay in
//! force until they give it. Also the area's explanation for its results,
//! lodged for the tournaments.

use crate::actor::Side;
use crate::agreement::{CommandKind, Rebaseline, Target};
use crate::departments;
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{Department, TargetId};
use crate::terms::Terms;

use super::Decider;
use super::text::{invalid, known_department};

impl Decider<'_> {
    pub(super) fn rebaseline(
        &self,
        id: TargetId,
        terms: Terms,
        reason: Rebaseline,
        rationale: String,
        evidence: Vec<String>,
        department: Option<Department>,
    ) -> Result<Change, DomainError> {
        let target = self.target_in(id, CommandKind::Rebaseline)?;
        Self::not_awaiting_ministers(target, self.side())?;
        let Some(Terms::Values(_)) = &target.agreed else {
            return Err(invalid(
                "terms",
                format!("target {id} has no agreed values to re-baseline: agree them at a refresh"),
            ));
        };
        if terms.is_placeholder() {
            return Err(invalid(
                "terms",
                "a re-baselining gives values: a new baseline and trajectory",
            ));
        }
        let side = self.side();
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
        let mut offer = self.offer(
            &target.indicator,
            terms,
            rationale,
            evidence,
            department,
            false,
        )?;
        offer.rebaseline = Some(reason);
        Ok(Change::OfferMade {
            target: id,
            offer,
            terms_before: target.agreed.clone(),
        })
    }
}

impl Decider<'_> {
    /// Refuses an offer on a target whose accepted re-baselining awaits
    /// Ministers: they answer first.
    pub(super) fn not_awaiting_ministers(target: &Target, side: Side) -> Result<(), DomainError> {
        if target.pending_rebaseline.is_some() {
            return Err(DomainError::NotYourTurn {
                target: target.id,
                side,
                why: "its accepted re-baselining awaits Ministers' decision",
            });
        }
        Ok(())
    }

    /// Ministers approve the accepted re-baselining: its terms are agreed.
    pub(super) fn approve_rebaseline(&self, id: TargetId) -> Result<Change, DomainError> {
        let pending = self.pending_rebaseline(id, CommandKind::ApproveRebaseline)?;
        Ok(Change::RebaselineApproved {
            target: id,
            terms: pending.terms.clone(),
        })
    }

    /// Ministers reject it: the terms agreed before stay in force.
    pub(super) fn reject_rebaseline(
        &self,
        id: TargetId,
        reason: String,
    ) -> Result<Change, DomainError> {
        self.pending_rebaseline(id, CommandKind::RejectRebaseline)?;
        Ok(Change::RebaselineRejected {
            target: id,
            reason: super::text::required_text("reason", reason)?,
        })
    }

    fn pending_rebaseline(
        &self,
        id: TargetId,
        command: CommandKind,
    ) -> Result<&crate::agreement::Offer, DomainError> {
        let target = self.target(id)?;
        let Some(pending) = &target.pending_rebaseline else {
            return Err(DomainError::NoPendingRebaseline { target: id });
        };
        self.target_in(id, command)?;
        Ok(pending)
    }

    /// An explanation for the area's results on an indicator it has a live
    /// target on (tournaments, recommendation 14); a later one replaces it,
    /// and the history keeps both.
    pub(super) fn lodge_explanation(
        &self,
        indicator: crate::ids::IndicatorNumber,
        explanation: String,
    ) -> Result<Change, DomainError> {
        if self
            .state
            .live_target_on(&crate::agreement::IndicatorRef::National(indicator))
            .is_none()
        {
            return Err(invalid(
                "indicator_number",
                format!("the agreement has no live target on {indicator} to explain"),
            ));
        }
        Ok(Change::ExplanationLodged {
            indicator,
            explanation: super::text::required_text("explanation", explanation)?,
        })
    }
}
