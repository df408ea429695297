//! The reward grant assessed as the final actuals come in (DOMAIN.md 6):
//! the event that completes the working, or changes it (a corrected
//! actual), is followed by a `reward_assessed` event holding it, so the
//! assessment is in the hash chain and the audit trail.

use crate::apply::apply;
use crate::event::{Change, Event};
use crate::performance::reward_working;

use super::Decider;

impl Decider<'_> {
    /// The `reward_assessed` event to record after `event`, when applying
    /// it makes the working assessable and different from the last one
    /// recorded.
    pub(super) fn reward_after(&self, event: &Event) -> Option<Event> {
        let mut after = self.state.clone();
        apply(&mut after, event);
        let working = reward_working(&after, self.ctx.catalogue)?;
        if self.state.reward.as_ref() == Some(&working) {
            return None;
        }
        Some(self.event(Change::RewardAssessed { working }))
    }
}
