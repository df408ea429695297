//! The keyboard, as a person who uses no mouse would: keys pressed on
//! whatever has focus, the focused element, and a walk through the page
//! with Tab that records every element it stops on.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::element::Element;

/// A key a keyboard user presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Moves focus to the next element.
    Tab,
    /// Shift+Tab: moves focus to the previous element.
    ShiftTab,
    /// Follows a link, presses a button, submits a form.
    Enter,
    /// Presses a button, ticks a box.
    Space,
    /// Closes what is open.
    Escape,
}

/// WebDriver's code points for the keys (W3C WebDriver, "Keyboard actions").
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";
const ESCAPE: &str = "\u{E00C}";
const SPACE: &str = "\u{E00D}";

fn press_and_release(code: &str) -> [Value; 2] {
    [
        json!({ "type": "keyDown", "value": code }),
        json!({ "type": "keyUp", "value": code }),
    ]
}

impl Key {
    /// The key events that press it once.
    fn events(self) -> Vec<Value> {
        match self {
            Key::Tab => press_and_release(TAB).to_vec(),
            Key::Enter => press_and_release(ENTER).to_vec(),
            Key::Space => press_and_release(SPACE).to_vec(),
            Key::Escape => press_and_release(ESCAPE).to_vec(),
            Key::ShiftTab => {
                let mut events = vec![json!({ "type": "keyDown", "value": SHIFT })];
                events.extend(press_and_release(TAB));
                events.push(json!({ "type": "keyUp", "value": SHIFT }));
                events
            }
        }
    }
}

/// An element the keyboard can reach, as [`Browser::tab_walk`] and
/// [`Browser::focusable`] describe it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FocusStop {
    /// Its place among the page's focusable elements in document order
    /// ([`Browser::focusable`]); none for an element outside that list.
    pub index: Option<usize>,
    /// Its tag name, lower case.
    pub tag: String,
    /// Its text (or a field's name), whitespace collapsed, at most 80 characters.
    pub text: String,
    /// A link's `href` as written.
    pub href: Option<String>,
    /// Whether it is inside `<main>`.
    pub in_main: bool,
    /// Whether it has a box inside the page when focused (a skip link
    /// moved off-screen until focused counts once it shows).
    pub visible: bool,
    /// Whether focus shows on it: an outline, a box shadow or a
    /// background of its own while focused (never the default of none).
    pub indicated: bool,
}

impl std::fmt::Display for FocusStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}> {:?}", self.tag, self.text)?;
        if let Some(href) = &self.href {
            write!(f, " -> {href}")?;
        }
        Ok(())
    }
}

/// The page's focusable elements, and `describe`, shared by the scripts
/// below. An element counts only when rendered and visible (`checkVisibility`:
/// the contents of a closed `<details>` keep their boxes but are skipped).
const FOCUS_SCRIPT: &str = r#"
const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable=""], [contenteditable=true]';
const focusable = () => [...document.querySelectorAll(FOCUSABLE)].filter(e =>
    !e.disabled && e.tabIndex >= 0 && e.getAttribute('tabindex') !== '-1'
    && e.checkVisibility({ visibilityProperty: true }) && !e.closest('[inert]'));
const describe = (e, all) => {
    const style = getComputedStyle(e);
    const rect = e.getBoundingClientRect();
    const docWidth = document.documentElement.scrollWidth;
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && !/rgba\(.*, 0\)$/.test(style.outlineColor) && style.outlineColor !== 'transparent';
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const background = style.backgroundColor !== 'rgba(0, 0, 0, 0)' && style.backgroundColor !== 'transparent';
    const text = (e.innerText || e.value || e.name || e.getAttribute('aria-label') || '')
        .replace(/\s+/g, ' ').trim().slice(0, 80);
    const index = all.indexOf(e);
    return {
        index: index < 0 ? null : index,
        tag: e.tagName.toLowerCase(),
        text,
        href: e.getAttribute('href'),
        in_main: !!e.closest('main'),
        visible: rect.width > 0 && rect.height > 0 && rect.right > 0 && rect.left < docWidth
            && rect.bottom + window.scrollY > 0,
        indicated: outline || shadow || background,
    };
};
"#;

impl Browser {
    /// Presses `key` on whatever has focus (the page itself if nothing).
    pub async fn press(&self, key: Key) {
        self.press_all(&[key]).await;
    }

    /// Presses `keys` one after another, in one WebDriver command.
    pub async fn press_all(&self, keys: &[Key]) {
        let events: Vec<Value> = keys.iter().flat_map(|k| k.events()).collect();
        self.session()
            .post(
                "actions",
                json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": events }] }),
            )
            .await;
    }

