//! The open data page: every dataset as CSV and JSON at stable addresses,
//! with the licence and the time of the data.

use maud::{Markup, html};

use crate::model::Snapshot;
use crate::pages::layout::{LICENCE, LICENCE_URL, moment, page};

/// The open data page.
pub fn data(snapshot: &Snapshot, descriptions: &[(String, String)]) -> Markup {
    page(
        "Open data",
        &[("England", "/")],
        snapshot.as_of(),
        html! {
            h1 { "Open data" }
            p.lead { "Every table on these pages, as CSV (which opens in a spreadsheet) and as JSON, at addresses that will not change." }
            p {
                "Licence: " a href=(LICENCE_URL) rel="license" { (LICENCE) } ". "
                @match snapshot.as_of() {
                    Some(at) => { "The data is as recorded up to " (moment(at)) "." }
                    None => { "No agreement has been signed off yet." }
                }
            }
            dl.summary {
                @for (name, description) in descriptions {
                    div {
                        dt { (name) }
                        dd {
                            p { (description) }
                            a href=(format!("/data/{name}.csv")) { (name) ".csv" } " · "
                            a href=(format!("/data/{name}.json")) { (name) ".json" }
                        }
                    }
                }
            }
            @let rounds = snapshot.rounds();
            @if let Some((latest, earlier)) = rounds.split_last() {
                p {
                    "These files hold the agreements of " (latest) ", the latest round with a signed-off agreement. "
                    @if !earlier.is_empty() {
                        "Each earlier round's are at "
                        code { "/data/rounds/{round}/{file}" } ": "
                        @for (k, r) in earlier.iter().enumerate() {
                            @if k > 0 { ", " }
                            a href=(format!("/data/rounds/{r}/targets.csv")) { (r) " targets.csv" }
                        }
                        "."
                    }
                }
            }
            p {
                "Each agreement's public history, with the hash chain that makes tampering detectable, is at "
                code { "/data/agreements/{agreement}/history.csv" } " and " code { ".json" } ", linked from each area's page."
            }
        },
    )
}
