//! Every command as a form, and the one handler that turns a submitted
//! form into the gRPC request it stands for.
//!
//! A form is declared once in [`FORMS`] (its command, where it appears,
//! its fields); [`build`] parses a submission into a [`Call`], and
//! [`Call::send`] hands it to the engine's service method, the one a gRPC
//! client's call reaches. A form carries the agreement's version it was
//! drawn at (`expected_version`) and a request id made when it was drawn,
//! so a double click or a resubmission after the back button records
//! nothing twice, and a change made meanwhile is a conflict the page
//! explains.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::CommandKind;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_server::Engine;
use maud::{Markup, html};

use crate::Workspace;
use crate::agreement::{self, Shown};
use crate::layout::{self, FieldError, Input};
use crate::refusal::{Refusal, form_field};
use crate::respond::see_other;
use crate::session::Person;

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

/// Every form of the workspace, in the order pages show them.
pub const FORMS: &[FormSpec] = &[
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
        kind: CommandKind::Accept,
        on: On::Target,
        title: "Accept the offer",
        button: "Accept these terms",
        fields: &[],
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

/// The form of `kind`.
pub fn spec(kind: CommandKind) -> Option<&'static FormSpec> {
    FORMS.iter().find(|f| f.kind == kind)
}

/// A submitted form's fields, in order (a field may repeat).
#[derive(Debug, Clone, Default)]
pub struct Submitted(pub Vec<(String, String)>);

impl Submitted {
    /// The first value of `name`, trimmed (empty if absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// True when the checkbox `name` was ticked.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == "true"
    }
}

/// What a form needs to be drawn.
pub struct Drawn<'a> {
    /// The agreement (`kent-2008-11`).
    pub agreement: &'a str,
    /// Its version when drawn.
    pub version: i64,
    /// The target, for a target's form.
    pub target: Option<u32>,
    /// The session's anti-forgery token.
    pub csrf: &'a str,
    /// The values to show (a refused submission's, or defaults).
    pub values: &'a Submitted,
    /// The problems to show with the fields.
    pub errors: &'a [FieldError],
    /// The years of the agreement's period (`2008/09`).
    pub years: &'a [String],
    /// The unit to offer when the values give none.
    pub unit: &'a str,
    /// The request id to send (kept across a refused submission).
    pub request_id: &'a str,
}

/// A form field's id for a year (`2008/09` -> `year-2008-09`).
pub fn year_field(year: &str) -> String {
    format!("year-{}", year.replace('/', "-"))
}

/// Draws a form.
pub fn draw(spec: &FormSpec, d: &Drawn<'_>) -> Markup {
    draw_titled(spec, spec.title, d)
}

/// Draws a form under another heading (a first offer on a target that
/// has none is "Offer terms", not a counter-offer).
pub fn draw_titled(spec: &FormSpec, title: &str, d: &Drawn<'_>) -> Markup {
    let action = format!("{}/agreements/{}/act", crate::ROOT, d.agreement);
    let id = format!("form-{}", spec.kind.as_str());
    html! {
        section.form-section aria-labelledby={ (id) "-title" } {
            h3.heading-m id={ (id) "-title" } { (title) }
            form #(id) method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(d.csrf);
                input type="hidden" name="command" value=(spec.kind.as_str());
                input type="hidden" name="expected_version" value=(d.version);
                input type="hidden" name="request_id" value=(d.request_id);
                @if let Some(t) = d.target { input type="hidden" name="target" value=(t); }
                @for field in spec.fields { (draw_field(*field, d)) }
                button class={ "button" @if spec.warning { " button-warning" } } type="submit" id={ "submit-" (spec.kind.as_str()) } { (spec.button) }
            }
        }
    }
}

