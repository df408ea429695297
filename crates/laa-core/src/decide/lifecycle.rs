//! The agreement's life after negotiation (DOMAIN.md 5, 6): endorsement,
//! submission and sign-off, refreshes, actuals and revocation.

use rust_decimal::Decimal;

use crate::agreement::{AgreementStatus, CommandKind, TargetKind, TargetStatus};
use crate::catalogue::IndicatorStatus;
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{RefreshId, SetVersion, TargetId};
use crate::terms::Terms;

use super::Decider;
use super::published_set;
use super::text::{invalid, required_text};

impl Decider<'_> {
    pub(super) fn open_offers(&self) -> Result<(), DomainError> {
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

    pub(super) fn endorse(&self) -> Result<Change, DomainError> {
        self.open_offers()?;
        Ok(Change::AgreementEndorsed)
    }

    /// Rule 7: during a refresh, nothing may remain that is due in it (or in an earlier one).
    pub(super) fn placeholders_due(&self) -> Result<(), DomainError> {
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

    pub(super) fn submit(&self) -> Result<Change, DomainError> {
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

    pub(super) fn sign_off(&self) -> Result<Change, DomainError> {
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

    pub(super) fn open_refresh(
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

    pub(super) fn record_actual(
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
        self.outturn_year(year)?;
        if let Terms::Values(values) = agreed {
            values.unit.check(value).map_err(|p| invalid("value", p))?;
        }
        Ok(Change::ActualRecorded {
            target: id,
            year,
            value,
            source: super::partnership::source_text(source)?,
        })
    }

    pub(super) fn revoke(
        &self,
        target: Option<TargetId>,
        reason: String,
    ) -> Result<Change, DomainError> {
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
