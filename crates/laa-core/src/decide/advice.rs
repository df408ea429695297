//! Advice on request (recommendation 4): the area asks a Whitehall
//! department, through its Government Office, for advice on an indicator,
//! and the GO records the department's answer. Both are part of the
//! agreement's history, so the analytics can count each department's
//! requests and how long it took to answer.

use crate::actor::Side;
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{Department, IndicatorNumber, TargetId};

use super::Decider;
use super::text::{known_department, required_text};

impl Decider<'_> {
    /// A request for advice: on an indicator of the catalogue, to a
    /// department of the reference list, about a target of the agreement
    /// if it names one.
    pub(super) fn request_advice(
        &self,
        indicator: IndicatorNumber,
        department: Department,
        question: String,
        target: Option<TargetId>,
    ) -> Result<Change, DomainError> {
        if self.ctx.catalogue.indicator(indicator).is_none() {
            return Err(DomainError::IndicatorUnknown { indicator });
        }
        let department =
            known_department(Side::Government, Some(department))?.ok_or_else(|| {
                super::text::invalid("department", "the department asked is required")
            })?;
        if let Some(target) = target {
            self.target(target)?;
        }
        let request = self
            .state
            .advice
            .keys()
            .next_back()
            .map_or(1, |last| last.saturating_add(1));
        Ok(Change::AdviceRequested {
            request,
            indicator,
            department,
            question: required_text("question", question)?,
            target,
        })
    }

    /// The department's answer to an open request.
    pub(super) fn record_advice(
        &self,
        request: u32,
        answer: String,
    ) -> Result<Change, DomainError> {
        let Some(asked) = self.state.advice.get(&request) else {
            return Err(DomainError::AdviceRequestUnknown { request });
        };
        if asked.answer.is_some() {
            return Err(DomainError::AdviceAlreadyRecorded { request });
        }
        Ok(Change::AdviceRecorded {
            request,
            answer: required_text("answer", answer)?,
        })
    }
}
