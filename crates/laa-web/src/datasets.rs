//! The open datasets, each a [`Table`] whose rows are written from the
//! read model as they are made: the same rows the pages show, at stable
//! addresses under `/data/`.

use std::io::{self, Write};

use laa_core::catalogue::Owner;
use laa_core::{Catalogue, IndicatorRef, Terms, YearValue};

use crate::facts::{Verdict, polarity, values, verdict, year_verdict};
use crate::model::{Snapshot, Tally};
use crate::names::{department_name, region_name};
use crate::table::{Cell, Table, TableWriter};

/// The names of the datasets, in the order the open data page lists them.
pub const DATASETS: [&str; 4] = ["areas", "targets", "indicators", "assessment"];

/// The heading of the dataset called `name` (what it holds and its
/// columns), if there is one: what the open data page lists, with no row
/// made.
pub fn heading(name: &str) -> Option<Table> {
    match name {
        "areas" => Some(areas_heading()),
        "targets" => Some(targets_heading()),
        "indicators" => Some(indicators_heading()),
        "assessment" => Some(assessment_heading()),
        _ => None,
    }
}

/// Writes the rows of the dataset called `name` (see [`heading`]) into
/// `out`, one at a time.
pub fn write_rows<W: Write>(
    name: &str,
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    out: &mut TableWriter<W>,
) -> io::Result<()> {
    match name {
        "areas" => areas(snapshot, out),
        "targets" => targets(snapshot, catalogue, out),
        "indicators" => indicators(snapshot, catalogue, out),
        "assessment" => assessment(snapshot, catalogue, out),
        _ => Ok(()),
    }
}

fn tally_cells(tally: &Tally) -> Vec<Cell> {
    let mut cells = vec![Cell::from(tally.total())];
    for v in Verdict::ALL {
        cells.push(Cell::from(tally.count(v)));
    }
    cells
}

fn areas_heading() -> Table {
    Table {
        name: "areas".into(),
        description: "One row per area and signed-off agreement: its targets and how many stand at each verdict.".into(),
        columns: vec![
            "region", "region_name", "area", "area_name", "agreement", "status", "signed_off",
            "targets", "on_track", "off_track", "met", "missed", "no_data",
        ],
    }
}

/// One row per area and public agreement (an area without one has a row
/// with its agreement empty): the England page's table.
pub fn areas<W: Write>(snapshot: &Snapshot, out: &mut TableWriter<W>) -> io::Result<()> {
    for area in snapshot.areas.iter() {
        let agreements: Vec<_> = snapshot.of_area(&area.code).collect();
        let base = || {
            vec![
                Cell::from(area.region.code()),
                Cell::from(region_name(area.region)),
                Cell::from(area.code.as_str()),
                Cell::from(area.name.as_str()),
            ]
        };
        if agreements.is_empty() {
            let mut row = base();
            row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
            row.extend(tally_cells(&Tally::default()));
            out.row(&row)?;
        }
        for p in agreements {
            let mut row = base();
            row.push(Cell::from(p.id.as_str()));
            row.push(Cell::from(p.record.agreement.status.as_str()));
            row.push(Cell::from(
                p.record
                    .agreement
                    .first_signed_off_at
                    .map(|t| t.date_naive().to_string()),
            ));
            row.extend(tally_cells(&p.tally()));
            out.row(&row)?;
        }
    }
    Ok(())
}

fn targets_heading() -> Table {
    Table {
        name: "targets".into(),
        description: "One row per target of a signed-off agreement and year of its period: the plan, the actual value and the verdicts.".into(),
        columns: vec![
            "agreement", "area", "area_name", "region", "target", "kind", "indicator_number",
            "local_code", "title", "department", "unit", "polarity", "baseline", "baseline_period",
            "placeholder_reason", "placeholder_due", "year", "planned", "deferred_to", "actual",
            "year_verdict", "overall_verdict",
        ],
    }
}

