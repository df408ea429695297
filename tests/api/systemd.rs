//! `laa serve` under systemd's `Type=notify`: it says `READY=1` once its
//! database is open and it listens, and `STOPPING=1` when told to stop.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The next notification on `socket`, as text; on a timeout, the server's
/// log so far (`log`) says why.
fn next_notification(socket: &UnixDatagram, log: &std::path::Path) -> String {
    let mut buffer = [0u8; 4096];
    match socket.recv(&mut buffer) {
        Ok(n) => String::from_utf8_lossy(&buffer[..n]).into_owned(),
        Err(e) => panic!(
            "no notification within the timeout ({e}); the server logged:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        ),
    }
}

#[test]
fn laa_serve_tells_systemd_when_it_is_ready_and_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the notification socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let log = dir.path().join("serve.log");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("laa.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_laa"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database,
        ])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("LAA_HTTP_LISTEN", "off")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("start laa serve");
    let mut line = String::new();
    // Kept open to the end, so the server never writes to a closed pipe.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut line).expect("read the address");
    let address = line
        .trim()
        .strip_prefix("laa listening on ")
        .expect("an address");

    let ready = next_notification(&socket, &log);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    assert!(
        ready.contains(&format!("STATUS=listening on {address}")),
        "{ready:?}"
    );
    // Ready means answering: a TCP connection to the address succeeds now.
    std::net::TcpStream::connect(address).expect("the server accepts once ready");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    let stopping = next_notification(&socket, &log);
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping:?}");
    assert!(child.wait().expect("the server exits").success());
}
