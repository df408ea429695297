//! One row per method of the contract: whether it writes, who may call it
//! on Kent's agreement (in Kent's scope), and a well-formed request written
//! as JSON. Data, not code: the permission, existence and hostile-input
//! matrices (permissions.rs, existence.rs, hostile.rs) run every row, and
//! a method of the descriptor set without a row fails them ("method X has
//! no row").
//!
//! A request may hold placeholders, filled by [`Row::request`]:
//! `{agreement}` (the agreement's name, `agreements/kent-2008-11`), `{area}`
//! and `{round}` (its area's code and its round), `{rid}` (a fresh id). A
//! request message with a `request_id` or `expected_version` field the row
//! does not give gets a fresh id and the agreement's current version.

use serde_json::Value;

use crate::rpc;
use crate::support::{Tokens, rid};

/// A caller: a role in a scope, or nobody.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// Kent's Government Office (the South East).
    Go,
    /// London's Government Office.
    GoLondon,
    /// Kent's negotiator.
    Kent,
    /// Surrey's negotiator (the South East, another area).
    Surrey,
    /// The national sign-off.
    SignOff,
    /// The national auditor.
    Auditor,
    /// An administrator.
    Admin,
    /// No token at all.
    Anonymous,
}

impl Who {
    /// Every caller.
    pub const ALL: [Who; 8] = [
        Who::Go,
        Who::GoLondon,
        Who::Kent,
        Who::Surrey,
        Who::SignOff,
        Who::Auditor,
        Who::Admin,
        Who::Anonymous,
    ];

    /// The caller's token.
    pub fn token(self, t: &Tokens) -> Option<&str> {
        match self {
            Who::Go => Some(&t.go),
            Who::GoLondon => Some(&t.go_london),
            Who::Kent => Some(&t.kent),
            Who::Surrey => Some(&t.surrey),
            Who::SignOff => Some(&t.sign_off),
            Who::Auditor => Some(&t.auditor),
            Who::Admin => Some(&t.admin),
            Who::Anonymous => None,
        }
    }
}

/// One method: whether it writes, who may call it, and a well-formed
/// request.
#[derive(Debug)]
pub struct Row {
    /// The method's name in the contract.
    pub method: &'static str,
    /// True when the method changes something if it succeeds.
    pub writes: bool,
    /// Who may call it on Kent's agreement; everyone else signed in is
    /// refused `PERMISSION_DENIED` (`OUT_OF_SCOPE`), and nobody is
    /// `UNAUTHENTICATED`. The first is who the hostile-input corpora call
    /// as: one whose well-formed request would succeed where it can (Kent
    /// answers the Government's open offer on target 17).
    pub allowed: &'static [Who],
    /// A well-formed request, as JSON with placeholders.
    pub request: &'static str,
}

/// Where a request points: an agreement, by its area and round.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The area's code (`kent`).
    pub area: &'static str,
    /// The round (`2008-11`).
    pub round: &'static str,
}

/// Kent's agreement of 2008-11, which the matrices act on.
pub const KENT_2008: Target = Target {
    area: "kent",
    round: "2008-11",
};

impl Row {
    /// True when the request names an agreement (or, to open one, its
    /// area and round).
    pub fn names_an_agreement(&self) -> bool {
        ["{agreement}", "{area}", "{round}"]
            .iter()
            .any(|p| self.request.contains(p))
    }

    /// True when the request names a round, which the server checks
    /// against the rounds it knows before anything else.
    pub fn names_a_round(&self) -> bool {
        self.request.contains("{round}")
    }

    /// The request's bytes, on `target` at `version`.
    pub fn request(&self, target: Target, version: i64) -> Vec<u8> {
        let json = filled(self.method, self.request, target, version);
        rpc::encode(&rpc::method(self.method).input, &json)
    }

    /// Every well-formed request of the method as JSON: the row's, then
    /// those [`ALSO`] gives it.
    pub fn requests(&self, target: Target, version: i64) -> Vec<Value> {
        let also = ALSO.iter().filter(|(method, _)| *method == self.method);
        std::iter::once(self.request)
            .chain(also.map(|(_, request)| *request))
            .map(|request| filled(self.method, request, target, version))
            .collect()
    }
}

