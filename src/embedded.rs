//! A server run inside another command's process (`laa demo`, `laa
//! bench`): the store it is given, served over gRPC on a free loopback
//! port until stopped, as `laa serve` serves it.

use laa_store::Store;

/// A server serving a store in this process.
pub struct EmbeddedServer {
    /// Its gRPC address: http://127.0.0.1:PORT.
    pub url: String,
    /// The store it serves.
    pub store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<Result<(), laa_server::ServerError>>,
}

impl EmbeddedServer {
    /// Serves `store` on a free loopback port.
    pub async fn serve(store: Store) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("error: {e}"))?;
        let address = listener.local_addr().map_err(|e| format!("error: {e}"))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving_store = store.clone();
        let serving = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            laa_server::serve(
                serving_store,
                listener,
                laa_server::ServerConfig::default(),
                shutdown,
            )
            .await
        });
        Ok(Self {
            url: format!("http://{address}"),
            store,
            stop,
            serving,
        })
    }

    /// Stops serving and closes the store; why it had stopped already, if
    /// it had.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        let served = match self.serving.await {
            Ok(served) => served.map_err(|e| format!("error: the embedded server stopped: {e}")),
            Err(e) => Err(format!("error: the embedded server failed: {e}")),
        };
        let _ = self.store.close().await;
        served
    }
}
