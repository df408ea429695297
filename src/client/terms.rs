//! Terms in the form people type them.
//!
//! `--baseline "52% (2007)" --trajectory 2008/09=50,2009/10=48,2010/11=45`
//! (a year's value may be `@2009`: deferred to the 2009 refresh), or
//! `--placeholder awaiting_survey --due 2009`.

use laa_proto::v1 as pb;

/// Parses a baseline such as `52% (2007)`, `10.6 (2006/07)` or `1200`
/// with `--baseline-period`. Returns the value, its period, and whether it
/// was written as a percentage.
pub fn parse_baseline(text: &str, period: Option<&str>) -> Result<(f64, String, bool), String> {
    let text = text.trim();
    let (value_part, period_part) = match text.split_once('(') {
        Some((v, rest)) => {
            let p = rest.strip_suffix(')').ok_or_else(|| {
                format!("'{text}': close the period's bracket, as in \"52% (2007)\"")
            })?;
            (v.trim(), Some(p.trim().to_owned()))
        }
        None => (text, None),
    };
    let percent = value_part.ends_with('%');
    let number = value_part.trim_end_matches('%').trim().replace(',', "");
    let value: f64 = number.parse().map_err(|_| {
        format!("'{text}' is not a baseline such as \"52% (2007)\" or \"1200 (2006/07)\"")
    })?;
    let period = period_part
        .or_else(|| period.map(str::to_owned))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("'{text}': a baseline states its period, as in \"52% (2007)\""))?;
    Ok((value, period, percent))
}

/// Parses `2008/09=50,2009/10=48,2010/11=@2009`.
pub fn parse_trajectory(text: &str) -> Result<Vec<pb::YearValue>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (year, value) = part.split_once('=').ok_or_else(|| {
                format!("'{part}': write each year as YEAR=VALUE, such as 2008/09=50")
            })?;
            let value = value.trim().trim_end_matches('%');
            let value = if let Some(round) = value.strip_prefix('@') {
                pb::year_value::Value::DeferredTo(round.trim().to_owned())
            } else {
                pb::year_value::Value::Amount(value.replace(',', "").parse().map_err(|_| {
                    format!("'{part}': {value} is not a number (or @REFRESH to defer the year)")
                })?)
            };
            Ok(pb::YearValue {
                year: year.trim().to_owned(),
                value: Some(value),
            })
        })
        .collect()
}

/// The terms options shared by `targets propose` and `targets counter`.
#[derive(Debug, clap::Args)]
pub struct TermsArgs {
    /// The baseline and its period, such as "52% (2007)" (a negative value needs no `=`: --baseline -3).
    #[arg(long, conflicts_with = "placeholder", allow_hyphen_values = true)]
    pub baseline: Option<String>,
    /// The baseline's period, if not given in brackets after the value.
    #[arg(long)]
    pub baseline_period: Option<String>,
    /// The value for each year: 2008/09=50,2009/10=48,2010/11=45 (a year may be @2009: set at the 2009 refresh).
    #[arg(long, requires = "baseline")]
    pub trajectory: Option<String>,
    /// The unit, such as percent, count, rate_per_1000 or days: by default percent when the baseline has a %, else the indicator's (`laa indicator show NUMBER` shows it).
    #[arg(long)]
    pub unit: Option<String>,
    /// The target limits a deterioration the area expects rather than promising improvement: why the measure will worsen (only such a trajectory may end worse than its baseline).
    #[arg(long, requires = "baseline")]
    pub limit_deterioration: Option<String>,
    /// Agree a placeholder instead of values: no_baseline, awaiting_survey or definition_pending.
    #[arg(long, requires = "due")]
    pub placeholder: Option<String>,
    /// The refresh by which a placeholder's values are due, such as 2009.
    #[arg(long)]
    pub due: Option<String>,
}

impl TermsArgs {
    /// True when the terms are values whose unit was not given: the caller
    /// looks up the indicator's, for [`TermsArgs::to_pb`].
    pub fn needs_unit(&self) -> bool {
        self.placeholder.is_none() && self.unit.is_none()
    }

