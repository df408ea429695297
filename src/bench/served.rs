//! A `laa serve` process started by the bench on a database, so that its
//! start, its memory and its answers are measured apart from the load.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::soak::Resident;

/// A `laa serve` process on the database, as measured.
pub struct Served {
    process: std::process::Child,
    /// Its gRPC address: http://127.0.0.1:PORT.
    pub grpc: String,
    /// Its pages' address: http://127.0.0.1:PORT.
    pub pages: String,
}

impl Served {
    /// Starts `laa serve` (this executable) on `url` and waits until its
    /// health check answers SERVING: the server and how long that took.
    pub async fn start(
        url: &str,
        dir: &Path,
        sole_server: bool,
    ) -> Result<(Self, Duration), String> {
        let grpc = free_address()?;
        let pages = free_address()?;
        let log_path = dir.join("serve.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("error: {e}"))?;
        let err = log.try_clone().map_err(|e| format!("error: {e}"))?;
        let exe = std::env::current_exe().map_err(|e| format!("error: {e}"))?;
        let mut command = std::process::Command::new(exe);
        command
            .args(["serve", "--database-url", url, "--listen", &grpc])
            .args(["--http-listen", &pages, "--log-format", "json"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err);
        if sole_server {
            command.arg("--sole-server");
        }
        let began = Instant::now();
        let process = command
            .spawn()
            .map_err(|e| format!("error: cannot start laa serve: {e}"))?;
        let mut served = Served {
            process,
            grpc: format!("http://{grpc}"),
            pages: format!("http://{pages}"),
        };
        loop {
            if let Ok(Some(status)) = served.process.try_wait() {
                return Err(format!(
                    "error: laa serve stopped ({status}) before serving; its log is {}",
                    log_path.display()
                ));
            }
            if serving(&served.grpc).await {
                return Ok((served, began.elapsed()));
            }
            if began.elapsed() > Duration::from_secs(120) {
                served.stop().await;
                return Err("error: laa serve did not serve within 120 s".into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Its resident memory now and at its peak.
    pub fn resident(&self) -> Result<Resident, String> {
        Resident::of(Some(self.process.id()))
    }

    /// Asks it to stop (SIGTERM) and waits for it.
    pub async fn stop(mut self) {
        let pid = libc::pid_t::try_from(self.process.id()).unwrap_or(0);
        // SAFETY: kill(2) with a child's pid and a signal number only
        // sends the signal; no memory is shared.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let _ = tokio::task::spawn_blocking(move || self.process.wait()).await;
    }
}

/// A free loopback address (the port is released for the server to take).
fn free_address() -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("error: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.to_string())
        .map_err(|e| format!("error: {e}"))
}

/// Whether the server at `server` answers its health check with SERVING.
async fn serving(server: &str) -> bool {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
    let Ok(endpoint) = tonic::transport::Endpoint::from_shared(server.to_owned()) else {
        return false;
    };
    let Ok(channel) = endpoint
        .connect_timeout(Duration::from_millis(200))
        .connect()
        .await
    else {
        return false;
    };
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32)
}
