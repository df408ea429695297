//! The gRPC listener's limits, so that slow and idle clients cannot hold
//! it (issue 26): at most [`GrpcLimits::connections`] connections are open
//! at once (more wait to be accepted, and the cap is logged when reached),
//! and a connection that moves no byte either way for
//! [`GrpcLimits::idle`] is closed. A healthy client that only waits (a
//! follower of `StreamEvents`) is kept: the server pings every connection
//! at half the idle time (HTTP/2 keepalive), and the client's answer is a
//! byte moved. A client that sent half a request and stopped answers no
//! ping, and is closed.
//!
//! tonic takes its connections from a stream ([`incoming`]); each is a
//! [`Limited`] TCP stream holding its place under the cap until tonic
//! drops it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, Sleep};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// How often reaching the cap is logged, at most.
const CAP_LOGGED_EVERY: Duration = Duration::from_secs(10);

/// The gRPC listener's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrpcLimits {
    /// How long a connection may move no byte either way before it is closed.
    pub idle: Duration,
    /// The most connections open at once; more wait to be accepted.
    pub connections: usize,
}

impl Default for GrpcLimits {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(120),
            connections: 4_096,
        }
    }
}

impl GrpcLimits {
    /// How often the server pings a connection (HTTP/2 keepalive): often
    /// enough that a client that answers is never idle for long.
    pub fn keepalive(&self) -> Duration {
        (self.idle / 3).max(Duration::from_millis(100))
    }
}

/// The connections accepted on `listener` under `limits`, with Nagle's
/// algorithm off.
///
/// A gRPC exchange is a few small writes each way; with Nagle's algorithm
/// on, a response's last segment waits for the client's delayed ACK (about
/// 40 ms on Linux) before it is sent. tonic's `tcp_nodelay` only applies to
/// listeners it binds itself, so every connection accepted here sets it.
/// Accepting stops when tonic drops the stream (the server shuts down), so
/// the port closes with it.
pub fn incoming(
    listener: TcpListener,
    limits: GrpcLimits,
) -> ReceiverStream<std::io::Result<Limited>> {
    let (tx, rx) = mpsc::channel(1);
    let room = Arc::new(Semaphore::new(limits.connections.max(1)));
    tokio::spawn(async move {
        let mut cap_logged: Option<std::time::Instant> = None;
        loop {
            let permit = match room.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    if cap_logged.is_none_or(|at| at.elapsed() >= CAP_LOGGED_EVERY) {
                        tracing::warn!(
                            cap = limits.connections,
                            "the gRPC listener is at its connection cap; new connections wait to be accepted"
                        );
                        cap_logged = Some(std::time::Instant::now());
                    }
                    tokio::select! {
                        permit = room.clone().acquire_owned() => match permit {
                            Ok(permit) => permit,
                            Err(_) => return,
                        },
                        () = tx.closed() => return,
                    }
                }
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = tx.closed() => return,
            };
            let item = match accepted {
                Ok((stream, _)) => {
                    if let Err(error) = stream.set_nodelay(true) {
                        tracing::warn!(%error, "cannot turn Nagle's algorithm off on a connection");
                    }
                    Ok(Limited::new(stream, permit, limits.idle))
                }
                Err(error) => {
                    // Out of file descriptors, say: report it, then wait
                    // rather than spin.
                    tracing::warn!(%error, "the gRPC listener cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            if tx.send(item).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(rx)
}

/// An accepted connection: its place under the cap, and the time it last
/// moved a byte, past which it is closed.
pub struct Limited {
    stream: TcpStream,
    _place: OwnedSemaphorePermit,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Limited {
    fn new(stream: TcpStream, place: OwnedSemaphorePermit, idle: Duration) -> Self {
        Self {
            stream,
            _place: place,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// Notes that a byte moved: the idle time starts again.
    fn moved(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    /// An error once the connection has been idle too long, so that tonic
    /// drops it; otherwise the deadline wakes this task when it passes.
    fn idle_too_long(&mut self, cx: &mut Context<'_>) -> Option<std::io::Error> {
        self.deadline.as_mut().poll(cx).is_ready().then(|| {
            tracing::debug!(peer = ?self.stream.peer_addr().ok(), "closing an idle gRPC connection");
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the connection moved no byte for the idle timeout",
            )
        })
    }
}

impl Connected for Limited {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for Limited {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => match self.idle_too_long(cx) {
                Some(error) => Poll::Ready(Err(error)),
                None => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Limited {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio_stream::StreamExt;

    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() -> std::io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let mut accepted = incoming(listener, GrpcLimits::default());
        let _client = TcpStream::connect(address).await?;
        let Some(connection) = accepted.next().await else {
            panic!("the listener accepted nothing");
        };
        assert!(
            connection?.stream.nodelay()?,
            "TCP_NODELAY is off on an accepted connection"
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_connection_over_the_cap_waits_and_an_idle_one_is_closed() -> std::io::Result<()> {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let limits = GrpcLimits {
            idle: Duration::from_millis(300),
            connections: 1,
        };
        let mut accepted = incoming(listener, limits);
        let _first = TcpStream::connect(address).await?;
        let Some(first) = accepted.next().await else {
            panic!("the listener accepted nothing");
        };
        let mut first = first?;
        let _second = TcpStream::connect(address).await?;
        let waiting = tokio::time::timeout(Duration::from_millis(200), accepted.next()).await;
        assert!(
            waiting.is_err(),
            "a second connection is held over a cap of one"
        );
        let mut buf = [0u8; 8];
        let read = tokio::time::timeout(Duration::from_secs(5), first.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Err(ref e)) if e.kind() == std::io::ErrorKind::TimedOut),
            "an idle connection ends: {read:?}"
        );
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), accepted.next()).await;
        assert!(
            matches!(second, Ok(Some(Ok(_)))),
            "the second is accepted once the first has gone"
        );
        Ok(())
    }
}
