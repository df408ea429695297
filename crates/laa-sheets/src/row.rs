//! One row of cells to the terms it offers on one indicator: every cell
//! read, and every bad one named by its row and column in plain words.

use std::collections::BTreeMap;
use std::str::FromStr;

use laa_core::agreement::IndicatorRef;
use laa_core::ids::LocalIndicatorCode;
use laa_core::terms::names_a_year;
use laa_core::{
    Baseline, Department, FinancialYear, IndicatorNumber, PlaceholderReason, RefreshId, TargetRow,
    Terms, Unit, YearValue, quote,
};
use rust_decimal::Decimal;

use crate::error::CellProblem;
use crate::layout::{Column, Heading};
use crate::read::Cell;

/// What a row holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRead {
    /// Terms offered on an indicator.
    Row(TargetRow),
    /// An indicator named and nothing offered on it.
    Blank {
        /// The indicator, as written.
        indicator: String,
    },
}

/// The prefix that marks a local indicator's code (`local:cycling-trips`).
pub const LOCAL_PREFIX: &str = "local:";

/// The columns whose cells state terms: a row with all of them (and every
/// year) blank offers nothing.
const TERMS_COLUMNS: [Column; 7] = [
    Column::Baseline,
    Column::BaselinePeriod,
    Column::Placeholder,
    Column::Due,
    Column::LimitDeterioration,
    Column::Rationale,
    Column::Evidence,
];

/// One row's cells under their headings, and the problems found so far.
struct Cells<'a> {
    line: usize,
    headings: &'a [Option<Heading>],
    cells: &'a [Cell],
    problems: Vec<CellProblem>,
}

impl Cells<'_> {
    fn cell(&self, column: Column) -> Option<&Cell> {
        let index = self
            .headings
            .iter()
            .position(|h| *h == Some(Heading::Named(column)))?;
        self.cells.get(index).filter(|c| !c.is_blank())
    }

    fn text(&self, column: Column) -> Option<String> {
        self.cell(column).map(Cell::text)
    }

    fn years(&self) -> Vec<(FinancialYear, Option<&Cell>)> {
        let mut years: Vec<_> = self
            .headings
            .iter()
            .enumerate()
            .filter_map(|(i, h)| match h {
                Some(Heading::Year(y)) => Some((*y, self.cells.get(i).filter(|c| !c.is_blank()))),
                _ => None,
            })
            .collect();
        years.sort_by_key(|(y, _)| *y);
        years
    }

    fn refuse(&mut self, column: impl Into<Option<String>>, problem: impl Into<String>) {
        self.problems.push(CellProblem {
            row: self.line,
            column: column.into(),
            problem: problem.into(),
        });
    }

    fn refuse_in(&mut self, column: Column, problem: impl Into<String>) {
        self.refuse(Some(column.heading().to_owned()), problem);
    }
}

/// Reads one row below the header.
pub fn read_row(
    line: usize,
    headings: &[Option<Heading>],
    cells: &[Cell],
    unit_of: &dyn Fn(IndicatorNumber) -> Option<Unit>,
) -> Result<RowRead, Vec<CellProblem>> {
    let mut row = Cells {
        line,
        headings,
        cells,
        problems: Vec::new(),
    };
    for (index, cell) in cells.iter().enumerate() {
        if headings.get(index).copied().flatten().is_none() && !cell.is_blank() {
            row.refuse(
                Some(format!("{}", index + 1)),
                "this column has no heading: name it, or leave its cells empty",
            );
        }
    }
    let Some(written) = row.text(Column::Indicator) else {
        row.refuse_in(
            Column::Indicator,
            "no indicator: name one, such as NI 117, or a local indicator as local:CODE",
        );
        return Err(row.problems);
    };
    let blank = TERMS_COLUMNS.iter().all(|c| row.cell(*c).is_none())
        && row.years().iter().all(|(_, c)| c.is_none());
    if blank && row.problems.is_empty() {
        return Ok(RowRead::Blank { indicator: written });
    }
    let indicator = indicator(&mut row, &written);
    let terms = terms(
        &mut row,
        indicator.as_ref().and_then(IndicatorRef::national),
        unit_of,
    );
    let rationale = row.text(Column::Rationale).unwrap_or_default();
    if rationale.is_empty() {
        row.refuse_in(Column::Rationale, "the argument for the terms is required");
    }
    let evidence = row
        .text(Column::Evidence)
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let department = row.text(Column::Department).and_then(|t| {
        Department::new(t.clone())
            .map_err(|e| row.refuse_in(Column::Department, e.problem))
            .ok()
    });
    let deal_breaker = deal_breaker(&mut row);
    let priority = priority(&mut row);
    match (indicator, terms) {
        (Some(indicator), Some(terms)) if row.problems.is_empty() => Ok(RowRead::Row(TargetRow {
            indicator,
            terms,
            rationale,
            evidence,
            department,
            deal_breaker,
            priority,
        })),
        _ => Err(row.problems),
    }
}

