//! The one command path, for every stream (an agreement, the National
//! Indicator Set, a round, an area): a mutating method parses its request
//! into the aggregate's command and hands it to [`Engine::execute`], which
//! finds the stream's head, runs the core's `decide`, appends what it
//! records through the store's committer, and tells the other servers.
//!
//! What differs between streams is only how a head is found and an append
//! written ([`Executable`]):
//! - an agreement's head is remembered in memory, so a command is decided
//!   on it without a read, and its append holds to the version the client
//!   expected (AIP-154): a refusal is decided again on the state the
//!   database holds before it is answered;
//! - another stream's head is read from its events, and its commands carry
//!   no expected version (an administrator creating a round asks for the
//!   stream as it stands): the stream's version still guards the append,
//!   so two administrators drafting at once are decided one after the
//!   other, the second on the first's draft.
//!
//! A command with an expected version cannot be applied twice (a retry's
//! version is stale), so its request id is looked up only when `decide`
//! refuses it; one without is looked up first.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use laa_core::area::Area;
use laa_core::decide::Context;
use laa_core::indicator_sets::IndicatorSets;
use laa_core::round::Round;
use laa_core::{Actor, Aggregate, Agreement, DomainError, ErrorClass, Event, RequestId, StreamId};
use laa_store::{AppendOutcome, Request, StoreError, StreamHead};
use serde::Serialize;

use crate::ApiError;
use crate::Engine;

/// How often a command without an expected version is decided again when
/// its stream moved on while it was being decided, before the conflict is
/// answered.
const ATTEMPTS: usize = 5;

/// What a command did to its stream.
pub(crate) struct Executed<H> {
    /// The head the command was decided on, when it recorded something.
    pub(crate) before: Option<H>,
    /// The stream afterwards (for a replayed request, or a command that
    /// asked for what was already so: as it stands now).
    pub(crate) after: H,
    /// What was appended, or a replayed request's first outcome; `None`
    /// when the command recorded nothing.
    pub(crate) outcome: Option<AppendOutcome>,
}

/// A stream the engine executes commands on: how its head is found and an
/// append written. The rest of the path is [`Engine::execute`]'s.
#[tonic::async_trait]
pub(crate) trait Executable: Aggregate {
    /// The stream at a version.
    type Head: Clone + Send + Sync;

    /// The state of a head.
    fn state(head: &Self::Head) -> &Self;

    /// The head this server remembers, read from nowhere; `None`: read it.
    fn recall(_engine: &Engine, _stream: &StreamId) -> Option<Self::Head> {
        None
    }

    /// The head as the database holds it. A stream that is not there is
    /// the aggregate's state before its first event, once `actor` may
    /// learn that much.
    async fn load(
        engine: &Engine,
        actor: &Actor,
        stream: &StreamId,
        command: &Self::Command,
    ) -> Result<Self::Head, ApiError>;

    /// Appends `events`, decided on `head`, as the stream's next events;
    /// answers the outcome and the head after them (`None`: read it).
    async fn append(
        engine: &Engine,
        stream: &StreamId,
        head: &Self::Head,
        expected: Option<u64>,
        request: &Request,
        events: Vec<Event<Self::Change>>,
    ) -> Result<(AppendOutcome, Option<Self::Head>), StoreError>;

    /// The first outcome of `request` on the stream, if the same principal
    /// sent the same request before.
    async fn find_request(
        engine: &Engine,
        stream: &StreamId,
        request: &Request,
        actor: &Actor,
        command: &Self::Command,
    ) -> Result<Option<AppendOutcome>, ApiError>;

    /// Tells whoever follows the stream that it moved on.
    fn announce(_engine: &Engine, _stream: &StreamId) {}
}

