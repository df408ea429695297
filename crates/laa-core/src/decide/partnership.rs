//! Recommendation 2: the area is assessed on its negotiated targets apart
//! from the rest of the National Indicator Set, and its partners on their
//! contribution. Two commands feed that assessment: the area's actual on
//! an indicator it carries no target on (the whole set is reported), and
//! the partners named to deliver a target.

use rust_decimal::Decimal;

use crate::agreement::CommandKind;
use crate::catalogue::IndicatorStatus;
use crate::error::DomainError;
use crate::event::Change;
use crate::ids::{FinancialYear, IndicatorNumber, TargetId};
use crate::partners::{self, MAX_CONTRIBUTORS, Partner};
use crate::performance::status::is_monitored;

use super::Decider;
use super::text::{MAX_REFERENCE_CHARS, invalid, required_text};

impl Decider<'_> {
    /// An actual on an indicator the agreement carries no monitored target
    /// on: active in its bound set, for a year of the period that has
    /// ended, in the indicator's unit, with its source.
    pub(super) fn record_indicator_actual(
        &self,
        indicator: IndicatorNumber,
        year: FinancialYear,
        value: Decimal,
        source: String,
    ) -> Result<Change, DomainError> {
        let Some(measure) = self.state.measure(self.ctx.catalogue, indicator) else {
            return Err(DomainError::IndicatorUnknown { indicator });
        };
        if let Some(set) = self.state.indicator_set
            && self
                .ctx
                .catalogue
                .set(set)
                .and_then(|s| s.status_of(indicator))
                != Some(IndicatorStatus::Active)
        {
            return Err(DomainError::IndicatorNotActive { indicator, set });
        }
        // A negotiated target's actual is its own (RecordActual): the two
        // parts of the assessment never hold the same indicator.
        if let Some(target) = self
            .state
            .live_target_on(&crate::agreement::IndicatorRef::National(indicator))
            .filter(|t| is_monitored(t))
        {
            return Err(invalid(
                "indicator_number",
                format!(
                    "NI {} is target {}'s indicator: record its actual on the target (RecordActual)",
                    indicator.get(),
                    target.id
                ),
            ));
        }
        self.outturn_year(year)?;
        measure.unit.check(value).map_err(|p| invalid("value", p))?;
        Ok(Change::IndicatorActualRecorded {
            indicator,
            year,
            value,
            source: source_text(source)?,
        })
    }

    /// The partners that deliver a live target: a lead and contributors,
    /// each of the partners list, none twice.
    pub(super) fn name_partners(
        &self,
        target: TargetId,
        lead: Partner,
        contributors: Vec<Partner>,
    ) -> Result<Change, DomainError> {
        self.target_in(target, CommandKind::NamePartners)?;
        let lead = known("lead", &lead)?;
        if contributors.len() > MAX_CONTRIBUTORS {
            return Err(invalid(
                "contributors",
                format!("at most {MAX_CONTRIBUTORS} contributing partners may be named"),
            ));
        }
        let mut named: Vec<Partner> = Vec::with_capacity(contributors.len());
        for partner in &contributors {
            let partner = known("contributors", partner)?;
            if partner == lead {
                return Err(invalid(
                    "contributors",
                    format!("{partner} leads the target: it is not also a contributor"),
                ));
            }
            if named.contains(&partner) {
                return Err(invalid("contributors", format!("{partner} is named twice")));
            }
            named.push(partner);
        }
        Ok(Change::PartnersNamed {
            target,
            lead,
            contributors: named,
        })
    }

    /// An actual is the year's outturn: of a year of the period, known
    /// once the year has ended (as for `RecordActual`).
    pub(super) fn outturn_year(&self, year: FinancialYear) -> Result<(), DomainError> {
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
        let occurred = self.ctx.occurred();
        if occurred.date_naive() < year.ended_on() {
            return Err(invalid(
                "year",
                format!(
                    "{year} has not ended on {}: its actual can be recorded from {}",
                    occurred.date_naive(),
                    year.ended_on()
                ),
            ));
        }
        Ok(())
    }
}

/// A partner of the list, as the list prints it, or the rule it breaks.
fn known(field: &'static str, partner: &Partner) -> Result<Partner, DomainError> {
    partners::canonical(partner.as_str())
        .map(|p| p.code.clone())
        .ok_or_else(|| {
            invalid(
                field,
                format!(
                    "{partner} is not a partner: use one of {}",
                    partners::valid_codes()
                ),
            )
        })
}

/// An actual's source: required text, no longer than a reference.
pub(super) fn source_text(source: String) -> Result<String, DomainError> {
    let source = required_text("source", source)?;
    if source.chars().count() > MAX_REFERENCE_CHARS {
        return Err(invalid(
            "source",
            format!("the source is longer than {MAX_REFERENCE_CHARS} characters"),
        ));
    }
    Ok(source)
}