fn draw_field(field: Field, d: &Drawn<'_>) -> Markup {
    let v = d.values;
    let input = |id: &'static str, label: &'static str, hint, kind, width| {
        layout::text_input(&Input {
            id,
            label,
            hint,
            kind,
            value: v.get(id),
            errors: d.errors,
            autocomplete: "off",
            width,
        })
    };
    match field {
        Field::Text(id, label, hint) => input(id, label, hint, "text", None),
        Field::Number(id, label, hint) => input(id, label, hint, "decimal", Some("width-10")),
        Field::Long(id, label, hint) => layout::textarea(id, label, hint, v.get(id), d.errors),
        Field::Flag(id, label) => layout::checkbox(id, label, v.flag(id)),
        Field::Indicator => input(
            "indicator_number",
            "National Indicator",
            Some("Its number, for example 117 or NI 117."),
            "text",
            Some("width-10"),
        ),
        Field::Department => {
            let mut options = vec![(String::new(), "The target's department".to_owned())];
            options.extend(laa_core::departments::departments_2008().iter().map(|d| {
                (
                    d.code.as_str().to_owned(),
                    format!("{} ({})", d.name, d.code.as_str()),
                )
            }));
            layout::select(
                "department",
                "Department",
                &options,
                v.get("department"),
                d.errors,
            )
        }
        Field::Terms => draw_terms(d),
    }
}

