//! Spreadsheets in and out of the workspace: an agreement's targets and
//! terms uploaded as CSV or XLSX, checked in a "check your answers" page
//! with every row's outcome, then applied as one unit (all rows or none);
//! an agreement, or every agreement the person may read, downloaded as
//! CSV or XLSX. The columns are `docs/SPREADSHEETS.md`'s, read and written
//! by `laa_sheets`, as the CLI's `laa target import` and `laa agreement
//! export` do.
//!
//! The check is `ImportTargets` with `validate_only`, the application the
//! same request without it, with the request id and version the check was
//! made at: the rows are decided by the engine both times, and a change
//! made between the two is a conflict, not a surprise.

use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use laa_core::IndicatorNumber;
use laa_proto::v1 as pb;
use laa_proto::v1::agreement_service_server::AgreementService;
use laa_sheets::{Format, ParsedSheet, Sheet};
use maud::{Markup, html};

use crate::Workspace;
use crate::agreement::{area_name, read, refused_page, years_of};
use crate::forms::Submitted;
use crate::layout::{self, FieldError, banner, tag};
use crate::refusal::Refusal;
use crate::respond::{html as respond, see_other};
use crate::session::Person;

/// The most bytes an upload may carry (the sheet's own limit, and room
/// for the form around it).
pub const MAX_UPLOAD_BYTES: usize = laa_sheets::MAX_FILE_BYTES + 64 * 1024;

/// The upload form, for the agreement page.
pub fn upload_form(person: &Person, agreement: &str, version: i64) -> Markup {
    html! {
        section.form-section aria-labelledby="upload-title" {
            h3.heading-m #upload-title { "Upload targets from a spreadsheet" }
            p { "A CSV or XLSX file with a header row and one target a row (the columns are those of a download). You will see every row's outcome before anything is recorded." }
            p {
                a.link href={ (crate::ROOT) "/agreements/" (agreement) "/sheet.xlsx" } { "Download this agreement as XLSX" }
                " or "
                a.link href={ (crate::ROOT) "/agreements/" (agreement) "/sheet.csv" } { "CSV" }
            }
            form #form-ImportTargets method="post" action={ (crate::ROOT) "/agreements/" (agreement) "/import" } enctype="multipart/form-data" novalidate {
                input type="hidden" name="csrf" value=(person.csrf);
                input type="hidden" name="expected_version" value=(version);
                input type="hidden" name="request_id" value=(uuid::Uuid::new_v4().to_string());
                div.form-group {
                    label.label for="sheet" { "Spreadsheet" }
                    div.hint #sheet-hint { "CSV or XLSX, at most 2 MB and 200 rows." }
                    input.file-upload #sheet name="sheet" type="file" accept=".csv,.xlsx" aria-describedby="sheet-hint";
                }
                button.button type="submit" id="submit-ImportTargets" { "Check the spreadsheet" }
            }
        }
    }
}

/// An uploaded sheet with its envelope.
struct Upload {
    csrf: String,
    expected_version: i64,
    request_id: String,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        csrf: String::new(),
        expected_version: 0,
        request_id: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("The upload could not be read: {e}"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "sheet" {
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            upload.bytes = field
                .bytes()
                .await
                .map_err(|e| format!("The file could not be read: {e}"))?
                .to_vec();
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| format!("The upload could not be read: {e}"))?;
        match name.as_str() {
            "csrf" => upload.csrf = text,
            "expected_version" => upload.expected_version = text.trim().parse().unwrap_or(0),
            "request_id" => upload.request_id = text,
            _ => {}
        }
    }
    Ok(upload)
}

fn parse(workspace: &Workspace, bytes: &[u8], format: Format) -> Result<ParsedSheet, String> {
    let catalogue = workspace.queries.catalogue();
    laa_sheets::parse(bytes, format, &|n: IndicatorNumber| {
        catalogue.indicator(n).map(|i| i.unit)
    })
    .map_err(|e| e.to_string())
}

