//! The public pages kept between changes (issue 26), through real
//! `laa serve` processes: a page shows a sign-off within a second on the
//! server that recorded it and, on PostgreSQL, on a second server of the
//! same database (told by `NOTIFY`); a kept page answers `If-None-Match`
//! with 304 without rendering, and its gzip and brotli bodies decode to the
//! same bytes; a stale page asked for by many at once is rendered once
//! (counted by the server's `laa_web_renders_total`). And slow clients:
//! connections that send half a request are closed after the header
//! timeout, past the connection cap (logged), while a page still answers,
//! and one whose body stops halfway is closed after the idle timeout.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use laa_proto::v1 as pb;

use crate::negotiation::sign_off;
use crate::plain_http::{get, get_raw};
use crate::support::*;

/// How soon a committed change must show on every server's pages.
const WITHIN: Duration = Duration::from_secs(1);

/// A real `laa serve` with its pages and metrics, killed when dropped.
struct Server {
    child: Child,
    grpc: String,
    web: SocketAddr,
    metrics: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Server {
    /// `laa serve` on `database_url` (several may share one on
    /// PostgreSQL), with `args`.
    fn start(database_url: &str, args: &[&str]) -> Self {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
            .args(["serve", "--database-url", database_url])
            .args(["--listen", "127.0.0.1:0"])
            .args(["--http-listen", "127.0.0.1:0"])
            .args(["--metrics-listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .env("LAA_LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.reopen().expect("the log file")))
            .spawn()
            .expect("start laa serve");
        let mut lines = BufReader::new(child.stdout.take().expect("its output")).lines();
        let mut next = |prefix: &str| -> String {
            let line = lines.next().expect("a line").expect("a line");
            line.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix}..., got {line:?}"))
                .trim()
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned()
        };
        let grpc = format!("http://{}", next("laa listening on "));
        let metrics = next("laa metrics on ").parse().expect("an address");
        let web = next("laa web pages on ").parse().expect("an address");
        Self {
            child,
            grpc,
            web,
            metrics,
            log,
        }
    }

    /// How many times this server has rendered pages of kind `page`.
    async fn renders(&self, page: &str) -> u64 {
        let metrics = get(self.metrics, "/metrics", &[]).await.body;
        let name = format!("laa_web_renders_total{{page=\"{page}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&name))
            .map_or(0, |n| n.trim().parse().expect("a count"))
    }

    /// How many times this server has read the latest round's records for
    /// its pages.
    async fn readings(&self) -> u64 {
        let metrics = get(self.metrics, "/metrics", &[]).await.body;
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("laa_web_readings_total "))
            .map_or(0, |n| n.trim().parse().expect("a count"))
    }

