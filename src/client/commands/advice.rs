//! `laa advice`: requests for advice on an indicator, and their answers.

use laa_proto::v1 as pb;

use super::change::Prepared;
use crate::client::args::AdviceCommand;
use crate::client::connect::{Session, rpc};
use crate::client::error::CliError;
use crate::client::suggest::region;
use crate::client::{paging, render};

/// Runs `laa advice`.
pub async fn run(session: &Session, command: AdviceCommand) -> Result<(), CliError> {
    match command {
        AdviceCommand::List {
            department,
            region: r,
            open,
        } => {
            let region = match r {
                Some(r) => region(&r)? as i32,
                None => 0,
            };
            let department = department.unwrap_or_default();
            let all = paging::all(|page_token| {
                let department = department.clone();
                async move {
                    let r = rpc!(
                        session,
                        agreements.list_advice_requests(pb::ListAdviceRequestsRequest {
                            department,
                            region,
                            open_only: open,
                            page_size: 1_000,
                            page_token,
                        })
                    )?;
                    Ok((r.requests, r.next_page_token))
                }
            })
            .await?;
            render::advice_requests(&session.out, &all)
        }
        AdviceCommand::Ask {
            change,
            indicator,
            department,
            question,
            target,
        } => {
            let p = Prepared::new(session, &change).await?;
            let result = rpc!(
                session,
                agreements.request_advice(pb::RequestAdviceRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    indicator_number: indicator,
                    department,
                    question,
                    target: target.unwrap_or(0),
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("advice requested", result)
        }
        AdviceCommand::Answer {
            change,
            request,
            answer,
        } => {
            let p = Prepared::new(session, &change).await?;
            let result = rpc!(
                session,
                agreements.record_advice(pb::RecordAdviceRequest {
                    agreement: p.agreement.clone(),
                    request_id: p.request_id.clone(),
                    expected_version: p.version,
                    advice: request,
                    answer,
                    occurred_at: p.occurred_at,
                })
            );
            p.finish("advice recorded", result)
        }
    }
}
