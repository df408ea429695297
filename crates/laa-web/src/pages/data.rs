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
            p {
                "Each agreement's public history, with the hash chain that makes tampering detectable, is at "
                code { "/data/agreements/{agreement}/history.csv" } " and " code { ".json" } ", linked from each area's page."
            }
        },
    )
}
