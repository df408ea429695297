//! The domain to the wire.

use chrono::{DateTime, Utc};
use laa_core::agreement::Ending;
use laa_core::catalogue::Owner;
use laa_core::{
    Actor, Agreement, AgreementStatus, Catalogue, IndicatorNumber, IndicatorRef, Offer, Region,
    Role, Scope, SetVersion, Side, Target, TargetKind, TargetStatus, Terms, YearValue,
};
use laa_proto::v1 as pb;
use rust_decimal::Decimal;

/// An agreement status to the wire.
pub fn status_to_pb(s: AgreementStatus) -> pb::AgreementStatus {
    match s {
        AgreementStatus::Unopened => pb::AgreementStatus::Unspecified,
        AgreementStatus::Draft => pb::AgreementStatus::Draft,
        AgreementStatus::Submitted => pb::AgreementStatus::Submitted,
        AgreementStatus::Placeholder => pb::AgreementStatus::Placeholder,
        AgreementStatus::Agreed => pb::AgreementStatus::Agreed,
        AgreementStatus::RefreshOpen => pb::AgreementStatus::RefreshOpen,
        AgreementStatus::Refreshed => pb::AgreementStatus::Refreshed,
        AgreementStatus::Closed => pb::AgreementStatus::Closed,
    }
}

fn target_status_to_pb(s: TargetStatus) -> pb::TargetStatus {
    match s {
        TargetStatus::Draft => pb::TargetStatus::Draft,
        TargetStatus::Placeholder => pb::TargetStatus::Placeholder,
        TargetStatus::Agreed => pb::TargetStatus::Agreed,
        TargetStatus::Refreshed => pb::TargetStatus::Refreshed,
        TargetStatus::Withdrawn => pb::TargetStatus::Withdrawn,
    }
}

/// A target kind to the wire.
pub fn kind_to_pb(k: TargetKind) -> pb::TargetKind {
    match k {
        TargetKind::Statutory => pb::TargetKind::Statutory,
        TargetKind::Designated => pb::TargetKind::Designated,
        TargetKind::Local => pb::TargetKind::Local,
    }
}

fn side_to_pb(s: Side) -> pb::Side {
    match s {
        Side::Government => pb::Side::Government,
        Side::Area => pb::Side::Area,
    }
}

/// A role to the wire.
pub fn role_to_pb(r: Role) -> pb::Role {
    match r {
        Role::GoNegotiator => pb::Role::GoNegotiator,
        Role::AreaNegotiator => pb::Role::AreaNegotiator,
        Role::SignOff => pb::Role::SignOff,
        Role::Auditor => pb::Role::Auditor,
        Role::Champion => pb::Role::Champion,
        Role::Admin => pb::Role::Admin,
    }
}

/// A time to the wire.
pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// A value as the wire's double: the nearest one, so a value the wire
/// sent comes back as the very double sent; never a NaN.
pub fn number(d: Decimal) -> f64 {
    laa_core::decimal::to_f64(d)
}

/// Terms to the wire.
pub fn terms_to_pb(t: &Terms) -> pb::Terms {
    let kind = match t {
        Terms::Placeholder { reason, due } => pb::terms::Kind::Placeholder(pb::Placeholder {
            reason: reason.as_str().into(),
            due: due.to_string(),
        }),
        Terms::Values(v) => pb::terms::Kind::Values(pb::TargetValues {
            unit: v.unit.as_str().into(),
            baseline: Some(pb::Baseline {
                value: number(v.baseline.value),
                period: v.baseline.period.clone(),
            }),
            trajectory: v
                .trajectory
                .iter()
                .map(|(y, v)| pb::YearValue {
                    year: y.to_string(),
                    value: Some(match v {
                        YearValue::Value(d) => pb::year_value::Value::Amount(number(*d)),
                        YearValue::Deferred { to } => {
                            pb::year_value::Value::DeferredTo(to.to_string())
                        }
                    }),
                })
                .collect(),
            limit_deterioration: v.limit_deterioration.clone().unwrap_or_default(),
        }),
    };
    pb::Terms { kind: Some(kind) }
}

fn offer_to_pb(o: &Offer) -> pb::Offer {
    pb::Offer {
        side: side_to_pb(o.side).into(),
        terms: Some(terms_to_pb(&o.terms)),
        rationale: o.rationale.clone(),
        evidence: o.evidence.clone(),
        department: o
            .department
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        deal_breaker: o.deal_breaker,
        made_at: Some(timestamp(o.made_at)),
        rebaseline: o
            .rebaseline
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
    }
}