/// `NI 117`, `117`, `ni117`: a National Indicator; `local:CODE`, or a code
/// that is no indicator number: a local indicator, with the row's title.
fn indicator(row: &mut Cells<'_>, written: &str) -> Option<IndicatorRef> {
    let title = row.text(Column::Title).unwrap_or_default();
    let local = |row: &mut Cells<'_>, code: &str| {
        LocalIndicatorCode::new(code.trim().to_ascii_lowercase())
            .map(|code| IndicatorRef::Local {
                code,
                title: title.clone(),
            })
            .map_err(|_| {
                row.refuse_in(
                    Column::Indicator,
                    format!(
                        "{} is neither a National Indicator (NI 117) nor a local indicator's code (lowercase letters, digits and hyphens)",
                        quote(written)
                    ),
                )
            })
            .ok()
    };
    if let Some(code) = written
        .get(..LOCAL_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(LOCAL_PREFIX))
        .map(|_| &written[LOCAL_PREFIX.len()..])
    {
        return local(row, code);
    }
    let upper = written.to_ascii_uppercase();
    let looks_national = upper.starts_with("NI") || upper.chars().all(|c| c.is_ascii_digit());
    match IndicatorNumber::from_str(&upper) {
        Ok(number) => Some(IndicatorRef::National(number)),
        Err(e) if looks_national => {
            row.refuse_in(Column::Indicator, e.problem);
            None
        }
        Err(_) => local(row, written),
    }
}

/// The row's terms: a placeholder, or a baseline and a value (or a
/// deferral) for each year.
fn terms(
    row: &mut Cells<'_>,
    national: Option<IndicatorNumber>,
    unit_of: &dyn Fn(IndicatorNumber) -> Option<Unit>,
) -> Option<Terms> {
    if let Some(reason) = row.text(Column::Placeholder) {
        return placeholder(row, &reason);
    }
    if row.cell(Column::Due).is_some() {
        row.refuse_in(
            Column::Due,
            "a refresh is due only for a placeholder: name its reason in the placeholder column, or leave this empty",
        );
    }
    let unit = match (row.text(Column::Unit), national) {
        (Some(text), _) => Unit::parse(&text)
            .map_err(|e| row.refuse_in(Column::Unit, e.problem))
            .ok(),
        (None, Some(number)) => unit_of(number).or_else(|| {
            row.refuse_in(
                Column::Unit,
                format!("{number}'s unit is not known here: state it (percent, count...)"),
            );
            None
        }),
        (None, None) => {
            row.refuse_in(
                Column::Unit,
                "a local indicator states its unit (percent, count, rate, score...)",
            );
            None
        }
    };
    let baseline = row.cell(Column::Baseline).cloned();
    let baseline = match baseline {
        Some(cell) => number(row, Column::Baseline.heading(), &cell),
        None => {
            row.refuse_in(
                Column::Baseline,
                "the baseline's value is required (or a placeholder's reason instead)",
            );
            None
        }
    };
    let period = row.text(Column::BaselinePeriod);
    match &period {
        Some(p) if !names_a_year(p) || p.chars().count() > 64 => row.refuse_in(
            Column::BaselinePeriod,
            format!(
                "{} does not name the period the baseline describes, such as 2007 or 2006/07",
                quote(p)
            ),
        ),
        Some(_) => {}
        None => row.refuse_in(
            Column::BaselinePeriod,
            "the period the baseline describes is required, such as 2007 or 2006/07",
        ),
    }
    if let (Some(unit), Some(value)) = (unit, baseline) {
        unit.check(value)
            .unwrap_or_else(|e| row.refuse_in(Column::Baseline, e));
    }
    let years = row.years();
    if years.is_empty() {
        row.refuse(
            None,
            "the sheet has no year columns: name one for each year of the period, such as 2008/09",
        );
        return None;
    }
    let mut trajectory = BTreeMap::new();
    let given = years.iter().filter(|(_, c)| c.is_some()).count();
    let years: Vec<(FinancialYear, Option<Cell>)> =
        years.into_iter().map(|(y, c)| (y, c.cloned())).collect();
    for (year, cell) in years {
        // A sheet may cover more years than one round's period (a download
        // of many rounds): a blank year is left out, and the engine says
        // which years of the agreement's period a row lacks.
        let Some(cell) = cell else {
            continue;
        };
        let column = year.to_string();
        let text = cell.text();
        let deferred = text
            .strip_prefix('@')
            .or_else(|| strip_prefix_ci(&text, "deferred to "))
            .or_else(|| strip_prefix_ci(&text, "deferred "));
        let value = match deferred {
            Some(round) => RefreshId::new(round.trim().to_ascii_lowercase())
                .map(|to| YearValue::Deferred { to })
                .map_err(|_| {
                    row.refuse(
                        Some(column.clone()),
                        format!("{} is not a refresh round such as 2009", quote(round)),
                    )
                })
                .ok(),
            None => number(row, &column, &cell).and_then(|v| match unit.map(|u| u.check(v)) {
                Some(Err(e)) => {
                    row.refuse(Some(column.clone()), e);
                    None
                }
                _ => Some(YearValue::Value(v)),
            }),
        };
        if let Some(value) = value {
            trajectory.insert(year, value);
        }
    }
    if given == 0 {
        row.refuse(
            None,
            "no values for the years: give one under each year of the period (or @2009 to defer a year), or a placeholder",
        );
    }
    let (unit, value, period) = (unit?, baseline?, period?);
    if !row.problems.is_empty() {
        return None;
    }
    let terms = Terms::values(unit, Baseline { value, period }, trajectory)
        .map_err(|e| row.refuse(None, e))
        .ok()?;
    Some(match row.text(Column::LimitDeterioration) {
        Some(why) => terms.limiting_deterioration(why),
        None => terms,
    })
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &text[prefix.len()..])
}

