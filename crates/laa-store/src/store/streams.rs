//! The streams of aggregates other than agreements (the National Indicator
//! Set, rounds, areas), appended through the same committer, event log,
//! hash chain and idempotency records as agreements' events.
//!
//! Their streams are short and rarely written, so the store keeps no head
//! of them in memory but the catalogue's (`catalogue.rs`): a command loads
//! its stream ([`Store::load_stream`]), decides on it, and appends rows
//! planned on that head ([`Store::append_to_stream`]). The unique key on
//! `(stream, sequence)` refuses them if the stream moved on meanwhile,
//! exactly as it refuses an agreement's.

use laa_core::{Event, StreamId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::append::Committed;
use super::committer::{Job, Work};
use super::plan::{Plan, chained, idempotency_record};
use super::rows::{Projection, Rows};
use super::{AppendOutcome, Request, Store, stored, to_i64, to_u64};
use crate::entity::{event, request};
use crate::error::{StoreError, is_unique_violation};
use crate::hash::GENESIS_HASH;
use crate::stored::Stored;

/// A stream's state at a version, with the hash of its last event.
#[derive(Debug, Clone)]
pub struct StreamHead<A> {
    /// The version (the last sequence; 0 before any event).
    pub version: u64,
    /// The last event's hash ([`GENESIS_HASH`] before any).
    pub hash: String,
    /// The state its events give.
    pub state: A,
}

/// One event of any stream as stored, its change left as JSON (an
/// agreement's are read typed with [`Store::events`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// Its stream's stored name.
    pub stream: String,
    /// Its sequence within the stream, from 1.
    pub sequence: u64,
    /// When the store recorded it.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// The request that produced it.
    pub request_id: String,
    /// The event's kind, such as `round_created`.
    pub kind: String,
    /// The event, its change as JSON.
    pub event: Event<serde_json::Value>,
    /// The event exactly as stored and hashed (canonical JSON).
    pub payload: String,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl<A: Stored> StreamHead<A> {
    /// A stream before its first event.
    pub fn empty() -> Self {
        StreamHead {
            version: 0,
            hash: GENESIS_HASH.to_owned(),
            state: A::initial(),
        }
    }
}

/// Whether an append writes its stream's projection rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Projecting {
    /// The events' rows, as every command writes them.
    Yes,
    /// None: genesis events recorded for rows that exist already (a
    /// database written before these streams were kept).
    AlreadyProjected,
}

impl Store {
    /// A stream's head, read from its events ([`StoreError::HistoryBroken`]
    /// for a stream known to be broken).
    pub async fn load_stream<A: Stored>(
        &self,
        stream: &StreamId,
    ) -> Result<StreamHead<A>, StoreError> {
        let name = stream.as_stored();
        // A stream known to be broken takes no command: none is decided on
        // what it now holds.
        self.refuse_if_stream_broken(&name)?;
        let rows = event::Entity::find()
            .filter(event::Column::AgreementId.eq(name.as_str()))
            .order_by_asc(event::Column::Sequence)
            .all(self.connection())
            .await?;
        let mut head = StreamHead::<A>::empty();
        for row in rows {
            let sequence = stored(&name, "events.sequence", row.sequence)?;
            let e: Event<A::Change> = serde_json::from_str(&row.payload)
                .map_err(|err| StoreError::corrupt(&name, sequence, err.to_string()))?;
            head.state.apply(&e);
            head.version = sequence;
            head.hash = row.hash;
        }
        Ok(head)
    }

