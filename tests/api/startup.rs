//! Starting on a database: two processes opening one fresh database never
//! race, a server answers from the moment it listens, operator tools never
//! create a database by accident, and no password is ever printed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use laa_proto::v1 as pb;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::credentials::stop_laa_serve;
use crate::support::reason;

/// How many fresh databases of each kind the race is run on.
const FRESH_DATABASES: usize = 20;

/// A fresh database of each kind the suite runs on: an SQLite file in
/// `dir`, and a PostgreSQL database when the test server is named.
async fn fresh_databases(
    dir: &Path,
    n: usize,
) -> Vec<(String, Option<laa_testkit::FreshPostgres>)> {
    let mut fresh = vec![(
        format!("sqlite://{}/laa-{n}.db?mode=rwc", dir.display()),
        None,
    )];
    if let Ok(admin) = std::env::var(laa_testkit::POSTGRES_ENV) {
        let pg = laa_testkit::FreshPostgres::create(&admin, "laa_startup").await;
        fresh.push((pg.url.clone(), Some(pg)));
    }
    fresh
}

/// `laa` with these arguments, in `dir`, with no database named by the
/// environment.
fn laa_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_laa"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("LAA_DATABASE_URL")
        .env_remove("LAA_TOKEN")
        .env_remove("RUST_LOG")
        .env("LAA_HTTP_LISTEN", "off");
    command
}

