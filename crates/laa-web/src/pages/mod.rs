//! The HTML pages, one module a page kind, all inside [`layout::page`].

pub mod area;
pub mod assessment;
pub mod data;
pub mod england;
pub mod indicator;
pub mod layout;
pub mod national;
pub mod tournament;

use maud::{Markup, html};

/// The page for an address that names nothing public.
pub fn not_found() -> Markup {
    layout::page(
        "Page not found",
        &[("England", "/")],
        None,
        html! {
            h1 { "Page not found" }
            p { "There is nothing public at this address. An agreement is published here once Ministers sign it off." }
            p { a href="/" { "Go to the England page" } }
        },
    )
}

/// The page for a database that cannot be read just now.
pub fn unavailable() -> Markup {
    layout::page(
        "Sorry, the service is unavailable",
        &[],
        None,
        html! {
            h1 { "Sorry, the service is unavailable" }
            p { "The data cannot be read just now. Try again in a few minutes." }
        },
    )
}
