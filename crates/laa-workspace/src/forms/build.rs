//! A submitted form parsed into the gRPC request it stands for, every
//! problem with its fields collected and named by the field.

use laa_core::CommandKind;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_server::Engine;

use super::draw::year_field;
use crate::layout::FieldError;
use crate::session::Person;

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
    Comment(pb::CommentOnTargetRequest) => comment_on_target,
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
        CommandKind::Comment => Call::Comment(pb::CommentOnTargetRequest {
            target: r.target(),
            text: r.text("text"),
            brokering: form.flag("brokering"),
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

/// The digits of a National Indicator's number as people write it:
/// `117`, `NI117`, `NI 117`, `ni117`.
pub fn indicator_digits(text: &str) -> &str {
    text.trim()
        .trim_start_matches(['N', 'n'])
        .trim_start_matches(['I', 'i'])
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::FORMS;

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