/// `laa serve` on `url` in `dir`, on a free port, its output and logs
/// piped.
fn serve(dir: &Path, url: &str) -> Child {
    laa_in(
        dir,
        &["serve", "--listen", "127.0.0.1:0", "--database-url", url],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

/// Waits for a spawned `laa serve` to say where it listens; `None` if it
/// exited first.
fn listening(child: &mut Child) -> Option<String> {
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    line.trim()
        .strip_prefix("laa listening on ")
        .map(str::to_owned)
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_database_opened_by_a_server_and_three_tools_at_once_is_prepared_once() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..FRESH_DATABASES {
        for (url, _pg) in fresh_databases(dir.path(), n).await {
            let mut server = serve(dir.path(), &url);
            let tools: Vec<Child> = (0..3)
                .map(|k| {
                    let label = format!("tool-{k}");
                    laa_in(
                        dir.path(),
                        &[
                            "token",
                            "issue",
                            "--role",
                            "auditor",
                            "--label",
                            &label,
                            "--create",
                            "--database-url",
                            &url,
                        ],
                    )
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
                })
                .collect();
            for tool in tools {
                let out = tool.wait_with_output().unwrap();
                assert!(out.status.success(), "{url}: {}", text(&out));
            }
            let address = listening(&mut server);
            let logs = stop_laa_serve(server);
            assert!(
                address.is_some(),
                "{url}: the server did not start:\n{logs}"
            );
            for failure in [
                "\"level\":\"ERROR\"",
                "duplicate column",
                "table \"",
                "UNIQUE",
            ] {
                assert!(!logs.contains(failure), "{url}:\n{logs}");
            }

            let store = laa_store::Store::connect(&url, laa_store::StoreOptions::default())
                .await
                .unwrap();
            assert_eq!(
                store.credentials().list_tokens().await.unwrap().len(),
                3,
                "{url}"
            );
            let (areas, _) = store.queries().list_areas(None, 1000, None).await.unwrap();
            assert_eq!(areas.len(), 150, "{url}");
            store.close().await.unwrap();
        }
    }
}

/// Holds the schema lock of a fresh database from outside, as another
/// process preparing it would, until dropped.
enum HeldSchemaLock {
    #[allow(dead_code)]
    Sqlite(std::fs::File),
    #[allow(dead_code)]
    Postgres(sea_orm::sqlx::PgConnection),
}

async fn hold_schema_lock(url: &str) -> HeldSchemaLock {
    match laa_store::sqlite_file(url) {
        Some(file) => {
            let lock = std::fs::File::create(format!("{file}.schema-lock")).unwrap();
            lock.lock().unwrap();
            HeldSchemaLock::Sqlite(lock)
        }
        None => {
            use sea_orm::sqlx::Connection;
            let mut conn = sea_orm::sqlx::PgConnection::connect(url).await.unwrap();
            sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(laa_store::SCHEMA_LOCK_KEY)
                .execute(&mut conn)
                .await
                .unwrap();
            HeldSchemaLock::Postgres(conn)
        }
    }
}

async fn health(address: &str) -> Option<ServingStatus> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
        .ok()?
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
        .ok()?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .ok()?;
    ServingStatus::try_from(answer.into_inner().status).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_its_database_is_ready_a_server_is_not_serving_and_calls_are_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    for (url, _pg) in fresh_databases(dir.path(), 0).await {
        let held = hold_schema_lock(&url).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let mut server = laa_in(
            dir.path(),
            &["serve", "--listen", &address, "--database-url", &url],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = health(&address).await {
                break status;
            }
            assert!(Instant::now() < deadline, "{url}: no health answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(status, ServingStatus::NotServing, "{url}");
        let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let refused = pb::indicator_service_client::IndicatorServiceClient::new(channel)
            .list_indicators(pb::ListIndicatorsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(
            refused.code(),
            tonic::Code::Unavailable,
            "{url}: {refused:?}"
        );
        assert_eq!(reason(&refused), "UNAVAILABLE", "{url}");
        assert!(refused.message().contains("starting"), "{refused:?}");

        drop(held);
        assert!(
            listening(&mut server).is_some(),
            "{url}: the server did not start"
        );
        assert_eq!(
            health(&address).await,
            Some(ServingStatus::Serving),
            "{url}"
        );
        stop_laa_serve(server);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_tools_never_create_a_database_and_say_which_they_used() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("copy.db");
    let backup = backup.to_str().unwrap();
    for args in [
        vec!["token", "list"],
        vec!["token", "issue", "--role", "admin"],
        vec!["token", "revoke", "tok_0000000000000000"],
        vec!["migrate", "status"],
        vec!["migrate", "up"],
        vec!["backup", "--to", backup],
    ] {
        let out = laa_in(dir.path(), &args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out));
        let expected = dir.path().join("laa.db");
        assert!(
            stderr.contains(&format!(
                "there is no database at sqlite://laa.db?mode=rwc ({})",
                expected.display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("--create"), "{args:?}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }

    // Told to, a tool makes a new database; then the others find it.
    let out = laa_in(
        dir.path(),
        &["token", "issue", "--role", "admin", "--create"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = laa_in(dir.path(), &["token", "list"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("laa: database sqlite://laa.db?mode=rwc ("),
        "{}",
        text(&out)
    );

    // PostgreSQL: a database that does not exist is not created, and one
    // that exists but that no server prepared gets no schema from a tool.
    if let Ok(admin) = std::env::var(laa_testkit::POSTGRES_ENV) {
        let missing = laa_testkit::with_database(&admin, "laa_no_such_database");
        let out = laa_in(dir.path(), &["token", "list", "--database-url", &missing])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("createdb"),
            "{}",
            text(&out)
        );
        let empty = laa_testkit::FreshPostgres::create(&admin, "laa_tools").await;
        let out = laa_in(
            dir.path(),
            &[
                "token",
                "issue",
                "--role",
                "admin",
                "--database-url",
                &empty.url,
            ],
        )
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("holds no laa database"),
            "{}",
            text(&out)
        );
        let db = sea_orm::Database::connect(&empty.url).await.unwrap();
        let tables = laa_migration::SchemaManager::new(&db)
            .has_table("seaql_migrations")
            .await
            .unwrap();
        db.close().await.unwrap();
        assert!(!tables, "a tool prepared a schema it was not told to");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_database_url_is_never_printed() {
    const PASSWORD: &str = "Sup3rS3cretPassw0rd";
    let dir = tempfile::tempdir().unwrap();
    // URLs the driver refuses at once (a connection refused would be
    // retried for the pool's acquire timeout, 30 s, before failing).
    let mut urls = vec![
        format!("postgres://laa:{PASSWORD}@127.0.0.1:99999/laa"),
        format!("postgres://127.0.0.1:99999/laa?user=laa&password={PASSWORD}"),
        // Typed wrongly: one slash, no scheme, an SQLite path with one.
        format!("postgres:/laa:{PASSWORD}@127.0.0.1/laa"),
        format!("laa:{PASSWORD}@127.0.0.1:5432/laa"),
        format!("sqlite://laa:{PASSWORD}@/nonexistent/laa.db"),
    ];
    if std::env::var(laa_testkit::POSTGRES_ENV).is_ok() {
        // The test server trusts its users: the database is what is missing.
        urls.push(format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:5432/laa_no_such_database"
        ));
    }
    for url in &urls {
        for (args, env) in [
            (
                vec!["serve", "--listen", "127.0.0.1:0", "--database-url", url],
                None,
            ),
            (
                vec![
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--log-format",
                    "json",
                    "--database-url",
                    url,
                ],
                None,
            ),
            (vec!["token", "list", "--database-url", url], None),
            (
                vec![
                    "token",
                    "issue",
                    "--role",
                    "admin",
                    "--create",
                    "--database-url",
                    url,
                ],
                None,
            ),
            (vec!["migrate", "status", "--database-url", url], None),
            (vec!["backup", "--to", "x.db", "--database-url", url], None),
            (vec!["serve", "--help"], Some(url)),
            (vec!["token", "list", "--help"], Some(url)),
            (vec!["--help"], Some(url)),
        ] {
            let mut command = laa_in(dir.path(), &args);
            if let Some(url) = env {
                // A server URL may carry credentials too.
                command.env("LAA_DATABASE_URL", url).env("LAA_SERVER", url);
            }
            let out = command.output().unwrap();
            let everything = text(&out);
            assert!(
                !everything.contains(PASSWORD),
                "{args:?} printed the password:\n{everything}"
            );
            if env.is_none() {
                assert!(!out.status.success(), "{args:?}: {everything}");
            }
        }
    }
}

/// A server on a PostgreSQL whose autovacuum is off says so as it starts
/// (every command leaves a dead row version behind, and without vacuum
/// the reads that span agreements slow); one on SQLite, or on a
/// PostgreSQL that vacuums, says nothing of it. The suite's PostgreSQL
/// decides which of the two is seen there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_says_when_postgresql_will_not_vacuum_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    for (url, pg) in fresh_databases(dir.path(), 0).await {
        let off = match &pg {
            Some(_) => {
                let database = laa_store::tools::Database::open(&url).await.unwrap();
                let off = database.autovacuum_is_off().await.unwrap();
                database.close().await.unwrap();
                off
            }
            None => false,
        };
        let mut server = serve(dir.path(), &url);
        let address = listening(&mut server);
        let logs = stop_laa_serve(server);
        assert!(
            address.is_some(),
            "{url}: the server did not start:\n{logs}"
        );
        assert_eq!(
            logs.contains(laa_store::upkeep::AUTOVACUUM_OFF),
            off,
            "{url} (autovacuum off: {off}):\n{logs}"
        );
    }
}
