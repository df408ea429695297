//! [`Browser`]: one headless Chromium window over one WebDriver session,
//! and what a test does with a page in it: go to it, find in it, fill and
//! submit its forms, read its text and cookies, run script in it.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::driver::{Driver, chromium_binary};
use crate::element::Element;
use crate::wire::{ELEMENT_KEY, Session};

/// The viewport height for a window `width` pixels wide: a phone's 740
/// below 600 pixels, a laptop's 900 above.
pub fn height_for(width: u32) -> u32 {
    if width < 600 { 740 } else { 900 }
}

/// One headless Chromium window showing one page at a time.
///
/// Every method panics with WebDriver's own message when the browser
/// refuses (a missing element, a script error): a test fails there.
pub struct Browser {
    session: Session,
    width: u32,
    height: u32,
    // Dropped in this order after the session is closed: chromedriver, then
    // the profile its browser wrote into.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// A cookie the browser holds for the current page.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its path.
    #[serde(default)]
    pub path: Option<String>,
    /// Its domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Sent over HTTPS only.
    #[serde(default)]
    pub secure: bool,
    /// Hidden from page script.
    #[serde(default, rename = "httpOnly")]
    pub http_only: bool,
    /// `Strict`, `Lax` or `None`.
    #[serde(default, rename = "sameSite")]
    pub same_site: Option<String>,
    /// When it expires (seconds since 1970); none for a session cookie.
    #[serde(default)]
    pub expiry: Option<u64>,
}