impl Engine {
    /// Runs `command` on `stream` for `actor`, end to end, under the
    /// request id `request_id` (empty: one is generated, and the call
    /// cannot be retried safely). `expected` is the
    /// version the caller expects the stream at, if the command carries
    /// one; `occurred_at` the date the command carries, if any.
    ///
    /// Authorisation errors are answered before any look-up of the request
    /// id on a command with an expected version, so a request id reveals
    /// nothing to a caller who may not act.
    pub(crate) async fn execute<A>(
        &self,
        stream: &StreamId,
        actor: &Actor,
        request_id: RequestId,
        expected: Option<u64>,
        command: A::Command,
        occurred_at: Option<DateTime<Utc>>,
    ) -> Result<Executed<A::Head>, ApiError>
    where
        A: Executable,
        A::Command: Clone + Send + Sync + Serialize,
    {
        let request = &Request::of(request_id, &command);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if expected.is_none()
                && let Some(first) = A::find_request(self, stream, request, actor, &command).await?
            {
                let head = A::load(self, actor, stream, &command).await?;
                return Ok(Executed::replayed(first, head));
            }
            let (head, decided) = self
                .decided::<A>(stream, actor, expected, occurred_at, &command)
                .await?;
            let events = match decided {
                Ok(events) => events,
                Err(refused) if refused.class() == ErrorClass::Forbidden => {
                    return Err(refused.into());
                }
                Err(refused) => {
                    // A retry of a command that was applied: its version
                    // is stale now, and its first outcome is the answer.
                    if expected.is_some()
                        && let Some(first) =
                            A::find_request(self, stream, request, actor, &command).await?
                    {
                        return Ok(Executed::replayed(first, head));
                    }
                    return Err(refused.into());
                }
            };
            if events.is_empty() {
                return Ok(Executed {
                    before: None,
                    after: head,
                    outcome: None,
                });
            }
            match A::append(self, stream, &head, expected, request, events).await {
                Ok((outcome, after)) => {
                    let after = match after {
                        Some(after) => after,
                        None => A::load(self, actor, stream, &command).await?,
                    };
                    if outcome.replayed {
                        return Ok(Executed::replayed(outcome, after));
                    }
                    A::announce(self, stream);
                    return Ok(Executed {
                        before: Some(head),
                        after,
                        outcome: Some(outcome),
                    });
                }
                Err(StoreError::VersionConflict { .. })
                    if expected.is_none() && attempt < ATTEMPTS =>
                {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The head a command is decided on, and what `decide` said: on the
    /// remembered head first (no read), and when that refuses, or there is
    /// none, on the head the database holds. A refusal that rests on the
    /// catalogue is confirmed on the catalogue as the database holds it:
    /// another server's set reaches this one by NOTIFY a moment after its
    /// commit, and a command that arrives within that moment is not
    /// refused for it.
    async fn decided<A>(
        &self,
        stream: &StreamId,
        actor: &Actor,
        expected: Option<u64>,
        occurred_at: Option<DateTime<Utc>>,
        command: &A::Command,
    ) -> Result<(A::Head, Result<Vec<Event<A::Change>>, DomainError>), ApiError>
    where
        A: Executable,
        A::Command: Clone + Send + Sync,
    {
        if let Some(head) = A::recall(self, stream)
            && let Ok(events) =
                self.decide_on(A::state(&head), actor, expected, occurred_at, command)
        {
            return Ok((head, Ok(events)));
        }
        let head = A::load(self, actor, stream, command).await?;
        let mut decided = self.decide_on(A::state(&head), actor, expected, occurred_at, command);
        if let Err(
            DomainError::IndicatorSetUnknown { .. }
            | DomainError::IndicatorSetNotPublished { .. }
            | DomainError::IndicatorUnknown { .. }
            | DomainError::IndicatorNotActive { .. },
        ) = &decided
            && self.store.refresh_catalogue().await?.1
        {
            decided = self.decide_on(A::state(&head), actor, expected, occurred_at, command);
        }
        Ok((head, decided))
    }

    /// The core's `decide` of `command` on `state`, at the server's clock
    /// (a replaying server's: the command's date), to the microsecond the
    /// databases keep.
    fn decide_on<A>(
        &self,
        state: &A,
        actor: &Actor,
        expected: Option<u64>,
        occurred_at: Option<DateTime<Utc>>,
        command: &A::Command,
    ) -> Result<Vec<Event<A::Change>>, DomainError>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let catalogue = self.store.catalogue();
        let ctx = Context {
            now: self.store.clock().deciding_at(occurred_at).trunc_subsecs(6),
            catalogue: &catalogue,
            expected_version: expected,
            occurred_at,
        };
        state.decide(command.clone(), actor, &ctx)
    }
}

impl<H> Executed<H> {
    /// The answer to a request applied before: its first outcome, and the
    /// stream as it stands.
    fn replayed(first: AppendOutcome, head: H) -> Self {
        Executed {
            before: None,
            after: head,
            outcome: Some(AppendOutcome {
                replayed: true,
                ..first
            }),
        }
    }
}

#[tonic::async_trait]
impl Executable for Agreement {
    type Head = Arc<Agreement>;

    fn state(head: &Arc<Agreement>) -> &Agreement {
        head
    }

    fn recall(engine: &Engine, stream: &StreamId) -> Option<Arc<Agreement>> {
        engine.store.recall(stream.agreement()?)
    }

    async fn load(
        engine: &Engine,
        actor: &Actor,
        stream: &StreamId,
        command: &laa_core::Command,
    ) -> Result<Arc<Agreement>, ApiError> {
        let id = agreement_of(stream)?;
        Ok(engine
            .load_for(actor, id, command)
            .await?
            .unwrap_or_else(|| Arc::new(Agreement::unopened(id.clone()))))
    }

    async fn append(
        engine: &Engine,
        stream: &StreamId,
        head: &Arc<Agreement>,
        expected: Option<u64>,
        request: &Request,
        events: Vec<Event>,
    ) -> Result<(AppendOutcome, Option<Arc<Agreement>>), StoreError> {
        let id = stream
            .agreement()
            .ok_or_else(|| StoreError::InvalidArgument {
                field: "agreement",
                problem: "not an agreement's stream".into(),
            })?;
        let appending = std::time::Instant::now();
        let committed = engine
            .store
            // A command decided on the agreement as it stands holds to the
            // version it was decided on.
            .append_command(id, expected.unwrap_or(head.version), request, events)
            .await;
        crate::metrics::appended(appending.elapsed(), committed.is_ok());
        let committed = committed?;
        Ok((committed.outcome, committed.state))
    }

    async fn find_request(
        engine: &Engine,
        stream: &StreamId,
        request: &Request,
        actor: &Actor,
        command: &laa_core::Command,
    ) -> Result<Option<AppendOutcome>, ApiError> {
        Ok(engine
            .store
            .find_request(
                agreement_of(stream)?,
                request,
                &actor.principal,
                command.kind(),
            )
            .await?)
    }

    fn announce(engine: &Engine, stream: &StreamId) {
        if let Some(id) = stream.agreement() {
            engine.announce(id);
        }
    }
}

/// The agreement a stream is, or the error of a caller that named another.
fn agreement_of(stream: &StreamId) -> Result<&laa_core::AgreementId, ApiError> {
    stream
        .agreement()
        .ok_or_else(|| ApiError::bad_argument("agreement", "not an agreement"))
}

/// [`Executable`] for the streams whose heads are read from their events.
macro_rules! read_from_events {
    ($($aggregate:ty),*) => {$(
        #[tonic::async_trait]
        impl Executable for $aggregate {
            type Head = StreamHead<$aggregate>;

            fn state(head: &StreamHead<$aggregate>) -> &$aggregate {
                &head.state
            }

            async fn load(
                engine: &Engine,
                _actor: &Actor,
                stream: &StreamId,
                _command: &Self::Command,
            ) -> Result<StreamHead<$aggregate>, ApiError> {
                Ok(engine.store.load_stream::<$aggregate>(stream).await?)
            }

            async fn append(
                engine: &Engine,
                stream: &StreamId,
                head: &StreamHead<$aggregate>,
                _expected: Option<u64>,
                request: &Request,
                events: Vec<Event<Self::Change>>,
            ) -> Result<(AppendOutcome, Option<StreamHead<$aggregate>>), StoreError> {
                let (outcome, after) = engine
                    .store
                    .append_to_stream(stream, head, request, events)
                    .await?;
                Ok((outcome, Some(after)))
            }

            async fn find_request(
                engine: &Engine,
                stream: &StreamId,
                request: &Request,
                actor: &Actor,
                _command: &Self::Command,
            ) -> Result<Option<AppendOutcome>, ApiError> {
                Ok(engine
                    .store
                    .find_stream_request(stream, request, &actor.principal)
                    .await?)
            }
        }
    )*};
}

read_from_events!(IndicatorSets, Round, Area);
