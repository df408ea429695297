//! Terms fitted to what their indicator measures (DOMAIN.md 3, rule 5):
//! a National Indicator's terms use its unit, and their trajectory does
//! not end worse than the baseline (by the indicator's polarity) unless
//! the target is one that limits a deterioration, with the reason given.

use crate::agreement::IndicatorRef;
use crate::error::DomainError;
use crate::terms::Terms;

use super::Decider;
use super::text::{invalid, required_text};

impl Decider<'_> {
    /// The terms, checked against the indicator they are offered on, with
    /// a deterioration's reason trimmed; or why they do not fit.
    pub(super) fn fit_terms(
        &self,
        indicator: &IndicatorRef,
        terms: Terms,
    ) -> Result<Terms, DomainError> {
        let Terms::Values(mut values) = terms else {
            return Ok(terms);
        };
        if let Some(why) = values.limit_deterioration.take() {
            values.limit_deterioration =
                Some(required_text("terms.values.limit_deterioration", why)?);
        }
        let Some(number) = indicator.national() else {
            return Ok(Terms::Values(values));
        };
        let Some(measure) = self.state.measure(self.ctx.catalogue, number) else {
            return Err(DomainError::IndicatorUnknown { indicator: number });
        };
        if values.unit != measure.unit {
            return Err(invalid(
                "terms.values.unit",
                format!(
                    "{number} ({}) is measured in {}, not {}",
                    crate::ids::quote(&measure.title),
                    measure.unit.as_str(),
                    values.unit.as_str()
                ),
            ));
        }
        if values.limit_deterioration.is_none()
            && let Some(last) = values.final_value()
            && !measure
                .polarity
                .at_least_as_good(last, values.baseline.value)
        {
            return Err(invalid(
                "terms.values.trajectory",
                format!(
                    "{number} ({}): {}, and a trajectory ending at {last} is worse than its baseline {}; \
                     a target that limits an expected deterioration says so (limit_deterioration) and why",
                    crate::ids::quote(&measure.title),
                    measure.polarity.as_str().replace('_', " "),
                    values.baseline.value
                ),
            ));
        }
        Ok(Terms::Values(values))
    }
}
