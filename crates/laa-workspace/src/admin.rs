//! The reference data's pages: the National Indicator Set's versions
//! (drafting, consultation comments, publication), the rounds, the areas,
//! and opening an agreement.
//!
//! Anyone signed in reads them, as over gRPC; each form is the request of
//! its service method (`CreateIndicatorSet`, `CommentOnIndicatorSet`,
//! `PublishIndicatorSet`, `CreateRound`, `CreateArea`, `OpenAgreement`),
//! sent on the person's behalf, so who may do what is the engine's
//! answer, shown as an error summary like an agreement's forms.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use laa_core::Role;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_proto::v1::area_service_server::AreaService;
use laa_proto::v1::indicator_service_server::IndicatorService;
use laa_proto::v1::round_service_server::RoundService;
use maud::{Markup, html};
use serde::Deserialize;

use crate::Workspace;
use crate::forms::Submitted;
use crate::layout::{self, FieldError, Input, banner, tag};
use crate::refusal::{Refusal, form_field};
use crate::respond::{html as respond, see_other};
use crate::session::Person;

/// A reference page: which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// `/indicator-sets`.
    IndicatorSets,
    /// `/rounds`.
    Rounds,
    /// `/areas`.
    Areas,
}

impl Reference {
    fn path(self) -> String {
        let page = match self {
            Reference::IndicatorSets => "indicator-sets",
            Reference::Rounds => "rounds",
            Reference::Areas => "areas",
        };
        format!("{}/{page}", crate::ROOT)
    }

    fn of(command: &str) -> Option<Self> {
        match command {
            "CreateIndicatorSet" | "CommentOnIndicatorSet" | "PublishIndicatorSet" => {
                Some(Reference::IndicatorSets)
            }
            "CreateRound" => Some(Reference::Rounds),
            "CreateArea" => Some(Reference::Areas),
            _ => None,
        }
    }
}

/// The query a page is reached with after a command.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// A refused submission to show again.
struct Refused {
    command: String,
    form: Submitted,
    errors: Vec<FieldError>,
}

/// `GET /indicator-sets`.
pub async fn indicator_sets(
    State(workspace): State<Workspace>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    page(
        &workspace,
        &person,
        Reference::IndicatorSets,
        &done.done,
        None,
        StatusCode::OK,
    )
    .await
}

/// `GET /rounds`.
pub async fn rounds(
    State(workspace): State<Workspace>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    page(
        &workspace,
        &person,
        Reference::Rounds,
        &done.done,
        None,
        StatusCode::OK,
    )
    .await
}

/// `GET /areas`.
pub async fn areas(
    State(workspace): State<Workspace>,
    Query(done): Query<Done>,
    person: Person,
) -> Response {
    page(
        &workspace,
        &person,
        Reference::Areas,
        &done.done,
        None,
        StatusCode::OK,
    )
    .await
}

async fn page(
    workspace: &Workspace,
    person: &Person,
    which: Reference,
    done: &str,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let waiting = crate::inbox::count(workspace, person).await;
    let body = match which {
        Reference::IndicatorSets => sets_page(workspace, person, refused.as_ref()).await,
        Reference::Rounds => rounds_page(workspace, person, refused.as_ref()).await,
        Reference::Areas => areas_page(workspace, person, refused.as_ref()).await,
    };
    let title = match which {
        Reference::IndicatorSets => "Indicator sets",
        Reference::Rounds => "Rounds",
        Reference::Areas => "Areas",
    };
    let body = html! {
        @if !done.is_empty() {
            (banner(true, "Done", html! { p { (done_words(done)) " is recorded." } }))
        }
        @if let Some(r) = &refused { (layout::error_summary(&r.errors)) }
        (body)
    };
    respond(status, layout::page(person, waiting, title, body))
}

fn done_words(command: &str) -> &'static str {
    match command {
        "CreateIndicatorSet" => "The draft indicator set",
        "CommentOnIndicatorSet" => "Your comment",
        "PublishIndicatorSet" => "The set's publication",
        "CreateRound" => "The round",
        "CreateArea" => "The area",
        _ => "The change",
    }
}