/// `POST /agreements/{id}/import` (multipart): the check, every row's
/// outcome, nothing recorded.
pub async fn check(
    State(workspace): State<Workspace>,
    Path(id): Path<String>,
    person: Person,
    multipart: Multipart,
) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(problem) => return problem_page(&workspace, &person, &id, &problem).await,
    };
    if !person.forms_token_matches(&upload.csrf) {
        return respond(StatusCode::FORBIDDEN, layout::forbidden());
    }
    if upload.bytes.is_empty() {
        return problem_page(
            &workspace,
            &person,
            &id,
            "Choose a CSV or XLSX file to upload",
        )
        .await;
    }
    let Some(format) = Format::from_file_name(&upload.file_name) else {
        return problem_page(
            &workspace,
            &person,
            &id,
            "The file must be a CSV or XLSX file (its name ends .csv or .xlsx)",
        )
        .await;
    };
    decide(
        &workspace,
        &person,
        &id,
        &Checked {
            expected_version: upload.expected_version,
            request_id: upload.request_id,
            format,
            bytes: upload.bytes,
        },
        true,
    )
    .await
}

/// A checked sheet, as the apply form carries it.
struct Checked {
    expected_version: i64,
    request_id: String,
    format: Format,
    bytes: Vec<u8>,
}

/// `POST /agreements/{id}/import/apply`: the checked sheet, applied.
pub async fn apply(
    State(workspace): State<Workspace>,
    Path(id): Path<String>,
    person: Person,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(fields);
    if !person.forms_token_matches(form.get("csrf")) {
        return respond(StatusCode::FORBIDDEN, layout::forbidden());
    }
    let format = Format::parse(form.get("format")).unwrap_or(Format::Csv);
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(form.get("sheet")) else {
        return problem_page(
            &workspace,
            &person,
            &id,
            "The checked spreadsheet did not come back whole: upload it again",
        )
        .await;
    };
    let checked = Checked {
        expected_version: form.get("expected_version").parse().unwrap_or(0),
        request_id: form.get("request_id").to_owned(),
        format,
        bytes,
    };
    decide(&workspace, &person, &id, &checked, false).await
}

/// Reads the sheet and sends it: checked (`validate_only`) or applied.
async fn decide(
    workspace: &Workspace,
    person: &Person,
    id: &str,
    checked: &Checked,
    validate_only: bool,
) -> Response {
    let sheet = match parse(workspace, &checked.bytes, checked.format) {
        Ok(sheet) if sheet.rows.is_empty() => {
            return problem_page(workspace, person, id, "The spreadsheet offers no terms: every row below the header is blank or names an indicator only").await;
        }
        Ok(sheet) => sheet,
        Err(problem) => return problem_page(workspace, person, id, &problem).await,
    };
    let request = pb::ImportTargetsRequest {
        agreement: format!("agreements/{id}"),
        request_id: checked.request_id.clone(),
        expected_version: checked.expected_version,
        rows: sheet
            .rows
            .iter()
            .map(|r| laa_sheets::wire::row_to_pb(&r.row))
            .collect(),
        validate_only,
        occurred_at: None,
    };
    let answer = workspace
        .engine
        .import_targets(person.request(request))
        .await
        .map(tonic::Response::into_inner);
    match answer {
        Ok(answer) if !validate_only => {
            let replayed = if answer.applied.as_ref().is_some_and(|a| a.replayed) {
                "&replayed=1"
            } else {
                ""
            };
            see_other(&format!(
                "{}/agreements/{id}?done=ImportTargets{replayed}",
                crate::ROOT
            ))
        }
        Ok(answer) => check_page(workspace, person, id, &sheet, checked, &answer.rows, None).await,
        Err(status) => {
            let refusal = Refusal::of(&status);
            if matches!(
                refusal.code,
                tonic::Code::Unauthenticated
                    | tonic::Code::PermissionDenied
                    | tonic::Code::NotFound
            ) {
                return refused_page(person, &refusal);
            }
            check_page(workspace, person, id, &sheet, checked, &[], Some(&refusal)).await
        }
    }
}

