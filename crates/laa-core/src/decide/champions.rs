//! Negotiating champions (recommendation 8): senior Whitehall officials an
//! administrator assigns to named areas' agreements, "to facilitate LAA
//! discussions" and to act "as an arbitrator when difficult trade-offs
//! needed to be made". A champion reads the agreement, comments on its
//! targets' threads and brokers; the offers stay the two sides'.

use crate::actor::{Role, Side};
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{Department, TargetId};

use super::Decider;
use super::text::{invalid, known_department, required_text};

impl Decider<'_> {
    /// Assigns a champion from a department of the reference list; a
    /// champion already assigned is refused, so an assignment's start is
    /// recorded once.
    pub(super) fn assign_champion(
        &self,
        champion: String,
        department: Department,
    ) -> Result<Change, DomainError> {
        let champion = principal(champion)?;
        let department = known_department(Side::Government, Some(department))?
            .ok_or_else(|| invalid("department", "the champion's department is required"))?;
        if self.state.is_champion(&champion) {
            return Err(DomainError::Exists {
                what: "champion assignment",
                key: champion,
            });
        }
        Ok(Change::ChampionAssigned {
            champion,
            department,
        })
    }

    /// Ends an assignment that is in force.
    pub(super) fn end_champion(
        &self,
        champion: String,
        reason: String,
    ) -> Result<Change, DomainError> {
        let champion = principal(champion)?;
        if !self.state.is_champion(&champion) {
            return Err(DomainError::ChampionNotAssigned { champion });
        }
        Ok(Change::ChampionAssignmentEnded {
            champion,
            reason: required_text("reason", reason)?,
        })
    }

    /// A comment on a live target's thread; only a champion brokers.
    pub(super) fn comment(
        &self,
        target: TargetId,
        text: String,
        brokering: bool,
    ) -> Result<Change, DomainError> {
        if brokering && self.actor.role != Role::Champion {
            return Err(DomainError::BrokeringByChampionsOnly {
                role: self.actor.role,
            });
        }
        self.target_in(target, crate::agreement::CommandKind::Comment)?;
        Ok(Change::TargetCommented {
            target,
            text: required_text("text", text)?,
            brokering,
        })
    }
}

/// A champion's principal as an assignment records it, by
/// [`crate::actor::champion_principal`].
fn principal(text: String) -> Result<String, DomainError> {
    crate::actor::champion_principal(&text).map_err(|problem| invalid("champion", problem))
}
