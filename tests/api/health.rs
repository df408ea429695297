//! Health for load balancers: NOT_SERVING for every service, `""`
//! included, while the database cannot be reached and from the moment a
//! shutdown begins; and a server that cannot bind leaves no database behind.

use std::time::{Duration, Instant};

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::*;

/// The status of every health name, asked on a fresh connection.
async fn statuses(address: std::net::SocketAddr) -> Vec<(String, i32)> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    let mut out = Vec::new();
    for name in laa_server::health_names() {
        let status = health
            .check(HealthCheckRequest {
                service: name.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        out.push((name.to_owned(), status));
    }
    out
}

fn all(statuses: &[(String, i32)], status: ServingStatus) -> bool {
    statuses.iter().all(|(_, s)| *s == status as i32)
}

/// Polls until every name reports `status`, for at most `limit`.
async fn until_all(address: std::net::SocketAddr, status: ServingStatus, limit: Duration) {
    let start = Instant::now();
    loop {
        let now = statuses(address).await;
        if all(&now, status) {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "not every service became {status:?} within {limit:?}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_is_not_serving_from_the_moment_shutdown_begins() {
    let config = laa_server::ServerConfig {
        shutdown_grace: Duration::from_secs(2),
        ..Default::default()
    };
    for_each_database_with(config, |mut app| async move {
        let names = statuses(app.address).await;
        assert!(all(&names, ServingStatus::Serving), "{names:?}");
        assert!(names.iter().any(|(n, _)| n.is_empty()), "\"\" is answered");
        app.begin_shutdown();
        until_all(
            app.address,
            ServingStatus::NotServing,
            Duration::from_secs(1),
        )
        .await;
        app.shutdown().await;
    })
    .await;
}

/// A TCP proxy in front of PostgreSQL that a test can cut and restore.
struct Proxy {
    address: std::net::SocketAddr,
    stop: Option<tokio::sync::watch::Sender<bool>>,
}

impl Proxy {
    async fn start(address: std::net::SocketAddr, upstream: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("bind proxy");
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut stopped_accepting = stopped.clone();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { return };
                        let mut stopped = stopped.clone();
                        tokio::spawn(async move {
                            let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = stopped.wait_for(|s| *s) => {}
                            }
                        });
                    }
                    _ = stopped_accepting.wait_for(|s| *s) => return,
                }
            }
        });
        Self {
            address,
            stop: Some(stop),
        }
    }

    /// Closes the listener and every connection through it.
    fn cut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_is_not_serving_while_postgres_cannot_be_reached() {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        return; // PostgreSQL only: an embedded SQLite database cannot go away.
    };
    let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
    let upstream = {
        let rest = pg.url.split_once('@').map_or(pg.url.as_str(), |(_, r)| r);
        let host = rest.split('/').next().unwrap();
        tokio::net::lookup_host(host).await.unwrap().next().unwrap()
    };
    let mut proxy = Proxy::start("127.0.0.1:0".parse().unwrap(), upstream).await;
    let via_proxy = pg
        .url
        .replacen(&upstream.to_string(), &proxy.address.to_string(), 1);
    let via_proxy = if via_proxy == pg.url {
        // The URL named the server by name (localhost): swap host and port.
        let (user, rest) = pg.url.split_once('@').unwrap();
        let (_, db) = rest.split_once('/').unwrap();
        format!("{user}@{}/{db}", proxy.address)
    } else {
        via_proxy
    };
    let app = spawn_on(
        via_proxy,
        "postgres",
        None,
        None,
        laa_server::ServerConfig::default(),
    )
    .await;
    let names = statuses(app.address).await;
    assert!(all(&names, ServingStatus::Serving), "{names:?}");

    proxy.cut();
    until_all(
        app.address,
        ServingStatus::NotServing,
        Duration::from_secs(5),
    )
    .await;

    let _proxy = Proxy::start(proxy.address, upstream).await;
    until_all(app.address, ServingStatus::Serving, Duration::from_secs(10)).await;
    drop(app);
    drop(pg);
}

#[test]
fn a_taken_port_leaves_no_database_behind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
        .env("LAA_HTTP_LISTEN", "off")
        .args(["serve", "--listen", &address, "--database-url"])
        .arg(format!("sqlite://{}?mode=rwc", file.display()))
        .output()
        .expect("run laa serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(
        !file.exists(),
        "laa serve created {} before binding",
        file.display()
    );
}
