//! One module per noun; each runs its verbs on a [`Session`].

mod advice;
mod agreements;
mod catalogue;
mod champions;
mod change;
mod health;
mod history;
mod indicator_sets;
mod performance;
mod sheets;
mod targets;

use super::args::{ClientCommand, Global};
use super::connect::Session;
use super::error::CliError;

/// Runs a client command.
pub async fn run(global: &Global, command: ClientCommand) -> Result<(), CliError> {
    // Verifying an export needs no server and no token.
    if let ClientCommand::History(super::args::HistoryCommand::Verify {
        file: Some(file), ..
    }) = &command
    {
        return history::verify_file(&super::output::Output::new(global.output), file);
    }
    // Health needs no token: a container's check carries no credential.
    if let ClientCommand::Health = &command {
        return health::health(global).await;
    }
    let session = Session::open(global)?;
    match command {
        ClientCommand::Indicator(c) => catalogue::indicator(&session, c).await,
        ClientCommand::Area(c) => catalogue::area(&session, c).await,
        ClientCommand::Round(c) => catalogue::round(&session, c).await,
        ClientCommand::Agreement(c) => agreements::run(&session, c).await,
        ClientCommand::Target(c) => targets::run(&session, c).await,
        ClientCommand::Actual(c) => targets::actual(&session, c).await,
        ClientCommand::Advice(c) => advice::run(&session, c).await,
        ClientCommand::Champion(c) => champions::run(&session, c).await,
        ClientCommand::History(c) => history::run(&session, c).await,
        ClientCommand::Performance(c) => performance::run(&session, c).await,
        ClientCommand::Reward { area, round } => performance::reward(&session, &area, &round).await,
        ClientCommand::Health => health::health(global).await,
        ClientCommand::Summary {
            area,
            region,
            round,
        } => history::summary(&session, area, region, round).await,
    }
}