    /// The element that has focus, if any has (not the page's `<body>`).
    pub async fn focused(&self) -> Option<Element> {
        let found = self
            .execute(
                "const e = document.activeElement; return e && e !== document.body ? e : null;",
                vec![],
            )
            .await;
        self.element(&found)
    }

    /// What has focus, described; none when only the page has.
    pub async fn focused_stop(&self) -> Option<FocusStop> {
        let script = format!(
            "{FOCUS_SCRIPT}\nconst e = document.activeElement;\
             return e && e !== document.body ? describe(e, focusable()) : null;"
        );
        let value = self.execute(&script, vec![]).await;
        serde_json::from_value(value).expect("a focus stop")
    }

    /// The page's focusable elements in document order (links, buttons,
    /// fields, summaries, positive `tabindex`), rendered and enabled.
    pub async fn focusable(&self) -> Vec<FocusStop> {
        let script = format!(
            "{FOCUS_SCRIPT}\nconst all = focusable(); return all.map(e => describe(e, all));"
        );
        serde_json::from_value(self.execute(&script, vec![]).await).expect("focusable elements")
    }

    /// Reloads the page and presses Tab until focus comes back round (at
    /// most `focusable().len() + 2` times, in one WebDriver command): every
    /// element it stopped on, in order, described as it was when focused.
    pub async fn tab_walk(&self) -> Vec<FocusStop> {
        let url = self.url().await;
        let url = url.split('#').next().unwrap_or(&url).to_owned();
        self.goto(&url).await;
        let count = self.focusable().await.len();
        let script = format!(
            "{FOCUS_SCRIPT}\nconst all = focusable(); window.__laaStops = [];\
             document.addEventListener('focusin', e => window.__laaStops.push(describe(e.target, all)), true);"
        );
        self.execute(&script, vec![]).await;
        self.press_all(&vec![Key::Tab; count + 2]).await;
        let stops: Vec<FocusStop> =
            serde_json::from_value(self.execute("return window.__laaStops;", vec![]).await)
                .expect("the focus stops");
        // Stop where the walk came back to its first stop.
        let mut walk = Vec::new();
        for stop in stops {
            if walk.first().is_some_and(|first: &FocusStop| *first == stop) {
                break;
            }
            walk.push(stop);
        }
        walk
    }

    /// Asserts what a keyboard user needs of the current page: Tab reaches
    /// every focusable element, in document order, each visible with focus
    /// shown; and the first Tab reaches a visible skip link (the GOV.UK
    /// pattern both of laa's sites follow: "Skip to main content", to
    /// `#main`) whose Enter takes the next Tab into `<main>`. Panics listing
    /// what fails; `name` names the page in the message.
    pub async fn assert_keyboard_reachable(&self, name: &str) {
        let width = self.width();
        let focusable = self.focusable().await;
        assert!(
            !focusable.is_empty(),
            "{name} at {width} px: nothing on the page can take focus"
        );
        let walk = self.tab_walk().await;
        let reached: Vec<usize> = walk.iter().filter_map(|s| s.index).collect();
        let missed: Vec<String> = focusable
            .iter()
            .filter(|f| !reached.contains(&f.index.unwrap_or(usize::MAX)))
            .map(ToString::to_string)
            .collect();
        assert!(
            missed.is_empty(),
            "{name} at {width} px: Tab never reaches {missed:#?}"
        );
        let mut sorted = reached.clone();
        sorted.sort_unstable();
        assert_eq!(
            reached, sorted,
            "{name} at {width} px: Tab goes out of document order"
        );
        for stop in &walk {
            assert!(
                stop.visible && stop.indicated,
                "{name} at {width} px: focus on {stop} is not seen ({stop:?})"
            );
        }

        // The skip link: first, and it works. (`tab_walk` left the page
        // freshly loaded but for focus; load it again.)
        let url = self.url().await;
        self.goto(url.split('#').next().unwrap_or(&url)).await;
        self.press(Key::Tab).await;
        let first = self
            .focused_stop()
            .await
            .unwrap_or_else(|| panic!("{name} at {width} px: the first Tab focuses nothing"));
        assert!(
            first.text == "Skip to main content" && first.visible,
            "{name} at {width} px: the first Tab reaches {first} ({first:?}), not a visible skip link"
        );
        self.press(Key::Enter).await;
        assert!(
            self.url().await.ends_with("#main"),
            "{name} at {width} px: the skip link leads to {}",
            self.url().await
        );
        if focusable.iter().any(|f| f.in_main) {
            self.press(Key::Tab).await;
            let next = self.focused_stop().await;
            assert!(
                next.as_ref().is_some_and(|s| s.in_main),
                "{name} at {width} px: after the skip link, Tab reaches {next:?}, outside <main>"
            );
        }
    }
}
