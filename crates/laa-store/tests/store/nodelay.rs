//! Nagle's algorithm is off on every connection the store opens to
//! PostgreSQL (sqlx 0.9.0 no longer turns it off; over TLS that made
//! concurrent writes sevenfold slower). PostgreSQL only.
//!
//! The store connects through a small TCP relay on a port of its own, so
//! the sockets whose peer is that port are the store's and nobody else's
//! (other tests of this binary connect to PostgreSQL's own port).

use laa_store::nodelay::database_sockets_have_nodelay;
use laa_store::{Backend, Store, StoreOptions};

use crate::support::for_each_database;

/// Relays every connection to `127.0.0.1:listen` on to `target`; returns
/// the port it listens on.
async fn relay(target: String) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                        .await
                        .ok();
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_turns_nagle_off_on_its_postgres_connections() {
    for_each_database(|db| async move {
        if db.backend != Backend::Postgres {
            return;
        }
        // postgres://user@host:port/database...
        let (scheme_user, rest) = db.url.split_once('@').expect("a user in the URL");
        let (address, path) = rest.split_once('/').expect("a database in the URL");
        let port = relay(address.to_owned()).await;
        let relayed = format!("{scheme_user}@127.0.0.1:{port}/{path}");
        let store = Store::connect(&relayed, StoreOptions::default())
            .await
            .expect("a store through the relay");
        store.ping().await.expect("the database answers");
        let sockets = database_sockets_have_nodelay(&[port].into_iter().collect());
        assert!(!sockets.is_empty(), "no connection through the relay");
        assert!(
            sockets.iter().all(|nodelay| *nodelay),
            "Nagle's algorithm is on for some of the store's connections: {sockets:?}"
        );
    })
    .await;
}