/// One row per public target and year of its period: planned and actual
/// values and the verdicts.
pub fn targets<W: Write>(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    out: &mut TableWriter<W>,
) -> io::Result<()> {
    for p in &snapshot.published {
        let Some(policy) = p.record.agreement.policy() else {
            continue;
        };
        let area = snapshot.area(p.area.as_str());
        for t in p.targets() {
            let (number, code, title) = match &t.indicator {
                IndicatorRef::National(n) => (
                    Cell::Int(i64::from(n.get())),
                    Cell::Empty,
                    Cell::from(catalogue.indicator(*n).map(|i| i.title.clone())),
                ),
                IndicatorRef::Local { code, title } => (
                    Cell::Empty,
                    Cell::from(code.as_str()),
                    Cell::from(title.as_str()),
                ),
            };
            let indicator = t
                .indicator
                .national()
                .and_then(|n| p.record.agreement.measure(catalogue, n));
            let overall = verdict(t, policy, indicator);
            let (placeholder, due) = match &t.agreed {
                Some(Terms::Placeholder { reason, due }) => {
                    (Cell::from(reason.as_str()), Cell::from(due.as_str()))
                }
                _ => (Cell::Empty, Cell::Empty),
            };
            for year in policy.period.years() {
                let v = values(t);
                let (planned, deferred) = match v.and_then(|v| v.trajectory.get(&year)) {
                    Some(YearValue::Value(x)) => (Cell::from(*x), Cell::Empty),
                    Some(YearValue::Deferred { to }) => (Cell::Empty, Cell::from(to.as_str())),
                    None => (Cell::Empty, Cell::Empty),
                };
                out.row(&[
                    Cell::from(p.id.as_str()),
                    Cell::from(p.area.as_str()),
                    Cell::from(area.map(|a| a.name.clone())),
                    Cell::from(p.region.code()),
                    Cell::from(t.id.get()),
                    Cell::from(t.kind.as_str()),
                    number.clone(),
                    code.clone(),
                    title.clone(),
                    Cell::from(t.department.as_ref().map(|d| department_name(d).to_owned())),
                    Cell::from(v.map(|v| v.unit.as_str())),
                    Cell::from(polarity(indicator, t).map(|p| p.code())),
                    Cell::from(v.map(|v| v.baseline.value)),
                    Cell::from(v.map(|v| v.baseline.period.clone())),
                    placeholder.clone(),
                    due.clone(),
                    Cell::from(year.to_string()),
                    planned,
                    deferred,
                    Cell::from(t.actuals.get(&year).map(|a| a.value)),
                    Cell::from(year_verdict(t, year, policy, indicator).map(|v| v.code())),
                    Cell::from(overall.code()),
                ])?;
            }
        }
    }
    Ok(())
}

fn indicators_heading() -> Table {
    Table {
        name: "indicators".into(),
        description: "One row per National Indicator and set version: its standing, how many of the 150 LAAs chose it in 2008 (Appendix 3d) and how many signed-off agreements here carry it.".into(),
        columns: vec![
            "set_version", "set_status", "number", "title", "subject_group", "psa",
            "dso_department", "statutory", "status", "laa_selections_2008", "agreements_here",
        ],
    }
}

/// One row per indicator and set version: its standing, and how many areas chose it.
pub fn indicators<W: Write>(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    out: &mut TableWriter<W>,
) -> io::Result<()> {
    let choosing = snapshot.choosing();
    for set in catalogue.sets() {
        for (number, status) in &set.members {
            let Some(i) = catalogue.indicator(*number) else {
                continue;
            };
            let (psa, dso) = match &i.owner {
                Owner::Psa(n) => (Cell::Int(i64::from(*n)), Cell::Empty),
                Owner::Dso(d) => (Cell::Empty, Cell::from(d.as_str())),
                Owner::Unassigned => (Cell::Empty, Cell::Empty),
            };
            out.row(&[
                Cell::Int(i64::from(set.version.get())),
                Cell::from(match set.status {
                    laa_core::SetStatus::Draft => "draft",
                    laa_core::SetStatus::Published => "published",
                }),
                Cell::Int(i64::from(number.get())),
                Cell::from(i.title.as_str()),
                Cell::from(i.subject_group.as_str()),
                psa,
                dso,
                Cell::Bool(i.statutory),
                Cell::from(match status {
                    laa_core::IndicatorStatus::Active => "active",
                    laa_core::IndicatorStatus::Withdrawn => "withdrawn",
                }),
                Cell::from(i.laa_selections_2008.map(u32::from)),
                Cell::from(choosing.get(number).copied().unwrap_or(0)),
            ])?;
        }
    }
    Ok(())
}

