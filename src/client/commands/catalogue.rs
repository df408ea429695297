//! `laa indicator` and `laa area`: the reference data, and the suggestions
//! drawn from it when a name is mistyped.

use laa_proto::v1 as pb;

use crate::client::args::{AreaCommand, IndicatorCommand, RoundCommand};
use crate::client::connect::{Session, rpc};
use crate::client::error::{CliError, Exit};
use crate::client::suggest::{did_you_mean, nearest_numbers, region};
use crate::client::{paging, render};

/// Every indicator of a set, with the filters of `ListIndicators`.
async fn list_indicators(
    session: &Session,
    set: i32,
    statutory: bool,
    group: &str,
) -> Result<Vec<pb::Indicator>, CliError> {
    paging::all(|page_token| async move {
        let r = rpc!(
            session,
            indicators.list_indicators(pb::ListIndicatorsRequest {
                indicator_set: set.to_string(),
                statutory: statutory.then_some(true),
                status: String::new(),
                subject_group: group.to_owned(),
                page_size: 500,
                page_token,
            })
        )?;
        Ok((r.indicators, r.next_page_token))
    })
    .await
}

/// Every area, or one region's.
async fn list_areas(session: &Session, region: pb::Region) -> Result<Vec<pb::Area>, CliError> {
    paging::all(|page_token| async move {
        let r = rpc!(
            session,
            areas.list_areas(pb::ListAreasRequest {
                region: region as i32,
                page_size: 200,
                page_token,
            })
        )?;
        Ok((r.areas, r.next_page_token))
    })
    .await
}

/// When `code` is not an area: an error saying so, with the nearest areas.
/// `None` when the area exists (or the list cannot be read).
pub async fn unknown_area(session: &Session, code: &str) -> Option<CliError> {
    let code = code.trim().trim_start_matches("areas/");
    let areas = list_areas(session, pb::Region::Unspecified).await.ok()?;
    if areas.iter().any(|a| a.code == code) {
        return None;
    }
    let hint = did_you_mean(code, areas.iter().map(|a| a.code.as_str()))
        .unwrap_or_else(|| "list the areas with `laa area list`".into());
    Some(
        CliError::new(
            Exit::NotFound,
            "NOT_FOUND",
            format!("there is no area '{code}'"),
        )
        .hint(hint),
    )
}

/// When `number` is not in `set`: the nearest indicators, as a hint.
pub async fn indicators_near(session: &Session, set: i32, number: i32) -> Option<String> {
    let all = list_indicators(session, set, false, "").await.ok()?;
    let numbers: Vec<String> = all.iter().map(|i| i.number.to_string()).collect();
    let near = nearest_numbers(&number.to_string(), numbers.iter().map(String::as_str));
    let described: Vec<String> = near
        .iter()
        .filter_map(|n| all.iter().find(|i| i.number.to_string() == *n))
        .map(|i| format!("NI {} ({})", i.number, i.title))
        .collect();
    if described.is_empty() {
        Some(format!(
            "set {set} has indicators 1 to {}: `laa indicator list --set {set}`",
            all.iter().map(|i| i.number).max().unwrap_or(0)
        ))
    } else {
        Some(format!("did you mean {}?", described.join(" or ")))
    }
}

