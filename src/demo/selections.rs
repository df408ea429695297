//! The round's data: which indicators each area chooses, who demands them,
//! and the terms offered, all deterministic for a seed.

use laa_core::catalogue::Owner;
use laa_core::{Catalogue, Polarity, Unit};
use laa_proto::v1 as pb;

use super::calendar::RoundCalendar;

/// The Place Survey indicators: no baseline until the survey of autumn 2008.
pub const PLACE_SURVEY: [u16; 18] = [
    1, 2, 3, 4, 5, 6, 17, 21, 22, 23, 27, 37, 41, 42, 119, 138, 139, 140,
];

/// A small deterministic generator (SplitMix64), so a seed replays a round exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Assigns designated indicators to areas so that each indicator is chosen
/// by exactly its Appendix 3d count, spreading them so no area exceeds the
/// cap: the most chosen indicators first, each to the areas with the fewest
/// so far (ties broken by the seed).
pub fn assign_selections(
    catalogue: &Catalogue,
    areas: usize,
    cap: usize,
    seed: u64,
) -> Result<Vec<Vec<u16>>, String> {
    let mut counts: Vec<(u16, usize)> = catalogue
        .indicators()
        .filter_map(|i| {
            i.laa_selections_2008
                .map(|c| (i.number.get(), usize::from(c)))
        })
        .filter(|(_, c)| *c > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut rng = Rng::new(seed);
    let tiebreak: Vec<u64> = (0..areas).map(|_| rng.next()).collect();
    let mut chosen: Vec<Vec<u16>> = vec![Vec::new(); areas];
    for (indicator, count) in counts {
        // A subset of the country takes its share of each count.
        let count = if areas >= 150 {
            count
        } else {
            (count * areas + 75) / 150
        }
        .min(areas);
        let mut order: Vec<usize> = (0..areas).collect();
        order.sort_by_key(|&a| {
            (
                chosen[a].len(),
                tiebreak[a] ^ u64::from(indicator).wrapping_mul(0x2545_F491_4F6C_DD1D),
            )
        });
        for &a in order.iter().take(count) {
            if chosen[a].len() >= cap {
                return Err(format!(
                    "cannot place NI {indicator} without exceeding the cap of {cap}"
                ));
            }
            chosen[a].push(indicator);
        }
    }
    for list in &mut chosen {
        list.sort_unstable();
    }
    Ok(chosen)
}

/// The Whitehall department a Government demand on an indicator is attributed to.
pub fn department_for(catalogue: &Catalogue, number: u16) -> String {
    let Some(i) = laa_core::IndicatorNumber::new(number)
        .ok()
        .and_then(|n| catalogue.indicator(n))
    else {
        return "CLG".into();
    };
    if let Owner::Dso(d) = &i.owner {
        return d.to_string();
    }
    let group = i.subject_group.to_ascii_lowercase();
    if group.starts_with("children") {
        "DCSF"
    } else if group.starts_with("safer") {
        "HO"
    } else if group.starts_with("adult health") {
        "DH"
    } else if group.starts_with("environmental") {
        "Defra"
    } else if group.starts_with("local economy") {
        "BERR"
    } else if group.starts_with("tackling exclusion") {
        "DWP"
    } else {
        "CLG"
    }
    .into()
}

/// How a unit's plausible values relate to a level read as a percentage
/// (30 to 80): the scale to multiply by, and the decimal places kept.
fn scale(unit: Unit) -> (f64, i32) {
    match unit {
        Unit::Percent | Unit::Rate => (1.0, 1),
        Unit::Count => (10.0, 0),
        Unit::RatePer1000 => (0.25, 2),
        Unit::RatePer10000 | Unit::Days => (0.5, 1),
        Unit::RatePer100000 => (10.0, 0),
        Unit::Score | Unit::Minutes => (0.1, 2),
        Unit::Years => (0.25, 1),
        Unit::Kilograms => (15.0, 0),
        Unit::Tonnes => (0.15, 2),
        Unit::Pounds => (10_000.0, 0),
    }
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// NI `n`'s unit and polarity (percent, higher is better, if unknown).
pub fn measure(catalogue: &Catalogue, n: u16) -> (Unit, Polarity) {
    laa_core::IndicatorNumber::new(n)
        .ok()
        .and_then(|n| catalogue.indicator(n))
        .map_or((Unit::Percent, Polarity::HigherIsBetter), |i| {
            (i.unit, i.polarity)
        })
}

/// The baseline for NI `n` from a `level` (30 to 80, read as a
/// percentage), in the indicator's unit.
pub fn baseline_for(catalogue: &Catalogue, n: u16, level: f64) -> f64 {
    let (scale, places) = scale(measure(catalogue, n).0);
    round_to(level * scale, places)
}

/// The value `years` years on from `baseline` at `pace` percent of the
/// baseline a year in NI `n`'s better direction (a negative pace worsens).
pub fn improved(catalogue: &Catalogue, n: u16, baseline: f64, pace: f64, years: f64) -> f64 {
    let (unit, polarity) = measure(catalogue, n);
    let sign = match polarity {
        Polarity::HigherIsBetter => 1.0,
        Polarity::LowerIsBetter => -1.0,
    };
    let value = baseline + sign * baseline * pace / 100.0 * years;
    let value = if unit == Unit::Percent {
        value.clamp(0.0, 100.0)
    } else {
        value.max(0.0)
    };
    round_to(value, scale(unit).1)
}

/// Well-shaped terms for NI `n`: its unit, a plausible baseline for it from
/// `level`, improving by `pace` percent of the baseline a year in the
/// indicator's better direction over `calendar`'s years; the final year
/// deferred to its first refresh when `defer_last`.
pub fn shaped(
    calendar: &RoundCalendar,
    catalogue: &Catalogue,
    n: u16,
    level: f64,
    pace: f64,
    defer_last: bool,
) -> pb::Terms {
    let unit = measure(catalogue, n).0;
    let baseline = baseline_for(catalogue, n, level);
    let years = calendar.years();
    let trajectory = years
        .iter()
        .enumerate()
        .map(|(k, y)| pb::YearValue {
            year: y.clone(),
            value: Some(if defer_last && k == 2 {
                pb::year_value::Value::DeferredTo(calendar.refresh(0))
            } else {
                pb::year_value::Value::Amount(improved(
                    catalogue,
                    n,
                    baseline,
                    pace,
                    k as f64 + 1.0,
                ))
            }),
        })
        .collect();
    pb::Terms {
        kind: Some(pb::terms::Kind::Values(pb::TargetValues {
            unit: unit.as_str().into(),
            baseline: Some(pb::Baseline {
                value: baseline,
                period: calendar.baseline_period(),
            }),
            trajectory,
            limit_deterioration: String::new(),
        })),
    }
}

/// A plausible actual: `pace` of the planned change from the baseline (1
/// is the plan; below it falls short, above it beats it), in the unit's
/// range and precision.
pub fn actual_for(unit: &str, baseline: f64, planned: f64, pace: f64) -> f64 {
    let unit = Unit::parse(unit).unwrap_or(Unit::Score);
    let value = baseline + (planned - baseline) * pace;
    let value = match unit {
        Unit::Percent => value.clamp(0.0, 100.0),
        Unit::Pounds | Unit::Score => value,
        _ => value.max(0.0),
    };
    round_to(value, scale(unit).1)
}

/// A Place Survey indicator's terms: a placeholder due at the round's first refresh.
pub fn placeholder(calendar: &RoundCalendar) -> pb::Terms {
    pb::Terms {
        kind: Some(pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: "awaiting_survey".into(),
            due: calendar.refresh(0),
        })),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn selections_reproduce_appendix_3d_within_the_cap() {
        let catalogue = Catalogue::national().unwrap();
        let chosen = assign_selections(&catalogue, 150, 35, 7).unwrap();
        assert!(chosen.iter().all(|c| c.len() <= 35));
        let mut counts: BTreeMap<u16, u16> = BTreeMap::new();
        for list in &chosen {
            for n in list {
                *counts.entry(*n).or_default() += 1;
            }
        }
        for i in catalogue.indicators() {
            if let Some(expected) = i.laa_selections_2008 {
                assert_eq!(
                    counts.get(&i.number.get()).copied().unwrap_or(0),
                    expected,
                    "NI {}",
                    i.number.get()
                );
            }
        }
        assert_eq!(chosen.iter().map(Vec::len).sum::<usize>(), 4_689);
        assert_eq!(
            assign_selections(&catalogue, 150, 35, 7).unwrap(),
            chosen,
            "deterministic for a seed"
        );
    }

    #[test]
    fn generated_terms_fit_every_indicator() {
        let catalogue = Catalogue::national().unwrap();
        for i in catalogue.indicators() {
            let n = i.number.get();
            let Some(pb::terms::Kind::Values(v)) =
                shaped(&RoundCalendar::FIRST, &catalogue, n, 55.0, 4.0, false).kind
            else {
                panic!("values")
            };
            assert_eq!(v.unit, i.unit.as_str(), "NI {n}");
            let base = v.baseline.unwrap().value;
            let Some(pb::year_value::Value::Amount(last)) = v.trajectory[2].value else {
                panic!("a value")
            };
            match i.polarity {
                Polarity::HigherIsBetter => assert!(last > base, "NI {n}: {base} to {last}"),
                Polarity::LowerIsBetter => assert!(last < base, "NI {n}: {base} to {last}"),
            }
        }
    }

    #[test]
    fn the_seeded_generator_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(2);
            (0..5).map(|_| r.next()).collect::<Vec<_>>()
        });
    }
}
