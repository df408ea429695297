//! A form as HTML: the Design System's fields, each with its label, hint,
//! value and error message, and the hidden envelope every form carries.

use maud::{Markup, html};

use super::build::Submitted;
use super::table::{Field, FormSpec};
use crate::layout::{self, FieldError, Input};

/// What a form needs to be drawn.
pub struct Drawn<'a> {
    /// The side the person speaks for (only the Government side names a
    /// department).
    pub side: Option<laa_core::Side>,
    /// Whether the person is a negotiating champion (only they broker).
    pub champion: bool,
    /// The National Indicator of the target the form is on, if any (an
    /// emptied unit is read as its own).
    pub indicator: Option<i32>,
    /// The agreement (`kent-2008-11`).
    pub agreement: &'a str,
    /// Its version when drawn.
    pub version: i64,
    /// The target, for a target's form.
    pub target: Option<u32>,
    /// The session's anti-forgery token.
    pub csrf: &'a str,
    /// The values to show (a refused submission's, or defaults).
    pub values: &'a Submitted,
    /// The problems to show with the fields.
    pub errors: &'a [FieldError],
    /// The years of the agreement's period (`2008/09`).
    pub years: &'a [String],
    /// The unit to offer when the values give none.
    pub unit: &'a str,
    /// The request id to send (kept across a refused submission).
    pub request_id: &'a str,
}

/// A form field's id for a year (`2008/09` -> `year-2008-09`).
pub fn year_field(year: &str) -> String {
    format!("year-{}", year.replace('/', "-"))
}

/// Draws a form.
pub fn draw(spec: &FormSpec, d: &Drawn<'_>) -> Markup {
    draw_titled(spec, spec.title, spec.button, d)
}

/// Draws a form under another heading (a first offer on a target that
/// has none is "Offer terms", not a counter-offer).
pub fn draw_titled(spec: &FormSpec, title: &str, button: &str, d: &Drawn<'_>) -> Markup {
    let action = format!("{}/agreements/{}/act", crate::ROOT, d.agreement);
    let id = format!("form-{}", spec.kind.as_str());
    html! {
        section.form-section aria-labelledby={ (id) "-title" } {
            h3.heading-m id={ (id) "-title" } { (title) }
            form #(id) method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(d.csrf);
                input type="hidden" name="command" value=(spec.kind.as_str());
                input type="hidden" name="expected_version" value=(d.version);
                input type="hidden" name="request_id" value=(d.request_id);
                @if let Some(t) = d.target { input type="hidden" name="target" value=(t); }
                @if let Some(n) = d.indicator { input type="hidden" name="target_indicator" value=(n); }
                @for field in spec.fields { (draw_field(*field, d)) }
                button class={ "button" @if spec.warning { " button-warning" } } type="submit" id={ "submit-" (spec.kind.as_str()) } { (button) }
            }
        }
    }
}

fn draw_field(field: Field, d: &Drawn<'_>) -> Markup {
    let v = d.values;
    let input = |id: &'static str, label: &'static str, hint, kind, width| {
        layout::text_input(&Input {
            id,
            label,
            hint,
            kind,
            value: v.get(id),
            errors: d.errors,
            autocomplete: "off",
            width,
        })
    };
    match field {
        Field::Text(id, label, hint) => input(id, label, hint, "text", None),
        Field::Number(id, label, hint) => input(id, label, hint, "decimal", Some("width-10")),
        Field::Long(id, label, hint) => layout::textarea(id, label, hint, v.get(id), d.errors),
        Field::Flag(id, label) => layout::checkbox(id, label, v.flag(id)),
        Field::ChampionsFlag(..) if !d.champion => html! {},
        Field::ChampionsFlag(id, label) => layout::checkbox(id, label, v.flag(id)),
        Field::Indicator => input(
            "indicator_number",
            "National Indicator",
            Some("Its number, for example 117 or NI 117."),
            "text",
            Some("width-10"),
        ),
        Field::Department if d.side != Some(laa_core::Side::Government) => html! {},
        Field::Department => {
            let default = if d.target.is_some() {
                "The target's department"
            } else {
                "Choose the department asking for it"
            };
            let mut options = vec![(String::new(), default.to_owned())];
            options.extend(laa_core::departments::departments_2008().iter().map(|d| {
                (
                    d.code.as_str().to_owned(),
                    format!("{} ({})", d.name, d.code.as_str()),
                )
            }));
            layout::select(
                "department",
                "Department",
                &options,
                v.get("department"),
                d.errors,
            )
        }
        Field::Terms => draw_terms(d),
    }
}

fn draw_terms(d: &Drawn<'_>) -> Markup {
    let v = d.values;
    let unit = if v.get("unit").is_empty() {
        d.unit
    } else {
        v.get("unit")
    };
    let years: Vec<(String, String)> = d.years.iter().map(|y| (y.clone(), year_field(y))).collect();
    html! {
        fieldset.fieldset {
            legend.fieldset-legend { "Terms" }
            (layout::text_input(&Input { id: "baseline", label: "Baseline", hint: Some("The value the target improves on."), kind: "decimal", value: v.get("baseline"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            (layout::text_input(&Input { id: "baseline_period", label: "Baseline period", hint: Some("For example, 2007 or 2006/07."), kind: "text", value: v.get("baseline_period"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            @for (year, id) in &years {
                (year_input(id, year, v.get(id), d.errors))
            }
            (layout::text_input(&Input { id: "unit", label: "Unit", hint: Some("The indicator's unit, for example percent or count."), kind: "text", value: unit, errors: d.errors, autocomplete: "off", width: Some("width-10") }))
            (layout::textarea("limit_deterioration", "Limiting a deterioration (optional)", Some("Only if the measure is expected to worsen: why."), v.get("limit_deterioration"), d.errors))
            (layout::checkbox("placeholder", "No values yet: agree a placeholder to be set at a refresh", v.flag("placeholder")))
            (layout::select("placeholder_reason", "Placeholder reason", &[
                ("no_baseline".to_owned(), "No baseline yet".to_owned()),
                ("awaiting_survey".to_owned(), "Awaiting a survey".to_owned()),
                ("definition_pending".to_owned(), "Definition pending".to_owned()),
            ], v.get("placeholder_reason"), d.errors))
            (layout::text_input(&Input { id: "placeholder_due", label: "Placeholder due at refresh", hint: Some("For example, 2009."), kind: "text", value: v.get("placeholder_due"), errors: d.errors, autocomplete: "off", width: Some("width-10") }))
        }
    }
}

fn year_input(id: &str, year: &str, value: &str, errors: &[FieldError]) -> Markup {
    let label = format!("Value for {year}");
    layout::text_input(&Input {
        id,
        label: &label,
        hint: None,
        kind: "decimal",
        value,
        errors,
        autocomplete: "off",
        width: Some("width-10"),
    })
}
