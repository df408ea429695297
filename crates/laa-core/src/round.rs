//! A negotiating round as an aggregate (DOMAIN.md 5): created once by an
//! administrator with its whole policy, validated against the published
//! indicator set it is bound to, and never edited (an agreement records the
//! policy it was opened under in its first event). A round also records
//! the national targets departments propose for its indicators
//! (recommendation 15, [`crate::national`]), each beside the trajectory the
//! round's signed-off local targets imply.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::actor::Actor;
use crate::authorise::authorise_administration;
use crate::catalogue::SetStatus;
use crate::decide::Context;
use crate::error::DomainError;
use crate::event::Event;
use crate::ids::{Department, FinancialYear, IndicatorNumber, SetVersion};
use crate::national::NationalProposal;
use crate::policy::RoundPolicy;
use crate::stream::{Aggregate, event};

/// The state: the round as created, if it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Its policy and the set it is bound to, once created.
    pub created: Option<CreatedRound>,
    /// The national target last proposed for each indicator
    /// (recommendation 15); a later proposal replaces an earlier one, and
    /// the history keeps both.
    pub national_targets: BTreeMap<IndicatorNumber, NationalProposal>,
}

/// The longest rationale of a proposed national target, in characters.
pub const MAX_RATIONALE_CHARS: usize = 2_000;

/// A round as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRound {
    /// Its whole policy.
    pub policy: RoundPolicy,
    /// The published indicator set it was validated against.
    pub indicator_set: SetVersion,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What may be asked of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundCommand {
    /// Creates the round, bound to a published set of the catalogue in
    /// the decision's context.
    Create {
        /// Its whole policy; its name names the stream.
        policy: RoundPolicy,
        /// The published set it is bound to.
        indicator_set: SetVersion,
    },
    /// Records a department's proposed national target for one of the
    /// round's indicators, with the floor it expects of the areas that
    /// have no local target on it (recommendation 15). Ministers / CLG
    /// (the sign-off role) record it for the department. Proposing what
    /// is already the standing proposal records nothing.
    ProposeNationalTarget {
        /// The indicator: active in the round's set.
        indicator: IndicatorNumber,
        /// The department proposing it, from the reference list.
        department: Department,
        /// The year it is for: one of the round's years.
        year: FinancialYear,
        /// The national value, in the indicator's unit.
        value: Decimal,
        /// The base level expected of the areas without a target.
        floor: Decimal,
        /// Why: 1 to [`MAX_RATIONALE_CHARS`] characters.
        rationale: String,
    },
}

crate::stream::changes! {
    /// What a round's stream records.
    RoundChange {
        /// The round was created.
        RoundCreated => "round_created" {
            /// Its whole policy.
            policy: RoundPolicy,
            /// The published set it is bound to.
            indicator_set: SetVersion,
        },
        /// A department's national target was proposed (recommendation 15).
        NationalTargetProposed => "national_target_proposed" {
            /// The proposal in full.
            proposal: NationalProposal,
        },
    }
}

impl Aggregate for Round {
    type Command = RoundCommand;
    type Change = RoundChange;

    fn decide(
        &self,
        command: RoundCommand,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<RoundChange>>, DomainError> {
        let (policy, indicator_set) = match command {
            RoundCommand::Create {
                policy,
                indicator_set,
            } => (policy, indicator_set),
            RoundCommand::ProposeNationalTarget {
                indicator,
                department,
                year,
                value,
                floor,
                rationale,
            } => {
                return self.propose_national_target(
                    NationalProposal {
                        indicator,
                        department,
                        year,
                        value,
                        floor,
                        rationale,
                    },
                    actor,
                    ctx,
                );
            }
        };
        authorise_administration(actor)?;
        let bound = ctx
            .catalogue
            .set(indicator_set)
            .ok_or(DomainError::IndicatorSetUnknown { set: indicator_set })?;
        if bound.status != SetStatus::Published {
            return Err(DomainError::Invalid {
                field: "indicator_set",
                problem: format!(
                    "the {indicator_set} set is a draft: a round is bound to a published set"
                ),
            });
        }
        policy.validate(bound).map_err(|e| DomainError::Invalid {
            field: e.field,
            problem: e.problem,
        })?;
        if self.created.is_some() {
            return Err(DomainError::Exists {
                what: "round",
                key: policy.name,
            });
        }
        Ok(vec![event(
            ctx,
            actor,
            RoundChange::RoundCreated {
                policy,
                indicator_set,
            },
        )])
    }

    fn apply(&mut self, e: &Event<RoundChange>) {
        match &e.change {
            RoundChange::RoundCreated {
                policy,
                indicator_set,
            } => {
                self.created.get_or_insert_with(|| CreatedRound {
                    policy: policy.clone(),
                    indicator_set: *indicator_set,
                    created_at: e.at,
                });
            }
            RoundChange::NationalTargetProposed { proposal } => {
                self.national_targets
                    .insert(proposal.indicator, proposal.clone());
            }
        }
    }
}

impl Round {
    /// The rules of [`RoundCommand::ProposeNationalTarget`]: the sign-off
    /// role only (a national target is Government's as a whole, outside
    /// any Government Office's region); an existing round; an indicator
    /// active in its set; a department of the reference list (recorded by
    /// its canonical code); one of the round's years; values that fit the
    /// indicator's unit; a rationale.
    fn propose_national_target(
        &self,
        mut proposal: NationalProposal,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<RoundChange>>, DomainError> {
        crate::authorise::authorise_national_target(actor)?;
        let created = self.created.as_ref().ok_or_else(|| DomainError::Invalid {
            field: "round",
            problem: "the round does not exist".into(),
        })?;
        let indicator = ctx
            .catalogue
            .indicator_in(created.indicator_set, proposal.indicator)
            .filter(|_| {
                ctx.catalogue
                    .set(created.indicator_set)
                    .and_then(|s| s.status_of(proposal.indicator))
                    == Some(crate::IndicatorStatus::Active)
            })
            .ok_or(DomainError::Invalid {
                field: "indicator_number",
                problem: format!(
                    "NI {} is not active in the {} set the round is bound to",
                    proposal.indicator, created.indicator_set
                ),
            })?;
        let department =
            crate::departments::canonical(proposal.department.as_str()).ok_or_else(|| {
                DomainError::Invalid {
                    field: "department",
                    problem: format!(
                        "{} is not a department: use one of {}",
                        crate::quote(proposal.department.as_str()),
                        crate::departments::valid_codes()
                    ),
                }
            })?;
        proposal.department = department.code.clone();
        if !created.policy.period.years().any(|y| y == proposal.year) {
            return Err(DomainError::Invalid {
                field: "year",
                problem: format!(
                    "{} is not a year of the {} round",
                    proposal.year, created.policy.name
                ),
            });
        }
        for (field, value) in [("value", proposal.value), ("floor", proposal.floor)] {
            indicator
                .unit
                .check(value)
                .map_err(|problem| DomainError::Invalid { field, problem })?;
        }
        let rationale = proposal.rationale.trim();
        if rationale.is_empty() || rationale.chars().count() > MAX_RATIONALE_CHARS {
            return Err(DomainError::Invalid {
                field: "rationale",
                problem: format!(
                    "a rationale of 1 to {MAX_RATIONALE_CHARS} characters is required"
                ),
            });
        }
        proposal.rationale = rationale.to_owned();
        if self.national_targets.get(&proposal.indicator) == Some(&proposal) {
            return Ok(Vec::new());
        }
        Ok(vec![event(
            ctx,
            actor,
            RoundChange::NationalTargetProposed { proposal },
        )])
    }
}
