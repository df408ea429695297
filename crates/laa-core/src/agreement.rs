//! The state of one Local Area Agreement and its targets.
//!
//! The state is never edited directly: [`crate::decide`] turns a command
//! into events and [`crate::apply`] folds each event into the state. Which
//! command may move which status where is [`crate::lifecycle`]'s (its
//! tables are re-exported here).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actor::Side;
use crate::ids::{
    AgreementId, AreaCode, Department, FinancialYear, IndicatorNumber, LocalIndicatorCode,
    RefreshId, Region, SetVersion, TargetId,
};
use crate::policy::RoundPolicy;
use crate::terms::Terms;

pub use crate::lifecycle::{
    AGREEMENT_LIFECYCLE, CommandKind, TARGET_LIFECYCLE, Transition, agreement_accepts,
    target_accepts,
};

/// Where an agreement is in its lifecycle (DOMAIN.md 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// No event yet: the agreement has not been opened.
    Unopened,
    /// Negotiation open.
    Draft,
    /// Recommended to Ministers; frozen until signed off or returned.
    Submitted,
    /// Signed off with at least one target still a placeholder (or a year deferred).
    Placeholder,
    /// Signed off, every target has values.
    Agreed,
    /// A refresh round is under negotiation.
    RefreshOpen,
    /// Signed off after a refresh, every target has values.
    Refreshed,
    /// The period has ended; outcomes final.
    Closed,
}

impl AgreementStatus {
    /// The status's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Unopened => "unopened",
            AgreementStatus::Draft => "draft",
            AgreementStatus::Submitted => "submitted",
            AgreementStatus::Placeholder => "placeholder",
            AgreementStatus::Agreed => "agreed",
            AgreementStatus::RefreshOpen => "refresh_open",
            AgreementStatus::Refreshed => "refreshed",
            AgreementStatus::Closed => "closed",
        }
    }

    /// True while terms may be negotiated (draft, or a refresh under way).
    pub fn is_negotiating(self) -> bool {
        matches!(self, AgreementStatus::Draft | AgreementStatus::RefreshOpen)
    }
}

impl fmt::Display for AgreementStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a target is in its lifecycle (DOMAIN.md 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// An offer is open (or, for a statutory target, terms are awaited).
    Draft,
    /// Agreed as a placeholder, values to come at a refresh.
    Placeholder,
    /// Agreed with values.
    Agreed,
    /// Values agreed (again) in a refresh.
    Refreshed,
    /// Withdrawn, declined or revoked: keeps its history, frees its slot.
    Withdrawn,
}

impl TargetStatus {
    /// The status's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Draft => "draft",
            TargetStatus::Placeholder => "placeholder",
            TargetStatus::Agreed => "agreed",
            TargetStatus::Refreshed => "refreshed",
            TargetStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for TargetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a target (DOMAIN.md 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// One of the round's statutory indicators: always present, outside the cap.
    Statutory,
    /// A National Indicator chosen by negotiation: counts against the cap and earns reward.
    Designated,
    /// A local indicator outside the National Indicator Set: outside the cap and reward.
    Local,
}

impl TargetKind {
    /// The kind's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Statutory => "statutory",
            TargetKind::Designated => "designated",
            TargetKind::Local => "local",
        }
    }
}

/// What a target measures.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorRef {
    /// A National Indicator.
    National(IndicatorNumber),
    /// A local indicator with its own code and title.
    Local {
        /// Its code, unique within the agreement.
        code: LocalIndicatorCode,
        /// Its title.
        title: String,
    },
}

impl IndicatorRef {
    /// The National Indicator number, if this is one.
    pub fn national(&self) -> Option<IndicatorNumber> {
        match self {
            IndicatorRef::National(n) => Some(*n),
            IndicatorRef::Local { .. } => None,
        }
    }

    /// True when both refer to the same indicator (locals by code).
    pub fn same_indicator(&self, other: &IndicatorRef) -> bool {
        match (self, other) {
            (IndicatorRef::National(a), IndicatorRef::National(b)) => a == b,
            (IndicatorRef::Local { code: a, .. }, IndicatorRef::Local { code: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for IndicatorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndicatorRef::National(n) => write!(f, "{n}"),
            IndicatorRef::Local { code, .. } => write!(f, "local {code}"),
        }
    }
}

/// Why a settled target's baseline and trajectory are offered again after
/// sign-off, outside a refresh (Figure 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rebaseline {
    /// The indicator's definition or recording changed mid-period (falls
    /// admissions "mushroomed" from about 50 to about 1,000).
    MeasurementChange,
}

impl Rebaseline {
    /// The reason's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rebaseline::MeasurementChange => "measurement_change",
        }
    }
}

/// One party's offer of terms for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The side that made it.
    pub side: Side,
    /// The terms offered.
    pub terms: Terms,
    /// Why: the argument from evidence.
    pub rationale: String,
    /// References to the evidence (documents, data sources).
    pub evidence: Vec<String>,
    /// For Government offers, the Whitehall department making the demand.
    pub department: Option<Department>,
    /// The side will not sign an agreement without these terms.
    pub deal_breaker: bool,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// Set on an offer of new terms for a settled target after sign-off:
    /// why it is re-baselined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebaseline: Option<Rebaseline>,
}

