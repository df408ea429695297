//! A given/when/then harness, so tests read like the negotiation they describe.
//!
//! ```ignore
//! Negotiation::opened()
//!     .given(&go(), propose(117, values_pct(12, [11, 10, 9])))
//!     .when(&area(), accept(17))
//!     .then_ok();
//! ```

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use laa_core::*;
use rust_decimal::Decimal;

/// The embedded National Indicator Set, parsed once.
pub static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::national().expect("the embedded catalogue parses"));

pub fn area_code(s: &str) -> AreaCode {
    AreaCode::new(s).expect("test area code")
}

pub fn refresh(s: &str) -> RefreshId {
    RefreshId::new(s).expect("test refresh id")
}

pub fn year(s: &str) -> FinancialYear {
    s.parse().expect("test year")
}

pub fn set(v: u16) -> SetVersion {
    SetVersion::new(v).expect("test set version")
}

pub fn ni(n: u16) -> IndicatorNumber {
    IndicatorNumber::new(n).expect("test indicator number")
}

pub fn tid(n: u32) -> TargetId {
    TargetId::new(n).expect("test target id")
}

pub fn dept(s: &str) -> Department {
    Department::new(s).expect("test department")
}

/// Kent's GO negotiator (South East).
pub fn go() -> Actor {
    Actor::new(
        "gose:negotiator",
        Role::GoNegotiator,
        Scope::Region(Region::SouthEast),
    )
}

/// A London GO negotiator: outside Kent's region.
pub fn go_london() -> Actor {
    Actor::new(
        "gol:negotiator",
        Role::GoNegotiator,
        Scope::Region(Region::London),
    )
}

/// Kent County Council's negotiator.
pub fn area() -> Actor {
    Actor::new(
        "kent:negotiator",
        Role::AreaNegotiator,
        Scope::Area(area_code("kent")),
    )
}

/// Surrey's negotiator: same region, other area.
pub fn other_area() -> Actor {
    Actor::new(
        "surrey:negotiator",
        Role::AreaNegotiator,
        Scope::Area(area_code("surrey")),
    )
}

/// A Minister / CLG sign-off principal.
pub fn minister() -> Actor {
    Actor::new("clg:minister", Role::SignOff, Scope::National)
}

/// A CLG auditor.
pub fn auditor() -> Actor {
    Actor::new("clg:auditor", Role::Auditor, Scope::National)
}

/// A negotiating champion from CLG; assigned to nothing until a test assigns them.
pub fn champion() -> Actor {
    Actor::new("clg:champion", Role::Champion, Scope::National)
}

/// An administrator.
pub fn admin() -> Actor {
    Actor::new("admin", Role::Admin, Scope::National)
}

/// Percent terms: a baseline (2007) and the three years' values.
pub fn pct(baseline: i64, trajectory: [i64; 3]) -> Terms {
    values(
        Unit::Percent,
        Decimal::from(baseline),
        trajectory.map(Decimal::from),
    )
}

/// Terms in a unit with exact decimal values.
pub fn values(unit: Unit, baseline: Decimal, trajectory: [Decimal; 3]) -> Terms {
    let years = ["2008/09", "2009/10", "2010/11"];
    let trajectory: BTreeMap<_, _> = years
        .iter()
        .zip(trajectory)
        .map(|(y, v)| (year(y), YearValue::Value(v)))
        .collect();
    Terms::values(
        unit,
        Baseline {
            value: baseline,
            period: "2007".into(),
        },
        trajectory,
    )
    .expect("test terms are valid")
}

/// NI `n`'s unit and polarity, from the catalogue (percent and higher is
/// better for a number it does not hold).
pub fn measure(n: u16) -> (Unit, Polarity) {
    IndicatorNumber::new(n)
        .ok()
        .and_then(|n| CATALOGUE.indicator(n))
        .map_or((Unit::Percent, Polarity::HigherIsBetter), |i| {
            (i.unit, i.polarity)
        })
}

/// Terms on NI `n` in its own unit, with these values.
pub fn on(n: u16, baseline: i64, trajectory: [i64; 3]) -> Terms {
    values(
        measure(n).0,
        Decimal::from(baseline),
        trajectory.map(Decimal::from),
    )
}