    /// What the server has logged so far.
    fn log(&self) -> String {
        let mut text = String::new();
        self.log
            .reopen()
            .expect("the log file")
            .read_to_string(&mut text)
            .expect("the log");
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The servers of a test's database: one on SQLite, two on PostgreSQL.
fn servers(app: &TestApp) -> Vec<Server> {
    let count = if app.backend == "postgres" { 2 } else { 1 };
    (0..count)
        .map(|_| Server::start(&app.database_url, &[]))
        .collect()
}

/// Kent's agreement negotiated through `server` up to its sign-off (the
/// NEET target, NI 117, agreed): returns the version, and the clients of
/// the GO, Kent and the Minister.
async fn kent_ready_to_sign(app: &TestApp, server: &Server) -> (i64, [Clients; 3]) {
    let t = &app.tokens;
    let connect = |token: String| {
        let url = server.grpc.clone();
        async move { clients_at(&url, Some(&token)).await.expect("connect") }
    };
    let mut go = connect(t.go.clone()).await;
    let mut kent = connect(t.kent.clone()).await;
    let minister = connect(t.sign_off.clone()).await;
    let v = open_kent(&mut go).await;
    let v = settle_statutory(&mut go, &mut kent, v).await;
    let v = go
        .agreements
        .propose_target(go_proposal(v, 117, pct(8.0, [7.5, 7.0, 6.5]), "DCSF"))
        .await
        .expect("propose NEET")
        .into_inner()
        .agreement
        .expect("agreement")
        .version;
    let v = accept(&mut kent, v, 17).await;
    (v, [go, kent, minister])
}

/// Polls `path` on `server` until its body differs from `before`; panics
/// if it has not by `deadline`.
async fn until_changed(server: &Server, path: &str, before: &str, deadline: Instant) -> String {
    loop {
        let now = get(server.web, path, &[]).await;
        assert_eq!(now.status, 200, "{path}");
        if now.body != before {
            return now.body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} on {} did not show the change within {WITHIN:?}",
            server.web
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_off_shows_on_every_servers_pages_within_a_second() {
    for_each_database(|app| async move {
        let servers = servers(&app);
        let (v, [mut go, mut kent, mut minister]) = kent_ready_to_sign(&app, &servers[0]).await;
        // Every server has kept the pages, as they were before.
        let mut before = Vec::new();
        for server in &servers {
            for path in ["/", "/areas/kent", "/data/targets.csv"] {
                let page = get(server.web, path, &[]).await;
                assert_eq!(page.status, 200, "{path}");
                assert!(!page.body.contains("NEET"), "{path} before the sign-off");
                before.push((server, path, page.body));
            }
        }
        sign_off(&mut go, &mut kent, &mut minister, v).await;
        let deadline = Instant::now() + WITHIN;
        for (server, path, before) in &before {
            let after = until_changed(server, path, before, deadline).await;
            if *path != "/" {
                assert!(
                    after.contains("NEET") || after.contains("117"),
                    "{path}: {after}"
                );
            }
        }
    })
    .await;
}

/// A server reads the record for its pages as it starts, before anyone
/// asks for a page, and a first page asked for afterwards is answered
/// from that reading (read once, not again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_reads_the_record_for_its_pages_as_it_starts() {
    for_each_database(|app| async move {
        let server = Server::start(&app.database_url, &[]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.readings().await == 0 {
            assert!(
                Instant::now() < deadline,
                "no reading before a page was asked for:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let page = get(server.web, "/", &[]).await;
        assert_eq!(page.status, 200);
        assert_eq!(server.readings().await, 1, "{}", server.log());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_page_answers_304_and_its_encodings_and_a_stale_one_is_rendered_once() {
    for_each_database(|app| async move {
        let servers = servers(&app);
        let (v, [mut go, mut kent, mut minister]) = kent_ready_to_sign(&app, &servers[0]).await;
        let v = sign_off(&mut go, &mut kent, &mut minister, v).await;
        // The server that hears of each commit once: on PostgreSQL the
        // second (the first also hears its own announcements back).
        let reader = servers.last().expect("a server");
        let page = get_raw(reader.web, "/areas/kent", &[]).await;
        assert_eq!(page.status, 200);
        let deadline = Instant::now() + WITHIN;
        let mut page = page;
        while !String::from_utf8_lossy(&page.body).contains("NEET") {
            assert!(Instant::now() < deadline, "the sign-off within a second");
            tokio::time::sleep(Duration::from_millis(20)).await;
            page = get_raw(reader.web, "/areas/kent", &[]).await;
        }
        // Changes heard together are told together at the end of a
        // gathering: let the sign-off's pass, so that what follows is
        // the only change.
        tokio::time::sleep(laa_web::changes::GATHER * 2).await;
        let page = get_raw(reader.web, "/areas/kent", &[]).await;
        let tag = page.header("etag").expect("an ETag").to_owned();

        // If-None-Match: 304 from the kept tag, nothing rendered.
        let rendered = reader.renders("area").await;
        let again = get_raw(reader.web, "/areas/kent", &[("If-None-Match", &tag)]).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(
            reader.renders("area").await,
            rendered,
            "a 304 renders nothing"
        );

        // gzip and brotli decode to the same bytes; their tags answer 304 too.
        for path in [
            "/areas/kent",
            "/",
            "/data/targets.csv",
            "/data/targets.json",
        ] {
            let plain = get_raw(reader.web, path, &[]).await;
            assert_eq!(plain.header("content-encoding"), None, "{path}");
            for (accept, encoding) in [("gzip", "gzip"), ("gzip, br", "br")] {
                let encoded = get_raw(reader.web, path, &[("Accept-Encoding", accept)]).await;
                assert_eq!(encoded.status, 200, "{path}");
                assert_eq!(encoded.header("content-encoding"), Some(encoding), "{path}");
                assert_eq!(encoded.header("vary"), Some("Accept-Encoding"), "{path}");
                assert!(encoded.body.len() < plain.body.len(), "{path} {encoding}");
                let mut decoded = Vec::new();
                if encoding == "gzip" {
                    flate2::read::GzDecoder::new(&encoded.body[..])
                        .read_to_end(&mut decoded)
                        .expect("gzip");
                } else {
                    brotli::Decompressor::new(&encoded.body[..], 4096)
                        .read_to_end(&mut decoded)
                        .expect("brotli");
                }
                assert_eq!(decoded, plain.body, "{path} in {encoding}");
                let tag = encoded.header("etag").expect("a tag").to_owned();
                assert_ne!(
                    Some(tag.as_str()),
                    plain.header("etag"),
                    "{path} {encoding}"
                );
                let again = get_raw(
                    reader.web,
                    path,
                    &[("Accept-Encoding", accept), ("If-None-Match", &tag)],
                )
                .await;
                assert_eq!(again.status, 304, "{path} {encoding}");
            }
        }

        // An actual recorded makes Kent's page stale: asked for by 16 at
        // once, wave after wave until it shows the actual, it is rendered
        // once.
        let rendered = reader.renders("area").await;
        kent.agreements
            .record_actual(pb::RecordActualRequest {
                agreement: KENT.into(),
                request_id: rid(),
                expected_version: v,
                target: 17,
                year: "2008/09".into(),
                value: 7.2,
                source: "Connexions, November 2008".into(),
                ..Default::default()
            })
            .await
            .expect("record the NEET actual");
        let deadline = Instant::now() + WITHIN;
        loop {
            let wave: Vec<_> = (0..16)
                .map(|_| tokio::spawn(get(reader.web, "/areas/kent", &[])))
                .collect();
            let mut shown = false;
            for asked in wave {
                shown |= asked.await.expect("a request").body.contains("7.2%");
            }
            if shown {
                break;
            }
            assert!(Instant::now() < deadline, "the actual within a second");
        }
        assert_eq!(
            reader.renders("area").await,
            rendered + 1,
            "the stale page rendered once"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_requests_and_stalled_bodies_are_closed_while_a_page_answers() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}/laa.db?mode=rwc", dir.path().display());
    let server = Server::start(
        &url,
        &[
            "--http-header-timeout-secs",
            "1",
            "--http-max-connections",
            "32",
            "--http-idle-timeout-secs",
            "2",
        ],
    );
    // 48 clients send half a request each: 32 are accepted, the rest wait.
    let mut slow = Vec::new();
    for _ in 0..48 {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(server.web)
            .await
            .expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .expect("half a request");
        slow.push(stream);
    }
    // A page still answers (once a slow client's time is up, if need be).
    let page = get(server.web, "/style.css", &[]).await;
    assert_eq!(page.status, 200);
    // Every slow client is closed, none answered with a page.
    for mut stream in slow {
        use tokio::io::AsyncReadExt;
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("a slow client closed after the header timeout")
            .ok();
        assert!(
            !String::from_utf8_lossy(&answer).contains("200 OK"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    let log = server.log();
    assert!(
        log.contains("at its connection cap"),
        "the cap is logged: {log}"
    );

    // A form whose body stops halfway (its head complete, so the header
    // timeout no longer runs) is closed after the idle timeout, unanswered.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(server.web)
            .await
            .expect("connect");
        stream
            .write_all(
                b"POST /workspace/sign-in HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\n\
                  Content-Length: 1000\r\n\r\ntoken=",
            )
            .await
            .expect("half a body");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
            .await
            .expect("a stalled body closed after the idle timeout")
            .ok();
        assert!(
            answer.is_empty(),
            "closed, not answered: {}",
            String::from_utf8_lossy(&answer)
        );
    }
}
