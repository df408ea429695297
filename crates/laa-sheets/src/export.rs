//! What a download holds: each live target of one or many agreements, with
//! the terms on the table (the open offer, else the terms agreed), in the
//! columns an import reads back.

use laa_core::agreement::{Agreement, IndicatorRef, Target};
use laa_core::{Department, FinancialYear, IndicatorNumber, Side, Terms, YearValue};

/// Whose terms a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermsShown {
    /// The open offer, made by this side.
    Offer(Side),
    /// The terms agreed (no offer is open).
    Agreed,
    /// None yet (a statutory target awaiting terms).
    Awaited,
}

impl TermsShown {
    /// As written in the `terms` column: `offer by area`, `offer by
    /// government`, `agreed`, or empty.
    pub fn as_text(self) -> String {
        match self {
            TermsShown::Offer(side) => format!("offer by {side}"),
            TermsShown::Agreed => "agreed".into(),
            TermsShown::Awaited => String::new(),
        }
    }
}

/// One target as a row of a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetTarget {
    /// The agreement (`kent-2008-11`).
    pub agreement: String,
    /// The target's number within it.
    pub target: u32,
    /// statutory, designated or local.
    pub kind: String,
    /// The target's status (draft, agreed...).
    pub status: String,
    /// Whose terms the row shows.
    pub shown: TermsShown,
    /// The indicator.
    pub indicator: IndicatorRef,
    /// A National Indicator's title where the writer knows it (written,
    /// not read back); a local indicator's is written from `indicator`.
    pub title: String,
    /// The terms shown, if any.
    pub terms: Option<Terms>,
    /// The open offer's argument (empty for terms agreed).
    pub rationale: String,
    /// The open offer's evidence.
    pub evidence: Vec<String>,
    /// The open offer's department (a Government offer's).
    pub department: Option<Department>,
    /// The open offer is a deal-breaker.
    pub deal_breaker: bool,
}

/// A download: its rows, and the years it has a column for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sheet {
    /// The financial years with a column, in order: the periods of its
    /// agreements and every year their terms name.
    pub years: Vec<FinancialYear>,
    /// The rows, in the order given.
    pub targets: Vec<SheetTarget>,
}

impl Sheet {
    /// A sheet of these rows, with a column for each of `years` and for
    /// every year the rows' terms name.
    pub fn new(targets: Vec<SheetTarget>, years: impl IntoIterator<Item = FinancialYear>) -> Self {
        let mut sheet = Sheet {
            years: years.into_iter().collect(),
            targets,
        };
        for terms in sheet.targets.iter().filter_map(|t| t.terms.as_ref()) {
            if let Terms::Values(values) = terms {
                sheet.years.extend(values.trajectory.keys().copied());
            }
        }
        sheet.years.sort();
        sheet.years.dedup();
        sheet
    }

    /// This sheet followed by another's rows (a region, a round: one
    /// agreement after another).
    pub fn append(&mut self, other: Sheet) {
        *self = Sheet::new(
            std::mem::take(&mut self.targets)
                .into_iter()
                .chain(other.targets)
                .collect(),
            std::mem::take(&mut self.years)
                .into_iter()
                .chain(other.years),
        );
    }
}

/// An agreement's live targets as a sheet, by target number, with a
/// column for each year of its period. `title_of` gives a National
/// Indicator's title where the caller knows it.
pub fn from_agreement(
    agreement: &Agreement,
    title_of: &dyn Fn(IndicatorNumber) -> Option<String>,
) -> Sheet {
    let years: Vec<FinancialYear> = agreement
        .policy()
        .map(|p| p.period.years().collect())
        .unwrap_or_default();
    let targets = agreement
        .targets
        .values()
        .filter(|t| t.is_live())
        .map(|t| sheet_target(agreement.id.as_str(), t, title_of))
        .collect();
    Sheet::new(targets, years)
}

fn sheet_target(
    agreement: &str,
    target: &Target,
    title_of: &dyn Fn(IndicatorNumber) -> Option<String>,
) -> SheetTarget {
    let title = target
        .indicator
        .national()
        .and_then(title_of)
        .unwrap_or_default();
    let mut row = SheetTarget {
        agreement: agreement.to_owned(),
        target: target.id.get(),
        kind: target.kind.as_str().to_owned(),
        status: target.status.as_str().to_owned(),
        shown: TermsShown::Awaited,
        indicator: target.indicator.clone(),
        title,
        terms: None,
        rationale: String::new(),
        evidence: Vec::new(),
        department: None,
        deal_breaker: false,
    };
    if let Some(offer) = &target.open_offer {
        row.shown = TermsShown::Offer(offer.side);
        row.terms = Some(offer.terms.clone());
        row.rationale = offer.rationale.clone();
        row.evidence = offer.evidence.clone();
        row.department = offer.department.clone();
        row.deal_breaker = offer.deal_breaker;
    } else if let Some(agreed) = &target.agreed {
        row.shown = TermsShown::Agreed;
        row.terms = Some(agreed.clone());
    }
    row
}

/// A year's value as written: the number, or `deferred to ROUND`.
pub(crate) fn year_text(value: &YearValue) -> Option<String> {
    match value {
        YearValue::Value(_) => None,
        YearValue::Deferred { to } => Some(format!("deferred to {to}")),
    }
}
