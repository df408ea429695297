//! The form that opens an agreement: the area, the round and the indicator
//! set chosen from what the server holds (the areas of the negotiator's
//! region, every round, the published sets), not typed, so that a GO
//! negotiator need not know an area's code or a set's year.

use laa_proto::v1 as pb;
use maud::{Markup, html};

use super::{action, listed, text};
use crate::Workspace;
use crate::forms::Submitted;
use crate::layout::{self, FieldError};
use crate::session::Person;

/// What the form offers to choose from, each as (value, words).
#[derive(Debug, Default)]
pub struct OpenChoices {
    /// The areas the person may open an agreement for, by name.
    pub areas: Vec<(String, String)>,
    /// Every round, in the order the server lists them.
    pub rounds: Vec<(String, String)>,
    /// The published indicator sets, newest first.
    pub sets: Vec<(String, String)>,
    /// The default round's indicator set, chosen when none was.
    pub default_set: String,
}

impl OpenChoices {
    /// What `person` may choose from, read through the engine on their
    /// behalf. A list the server cannot give is left empty, and its field
    /// is then typed, as it was before there was a list.
    pub async fn read(workspace: &Workspace, person: &Person) -> Self {
        let region = match &person.actor.scope {
            laa_core::Scope::Region(region) => {
                laa_proto::names::parse_region(region.code()).map_or(0, |r| r as i32)
            }
            _ => 0,
        };
        let mut areas: Vec<(String, String)> = listed::every_area(workspace, person, region)
            .await
            .into_iter()
            .map(|a| (a.code, a.display_name))
            .collect();
        areas.sort_by(|a, b| a.1.cmp(&b.1));
        let rounds = listed::every_round(workspace, person).await;
        let default_set = rounds
            .iter()
            .find(|r| r.round == laa_core::policy::DEFAULT_ROUND)
            .map(|r| r.indicator_set.to_string())
            .unwrap_or_default();
        let rounds = rounds
            .into_iter()
            .map(|r| {
                let words = match (r.years.first(), r.years.last()) {
                    (Some(first), Some(last)) => format!("{} ({first} to {last})", r.round),
                    _ => r.round.clone(),
                };
                (r.round, words)
            })
            .collect();
        let mut sets: Vec<pb::IndicatorSet> = listed::every_set(workspace, person).await;
        sets.retain(|s| s.status == "published");
        sets.sort_by_key(|s| std::cmp::Reverse(s.version));
        let sets = sets
            .into_iter()
            .map(|s| {
                (
                    s.version.to_string(),
                    format!("{} ({} indicators)", s.version, s.active_count),
                )
            })
            .collect();
        Self {
            areas,
            rounds,
            sets,
            default_set,
        }
    }
}

/// The form that opens an agreement, for the agreements page.
pub fn open_form(
    person: &Person,
    choices: &OpenChoices,
    refused: Option<(&Submitted, &[FieldError])>,
) -> Markup {
    let empty = Submitted::default();
    let (form, errors) = refused.unwrap_or((&empty, &[]));
    let chosen = |id: &str, default: &str| {
        let value = form.get(id);
        if value.is_empty() {
            default.to_owned()
        } else {
            value.to_owned()
        }
    };
    let mut areas = vec![(String::new(), "Choose the area".to_owned())];
    areas.extend(choices.areas.iter().cloned());
    html! {
        section.form-section aria-labelledby="open-title" {
            h2.heading-l #open-title { "Open an agreement" }
            form #form-OpenAgreement method="post" action=(action()) novalidate {
                input type="hidden" name="csrf" value=(person.csrf);
                input type="hidden" name="command" value="OpenAgreement";
                input type="hidden" name="request_id" value=(uuid::Uuid::new_v4().to_string());
                @if choices.areas.is_empty() {
                    (text("area", "Area", Some("Its code, such as kent."), form, errors))
                } @else {
                    (layout::select("area", "Area", &areas, form.get("area"), errors))
                }
                @if choices.rounds.is_empty() {
                    (text("round", "Round", Some("Empty for 2008-11."), form, errors))
                } @else {
                    (layout::select("round", "Round", &choices.rounds, &chosen("round", laa_core::policy::DEFAULT_ROUND), errors))
                }
                @if choices.sets.is_empty() {
                    (text("indicator_set", "Indicator set", Some("The published set it is bound to, such as 2007."), form, errors))
                } @else {
                    (layout::select("indicator_set", "Indicator set", &choices.sets, &chosen("indicator_set", &choices.default_set), errors))
                }
                button.button type="submit" id="submit-OpenAgreement" { "Open the agreement" }
            }
        }
    }
}
