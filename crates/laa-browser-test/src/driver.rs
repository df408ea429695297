//! chromedriver, the system's (Debian's `chromium-driver`), started on a
//! port of its own choosing for one [`crate::Browser`] and killed with it,
//! so a test that panics leaves no browser behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// How to install what the harness needs, for a failure message.
pub const INSTALL_HINT: &str = "apt-get install -y chromium chromium-driver (.ci/run does)";

/// A running chromedriver.
pub struct Driver {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

/// The chromedriver executable: `LAA_CHROMEDRIVER`, else `chromedriver` on
/// the `PATH`.
fn executable() -> String {
    std::env::var("LAA_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned())
}

/// The Chromium executable chromedriver should start: `LAA_CHROMIUM`, else
/// Debian's (whose `/usr/bin/chromium` is a shell wrapper), else whatever
/// chromedriver finds itself.
pub fn chromium_binary() -> Option<String> {
    if let Ok(path) = std::env::var("LAA_CHROMIUM") {
        return Some(path);
    }
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_owned)
}

impl Driver {
    /// Starts chromedriver on a free port (it is given port 0 and says
    /// which it took). Panics, never skips, when it is not installed.
    pub fn start() -> Driver {
        let program = executable();
        let mut child = Command::new(&program)
            .args(["--port=0", "--log-level=WARNING"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the browser tests need chromedriver ({program}: {e}): {INSTALL_HINT}")
            });
        let stdout = child.stdout.take().expect("chromedriver's stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        let port = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromedriver stopped before it listened: {seen:?}; {INSTALL_HINT}");
            };
            // "ChromeDriver was started successfully on port 46505."
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest
                    .trim_end_matches('.')
                    .trim()
                    .parse::<u16>()
                    .unwrap_or_else(|e| panic!("chromedriver's port in {line:?}: {e}"));
            }
            seen.push(line);
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