/// The "check your answers" page: every row and its outcome; the button
/// that applies them all when every row is accepted.
async fn check_page(
    workspace: &Workspace,
    person: &Person,
    id: &str,
    sheet: &ParsedSheet,
    checked: &Checked,
    outcomes: &[pb::ImportRowOutcome],
    refusal: Option<&Refusal>,
) -> Response {
    let refused = outcomes.iter().filter(|o| !o.accepted).count();
    let changes = outcomes.iter().filter(|o| o.action != "unchanged").count();
    let all_accepted = refusal.is_none() && refused == 0 && changes > 0;
    let errors: Vec<FieldError> = match refusal {
        Some(r) => vec![FieldError::new("sheet", r.message.clone())],
        None => outcomes
            .iter()
            .filter(|o| !o.accepted)
            .map(|o| {
                let line = sheet.line_of(o.row as usize).unwrap_or(o.row as usize + 2);
                FieldError::new(format!("row-{line}"), format!("Row {line}: {}", o.message))
            })
            .collect(),
    };
    let waiting = crate::inbox::count(workspace, person).await;
    let body = html! {
        a.back-link href={ (crate::ROOT) "/agreements/" (id) } { "Back to the agreement" }
        (layout::error_summary(&errors))
        span.caption-l { (id) }
        h1.heading-xl { "Check the spreadsheet's rows" }
        @if all_accepted {
            p { "Every row can be applied. Nothing is recorded until you apply them; they are then recorded together, or none of them." }
            @if changes < outcomes.len() {
                p { (outcomes.len() - changes) " rows restate the agreement as it stands and will record nothing." }
            }
        } @else if refusal.is_none() && refused == 0 {
            p { "Every row restates the agreement as it stands: there is nothing to apply." }
        } @else if refusal.is_none() {
            p { (refused) " of " (outcomes.len()) " rows would be refused, so none can be applied. Correct the rows named and upload the spreadsheet again." }
        }
        div.table-wrap role="region" aria-label="Rows" tabindex="0" {
            table.table {
                caption.visually-hidden { "Rows" }
                thead { tr { th scope="col" { "Row" } th scope="col" { "Indicator" } th scope="col" { "Would" } th scope="col" { "Outcome" } } }
                tbody {
                    @for (index, row) in sheet.rows.iter().enumerate() {
                        @let outcome = outcomes.iter().find(|o| o.row as usize == index);
                        tr id={ "row-" (row.line) } {
                            th scope="row" { (row.line) }
                            td { (row.row.indicator.to_string()) }
                            td { (action_words(outcome.map_or("", |o| o.action.as_str()))) }
                            td {
                                @match outcome {
                                    Some(o) if o.accepted => { (tag("Ready", "green")) }
                                    Some(o) => { (tag("Refused", "red")) " " (o.message) }
                                    None => { (tag("Not checked", "grey")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if all_accepted {
            form #form-ApplyImport method="post" action={ (crate::ROOT) "/agreements/" (id) "/import/apply" } {
                input type="hidden" name="csrf" value=(person.csrf);
                input type="hidden" name="expected_version" value=(checked.expected_version);
                input type="hidden" name="request_id" value=(checked.request_id);
                input type="hidden" name="format" value=(checked.format.as_str());
                input type="hidden" name="sheet" value=(base64::engine::general_purpose::STANDARD.encode(&checked.bytes));
                button.button type="submit" id="submit-ApplyImport" { "Apply all " (outcomes.len()) " rows" }
            }
        }
        @if let Some(r) = refusal.filter(|r| r.is_conflict()) {
            (banner(false, "The agreement changed since the spreadsheet was checked", html! { p { (r.message) } p { "Upload it again to check it against the agreement as it now stands." } }))
        }
        (upload_form(person, id, checked.expected_version.max(0)))
    };
    let status = if all_accepted {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    respond(
        status,
        layout::page(person, waiting, "Check the spreadsheet", body),
    )
}

/// What a row would do, in words.
fn action_words(action: &str) -> &'static str {
    match action {
        "propose" => "Propose a new target",
        "counter" => "Offer these terms on its target",
        "unchanged" => "Nothing: it restates the agreement",
        _ => "",
    }
}

/// A sheet that cannot be read: the agreement page's upload with the
/// problem in an error summary.
async fn problem_page(workspace: &Workspace, person: &Person, id: &str, problem: &str) -> Response {
    let waiting = crate::inbox::count(workspace, person).await;
    let version = match read(workspace, person, id).await {
        Ok(a) => a.version,
        Err(refused) => return refused,
    };
    let body = html! {
        a.back-link href={ (crate::ROOT) "/agreements/" (id) } { "Back to the agreement" }
        (layout::error_summary(&[FieldError::new("sheet", problem)]))
        h1.heading-xl { "Upload targets from a spreadsheet" }
        p.error-message { span.visually-hidden { "Error: " } (problem) }
        (upload_form(person, id, version))
    };
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        layout::page(person, waiting, "Upload a spreadsheet", body),
    )
}

/// `GET /agreements/{id}/sheet.{csv|xlsx}`: the agreement's targets.
pub async fn download(
    State(workspace): State<Workspace>,
    Path((id, file)): Path<(String, String)>,
    person: Person,
) -> Response {
    let Some(format) = file
        .strip_prefix("sheet.")
        .and_then(|e| Format::parse(e).ok())
    else {
        return crate::respond::not_found().await;
    };
    let agreement = match read(&workspace, &person, &id).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    sheet_response(
        &workspace,
        &[agreement],
        format,
        &format!("{id}.{}", format.as_str()),
    )
}

/// Which of the agreements a person may read a download holds: a round
/// (`2008-11`) and/or a region (`south-east`); empty: all.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Only {
    #[serde(default)]
    round: String,
    #[serde(default)]
    region: String,
}

/// `GET /sheets/sheet.{csv|xlsx}[?round=..&region=..]`: the agreements the
/// person may read (of a round, of a region).
pub async fn download_all(
    State(workspace): State<Workspace>,
    Path(file): Path<String>,
    Query(only): Query<Only>,
    person: Person,
) -> Response {
    let Some(format) = file
        .strip_prefix("sheet.")
        .and_then(|e| Format::parse(e).ok())
    else {
        return crate::respond::not_found().await;
    };
    let region = only.region.to_ascii_lowercase();
    let all: Vec<pb::Agreement> =
        crate::inbox::visible(&workspace, &person, pb::AgreementStatus::Unspecified)
            .await
            .into_iter()
            .filter(|a| only.round.is_empty() || a.round == only.round)
            .filter(|a| {
                region.is_empty()
                    || pb::Region::try_from(a.region).is_ok_and(|r| {
                        r.as_str_name()
                            .trim_start_matches("REGION_")
                            .replace('_', "-")
                            .eq_ignore_ascii_case(&region)
                    })
            })
            .collect();
    sheet_response(
        &workspace,
        &all,
        format,
        &format!("agreements.{}", format.as_str()),
    )
}

fn sheet_response(
    workspace: &Workspace,
    agreements: &[pb::Agreement],
    format: Format,
    name: &str,
) -> Response {
    let catalogue = workspace.queries.catalogue();
    let titles: HashMap<i32, String> = catalogue
        .indicators()
        .map(|i| (i32::from(i.number.get()), i.title.clone()))
        .collect();
    let mut years: Vec<laa_core::FinancialYear> = Vec::new();
    let mut sheet = Sheet::new(Vec::new(), []);
    for a in agreements {
        for year in years_of(a.name.trim_start_matches("agreements/")) {
            if let Ok(y) = year.parse::<laa_core::FinancialYear>()
                && !years.contains(&y)
            {
                years.push(y);
            }
        }
        match laa_sheets::wire::sheet_targets(a, &titles) {
            Ok(targets) => sheet.append(Sheet::new(targets, [])),
            Err(problem) => {
                tracing::warn!(%problem, agreement = %area_name(a), "a download cannot be written");
                return layout::unavailable();
            }
        }
    }
    let mut whole = Sheet::new(Vec::new(), years);
    whole.append(sheet);
    let bytes = match format {
        Format::Csv => laa_sheets::to_csv(&whole),
        Format::Xlsx => laa_sheets::to_xlsx(&whole),
    };
    let Ok(bytes) = bytes else {
        return layout::unavailable();
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(format.media_type()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
