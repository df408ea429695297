//! A target's baseline, trajectory and actuals as a small inline SVG chart,
//! drawn by the server: axis labels with the unit, the plan dashed, the
//! actuals solid, a title and description for screen readers (the table
//! beside it is the full text alternative). No script, no inline styles:
//! colours are presentation attributes, which a Content-Security-Policy
//! without `'unsafe-inline'` allows.

use maud::{Markup, html};
use rust_decimal::prelude::ToPrimitive;

use laa_core::{Target, YearValue};

use crate::facts::{unit_words, values};

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 44.0;

/// The GOV.UK palette's blue (the plan) and black (the actuals).
const PLAN: &str = "#1d70b8";
const ACTUAL: &str = "#0b0c0c";
const GRID: &str = "#b1b4b6";

/// Round tick values spanning `lo..=hi`: about four steps of 1, 2, 2.5 or
/// 5 times a power of ten.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = if (hi - lo).abs() < f64::EPSILON {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let rough = (hi - lo) / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let first = (lo / step).floor();
    let mut out = Vec::new();
    for k in 0..=20 {
        let t = (first + f64::from(k)) * step;
        out.push(t);
        if t >= hi - step * 1e-9 {
            break;
        }
    }
    out
}

fn label(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The chart of one target with values; `None` for a placeholder.
/// `id` makes the title and description ids unique on the page.
pub fn chart(target: &Target, id: &str, title: &str) -> Option<Markup> {
    let v = values(target)?;
    let unit = v.unit;
    // Columns: the baseline, then each year of the period.
    let mut columns: Vec<String> = vec![format!("Baseline {}", v.baseline.period)];
    let mut plan: Vec<(usize, f64)> = vec![(0, v.baseline.value.to_f64()?)];
    let mut actual: Vec<(usize, f64)> = Vec::new();
    for (i, (year, planned)) in v.trajectory.iter().enumerate() {
        columns.push(year.to_string());
        if let YearValue::Value(p) = planned {
            plan.push((i + 1, p.to_f64()?));
        }
        if let Some(a) = target.actuals.get(year) {
            actual.push((i + 1, a.value.to_f64()?));
        }
    }
    let all: Vec<f64> = plan.iter().chain(&actual).map(|(_, y)| *y).collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ticks = ticks(lo, hi);
    let (y0, y1) = (ticks[0], *ticks.last()?);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / columns.len() as f64;
    let y = |value: f64| TOP + plot_h * (1.0 - (value - y0) / (y1 - y0));
    let path = |points: &[(usize, f64)]| {
        points
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let title_id = format!("{id}-chart-title");
    let desc_id = format!("{id}-chart-desc");
    let describe = |points: &[(usize, f64)], what: &str| {
        points
            .iter()
            .map(|(i, v)| format!("{what} {} {}", columns[*i], label(*v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let desc = format!(
        "Values in {}. {}. {}.",
        unit_words(unit),
        describe(&plan, "planned"),
        if actual.is_empty() {
            "No actual values recorded yet".to_owned()
        } else {
            describe(&actual, "actual")
        }
    );
    let axis_unit = match unit {
        laa_core::Unit::Percent => "%",
        laa_core::Unit::Pounds => "£",
        other => unit_words(other),
    };
    Some(html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-labelledby=(format!("{title_id} {desc_id}")) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { "Chart: " (title) }
            desc id=(desc_id) { (desc) }
            @for t in &ticks {
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.1}", y(*t))) y2=(format!("{:.1}", y(*t)))
                    stroke=(GRID) stroke-width="1" {}
                text x=(LEFT - 8.0) y=(format!("{:.1}", y(*t) + 5.0)) text-anchor="end" font-size="17" fill=(ACTUAL) {
                    (label(*t))
                }
            }
            text x="14" y=(TOP + plot_h / 2.0) font-size="17" fill=(ACTUAL) text-anchor="middle"
                transform=(format!("rotate(-90 14 {})", TOP + plot_h / 2.0)) { (axis_unit) }
            @for (i, c) in columns.iter().enumerate() {
                @let (first, second) = c.split_once(' ').unwrap_or((c.as_str(), ""));
                text x=(format!("{:.1}", x(i))) y=(HEIGHT - BOTTOM + 20.0) text-anchor="middle" font-size="17" fill=(ACTUAL) {
                    (first)
                }
                @if !second.is_empty() {
                    text x=(format!("{:.1}", x(i))) y=(HEIGHT - BOTTOM + 40.0) text-anchor="middle" font-size="17" fill=(ACTUAL) {
                        (second)
                    }
                }
            }
            polyline points=(path(&plan)) fill="none" stroke=(PLAN) stroke-width="3" stroke-dasharray="8 5" {}
            @for (i, v) in &plan {
                circle cx=(format!("{:.1}", x(*i))) cy=(format!("{:.1}", y(*v))) r="5" fill="#ffffff" stroke=(PLAN) stroke-width="3" {}
            }
            @if actual.len() > 1 {
                polyline points=(path(&actual)) fill="none" stroke=(ACTUAL) stroke-width="3" {}
            }
            @for (i, v) in &actual {
                rect x=(format!("{:.1}", x(*i) - 6.0)) y=(format!("{:.1}", y(*v) - 6.0)) width="12" height="12" fill=(ACTUAL) {}
                text x=(format!("{:.1}", x(*i) + 10.0)) y=(format!("{:.1}", y(*v) - 10.0)) font-size="17" font-weight="bold" fill=(ACTUAL) {
                    (label(*v))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(6.5, 8.0), vec![6.5, 7.0, 7.5, 8.0]);
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(ticks(5.0, 5.0), vec![4.0, 4.5, 5.0, 5.5, 6.0]);
    }

    proptest! {
        #[test]
        fn ticks_cover_any_range(lo in -1e6f64..1e6, span in 0f64..1e6) {
            let t = ticks(lo, lo + span);
            prop_assert!(t.len() >= 2 && t.len() <= 12, "{t:?}");
            prop_assert!(t[0] <= lo + 1e-9);
            prop_assert!(*t.last().unwrap() >= lo + span - 1e-9);
            prop_assert!(t.windows(2).all(|w| w[1] > w[0]));
        }
    }
}