    /// At most `limit` events of a stream from sequence `from`, in order.
    pub async fn stream_events(
        &self,
        stream: &StreamId,
        from: u64,
        limit: u64,
    ) -> Result<Vec<StreamEvent>, StoreError> {
        use sea_orm::QuerySelect;
        let name = stream.as_stored();
        let rows = event::Entity::find()
            .filter(event::Column::AgreementId.eq(name.as_str()))
            .filter(event::Column::Sequence.gte(to_i64("from_sequence", from)?))
            .order_by_asc(event::Column::Sequence)
            .limit(limit)
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|row| {
                let sequence = stored(&name, "events.sequence", row.sequence)?;
                let event = serde_json::from_str(&row.payload)
                    .map_err(|e| StoreError::corrupt(&name, sequence, e.to_string()))?;
                Ok(StreamEvent {
                    stream: row.agreement_id,
                    sequence,
                    recorded_at: row.recorded_at,
                    request_id: row.request_id,
                    kind: row.kind,
                    event,
                    payload: row.payload,
                    prev_hash: row.prev_hash,
                    hash: row.hash,
                })
            })
            .collect()
    }

    /// Appends the events decided on `head` as the next events of
    /// `stream`, with their projection rows and the request's idempotency
    /// record, through the committer. Answers the outcome and the head
    /// after them; a request id already applied to the stream by the same
    /// principal for the same request is answered with its first outcome
    /// (`replayed`) and the head as given.
    pub async fn append_to_stream<A: Stored>(
        &self,
        stream: &StreamId,
        head: &StreamHead<A>,
        request: &Request,
        events: Vec<Event<A::Change>>,
    ) -> Result<(AppendOutcome, StreamHead<A>), StoreError> {
        self.append_projected(stream, head, request, events, Projecting::Yes)
            .await
    }

    /// [`Store::append_to_stream`], writing the projection rows or not.
    pub(crate) async fn append_projected<A: Stored>(
        &self,
        stream: &StreamId,
        head: &StreamHead<A>,
        request: &Request,
        events: Vec<Event<A::Change>>,
        projecting: Projecting,
    ) -> Result<(AppendOutcome, StreamHead<A>), StoreError> {
        if events.is_empty() {
            return Err(StoreError::invalid(
                "events",
                "there are no events to append",
            ));
        }
        let projection = match projecting {
            Projecting::Yes => A::projection(&events)?.0,
            Projecting::AlreadyProjected => Vec::new(),
        };
        let (plan, after) = self.plan_stream(stream, head, request, &events, projection)?;
        let committed = self
            .inner
            .committer
            .submit(Job {
                stream: stream.clone(),
                expected: head.version,
                request: request.clone(),
                work: Work::Planned(Box::new(plan)),
                reply: None,
            })
            .await?;
        let after = if committed.outcome.replayed {
            head.clone()
        } else {
            after
        };
        if *stream == StreamId::IndicatorSets && !committed.outcome.replayed {
            // What `decide` is given next, here and on the database's other
            // servers, is the catalogue as it now stands.
            self.refresh_catalogue().await?;
            if let Err(error) = self.announce_names(&[stream.as_stored().as_str()]).await {
                tracing::warn!(%error, "cannot tell the other servers of the new catalogue; they read it when a command needs it");
            }
        }
        Ok((committed.outcome, after))
    }

    /// The rows of an append to a stream other than an agreement's, planned
    /// on `head`, and the head after them.
    fn plan_stream<A: Stored>(
        &self,
        stream: &StreamId,
        head: &StreamHead<A>,
        request: &Request,
        events: &[Event<A::Change>],
        projection: Vec<super::rows::Write>,
    ) -> Result<(Plan, StreamHead<A>), StoreError> {
        let name = stream.as_stored();
        let request_id = request.id().as_str();
        let expected = to_i64("expected_version", head.version)?;
        let now = self.clock().now_micros();
        let mut after = head.clone();
        let rows = chained(&name, request_id, now, expected, &mut after.hash, events)?;
        for e in events {
            after.state.apply(e);
        }
        let version = expected + events.len() as i64;
        after.version = to_u64(version);
        let record = idempotency_record(&name, request, expected, version, now);
        let plan = Plan {
            rows: Some(Rows {
                events: rows,
                projection: Projection::Other(projection),
                targets: Vec::new(),
                request: record,
            }),
            outcome: AppendOutcome {
                first_sequence: to_u64(expected + 1),
                last_sequence: to_u64(version),
                version: to_u64(version),
                replayed: false,
                target: None,
            },
            head: None,
        };
        Ok((plan, after))
    }

    /// A planned append in a transaction of its own (a member of a batch
    /// the database refused as a whole).
    pub(super) async fn planned_alone(
        &self,
        stream: &StreamId,
        expected: u64,
        request: &Request,
        plan: &Plan,
    ) -> Result<Committed, StoreError> {
        self.check_writable()?;
        let rows = plan.rows.clone().into_iter().collect();
        match self.write_batch(rows, &mut None).await {
            Ok(()) => Ok(Committed {
                outcome: plan.outcome,
                state: None,
            }),
            Err(error) => {
                self.planned_refused(stream, expected, request, plan, error)
                    .await
            }
        }
    }

    /// The answer to a planned append the database refused: a unique key
    /// means the stream moved on (or the request was applied before).
    pub(super) async fn planned_refused(
        &self,
        stream: &StreamId,
        expected: u64,
        request: &Request,
        plan: &Plan,
        error: StoreError,
    ) -> Result<Committed, StoreError> {
        match error {
            StoreError::Database(e) if is_unique_violation(&e) => {
                let actual = self.stream_version(stream).await?;
                self.unwritten_elsewhere(stream, expected, request, plan, actual)
                    .await
            }
            other => Err(other),
        }
    }

    /// The answer to a planned append that wrote nothing because its
    /// stream was at `actual`: the first outcome of the same request, or a
    /// conflict.
    pub(super) async fn unwritten_elsewhere(
        &self,
        stream: &StreamId,
        expected: u64,
        request: &Request,
        plan: &Plan,
        actual: u64,
    ) -> Result<Committed, StoreError> {
        let principal = plan
            .rows
            .as_ref()
            .and_then(|r| r.events.first())
            .map(|e| e.actor.clone())
            .unwrap_or_default();
        if let Some(outcome) = self
            .find_stream_request(stream, request, &principal)
            .await?
        {
            return Ok(Committed::replayed(outcome));
        }
        Err(StoreError::VersionConflict { expected, actual })
    }

    /// The version a stream is at (its last sequence; 0 for none).
    pub async fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        let name = stream.as_stored();
        let last = event::Entity::find()
            .filter(event::Column::AgreementId.eq(name.as_str()))
            .order_by_desc(event::Column::Sequence)
            .one(self.connection())
            .await?;
        last.map_or(Ok(0), |row| stored(&name, "events.sequence", row.sequence))
    }

    /// The first outcome of a request id on a stream other than an
    /// agreement's, if the same principal sent the same request
    /// ([`StoreError::RequestIdReused`] if the id was applied to another
    /// request or for another principal; `None` if it never was). The rule
    /// is [`Store::find_request`]'s; these streams' requests always carry
    /// a fingerprint.
    pub async fn find_stream_request(
        &self,
        stream: &StreamId,
        request: &Request,
        principal: &str,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        let name = stream.as_stored();
        let found = request::Entity::find_by_id((name.clone(), request.id().as_str().to_owned()))
            .one(self.connection())
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let first = event::Entity::find()
            .filter(event::Column::AgreementId.eq(name.as_str()))
            .filter(event::Column::Sequence.eq(row.first_sequence))
            .one(self.connection())
            .await?;
        let reused = |first_command| StoreError::RequestIdReused {
            request_id: request.id().as_str().to_owned(),
            first_command,
        };
        let same_principal = first.is_some_and(|e| e.actor == principal);
        let same_request =
            row.fingerprint.is_some() && row.fingerprint.as_deref() == request.fingerprint();
        if !(same_principal && same_request) {
            return Err(reused(None));
        }
        Ok(Some(AppendOutcome {
            first_sequence: stored(&name, "requests.first_sequence", row.first_sequence)?,
            last_sequence: stored(&name, "requests.last_sequence", row.last_sequence)?,
            version: stored(&name, "requests.version", row.version)?,
            replayed: true,
            target: None,
        }))
    }
}
