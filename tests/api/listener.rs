//! Slow and idle clients cannot hold the gRPC listener (issue 26 item 4):
//! connections that sent half a request and stopped are closed after the
//! idle timeout, and while the cap is full a new client waits for a place
//! rather than the server taking more than it holds.

use std::time::Duration;

use laa_proto::v1 as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_requests_are_closed_when_idle_and_a_full_listener_makes_clients_wait() {
    let config = laa_server::ServerConfig {
        grpc_limits: laa_server::GrpcLimits {
            idle: Duration::from_secs(1),
            connections: 3,
        },
        ..Default::default()
    };
    for_each_database_with(config, |app| async move {
        // Three connections, each the first half of HTTP/2's preface, fill
        // the cap.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut stream = tokio::net::TcpStream::connect(app.address)
                .await
                .expect("connect");
            stream
                .write_all(b"PRI * HTTP/2.0\r\n")
                .await
                .expect("half a preface");
            held.push(stream);
        }
        // A client's call is answered once the idle ones are closed.
        let mut auditor = app.clients(Some(&app.tokens.auditor)).await;
        let answered = tokio::time::timeout(
            Duration::from_secs(15),
            auditor
                .agreements
                .list_agreements(pb::ListAgreementsRequest::default()),
        )
        .await
        .expect("answered once the idle connections made room");
        answered.expect("the call succeeds");
        // Each half-request connection was closed by the server.
        for mut stream in held {
            let closed = tokio::time::timeout(Duration::from_secs(10), async {
                let mut buf = [0u8; 256];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "a half request is closed when idle");
        }
        // A client that waits longer than the idle time still gets its
        // answer (the server pings it, and it answers).
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        auditor
            .agreements
            .list_agreements(pb::ListAgreementsRequest::default())
            .await
            .expect("the idle but answering client's connection is still there");
    })
    .await;
}
