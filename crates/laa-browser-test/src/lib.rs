//! A real browser for laa's web tests (a dev-dependency only): the system's
//! headless Chromium driven over W3C WebDriver by the system's chromedriver,
//! with axe-core for accessibility.
//!
//! ```no_run
//! # async fn example(base: &str) {
//! use laa_browser_test::{Browser, Key};
//! let mut page = Browser::new(360).await; // a phone's 360 x 740 viewport
//! page.goto(&format!("{base}/areas/kent")).await;
//! assert_eq!(page.text("h1").await, "Kent");
//! page.assert_accessible("the area page").await; // zero axe-core violations
//! page.assert_keyboard_reachable("the area page").await; // Tab, skip link
//! page.screenshot(std::path::Path::new("target/tmp/shots"), "area").await; // area-360.png
//! page.set_width(1280).await; // the same page on a laptop
//!
//! page.goto(&format!("{base}/sign-in")).await;
//! page.fill("Email address", "someone@example.org").await;
//! page.click_button("Sign in").await; // waits for the page it loads
//! assert!(page.cookies().await.iter().any(|c| c.http_only));
//! page.press(Key::Tab).await; // the keyboard, as a person uses it
//! let focused = page.focused().await;
//! # }
//! ```
//!
//! Each [`Browser`] starts its own chromedriver (on a port it chooses) and
//! one Chromium session with a fresh temporary profile; dropping it closes
//! both, even when the test panics. Start one per test and reuse it across
//! pages and widths ([`Browser::set_width`]): a start costs about a second.
//!
//! # What it needs
//! Debian's `chromium` and `chromium-driver`, and axe-core from the npm
//! registry (`npm install --no-save --prefix target/axe-core axe-core@4`
//! from the workspace root, or `LAA_AXE_CORE` naming an `axe.min.js`).
//! `.ci/run` installs all three. A test that cannot find one fails saying
//! how to install it; it never skips. `LAA_CHROMEDRIVER` and `LAA_CHROMIUM`
//! override the executables.
//!
//! # Layout
//! - [`browser`]: [`Browser`], one window: navigation, finding, forms, cookies.
//! - [`element`]: [`Element`], one element of the page.
//! - [`keyboard`]: [`Key`]s pressed, the focused element, a walk with Tab.
//! - [`navigation`]: waiting for the page a click or a key loads.
//! - [`screenshot`]: full-page screenshots.
//! - [`axe`]: axe-core injected and run, its [`Violation`]s.
//! - [`driver`], [`wire`]: chromedriver's process and the WebDriver protocol.

#![warn(missing_docs)]

pub mod axe;
pub mod browser;
pub mod driver;
pub mod element;
pub mod keyboard;
pub mod navigation;
pub mod screenshot;
pub mod wire;

pub use axe::Violation;
pub use browser::{Browser, Cookie};
pub use element::Element;
pub use keyboard::{FocusStop, Key};
