//! The page every other page sits in: the header, breadcrumbs, main
//! content, and the footer with the licence and the time of the data.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

/// The licence line shown on every page and carried by every dataset.
pub const LICENCE: &str = "Open Government Licence v3.0";
/// Where the licence is published.
pub const LICENCE_URL: &str =
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/";

/// A date as people write it: `30 June 2008`.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// A moment as people write it: `30 June 2008 at 14:05 UTC`.
pub fn moment(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y at %H:%M UTC").to_string()
}

/// The list of rounds on a page shown by round (England's, an
/// indicator's): each round a link, the one shown marked current, the
/// latest at `latest` and an earlier one at `{latest}/rounds/{round}`
/// (`/` for England: `/rounds/{round}`). Nothing when there is one round.
pub fn rounds_nav(rounds: &[&str], shown: Option<&str>, latest: &str, note: &str) -> Markup {
    let latest_round = rounds.last().copied();
    let base = latest.trim_end_matches('/');
    html! {
        @if rounds.len() > 1 {
            nav aria-labelledby="rounds" {
                h2 #rounds { "Rounds" }
                p.secondary { (note) }
                ul {
                    @for r in rounds {
                        li {
                            @if Some(*r) == shown {
                                strong aria-current="page" { (r) }
                            } @else if Some(*r) == latest_round {
                                a href=(latest) { (r) }
                            } @else {
                                a href=(format!("{base}/rounds/{r}")) { (r) }
                            }
                            @if Some(*r) == latest_round { span.secondary { " (the latest)" } }
                        }
                    }
                }
            }
        }
    }
}

/// A whole page: `title` is the page's `h1` and `<title>`; `crumbs` the
/// links above it (text and address), the page itself last, unlinked.
pub fn page(
    title: &str,
    crumbs: &[(&str, &str)],
    as_of: Option<DateTime<Utc>>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Local Area Agreements in England" }
                link rel="stylesheet" href="/style.css";
            }
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.header {
                    div.width {
                        a href="/" { "Local Area Agreements" }
                        span.service { "What England's 150 areas agreed to improve, and how they are doing" }
                    }
                }
                div.width {
                    @if !crumbs.is_empty() {
                        nav.breadcrumbs aria-label="Breadcrumb" {
                            ol {
                                @for (text, href) in crumbs {
                                    li { a href=(href) { (text) } }
                                }
                                li aria-current="page" { (title) }
                            }
                        }
                    }
                    main #main {
                        (body)
                    }
                }
                footer.footer {
                    div.width {
                        p {
                            "All content is available under the "
                            a href=(LICENCE_URL) rel="license" { (LICENCE) } "."
                            @if let Some(at) = as_of {
                                " Data as recorded up to " (moment(at)) "."
                            }
                        }
                        p {
                            a href="/" { "England" } " · "
                            a href="/indicators" { "Indicators" } " · "
                            a href="/data" { "Open data (CSV and JSON)" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let hostile = "<script>alert(1)</script> & \"quoted\"";
        let html = page(hostile, &[(hostile, "/")], None, html! { p { (hostile) } }).into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"));
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en-GB\">"));
    }
}
