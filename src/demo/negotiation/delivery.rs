//! After sign-off: three years of actuals recorded for every target, then
//! the national reward bill and one tournament table, read back through
//! the API.

use laa_proto::v1 as pb;
use rust_decimal::Decimal;

use super::super::calendar::RoundCalendar;
use super::super::selections::actual_for;
use super::Negotiation;
use crate::client::{CliError, Clients};

/// What the round's delivery came to, nationally.
pub struct NationalResults {
    /// What the assessed agreements earn, in pounds.
    pub reward_bill: Decimal,
    /// The pot the bill is out of, in pounds.
    pub reward_pot: Decimal,
    /// How many agreements had their reward assessed.
    pub rewards_assessed: usize,
    /// The tournament on NI 117 (NEET).
    pub tournament: pb::Tournament,
}

impl Negotiation<'_> {
    /// Three years of delivery: each July the area records the year just
    /// ended for every target with values, somewhere between falling well
    /// short of the plan and beating it (a pace drawn once per target).
    /// In the rounds after 2008-11 the second refresh comes between the
    /// first and second years' actuals (the 2008-11 round is replayed as
    /// the report tells it, with one).
    pub(super) async fn deliver(&mut self) -> Result<(), String> {
        let targets = self
            .area
            .agreements
            .get_agreement(pb::GetAgreementRequest {
                name: self.name.clone(),
            })
            .await
            .map_err(|s| format!("{} get_agreement: {}", self.name, s.message()))?
            .into_inner()
            .targets;
        let plans: Vec<(u32, pb::TargetValues, f64)> = targets
            .into_iter()
            .filter(|t| t.status != pb::TargetStatus::Withdrawn as i32)
            .filter_map(|t| match t.agreed.and_then(|a| a.kind) {
                Some(pb::terms::Kind::Values(v)) => Some((t.id, v)),
                _ => None,
            })
            .map(|(id, v)| (id, v, 0.2 + self.rng.below(120) as f64 / 100.0))
            .collect();
        for (k, year) in self.calendar.years().into_iter().enumerate() {
            let year = year.as_str();
            if k == 1 && !self.calendar.is_first() {
                self.refresh(1).await?;
            }
            self.from(self.calendar.day(2009 + k as i32, 7, 1));
            for (id, values, pace) in &plans {
                let planned = values.trajectory.iter().find(|y| y.year == year);
                let Some(pb::year_value::Value::Amount(planned)) =
                    planned.and_then(|y| y.value.clone())
                else {
                    continue;
                };
                let baseline = values.baseline.as_ref().map_or(planned, |b| b.value);
                let value = actual_for(&values.unit, baseline, planned, *pace);
                let (agreement, request_id, expected_version) = self.envelope();
                call!(
                    self,
                    area.record_actual(pb::RecordActualRequest {
                        agreement,
                        request_id,
                        expected_version,
                        target: *id,
                        year: year.into(),
                        value,
                        source: "the area's performance return".into(),
                        occurred_at: self.when(),
                    })
                );
            }
        }
        Ok(())
    }
}

/// The round's national reward bill (every agreement's `GetReward`) and
/// its tournament on NI 117, read with the auditor's credential.
pub async fn national_results(
    auditor: &mut Clients,
    server: &str,
    areas: &[laa_core::areas::AreaEntry],
    calendar: RoundCalendar,
) -> Result<NationalResults, String> {
    let mut reward_bill = Decimal::ZERO;
    let mut reward_pot = Decimal::ZERO;
    let mut rewards_assessed = 0;
    for area in areas {
        let reward = auditor
            .performance
            .get_reward(pb::GetRewardRequest {
                agreement: calendar.agreement(area.code.as_str()),
            })
            .await
            .map_err(|s| CliError::from_status(&s, server).text())?
            .into_inner();
        if reward.assessed {
            rewards_assessed += 1;
            reward_bill += reward.total.parse::<Decimal>().unwrap_or_default();
            reward_pot += reward.pot.parse::<Decimal>().unwrap_or_default();
        }
    }
    let tournament = auditor
        .performance
        .get_tournament(pb::GetTournamentRequest {
            indicator_number: 117,
            round: calendar.name(),
        })
        .await
        .map_err(|s| CliError::from_status(&s, server).text())?
        .into_inner();
    Ok(NationalResults {
        reward_bill,
        reward_pot,
        rewards_assessed,
        tournament,
    })
}
