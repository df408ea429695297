//! The command path of every stream other than an agreement's (the
//! National Indicator Set, rounds, areas): the request id looked up, the
//! stream loaded, the core's `decide`, and the store's append, decided
//! again on the stream as it then stands if another writer moved it on.
//!
//! These commands carry no expected version: an administrator creating a
//! round, or a principal commenting on a draft, asks for the stream as it
//! stands. The stream's version still guards the append, so two
//! administrators drafting at once are decided one after the other: the
//! second on the first's draft, against the rule that a draft is later
//! than every set.

use laa_core::decide::Context;
use laa_core::{Actor, Event, RequestId, StreamId};
use laa_store::{Request, StoreError, Stored, StreamHead};
use serde::Serialize;

use crate::ApiError;
use crate::Engine;

/// How often a command is decided again when its stream moved on while
/// it was being decided, before the conflict is answered.
const ATTEMPTS: usize = 5;

/// What a command did to its stream.
pub(crate) struct Executed<A> {
    /// The stream afterwards (for a replayed request, or a command that
    /// asked for what was already so: as it stands now).
    pub(crate) head: StreamHead<A>,
}

impl Engine {
    /// Decides `command` on `stream` as it stands and appends what it
    /// records, under the request id `id` (empty: one is generated, and
    /// the call cannot be retried safely). `decide` is the core's; `now`
    /// the time it is decided at and `occurred_at` the date the command
    /// carries, if any.
    pub(crate) async fn execute_on_stream<A, C>(
        &self,
        stream: &StreamId,
        actor: &Actor,
        id: RequestId,
        command: C,
        occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Executed<A>, ApiError>
    where
        A: Stored<Command = C>,
        C: Serialize + Clone,
    {
        let request = Request::of(id, &command);
        let store = &self.store;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if store
                .find_stream_request(stream, &request, &actor.principal)
                .await?
                .is_some()
            {
                let head = store.load_stream::<A>(stream).await?;
                return Ok(Executed { head });
            }
            let head = store.load_stream::<A>(stream).await?;
            let catalogue = store.catalogue();
            let ctx = Context {
                now: store.clock().now_micros(),
                catalogue: &catalogue,
                expected_version: None,
                occurred_at,
            };
            let events: Vec<Event<A::Change>> = head
                .state
                .decide(command.clone(), actor, &ctx)
                .map_err(ApiError::from)?;
            if events.is_empty() {
                return Ok(Executed { head });
            }
            match store
                .append_to_stream(stream, &head, &request, events)
                .await
            {
                Ok((_, head)) => return Ok(Executed { head }),
                Err(StoreError::VersionConflict { .. }) if attempt < ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}
