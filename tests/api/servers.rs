//! Two servers on one PostgreSQL database: 16 clients split across them
//! write the same agreements (nothing lost, nothing twice, every history
//! verifies), a follower on one server receives what is written through
//! the other within a second (PostgreSQL NOTIFY), and the analytics on one
//! count what the other acknowledged at once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use laa_proto::v1 as pb;
use tonic::Code;

use crate::support::*;

const SURREY: &str = "agreements/surrey-2008-11";

async fn clients_on(address: SocketAddr, token: &str) -> Clients {
    clients_at(&format!("http://{address}"), Some(token))
        .await
        .expect("connect")
}

/// Proposes `indicator` on `agreement`, reading the version again after
/// each conflict, with one request id throughout.
async fn propose(c: &mut Clients, agreement: &str, indicator: i32) {
    let request_id = rid();
    loop {
        let v = version(c, agreement).await;
        let request = pb::ProposeTargetRequest {
            agreement: agreement.into(),
            request_id: request_id.clone(),
            ..go_proposal(v, indicator, fitting(indicator), "HO")
        };
        match c.agreements.propose_target(request).await {
            Ok(_) => return,
            Err(s) if s.code() == Code::Aborted => continue,
            Err(s) => panic!("proposing NI {indicator} on {agreement}: {s:?}"),
        }
    }
}