/// Well-shaped terms on NI `n`: its unit, from 50 two a year in its better direction.
pub fn fitting(n: u16) -> Terms {
    match measure(n).1 {
        Polarity::HigherIsBetter => on(n, 50, [52, 54, 56]),
        Polarity::LowerIsBetter => on(n, 50, [48, 46, 44]),
    }
}

/// The statutory indicator of the 2008-11 round whose target is numbered `id` (1 to 16).
pub fn statutory(id: u32) -> u16 {
    laa_core::policy::STATUTORY_2008[id as usize - 1]
}

/// Percent terms whose last year is deferred to the 2009 refresh (as the education targets were).
pub fn pct_deferred(baseline: i64, first: i64, second: i64) -> Terms {
    let Terms::Values(mut v) = pct(baseline, [first, second, second]) else {
        unreachable!()
    };
    v.trajectory.insert(
        year("2010/11"),
        YearValue::Deferred {
            to: refresh("2009"),
        },
    );
    Terms::Values(v)
}

/// A placeholder due at the 2009 refresh.
pub fn placeholder(reason: PlaceholderReason) -> Terms {
    Terms::placeholder(reason, refresh("2009"))
}

pub fn propose(n: u16, terms: Terms) -> Command {
    Command::ProposeTarget {
        priority: None,
        indicator: IndicatorRef::National(ni(n)),
        terms,
        rationale: format!("NI {n} matters here: three-year rolling average"),
        evidence: vec!["LSP evidence base 2007".into()],
        department: None,
    }
}

pub fn propose_for(n: u16, terms: Terms, department: &str) -> Command {
    let Command::ProposeTarget {
        indicator,
        terms,
        rationale,
        evidence,
        ..
    } = propose(n, terms)
    else {
        unreachable!()
    };
    Command::ProposeTarget {
        priority: None,
        indicator,
        terms,
        rationale,
        evidence,
        department: Some(dept(department)),
    }
}

pub fn counter(target: u32, terms: Terms) -> Command {
    Command::CounterOffer {
        target: tid(target),
        terms,
        rationale: "the evidence supports a different figure".into(),
        evidence: vec![],
        deal_breaker: false,
        department: None,
    }
}

/// A counter-offer naming the department it speaks for.
pub fn counter_for(target: u32, terms: Terms, department: &str) -> Command {
    Command::CounterOffer {
        target: tid(target),
        terms,
        rationale: "the evidence supports a different figure".into(),
        evidence: vec![],
        deal_breaker: false,
        department: Some(laa_core::Department::new(department).unwrap()),
    }
}

pub fn accept(target: u32) -> Command {
    Command::AcceptOffer {
        target: tid(target),
    }
}

pub fn decline(target: u32, deal_breaker: bool) -> Command {
    Command::DeclineTarget {
        target: tid(target),
        reason: "not a local priority".into(),
        deal_breaker,
    }
}

pub fn withdraw(target: u32) -> Command {
    Command::WithdrawTarget {
        target: tid(target),
        reason: "replaced".into(),
    }
}

pub fn open_cmd(policy: RoundPolicy, set_version: u16) -> Command {
    Command::OpenAgreement {
        area: area_code("kent"),
        region: Region::SouthEast,
        policy,
        indicator_set: set(set_version),
    }
}

pub fn open_refresh(round: &str, rebind: Option<u16>) -> Command {
    Command::OpenRefresh {
        round: refresh(round),
        indicator_set: rebind.map(set),
    }
}

/// Government proposals must name the department asking; in these tests a
/// GO proposal that names none is made for CLG (tests about departments name
/// their own, and `when_exactly` sends a command untouched).
fn for_clg_by_default(actor: &Actor, command: Command) -> Command {
    match command {
        Command::ProposeTarget {
            indicator,
            terms,
            rationale,
            evidence,
            department: None,
            priority,
        } if actor.role == Role::GoNegotiator => Command::ProposeTarget {
            priority,
            indicator,
            terms,
            rationale,
            evidence,
            department: Some(dept("CLG")),
        },
        other => other,
    }
}

