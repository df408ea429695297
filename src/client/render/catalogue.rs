//! Indicators, indicator sets, departments, areas and rounds.

use laa_proto::v1 as pb;

use super::*;
use crate::client::args::Format;
use crate::client::error::CliError;
use crate::client::output::{Output, Rows};

/// Indicators, one line each.
pub fn indicators(out: &Output, all: &[pb::Indicator]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "NI",
        "STATUS",
        "STATUTORY",
        "LAAS",
        "UNIT",
        "BETTER",
        "GROUP",
        "TITLE",
    ]);
    for i in all {
        rows.push(vec![
            i.number.to_string(),
            i.status.clone(),
            if i.statutory {
                "yes".into()
            } else {
                String::new()
            },
            i.laa_selections_2008
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            i.unit.clone(),
            better(&i.polarity).into(),
            i.subject_group.clone(),
            i.title.clone(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{}", crate::client::words::count(all.len(), "indicator"));
    }
    Ok(())
}

/// One indicator.
pub fn indicator(out: &Output, i: &pb::Indicator) -> Result<(), CliError> {
    if out.format() != Format::Table {
        return if out.format() == Format::Json {
            out.message(i)
        } else {
            indicators(out, std::slice::from_ref(i))
        };
    }
    println!("NI {}: {}", i.number, i.title);
    println!("subject group: {}", i.subject_group);
    println!("measured in: {}, {} is better", i.unit, better(&i.polarity));
    if i.psa != 0 {
        println!("linked to: PSA {}", i.psa);
    } else if !i.dso_department.is_empty() {
        println!("linked to: {} DSO", i.dso_department);
    }
    println!(
        "status: {}{}",
        i.status,
        if i.statutory { " (statutory)" } else { "" }
    );
    if let Some(n) = i.laa_selections_2008 {
        println!("chosen by {n} of the 150 LAAs in 2008");
    }
    for r in &i.relations {
        let other = if r.first == i.number {
            r.second
        } else {
            r.first
        };
        println!("related to NI {other}: {}", r.note);
    }
    Ok(())
}

/// Which way is better, in one word: `higher` or `lower`.
pub fn better(polarity: &str) -> &str {
    polarity.strip_suffix("_is_better").unwrap_or(polarity)
}

/// Indicator set versions.
pub fn indicator_sets(out: &Output, all: &[pb::IndicatorSet]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["SET", "STATUS", "ACTIVE", "CONSULTATION CLOSES"]);
    for s in all {
        rows.push(vec![
            s.version.to_string(),
            s.status.clone(),
            s.active_count.to_string(),
            s.consultation_closes.clone(),
        ]);
    }
    out.rows(&rows);
    Ok(())
}

/// The departments and agencies a Government offer may name.
pub fn departments(out: &Output, all: &[pb::Department]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["CODE", "KIND", "NAME"]);
    for d in all {
        rows.push(vec![d.code.clone(), d.kind.clone(), d.display_name.clone()]);
    }
    out.rows(&rows);
    Ok(())
}

/// The partners a target's lead and contributing partners are named from.
pub fn partners(out: &Output, all: &[pb::Partner]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["CODE", "KIND", "NAME"]);
    for p in all {
        rows.push(vec![p.code.clone(), p.kind.clone(), p.display_name.clone()]);
    }
    out.rows(&rows);
    Ok(())
}

/// Areas, one line each.
pub fn areas(out: &Output, all: &[pb::Area]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&["CODE", "REGION", "KIND", "NAME"]);
    for a in all {
        rows.push(vec![
            a.code.clone(),
            region(a.region),
            a.kind.clone(),
            a.display_name.clone(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!("{}", crate::client::words::count(all.len(), "area"));
    }
    Ok(())
}

/// One area.
/// Rounds, one line each: the period, the cap, the statutory count, the
/// refreshes with their deadlines, the priorities limit (and the limit on
/// the Government's own targets, if any), the reward, and whether an
/// accepted re-baselining awaits Ministers.
pub fn rounds(out: &Output, all: &[pb::Round]) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.messages(all);
    }
    let mut rows = Rows::new(&[
        "ROUND",
        "YEARS",
        "CAP",
        "STATUTORY",
        "REFRESHES (DUE BY)",
        "PRIORITIES",
        "REWARD",
        "RE-BASELINING",
    ]);
    for r in all {
        rows.push(vec![
            r.round.clone(),
            match (r.years.first(), r.years.last()) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => String::new(),
            },
            r.designated_cap.to_string(),
            r.statutory_indicators.len().to_string(),
            r.refreshes
                .iter()
                .map(|f| format!("{} ({})", f.refresh, f.deadline))
                .collect::<Vec<_>>()
                .join(", "),
            match (r.max_whitehall_priorities, r.max_government_targets) {
                (None, None) => "no limit".to_owned(),
                (p, None) => p.map_or_else(String::new, |n| n.to_string()),
                (p, Some(g)) => format!(
                    "{} (Government targets: at most {g})",
                    p.map_or_else(|| "no limit".to_owned(), |n| n.to_string())
                ),
            },
            format!("GBP {}", r.reward_per_target),
            if r.rebaseline_needs_ministers {
                "Ministers approve".to_owned()
            } else {
                "on acceptance".to_owned()
            },
        ]);
    }
    out.rows(&rows);
    Ok(())
}

/// One round.
pub fn round(out: &Output, r: &pb::Round) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(r);
    }
    rounds(out, std::slice::from_ref(r))
}

pub fn area(out: &Output, a: &pb::Area) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(a);
    }
    areas(out, std::slice::from_ref(a))
}

/// A national trajectory built bottom-up (recommendation 15): one row for
/// the baseline and each year (the local targets alone, and with every
/// other area at the floor), then the areas counted and the proposal
/// beside the implied figure.
pub fn national_trajectory(out: &Output, t: &pb::NationalTrajectory) -> Result<(), CliError> {
    if out.format() == Format::Json {
        return out.message(t);
    }
    let mut rows = Rows::new(&[
        "YEAR",
        "LOCAL TARGETS",
        "NATIONAL",
        "WITH VALUE",
        "AT FLOOR",
    ]);
    for r in &t.rows {
        rows.push(vec![
            if r.year.is_empty() {
                "baseline".to_owned()
            } else {
                r.year.clone()
            },
            r.local.clone(),
            r.national.clone(),
            r.areas_with_value.to_string(),
            r.areas_at_floor.to_string(),
        ]);
    }
    out.rows(&rows);
    if out.format() == Format::Table {
        println!(
            "NI {} in {} ({}, {}): {} with a target (population {}), {} without{}",
            t.indicator_number,
            t.round,
            t.unit,
            t.aggregation.replace('_', "-"),
            crate::client::words::count(t.areas_with_target as usize, "area"),
            t.population_with_target,
            t.areas_without_target,
            if t.floor.is_empty() {
                ", no floor stated".to_owned()
            } else {
                format!(" at the floor {}", t.floor)
            }
        );
        if !t.areas_without_population.is_empty() {
            println!(
                "left out, no population recorded: {}",
                t.areas_without_population.join(", ")
            );
        }
        if let Some(p) = &t.proposal {
            println!(
                "proposed by {}: {} in {} ({})",
                p.department, p.value, p.year, p.rationale
            );
        }
        if let Some(g) = &t.gap {
            println!(
                "gap: proposed {} against {} implied, {} ({})",
                g.proposed,
                g.implied,
                g.difference,
                if g.more_demanding {
                    "more demanding than the local targets carry"
                } else {
                    "within what the local targets carry"
                }
            );
        }
    }
    Ok(())
}
