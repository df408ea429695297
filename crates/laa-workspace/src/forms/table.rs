//! Every form of the workspace, declared once: its command, where it
//! appears, its words and its fields.

use laa_core::CommandKind;

/// Where a form appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The agreement's page.
    Agreement,
    /// A target's page.
    Target,
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    /// A line of text: id, label, hint.
    Text(&'static str, &'static str, Option<&'static str>),
    /// Several lines: id, label, hint.
    Long(&'static str, &'static str, Option<&'static str>),
    /// A checkbox: id, label.
    Flag(&'static str, &'static str),
    /// A checkbox only a negotiating champion is shown (what it asks is
    /// theirs alone to do): id, label.
    ChampionsFlag(&'static str, &'static str),
    /// A number: id, label, hint.
    Number(&'static str, &'static str, Option<&'static str>),
    /// A National Indicator's number.
    Indicator,
    /// A Whitehall department (a code of the departments list).
    Department,
    /// The terms: baseline, each year's value, unit, or a placeholder.
    Terms,
}

/// A form: the command it issues, where it appears, its words and fields.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec {
    /// The command.
    pub kind: CommandKind,
    /// Where it appears.
    pub on: On,
    /// Its heading.
    pub title: &'static str,
    /// Its button.
    pub button: &'static str,
    /// Its fields.
    pub fields: &'static [Field],
    /// True for a form that ends something (its button is red).
    pub warning: bool,
}

const RATIONALE: Field = Field::Long(
    "rationale",
    "Rationale",
    Some("The argument for these terms, from the evidence."),
);
const EVIDENCE: Field = Field::Long(
    "evidence",
    "Evidence",
    Some("One reference a line: documents, data sources (optional)."),
);
const REASON: Field = Field::Long("reason", "Reason", None);

/// Every form of the workspace, in the order pages show them: on a
/// target's page the one-button answer to an offer comes before the long
/// counter-offer form.
pub const FORMS: &[FormSpec] = &[
    FormSpec {
        kind: CommandKind::Accept,
        on: On::Target,
        title: "Accept the offer",
        button: "Accept these terms",
        fields: &[],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Counter,
        on: On::Target,
        title: "Make a counter-offer",
        button: "Send counter-offer",
        fields: &[
            Field::Terms,
            RATIONALE,
            EVIDENCE,
            Field::Department,
            Field::Flag(
                "deal_breaker",
                "Deal-breaker: we will not sign without these terms",
            ),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Decline,
        on: On::Target,
        title: "Decline the target",
        button: "Decline target",
        fields: &[
            REASON,
            Field::Flag(
                "deal_breaker",
                "Deal-breaker: we will not sign an agreement that includes it",
            ),
        ],
        warning: true,
    },
    FormSpec {
        kind: CommandKind::Withdraw,
        on: On::Target,
        title: "Withdraw the target",
        button: "Withdraw target",
        fields: &[REASON],
        warning: true,
    },
    FormSpec {
        kind: CommandKind::Comment,
        on: On::Target,
        title: "Comment on this target",
        button: "Add comment",
        fields: &[
            Field::Long(
                "text",
                "Comment",
                Some("Both sides and the agreement's negotiating champions read it."),
            ),
            Field::ChampionsFlag("brokering", "Brokering: a way through put to both sides"),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RecordActual,
        on: On::Target,
        title: "Record an actual value",
        button: "Record actual",
        fields: &[
            Field::Text("year", "Financial year", Some("For example, 2008/09.")),
            Field::Number("value", "Value", None),
            Field::Text("source", "Source", Some("Where the figure comes from.")),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::NamePartners,
        on: On::Target,
        title: "Name the partners",
        button: "Name partners",
        fields: &[
            Field::Text(
                "lead",
                "Lead partner",
                Some(
                    "The partner answerable for the target: council, district_councils, police, pct, fire_rescue, probation, youth_offending, jobcentre_plus, lsc, national_park, voluntary_sector, business or housing.",
                ),
            ),
            Field::Text(
                "contributors",
                "Contributing partners",
                Some("Codes from the same list, separated by commas (optional)."),
            ),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Rebaseline,
        on: On::Target,
        title: "Propose a re-baselining",
        button: "Propose new baseline",
        fields: &[Field::Terms, RATIONALE, EVIDENCE, Field::Department],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::ApproveRebaseline,
        on: On::Target,
        title: "Approve the re-baselining",
        button: "Approve",
        fields: &[],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RejectRebaseline,
        on: On::Target,
        title: "Reject the re-baselining",
        button: "Reject",
        fields: &[REASON],
        warning: true,
    },
    FormSpec {
        kind: CommandKind::Revoke,
        on: On::Target,
        title: "Revoke the designation",
        button: "Revoke designation",
        fields: &[REASON],
        warning: true,
    },
    FormSpec {
        kind: CommandKind::Propose,
        on: On::Agreement,
        title: "Propose a target",
        button: "Propose target",
        fields: &[
            Field::Indicator,
            Field::Terms,
            RATIONALE,
            EVIDENCE,
            Field::Department,
            Field::Number(
                "priority",
                "Priority served",
                Some("In a round with declared priorities: its number (optional)."),
            ),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Endorse,
        on: On::Agreement,
        title: "Endorse the agreement",
        button: "Endorse these terms",
        fields: &[],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Submit,
        on: On::Agreement,
        title: "Submit to Ministers",
        button: "Submit for sign-off",
        fields: &[],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::SignOff,
        on: On::Agreement,
        title: "Sign off the agreement",
        button: "Sign off",
        fields: &[],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Return,
        on: On::Agreement,
        title: "Return the agreement",
        button: "Return to negotiation",
        fields: &[REASON],
        warning: true,
    },
    FormSpec {
        kind: CommandKind::OpenRefresh,
        on: On::Agreement,
        title: "Open a refresh",
        button: "Open refresh",
        fields: &[
            Field::Text("round", "Refresh round", Some("For example, 2009.")),
            Field::Number(
                "indicator_set",
                "Indicator set",
                Some("A newer published set to rebind to (optional)."),
            ),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::DeclarePriorities,
        on: On::Agreement,
        title: "Declare Whitehall's priorities",
        button: "Declare priorities",
        fields: &[Field::Long(
            "priorities",
            "Priorities",
            Some(
                "One a line: the outcome sought, a bar, and the departments behind it: 'Fewer young people not in education | DCSF, DWP'.",
            ),
        )],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RefuseRequest,
        on: On::Agreement,
        title: "Record a refused request",
        button: "Record refused request",
        fields: &[Field::Indicator, Field::Department, RATIONALE],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RequestAdvice,
        on: On::Agreement,
        title: "Ask a department for advice",
        button: "Send request",
        fields: &[
            Field::Indicator,
            Field::Department,
            Field::Long("question", "Question", None),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RecordAdvice,
        on: On::Agreement,
        title: "Record a department's advice",
        button: "Record advice",
        fields: &[
            Field::Number("advice", "Request number", None),
            Field::Long("answer", "Answer", None),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::RecordIndicatorActual,
        on: On::Agreement,
        title: "Record an actual on an indicator without a target",
        button: "Record indicator actual",
        fields: &[
            Field::Indicator,
            Field::Text("year", "Financial year", Some("For example, 2008/09.")),
            Field::Number("value", "Value", None),
            Field::Text("source", "Source", Some("Where the figure comes from.")),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::LodgeExplanation,
        on: On::Agreement,
        title: "Lodge an explanation",
        button: "Lodge explanation",
        fields: &[
            Field::Indicator,
            Field::Long("explanation", "Explanation", None),
        ],
        warning: false,
    },
    FormSpec {
        kind: CommandKind::Close,
        on: On::Agreement,
        title: "Close the agreement",
        button: "Close agreement",
        fields: &[],
        warning: true,
    },
];

/// The commands that settle the whole agreement, each sent only from a
/// page that first shows everything it covers (the GOV.UK "check your
/// answers" pattern): the page's heading, and what it asks the person to
/// check. A Minister does not sign off, nor an area endorse, from a
/// button beside the negotiation.
pub const CHECKED: &[(CommandKind, &str, &str)] = &[
    (
        CommandKind::Endorse,
        "Check the terms before you endorse them",
        "By endorsing, the area agrees every target below on these terms.",
    ),
    (
        CommandKind::Submit,
        "Check the agreement before you submit it to Ministers",
        "Ministers will be asked to sign off every target below on these terms.",
    ),
    (
        CommandKind::SignOff,
        "Check the agreement before you sign it off",
        "Signing off agrees every target below on these terms for the area's three years, and publishes them.",
    ),
    (
        CommandKind::Close,
        "Check before you close the agreement",
        "A closed agreement takes no more changes: no actuals, refreshes or re-baselining.",
    ),
];

/// The check page of `kind`, if its command is sent only from one.
pub fn checked(kind: CommandKind) -> Option<&'static (CommandKind, &'static str, &'static str)> {
    CHECKED.iter().find(|(k, _, _)| *k == kind)
}

/// The form of `kind`.
pub fn spec(kind: CommandKind) -> Option<&'static FormSpec> {
    FORMS.iter().find(|f| f.kind == kind)
}

#[cfg(test)]
mod documented {
    use super::FORMS;

    /// docs/WORKSPACE.md's form table names every form the workspace draws.
    #[test]
    fn every_form_is_in_the_workspace_guide() {
        let guide = include_str!("../../../../docs/WORKSPACE.md");
        for spec in FORMS {
            let named = format!("`{}`", spec.kind.as_str());
            assert!(
                guide.contains(&named),
                "docs/WORKSPACE.md does not name {named}"
            );
            assert!(
                guide.contains(&format!("*{}*", spec.title)),
                "docs/WORKSPACE.md does not give the title {:?}",
                spec.title
            );
        }
    }
}