/// `request`, a request of `method` as JSON with placeholders, filled in
/// for `target` at `version`.
fn filled(method: &str, request: &str, target: Target, version: i64) -> Value {
    let text = request
        .replace(
            "{agreement}",
            &format!("agreements/{}-{}", target.area, target.round),
        )
        .replace("{area}", target.area)
        .replace("{round}", target.round)
        .replace("{rid}", &rid());
    let mut json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method}: the row's JSON: {e}"));
    let input = &rpc::method(method).input;
    let has = |name: &str| {
        laa_proto::contract::contract()
            .fields(input)
            .iter()
            .any(|f| f.name == name)
    };
    let object = json.as_object_mut().expect("an object");
    if has("request_id") && !object.contains_key("request_id") {
        object.insert("request_id".into(), rid().into());
    }
    if has("expected_version") && !object.contains_key("expected_version") {
        object.insert("expected_version".into(), version.into());
    }
    json
}

/// The row of `method`.
pub fn row(method: &str) -> &'static Row {
    ROWS.iter()
        .find(|r| r.method == method)
        .unwrap_or_else(|| panic!("method {method} has no row in tests/api/rows.rs"))
}

use Who::{Admin, Auditor, Go, GoLondon, Kent, SignOff, Surrey};

/// Those who may read an agreement.
const READERS: &[Who] = &[Go, Kent, SignOff, Auditor];
/// Everyone signed in but administrators.
const PARTICIPANTS: &[Who] = &[Go, GoLondon, Kent, Surrey, SignOff, Auditor];
/// Everyone signed in.
const SIGNED_IN: &[Who] = &[Go, GoLondon, Kent, Surrey, SignOff, Auditor, Admin];

/// Percent terms: 8 in 2007, then 7, 6, 5.
macro_rules! percent_terms {
    () => {
        r#"{"values": {"unit": "percent", "baseline": {"value": 8.0, "period": "2007"},
            "trajectory": [{"year": "2008/09", "amount": 7.0},
                           {"year": "2009/10", "amount": 6.0},
                           {"year": "2010/11", "amount": 5.0}]}}"#
    };
}

