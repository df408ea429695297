//! The real `laa serve` killed with SIGKILL under load, again and again:
//! every acknowledged write survives each kill, every chain verifies, and
//! the restarted server takes writes at once.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use laa_core::{AreaCode, Region, Role, Scope};
use laa_proto::v1 as pb;
use laa_store::{Store, StoreOptions};

use crate::support::{FreshPostgres, POSTGRES_ENV, clients_at, pct};

/// `laa serve` on `url`, on a free port; its address.
fn serve(url: &str) -> (Child, String) {
    serve_with(url, &[])
}

/// `laa serve` on `url` with `more` arguments, on a free port; its address.
pub fn serve_with(url: &str, more: &[&str]) -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_laa"));
    server
        .env("LAA_HTTP_LISTEN", "off")
        .args(["serve", "--database-url", url, "--listen", "127.0.0.1:0"])
        .args(more)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    listening(server)
}

/// Starts `server` (an `laa serve` whose output is piped) and waits until it
/// listens: the child, and the URL it serves.
pub fn listening(mut server: Command) -> (Child, String) {
    let mut child = server.spawn().expect("start laa serve");
    let stdout = child.stdout.take().expect("its output");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("laa listening on "))
        .expect("laa serve says where it listens");
    let address = line
        .trim_start_matches("laa listening on ")
        .trim()
        .to_owned();
    (child, format!("http://{address}"))
}

/// One writer: a GO and an area countering in turn on their agreement.
struct Writer {
    go: String,
    area: String,
    name: String,
    version: i64,
    area_next: bool,
    acknowledged: BTreeMap<String, i64>,
    n: u64,
}

impl Writer {
    /// Counters until `stop`, through the server at `url`; each answered
    /// write is acknowledged.
    async fn write_until(&mut self, url: &str, stop: Arc<AtomicBool>) {
        let (Ok(mut go), Ok(mut area)) = (
            clients_at(url, Some(&self.go)).await,
            clients_at(url, Some(&self.area)).await,
        ) else {
            return;
        };
        while !stop.load(Ordering::SeqCst) {
            self.n += 1;
            let request_id = format!("{}-{}", self.name, self.n);
            let side = if self.area_next { &mut area } else { &mut go };
            let value = if self.area_next { 50.0 } else { 55.0 };
            let answer = side
                .agreements
                .counter_offer(pb::CounterOfferRequest {
                    agreement: self.name.clone(),
                    request_id: request_id.clone(),
                    expected_version: self.version,
                    target: 1,
                    terms: Some(pct(48.0, [value, value + 1.0, value + 2.0])),
                    rationale: "three-year rolling average".into(),
                    evidence: vec![],
                    deal_breaker: false,
                    ..Default::default()
                })
                .await;
            match answer {
                Ok(r) => {
                    let r = r.into_inner();
                    self.version = r.agreement.map_or(self.version, |a| a.version);
                    self.acknowledged.insert(request_id, self.version);
                    self.area_next = !self.area_next;
                }
                Err(_) => return,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().expect("a directory");
    let mut databases = vec![(
        "sqlite",
        format!("sqlite://{}/laa.db?mode=rwc", dir.path().display()),
        None,
    )];
    if let Ok(admin) = std::env::var(POSTGRES_ENV) {
        let pg = FreshPostgres::create(&admin, "laa_e2e").await;
        databases.push(("postgres", pg.url.clone(), Some(pg)));
    }
    for (backend, url, _keep) in databases {
        // Credentials on the database, then the server.
        let store = Store::connect(&url, StoreOptions::default())
            .await
            .expect("open the store");
        let mut writers = Vec::new();
        let areas = ["kent", "surrey", "medway", "hampshire"];
        for area in areas {
            let go = store
                .credentials()
                .issue_token(Role::GoNegotiator, Scope::Region(Region::SouthEast), "gose")
                .await
                .expect("token")
                .1;
            let council = store
                .credentials()
                .issue_token(
                    Role::AreaNegotiator,
                    Scope::Area(AreaCode::new(area).expect("area")),
                    area,
                )
                .await
                .expect("token")
                .1;
            writers.push(Writer {
                go,
                area: council,
                name: format!("agreements/{area}-2008-11"),
                version: 0,
                area_next: false,
                acknowledged: BTreeMap::new(),
                n: 0,
            });
        }
        store.close().await.ok();
        drop(store);

        let (mut server, mut address) = serve(&url);
        for w in &mut writers {
            let mut go = clients_at(&address, Some(&w.go)).await.expect("connect");
            let area = w
                .name
                .trim_start_matches("agreements/")
                .trim_end_matches("-2008-11");
            w.version = go
                .agreements
                .open_agreement(pb::OpenAgreementRequest {
                    area: format!("areas/{area}"),
                    indicator_set: 2007,
                    request_id: format!("{}-open", w.name),
                    ..Default::default()
                })
                .await
                .expect("open")
                .into_inner()
                .agreement
                .expect("agreement")
                .version;
        }
        for cycle in 0..5 {
            let stop = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            for mut w in std::mem::take(&mut writers) {
                let (address, stop) = (address.clone(), stop.clone());
                tasks.push(tokio::spawn(async move {
                    w.write_until(&address, stop).await;
                    w
                }));
            }
            tokio::time::sleep(Duration::from_millis(400)).await;
            server.kill().expect("SIGKILL");
            server.wait().expect("reap");
            stop.store(true, Ordering::SeqCst);
            for task in tasks {
                writers.push(task.await.expect("a writer"));
            }
            (server, address) = serve(&url);
            // Every acknowledged write is there after the kill.
            for w in &mut writers {
                let mut go = clients_at(&address, Some(&w.go)).await.expect("connect");
                let current = go
                    .agreements
                    .get_agreement(pb::GetAgreementRequest {
                        name: w.name.clone(),
                    })
                    .await
                    .expect("read after restart")
                    .into_inner()
                    .version;
                let acknowledged = w.acknowledged.values().copied().max().unwrap_or(0);
                assert!(
                    current >= acknowledged,
                    "{backend}, cycle {cycle}: {} is at {current}, below the acknowledged {acknowledged}",
                    w.name
                );
                // Unacknowledged writes may have committed: take the
                // agreement as it is; the GO counters at odd versions.
                w.area_next = current % 2 == 0;
                w.version = current;
            }
            if cycle == 4 {
                let store = Store::connect(&url, StoreOptions::default())
                    .await
                    .expect("open the store");
                for w in &writers {
                    let id = laa_core::AgreementId::new(
                        w.name.trim_start_matches("agreements/").to_owned(),
                    )
                    .expect("id");
                    let verification = store.verify(&id).await.expect("verify");
                    assert!(verification.ok, "{backend}: {} {verification:?}", w.name);
                    for (request, version) in &w.acknowledged {
                        let request = laa_core::RequestId::new(request).expect("a request id");
                        let found = store.find_outcome(&id, &request).await.expect("look up");
                        assert_eq!(
                            found.map(|o| o.version as i64),
                            Some(*version),
                            "{backend}: acknowledged {request} is missing"
                        );
                    }
                }
                assert!(
                    writers.iter().map(|w| w.acknowledged.len()).sum::<usize>() > 0,
                    "{backend}: nothing was acknowledged"
                );
                store.close().await.ok();
            }
        }
        server.kill().ok();
        server.wait().ok();
    }
}
