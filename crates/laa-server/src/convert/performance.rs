//! Monitoring and the reward grant to the wire (`performance.proto`).

use laa_core::performance::{RewardWorking, TargetPerformance};
use laa_core::{Agreement, IndicatorRef};
use laa_proto::v1 as pb;
use rust_decimal::Decimal;

use super::render::{kind_to_pb, number, region_to_pb, status_to_pb, timestamp};

/// A decimal as text, in its one written form ("60", "24000.5").
pub(super) fn exact(d: Decimal) -> String {
    laa_core::decimal::written(d)
}

/// Money as text, in the same form ("24000", "24000.5").
fn pounds(m: laa_core::Money) -> String {
    exact(m.amount())
}

/// One target's performance in its agreement.
pub fn target_performance_to_pb(a: &Agreement, p: &TargetPerformance) -> pb::TargetPerformance {
    let opening = a.opening.as_ref();
    let (indicator_number, local_indicator) = match &p.indicator {
        IndicatorRef::National(n) => (i32::from(n.get()), String::new()),
        IndicatorRef::Local { code, .. } => (0, code.to_string()),
    };
    pb::TargetPerformance {
        agreement: format!("agreements/{}", a.id),
        area: opening
            .map(|o| format!("areas/{}", o.area))
            .unwrap_or_default(),
        region: opening
            .map_or(pb::Region::Unspecified, |o| region_to_pb(o.region))
            .into(),
        target: format!("agreements/{}/targets/{}", a.id, p.target),
        kind: kind_to_pb(p.kind).into(),
        indicator_number,
        local_indicator,
        title: p.title.clone(),
        unit: p.unit.map(|u| u.as_str().to_owned()).unwrap_or_default(),
        polarity: p.polarity.as_str().into(),
        baseline: p.baseline.as_ref().map(|b| number(b.value)),
        baseline_period: p
            .baseline
            .as_ref()
            .map(|b| b.period.clone())
            .unwrap_or_default(),
        limit_deterioration: p.limit_deterioration.clone().unwrap_or_default(),
        department: p
            .department
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        years: p
            .years
            .iter()
            .map(|y| pb::YearPerformance {
                year: y.year.to_string(),
                planned: y.planned.map(number),
                actual: y.actual.as_ref().map(|a| number(a.value)),
                source: y
                    .actual
                    .as_ref()
                    .map(|a| a.source.clone())
                    .unwrap_or_default(),
                recorded_at: y.actual.as_ref().map(|a| timestamp(a.recorded_at)),
                status: y.status.as_str().into(),
            })
            .collect(),
        status: p.overall.as_str().into(),
    }
}

/// An agreement's performance: every monitored target.
pub fn agreement_performance_to_pb(
    a: &Agreement,
    targets: &[TargetPerformance],
) -> pb::AgreementPerformance {
    let opening = a.opening.as_ref();
    pb::AgreementPerformance {
        agreement: format!("agreements/{}", a.id),
        area: opening
            .map(|o| format!("areas/{}", o.area))
            .unwrap_or_default(),
        region: opening
            .map_or(pb::Region::Unspecified, |o| region_to_pb(o.region))
            .into(),
        round: opening.map(|o| o.policy.name.clone()).unwrap_or_default(),
        status: status_to_pb(a.status).into(),
        targets: targets
            .iter()
            .map(|p| target_performance_to_pb(a, p))
            .collect(),
    }
}

/// An agreement's reward: the working recorded in its history, or (not
/// yet assessed) its policy with no lines.
pub fn reward_to_pb(a: &Agreement) -> pb::Reward {
    let name = format!("agreements/{}", a.id);
    let policy = a.policy().map(|p| p.reward.clone());
    let mut out = pb::Reward {
        agreement: name.clone(),
        total: "0".into(),
        pot: "0".into(),
        ..Default::default()
    };
    if let Some(policy) = &policy {
        out.per_target = pounds(policy.per_target);
        out.floor_percent = exact(policy.floor_percent);
        out.full_percent = exact(policy.full_percent);
        out.multiplier = exact(policy.multiplier);
        out.bearing = policy.bearing.as_str().into();
    }
    let Some(RewardWorking {
        policy,
        pot,
        lines,
        total,
    }) = &a.reward
    else {
        return out;
    };
    out.assessed = true;
    out.per_target = pounds(policy.per_target);
    out.floor_percent = exact(policy.floor_percent);
    out.full_percent = exact(policy.full_percent);
    out.multiplier = exact(policy.multiplier);
    out.bearing = policy.bearing.as_str().into();
    out.pot = pounds(*pot);
    out.total = pounds(*total);
    out.lines = lines
        .iter()
        .map(|l| pb::RewardLine {
            target: format!("{name}/targets/{}", l.target),
            indicator_number: l.indicator.national().map_or(0, |n| i32::from(n.get())),
            polarity: l.polarity.as_str().into(),
            baseline: l.baseline.map(number),
            planned: l.planned.map(number),
            actual: l.actual.map(number),
            achieved_percent: l
                .achieved_percent
                .map(|p| exact(p.round_dp(4)))
                .unwrap_or_default(),
            paid_percent: exact(l.paid_percent.round_dp(4)),
            share: pounds(l.share),
            amount: pounds(l.amount),
            why: l.why.clone(),
        })
        .collect();
    out
}

/// A tournament table to the wire.
pub fn tournament_to_pb(
    indicator: laa_core::IndicatorNumber,
    round: &str,
    polarity: laa_core::Polarity,
    policy: &laa_core::performance::TournamentPolicy,
    standings: &[laa_core::performance::Standing],
    is_final: bool,
) -> pb::Tournament {
    pb::Tournament {
        indicator_number: i32::from(indicator.get()),
        round: round.to_owned(),
        polarity: polarity.as_str().into(),
        similar_by: policy.similar_by.as_str().into(),
        min_group_size: i32::from(policy.min_group),
        prize: pounds(policy.prize),
        r#final: is_final,
        standings: standings.iter().map(standing_to_pb).collect(),
    }
}

/// One area's place in a tournament to the wire.
pub fn standing_to_pb(s: &laa_core::performance::Standing) -> pb::Standing {
    let text = |d: Option<Decimal>| d.map(exact).unwrap_or_default();
    pb::Standing {
        agreement: format!("agreements/{}", s.entrant.agreement),
        area: format!("areas/{}", s.entrant.area),
        region: region_to_pb(s.entrant.region).into(),
        kind: s.entrant.kind.clone(),
        baseline: number(s.entrant.baseline),
        actual: number(s.entrant.actual),
        year: s.entrant.year.to_string(),
        improvement_percent: text(s.improvement_percent),
        group: s.group.clone(),
        group_size: i32::try_from(s.group_size).unwrap_or(i32::MAX),
        group_median: text(s.group_median.map(|d| d.round_dp(4))),
        value_added: text(s.value_added.map(|d| d.round_dp(4))),
        rank: s.rank.map_or(0, |r| i32::try_from(r).unwrap_or(i32::MAX)),
        top_quartile: s.top_quartile,
        prize: pounds(s.prize),
        explanation: s.entrant.explanation.clone().unwrap_or_default(),
        unranked_because: s.unranked_because.clone().unwrap_or_default(),
    }
}