/// The targets the Government side proposed, as England's summary counts
/// them through `c`'s server.
async fn government_originated(c: &mut Clients) -> i64 {
    c.audit
        .get_negotiation_summary(pb::GetNegotiationSummaryRequest::default())
        .await
        .unwrap()
        .into_inner()
        .originated_by_government
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_one_postgres_database() {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        return; // several servers share PostgreSQL only
    };
    let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
    let url = pg.url.clone();
    let app = spawn_on(url.clone(), "postgres", None, Some(pg), Default::default()).await;
    let second_store = laa_store::Store::connect(&url, laa_store::StoreOptions::default())
        .await
        .unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (_stop_second, _second, second) =
        serve_on(second_store.clone(), any_port, Default::default()).await;
    let servers = [app.address, second];

    let mut go = clients_on(servers[0], &app.tokens.go).await;
    open_kent(&mut go).await;
    go.agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: "areas/surrey".into(),
            round: String::new(),
            indicator_set: 2007,
            request_id: rid(),
            expected_version: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    let opened = [
        app.event_count("kent-2008-11").await,
        app.event_count("surrey-2008-11").await,
    ];

    // A follower on the second server, from the start of Kent's history.
    let mut follower = clients_on(servers[1], &app.tokens.auditor).await;
    let mut stream = follower
        .audit
        .stream_events(pb::StreamEventsRequest {
            agreement: KENT.into(),
            from_sequence: 1,
            follow: true,
        })
        .await
        .unwrap()
        .into_inner();

    // 16 clients, alternating servers, 8 per agreement, 4 proposals each.
    let pool: Vec<i32> = (1..=70)
        .filter(|n| ![31, 72, 73, 74, 75, 83, 87].contains(n))
        .take(32)
        .collect();
    let mut writers = Vec::new();
    for client in 0..16usize {
        let address = servers[client % 2];
        let agreement = if (client / 2) % 2 == 0 { KENT } else { SURREY };
        let slot = client / 4 * 2 + client % 2; // 0..8 within the agreement
        let indicators = pool[slot * 4..slot * 4 + 4].to_vec();
        let token = app.tokens.go.clone();
        writers.push(tokio::spawn(async move {
            let mut c = clients_on(address, &token).await;
            for n in indicators {
                propose(&mut c, agreement, n).await;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }

    // Nothing lost, nothing twice, every chain intact, on both servers' view.
    for (name, opened) in [("kent-2008-11", opened[0]), ("surrey-2008-11", opened[1])] {
        let id = laa_core::AgreementId::new(name).unwrap();
        let verification = second_store.verify(&id).await.unwrap();
        assert!(verification.ok, "{name}: {verification:?}");
        assert_eq!(verification.length, opened + 32, "{name}");
        for address in servers {
            let mut c = clients_on(address, &app.tokens.go).await;
            let agreement = c
                .agreements
                .get_agreement(pb::GetAgreementRequest {
                    name: format!("agreements/{name}"),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                agreement.version as u64,
                opened + 32,
                "{name} through {address}"
            );
        }
    }

    // The follower on the second server got every event of Kent, in order.
    let expected = opened[0] + 32;
    let mut seen = 0u64;
    while seen < expected {
        let event = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .expect("the follower fell behind")
            .unwrap()
            .expect("an event");
        seen += 1;
        assert_eq!(event.sequence as u64, seen);
    }

    // A write through the first server reaches the follower on the second
    // within a second.
    for n in [64, 65, 66] {
        let started = Instant::now();
        propose(&mut go, KENT, n).await;
        let event = tokio::time::timeout(Duration::from_secs(1), stream.message())
            .await
            .expect("not delivered within a second")
            .unwrap()
            .expect("an event");
        assert_eq!(event.sequence as u64, seen + 1);
        seen += 1;
        eprintln!("delivered across servers in {:?}", started.elapsed());
    }

    // The analytics through the second server count a proposal made
    // through the first as soon as it is acknowledged: their read model is
    // kept by version, read from the database on every request, not
    // waiting for an announcement. Asked twice before, so that the kept
    // summary stands at a PostgreSQL snapshot (`laa_store::scope`): the
    // other server's commit moves it.
    let before = government_originated(&mut follower).await;
    assert_eq!(government_originated(&mut follower).await, before);
    propose(&mut go, SURREY, 67).await;
    let after = government_originated(&mut follower).await;
    assert_eq!(
        after,
        before + 1,
        "the summary on the other server is behind"
    );
}

/// A set drafted and published through one server binds through another,
/// whose catalogue was read before the set existed: a refusal that names a
/// set or an indicator is decided again on the catalogue read afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_published_through_one_server_binds_through_the_other() {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        return; // several servers share PostgreSQL only
    };
    let replaying = laa_store::Clock::Replay;
    let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
    let url = pg.url.clone();
    let app = spawn_clocked_on(
        url.clone(),
        "postgres",
        None,
        Some(pg),
        Default::default(),
        replaying,
    )
    .await;
    let second_store = laa_store::Store::connect(&url, clocked(replaying))
        .await
        .unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (_stop_second, _second, second) =
        serve_on(second_store, any_port, Default::default()).await;
    let mut admin = clients_on(app.address, &app.tokens.admin).await;
    let day = |y: i32, m: u32, d: u32| {
        let at = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap()
            .and_utc();
        Some(prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        })
    };
    admin
        .indicators
        .create_indicator_set(pb::CreateIndicatorSetRequest {
            version: 2011,
            based_on: "2008".into(),
            occurred_at: day(2010, 6, 1),
            ..Default::default()
        })
        .await
        .expect("draft through the first server");
    admin
        .indicators
        .publish_indicator_set(pb::PublishIndicatorSetRequest {
            request_id: String::new(),
            name: "2011".into(),
            occurred_at: day(2010, 9, 1),
        })
        .await
        .expect("publish through the first server");
    let mut go = clients_on(second, &app.tokens.go).await;
    go.agreements
        .open_agreement(pb::OpenAgreementRequest {
            area: "areas/kent".into(),
            round: "2008-11".into(),
            indicator_set: 2011,
            request_id: rid(),
            ..Default::default()
        })
        .await
        .expect("the second server binds the set the first published");
}

/// `laa serve --sole-server` on PostgreSQL: no other server starts beside
/// it (it answers reads from memory), and it serves as any server does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sole_server_on_postgres_turns_every_other_server_away() {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        return; // a sole server is PostgreSQL's (a server on SQLite always is one)
    };
    let pg = FreshPostgres::create(&admin_url, "laa_e2e").await;
    let (mut sole, address) = crate::crashes::serve_with(&pg.url, &["--sole-server"]);
    let mut second = std::process::Command::new(env!("CARGO_BIN_EXE_laa"))
        .args([
            "serve",
            "--database-url",
            &pg.url,
            "--listen",
            "127.0.0.1:0",
        ])
        .env("LAA_HTTP_LISTEN", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start a second laa serve");
    // A guard against a hang, not a measurement.
    let mut waited = 0;
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        waited += 1;
        if waited > 600 {
            let _ = second.kill();
            let _ = sole.kill();
            panic!("a second server started beside a sole one");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("a sole server"), "{stderr}");
    // The sole server answers as any server does.
    let channel = tonic::transport::Endpoint::from_shared(address.clone())
        .expect("the sole server's address")
        .connect()
        .await
        .expect("connect to the sole server");
    let health = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health");
    assert_eq!(
        health.into_inner().status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let _ = sole.kill();
    let _ = sole.wait();
}

/// `laa serve --clock replay` (or `LAA_CLOCK=replay`) decides a command at
/// its own date, so a historic round can be replayed: a server of record
/// (the default clock, `system`) refuses an opening dated January 2008 as
/// further back than the round allows, and a replaying server on the same
/// database accepts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_server_on_the_replay_clock_accepts_a_command_dated_2008() {
    for_each_database(|app| async move {
        let opening = |area: &str| pb::OpenAgreementRequest {
            area: format!("areas/{area}"),
            round: String::new(),
            indicator_set: 2007,
            request_id: rid(),
            expected_version: 0,
            occurred_at: Some(prost_types::Timestamp {
                seconds: chrono::NaiveDate::from_ymd_opt(2008, 1, 7)
                    .and_then(|d| d.and_hms_opt(9, 0, 0))
                    .expect("a date")
                    .and_utc()
                    .timestamp(),
                nanos: 0,
            }),
        };
        // The flag, `LAA_CLOCK`, the area opened, and whether it opens.
        let runs = [
            (None, None, "kent", false),
            (Some("system"), None, "kent", false),
            (Some("replay"), None, "kent", true),
            (None, Some("replay"), "surrey", true),
        ];
        for (flag, variable, area, replays) in runs {
            let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_laa"));
            server
                .args(["serve", "--database-url", &app.database_url])
                .args(["--listen", "127.0.0.1:0", "--http-listen", "off"])
                .args(flag.map(|clock| ["--clock", clock]).into_iter().flatten())
                .env_remove("LAA_CLOCK")
                .envs(variable.map(|clock| ("LAA_CLOCK", clock)))
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null());
            let (mut child, url) = crate::crashes::listening(server);
            let mut go = clients_at(&url, Some(&app.tokens.go))
                .await
                .expect("connect");
            let opened = go.agreements.open_agreement(opening(area)).await;
            let _ = child.kill();
            let _ = child.wait();
            if replays {
                opened.expect("a replaying server decides the opening at its 2008 date");
            } else {
                let status =
                    assert_refused(opened, Code::FailedPrecondition, "OCCURRED_AT_OUT_OF_RANGE");
                assert!(
                    status.message().contains("backdating"),
                    "{}",
                    status.message()
                );
            }
        }
    })
    .await;
}
