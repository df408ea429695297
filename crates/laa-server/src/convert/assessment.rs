//! An area's two-part assessment to the wire (recommendation 2,
//! `GetAreaAssessment`): the negotiated targets, then the rest of the set.

use std::collections::BTreeMap;

use laa_core::Agreement;
use laa_core::performance::{Assessment, Status};
use laa_proto::v1 as pb;

use super::performance::{exact, reward_to_pb, standing_to_pb, target_performance_to_pb};
use super::render::{number, region_to_pb};

fn counts(by_status: &BTreeMap<Status, u32>) -> Vec<pb::StatusCount> {
    by_status
        .iter()
        .map(|(status, count)| pb::StatusCount {
            status: status.as_str().into(),
            count: i32::try_from(*count).unwrap_or(i32::MAX),
        })
        .collect()
}

/// The assessment of `agreement` to the wire.
pub fn assessment_to_pb(agreement: &Agreement, a: &Assessment) -> pb::AreaAssessment {
    let target_name = |id: &laa_core::TargetId| format!("agreements/{}/targets/{id}", a.agreement);
    let opening = agreement.opening.as_ref();
    pb::AreaAssessment {
        agreement: format!("agreements/{}", a.agreement),
        area: format!("areas/{}", a.area),
        region: opening
            .map_or(pb::Region::Unspecified, |o| region_to_pb(o.region))
            .into(),
        round: opening.map(|o| o.policy.name.clone()).unwrap_or_default(),
        comparator_group: a.group.clone(),
        negotiated: Some(pb::NegotiatedTargets {
            targets: a
                .negotiated
                .targets
                .iter()
                .map(|t| pb::AssessedTarget {
                    performance: Some(target_performance_to_pb(agreement, &t.performance)),
                    lead_partner: t
                        .partners
                        .as_ref()
                        .map(|p| p.lead.to_string())
                        .unwrap_or_default(),
                    contributing_partners: t
                        .partners
                        .as_ref()
                        .map(|p| p.contributors.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    standing: t.standing.as_ref().map(standing_to_pb),
                })
                .collect(),
            reward: Some(reward_to_pb(agreement)),
            partners: a
                .negotiated
                .partners
                .iter()
                .map(|c| pb::PartnerContribution {
                    partner: c.partner.to_string(),
                    name: laa_core::partners::name(&c.partner).to_owned(),
                    leads: c.leads.iter().map(target_name).collect(),
                    contributes: c.contributes.iter().map(target_name).collect(),
                    led: counts(&c.led),
                    contributed: counts(&c.contributed),
                })
                .collect(),
            unassigned: a.negotiated.unassigned.iter().map(target_name).collect(),
        }),
        wider: a
            .wider
            .iter()
            .map(|c| pb::IndicatorComparison {
                indicator_number: i32::from(c.indicator.get()),
                title: c.title.clone(),
                unit: c.unit.as_str().into(),
                polarity: c.polarity.as_str().into(),
                year: c.year.to_string(),
                value: number(c.value),
                group_size: i32::try_from(c.group_size).unwrap_or(i32::MAX),
                group_median: c.group_median.map(exact).unwrap_or_default(),
                position: c
                    .position
                    .map_or(0, |p| i32::try_from(p).unwrap_or(i32::MAX)),
                quartile: c.quartile.map_or(0, i32::from),
                unplaced_because: c.unplaced_because.clone().unwrap_or_default(),
            })
            .collect(),
    }
}
