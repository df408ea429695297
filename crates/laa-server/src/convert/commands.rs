//! Every mutating request of an existing agreement parsed into its
//! `laa_core::Command`: the one place each command's wire fields are read.
//! A request registered in `agreements/mod.rs` (one line) is parsed by its
//! impl here, then takes the one command path (`agreements/command.rs`).

use laa_core::Command;
use laa_proto::v1 as pb;

use crate::convert;
use crate::error::ApiError;

/// A request that carries one command for an existing agreement.
pub trait ToCommand {
    /// The command the request asks for, or the field at fault.
    fn command(self) -> Result<Command, ApiError>;
}

impl ToCommand for pb::ProposeTargetRequest {
    fn command(self) -> Result<Command, ApiError> {
        let (number, local) = match self.indicator {
            Some(pb::propose_target_request::Indicator::IndicatorNumber(n)) => (Some(n), None),
            Some(pb::propose_target_request::Indicator::LocalIndicator(l)) => (None, Some(l)),
            None => (None, None),
        };
        Ok(Command::ProposeTarget {
            indicator: convert::proposed_indicator(number, local)?,
            terms: convert::terms(self.terms)?,
            rationale: self.rationale,
            evidence: self.evidence,
            department: convert::department(&self.department)?,
            priority: match self.priority {
                0 => None,
                n => Some(u16::try_from(n).map_err(|_| {
                    ApiError::invalid(
                        convert::TERMS,
                        "priority",
                        format!("{n} is not a declared priority's number"),
                    )
                })?),
            },
        })
    }
}

impl ToCommand for pb::CounterOfferRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::CounterOffer {
            target: convert::target_id("target", self.target)?,
            terms: convert::terms(self.terms)?,
            rationale: self.rationale,
            evidence: self.evidence,
            deal_breaker: self.deal_breaker,
            department: convert::department(&self.department)?,
        })
    }
}

impl ToCommand for pb::ProposeRebaselineRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::ProposeRebaseline {
            target: convert::target_id("target", self.target)?,
            terms: convert::terms(self.terms)?,
            reason: convert::rebaseline_reason(&self.reason)?,
            rationale: self.rationale,
            evidence: self.evidence,
            department: convert::department(&self.department)?,
        })
    }
}

impl ToCommand for pb::ApproveRebaselineRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::ApproveRebaseline {
            target: convert::target_id("target", self.target)?,
        })
    }
}

impl ToCommand for pb::RejectRebaselineRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RejectRebaseline {
            target: convert::target_id("target", self.target)?,
            reason: self.reason,
        })
    }
}

impl ToCommand for pb::LodgeExplanationRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::LodgeExplanation {
            indicator: convert::indicator_number("indicator_number", self.indicator_number)?,
            explanation: self.explanation,
        })
    }
}

impl ToCommand for pb::AcceptOfferRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::AcceptOffer {
            target: convert::target_id("target", self.target)?,
        })
    }
}

impl ToCommand for pb::DeclineTargetRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::DeclineTarget {
            target: convert::target_id("target", self.target)?,
            reason: self.reason,
            deal_breaker: self.deal_breaker,
        })
    }
}

impl ToCommand for pb::WithdrawTargetRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::WithdrawTarget {
            target: convert::target_id("target", self.target)?,
            reason: self.reason,
        })
    }
}

impl ToCommand for pb::EndorseAgreementRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::EndorseAgreement)
    }
}

impl ToCommand for pb::SubmitAgreementRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::SubmitAgreement)
    }
}

impl ToCommand for pb::ReturnAgreementRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::ReturnAgreement {
            reason: self.reason,
        })
    }
}

impl ToCommand for pb::SignOffAgreementRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::SignOffAgreement)
    }
}

impl ToCommand for pb::OpenRefreshRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::OpenRefresh {
            round: convert::refresh("round", &self.round).map_err(|_| {
                ApiError::bad_argument("round", "the refresh round is required, e.g. 2009")
            })?,
            indicator_set: match self.indicator_set {
                0 => None,
                v => Some(convert::set_version("indicator_set", v)?),
            },
        })
    }
}

impl ToCommand for pb::RecordActualRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RecordActual {
            target: convert::target_id("target", self.target)?,
            year: convert::year("year", &self.year)?,
            value: convert::value("value", self.value)?,
            source: self.source,
        })
    }
}

impl ToCommand for pb::RevokeDesignationRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RevokeDesignation {
            target: match self.target {
                0 => None,
                t => Some(convert::target_id("target", t)?),
            },
            reason: self.reason,
        })
    }
}

impl ToCommand for pb::CloseAgreementRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::CloseAgreement)
    }
}

impl ToCommand for pb::RecordRefusedRequestRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RecordRefusedRequest {
            indicator: convert::indicator_number("indicator_number", self.indicator_number)?,
            department: required_department(&self.department, "the department that asked")?,
            rationale: self.rationale,
        })
    }
}

impl ToCommand for pb::DeclarePrioritiesRequest {
    fn command(self) -> Result<Command, ApiError> {
        let priorities = self
            .priorities
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let departments = p
                    .departments
                    .iter()
                    .enumerate()
                    .map(|(j, d)| {
                        convert::department_in(&format!("priorities[{i}].departments[{j}]"), d)
                    })
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect();
                Ok(laa_core::agreement::Priority {
                    statement: p.statement,
                    departments,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(Command::DeclarePriorities { priorities })
    }
}

impl ToCommand for pb::RequestAdviceRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RequestAdvice {
            indicator: convert::indicator_number("indicator_number", self.indicator_number)?,
            department: required_department(&self.department, "the department asked")?,
            question: self.question,
            target: match self.target {
                0 => None,
                t => Some(convert::target_id("target", t)?),
            },
        })
    }
}

impl ToCommand for pb::RecordAdviceRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::RecordAdvice {
            request: u32::try_from(self.advice)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ApiError::bad_argument(
                        "advice",
                        "the request for advice's number is required (requests are numbered from 1)",
                    )
                })?,
            answer: self.answer,
        })
    }
}

/// A department a command cannot do without (`who` says which, in the
/// message): one of the reference list.
fn required_department(name: &str, who: &str) -> Result<laa_core::Department, ApiError> {
    convert::department(name)?.ok_or_else(|| {
        ApiError::invalid(
            convert::TERMS,
            "department",
            format!(
                "{who} is required, one of {}",
                laa_core::departments::valid_codes()
            ),
        )
    })
}

impl ToCommand for pb::AssignChampionRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::AssignChampion {
            champion: self.champion,
            department: required_department(&self.department, "the champion's department")?,
        })
    }
}

impl ToCommand for pb::EndChampionAssignmentRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::EndChampionAssignment {
            champion: self.champion,
            reason: self.reason,
        })
    }
}

impl ToCommand for pb::CommentOnTargetRequest {
    fn command(self) -> Result<Command, ApiError> {
        Ok(Command::CommentOnTarget {
            target: convert::target_id("target", self.target)?,
            text: self.text,
            brokering: self.brokering,
        })
    }
}
