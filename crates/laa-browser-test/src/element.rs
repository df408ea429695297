//! [`Element`]: one element of the page, as WebDriver refers to it.

use serde_json::{Value, json};

use crate::wire::{ELEMENT_KEY, Session};

/// One element of the page shown when it was found (a new page makes it
/// stale: find it again).
#[derive(Debug, Clone)]
pub struct Element {
    session: Session,
    id: String,
}

impl Element {
    /// The element WebDriver calls `id` in `session`.
    pub fn new(session: Session, id: String) -> Element {
        Element { session, id }
    }

    /// The element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    fn path(&self, rest: &str) -> String {
        format!("element/{}/{rest}", self.id)
    }

    /// Clicks it as a mouse would, waiting for any page it loads.
    pub async fn click(&self) {
        self.session.post(&self.path("click"), json!({})).await;
    }

    /// Types `text` into it (WebDriver's key codes for special keys).
    pub async fn send_keys(&self, text: &str) {
        self.session
            .post(&self.path("value"), json!({ "text": text }))
            .await;
    }

    /// Empties a field.
    pub async fn clear(&self) {
        self.session.post(&self.path("clear"), json!({})).await;
    }

    /// Its text as rendered (hidden text left out), trimmed.
    pub async fn text(&self) -> String {
        let value = self.session.get(&self.path("text")).await;
        value.as_str().unwrap_or_default().trim().to_owned()
    }

    /// Its `name` attribute as written in the HTML, if it has one.
    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self
            .session
            .get(&self.path(&format!("attribute/{name}")))
            .await;
        value.as_str().map(str::to_owned)
    }

    /// Its DOM property `name` (`value`, `checked`…).
    pub async fn property(&self, name: &str) -> Value {
        self.session
            .get(&self.path(&format!("property/{name}")))
            .await
    }

    /// Its tag name in lower case.
    pub async fn tag(&self) -> String {
        let value = self.session.get(&self.path("name")).await;
        value.as_str().unwrap_or_default().to_ascii_lowercase()
    }

    /// Whether it is rendered and visible.
    pub async fn is_displayed(&self) -> bool {
        self.session
            .get(&self.path("displayed"))
            .await
            .as_bool()
            .unwrap_or(false)
    }
}