/// An agreement under negotiation, with its whole history kept.
#[derive(Clone, Debug)]
pub struct Negotiation {
    pub state: Agreement,
    pub history: Vec<Event>,
    pub now: DateTime<Utc>,
    /// The date the next commands carry (`occurred_at`); `None`: now.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl Negotiation {
    /// Nothing yet: Kent's 2008-11 agreement, unopened, in January 2008.
    pub fn unopened() -> Self {
        Self {
            state: Agreement::unopened(AgreementId::new("kent-2008-11").expect("id")),
            history: Vec::new(),
            now: Utc
                .with_ymd_and_hms(2008, 1, 7, 9, 0, 0)
                .single()
                .expect("time"),
            occurred_at: None,
        }
    }

    /// Moves the clock commands are decided at.
    pub fn clock(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// Moves the clock to July 2011, after the 2008-11 period: every
    /// year's actual can be recorded (an actual is the year's outturn).
    pub fn after_the_period(self) -> Self {
        self.clock(
            Utc.with_ymd_and_hms(2011, 7, 1, 9, 0, 0)
                .single()
                .expect("time"),
        )
    }

    /// Dates the next commands (`occurred_at`), or stops dating them.
    pub fn dated(mut self, occurred_at: Option<DateTime<Utc>>) -> Self {
        self.occurred_at = occurred_at;
        self
    }

    /// Kent's agreement opened by its GO on set 2007 under the 2008-11 rules.
    pub fn opened() -> Self {
        Self::opened_with(RoundPolicy::round_2008_11(), 2007)
    }

    /// Opened under another policy or set.
    pub fn opened_with(policy: RoundPolicy, set_version: u16) -> Self {
        Self::unopened().given(&go(), open_cmd(policy, set_version))
    }

    /// Opened, with every statutory target offered by the GO and accepted by the area.
    pub fn statutory_settled() -> Self {
        Self::statutory_settled_under(RoundPolicy::round_2008_11())
    }

    /// [`Self::statutory_settled`] under another policy, on set 2007.
    pub fn statutory_settled_under(policy: RoundPolicy) -> Self {
        let mut n = Self::opened_with(policy, 2007);
        let statutory: Vec<TargetId> = n
            .state
            .live_targets()
            .filter(|t| t.kind == TargetKind::Statutory)
            .map(|t| t.id)
            .collect();
        for id in statutory {
            n = n
                .given(&go(), counter(id.get(), pct_deferred(60, 62, 64)))
                .given(&area(), accept(id.get()));
        }
        n
    }

    /// Moves the clock on.
    pub fn days_later(mut self, days: i64) -> Self {
        self.now += Duration::days(days);
        self
    }

    /// A command that must succeed; its events join the history.
    pub fn given(mut self, actor: &Actor, command: Command) -> Self {
        let shown = format!("{command:?}");
        match self.decide(actor, command) {
            Ok(events) => {
                for event in &events {
                    assert_decimals_written_one_way(event);
                    apply(&mut self.state, event);
                }
                self.history.extend(events);
                self
            }
            Err(e) => panic!(
                "given step refused ({}): {e}\n  command: {shown}",
                e.reason()
            ),
        }
    }

    /// Proposes and has the other side accept, returning the new target's id.
    pub fn agreed_target(
        self,
        proposer: &Actor,
        acceptor: &Actor,
        n: u16,
        terms: Terms,
    ) -> (Self, u32) {
        let id = self.state.next_target.get();
        (
            self.given(proposer, propose(n, terms))
                .given(acceptor, accept(id)),
            id,
        )
    }

    /// The command under test.
    pub fn when(&self, actor: &Actor, command: Command) -> Outcome {
        Outcome {
            before: self.clone(),
            result: self.decide(actor, command),
        }
    }

    fn decide(&self, actor: &Actor, command: Command) -> Result<Vec<Event>, DomainError> {
        self.decide_exactly(actor, for_clg_by_default(actor, command))
    }

    /// Decides the command exactly as given (no department filled in).
    pub fn when_exactly(&self, actor: &Actor, command: Command) -> Outcome {
        Outcome {
            before: self.clone(),
            result: self.decide_exactly(actor, command),
        }
    }

    fn decide_exactly(&self, actor: &Actor, command: Command) -> Result<Vec<Event>, DomainError> {
        let ctx = Context {
            now: self.now,
            catalogue: &CATALOGUE,
            expected_version: Some(self.state.version),
            occurred_at: self.occurred_at,
        };
        decide(&self.state, command, actor, &ctx)
    }

    /// Decides with an explicit expected version.
    pub fn when_at_version(&self, actor: &Actor, command: Command, version: u64) -> Outcome {
        let ctx = Context {
            now: self.now,
            catalogue: &CATALOGUE,
            expected_version: Some(version),
            occurred_at: self.occurred_at,
        };
        Outcome {
            before: self.clone(),
            result: decide(&self.state, command, actor, &ctx),
        }
    }

    /// The target on a National Indicator.
    pub fn target_on(&self, n: u16) -> &Target {
        self.state
            .live_target_on(&IndicatorRef::National(ni(n)))
            .unwrap_or_else(|| panic!("no live target on NI {n}"))
    }

    /// Endorse, submit and sign off.
    pub fn signed_off(self) -> Self {
        self.given(&area(), Command::EndorseAgreement)
            .given(&go(), Command::SubmitAgreement)
            .given(&minister(), Command::SignOffAgreement)
    }
}

/// Asserts that every decimal in an event's JSON is in its one written
/// form (`laa_core::decimal::written`): no string in it looks like a
/// decimal with a trailing zero after its point (`24000.0`, `12.50`), a
/// bare point, or a negative zero. Every event a test records passes here,
/// so a decimal field that forgets the written form fails some test.
pub fn assert_decimals_written_one_way(event: &Event) {
    fn walk(value: &serde_json::Value, kind: &str) {
        match value {
            serde_json::Value::String(s) => {
                let digits = s.strip_prefix('-').unwrap_or(s);
                let decimal_shaped = !digits.is_empty()
                    && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && digits.chars().filter(|c| *c == '.').count() <= 1
                    && digits.starts_with(|c: char| c.is_ascii_digit());
                let trailing =
                    digits.contains('.') && (digits.ends_with('0') || digits.ends_with('.'));
                let negative_zero =
                    s.starts_with('-') && digits.chars().all(|c| c == '0' || c == '.');
                assert!(
                    !(decimal_shaped && (trailing || negative_zero)),
                    "{kind}: {s:?} is not a decimal's written form"
                );
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, kind)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, kind)),
            _ => {}
        }
    }
    let json = serde_json::to_value(event).expect("an event serialises");
    walk(&json, event.change.kind());
}