/// Every method, in the order the permission matrix calls them (an
/// indicator set is created before it is commented on and published).
pub const ROWS: &[Row] = &[
    Row {
        method: "OpenAgreement",
        writes: true,
        allowed: &[Go],
        request: r#"{"area": "areas/{area}", "round": "{round}", "indicator_set": 2007,
                     "expected_version": 0}"#,
    },
    Row {
        method: "GetAgreement",
        writes: false,
        allowed: READERS,
        request: r#"{"name": "{agreement}"}"#,
    },
    Row {
        method: "ListAgreements",
        writes: false,
        allowed: PARTICIPANTS,
        request: "{}",
    },
    Row {
        method: "ListAdviceRequests",
        writes: false,
        allowed: PARTICIPANTS,
        request: r#"{"department": "DCSF", "open_only": true}"#,
    },
    Row {
        method: "ProposeTarget",
        writes: true,
        allowed: &[Go, Kent],
        request: r#"{"agreement": "{agreement}", "indicator_number": 112,
            "terms": {"values": {"unit": "rate_per_1000",
                "baseline": {"value": 40.0, "period": "2007"},
                "trajectory": [{"year": "2008/09", "amount": 38.0},
                               {"year": "2009/10", "amount": 36.0},
                               {"year": "2010/11", "amount": 34.0}]}},
            "rationale": "three-year rolling average", "evidence": ["LSP evidence base"],
            "department": "HO"}"#,
    },
    Row {
        method: "CounterOffer",
        writes: true,
        allowed: &[Kent, Go],
        request: concat!(
            r#"{"agreement": "{agreement}", "target": 17, "rationale": "matrix", "terms": "#,
            percent_terms!(),
            "}"
        ),
    },
    Row {
        method: "ImportTargets",
        writes: true,
        allowed: &[Kent, Go],
        request: concat!(
            r#"{"agreement": "{agreement}", "rows": [{"local_indicator": {"code": "l-imported",
                "title": "Imported from a sheet"}, "rationale": "matrix", "terms": "#,
            percent_terms!(),
            "}]}"
        ),
    },
    Row {
        method: "AcceptOffer",
        writes: true,
        allowed: &[Kent, Go],
        request: r#"{"agreement": "{agreement}", "target": 17}"#,
    },
    Row {
        method: "DeclineTarget",
        writes: true,
        allowed: &[Kent, Go],
        request: r#"{"agreement": "{agreement}", "target": 17, "reason": "matrix"}"#,
    },
    Row {
        method: "WithdrawTarget",
        writes: true,
        allowed: &[Go, Kent],
        request: r#"{"agreement": "{agreement}", "target": 17, "reason": "matrix"}"#,
    },
    Row {
        method: "EndorseAgreement",
        writes: true,
        allowed: &[Kent],
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "SubmitAgreement",
        writes: true,
        allowed: &[Go],
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "ReturnAgreement",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}", "reason": "matrix"}"#,
    },
    Row {
        method: "SignOffAgreement",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "OpenRefresh",
        writes: true,
        allowed: &[Go],
        request: r#"{"agreement": "{agreement}", "round": "2009"}"#,
    },
    Row {
        method: "RecordActual",
        writes: true,
        allowed: &[Kent],
        request: r#"{"agreement": "{agreement}", "target": 1, "year": "2008/09", "value": 50.0,
                     "source": "matrix"}"#,
    },
    Row {
        method: "RevokeDesignation",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}", "target": 17, "reason": "matrix"}"#,
    },
    Row {
        method: "CloseAgreement",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "RecordRefusedRequest",
        writes: true,
        allowed: &[Go],
        request: r#"{"agreement": "{agreement}", "indicator_number": 47, "department": "DfT",
                     "rationale": "matrix"}"#,
    },
    Row {
        method: "ListDepartments",
        writes: false,
        allowed: SIGNED_IN,
        request: "{}",
    },
    Row {
        method: "ListEvents",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "StreamEvents",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}", "from_sequence": 1}"#,
    },
    Row {
        method: "VerifyHistory",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "GetNegotiationSummary",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "ImportHistory",
        writes: true,
        allowed: &[Admin],
        request: r#"{"history": ""}"#,
    },
    Row {
        method: "ListIndicatorSets",
        writes: false,
        allowed: SIGNED_IN,
        request: "{}",
    },
    Row {
        method: "ListIndicators",
        writes: false,
        allowed: SIGNED_IN,
        request: r#"{"indicator_set": "2008"}"#,
    },
    Row {
        method: "GetIndicator",
        writes: false,
        allowed: SIGNED_IN,
        request: r#"{"name": "indicatorSets/2008/indicators/117"}"#,
    },
    Row {
        method: "ListAreas",
        writes: false,
        allowed: SIGNED_IN,
        request: "{}",
    },
    Row {
        method: "GetArea",
        writes: false,
        allowed: SIGNED_IN,
        request: r#"{"name": "areas/kent"}"#,
    },
    Row {
        method: "CreateArea",
        writes: true,
        // Region 8 is REGION_SOUTH_EAST.
        allowed: &[Admin],
        request: r#"{"area": {"code": "new-area-{rid}", "display_name": "A New Unitary",
                     "region": 8, "kind": "unitary"}}"#,
    },
    Row {
        method: "GetPerformance",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "GetReward",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "ListPerformance",
        writes: false,
        allowed: PARTICIPANTS,
        request: "{}",
    },
    Row {
        method: "ProposeRebaseline",
        writes: true,
        allowed: &[Go, Kent],
        request: concat!(
            r#"{"agreement": "{agreement}", "target": 17, "reason": "measurement_change",
                "rationale": "matrix", "terms": "#,
            percent_terms!(),
            "}"
        ),
    },
    Row {
        method: "ApproveRebaseline",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}", "target": 17}"#,
    },
    Row {
        method: "RejectRebaseline",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"agreement": "{agreement}", "target": 17, "reason": "matrix"}"#,
    },
    Row {
        method: "RequestAdvice",
        writes: true,
        allowed: &[Kent],
        request: r#"{"agreement": "{agreement}", "indicator_number": 117, "department": "DCSF",
                     "question": "matrix"}"#,
    },
    Row {
        method: "RecordAdvice",
        writes: true,
        allowed: &[Go],
        request: r#"{"agreement": "{agreement}", "advice": 1, "answer": "matrix"}"#,
    },
    Row {
        method: "AssignChampion",
        writes: true,
        allowed: &[Admin],
        request: r#"{"agreement": "{agreement}", "champion": "clg:matrix", "department": "CLG"}"#,
    },
    Row {
        method: "EndChampionAssignment",
        writes: true,
        allowed: &[Admin],
        request: r#"{"agreement": "{agreement}", "champion": "clg:matrix", "reason": "matrix"}"#,
    },
    Row {
        method: "CommentOnTarget",
        writes: true,
        allowed: &[Go, Kent],
        request: r#"{"agreement": "{agreement}", "target": 17, "text": "matrix"}"#,
    },
    Row {
        method: "LodgeExplanation",
        writes: true,
        allowed: &[Kent],
        request: r#"{"agreement": "{agreement}", "indicator_number": 117,
                     "explanation": "matrix"}"#,
    },
    Row {
        method: "GetTournament",
        writes: false,
        allowed: PARTICIPANTS,
        request: r#"{"indicator_number": 117}"#,
    },
    Row {
        method: "GetIndicatorSet",
        writes: false,
        allowed: SIGNED_IN,
        request: r#"{"name": "indicatorSets/2008"}"#,
    },
    Row {
        method: "CreateIndicatorSet",
        writes: true,
        allowed: &[Admin],
        request: r#"{"version": 2030, "based_on": "2008", "edits": [{"add": {"number": 201,
            "title": "Graffiti removed", "subject_group": "Stronger communities",
            "dso_department": "CLG", "unit": "count", "polarity": "higher_is_better"}}]}"#,
    },
    Row {
        method: "CommentOnIndicatorSet",
        writes: true,
        allowed: SIGNED_IN,
        request: r#"{"indicator_set": "2030", "text": "matrix"}"#,
    },
    Row {
        method: "PublishIndicatorSet",
        writes: true,
        allowed: &[Admin],
        request: r#"{"name": "2030"}"#,
    },
    Row {
        method: "CreateRound",
        writes: true,
        allowed: &[Admin],
        request: "{}",
    },
    Row {
        method: "GetRound",
        writes: false,
        allowed: SIGNED_IN,
        request: r#"{"name": "rounds/2008-11"}"#,
    },
    Row {
        method: "ListRounds",
        writes: false,
        allowed: SIGNED_IN,
        request: "{}",
    },
    Row {
        method: "DeclarePriorities",
        writes: true,
        allowed: &[Go],
        request: r#"{"agreement": "{agreement}", "priorities": [{"statement": "Safer streets",
                     "departments": ["HO", "DCSF"]}]}"#,
    },
    Row {
        method: "RecordIndicatorActual",
        writes: true,
        allowed: &[Kent],
        request: r#"{"agreement": "{agreement}", "indicator_number": 192, "year": "2008/09",
                     "value": 40.0, "source": "matrix"}"#,
    },
    Row {
        method: "NamePartners",
        writes: true,
        allowed: &[Go, Kent],
        request: r#"{"agreement": "{agreement}", "target": 17, "lead": "council",
                     "contributors": ["pct", "police"]}"#,
    },
    Row {
        method: "ListPartners",
        writes: false,
        allowed: SIGNED_IN,
        request: "{}",
    },
    Row {
        method: "GetAreaAssessment",
        writes: false,
        allowed: READERS,
        request: r#"{"agreement": "{agreement}"}"#,
    },
    Row {
        method: "SetAreaPopulation",
        writes: true,
        allowed: &[Admin],
        request: r#"{"area": "areas/surrey", "population": 1098000, "as_of": "2007-06-30",
                     "source": "ONS mid-2007 estimate"}"#,
    },
    Row {
        method: "ProposeNationalTarget",
        writes: true,
        allowed: &[SignOff],
        request: r#"{"round": "rounds/2008-11", "indicator_number": 117, "department": "DCSF",
                     "year": "2010/11", "value": "7.6", "floor": "9", "rationale": "PSA 14"}"#,
    },
    Row {
        method: "GetNationalTrajectory",
        writes: false,
        allowed: PARTICIPANTS,
        request: r#"{"indicator_number": 117}"#,
    },
];

