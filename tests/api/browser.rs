//! A real browser for the web pages' tests: the system's headless Chromium
//! (Debian's `chromium`, installed by `.ci/run` where missing), driven by
//! its command line: `--dump-dom` gives the page's DOM after load,
//! `--screenshot` a PNG. Also a plain HTTP/1.1 GET for headers and data.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The Chromium executable, or a panic saying how to install it.
fn chromium() -> &'static str {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name;
        }
    }
    panic!("the web pages' tests need Chromium: apt-get install -y chromium (.ci/run does)");
}

fn run(args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("a browser profile folder");
    let mut command = Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(["--no-first-run", "--disable-extensions", "--mute-audio"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args);
    let out = command.output().expect("run chromium");
    assert!(
        out.status.success(),
        "chromium {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the DOM is UTF-8")
}

/// The page's DOM as the browser built it (serialised HTML).
pub async fn dom(url: String) -> String {
    tokio::task::spawn_blocking(move || run(&["--dump-dom".to_owned(), url]))
        .await
        .expect("browser task")
}

/// Saves a screenshot of `url`, `width` by `height` pixels, into `file`.
pub async fn screenshot(url: String, width: u32, height: u32, file: PathBuf) {
    tokio::task::spawn_blocking(move || {
        run(&[
            format!("--screenshot={}", file.display()),
            format!("--window-size={width},{height}"),
            url,
        ]);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "{} is {size} bytes", file.display());
    })
    .await
    .expect("browser task");
}

/// Where screenshots go for a person to look at: `target/tmp/web-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

/// A response read whole: the status, the headers (names in lower case) and the body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over HTTP/1.1 with extra request header lines.
pub async fn get(address: std::net::SocketAddr, path: &str, extra: &[(&str, &str)]) -> Reply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("an answer within 30 s")
        .expect("read");
    let text = String::from_utf8(raw).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}