/// Runs `laa indicator`.
pub async fn indicator(session: &Session, command: IndicatorCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        IndicatorCommand::List {
            set,
            statutory,
            group,
        } => {
            let group = group.unwrap_or_default();
            let all = list_indicators(session, set, statutory, &group).await?;
            if all.is_empty() && !group.is_empty() {
                let every = list_indicators(session, set, false, "").await?;
                let mut groups: Vec<&str> =
                    every.iter().map(|i| i.subject_group.as_str()).collect();
                groups.sort_unstable();
                groups.dedup();
                return Err(CliError::new(
                    Exit::NotFound,
                    "NOT_FOUND",
                    format!("set {set} has no subject group '{group}'"),
                )
                .hint(
                    did_you_mean(&group, groups.iter().copied())
                        .unwrap_or_else(|| format!("the groups are: {}", groups.join(", "))),
                ));
            }
            render::indicators(out, &all)
        }
        IndicatorCommand::Show { number, set } => {
            let found = rpc!(
                session,
                indicators.get_indicator(pb::GetIndicatorRequest {
                    name: format!("indicatorSets/{set}/indicators/{number}"),
                })
            );
            match found {
                Ok(i) => render::indicator(out, &i),
                Err(e) if e.exit == Exit::NotFound || e.exit == Exit::Usage => {
                    match indicators_near(session, set, number).await {
                        Some(hint) => Err(e.hint(hint)),
                        None => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        }
        IndicatorCommand::Sets => {
            let r = rpc!(
                session,
                indicators.list_indicator_sets(pb::ListIndicatorSetsRequest {})
            )?;
            render::indicator_sets(out, &r.indicator_sets)
        }
        IndicatorCommand::Set(c) => super::indicator_sets::run(session, c).await,
        IndicatorCommand::Departments => {
            let r = rpc!(
                session,
                indicators.list_departments(pb::ListDepartmentsRequest {})
            )?;
            render::departments(out, &r.departments)
        }
        IndicatorCommand::Partners => {
            let r = rpc!(
                session,
                indicators.list_partners(pb::ListPartnersRequest {})
            )?;
            render::partners(out, &r.partners)
        }
    }
}

/// Runs `laa area`.
pub async fn area(session: &Session, command: AreaCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        AreaCommand::List { region: r } => {
            let wanted = match r {
                Some(r) => region(&r)?,
                None => pb::Region::Unspecified,
            };
            render::areas(out, &list_areas(session, wanted).await?)
        }
        AreaCommand::Show { area } => {
            let found = rpc!(
                session,
                areas.get_area(pb::GetAreaRequest {
                    name: format!("areas/{}", area.trim().trim_start_matches("areas/")),
                })
            );
            match found {
                Ok(a) => render::area(out, &a),
                Err(e) if e.exit == Exit::NotFound => {
                    Err(unknown_area(session, &area).await.unwrap_or(e))
                }
                Err(e) => Err(e),
            }
        }
        AreaCommand::Assessment { area, round } => {
            super::performance::assessment(session, &area, &round).await
        }
        AreaCommand::Create {
            code,
            name,
            region: r,
            kind,
            request_id,
        } => {
            let region = region(&r)?;
            let created = rpc!(
                session,
                areas.create_area(pb::CreateAreaRequest {
                    area: Some(pb::Area {
                        name: String::new(),
                        code,
                        display_name: name,
                        region: region as i32,
                        kind,
                        ..Default::default()
                    }),
                    request_id: super::change::request_id(request_id),
                })
            )?;
            if out.format() == crate::client::args::Format::Table {
                println!("area created: {} ({})", created.code, created.display_name);
                Ok(())
            } else {
                render::area(out, &created)
            }
        }
        AreaCommand::SetPopulation {
            area,
            population,
            as_of,
            source,
            request_id,
        } => {
            let set = rpc!(
                session,
                areas.set_area_population(pb::SetAreaPopulationRequest {
                    area: format!("areas/{}", area.trim().trim_start_matches("areas/")),
                    population,
                    as_of,
                    source,
                    request_id: super::change::request_id(request_id),
                })
            )?;
            if out.format() == crate::client::args::Format::Table {
                println!(
                    "population set: {} {} ({}, {})",
                    set.code, set.population, set.population_as_of, set.population_source
                );
                Ok(())
            } else {
                render::area(out, &set)
            }
        }
    }
}

/// Runs `laa round`.
pub async fn round(session: &Session, command: RoundCommand) -> Result<(), CliError> {
    let out = &session.out;
    match command {
        RoundCommand::List => {
            let r = rpc!(session, rounds.list_rounds(pb::ListRoundsRequest {}))?;
            render::rounds(out, &r.rounds)
        }
        RoundCommand::Show { round } => {
            let r = rpc!(
                session,
                rounds.get_round(pb::GetRoundRequest {
                    name: format!("rounds/{}", round.trim().trim_start_matches("rounds/")),
                })
            )?;
            render::round(out, &r)
        }
        RoundCommand::Trajectory {
            indicator,
            round,
            floor,
        } => {
            let t = rpc!(
                session,
                rounds.get_national_trajectory(pb::GetNationalTrajectoryRequest {
                    round,
                    indicator_number: i32::from(indicator),
                    floor: floor.unwrap_or_default(),
                })
            )?;
            render::national_trajectory(out, &t)
        }
        RoundCommand::ProposeTarget {
            indicator,
            round,
            department,
            year,
            value,
            floor,
            rationale,
            request_id,
        } => {
            let t = rpc!(
                session,
                rounds.propose_national_target(pb::ProposeNationalTargetRequest {
                    round,
                    indicator_number: i32::from(indicator),
                    department,
                    year,
                    value,
                    floor,
                    rationale,
                    request_id: super::change::request_id(request_id),
                })
            )?;
            render::national_trajectory(out, &t)
        }
    }
}
