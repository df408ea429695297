//! Email notifications, on both databases, through a real SMTP exchange:
//! the test starts a small SMTP server of its own (below, on a loopback
//! port) and the notifier's `lettre` client speaks to it as to an
//! operator's relay. Kent's officer subscribes in the workspace over
//! HTTP; the GO's offer through gRPC reaches them as exactly one message
//! naming the agreement and linking to the target, with none of the
//! offer's terms or rationale; a person who did not subscribe gets
//! nothing; a restarted notifier sends nothing twice, nor do two
//! notifiers on one database; turning notifications off stops them; a
//! message the relay could not take is sent at the next sweep.
//!
//! The SMTP server is written here rather than taken from a crate: it is
//! the few commands `lettre` sends (EHLO, MAIL, RCPT, DATA, QUIT), and it
//! can refuse a message on purpose.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use laa_proto::v1 as pb;
use laa_workspace::mail::Relay;
use laa_workspace::notifier::Notifier;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::task::JoinHandle;

use crate::support::*;
use crate::workspace::{Visitor, hidden_fields};

/// One message the SMTP server took.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: String,
}

impl Received {
    /// A header's value (unfolded).
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    fn body(&self) -> &str {
        self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b)
    }
}

/// A small SMTP server on a loopback port: it keeps every message it
/// takes, and answers `451` (try again later) to the first `refuse`
/// messages.
#[derive(Clone)]
struct SmtpServer {
    address: SocketAddr,
    taken: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<usize>>,
}

