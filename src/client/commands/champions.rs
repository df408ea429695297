//! `laa champion`: negotiating champions' assignments to agreements, made
//! by an administrator on the agreement as it stands (no version is read:
//! administrators read no agreements).

use laa_proto::v1 as pb;

use super::change::{agreement_name, occurred_at, request_id};
use crate::client::args::ChampionCommand;
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::render;

/// Runs `laa champion`.
pub async fn run(session: &Session, command: ChampionCommand) -> Result<(), CliError> {
    let (what, result) = match command {
        ChampionCommand::Assign {
            assignment,
            champion,
            department,
        } => (
            "champion assigned",
            rpc!(
                session,
                agreements.assign_champion(pb::AssignChampionRequest {
                    agreement: agreement_name(&assignment.agreement),
                    request_id: request_id(assignment.request_id),
                    champion,
                    department,
                    occurred_at: occurred_at(assignment.occurred_at.as_deref())?,
                })
            ),
        ),
        ChampionCommand::End {
            assignment,
            champion,
            reason,
        } => (
            "champion assignment ended",
            rpc!(
                session,
                agreements.end_champion_assignment(pb::EndChampionAssignmentRequest {
                    agreement: agreement_name(&assignment.agreement),
                    request_id: request_id(assignment.request_id),
                    champion,
                    reason,
                    occurred_at: occurred_at(assignment.occurred_at.as_deref())?,
                })
            ),
        ),
    };
    render::changed(&session.out, what, &result?)
}