/// An actual value recorded after sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    /// The value.
    #[serde(with = "crate::decimal::serde_written")]
    pub value: Decimal,
    /// Where it comes from.
    pub source: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// How a target left the agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Withdrawn by the side that proposed it.
    Withdrawn,
    /// Declined by the other side.
    Declined,
    /// Its designation was revoked by the Secretary of State.
    Revoked,
}

/// One target of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Its number within the agreement.
    pub id: TargetId,
    /// Statutory, designated or local.
    pub kind: TargetKind,
    /// What it measures.
    pub indicator: IndicatorRef,
    /// Where it is in its lifecycle.
    pub status: TargetStatus,
    /// The side that proposed it (the Government side for statutory targets).
    pub originated_by: Side,
    /// The department that asked for it, for Government proposals.
    pub department: Option<Department>,
    /// The terms last agreed, if any.
    pub agreed: Option<Terms>,
    /// The offer awaiting the other side's answer, if any.
    pub open_offer: Option<Offer>,
    /// A re-baselining both sides accepted that awaits Ministers' approval
    /// (in a round whose policy asks for it); `agreed` stays in force
    /// until they approve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_rebaseline: Option<Offer>,
    /// How many offers have been made on it.
    pub offers_made: u32,
    /// How it left the agreement, once withdrawn.
    pub ending: Option<Ending>,
    /// Actual values recorded after sign-off, by year.
    pub actuals: BTreeMap<FinancialYear, Actual>,
}

impl Target {
    /// Its agreed values: `None` before terms are agreed, or for a placeholder.
    pub fn agreed_values(&self) -> Option<&crate::terms::TargetValues> {
        match &self.agreed {
            Some(crate::terms::Terms::Values(v)) => Some(v),
            _ => None,
        }
    }

    /// True unless withdrawn, declined or revoked.
    pub fn is_live(&self) -> bool {
        self.status != TargetStatus::Withdrawn
    }
}

/// What opening fixed for the agreement's whole life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// The area.
    pub area: AreaCode,
    /// Its Government Office region.
    pub region: Region,
    /// The round's rules, as they stood when the agreement was opened.
    pub policy: RoundPolicy,
    /// When it was opened (the opening's `occurred_at`).
    pub opened_at: DateTime<Utc>,
}

/// One of Whitehall's outcome-level priorities for an area, declared at
/// the outset in a round that limits them (recommendation 16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    /// A short statement of the outcome sought.
    pub statement: String,
    /// The departments behind it.
    pub departments: Vec<Department>,
}

/// A request for advice on an indicator, from the area to a Whitehall
/// department through its Government Office (recommendation 4: "providing
/// indicator-specific advice on request").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceRequest {
    /// The indicator it is about.
    pub indicator: IndicatorNumber,
    /// The department asked.
    pub department: Department,
    /// What the area asks.
    pub question: String,
    /// The target under negotiation it concerns, if any.
    pub target: Option<TargetId>,
    /// When it was asked.
    pub asked_at: DateTime<Utc>,
    /// The department's answer, once recorded, and when it was given.
    pub answer: Option<(String, DateTime<Utc>)>,
}

/// A negotiating champion's assignment to an agreement (recommendation 8:
/// "senior Whitehall officials who worked with specific local authorities").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChampionAssignment {
    /// The department the champion comes from.
    pub department: Department,
    /// When the assignment began.
    pub assigned_at: DateTime<Utc>,
}

/// A comment on a target's thread. Both sides and the agreement's
/// champions read every comment: an agreement has no side's private part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetComment {
    /// The target whose thread it is on.
    pub target: TargetId,
    /// Who wrote it.
    pub author: crate::actor::Actor,
    /// What it says.
    pub text: String,
    /// A champion's brokering: a way through put to both sides.
    pub brokering: bool,
    /// When it was made.
    pub at: DateTime<Utc>,
}

