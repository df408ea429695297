//! Nagle's algorithm off on the connections to PostgreSQL.
//!
//! sqlx 0.9.0 stopped setting `TCP_NODELAY` on the sockets it opens
//! (sqlx issue 4335, fixed upstream after 0.9.0 but not released). Most
//! exchanges still go out in one write, but over TLS a message is sent as
//! several records: the last small write waits for the server's delayed
//! ACK, and concurrent writes to PostgreSQL over TLS became about seven
//! times slower (docs/PERFORMANCE.md). sqlx does not hand out its socket,
//! so right after each new connection this sets `TCP_NODELAY` on every TCP
//! socket of the process connected to the database's port (setting it on a
//! socket that has it already changes nothing). Remove this module when a
//! sqlx release sets it again.

use std::collections::HashSet;

/// Sets `TCP_NODELAY` on every TCP socket of this process whose peer is on
/// one of `ports`, and returns how many it set. Errors on single sockets
/// (one closed meanwhile, one not TCP) are skipped: this is an
/// optimisation, never a reason to refuse a connection.
pub fn database_sockets_nodelay(ports: &HashSet<u16>) -> usize {
    let mut set = 0;
    for_each_database_socket(ports, |socket| {
        if socket.set_tcp_nodelay(true).is_ok() {
            set += 1;
        }
    });
    set
}

/// Whether each TCP socket of this process connected to one of `ports` has
/// Nagle's algorithm off (for tests and diagnostics).
pub fn database_sockets_have_nodelay(ports: &HashSet<u16>) -> Vec<bool> {
    let mut found = Vec::new();
    for_each_database_socket(ports, |socket| {
        found.push(socket.tcp_nodelay().unwrap_or(false));
    });
    found
}

#[cfg(target_os = "linux")]
fn for_each_database_socket(ports: &HashSet<u16>, mut visit: impl FnMut(socket2::SockRef<'_>)) {
    use std::os::fd::BorrowedFd;

    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in entries.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is only borrowed for the calls below and
        // never closed here. If it was closed and its number reused since
        // the listing, the calls act on (or fail for) whatever it now
        // names: a socket whose peer is not on the database's port is left
        // alone.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let on_database = socket
            .peer_addr()
            .ok()
            .and_then(|peer| peer.as_socket())
            .is_some_and(|peer| ports.contains(&peer.port()));
        if on_database {
            visit(socket);
        }
    }
}

/// Elsewhere nothing is visited (and nothing changed).
#[cfg(not(target_os = "linux"))]
fn for_each_database_socket(_ports: &HashSet<u16>, _visit: impl FnMut(socket2::SockRef<'_>)) {}

/// The TCP ports a PostgreSQL URL connects to (5432 when it names none).
pub fn database_ports(url: &str) -> HashSet<u16> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut ports: HashSet<u16> = hosts
        .split(',')
        .filter_map(|host| {
            let port = match host.strip_prefix('[') {
                Some(v6) => v6.split_once("]:").map(|(_, p)| p),
                None => host.rsplit_once(':').map(|(_, p)| p),
            };
            port.and_then(|p| p.parse().ok())
        })
        .collect();
    if ports.is_empty()
        || hosts
            .split(',')
            .any(|h| !h.contains(':') || h.ends_with(']'))
    {
        ports.insert(5432);
    }
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ports_of_a_database_url() {
        let ports = |url| {
            let mut p: Vec<u16> = database_ports(url).into_iter().collect();
            p.sort();
            p
        };
        assert_eq!(ports("postgres://postgres@127.0.0.1:5432/test"), [5432]);
        assert_eq!(
            ports("postgres://u:p@db.example:6543/laa?sslmode=require"),
            [6543]
        );
        assert_eq!(ports("postgres://localhost/laa"), [5432]);
        assert_eq!(ports("postgres://[::1]:5433/laa"), [5433]);
        assert_eq!(ports("postgres://a:1,b:2/laa"), [1, 2]);
    }
}