impl SmtpServer {
    async fn start(refuse: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP server");
        let server = Self {
            address: listener.local_addr().expect("address"),
            taken: Arc::default(),
            refused: Arc::new(Mutex::new(refuse)),
        };
        let serving = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = serving.clone();
                tokio::spawn(async move { session.converse(stream).await });
            }
        });
        server
    }

    fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// One SMTP session.
    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test.invalid ESMTP\r\n").await?;
        let mut to = Vec::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let answer: &[u8] = if command.starts_with("EHLO") {
                b"250-test.invalid\r\n250 8BITMIME\r\n"
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if command.starts_with("MAIL FROM:") {
                let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
                if *refused > 0 {
                    *refused -= 1;
                    b"451 4.3.0 try again later\r\n"
                } else {
                    to.clear();
                    b"250 OK\r\n"
                }
            } else if command.starts_with("RCPT TO:") {
                let address = line.trim_end()["RCPT TO:".len()..]
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned();
                to.push(address);
                b"250 OK\r\n"
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    // A line beginning with a dot was sent with one more.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.taken
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Received {
                        to: std::mem::take(&mut to),
                        data,
                    });
                b"250 OK queued\r\n"
            } else if command == "RSET" {
                to.clear();
                b"250 OK\r\n"
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(answer).await?;
        }
    }

    fn taken(&self) -> Vec<Received> {
        self.taken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits (at most 20 s) until `n` messages have been taken, and
    /// returns them all.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let taken = self.taken();
            if taken.len() >= n || tokio::time::Instant::now() > deadline {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The server as `laa serve --smtp-url` runs it on the test's store: one
/// engine behind the gRPC listener and the workspace, and the notifier on
/// it. The gRPC URL, the pages' address, and the notifier's task.
struct Served {
    grpc: String,
    pages: SocketAddr,
    engine: laa_server::Engine,
    notifier: JoinHandle<()>,
}

fn notifier(
    app: &TestApp,
    engine: laa_server::Engine,
    smtp: &SmtpServer,
    web_url: &str,
    sweep: Duration,
) -> JoinHandle<()> {
    let relay = Relay::new(&smtp.url(), "LAA workspace <laa@test.invalid>").expect("a relay");
    let workspace = laa_workspace::Workspace::new(engine, &app.store, false).sending_mail(true);
    tokio::spawn(
        Notifier::new(workspace, relay, web_url)
            .sweeping_every(sweep)
            .run(),
    )
}

async fn serve_with_notifier(app: &TestApp, smtp: &SmtpServer, sweep: Duration) -> Served {
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the engine");
    let grpc_address = grpc.local_addr().expect("address");
    let serving = laa_server::Serving::start_open(grpc, app.config.clone(), app.store.clone())
        .await
        .expect("start an engine");
    let engine = serving.engine().expect("the engine is open");
    tokio::spawn(serving.run_until(std::future::pending()));
    let workspace =
        laa_workspace::Workspace::new(engine.clone(), &app.store, false).sending_mail(true);
    let router = laa_web::router(app.store.queries(), laa_web::Changes::unfollowed())
        .nest(laa_workspace::ROOT, laa_workspace::router(workspace));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the pages");
    let pages = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    let notifier = notifier(app, engine.clone(), smtp, &format!("http://{pages}"), sweep);
    Served {
        grpc: format!("http://{grpc_address}"),
        pages,
        engine,
        notifier,
    }
}

const PAGE: &str = "/workspace/notifications";
const OFFICER: &str = "officer@kent.test.invalid";
const NEGOTIATOR: &str = "negotiator@gose.test.invalid";
/// The GO's terms and rationale: none of them may be in a message.
const TERMS: [f64; 4] = [8.25, 7.75, 6.5, 5.125];
const SECRETS: &[&str] = &[
    "8.25",
    "7.75",
    "6.5",
    "5.125",
    "rolling average",
    "LSP evidence",
];

/// Sends the notifications form as drawn, with `email` and the box
/// ticked or not.
async fn choose(person: &mut Visitor, email: &str, on: bool) -> crate::workspace::Answer {
    let page = person.get(PAGE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = hidden_fields(&page.body, "notifications");
    fields.push(("email".into(), email.into()));
    if on {
        fields.push(("enabled".into(), "true".into()));
    }
    person.post(PAGE, &fields).await
}

async fn counter(c: &mut Clients, v: i64, target: u32) -> i64 {
    c.agreements
        .counter_offer(pb::CounterOfferRequest {
            agreement: KENT.into(),
            request_id: rid(),
            expected_version: v,
            target,
            terms: Some(pct(TERMS[0], [TERMS[1], TERMS[2], TERMS[3]])),
            rationale: "three-year rolling average".into(),
            evidence: vec!["LSP evidence base".into()],
            deal_breaker: false,
            department: String::new(),
            occurred_at: None,
        })
        .await
        .expect("a counter-offer")
        .into_inner()
        .agreement
        .expect("agreement")
        .version
}

/// The link a message gives, as a path of the pages.
fn link_path(message: &Received, web_url: &str) -> String {
    let body = message.body();
    let start = body.find(web_url).expect("a link to the pages") + web_url.len();
    body[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_officer_is_emailed_once_when_an_offer_waits_on_them_and_not_after_turning_it_off() {
    for_each_database(|app| async move {
        let smtp = SmtpServer::start(0).await;
        // No sweep during the test: every message comes from an event.
        let mut served = serve_with_notifier(&app, &smtp, Duration::from_secs(3600)).await;
        let web_url = format!("http://{}", served.pages);
        let mut go = clients_at(&served.grpc, Some(&app.tokens.go))
            .await
            .expect("the GO's client");
        let mut kent_grpc = clients_at(&served.grpc, Some(&app.tokens.kent))
            .await
            .expect("Kent's client");
        let v = open_kent(&mut go).await;

        // The page is linked from the header, and a bad address changes
        // nothing.
        let mut kent = Visitor::at(served.pages);
        assert_eq!(kent.sign_in(&app.tokens.kent).await.status, 303);
        let inbox = kent.get("/workspace").await;
        assert!(
            inbox.body.contains(&format!("href=\"{PAGE}\"")),
            "{}",
            inbox.body
        );
        for (bad, problem) in [
            ("officer at kent", "correct format"),
            ("", "Enter an email address"),
        ] {
            let refused = choose(&mut kent, bad, true).await;
            assert_eq!(refused.status, 422, "{bad:?}: {}", refused.body);
            assert!(
                refused.body.contains("There is a problem"),
                "{}",
                refused.body
            );
            assert!(refused.body.contains(problem), "{}", refused.body);
            assert!(
                refused.body.contains("href=\"#email\""),
                "linked to the field"
            );
        }
        assert!(
            app.store
                .notifications()
                .subscription(&laa_store::TokenId::new(
                    token_id(&app, &app.tokens.kent).await
                ))
                .await
                .expect("read")
                .is_none(),
            "a refused choice saved nothing"
        );
        // A form without the session's anti-forgery token is refused.
        let forged = kent
            .post(
                PAGE,
                &[
                    ("email".into(), OFFICER.into()),
                    ("enabled".into(), "true".into()),
                ],
            )
            .await;
        assert_eq!(forged.status, 403);

        let saved = choose(&mut kent, OFFICER, true).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let shown = kent
            .get(saved.header("location").expect("back to the page"))
            .await;
        assert!(
            shown.body.contains("Your choice is saved"),
            "{}",
            shown.body
        );
        assert!(shown.body.contains(&format!("value=\"{OFFICER}\"")));
        assert!(shown.body.contains(" checked"), "the box stays ticked");

        // The sixteen statutory targets already waited: nothing is sent
        // for them. The GO's proposal on NI 117 newly waits on Kent.
        let v = go
            .agreements
            .propose_target(go_proposal(
                v,
                117,
                pct(TERMS[0], [TERMS[1], TERMS[2], TERMS[3]]),
                "DCSF",
            ))
            .await
            .expect("the GO's proposal")
            .into_inner()
            .agreement
            .expect("agreement")
            .version;
        let taken = smtp.wait_for(1).await;
        assert_eq!(taken.len(), 1, "{taken:#?}");
        let message = &taken[0];
        assert_eq!(message.to, [OFFICER]);
        let subject = message.header("subject").expect("a subject");
        assert!(subject.contains("Answer the offer on NI 117"), "{subject}");
        assert!(
            subject.contains("Kent") && subject.contains("2008-11"),
            "{subject}"
        );
        assert!(message.body().contains("kent-2008-11"), "{}", message.data);
        for secret in SECRETS {
            assert!(
                !message.body().contains(secret) && !subject.contains(secret),
                "{secret} in {}",
                message.data
            );
        }
        let target = link_path(message, &web_url);
        assert!(
            target.starts_with("/workspace/agreements/kent-2008-11/targets/"),
            "{target}"
        );
        let opened = kent.get(&target).await;
        assert_eq!(opened.status, 200, "the link opens the target");
        assert!(opened.body.contains("NI 117"), "{}", opened.body);
        let target: u32 = target.rsplit('/').next().unwrap().parse().unwrap();

        // A restarted notifier sends nothing again (what was told is in
        // the database): its first sweep finds nothing new.
        served.notifier.abort();
        served.notifier = notifier(
            &app,
            served.engine.clone(),
            &smtp,
            &web_url,
            Duration::from_secs(3600),
        );

        // Kent counters: the answer waits on the GO, who did not
        // subscribe, and gets nothing. The GO counters again: the offer
        // waits on Kent anew, and Kent is told again.
        let v = counter(&mut kent_grpc, v, target).await;
        let v = counter(&mut go, v, target).await;
        let taken = smtp.wait_for(2).await;
        assert_eq!(taken.len(), 2, "{taken:#?}");
        assert_eq!(taken[1].to, [OFFICER], "only the subscriber is written to");
        assert!(
            taken[1]
                .header("subject")
                .unwrap_or_default()
                .contains("Answer the offer on NI 117")
        );

        // Kent turns notifications off: the GO's next offer is not sent.
        // The GO then subscribes, and Kent's counter reaches the GO: by
        // then the notifier has dealt with the offer before it.
        let off = choose(&mut kent, OFFICER, false).await;
        assert_eq!(off.status, 303, "{}", off.body);
        let shown = kent.get(PAGE).await;
        assert!(!shown.body.contains(" checked"), "{}", shown.body);
        let v = counter(&mut kent_grpc, v, target).await;
        let v = counter(&mut go, v, target).await;
        let mut negotiator = Visitor::at(served.pages);
        assert_eq!(negotiator.sign_in(&app.tokens.go).await.status, 303);
        assert_eq!(choose(&mut negotiator, NEGOTIATOR, true).await.status, 303);
        counter(&mut kent_grpc, v, target).await;
        let taken = smtp.wait_for(3).await;
        assert_eq!(taken.len(), 3, "{taken:#?}");
        assert_eq!(taken[2].to, [NEGOTIATOR], "{taken:#?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(smtp.taken().len(), 3, "nothing more: {:#?}", smtp.taken());
        served.notifier.abort();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_relay_could_not_take_is_sent_at_the_next_sweep() {
    for_each_database(|app| async move {
        // The relay answers "try again later" to the first message.
        let smtp = SmtpServer::start(1).await;
        let served = serve_with_notifier(&app, &smtp, Duration::from_millis(300)).await;
        let mut go = clients_at(&served.grpc, Some(&app.tokens.go))
            .await
            .expect("the GO's client");
        let v = open_kent(&mut go).await;
        let mut kent = Visitor::at(served.pages);
        assert_eq!(kent.sign_in(&app.tokens.kent).await.status, 303);
        assert_eq!(choose(&mut kent, OFFICER, true).await.status, 303);
        go.agreements
            .propose_target(go_proposal(v, 117, pct(8.0, [7.0, 6.0, 5.0]), "DCSF"))
            .await
            .expect("the GO's proposal");
        let taken = smtp.wait_for(1).await;
        assert_eq!(taken.len(), 1, "sent once the relay took it");
        assert_eq!(taken[0].to, [OFFICER]);
        assert_eq!(
            *smtp.refused.lock().unwrap_or_else(PoisonError::into_inner),
            0,
            "the first attempt was refused"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(smtp.taken().len(), 1, "and not sent twice");
        served.notifier.abort();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_notifiers_on_one_database_only_one_sends_each_message() {
    for_each_database(|app| async move {
        let smtp = SmtpServer::start(0).await;
        let served = serve_with_notifier(&app, &smtp, Duration::from_secs(3600)).await;
        // A second server's notifier: it hears the same announcements and
        // reads the same subscriptions.
        let web_url = format!("http://{}", served.pages);
        let second = notifier(
            &app,
            served.engine.clone(),
            &smtp,
            &web_url,
            Duration::from_secs(3600),
        );
        let mut go = clients_at(&served.grpc, Some(&app.tokens.go))
            .await
            .expect("the GO's client");
        let v = open_kent(&mut go).await;
        let mut kent = Visitor::at(served.pages);
        assert_eq!(kent.sign_in(&app.tokens.kent).await.status, 303);
        assert_eq!(choose(&mut kent, OFFICER, true).await.status, 303);
        let mut v = v;
        for n in [117, 118, 119] {
            v = go
                .agreements
                .propose_target(go_proposal(v, n, fitting(n), "DCSF"))
                .await
                .expect("the GO's proposal")
                .into_inner()
                .agreement
                .expect("agreement")
                .version;
        }
        let taken = smtp.wait_for(3).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let taken_after = smtp.taken();
        assert_eq!(taken_after.len(), 3, "{taken:#?}");
        let mut subjects: Vec<String> = taken_after
            .iter()
            .map(|m| m.header("subject").unwrap_or_default())
            .collect();
        subjects.sort();
        for (subject, n) in subjects.iter().zip([117, 118, 119]) {
            assert!(
                subject.contains(&format!("Answer the offer on NI {n}")),
                "{subjects:?}"
            );
        }
        served.notifier.abort();
        second.abort();
    })
    .await;
}

/// The id of the token whose secret is `secret`.
async fn token_id(app: &TestApp, secret: &str) -> String {
    app.store
        .credentials()
        .resolve_token_now(secret)
        .await
        .expect("read the token")
        .expect("a live token")
        .token_id
        .as_str()
        .to_owned()
}

/// `laa serve` with these arguments on a fresh SQLite file in `dir`, no
/// relay named by the environment.
fn serve_in(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_laa"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--http-listen", "off"])
        .arg("--database-url")
        .arg(format!("sqlite://{}/laa.db?mode=rwc", dir.display()))
        .args(args)
        .current_dir(dir)
        .env_remove("LAA_SMTP_URL")
        .env_remove("LAA_MAIL_FROM")
        .env_remove("LAA_WEB_URL")
        .env_remove("RUST_LOG");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laa_serve_refuses_a_relay_it_cannot_use_and_never_prints_its_password() {
    const PASSWORD: &str = "Sm7pRelayPassw0rd";
    let dir = tempfile::tempdir().unwrap();
    let relay = format!("smtps://laa:{PASSWORD}@relay.test.invalid");
    for (args, says) in [
        (vec!["--smtp-url", relay.as_str()], "--mail-from"),
        (
            vec![
                "--smtp-url",
                relay.as_str(),
                "--mail-from",
                "laa@test.invalid",
            ],
            "--web-url",
        ),
        (
            vec![
                "--smtp-url",
                "http://relay.test.invalid",
                "--mail-from",
                "laa@test.invalid",
                "--web-url",
                "https://laa.test.invalid",
            ],
            "smtp://",
        ),
        (
            vec![
                "--smtp-url",
                relay.as_str(),
                "--mail-from",
                "not an address",
                "--web-url",
                "https://laa.test.invalid",
            ],
            "not an email address",
        ),
        (
            vec![
                "--smtp-url",
                relay.as_str(),
                "--mail-from",
                "laa@test.invalid",
                "--web-url",
                "laa.test.invalid",
            ],
            "not a web address",
        ),
    ] {
        let out = serve_in(dir.path(), &args).output().unwrap();
        let everything = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{args:?}: {everything}");
        assert!(everything.contains(says), "{args:?}: {everything}");
        assert!(!everything.contains(PASSWORD), "{args:?}: {everything}");
    }
    let help = serve_in(dir.path(), &["--help"])
        .env("LAA_SMTP_URL", &relay)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--smtp-url") && !help.contains(PASSWORD),
        "{help}"
    );

    // A relay it can use: the server says so, naming the host alone.
    let smtp = SmtpServer::start(0).await;
    let url = format!("smtp://laa:{PASSWORD}@{}", smtp.address);
    let mut child = serve_in(dir.path(), &[])
        .env("LAA_SMTP_URL", &url)
        .env("LAA_MAIL_FROM", "LAA <laa@test.invalid>")
        .env("LAA_WEB_URL", "https://laa.test.invalid")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut said = String::new();
    while !said.contains("email notifications") {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut out, &mut line).unwrap() == 0 {
            break;
        }
        said.push_str(&line);
    }
    let logs = crate::credentials::stop_laa_serve(child);
    assert!(
        said.contains(&format!("laa email notifications through {}", smtp.address)),
        "{said}\n{logs}"
    );
    assert!(
        !said.contains(PASSWORD) && !logs.contains(PASSWORD),
        "{said}\n{logs}"
    );
}
