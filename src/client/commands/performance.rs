//! `laa performance` and `laa reward`: delivery after sign-off.

use laa_proto::v1 as pb;

use crate::client::args::PerformanceCommand;
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::paging;

use super::change::Prepared;
use crate::client::performance as render;

/// The agreement an area and round name (or a name given whole).
fn agreement_name(area: &str, round: &str) -> String {
    let area = area.trim();
    let bare = area.strip_prefix("agreements/").unwrap_or(area);
    // An agreement's name (`kent-2023-26`) names its own round, whatever
    // --round says; an area's code (`kent`) takes --round's.
    if super::change::area_of(bare).is_some() {
        format!("agreements/{bare}")
    } else {
        format!("agreements/{bare}-{round}")
    }
}

/// Runs `laa performance`.
pub async fn run(session: &Session, command: PerformanceCommand) -> Result<(), CliError> {
    match command {
        PerformanceCommand::Show { area, round } => {
            let agreement = agreement_name(&area, &round);
            let p = rpc!(
                session,
                performance.get_performance(pb::GetPerformanceRequest {
                    agreement: agreement.clone(),
                })
            )?;
            render::agreement(&session.out, &p)
        }
        PerformanceCommand::List {
            region,
            indicator,
            status,
            round,
        } => {
            let round = round.unwrap_or_default();
            let round = &round;
            let region = match region.as_deref() {
                Some(r) => crate::client::suggest::region(r)? as i32,
                None => 0,
            };
            let status = status.unwrap_or_default();
            let status = &status;
            let all = paging::all(|page_token| async move {
                let r = rpc!(
                    session,
                    performance.list_performance(pb::ListPerformanceRequest {
                        region,
                        indicator_number: indicator.unwrap_or(0),
                        status: status.clone(),
                        page_size: 1000,
                        page_token,
                        round: round.clone(),
                    })
                )?;
                Ok((r.targets, r.next_page_token))
            })
            .await?;
            render::targets(&session.out, &all, true)
        }
        PerformanceCommand::Explain {
            change,
            indicator,
            explanation,
        } => {
            let p = Prepared::new(session, &change).await?;
            let result = rpc!(
                session,
                agreements.lodge_explanation(pb::LodgeExplanationRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    indicator_number: indicator,
                    explanation,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("explanation lodged", result)
        }
        PerformanceCommand::Tournament { indicator, round } => {
            let t = rpc!(
                session,
                performance.get_tournament(pb::GetTournamentRequest {
                    indicator_number: indicator,
                    round,
                })
            )?;
            render::tournament(&session.out, &t)
        }
    }
}

/// Runs `laa reward`.
pub async fn reward(session: &Session, area: &str, round: &str) -> Result<(), CliError> {
    let agreement = agreement_name(area, round);
    let r = rpc!(
        session,
        performance.get_reward(pb::GetRewardRequest { agreement })
    )?;
    render::reward(&session.out, &r)
}

/// Runs `laa area assessment`.
pub async fn assessment(session: &Session, area: &str, round: &str) -> Result<(), CliError> {
    let agreement = agreement_name(area, round);
    let a = rpc!(
        session,
        performance.get_area_assessment(pb::GetAreaAssessmentRequest { agreement })
    )?;
    crate::client::assessment::assessment(&session.out, &a)
}

#[cfg(test)]
mod tests {
    use super::agreement_name;

    #[test]
    fn an_agreements_name_keeps_its_own_round() {
        assert_eq!(
            agreement_name("kent-2023-26", "2008-11"),
            "agreements/kent-2023-26"
        );
        assert_eq!(
            agreement_name("agreements/kent-2023-26", "2008-11"),
            "agreements/kent-2023-26"
        );
        assert_eq!(agreement_name("kent", "2023-26"), "agreements/kent-2023-26");
        assert_eq!(
            agreement_name("east-sussex", "2008-11"),
            "agreements/east-sussex-2008-11"
        );
    }
}
