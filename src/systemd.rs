//! Telling systemd how `laa serve` stands, for `Type=notify` units
//! (`deploy/laa.service`): `READY=1` once the database is open and the
//! listeners are bound, so units ordered after it start against a server
//! that answers; `STOPPING=1` when a shutdown begins. A process not
//! started by systemd has no `NOTIFY_SOCKET`, and nothing is sent.

use sd_notify::NotifyState;

/// The server is ready: its database is open and it is listening on `address`.
pub fn ready(address: std::net::SocketAddr) {
    let status = format!("listening on {address}");
    send(&[NotifyState::Ready, NotifyState::Status(&status)]);
}

/// A shutdown has begun: health answers `NOT_SERVING`, calls in flight finish.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        tracing::warn!(%error, "cannot tell systemd how the server stands");
    }
}