/// The hidden fields every reference form carries.
fn envelope(person: &Person, command: &str, refused: Option<&Refused>) -> Markup {
    let request_id = refused
        .filter(|r| r.command == command)
        .map(|r| r.form.get("request_id").to_owned())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    html! {
        input type="hidden" name="csrf" value=(person.csrf);
        input type="hidden" name="command" value=(command);
        input type="hidden" name="request_id" value=(request_id);
    }
}

/// The values and problems of the refused form of `command`, if it is one.
fn shown<'a>(refused: Option<&'a Refused>, command: &str) -> (&'a Submitted, &'a [FieldError]) {
    static EMPTY: std::sync::OnceLock<Submitted> = std::sync::OnceLock::new();
    match refused {
        Some(r) if r.command == command => (&r.form, &r.errors),
        _ => (EMPTY.get_or_init(Submitted::default), &[]),
    }
}

fn text(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    form: &Submitted,
    errors: &[FieldError],
) -> Markup {
    layout::text_input(&Input {
        id,
        label,
        hint,
        kind: "text",
        value: form.get(id),
        errors,
        autocomplete: "off",
        width: None,
    })
}

fn action() -> String {
    format!("{}/reference", crate::ROOT)
}

async fn sets_page(workspace: &Workspace, person: &Person, refused: Option<&Refused>) -> Markup {
    let listed = workspace
        .engine
        .list_indicator_sets(person.request(pb::ListIndicatorSetsRequest {}))
        .await
        .map(|r| r.into_inner().indicator_sets)
        .unwrap_or_default();
    // A listing carries no comments: a draft's are read with the set.
    let mut sets = Vec::with_capacity(listed.len());
    for set in listed {
        if set.status != "draft" {
            sets.push(set);
            continue;
        }
        let read = workspace
            .engine
            .get_indicator_set(person.request(pb::GetIndicatorSetRequest {
                name: set.name.clone(),
            }))
            .await;
        sets.push(read.map_or(set, tonic::Response::into_inner));
    }
    let admin = person.actor.role == Role::Admin;
    let (draft_form, draft_errors) = shown(refused, "CreateIndicatorSet");
    html! {
        h1.heading-xl { "Indicator sets" }
        p { "The versions of the National Indicator Set. A draft is consulted on before it is published; anyone signed in may comment while its consultation is open." }
        @for set in &sets {
            section.form-section aria-labelledby={ "set-" (set.version) } {
                h2.heading-l id={ "set-" (set.version) } { "The " (set.version) " set" }
                (layout::summary_list(&[
                    ("Status", if set.status == "draft" { tag("Draft, under consultation", "yellow") } else { tag("Published", "green") }),
                    ("Indicators", html! { (set.active_count) " active, " (set.withdrawn_count) " withdrawn" }),
                    ("Based on", html! { @if set.based_on == 0 { "None" } @else { (set.based_on) } }),
                    ("Consultation", html! { @if set.consultation_opens.is_empty() { "None" } @else { (set.consultation_opens) " to " (set.consultation_closes) } }),
                ]))
                @if !set.comments.is_empty() {
                    h3.heading-m { "Comments" }
                    ol.thread {
                        @for c in &set.comments {
                            li.thread-entry { p { (c.text) } p.hint { (c.author) " (" (c.role) ")" } }
                        }
                    }
                }
                @if set.status == "draft" {
                    @let id = format!("comment-{}", set.version);
                    @let (form, errors) = shown(refused.filter(|r| r.form.get("indicator_set") == set.version.to_string()), "CommentOnIndicatorSet");
                    form #(format!("form-CommentOnIndicatorSet-{}", set.version)) method="post" action=(action()) novalidate {
                        (envelope(person, "CommentOnIndicatorSet", refused))
                        input type="hidden" name="indicator_set" value=(set.version);
                        (layout::textarea("text", "Your comment", Some("Seen by everyone who reads the set."), form.get("text"), errors))
                        button.button type="submit" id=(id) { "Send comment" }
                    }
                    @if admin {
                        form #(format!("form-PublishIndicatorSet-{}", set.version)) method="post" action=(action()) novalidate {
                            (envelope(person, "PublishIndicatorSet", refused))
                            input type="hidden" name="indicator_set" value=(set.version);
                            button.button type="submit" id={ "publish-" (set.version) } { "Publish the " (set.version) " set" }
                        }
                    }
                }
            }
        }
        @if admin {
            section.form-section aria-labelledby="draft-title" {
                h2.heading-l #draft-title { "Draft a new set" }
                form #form-CreateIndicatorSet method="post" action=(action()) novalidate {
                    (envelope(person, "CreateIndicatorSet", refused))
                    (text("version", "Version", Some("The year it will be published, later than every set, such as 2011."), draft_form, draft_errors))
                    (text("based_on", "Based on", Some("The published set it starts from, such as 2008."), draft_form, draft_errors))
                    (text("consultation_closes", "Consultation closes", Some("YYYY-MM-DD, 3 to 24 months from today; empty for 3 months."), draft_form, draft_errors))
                    (layout::textarea("edits", "Changes", Some("One a line: 'withdraw 12', 'add 199 | title | subject group', or 'amend 117 | new title | subject group'."), draft_form.get("edits"), draft_errors))
                    button.button type="submit" id="submit-CreateIndicatorSet" { "Draft the set" }
                }
            }
        }
    }
}

