//! `laa serve` under systemd's `Type=notify`: it says `READY=1` once its
//! database is open and it listens, and `STOPPING=1` when told to stop.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The next notification on `socket`, as text.
fn next_notification(socket: &UnixDatagram) -> String {
    let mut buffer = [0u8; 4096];
    let n = socket
        .recv(&mut buffer)
        .expect("a notification within the timeout");
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

#[test]
fn laa_serve_tells_systemd_when_it_is_ready_and_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the notification socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
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
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start laa serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let address = line
        .trim()
        .strip_prefix("laa listening on ")
        .expect("an address");

    let ready = next_notification(&socket);
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
    let stopping = next_notification(&socket);
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping:?}");
    assert!(child.wait().expect("the server exits").success());
}