impl Browser {
    /// A new headless Chromium (`--headless=new`, no sandbox, no GPU, a
    /// temporary profile) with a viewport `width` pixels wide and
    /// [`height_for`] it high, on a chromedriver of its own.
    pub async fn new(width: u32) -> Browser {
        let driver = tokio::task::spawn_blocking(Driver::start)
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let height = height_for(width);
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
                "--mute-audio",
                "--force-device-scale-factor=1",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        });
        if let Some(binary) = chromium_binary() {
            options["binary"] = json!(binary);
        }
        let session = Session::open(
            driver.port,
            json!({
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "timeouts": { "script": 60_000, "pageLoad": 60_000, "implicit": 0 },
                "goog:chromeOptions": options,
            }),
        )
        .await
        .unwrap_or_else(|e| {
            panic!(
                "Chromium would not start under chromedriver: {e}; {}",
                crate::driver::INSTALL_HINT
            )
        });
        let browser = Browser {
            session,
            width,
            height,
            _driver: driver,
            _profile: profile,
        };
        browser.apply_viewport().await;
        browser
    }

    /// The viewport's width in CSS pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The viewport's height in CSS pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Makes the viewport `width` pixels wide (and [`height_for`] it high),
    /// keeping the page; the next screenshots are named by the new width.
    pub async fn set_width(&mut self, width: u32) {
        self.width = width;
        self.height = height_for(width);
        self.apply_viewport().await;
    }

    /// The viewport exactly: headless Chromium keeps a window at least 500
    /// pixels wide and takes its own chrome from the height, so the page's
    /// metrics are set through DevTools (they hold across navigations).
    async fn apply_viewport(&self) {
        self.session
            .post(
                "window/rect",
                json!({ "width": self.width, "height": self.height }),
            )
            .await;
        self.session
            .devtools(
                "Emulation.setDeviceMetricsOverride",
                json!({
                    "width": self.width,
                    "height": self.height,
                    "deviceScaleFactor": 1,
                    "mobile": false,
                }),
            )
            .await;
    }

    /// The WebDriver session, for a command this API does not cover.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Loads `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.session.post("url", json!({ "url": url })).await;
    }

    /// The address of the page shown.
    pub async fn url(&self) -> String {
        as_string(self.session.get("url").await)
    }

    /// The page's `<title>`.
    pub async fn title(&self) -> String {
        as_string(self.session.get("title").await)
    }

    /// The page's DOM as the browser built it, serialised as HTML.
    pub async fn source(&self) -> String {
        as_string(self.session.get("source").await)
    }

    /// The first element matching the CSS `selector`, or none.
    pub async fn try_find(&self, selector: &str) -> Option<Element> {
        self.find_all(selector).await.into_iter().next()
    }

    /// The first element matching the CSS `selector`; panics if there is none.
    pub async fn find(&self, selector: &str) -> Element {
        self.try_find(selector)
            .await
            .unwrap_or_else(|| panic!("no element matches {selector:?} on {}", self.described()))
    }

    /// Every element matching the CSS `selector`, in document order.
    pub async fn find_all(&self, selector: &str) -> Vec<Element> {
        let found = self
            .session
            .post(
                "elements",
                json!({ "using": "css selector", "value": selector }),
            )
            .await;
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|v| self.element(v))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    }

    /// The visible text of the first element matching `selector`
    /// (whitespace as rendered, trimmed).
    pub async fn text(&self, selector: &str) -> String {
        self.find(selector).await.text().await
    }

    /// The form control whose `<label>` reads `label` (whitespace
    /// collapsed), or whose `aria-label` is `label`; panics naming the
    /// labels the page has when none does.
    pub async fn field(&self, label: &str) -> Element {
        let found = self
            .execute(
                r#"const want = arguments[0].replace(/\s+/g, ' ').trim();
                const text = l => l.textContent.replace(/\s+/g, ' ').trim();
                const labels = [...document.querySelectorAll('label')];
                const label = labels.find(l => text(l) === want && l.control);
                if (label) return label.control;
                const named = [...document.querySelectorAll('[aria-label]')]
                    .find(e => e.getAttribute('aria-label').trim() === want);
                return named || labels.map(text);"#,
                vec![json!(label)],
            )
            .await;
        self.element(&found).unwrap_or_else(|| {
            panic!(
                "no field labelled {label:?} on {}; its labels: {found}",
                self.described()
            )
        })
    }

    /// Types `value` into the field labelled `label`, replacing what it held.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.field(label).await;
        field.clear().await;
        field.send_keys(value).await;
    }

    /// Clicks the button (`<button>`, or an `<input>` of type submit or
    /// button) whose text reads `text`; when it submits a form, waits for
    /// the page the submission loads.
    pub async fn click_button(&self, text: &str) {
        self.click_matching("button, input[type=submit], input[type=button]", text)
            .await;
    }

    /// Follows the link whose text reads `text`, waiting for the page it
    /// loads (a link within the page just moves there).
    pub async fn click_link(&self, text: &str) {
        self.click_matching("a[href]", text).await;
    }

    async fn click_matching(&self, selector: &str, text: &str) {
        let found = self
            .execute(
                r#"const [selector, want] = arguments;
                const text = e => (e.value && e.tagName === 'INPUT' ? e.value : e.textContent)
                    .replace(/\s+/g, ' ').trim();
                const all = [...document.querySelectorAll(selector)];
                const e = all.find(e => text(e) === want);
                if (!e) return { found: all.map(text) };
                const here = location.href.split('#')[0];
                const loads = e.tagName === 'A'
                    ? !(e.hash && e.href.split('#')[0] === here) && e.target !== '_blank'
                    : !!e.form && e.type === 'submit';
                return { element: e, loads };"#,
                vec![json!(selector), json!(text.trim())],
            )
            .await;
        let element = self.element(&found["element"]).unwrap_or_else(|| {
            panic!(
                "nothing matching {selector:?} reads {text:?} on {}; there are: {}",
                self.described(),
                found["found"]
            )
        });
        if found["loads"] == Value::Bool(true) {
            self.expecting_new_page(&format!("clicking {text:?}"), element.click())
                .await;
        } else {
            element.click().await;
        }
    }

    /// Submits the form matching the CSS `selector` as its submit button
    /// would (`requestSubmit`: the browser's validation first), waiting
    /// for the page it loads.
    pub async fn submit(&self, selector: &str) {
        let form = self.find(selector).await;
        let submit = self.execute("arguments[0].requestSubmit();", vec![form.to_json()]);
        self.expecting_new_page(&format!("submitting {selector:?}"), async {
            submit.await;
        })
        .await;
    }

    /// The cookies the browser holds for the current page.
    pub async fn cookies(&self) -> Vec<Cookie> {
        serde_json::from_value(self.session.get("cookie").await).expect("WebDriver's cookies")
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the
    /// page and returns what it returns. The page's Content-Security-Policy
    /// does not apply: WebDriver runs it through DevTools.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.session
            .post("execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script` until it calls its last argument, the callback; the
    /// value it passes.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.session
            .post("execute/async", json!({ "script": script, "args": args }))
            .await
    }

    /// An element from WebDriver's JSON reference, if `value` is one.
    pub fn element(&self, value: &Value) -> Option<Element> {
        value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|id| Element::new(self.session.clone(), id.to_owned()))
    }

    /// "the page (W px wide)", for messages, without a round trip.
    fn described(&self) -> String {
        format!("the page ({} px wide)", self.width)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session.close_blocking();
    }
}

fn as_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}