    /// The terms on the wire; `indicator_unit` is the indicator's unit,
    /// used when neither `--unit` nor a % on the baseline says one.
    pub fn to_pb(&self, indicator_unit: Option<&str>) -> Result<pb::Terms, String> {
        if let Some(reason) = &self.placeholder {
            return Ok(pb::Terms {
                kind: Some(pb::terms::Kind::Placeholder(pb::Placeholder {
                    reason: reason.clone(),
                    due: self.due.clone().unwrap_or_default(),
                })),
            });
        }
        let baseline = self
            .baseline
            .as_deref()
            .ok_or("give the terms: --baseline and --trajectory, or --placeholder and --due")?;
        let (value, period, percent) = parse_baseline(baseline, self.baseline_period.as_deref())?;
        let unit =
            // What the person wrote first (--unit, then a % on the
            // baseline), the indicator's unit only where they said none.
            match (&self.unit, percent, indicator_unit) {
                (Some(u), _, _) => u.clone(),
                (None, true, _) => "percent".into(),
                (None, false, Some(u)) => u.to_owned(),
                (None, false, None) => return Err(
                    "give --unit (the indicator's: count, rate_per_1000, days...), or write the baseline with a %"
                        .into(),
                ),
            };
        let trajectory = parse_trajectory(
            self.trajectory
                .as_deref()
                .ok_or("give --trajectory, such as 2008/09=50,2009/10=48,2010/11=45")?,
        )?;
        Ok(pb::Terms {
            kind: Some(pb::terms::Kind::Values(pb::TargetValues {
                unit,
                baseline: Some(pb::Baseline { value, period }),
                trajectory,
                limit_deterioration: self.limit_deterioration.clone().unwrap_or_default(),
            })),
        })
    }
}

/// Terms as a person reads them: `52% (2007) → 50% 2008/09, 48% 2009/10, 45% 2010/11`.
pub fn describe(terms: Option<&pb::Terms>) -> String {
    match terms.and_then(|t| t.kind.as_ref()) {
        None => "-".into(),
        Some(pb::terms::Kind::Placeholder(p)) => {
            format!("placeholder ({}, due {})", p.reason, p.due)
        }
        Some(pb::terms::Kind::Values(v)) => {
            let unit = |x: f64| {
                if v.unit == "percent" {
                    format!("{x}%")
                } else {
                    format!("{x}")
                }
            };
            let base = v
                .baseline
                .as_ref()
                .map(|b| format!("{} ({})", unit(b.value), b.period))
                .unwrap_or_default();
            let years: Vec<String> = v
                .trajectory
                .iter()
                .map(|y| match &y.value {
                    Some(pb::year_value::Value::Amount(a)) => format!("{} {}", y.year, unit(*a)),
                    Some(pb::year_value::Value::DeferredTo(r)) => format!("{} @{r}", y.year),
                    None => format!("{} ?", y.year),
                })
                .collect();
            let shown_unit = if v.unit == "percent" {
                String::new()
            } else {
                format!(" [{}]", v.unit)
            };
            format!("{base} -> {}{shown_unit}", years.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_parse_as_people_write_them() {
        assert_eq!(
            parse_baseline("52% (2007)", None).unwrap(),
            (52.0, "2007".into(), true)
        );
        assert_eq!(
            parse_baseline("1,200 (2006/07)", None).unwrap(),
            (1200.0, "2006/07".into(), false)
        );
        assert_eq!(
            parse_baseline("10.6", Some("2007")).unwrap(),
            (10.6, "2007".into(), false)
        );
        assert!(parse_baseline("52%", None).is_err());
        assert!(parse_baseline("lots (2007)", None).is_err());
    }

    #[test]
    fn trajectories_parse_values_and_deferrals() {
        let t = parse_trajectory("2008/09=50,2009/10=48%,2010/11=@2009").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].value, Some(pb::year_value::Value::Amount(48.0)));
        assert_eq!(
            t[2].value,
            Some(pb::year_value::Value::DeferredTo("2009".into()))
        );
        assert!(parse_trajectory("2008/09:50").is_err());
        assert!(parse_trajectory("2008/09=fifty").is_err());
    }
}