/// Further well-formed requests, for what a row's request leaves out (the
/// other member of a `oneof`): the hostile-input corpus puts a value into
/// a field from the first of a method's requests that holds the field's
/// message, so that the value is the only thing wrong with it.
pub const ALSO: &[(&str, &str)] = &[(
    "ProposeTarget",
    concat!(
        r#"{"agreement": "{agreement}", "local_indicator": {"code": "l-graffiti",
            "title": "Graffiti removed"}, "rationale": "a local priority", "department": "HO",
            "terms": "#,
        percent_terms!(),
        "}"
    ),
)];

#[test]
fn every_method_of_the_contract_has_one_row_and_every_row_a_method() {
    let contract = laa_proto::contract::contract();
    for method in contract.methods() {
        let rows = ROWS.iter().filter(|r| r.method == method.name).count();
        assert_eq!(
            rows, 1,
            "method {} has {rows} rows in tests/api/rows.rs (one expected)",
            method.name
        );
    }
    for row in ROWS {
        assert!(
            contract.method(row.method).is_some(),
            "the row {} names no method of the contract",
            row.method
        );
        // Every row encodes: its names and shapes agree with the descriptor set.
        row.request(KENT_2008, 1);
    }
    for (method, _) in ALSO {
        let input = &rpc::method(method).input;
        for request in row(method).requests(KENT_2008, 1) {
            rpc::encode(input, &request);
        }
    }
}