fn draw_terms(d: &Drawn<'_>) -> Markup {
    let v = d.values;
    let unit = if v.get("unit").is_empty() {
        d.unit
    } else {
        v.get("unit")
    };
    let years: Vec<(String, String)> = d.years.iter().map(|y| (y.clone(), year_field(y))).collect();
    html! {
        fieldset.fieldset {
            legend.fieldset-legend { "Terms" }
            (layout::text_input(&Input { id: "baseline", label: "Baseline", hint: Some("The value the target improves on."), kind: "decimal", value: v.get("baseline"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            (layout::text_input(&Input { id: "baseline_period", label: "Baseline period", hint: Some("For example, 2007 or 2006/07."), kind: "text", value: v.get("baseline_period"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            @for (year, id) in &years {
                (year_input(id, year, v.get(id), d.errors))
            }
            (layout::text_input(&Input { id: "unit", label: "Unit", hint: Some("The indicator's unit, for example percent or count."), kind: "text", value: unit, errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            (layout::textarea("limit_deterioration", "Limiting a deterioration (optional)", Some("Only if the measure is expected to worsen: why."), v.get("limit_deterioration"), d.errors))
            (layout::checkbox("placeholder", "No values yet: agree a placeholder to be set at a refresh", v.flag("placeholder")))
            (layout::select("placeholder_reason", "Placeholder reason", &[
                ("no_baseline".to_owned(), "No baseline yet".to_owned()),
                ("awaiting_survey".to_owned(), "Awaiting a survey".to_owned()),
                ("definition_pending".to_owned(), "Definition pending".to_owned()),
            ], v.get("placeholder_reason"), d.errors))
            (layout::text_input(&Input { id: "placeholder_due", label: "Placeholder due at refresh", hint: Some("For example, 2009."), kind: "text", value: v.get("placeholder_due"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
        }
    }
}

fn year_input(id: &str, year: &str, value: &str, errors: &[FieldError]) -> Markup {
    let label = format!("Value for {year}");
    layout::text_input(&Input {
        id,
        label: &label,
        hint: None,
        kind: "decimal",
        value,
        errors,
        autocomplete: "off",
        width: Some("width-10"),
    })
}

/// Declares [`Call`], one variant per command request, and
/// [`Call::send`], which hands it to the engine's method of that name.
macro_rules! calls {
    ($($variant:ident($request:ty) => $method:ident,)*) => {
        /// A parsed form: the gRPC request it stands for.
        #[derive(Debug)]
        pub enum Call {
            $(
                #[doc = concat!("`", stringify!($method), "`.")]
                $variant($request),
            )*
        }

        impl Call {
            /// Sends the request to the engine's service method on the
            /// person's behalf.
            pub async fn send(
                self,
                engine: &Engine,
                person: &Person,
            ) -> Result<pb::AgreementResponse, tonic::Status> {
                match self {
                    $(Call::$variant(r) => engine.$method(person.request(r)).await.map(tonic::Response::into_inner),)*
                }
            }
        }
    };
}

calls! {
    Propose(pb::ProposeTargetRequest) => propose_target,
    Counter(pb::CounterOfferRequest) => counter_offer,
    Accept(pb::AcceptOfferRequest) => accept_offer,
    Decline(pb::DeclineTargetRequest) => decline_target,
    Withdraw(pb::WithdrawTargetRequest) => withdraw_target,
    Endorse(pb::EndorseAgreementRequest) => endorse_agreement,
    Submit(pb::SubmitAgreementRequest) => submit_agreement,
    Return(pb::ReturnAgreementRequest) => return_agreement,
    SignOff(pb::SignOffAgreementRequest) => sign_off_agreement,
    OpenRefresh(pb::OpenRefreshRequest) => open_refresh,
    RecordActual(pb::RecordActualRequest) => record_actual,
    Revoke(pb::RevokeDesignationRequest) => revoke_designation,
    Close(pb::CloseAgreementRequest) => close_agreement,
    RefuseRequest(pb::RecordRefusedRequestRequest) => record_refused_request,
    RequestAdvice(pb::RequestAdviceRequest) => request_advice,
    RecordAdvice(pb::RecordAdviceRequest) => record_advice,
    Rebaseline(pb::ProposeRebaselineRequest) => propose_rebaseline,
    ApproveRebaseline(pb::ApproveRebaselineRequest) => approve_rebaseline,
    RejectRebaseline(pb::RejectRebaselineRequest) => reject_rebaseline,
    LodgeExplanation(pb::LodgeExplanationRequest) => lodge_explanation,
    DeclarePriorities(pb::DeclarePrioritiesRequest) => declare_priorities,
}

/// Reads the fields of one submission, collecting every problem.
struct Reading<'a> {
    form: &'a Submitted,
    errors: Vec<FieldError>,
}

impl Reading<'_> {
    fn text(&self, id: &str) -> String {
        self.form.get(id).to_owned()
    }

    fn lines(&self, id: &str) -> Vec<String> {
        self.form
            .get(id)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn number(&mut self, id: &str, what: &str) -> Option<f64> {
        let text = self.form.get(id).replace(',', "");
        let text = text.trim().trim_end_matches('%').trim();
        if text.is_empty() {
            self.errors
                .push(FieldError::new(id, format!("Enter {what}")));
            return None;
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.errors.push(FieldError::new(
                    id,
                    format!("Enter {what} as a number, like 52.5"),
                ));
                None
            }
        }
    }

    fn whole(&mut self, id: &str, what: &str, required: bool) -> i32 {
        let text = self.form.get(id);
        if text.is_empty() && !required {
            return 0;
        }
        match text.parse::<i32>() {
            Ok(n) if n > 0 => n,
            _ => {
                self.errors.push(FieldError::new(
                    id,
                    format!("Enter {what} as a whole number, like 3"),
                ));
                0
            }
        }
    }

    /// A National Indicator's number as people write it: `117`, `NI117`,
    /// `NI 117`, `ni117`.
    fn indicator(&mut self) -> i32 {
        let text = self.form.get("indicator_number");
        match indicator_digits(text).parse::<i32>() {
            Ok(n) if n > 0 => n,
            _ => {
                let message = if text.is_empty() {
                    "Enter the National Indicator's number".to_owned()
                } else {
                    "Enter the National Indicator's number, like 117 or NI 117".to_owned()
                };
                self.errors
                    .push(FieldError::new("indicator_number", message));
                0
            }
        }
    }

    fn terms(&mut self, years: &[String]) -> Option<pb::Terms> {
        use pb::terms::Kind;
        if self.form.flag("placeholder") {
            return Some(pb::Terms {
                kind: Some(Kind::Placeholder(pb::Placeholder {
                    reason: self.text("placeholder_reason"),
                    due: self.text("placeholder_due"),
                })),
            });
        }
        let baseline = self.number("baseline", "the baseline");
        let mut trajectory = Vec::with_capacity(years.len());
        for year in years {
            let id = year_field(year);
            let amount = self.number(&id, &format!("the value for {year}"));
            trajectory.push(pb::YearValue {
                year: year.clone(),
                value: amount.map(pb::year_value::Value::Amount),
            });
        }
        Some(pb::Terms {
            kind: Some(Kind::Values(pb::TargetValues {
                unit: self.text("unit"),
                baseline: Some(pb::Baseline {
                    value: baseline?,
                    period: self.text("baseline_period"),
                }),
                trajectory,
                limit_deterioration: self.text("limit_deterioration"),
            })),
        })
    }

    /// Whitehall's priorities, one a line: `statement | DEPT, DEPT`.
    fn priorities(&mut self) -> Vec<pb::Priority> {
        let mut out = Vec::new();
        for (i, line) in self.lines("priorities").iter().enumerate() {
            let Some((statement, departments)) = line.split_once('|') else {
                self.errors.push(FieldError::new(
                    "priorities",
                    format!(
                        "Line {}: write the outcome, a bar, then the departments",
                        i + 1
                    ),
                ));
                continue;
            };
            out.push(pb::Priority {
                statement: statement.trim().to_owned(),
                departments: departments
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect(),
            });
        }
        out
    }

    fn target(&mut self) -> u32 {
        match self.form.get("target").parse::<u32>() {
            Ok(t) => t,
            Err(_) => {
                self.errors
                    .push(FieldError::new("target", "Choose a target"));
                0
            }
        }
    }
}

/// The envelope every form carries.
struct Envelope {
    agreement: String,
    request_id: String,
    expected_version: i64,
}

/// Parses a submission of `kind` on `agreement` into its request, or
/// every problem found with its fields.
pub fn build(
    kind: CommandKind,
    agreement: &str,
    form: &Submitted,
    years: &[String],
) -> Result<Call, Vec<FieldError>> {
    let mut r = Reading {
        form,
        errors: Vec::new(),
    };
    let e = Envelope {
        agreement: agreement.to_owned(),
        request_id: form.get("request_id").to_owned(),
        expected_version: form.get("expected_version").parse().unwrap_or(0),
    };
    let call = match kind {
        CommandKind::Propose => {
            let number = r.indicator();
            let terms = r.terms(years);
            let priority = r.whole("priority", "the priority", false);
            Call::Propose(pb::ProposeTargetRequest {
                agreement: e.agreement,
                request_id: e.request_id,
                expected_version: e.expected_version,
                indicator: Some(pb::propose_target_request::Indicator::IndicatorNumber(
                    number,
                )),
                terms,
                rationale: r.text("rationale"),
                evidence: r.lines("evidence"),
                department: r.text("department"),
                priority,
                occurred_at: None,
            })
        }
        CommandKind::Counter => Call::Counter(pb::CounterOfferRequest {
            target: r.target(),
            terms: r.terms(years),
            rationale: r.text("rationale"),
            evidence: r.lines("evidence"),
            deal_breaker: form.flag("deal_breaker"),
            department: r.text("department"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Accept => Call::Accept(pb::AcceptOfferRequest {
            target: r.target(),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Decline => Call::Decline(pb::DeclineTargetRequest {
            target: r.target(),
            reason: r.text("reason"),
            deal_breaker: form.flag("deal_breaker"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Withdraw => Call::Withdraw(pb::WithdrawTargetRequest {
            target: r.target(),
            reason: r.text("reason"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Endorse => Call::Endorse(pb::EndorseAgreementRequest {
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Submit => Call::Submit(pb::SubmitAgreementRequest {
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Return => Call::Return(pb::ReturnAgreementRequest {
            reason: r.text("reason"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::SignOff => Call::SignOff(pb::SignOffAgreementRequest {
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::OpenRefresh => Call::OpenRefresh(pb::OpenRefreshRequest {
            round: r.text("round"),
            indicator_set: r.whole("indicator_set", "the indicator set", false),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::RecordActual => Call::RecordActual(pb::RecordActualRequest {
            target: r.target(),
            year: r.text("year"),
            value: r.number("value", "the value").unwrap_or_default(),
            source: r.text("source"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Revoke => Call::Revoke(pb::RevokeDesignationRequest {
            target: r.target(),
            reason: r.text("reason"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Close => Call::Close(pb::CloseAgreementRequest {
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::DeclarePriorities => Call::DeclarePriorities(pb::DeclarePrioritiesRequest {
            priorities: r.priorities(),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::RefuseRequest => Call::RefuseRequest(pb::RecordRefusedRequestRequest {
            indicator_number: r.indicator(),
            department: r.text("department"),
            rationale: r.text("rationale"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::RequestAdvice => Call::RequestAdvice(pb::RequestAdviceRequest {
            indicator_number: r.indicator(),
            department: r.text("department"),
            question: r.text("question"),
            target: 0,
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::RecordAdvice => Call::RecordAdvice(pb::RecordAdviceRequest {
            advice: r.whole("advice", "the request number", true),
            answer: r.text("answer"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::Rebaseline => Call::Rebaseline(pb::ProposeRebaselineRequest {
            target: r.target(),
            terms: r.terms(years),
            reason: "measurement_change".to_owned(),
            rationale: r.text("rationale"),
            evidence: r.lines("evidence"),
            department: r.text("department"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::ApproveRebaseline => Call::ApproveRebaseline(pb::ApproveRebaselineRequest {
            target: r.target(),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::RejectRebaseline => Call::RejectRebaseline(pb::RejectRebaselineRequest {
            target: r.target(),
            reason: r.text("reason"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        CommandKind::LodgeExplanation => Call::LodgeExplanation(pb::LodgeExplanationRequest {
            indicator_number: r.indicator(),
            explanation: r.text("explanation"),
            agreement: e.agreement,
            request_id: e.request_id,
            expected_version: e.expected_version,
            occurred_at: None,
        }),
        other => {
            return Err(vec![FieldError::new(
                "command",
                format!("{} has no form in the workspace", other.as_str()),
            )]);
        }
    };
    if r.errors.is_empty() {
        Ok(call)
    } else {
        Err(r.errors)
    }
}

/// `POST /agreements/{id}/act`: one submitted form.
pub async fn act(
    State(workspace): State<Workspace>,
    Path(id): Path<String>,
    person: Person,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = Submitted(fields);
    default_unit(&workspace, &mut form);
    if !person.forms_token_matches(form.get("csrf")) {
        tracing::warn!(token_id = %person.principal.token_id, "a workspace form came without the session's anti-forgery token");
        return crate::respond::html(StatusCode::FORBIDDEN, layout::forbidden());
    }
    let Some(kind) = CommandKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == form.get("command"))
    else {
        return crate::respond::html(StatusCode::UNPROCESSABLE_ENTITY, layout::forbidden());
    };
    let target = form.get("target").parse::<u32>().ok();
    let years = agreement::years_of(&id);
    let call = match build(kind, &id, &form, &years) {
        Ok(call) => call,
        Err(errors) => {
            return agreement::show(
                &workspace,
                &person,
                &id,
                target,
                Shown::refused(kind, form, errors, None),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match call.send(&workspace.engine, &person).await {
        Ok(answer) => {
            let page = match target {
                Some(t) => format!("{}/agreements/{id}/targets/{t}", crate::ROOT),
                None => match answer.target {
                    0 => format!("{}/agreements/{id}", crate::ROOT),
                    t => format!("{}/agreements/{id}/targets/{t}", crate::ROOT),
                },
            };
            let replayed = if answer.replayed { "&replayed=1" } else { "" };
            see_other(&format!("{page}?done={}{replayed}", kind.as_str()))
        }
        Err(status) => {
            let refusal = Refusal::of(&status);
            if refusal.code == tonic::Code::Unauthenticated {
                return see_other(&format!("{}/sign-in", crate::ROOT));
            }
            let errors = if refusal.fields.is_empty() {
                let field = first_field(kind);
                vec![FieldError::new(field, refusal.message.clone())]
            } else {
                refusal
                    .fields
                    .iter()
                    .map(|(path, description)| {
                        FieldError::new(form_field(path, &years), description.clone())
                    })
                    .collect()
            };
            let conflict = refusal.is_conflict().then_some(refusal.clone());
            agreement::show(
                &workspace,
                &person,
                &id,
                target,
                Shown::refused(kind, form, errors, conflict),
                refusal.http_status(),
            )
            .await
        }
    }
}

/// The digits of a National Indicator's number as people write it:
/// `117`, `NI117`, `NI 117`, `ni117`.
fn indicator_digits(text: &str) -> &str {
    text.trim()
        .trim_start_matches(['N', 'n'])
        .trim_start_matches(['I', 'i'])
        .trim()
}

/// Fills an empty unit from the indicator the form names, as the CLI
/// does: the server knows each National Indicator's unit.
fn default_unit(workspace: &Workspace, form: &mut Submitted) {
    if !form.get("unit").is_empty() {
        return;
    }
    let unit = indicator_digits(form.get("indicator_number"))
        .parse::<u16>()
        .ok()
        .and_then(|n| laa_core::IndicatorNumber::new(n).ok())
        .and_then(|n| {
            workspace
                .store
                .catalogue()
                .indicator(n)
                .map(|i| i.unit.as_str())
        });
    if let Some(unit) = unit {
        form.0.retain(|(n, _)| n != "unit");
        form.0.push(("unit".to_owned(), unit.to_owned()));
    }
}

/// The field an error without one links to: the form's first field, or
/// its button.
fn first_field(kind: CommandKind) -> String {
    match spec(kind).and_then(|s| s.fields.first()) {
        Some(
            Field::Text(id, ..) | Field::Long(id, ..) | Field::Number(id, ..) | Field::Flag(id, _),
        ) => (*id).to_owned(),
        Some(Field::Indicator) => "indicator_number".to_owned(),
        Some(Field::Department) => "department".to_owned(),
        Some(Field::Terms) => "baseline".to_owned(),
        None => format!("submit-{}", kind.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_builds_a_request_of_its_own_command() {
        let years = vec![
            "2008/09".to_owned(),
            "2009/10".to_owned(),
            "2010/11".to_owned(),
        ];
        let form = Submitted(
            [
                ("target", "3"),
                ("indicator_number", "NI 117"),
                ("baseline", "10"),
                ("year-2008-09", "9"),
                ("year-2009-10", "8"),
                ("year-2010-11", "7"),
                ("value", "5"),
                ("advice", "1"),
                (
                    "priorities",
                    "Fewer young people not in education | DCSF, DWP",
                ),
            ]
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        );
        for spec in FORMS {
            let call = build(spec.kind, "kent-2008-11", &form, &years)
                .unwrap_or_else(|e| panic!("{}: {e:?}", spec.kind.as_str()));
            let name = format!("{call:?}");
            assert!(!name.is_empty());
        }
    }

    #[test]
    fn a_number_that_is_not_one_names_its_field() {
        let years = vec!["2008/09".to_owned()];
        let form = Submitted(vec![
            ("indicator_number".into(), "ni117".into()),
            ("baseline".into(), "a lot".into()),
            ("year-2008-09".into(), "".into()),
        ]);
        let errors = build(CommandKind::Propose, "kent-2008-11", &form, &years).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["baseline", "year-2008-09"]);
    }
}

#[cfg(test)]
mod documented {
    use super::FORMS;

    /// docs/WORKSPACE.md's form table names every form the workspace draws.
    #[test]
    fn every_form_is_in_the_workspace_guide() {
        let guide = include_str!("../../../docs/WORKSPACE.md");
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
