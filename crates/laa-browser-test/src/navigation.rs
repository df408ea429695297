//! Waiting for the page an action loads. WebDriver waits for a navigation
//! it starts itself (`goto`) but not always for one a page starts after a
//! click or a key: a form's submission is queued as a task, so a click can
//! answer before the old page has begun to unload. The old page is marked
//! before the action; the new page has arrived once the mark is gone and
//! the document has loaded.

use std::future::Future;
use std::time::{Duration, Instant};

use hyper::Method;
use serde_json::{Value, json};

use crate::browser::Browser;

/// How long an action may take to load its page before the test fails.
const NEW_PAGE_TIMEOUT: Duration = Duration::from_secs(30);

impl Browser {
    /// Does `action` and waits until it has loaded a new page: for a click
    /// or key that submits a form or follows a link. Panics naming `what`
    /// if no new page has loaded within 30 seconds (the browser's own form
    /// validation, for one, stops a submission).
    ///
    /// ```no_run
    /// # async fn example(page: &laa_browser_test::Browser) {
    /// page.expecting_new_page("Enter on Save", page.press(laa_browser_test::Key::Enter)).await;
    /// # }
    /// ```
    pub async fn expecting_new_page(&self, what: &str, action: impl Future<Output = ()>) {
        self.execute("window.__laaLeaving = true;", vec![]).await;
        action.await;
        let started = Instant::now();
        let script = json!({
            "script": "return window.__laaLeaving !== true && document.readyState === 'complete';",
            "args": [],
        });
        loop {
            // While the old page unloads a script may fail: not there yet.
            let arrived = self
                .session()
                .call(Method::POST, "execute/sync", Some(script.clone()))
                .await;
            if matches!(arrived, Ok(Value::Bool(true))) {
                return;
            }
            if started.elapsed() > NEW_PAGE_TIMEOUT {
                let url = self.url().await;
                panic!("{what} loaded no new page within {NEW_PAGE_TIMEOUT:?}; still at {url}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