async fn rounds_page(workspace: &Workspace, person: &Person, refused: Option<&Refused>) -> Markup {
    let rounds = workspace
        .engine
        .list_rounds(person.request(pb::ListRoundsRequest {}))
        .await
        .map(|r| r.into_inner().rounds)
        .unwrap_or_default();
    let (form, errors) = shown(refused, "CreateRound");
    html! {
        h1.heading-xl { "Rounds" }
        div.table-wrap role="region" aria-label="Rounds" tabindex="0" {
            table.table {
                caption.visually-hidden { "Rounds" }
                thead { tr { th scope="col" { "Round" } th scope="col" { "Years" } th scope="col" { "Cap" } th scope="col" { "Statutory" } th scope="col" { "Set" } } }
                tbody {
                    @for r in &rounds {
                        tr {
                            th scope="row" { (r.round) }
                            td { (r.years.join(", ")) }
                            td { (r.designated_cap) }
                            td { (r.statutory_indicators.len()) }
                            td { (r.indicator_set) }
                        }
                    }
                }
            }
        }
        @if person.actor.role == Role::Admin {
            section.form-section aria-labelledby="round-title" {
                h2.heading-l #round-title { "Create a round" }
                form #form-CreateRound method="post" action=(action()) novalidate {
                    (envelope(person, "CreateRound", refused))
                    (text("round", "Round", Some("Its id, such as 2011-14."), form, errors))
                    (text("indicator_set", "Indicator set", Some("The published set it is checked against, such as 2008."), form, errors))
                    (text("designated_cap", "Designated targets per agreement", Some("At most this many, such as 35."), form, errors))
                    (text("statutory_indicators", "Statutory indicators", Some("Their numbers, separated by commas."), form, errors))
                    (text("years", "Years", Some("The financial years, separated by commas: 2011/12, 2012/13, 2013/14."), form, errors))
                    (layout::textarea("refreshes", "Refreshes", Some("One a line: the refresh and its deadline, such as '2012 2012-12-01'."), form.get("refreshes"), errors))
                    (text("reward_per_target", "Reward per designated target (pounds)", None, form, errors))
                    (text("reward_floor_percent", "Reward floor (percent of the planned improvement)", None, form, errors))
                    (text("reward_full_percent", "Full reward at (percent)", None, form, errors))
                    (text("late_demand_cutoff", "Late demands after (optional)", Some("YYYY-MM-DD."), form, errors))
                    (layout::checkbox("rebaseline_needs_ministers", "A re-baselining needs Ministers' approval", form.flag("rebaseline_needs_ministers")))
                    button.button type="submit" id="submit-CreateRound" { "Create the round" }
                }
            }
        }
    }
}

fn region_options() -> Vec<(String, String)> {
    (1..=9)
        .filter_map(|i| pb::Region::try_from(i).ok())
        .map(|r| {
            let words = r
                .as_str_name()
                .trim_start_matches("REGION_")
                .replace('_', " ")
                .to_lowercase();
            (r.as_str_name().to_owned(), words)
        })
        .collect()
}

