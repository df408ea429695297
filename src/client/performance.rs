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

/// A year as one cell: `7.8 → 7.9 off_track` (planned, actual, status).
fn year_cell(y: &pb::YearPerformance) -> String {
    format!(
        "{} {}→ {} {}",
        y.year,
        value(y.planned),
        value(y.actual),
        y.status
    )
    .replace("- → - ", "")
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

/// Targets' performance: a table or CSV (one row a target), or JSON.
pub fn targets(
    out: &Output,
    all: &[pb::TargetPerformance],
    with_area: bool,
) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "AREA",
        "REGION",
        "TARGET",
        "INDICATOR",
        "UNIT",
        "BETTER",
        "BASELINE",
        "YEARS (PLANNED → ACTUAL STATUS)",
        "STATUS",
        "DEPARTMENT",
    ]);
    for t in all {
        rows.push(vec![
            area_code(&t.area).to_owned(),
            pb::Region::try_from(t.region)
                .map(region_code)
                .unwrap_or("?")
                .to_owned(),
            t.target.rsplit('/').next().unwrap_or_default().to_owned(),
            indicator(t),
            t.unit.clone(),
            better(&t.polarity).to_owned(),
            match t.baseline {
                Some(b) => format!("{b} ({})", t.baseline_period),
                None => "placeholder".into(),
            },
            t.years.iter().map(year_cell).collect::<Vec<_>>().join("; "),
            t.status.clone(),
            t.department.clone(),
        ]);
    }
    if !with_area {
        for row in &mut rows.rows {
            row.drain(..2);
        }
        rows.header.drain(..2);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{} targets", all.len());
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
    out.rows(&rows);
    Ok(())
}
