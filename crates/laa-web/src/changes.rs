//! What the pages know of changes to the record: a count of the changes
//! heard (the generation), kept by following the server's announcements of
//! new events (the feed that also wakes the followers of agreements: every
//! command this server records and, on PostgreSQL, every one another
//! server of the database records, heard through its `NOTIFY`).
//!
//! A page kept at one generation is answered as it is until the
//! generation moves on ([`Stamp::is_fresh`]). The first change heard after
//! a quiet spell moves it at once; the changes heard in the
//! [`GATHER`] after that move it together at its end, and so on while they
//! keep coming. So a page shows a committed change within [`GATHER`] of
//! its announcement (plus its rendering), and under a constant stream of
//! writes each page is rendered again at most once every [`GATHER`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use laa_core::{AgreementId, Catalogue};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// How long the changes heard after one move of the generation are
/// gathered into the next.
pub const GATHER: Duration = Duration::from_millis(750);

/// The age at which a kept page is rendered again though no change was
/// heard: what is not announced (an area added, an announcement lost while
/// PostgreSQL's notifications were being listened for again) shows within
/// this.
pub const AT_MOST_STALE: Duration = Duration::from_secs(60);

/// The changes heard, as a generation that moves on with them.
#[derive(Clone, Debug)]
pub struct Changes {
    /// `None`: nothing is followed, so nothing kept is ever fresh.
    generation: Option<Arc<AtomicU64>>,
}

impl Changes {
    /// Follows `feed`, the server's announcements of agreements with new
    /// events, until it closes. Must be called within a Tokio runtime.
    pub fn following(feed: broadcast::Receiver<AgreementId>) -> Self {
        let generation = Arc::new(AtomicU64::new(0));
        tokio::spawn(follow(feed, generation.clone()));
        Self {
            generation: Some(generation),
        }
    }

    /// Follows nothing: every page is rendered for each request (the pages
    /// over a record that nothing announces changes to, such as a test's).
    pub fn unfollowed() -> Self {
        Self { generation: None }
    }

    /// True when changes are heard, so that what is read is kept until the
    /// next.
    pub fn are_followed(&self) -> bool {
        self.generation.is_some()
    }

    /// The moment, as far as freshness goes: the generation now, the
    /// catalogue now (a set published elsewhere is read again, not
    /// announced as an agreement), and the time.
    pub fn now(&self, catalogue: &Arc<Catalogue>) -> Stamp {
        Stamp {
            generation: self.generation.as_ref().map(|g| g.load(Ordering::SeqCst)),
            catalogue: Arc::as_ptr(catalogue) as usize,
            at: Instant::now(),
        }
    }
}

/// When something kept was made, as far as freshness goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    generation: Option<u64>,
    catalogue: usize,
    at: Instant,
}

impl Stamp {
    /// True when what was made at this stamp may still be answered at
    /// `now`: the same generation and catalogue, and not too old.
    pub fn is_fresh(&self, now: &Stamp) -> bool {
        self.generation.is_some()
            && self.generation == now.generation
            && self.catalogue == now.catalogue
            && now.at.saturating_duration_since(self.at) < AT_MOST_STALE
    }
}

/// Moves `generation` on as changes are heard on `feed` (see the module's
/// documentation). A follower that fell behind ([`RecvError::Lagged`])
/// missed announcements, which is a change all the same.
async fn follow(mut feed: broadcast::Receiver<AgreementId>, generation: Arc<AtomicU64>) {
    let heard = |r: Result<AgreementId, RecvError>| !matches!(r, Err(RecvError::Closed));
    loop {
        if !heard(feed.recv().await) {
            return;
        }
        generation.fetch_add(1, Ordering::SeqCst);
        loop {
            let end = tokio::time::Instant::now() + GATHER;
            let mut more = false;
            let open = loop {
                tokio::select! {
                    received = feed.recv() => {
                        if !heard(received) {
                            break false;
                        }
                        more = true;
                    }
                    () = tokio::time::sleep_until(end) => break true,
                }
            };
            if more {
                generation.fetch_add(1, Ordering::SeqCst);
            }
            if !open {
                return;
            }
            if !more {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> AgreementId {
        AgreementId::new("kent-2008-11").unwrap()
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_change_moves_the_generation_at_once_and_a_stream_once_a_gathering() {
        let (feed, listening) = broadcast::channel(16);
        let changes = Changes::following(listening);
        let catalogue = Arc::new(Catalogue::default());
        let start = changes.now(&catalogue);
        settle().await;
        assert!(start.is_fresh(&changes.now(&catalogue)));
        feed.send(id()).unwrap();
        settle().await;
        let first = changes.now(&catalogue);
        assert!(!start.is_fresh(&first), "the first change is told at once");
        // Ten changes within the gathering: one move, at its end.
        for _ in 0..10 {
            feed.send(id()).unwrap();
            tokio::time::advance(GATHER / 20).await;
        }
        assert!(first.is_fresh(&changes.now(&catalogue)));
        tokio::time::advance(GATHER).await;
        settle().await;
        let second = changes.now(&catalogue);
        assert!(!first.is_fresh(&second), "the gathered changes are told");
        // Quiet: nothing moves; the next change is told at once.
        tokio::time::advance(GATHER * 3).await;
        settle().await;
        assert!(second.is_fresh(&changes.now(&catalogue)));
        feed.send(id()).unwrap();
        settle().await;
        assert!(!second.is_fresh(&changes.now(&catalogue)));
    }

    #[test]
    fn nothing_is_fresh_unfollowed_nor_after_another_catalogue() {
        let catalogue = Arc::new(Catalogue::default());
        let unfollowed = Changes::unfollowed();
        let stamp = unfollowed.now(&catalogue);
        assert!(!stamp.is_fresh(&unfollowed.now(&catalogue)));
        let followed = Changes {
            generation: Some(Arc::default()),
        };
        let stamp = followed.now(&catalogue);
        assert!(stamp.is_fresh(&followed.now(&catalogue)));
        assert!(!stamp.is_fresh(&followed.now(&Arc::new(Catalogue::default()))));
    }
}