async fn areas_page(workspace: &Workspace, person: &Person, refused: Option<&Refused>) -> Markup {
    let mut areas = Vec::new();
    let mut page_token = String::new();
    loop {
        let Ok(listed) = workspace
            .engine
            .list_areas(person.request(pb::ListAreasRequest {
                region: 0,
                page_size: 200,
                page_token: page_token.clone(),
            }))
            .await
            .map(tonic::Response::into_inner)
        else {
            break;
        };
        areas.extend(listed.areas);
        if listed.next_page_token.is_empty() || areas.len() > 1000 {
            break;
        }
        page_token = listed.next_page_token;
    }
    let (form, errors) = shown(refused, "CreateArea");
    let kinds: Vec<(String, String)> = ["county", "unitary", "metropolitan", "london_borough"]
        .iter()
        .map(|k| ((*k).to_owned(), k.replace('_', " ")))
        .collect();
    html! {
        h1.heading-xl { "Areas" }
        p { (areas.len()) " areas." }
        @if person.actor.role == Role::Admin {
            section.form-section aria-labelledby="area-title" {
                h2.heading-l #area-title { "Create an area" }
                form #form-CreateArea method="post" action=(action()) novalidate {
                    (envelope(person, "CreateArea", refused))
                    (text("code", "Code", Some("A lowercase slug, such as north-tyneside."), form, errors))
                    (text("display_name", "Name", Some("As people write it, such as North Tyneside."), form, errors))
                    (layout::select("region", "Government Office region", &region_options(), form.get("region"), errors))
                    (layout::select("kind", "Kind", &kinds, form.get("kind"), errors))
                    button.button type="submit" id="submit-CreateArea" { "Create the area" }
                }
            }
        }
        div.table-wrap role="region" aria-label="Areas" tabindex="0" {
            table.table {
                caption.visually-hidden { "Areas" }
                thead { tr { th scope="col" { "Area" } th scope="col" { "Code" } th scope="col" { "Kind" } } }
                tbody {
                    @for a in &areas {
                        tr { th scope="row" { (a.display_name) } td { (a.code) } td { (a.kind.replace('_', " ")) } }
                    }
                }
            }
        }
    }
}

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
fn refusal_errors(refusal: &Refusal, command: &str) -> Vec<FieldError> {
    let first = match command {
        "CommentOnIndicatorSet" => "text",
        "PublishIndicatorSet" => "indicator_set",
        "CreateIndicatorSet" => "version",
        "CreateRound" => "round",
        "CreateArea" => "code",
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

/// The form that opens an agreement, for the agreements page.
pub fn open_form(person: &Person, refused: Option<(&Submitted, &[FieldError])>) -> Markup {
    let empty = Submitted::default();
    let (form, errors) = refused.unwrap_or((&empty, &[]));
    html! {
        section.form-section aria-labelledby="open-title" {
            h2.heading-l #open-title { "Open an agreement" }
            form #form-OpenAgreement method="post" action=(action()) novalidate {
                input type="hidden" name="csrf" value=(person.csrf);
                input type="hidden" name="command" value="OpenAgreement";
                input type="hidden" name="request_id" value=(uuid::Uuid::new_v4().to_string());
                (text("area", "Area", Some("Its code, such as kent."), form, errors))
                (text("round", "Round", Some("Empty for 2008-11."), form, errors))
                (text("indicator_set", "Indicator set", Some("The published set it is bound to, such as 2007."), form, errors))
                button.button type="submit" id="submit-OpenAgreement" { "Open the agreement" }
            }
        }
    }
}

async fn open(workspace: &Workspace, person: &Person, form: Submitted) -> Response {
    let mut errors = Vec::new();
    let indicator_set = whole(&form, "indicator_set", "the indicator set", &mut errors);
    let area = form.get("area").trim_start_matches("areas/").to_owned();
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
            if errors.is_empty() {
                let refusal = Refusal::of(&status);
                if refusal.code == tonic::Code::Unauthenticated {
                    return see_other(&format!("{}/sign-in", crate::ROOT));
                }
                errors = refusal_errors(&refusal, "OpenAgreement");
            }
            crate::inbox::agreements_page(
                workspace,
                person,
                Some((&form, &errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
