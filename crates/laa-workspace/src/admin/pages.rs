//! The reference data's pages: the indicator sets with their consultation,
//! the rounds, the areas; each with the administrator's form.

use laa_core::Role;
use laa_proto::v1 as pb;
use laa_proto::v1::indicator_service_server::IndicatorService;
use maud::{Markup, html};

use super::{Refused, action, envelope, shown, text};
use crate::Workspace;
use crate::layout::{self, tag};
use crate::session::Person;

pub(super) async fn sets_page(
    workspace: &Workspace,
    person: &Person,
    refused: Option<&Refused>,
) -> Markup {
    let listed = super::listed::every_set(workspace, person).await;
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

pub(super) async fn rounds_page(
    workspace: &Workspace,
    person: &Person,
    refused: Option<&Refused>,
) -> Markup {
    let rounds = super::listed::every_round(workspace, person).await;
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
        @if person.actor.role == Role::SignOff {
            @let (form, errors) = shown(refused, "ProposeNationalTarget");
            section.form-section aria-labelledby="national-title" {
                h2.heading-l #national-title { "Propose a national target" }
                p { "For a department: the national target it proposes for an indicator, and the base level it expects of the areas with no local target on it (recommendation 15). The indicator's public page sets it beside what the areas' signed-off targets add up to." }
                form #form-ProposeNationalTarget method="post" action=(action()) novalidate {
                    (envelope(person, "ProposeNationalTarget", refused))
                    (text("round", "Round", Some("Such as 2008-11."), form, errors))
                    (text("indicator_number", "Indicator", Some("Its number, such as 117."), form, errors))
                    (text("department", "Department", Some("Such as DCSF."), form, errors))
                    (text("year", "Year", Some("The year it is a target for, such as 2010/11."), form, errors))
                    (text("value", "National value", Some("In the indicator's unit, such as 7.6."), form, errors))
                    (text("floor", "Base level for areas without a target", Some("In the indicator's unit, such as 9."), form, errors))
                    (layout::textarea("rationale", "Why", None, form.get("rationale"), errors))
                    button.button type="submit" id="submit-ProposeNationalTarget" { "Record the proposal" }
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

pub(super) async fn areas_page(
    workspace: &Workspace,
    person: &Person,
    refused: Option<&Refused>,
) -> Markup {
    let areas = super::listed::every_area(workspace, person, 0).await;
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
            @let (form, errors) = shown(refused, "SetAreaPopulation");
            @let choices: Vec<(String, String)> = areas.iter().map(|a| (a.code.clone(), a.display_name.clone())).collect();
            section.form-section aria-labelledby="population-title" {
                h2.heading-l #population-title { "Set an area's population" }
                form #form-SetAreaPopulation method="post" action=(action()) novalidate {
                    (envelope(person, "SetAreaPopulation", refused))
                    (layout::select("area", "Area", &choices, form.get("area"), errors))
                    (text("population", "Population", Some("How many people live there, such as 1394700."), form, errors))
                    (text("as_of", "Estimate for", Some("The date, YYYY-MM-DD: a mid-year estimate is for 30 June."), form, errors))
                    (text("source", "Source", Some("Such as ONS mid-2008 estimate."), form, errors))
                    button.button type="submit" id="submit-SetAreaPopulation" { "Set the population" }
                }
            }
        }
        div.table-wrap role="region" aria-label="Areas" tabindex="0" {
            table.table {
                caption.visually-hidden { "Areas" }
                thead { tr { th scope="col" { "Area" } th scope="col" { "Code" } th scope="col" { "Kind" } th scope="col" { "Population" } } }
                tbody {
                    @for a in &areas {
                        tr {
                            th scope="row" { (a.display_name) }
                            td { (a.code) }
                            td { (a.kind.replace('_', " ")) }
                            td { @if a.population > 0 { (a.population) " (" (a.population_as_of) ")" } }
                        }
                    }
                }
            }
        }
    }
}
