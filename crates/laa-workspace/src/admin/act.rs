//! The reference forms' one handler: each form's request sent to its
//! service method on the person's behalf; and opening an agreement.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_proto::v1::area_service_server::AreaService;
use laa_proto::v1::indicator_service_server::IndicatorService;
use laa_proto::v1::round_service_server::RoundService;

use super::{Reference, Refused, page};
use crate::Workspace;
use crate::forms::Submitted;
use crate::layout::{self, FieldError};
use crate::refusal::{Refusal, form_field};
use crate::respond::{html as respond, see_other};
use crate::session::Person;

/// Parses the `Changes` of a draft set: one edit a line.
fn edits(text: &str) -> Result<Vec<pb::IndicatorSetEdit>, String> {
    use pb::indicator_set_edit::Edit;
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let bad = || {
            format!(
                "Line {}: write 'withdraw 12', 'add 199 | title | subject group' or 'amend 117 | title | subject group'",
                i + 1
            )
        };
        let (verb, rest) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let mut parts = rest.split('|').map(str::trim);
        let number: i32 = parts
            .next()
            .and_then(|n| n.trim_start_matches(['N', 'n', 'I', 'i', ' ']).parse().ok())
            .ok_or_else(bad)?;
        let indicator = |parts: &mut dyn Iterator<Item = &str>| -> Result<pb::Indicator, String> {
            let title = parts.next().filter(|t| !t.is_empty()).ok_or_else(bad)?;
            let group = parts.next().filter(|t| !t.is_empty()).ok_or_else(bad)?;
            Ok(pb::Indicator {
                number,
                title: title.to_owned(),
                subject_group: group.to_owned(),
                ..Default::default()
            })
        };
        let edit = match verb.to_ascii_lowercase().as_str() {
            "withdraw" => Edit::Withdraw(number),
            "add" => Edit::Add(indicator(&mut parts)?),
            "amend" => Edit::Amend(indicator(&mut parts)?),
            _ => return Err(bad()),
        };
        out.push(pb::IndicatorSetEdit { edit: Some(edit) });
    }
    Ok(out)
}

fn numbers(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Vec<i32> {
    let mut out = Vec::new();
    for part in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.trim_start_matches(['N', 'n', 'I', 'i']).parse::<i32>() {
            Ok(n) => out.push(n),
            Err(_) => {
                errors.push(FieldError::new(
                    field,
                    format!("'{part}' is not a number: list numbers separated by commas"),
                ));
                break;
            }
        }
    }
    out
}

fn whole(form: &Submitted, field: &str, what: &str, errors: &mut Vec<FieldError>) -> i32 {
    match form.get(field).parse::<i32>() {
        Ok(n) => n,
        Err(_) if form.get(field).is_empty() => 0,
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("Enter {what} as a whole number"),
            ));
            0
        }
    }
}

