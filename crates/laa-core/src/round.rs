//! A negotiating round as an aggregate (DOMAIN.md 5): created once by an
//! administrator with its whole policy, validated against the published
//! indicator set it is bound to, and never edited (an agreement records the
//! policy it was opened under in its first event).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::actor::Actor;
use crate::authorise::authorise_administration;
use crate::catalogue::SetStatus;
use crate::decide::Context;
use crate::error::DomainError;
use crate::event::Event;
use crate::ids::SetVersion;
use crate::policy::RoundPolicy;
use crate::stream::{Aggregate, event};

/// The state: the round as created, if it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Its policy and the set it is bound to, once created.
    pub created: Option<CreatedRound>,
}

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
        authorise_administration(actor)?;
        let RoundCommand::Create {
            policy,
            indicator_set,
        } = command;
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
        let RoundChange::RoundCreated {
            policy,
            indicator_set,
        } = &e.change;
        self.created.get_or_insert_with(|| CreatedRound {
            policy: policy.clone(),
            indicator_set: *indicator_set,
            created_at: e.at,
        });
    }
}
