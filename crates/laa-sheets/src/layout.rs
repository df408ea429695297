//! The one column layout, both ways: the headings written, the spellings
//! read, and which columns an import acts on.
//!
//! Besides the named columns, every heading that is a financial year
//! (`2008/09`, `2008-09`, `2008/2009`) is a year of the trajectory.

use laa_core::FinancialYear;

/// A named column of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Written on export: the agreement (`kent-2008-11`). Not read.
    Agreement,
    /// Written on export: the target's number. Not read.
    Target,
    /// Written on export: statutory, designated or local. Not read.
    Kind,
    /// Written on export: the target's status. Not read.
    Status,
    /// Written on export: whose terms the row shows (`offer` by a side,
    /// `agreed`). Not read.
    Terms,
    /// Required: the indicator (`NI 117`, `117`, `ni117`), or a local
    /// indicator's code (`local:cycling-trips`, or the code alone).
    Indicator,
    /// The local indicator's title (required to propose a local target);
    /// a National Indicator's title is written on export and not read.
    Title,
    /// The unit; blank means the National Indicator's own.
    Unit,
    /// The baseline's value.
    Baseline,
    /// The period the baseline describes (`2007`, `2006/07`).
    BaselinePeriod,
    /// A placeholder's reason (no_baseline, awaiting_survey,
    /// definition_pending), for terms to be set at a refresh.
    Placeholder,
    /// The refresh a placeholder is due at (`2009`).
    Due,
    /// Why the measure is expected to worsen, for a target that limits a
    /// deterioration; blank for one that promises improvement.
    LimitDeterioration,
    /// For a Government offer, the department it speaks for.
    Department,
    /// Required: the argument for the terms.
    Rationale,
    /// References to the evidence, one a line.
    Evidence,
    /// `yes` when the side will not sign without these terms.
    DealBreaker,
    /// A Government proposal's declared Whitehall priority, from 1.
    Priority,
}

impl Column {
    /// Every named column, in the order written (the years come after
    /// [`Column::BaselinePeriod`]).
    pub const ALL: [Column; 18] = [
        Column::Agreement,
        Column::Target,
        Column::Kind,
        Column::Status,
        Column::Terms,
        Column::Indicator,
        Column::Title,
        Column::Unit,
        Column::Baseline,
        Column::BaselinePeriod,
        Column::Placeholder,
        Column::Due,
        Column::LimitDeterioration,
        Column::Department,
        Column::Rationale,
        Column::Evidence,
        Column::DealBreaker,
        Column::Priority,
    ];

    /// The heading written.
    pub fn heading(self) -> &'static str {
        match self {
            Column::Agreement => "agreement",
            Column::Target => "target",
            Column::Kind => "kind",
            Column::Status => "status",
            Column::Terms => "terms",
            Column::Indicator => "indicator",
            Column::Title => "title",
            Column::Unit => "unit",
            Column::Baseline => "baseline",
            Column::BaselinePeriod => "baseline period",
            Column::Placeholder => "placeholder",
            Column::Due => "due",
            Column::LimitDeterioration => "limit deterioration",
            Column::Department => "department",
            Column::Rationale => "rationale",
            Column::Evidence => "evidence",
            Column::DealBreaker => "deal-breaker",
            Column::Priority => "priority",
        }
    }

    /// True for the columns an import reads (the others are written on
    /// export, for people, and accepted and passed over on import).
    pub fn is_read(self) -> bool {
        !matches!(
            self,
            Column::Agreement | Column::Target | Column::Kind | Column::Status | Column::Terms
        )
    }

    /// True for the columns a sheet to import must have.
    pub fn is_required(self) -> bool {
        matches!(self, Column::Indicator | Column::Rationale)
    }
}

/// What a heading names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Heading {
    /// A named column.
    Named(Column),
    /// A year of the trajectory.
    Year(FinancialYear),
}

/// Reads a heading: any case, with spaces, underscores or hyphens between
/// words (`Baseline period`, `baseline_period`, `Deal breaker`); a year
/// as `2008/09`; `NI` for the indicator. `None` for a heading not in
/// the layout.
pub fn heading(text: &str) -> Option<Heading> {
    let text = text.trim();
    if let Ok(year) = text.parse::<FinancialYear>() {
        return Some(Heading::Year(year));
    }
    let key: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    let named = match key.as_str() {
        "ni" | "indicatornumber" => Column::Indicator,
        "localtitle" | "indicatortitle" => Column::Title,
        "baselinevalue" => Column::Baseline,
        "period" => Column::BaselinePeriod,
        "placeholderreason" => Column::Placeholder,
        "dealbreaker" => Column::DealBreaker,
        other => Column::ALL.into_iter().find(|c| {
            c.heading()
                .chars()
                .filter(|ch| !matches!(ch, ' ' | '-'))
                .collect::<String>()
                == other
        })?,
    };
    Some(Heading::Named(named))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_read_in_the_spellings_people_use() {
        for (text, expected) in [
            ("indicator", Some(Heading::Named(Column::Indicator))),
            ("NI", Some(Heading::Named(Column::Indicator))),
            (
                "Baseline period",
                Some(Heading::Named(Column::BaselinePeriod)),
            ),
            (
                "baseline_period",
                Some(Heading::Named(Column::BaselinePeriod)),
            ),
            ("Deal breaker", Some(Heading::Named(Column::DealBreaker))),
            ("DEAL-BREAKER", Some(Heading::Named(Column::DealBreaker))),
            (
                "limit deterioration",
                Some(Heading::Named(Column::LimitDeterioration)),
            ),
            ("2008/09", Some(Heading::Year("2008/09".parse().unwrap()))),
            ("2009-10", Some(Heading::Year("2009/10".parse().unwrap()))),
            ("colour", None),
        ] {
            assert_eq!(heading(text), expected, "{text}");
        }
    }

    #[test]
    fn every_heading_written_is_read_back_as_its_column() {
        for column in Column::ALL {
            assert_eq!(heading(column.heading()), Some(Heading::Named(column)));
        }
    }
}