/// `POST /reference`: a reference form, or opening an agreement.
pub async fn act(
    State(workspace): State<Workspace>,
    person: Person,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(fields);
    if !person.forms_token_matches(form.get("csrf")) {
        return respond(StatusCode::FORBIDDEN, layout::forbidden());
    }
    let command = form.get("command").to_owned();
    if command == "OpenAgreement" {
        return open(&workspace, &person, form).await;
    }
    let Some(which) = Reference::of(&command) else {
        return respond(StatusCode::UNPROCESSABLE_ENTITY, layout::forbidden());
    };
    let mut errors = Vec::new();
    let request_id = form.get("request_id").to_owned();
    let engine = &workspace.engine;
    let sent: Result<(), tonic::Status> = match command.as_str() {
        "CommentOnIndicatorSet" => engine
            .comment_on_indicator_set(person.request(pb::CommentOnIndicatorSetRequest {
                indicator_set: form.get("indicator_set").to_owned(),
                text: form.get("text").to_owned(),
                occurred_at: None,
                request_id,
            }))
            .await
            .map(drop),
        "PublishIndicatorSet" => engine
            .publish_indicator_set(person.request(pb::PublishIndicatorSetRequest {
                name: format!("indicatorSets/{}", form.get("indicator_set")),
                occurred_at: None,
                request_id,
            }))
            .await
            .map(drop),
        "CreateIndicatorSet" => {
            let version = whole(&form, "version", "the version", &mut errors);
            let edits = edits(form.get("edits")).unwrap_or_else(|e| {
                errors.push(FieldError::new("edits", e));
                Vec::new()
            });
            if errors.is_empty() {
                engine
                    .create_indicator_set(person.request(pb::CreateIndicatorSetRequest {
                        version,
                        based_on: form.get("based_on").to_owned(),
                        edits,
                        consultation_closes: form.get("consultation_closes").to_owned(),
                        occurred_at: None,
                        request_id,
                    }))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        }
        "CreateRound" => {
            let statutory = numbers(
                form.get("statutory_indicators"),
                "statutory_indicators",
                &mut errors,
            );
            let years: Vec<String> = form
                .get("years")
                .split(',')
                .map(str::trim)
                .filter(|y| !y.is_empty())
                .map(str::to_owned)
                .collect();
            let refreshes: Vec<pb::RefreshDeadline> = form
                .get("refreshes")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let (refresh, deadline) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
                    pb::RefreshDeadline {
                        refresh: refresh.trim().to_owned(),
                        deadline: deadline.trim().to_owned(),
                    }
                })
                .collect();
            let round = pb::Round {
                round: form.get("round").to_owned(),
                indicator_set: whole(&form, "indicator_set", "the indicator set", &mut errors),
                designated_cap: whole(&form, "designated_cap", "the cap", &mut errors),
                statutory_indicators: statutory,
                years,
                refreshes,
                late_demand_cutoff: form.get("late_demand_cutoff").to_owned(),
                reward_per_target: form.get("reward_per_target").to_owned(),
                reward_floor_percent: form.get("reward_floor_percent").to_owned(),
                reward_full_percent: form.get("reward_full_percent").to_owned(),
                rebaseline_needs_ministers: form.flag("rebaseline_needs_ministers"),
                ..Default::default()
            };
            if errors.is_empty() {
                engine
                    .create_round(person.request(pb::CreateRoundRequest {
                        round: Some(round),
                        request_id,
                    }))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        }
        "CreateArea" => {
            let region = pb::Region::from_str_name(form.get("region")).map_or(0, |r| r as i32);
            engine
                .create_area(person.request(pb::CreateAreaRequest {
                    area: Some(pb::Area {
                        code: form.get("code").to_owned(),
                        display_name: form.get("display_name").to_owned(),
                        region,
                        kind: form.get("kind").to_owned(),
                        ..Default::default()
                    }),
                    request_id,
                }))
                .await
                .map(drop)
        }
        "SetAreaPopulation" => {
            let population = match form.get("population").replace(',', "").parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push(FieldError::new(
                        "population",
                        "Enter the population as a whole number, such as 1394700",
                    ));
                    0
                }
            };
            if errors.is_empty() {
                engine
                    .set_area_population(person.request(pb::SetAreaPopulationRequest {
                        area: format!("areas/{}", form.get("area")),
                        population,
                        as_of: form.get("as_of").to_owned(),
                        source: form.get("source").to_owned(),
                        request_id,
                    }))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        }
        "ProposeNationalTarget" => {
            let indicator_number = whole(&form, "indicator_number", "the indicator", &mut errors);
            if errors.is_empty() {
                engine
                    .propose_national_target(person.request(pb::ProposeNationalTargetRequest {
                        round: form.get("round").to_owned(),
                        indicator_number,
                        department: form.get("department").to_owned(),
                        year: form.get("year").to_owned(),
                        value: form.get("value").to_owned(),
                        floor: form.get("floor").to_owned(),
                        rationale: form.get("rationale").to_owned(),
                        request_id,
                    }))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    };
    match sent {
        Ok(()) if errors.is_empty() => see_other(&format!("{}?done={command}", which.path())),
        Ok(()) => {
            let refused = Refused {
                command,
                form,
                errors,
            };
            page(
                &workspace,
                &person,
                which,
                "",
                Some(refused),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(status) => {
            let refusal = Refusal::of(&status);
            if refusal.code == tonic::Code::Unauthenticated {
                return see_other(&format!("{}/sign-in", crate::ROOT));
            }
            let errors = refusal_errors(&refusal, &command);
            let refused = Refused {
                command,
                form,
                errors,
            };
            page(
                &workspace,
                &person,
                which,
                "",
                Some(refused),
                refusal.http_status(),
            )
            .await
        }
    }
}

/// The problems a refusal names, each on the field it concerns (or the
/// form's first field).
pub(super) fn refusal_errors(refusal: &Refusal, command: &str) -> Vec<FieldError> {
    let first = match command {
        "CommentOnIndicatorSet" => "text",
        "PublishIndicatorSet" => "indicator_set",
        "CreateIndicatorSet" => "version",
        "CreateRound" => "round",
        "CreateArea" => "code",
        "ProposeNationalTarget" => "indicator_number",
        _ => "area",
    };
    if refusal.fields.is_empty() {
        return vec![FieldError::new(first, refusal.message.clone())];
    }
    refusal
        .fields
        .iter()
        .map(|(path, description)| {
            let field = form_field(
                path.trim_start_matches("round.")
                    .trim_start_matches("area."),
                &[],
            );
            FieldError::new(field, description.clone())
        })
        .collect()
}

async fn open(workspace: &Workspace, person: &Person, form: Submitted) -> Response {
    let mut errors = Vec::new();
    let indicator_set = whole(&form, "indicator_set", "the indicator set", &mut errors);
    let area = form
        .get("area")
        .trim_start_matches("areas/")
        .trim()
        .to_lowercase()
        .replace(' ', "-");
    if area.is_empty() {
        errors.push(FieldError::new(
            "area",
            "Choose the area to open an agreement for",
        ));
    }
    if form.get("indicator_set").is_empty() {
        errors.push(FieldError::new(
            "indicator_set",
            "Choose the published indicator set to bind it to, such as 2007",
        ));
    }
    let sent = if errors.is_empty() {
        workspace
            .engine
            .open_agreement(person.request(pb::OpenAgreementRequest {
                area: format!("areas/{area}"),
                round: form.get("round").to_owned(),
                indicator_set,
                request_id: form.get("request_id").to_owned(),
                expected_version: 0,
                occurred_at: None,
            }))
            .await
            .map(|r| r.into_inner())
    } else {
        Err(tonic::Status::invalid_argument("the form has problems"))
    };
    match sent {
        Ok(answer) => {
            let name = answer.agreement.map(|a| a.name).unwrap_or_default();
            let id = name.strip_prefix("agreements/").unwrap_or(&name);
            see_other(&format!(
                "{}/agreements/{id}?done=OpenAgreement",
                crate::ROOT
            ))
        }
        Err(status) => {
            let mut answer = StatusCode::UNPROCESSABLE_ENTITY;
            if errors.is_empty() {
                let refusal = Refusal::of(&status);
                if refusal.code == tonic::Code::Unauthenticated {
                    return see_other(&format!("{}/sign-in", crate::ROOT));
                }
                // The status gRPC answers: another region's area is 403, an
                // agreement already open 409.
                answer = refusal.http_status();
                errors = refusal_errors(&refusal, "OpenAgreement");
            }
            crate::inbox::agreements_page(workspace, person, Some((&form, &errors)), answer).await
        }
    }
}