/// A placeholder's terms: its reason and the refresh it is due at, and
/// no values beside them.
fn placeholder(row: &mut Cells<'_>, reason: &str) -> Option<Terms> {
    let reason = PlaceholderReason::parse(reason)
        .map_err(|e| row.refuse_in(Column::Placeholder, e.problem))
        .ok();
    let due = match row.text(Column::Due) {
        Some(due) => RefreshId::new(due.to_ascii_lowercase())
            .map_err(|_| {
                row.refuse_in(
                    Column::Due,
                    format!("{} is not a refresh round such as 2009", quote(&due)),
                )
            })
            .ok(),
        None => {
            row.refuse_in(
                Column::Due,
                "a placeholder names the refresh its values are due at, such as 2009",
            );
            None
        }
    };
    for column in [
        Column::Baseline,
        Column::BaselinePeriod,
        Column::LimitDeterioration,
    ] {
        if row.cell(column).is_some() {
            row.refuse_in(
                column,
                "a placeholder has no values: leave this empty, or clear the placeholder",
            );
        }
    }
    let filled: Vec<String> = row
        .years()
        .iter()
        .filter(|(_, c)| c.is_some())
        .map(|(y, _)| y.to_string())
        .collect();
    for year in filled {
        row.refuse(
            Some(year),
            "a placeholder has no values: leave this empty, or clear the placeholder",
        );
    }
    Some(Terms::placeholder(reason?, due?))
}

/// A number: a numeric cell, or text such as `52`, `52%`, `1,200` or
/// `10.6`, read exactly.
fn number(row: &mut Cells<'_>, column: &str, cell: &Cell) -> Option<Decimal> {
    let refuse = |row: &mut Cells<'_>, problem: String| {
        row.refuse(Some(column.to_owned()), problem);
        None
    };
    match cell {
        Cell::Number(n) => match laa_core::decimal::from_f64(*n) {
            Ok(v) => Some(v),
            Err(e) => refuse(row, e.problem),
        },
        Cell::Text(text) => {
            let cleaned = text.trim().trim_end_matches('%').trim().replace(',', "");
            match Decimal::from_str_exact(&cleaned) {
                Ok(v) => Some(v),
                Err(_) => refuse(
                    row,
                    format!("{} is not a number such as 52, 10.6 or 1,200", quote(text)),
                ),
            }
        }
        Cell::Empty => refuse(row, "a number is required".into()),
    }
}

fn deal_breaker(row: &mut Cells<'_>) -> bool {
    match row
        .text(Column::DealBreaker)
        .map(|t| t.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("no" | "n" | "false" | "0") => false,
        Some("yes" | "y" | "true" | "1" | "x") => true,
        Some(other) => {
            row.refuse_in(
                Column::DealBreaker,
                format!("{} is not yes or no", quote(other)),
            );
            false
        }
    }
}

fn priority(row: &mut Cells<'_>) -> Option<u16> {
    let text = row.text(Column::Priority)?;
    match text.parse::<u16>() {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            row.refuse_in(
                Column::Priority,
                format!(
                    "{} is not a declared priority's number (1, 2...): leave it empty for none",
                    quote(&text)
                ),
            );
            None
        }
    }
}
