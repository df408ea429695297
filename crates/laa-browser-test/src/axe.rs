//! axe-core (Deque's accessibility engine, from the npm registry) injected
//! into the page and run against WCAG 2.0 and 2.1, levels A and AA.
//!
//! The page's Content-Security-Policy forbids all script; WebDriver's
//! scripts run through DevTools, outside it, so axe runs on the page as
//! served, headers and all.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::browser::Browser;

/// The variable naming axe-core's `axe.min.js`, when it is not at the
/// default place ([`default_path`]).
pub const AXE_ENV: &str = "LAA_AXE_CORE";

/// The WCAG tags axe runs: 2.0 and 2.1, A and AA.
pub const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Where `.ci/run` installs axe-core: `target/axe-core/` in the workspace.
pub fn default_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/axe-core/node_modules/axe-core/axe.min.js")
}

/// How to install axe-core, for the message of a test that cannot find it.
pub const INSTALL_HINT: &str = "npm install --no-save --prefix target/axe-core axe-core@4 \
     (from the workspace root; .ci/run does), or set LAA_AXE_CORE to an axe.min.js";

/// axe-core's source, read once; panics saying how to install it.
fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os(AXE_ENV).map_or_else(default_path, PathBuf::from);
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the accessibility tests need axe-core at {} ({e}): {INSTALL_HINT}",
                path.display()
            )
        })
    })
}

/// One rule axe found broken, and where.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule's id (`color-contrast`, `region`…).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    #[serde(default)]
    pub impact: Option<String>,
    /// What the rule asks, in a line.
    pub help: String,
    /// Deque's page about the rule.
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    /// The elements that break it.
    pub nodes: Vec<ViolationNode>,
}

/// One element that breaks a rule.
#[derive(Debug, Clone, Deserialize)]
pub struct ViolationNode {
    /// CSS selectors reaching it (a list of lists inside shadow roots).
    pub target: Vec<Value>,
    /// Its opening HTML.
    pub html: String,
    /// What to fix, in axe's words.
    #[serde(rename = "failureSummary", default)]
    pub failure_summary: Option<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} ({}): {} <{}>",
            self.id,
            self.impact.as_deref().unwrap_or("unrated"),
            self.help,
            self.help_url
        )?;
        for node in &self.nodes {
            let target: Vec<String> = node
                .target
                .iter()
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
                .collect();
            writeln!(f, "    at {}: {}", target.join(" "), node.html)?;
            if let Some(summary) = &node.failure_summary {
                for line in summary.lines() {
                    writeln!(f, "        {line}")?;
                }
            }
        }
        Ok(())
    }
}

impl Browser {
    /// Runs axe-core on the page shown (WCAG 2.0 and 2.1, A and AA); what
    /// it found broken. Panics if axe-core is not installed or fails.
    pub async fn axe(&self) -> Vec<Violation> {
        let loaded = self
            .execute("return typeof window.axe === 'object';", vec![])
            .await;
        if loaded != Value::Bool(true) {
            self.execute(&format!("{}\n;return true;", source()), vec![])
                .await;
        }
        let result = self
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } })
                    .then(r => done({ violations: r.violations }), e => done({ error: String(e) }));"#,
                vec![serde_json::json!(WCAG_TAGS)],
            )
            .await;
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on the page: {error}");
        }
        serde_json::from_value(result["violations"].clone()).expect("axe-core's violations")
    }

    /// Asserts axe-core finds nothing broken on the page shown, listing
    /// each violation's rule, help and elements if it does; `name` names
    /// the page in the message.
    pub async fn assert_accessible(&self, name: &str) {
        let violations = self.axe().await;
        if !violations.is_empty() {
            let listed: String = violations.iter().map(ToString::to_string).collect();
            panic!(
                "{name} at {} px: {} accessibility violation(s) (axe-core, WCAG 2.1 AA):\n{listed}",
                self.width(),
                violations.len()
            );
        }
    }
}
