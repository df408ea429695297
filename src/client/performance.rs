//! Delivery after sign-off as people read it: each target's status per
//! year and overall, and the reward grant's working.

use laa_proto::names::region_code;
use laa_proto::v1 as pb;

use super::args::Format;
use super::error::CliError;
use super::output::{Output, Rows};
use super::render::better;

/// An amount of pounds from the wire as people read money, with its pence
/// ("24000" as "24000.00"); text that is not a number is shown as it is.
fn pounds(amount: &str) -> String {
    amount
        .parse::<rust_decimal::Decimal>()
        .map_or_else(|_| amount.to_owned(), |d| format!("{d:.2}"))
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| x.to_string())
}

fn area_code(area: &str) -> &str {
    area.strip_prefix("areas/").unwrap_or(area)
}

fn indicator(t: &pb::TargetPerformance) -> String {
    if t.indicator_number != 0 {
        format!("NI {}", t.indicator_number)
    } else {
        format!("local {}", t.local_indicator)
    }
}

fn target_id(t: &pb::TargetPerformance) -> String {
    t.target.rsplit('/').next().unwrap_or_default().to_owned()
}

/// A value in its unit, as `laa agreement show` writes terms: `7.5%`, `40`.
fn in_unit(t: &pb::TargetPerformance, v: Option<f64>) -> String {
    match v {
        Some(x) if t.unit == "percent" => format!("{x}%"),
        other => value(other),
    }
}

/// The baseline with its period, and the unit when it is not a percentage:
/// `8% (2007)`, `4120 count (2007/08)`.
fn baseline(t: &pb::TargetPerformance) -> String {
    match t.baseline {
        None => "placeholder".into(),
        Some(_) if t.unit == "percent" || t.unit.is_empty() => {
            format!("{} ({})", in_unit(t, t.baseline), t.baseline_period)
        }
        Some(b) => format!("{b} {} ({})", t.unit, t.baseline_period),
    }
}

/// Targets' performance as rows, one per target and year.
///
/// CSV holds every fact on every row (a spreadsheet filters and pivots
/// it). A table is for an 80-column terminal: a target's own facts on its
/// first row only, its overall status on a last row of its own, and the
/// unit, polarity and department left to CSV and JSON.
pub fn target_rows(all: &[pb::TargetPerformance], with_area: bool, format: Format) -> Rows {
    if format == Format::Csv {
        let mut rows = Rows::new(&[
            "AREA",
            "REGION",
            "TARGET",
            "INDICATOR",
            "UNIT",
            "BETTER",
            "BASELINE",
            "BASELINE PERIOD",
            "DEPARTMENT",
            "YEAR",
            "PLANNED",
            "ACTUAL",
            "SOURCE",
            "YEAR STATUS",
            "OVERALL STATUS",
        ]);
        for t in all {
            for y in &t.years {
                rows.push(vec![
                    area_code(&t.area).to_owned(),
                    pb::Region::try_from(t.region)
                        .map(region_code)
                        .unwrap_or("?")
                        .to_owned(),
                    target_id(t),
                    indicator(t),
                    t.unit.clone(),
                    better(&t.polarity).to_owned(),
                    t.baseline.map(|b| b.to_string()).unwrap_or_default(),
                    t.baseline_period.clone(),
                    t.department.clone(),
                    y.year.clone(),
                    y.planned.map(|v| v.to_string()).unwrap_or_default(),
                    y.actual.map(|v| v.to_string()).unwrap_or_default(),
                    y.source.clone(),
                    y.status.clone(),
                    t.status.clone(),
                ]);
            }
        }
        if !with_area {
            for row in &mut rows.rows {
                row.drain(..2);
            }
            rows.header.drain(..2);
        }
        return rows;
    }
    let mut rows = if with_area {
        Rows::new(&[
            "AREA",
            "TARGET",
            "INDICATOR",
            "YEAR",
            "PLANNED",
            "ACTUAL",
            "STATUS",
        ])
    } else {
        Rows::new(&[
            "TARGET",
            "INDICATOR",
            "BASELINE",
            "YEAR",
            "PLANNED",
            "ACTUAL",
            "STATUS",
        ])
    };
    for t in all {
        let first = if with_area {
            vec![area_code(&t.area).to_owned(), target_id(t), indicator(t)]
        } else {
            vec![target_id(t), indicator(t), baseline(t)]
        };
        for (k, y) in t.years.iter().enumerate() {
            let mut row = if k == 0 {
                first.clone()
            } else {
                vec![String::new(); 3]
            };
            row.extend([
                y.year.clone(),
                in_unit(t, y.planned),
                in_unit(t, y.actual),
                y.status.clone(),
            ]);
            rows.push(row);
        }
        let mut overall = vec![String::new(); 3];
        if t.years.is_empty() {
            overall = first;
        }
        overall.extend([
            "overall".into(),
            String::new(),
            String::new(),
            t.status.clone(),
        ]);
        rows.push(overall);
    }
    rows
}

