//! Between rounds: the next round created by an administrator (the
//! 2008-11 round's policy moved on three years), and the one before it
//! closed by Ministers once its last actuals are in.

use laa_proto::v1 as pb;

use super::super::calendar::RoundCalendar;
use crate::client::{CliError, Clients};

/// Creates the round `name` as `admin` unless the server holds it
/// already, its policy `from` the 2008-11 round's as the server holds it
/// (moved on three years, for the rounds after it).
pub async fn create_round(
    admin: &mut Clients,
    server: &str,
    name: String,
    from: impl FnOnce(&pb::Round) -> pb::Round,
) -> Result<(), String> {
    let get = |name: String| {
        let mut rounds = admin.rounds.clone();
        async move {
            rounds
                .get_round(pb::GetRoundRequest { name })
                .await
                .map(tonic::Response::into_inner)
        }
    };
    match get(name.clone()).await {
        Ok(_) => return Ok(()),
        Err(s) if s.code() == tonic::Code::NotFound => {}
        Err(s) => return Err(CliError::from_status(&s, server).text()),
    }
    let first = get(RoundCalendar::FIRST.name())
        .await
        .map_err(|s| CliError::from_status(&s, server).text())?;
    admin
        .rounds
        .create_round(pb::CreateRoundRequest {
            round: Some(from(&first)),
            request_id: format!("demo-round-{name}"),
        })
        .await
        .map_err(|s| CliError::from_status(&s, server).text())?;
    Ok(())
}

/// Ministers close every agreement of the round of `calendar` in the
/// September after its last actuals (dated, when `dated`), as the next
/// round gets under way. Returns the commands sent.
pub async fn close_round(
    minister: &mut Clients,
    server: &str,
    areas: &[laa_core::areas::AreaEntry],
    calendar: RoundCalendar,
    dated: bool,
) -> Result<u64, String> {
    let at = calendar.day(2011, 9, 1);
    for area in areas {
        let name = calendar.agreement(area.code.as_str());
        let version = minister
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: name.clone() })
            .await
            .map_err(|s| CliError::from_status(&s, server).text())?
            .into_inner()
            .version;
        minister
            .agreements
            .close_agreement(pb::CloseAgreementRequest {
                request_id: format!("demo-{}-close", name.trim_start_matches("agreements/")),
                agreement: name,
                expected_version: version,
                occurred_at: dated.then(|| prost_types::Timestamp {
                    seconds: at.timestamp(),
                    nanos: 0,
                }),
            })
            .await
            .map_err(|s| CliError::from_status(&s, server).text())?;
    }
    Ok(areas.len() as u64)
}
