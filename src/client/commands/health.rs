//! `laa health`: whether the server answers `SERVING` for itself as a
//! whole, for a container's health check or an operator's first look.

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::client::args::Global;
use crate::client::connect::{Limits, call_server, endpoint};
use crate::client::error::{CliError, Exit};
use crate::client::output::Output;

/// Asks the server's `grpc.health.v1` service about the whole server (the
/// name `""`): success only for `SERVING`. Health needs no token, so a
/// health check carries no credential.
pub async fn health(global: &Global) -> Result<(), CliError> {
    let limits = Limits::from_global(global)?;
    let server = global.server();
    let client = HealthClient::new(endpoint(server, limits.clone())?.connect_lazy());
    let answer = call_server(server, &limits, || {
        let mut client = client.clone();
        async move {
            client
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
        }
    })
    .await?;
    let status = ServingStatus::try_from(answer.status).unwrap_or(ServingStatus::Unknown);
    let name = status.as_str_name();
    if status != ServingStatus::Serving {
        return Err(CliError::new(
            Exit::Unavailable,
            name,
            format!("the server at {server} answers {name}"),
        )
        .hint("it is starting, shutting down, or cannot reach its database: its log says which"));
    }
    let out = Output::new(global.output);
    match out.format() {
        crate::client::Format::Json => out.json(&serde_json::json!({ "status": name })),
        _ => {
            println!("{name}");
            Ok(())
        }
    }
}