/// The result of the command under test.
pub struct Outcome {
    pub before: Negotiation,
    pub result: Result<Vec<Event>, DomainError>,
}

impl Outcome {
    /// The command was refused for `reason`; it produced no events, and the
    /// state it was decided against is as it was.
    pub fn then_refused(self, reason: &str) -> DomainError {
        match self.result {
            Ok(events) => panic!(
                "expected refusal {reason}, but the command produced {} events: {:?}",
                events.len(),
                events.iter().map(|e| e.change.kind()).collect::<Vec<_>>()
            ),
            Err(e) => {
                assert_eq!(e.reason(), reason, "refused for the wrong reason: {e}");
                assert!(!e.to_string().is_empty());
                e
            }
        }
    }

    /// The command was accepted; returns the negotiation with its events applied.
    pub fn then_ok(self) -> Negotiation {
        let mut n = self.before;
        match self.result {
            Ok(events) => {
                assert!(
                    !events.is_empty(),
                    "an accepted command records at least one event"
                );
                for event in &events {
                    assert_decimals_written_one_way(event);
                    apply(&mut n.state, event);
                }
                n.history.extend(events);
                n
            }
            Err(e) => panic!("expected success, refused ({}): {e}", e.reason()),
        }
    }

    /// The command was accepted with events of exactly these kinds.
    pub fn then_events(self, kinds: &[&str]) -> Negotiation {
        let got: Vec<&str> = self
            .result
            .as_ref()
            .map(|es| es.iter().map(|e| e.change.kind()).collect())
            .unwrap_or_default();
        if self.result.is_ok() {
            assert_eq!(got, kinds);
        }
        self.then_ok()
    }
}