fn assessment_heading() -> Table {
    Table {
        name: "assessment".into(),
        description: "Each signed-off agreement's assessment in two parts (recommendation 2): one row per negotiated target (part negotiated: its verdict, lead and contributing partners, and rank among similar areas), then one row per other National Indicator the area reported (part wider: its latest actual against the median of the areas of the same kind, its position and quartile).".into(),
        columns: vec![
            "agreement", "area", "area_name", "comparator_group", "part", "target", "kind",
            "indicator_number", "local_code", "title", "polarity", "verdict", "lead_partner",
            "contributing_partners", "tournament_rank", "tournament_group_size", "year", "value",
            "group_size", "group_median", "position", "quartile", "not_placed_because",
        ],
    }
}

/// One row per public agreement's negotiated target, then one per other
/// indicator it reported: the area page's assessment, part by part.
pub fn assessment<W: Write>(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    out: &mut TableWriter<W>,
) -> io::Result<()> {
    for p in &snapshot.published {
        let Some(a) = snapshot.assessment(p, catalogue) else {
            continue;
        };
        let area = snapshot.area(p.area.as_str());
        let base = || {
            vec![
                Cell::from(p.id.as_str()),
                Cell::from(p.area.as_str()),
                Cell::from(area.map(|a| a.name.clone())),
                Cell::from(a.group.as_str()),
            ]
        };
        for t in &a.negotiated.targets {
            let perf = &t.performance;
            let (number, code) = match &perf.indicator {
                IndicatorRef::National(n) => (Cell::Int(i64::from(n.get())), Cell::Empty),
                IndicatorRef::Local { code, .. } => (Cell::Empty, Cell::from(code.as_str())),
            };
            let mut row = base();
            row.extend([
                Cell::from("negotiated"),
                Cell::from(perf.target.get()),
                Cell::from(perf.kind.as_str()),
                number,
                code,
                Cell::from(perf.title.as_str()),
                Cell::from(crate::facts::Polarity::from(perf.polarity).code()),
                Cell::from(crate::facts::status_verdict(perf.overall).code()),
                Cell::from(t.partners.as_ref().map(|n| n.lead.to_string())),
                Cell::from(t.partners.as_ref().map(|n| {
                    n.contributors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                })),
                Cell::from(t.standing.as_ref().and_then(|s| s.rank)),
                Cell::from(
                    t.standing
                        .as_ref()
                        .map(|s| u32::try_from(s.group_size).unwrap_or(u32::MAX)),
                ),
            ]);
            row.extend(std::iter::repeat_n(Cell::Empty, 7));
            out.row(&row)?;
        }
        for c in &a.wider {
            let mut row = base();
            row.extend([
                Cell::from("wider"),
                Cell::Empty,
                Cell::Empty,
                Cell::Int(i64::from(c.indicator.get())),
                Cell::Empty,
                Cell::from(c.title.as_str()),
                Cell::from(crate::facts::Polarity::from(c.polarity).code()),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::from(c.year.to_string()),
                Cell::from(c.value),
                Cell::from(u32::try_from(c.group_size).unwrap_or(u32::MAX)),
                Cell::from(c.group_median),
                Cell::from(c.position),
                Cell::from(c.quartile.map(u32::from)),
                Cell::from(c.unplaced_because.clone()),
            ]);
            out.row(&row)?;
        }
    }
    Ok(())
}