/// Targets' performance: a table (one row a target and year, then its
/// overall status), CSV (one row a target and year), or JSON.
pub fn targets(
    out: &Output,
    all: &[pb::TargetPerformance],
    with_area: bool,
) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    out.rows(&target_rows(all, with_area, out.format()));
    if out.format() == Format::Table {
        println!("{}", crate::client::words::count(all.len(), "target"));
    }
    Ok(())
}

/// One agreement's performance.
pub fn agreement(out: &Output, p: &pb::AgreementPerformance) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(p);
    }
    if out.format() == Format::Table {
        println!("{} ({} round)", p.agreement, p.round);
    }
    targets(out, &p.targets, false)
}

/// The reward grant and its working.
pub fn reward(out: &Output, r: &pb::Reward) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(r);
    }
    let mut rows = Rows::new(&[
        "TARGET",
        "NI",
        "BETTER",
        "BASELINE",
        "PLANNED",
        "ACTUAL",
        "ACHIEVED %",
        "PAID %",
        "SHARE £",
        "AMOUNT £",
        "WHY",
    ]);
    for l in &r.lines {
        rows.push(vec![
            l.target.rsplit('/').next().unwrap_or_default().to_owned(),
            l.indicator_number.to_string(),
            better(&l.polarity).to_owned(),
            value(l.baseline),
            value(l.planned),
            value(l.actual),
            l.achieved_percent.clone(),
            l.paid_percent.clone(),
            pounds(&l.share),
            pounds(&l.amount),
            l.why.clone(),
        ]);
    }
    // A terminal's table names each target by its indicator and leaves
    // its number, the polarity and each target's share (the policy line's
    // "per target") to CSV and JSON.
    let rows = if out.format() == Format::Table {
        rows.without(&["TARGET", "BETTER", "SHARE £"])
    } else {
        rows
    };
    if out.format() == Format::Table {
        println!("{}", r.agreement);
        if !r.assessed {
            println!(
                "not assessed yet: the reward is assessed once every reward-bearing target has its final year's actual"
            );
            println!(
                "policy: £{} per {} target, nothing below {}%, in full at {}%, multiplier {}",
                pounds(&r.per_target),
                r.bearing,
                r.floor_percent,
                r.full_percent,
                r.multiplier
            );
            return Ok(());
        }
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!(
            "total £{} of a pot of £{} (£{} per {} target, nothing below {}%, in full at {}%, multiplier {})",
            pounds(&r.total),
            pounds(&r.pot),
            pounds(&r.per_target),
            r.bearing,
            r.floor_percent,
            r.full_percent,
            r.multiplier
        );
    }
    Ok(())
}

/// A tournament table.
pub fn tournament(out: &Output, t: &pb::Tournament) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(t);
    }
    let mut rows = Rows::new(&[
        "RANK",
        "AREA",
        "GROUP",
        "BASELINE",
        "ACTUAL",
        "IMPROVEMENT %",
        "GROUP MEDIAN %",
        "VALUE ADDED",
        "PRIZE £",
        "EXPLANATION",
    ]);
    for s in &t.standings {
        rows.push(vec![
            if s.rank == 0 {
                "-".into()
            } else if s.top_quartile {
                format!("{}*", s.rank)
            } else {
                s.rank.to_string()
            },
            area_code(&s.area).to_owned(),
            format!("{} ({})", s.group, s.group_size),
            s.baseline.to_string(),
            format!("{} ({})", s.actual, s.year),
            s.improvement_percent.clone(),
            s.group_median.clone(),
            if s.rank == 0 {
                s.unranked_because.clone()
            } else {
                s.value_added.clone()
            },
            s.prize.clone(),
            s.explanation.clone(),
        ]);
    }
    if out.format() == Format::Table {
        println!(
            "tournament on NI {} ({} round, {}): similar areas by {}, groups of at least {}, top quartile (*) prize £{}",
            t.indicator_number,
            t.round,
            t.polarity.replace('_', " "),
            t.similar_by,
            t.min_group_size,
            t.prize
        );
    }
    // A terminal's table leaves the baseline and the group's median to
    // CSV and JSON: the improvement and value added are worked from them.
    let rows = if out.format() == Format::Table {
        rows.without(&["BASELINE", "GROUP MEDIAN %"])
    } else {
        rows
    };
    out.rows(&rows);
    Ok(())
}