/// One area's Local Area Agreement for a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Its id.
    pub id: AgreementId,
    /// How many events it has; the version commands name.
    pub version: u64,
    /// Where it is in its lifecycle.
    pub status: AgreementStatus,
    /// Area, region and policy, once opened.
    pub opening: Option<Opening>,
    /// The indicator set version it is bound to.
    pub indicator_set: Option<SetVersion>,
    /// Its targets, by number. Each is shared between the states that
    /// hold it unchanged (a command's new state copies the map, not the
    /// targets; `Arc::make_mut` copies the one a change touches).
    #[serde(with = "shared_targets")]
    pub targets: BTreeMap<TargetId, Arc<Target>>,
    /// The area has endorsed the current terms (voided by any later change).
    pub endorsed: bool,
    /// The status submission came from, while submitted.
    pub submitted_from: Option<AgreementStatus>,
    /// The refresh under way, or the last one held.
    pub refresh: Option<RefreshId>,
    /// Every refresh opened so far, in order.
    pub refreshes_held: Vec<RefreshId>,
    /// When it was first signed off.
    pub first_signed_off_at: Option<DateTime<Utc>>,
    /// The number the next target will get.
    pub next_target: TargetId,
    /// When the latest event happened (its `occurred_at`): no later command
    /// may be dated before it.
    #[serde(default)]
    pub last_occurred_at: Option<DateTime<Utc>>,
    /// Whitehall's declared outcome priorities for the area, in order
    /// (cited by number from 1); empty when none were declared.
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Explanations the area lodged for its results, by indicator
    /// (tournaments show them beside its rank).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub explanations: BTreeMap<IndicatorNumber, String>,
    /// The reward grant as last assessed (`reward_assessed`), if it has been.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<crate::performance::RewardWorking>,
    /// The area's requests for advice on its indicators (recommendation
    /// 4), by number from 1, each with the department's answer once the GO
    /// recorded it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub advice: BTreeMap<u32, AdviceRequest>,
    /// The negotiating champions assigned now, by principal.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub champions: BTreeMap<String, ChampionAssignment>,
    /// True once any champion has been assigned, even if none is now: the
    /// analytics compare the negotiations that had one with the others.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub had_champion: bool,
    /// The comments on its targets' threads, in the order made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<TargetComment>,
}

impl Agreement {
    /// The earliest refresh of the round's calendar whose deadline is before
    /// `today` and that has not been signed off: not yet opened, or opened
    /// and still under way (`refresh_open` or `submitted`). A closed
    /// agreement has nothing overdue. The date is the caller's: the core
    /// has no clock.
    pub fn refresh_overdue(&self, today: chrono::NaiveDate) -> Option<&crate::RefreshRound> {
        if matches!(
            self.status,
            AgreementStatus::Closed | AgreementStatus::Unopened
        ) {
            return None;
        }
        let policy = &self.opening.as_ref()?.policy;
        let under_way = self.refreshes_held.last().filter(|_| {
            matches!(
                self.status,
                AgreementStatus::RefreshOpen | AgreementStatus::Submitted
            )
        });
        policy.refresh_rounds.iter().find(|r| {
            r.deadline < today && (!self.refreshes_held.contains(&r.id) || under_way == Some(&r.id))
        })
    }

    /// The state before the first event.
    pub fn unopened(id: AgreementId) -> Self {
        Self {
            id,
            version: 0,
            status: AgreementStatus::Unopened,
            opening: None,
            indicator_set: None,
            targets: BTreeMap::new(),
            endorsed: false,
            submitted_from: None,
            refresh: None,
            refreshes_held: Vec::new(),
            priorities: Vec::new(),
            reward: None,
            explanations: BTreeMap::new(),
            advice: BTreeMap::new(),
            champions: BTreeMap::new(),
            had_champion: false,
            comments: Vec::new(),
            first_signed_off_at: None,
            next_target: TargetId::first(),
            last_occurred_at: None,
        }
    }

    /// True when `principal` is a champion assigned to the agreement now.
    pub fn is_champion(&self, principal: &str) -> bool {
        self.champions.contains_key(principal)
    }

    /// The comments on one target's thread, in the order made.
    pub fn thread(&self, target: TargetId) -> impl Iterator<Item = &TargetComment> {
        self.comments.iter().filter(move |c| c.target == target)
    }

    /// The live (not withdrawn) targets.
    pub fn live_targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.values().map(|t| &**t).filter(|t| t.is_live())
    }

    /// How many live designated targets it has, open offers included.
    pub fn designated_count(&self) -> usize {
        self.live_targets()
            .filter(|t| t.kind == TargetKind::Designated)
            .count()
    }

    /// The live target on an indicator, if any.
    pub fn live_target_on(&self, indicator: &IndicatorRef) -> Option<&Target> {
        self.live_targets()
            .find(|t| t.indicator.same_indicator(indicator))
    }

    /// The round policy, once opened.
    pub fn policy(&self) -> Option<&RoundPolicy> {
        self.opening.as_ref().map(|o| &o.policy)
    }

    /// A National Indicator as the agreement's bound set words it (its
    /// unit, polarity and title), falling back to the newest published
    /// wording for one that set does not list: a later set that changes
    /// an indicator's unit or polarity changes nothing for agreements
    /// bound to an earlier one.
    pub fn measure<'c>(
        &self,
        catalogue: &'c crate::Catalogue,
        number: IndicatorNumber,
    ) -> Option<&'c crate::Indicator> {
        self.indicator_set
            .and_then(|set| catalogue.indicator_in(set, number))
            .or_else(|| catalogue.indicator(number))
    }
}

/// Serialises an agreement's shared targets as a plain map of targets
/// (the same JSON as before they were shared).
mod shared_targets {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::Target;
    use crate::ids::TargetId;

    pub(super) fn serialize<S: Serializer>(
        targets: &BTreeMap<TargetId, Arc<Target>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(targets.iter().map(|(id, t)| (id, &**t)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<TargetId, Arc<Target>>, D::Error> {
        let plain = BTreeMap::<TargetId, Target>::deserialize(deserializer)?;
        Ok(plain.into_iter().map(|(id, t)| (id, Arc::new(t))).collect())
    }
}