fn target_to_pb(agreement: &Agreement, t: &Target, catalogue: &Catalogue) -> pb::Target {
    let verdicts: std::collections::BTreeMap<_, _> =
        laa_core::performance::target_performance(agreement, t, catalogue)
            .years
            .into_iter()
            .filter(|y| y.status.is_verdict())
            .map(|y| (y.year, y.status))
            .collect();
    pb::Target {
        name: format!("agreements/{}/targets/{}", agreement.id, t.id),
        id: t.id.get(),
        kind: kind_to_pb(t.kind).into(),
        indicator: Some(match &t.indicator {
            IndicatorRef::National(n) => pb::target::Indicator::IndicatorNumber(i32::from(n.get())),
            IndicatorRef::Local { code, title } => {
                pb::target::Indicator::LocalIndicator(pb::LocalIndicator {
                    code: code.to_string(),
                    title: title.clone(),
                })
            }
        }),
        status: target_status_to_pb(t.status).into(),
        originated_by: side_to_pb(t.originated_by).into(),
        department: t
            .department
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        agreed: t.agreed.as_ref().map(terms_to_pb),
        open_offer: t.open_offer.as_ref().map(offer_to_pb),
        pending_rebaseline: t.pending_rebaseline.as_ref().map(offer_to_pb),
        offers_made: t.offers_made,
        ending: match t.ending {
            None => String::new(),
            Some(Ending::Withdrawn) => "withdrawn".into(),
            Some(Ending::Declined) => "declined".into(),
            Some(Ending::Revoked) => "revoked".into(),
        },
        actuals: t
            .actuals
            .iter()
            .map(|(y, a)| pb::Actual {
                year: y.to_string(),
                value: number(a.value),
                source: a.source.clone(),
                recorded_at: Some(timestamp(a.recorded_at)),
                progress: verdicts
                    .get(y)
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// An agreement to the wire, with every target.
pub fn agreement_to_pb(a: &Agreement, catalogue: &Catalogue) -> pb::Agreement {
    agreement_with_targets_to_pb(a, a.targets.values().map(|t| &**t), catalogue)
}

/// An agreement to the wire with only the given targets (the rest of the
/// agreement whole): what a command's answer carries.
pub fn agreement_with_targets_to_pb<'a>(
    a: &Agreement,
    targets: impl Iterator<Item = &'a laa_core::Target>,
    catalogue: &Catalogue,
) -> pb::Agreement {
    let opening = a.opening.as_ref();
    pb::Agreement {
        name: format!("agreements/{}", a.id),
        area: opening
            .map(|o| format!("areas/{}", o.area))
            .unwrap_or_default(),
        region: opening
            .map_or(pb::Region::Unspecified, |o| region_to_pb(o.region))
            .into(),
        round: opening.map(|o| o.policy.name.clone()).unwrap_or_default(),
        status: status_to_pb(a.status).into(),
        version: i64::try_from(a.version).unwrap_or(i64::MAX),
        indicator_set: a.indicator_set.map_or(0, |s| i32::from(s.get())),
        endorsed: a.endorsed,
        refresh: a
            .refresh
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        targets: targets.map(|t| target_to_pb(a, t, catalogue)).collect(),
        opened_at: opening.map(|o| timestamp(o.opened_at)),
        first_signed_off_at: a.first_signed_off_at.map(timestamp),
        designated_count: i32::try_from(a.designated_count()).unwrap_or(i32::MAX),
        designated_cap: opening.map_or(0, |o| i32::from(o.policy.designated_cap)),
        first_bad_sequence: None,
        priorities: a
            .priorities
            .iter()
            .map(|p| pb::Priority {
                statement: p.statement.clone(),
                departments: p.departments.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        advice: a.advice.iter().map(|(n, r)| advice_to_pb(*n, r)).collect(),
        champions: a
            .champions
            .iter()
            .map(|(champion, assignment)| pb::ChampionAssignment {
                champion: champion.clone(),
                department: assignment.department.to_string(),
                assigned_at: Some(timestamp(assignment.assigned_at)),
            })
            .collect(),
        had_champion: a.had_champion,
        comments: a
            .comments
            .iter()
            .map(|c| pb::TargetComment {
                target: c.target.get(),
                author: Some(actor_to_pb(&c.author)),
                text: c.text.clone(),
                brokering: c.brokering,
                made_at: Some(timestamp(c.at)),
            })
            .collect(),
    }
}

/// A request for advice, numbered `n` in its agreement, to the wire.
pub fn advice_to_pb(n: u32, r: &laa_core::agreement::AdviceRequest) -> pb::AdviceRequest {
    pb::AdviceRequest {
        request: i32::try_from(n).unwrap_or(i32::MAX),
        indicator_number: i32::from(r.indicator.get()),
        department: r.department.to_string(),
        question: r.question.clone(),
        target: r.target.map_or(0, laa_core::TargetId::get),
        asked_at: Some(timestamp(r.asked_at)),
        answer: r
            .answer
            .as_ref()
            .map(|(a, _)| a.clone())
            .unwrap_or_default(),
        answered_at: r.answer.as_ref().map(|(_, at)| timestamp(*at)),
    }
}

/// An indicator in one set version to the wire.
pub fn indicator_to_pb(
    catalogue: &Catalogue,
    version: SetVersion,
    number: IndicatorNumber,
) -> Option<pb::Indicator> {
    let i = catalogue.indicator_in(version, number)?;
    let status = catalogue.set(version)?.status_of(number)?;
    let (psa, dso) = match &i.owner {
        Owner::Psa(n) => (i32::from(*n), String::new()),
        Owner::Dso(d) => (0, d.to_string()),
        Owner::Unassigned => (0, String::new()),
    };
    Some(pb::Indicator {
        name: format!("indicatorSets/{version}/indicators/{}", number.get()),
        number: i32::from(number.get()),
        title: i.title.clone(),
        subject_group: i.subject_group.clone(),
        psa,
        dso_department: dso,
        statutory: i.statutory,
        status: match status {
            laa_core::IndicatorStatus::Active => "active".into(),
            laa_core::IndicatorStatus::Withdrawn => "withdrawn".into(),
        },
        laa_selections_2008: i.laa_selections_2008.map(i32::from),
        unit: i.unit.as_str().into(),
        polarity: i.polarity.as_str().into(),
    })
}

/// An actor to the wire.
pub fn actor_to_pb(a: &Actor) -> pb::Actor {
    pb::Actor {
        principal: a.principal.clone(),
        role: role_to_pb(a.role).into(),
        scope: match &a.scope {
            Scope::National => "national".into(),
            Scope::Region(r) => format!("region {r}"),
            Scope::Area(a) => format!("area {a}"),
        },
    }
}

/// A stored event to the wire.
pub fn event_to_pb(e: &laa_store::StoredEvent) -> pb::Event {
    pb::Event {
        agreement: format!("agreements/{}", e.agreement),
        sequence: i64::try_from(e.sequence).unwrap_or(i64::MAX),
        recorded_at: Some(timestamp(e.recorded_at)),
        occurred_at: Some(timestamp(e.event.occurred())),
        actor: Some(actor_to_pb(&e.event.actor)),
        kind: e.kind.clone(),
        payload_json: serde_json::to_string(&e.event.change).unwrap_or_default(),
        request_id: e.request_id.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        hashed_payload: e.payload.clone(),
    }
}

/// An event of a stream other than an agreement's to the wire, named by
/// its stream.
pub fn stream_event_to_pb(e: &laa_store::StreamEvent) -> pb::Event {
    pb::Event {
        agreement: e.stream.clone(),
        sequence: i64::try_from(e.sequence).unwrap_or(i64::MAX),
        recorded_at: Some(timestamp(e.recorded_at)),
        occurred_at: Some(timestamp(e.event.occurred())),
        actor: Some(actor_to_pb(&e.event.actor)),
        kind: e.kind.clone(),
        payload_json: serde_json::to_string(&e.event.change).unwrap_or_default(),
        request_id: e.request_id.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        hashed_payload: e.payload.clone(),
    }
}

/// A region to the wire.
pub fn region_to_pb(r: Region) -> pb::Region {
    match r {
        Region::NorthEast => pb::Region::NorthEast,
        Region::NorthWest => pb::Region::NorthWest,
        Region::YorkshireAndTheHumber => pb::Region::YorkshireAndTheHumber,
        Region::EastMidlands => pb::Region::EastMidlands,
        Region::WestMidlands => pb::Region::WestMidlands,
        Region::EastOfEngland => pb::Region::EastOfEngland,
        Region::London => pb::Region::London,
        Region::SouthEast => pb::Region::SouthEast,
        Region::SouthWest => pb::Region::SouthWest,
    }
}
