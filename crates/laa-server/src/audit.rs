//! `AuditService`: the deal history, its hash chain, and the analytics.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::time::Duration;

use laa_core::summary::NegotiationSummary;
use laa_core::{Actor, AgreementId, TargetKind, TargetStatus};
use laa_proto::v1 as pb;
use laa_store::{AgreementFilter, StoreError};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, event_to_pb};
use crate::error::ApiError;

/// How many events a stream reads from the store at a time.
const STREAM_BATCH: u64 = 500;
/// How often a following stream looks for events appended by other server
/// processes sharing the database (this process's appends wake it at once),
/// and so the longest an idle stream goes without checking its credential.
const FOLLOW_POLL: Duration = Duration::from_secs(1);

impl Engine {
    /// Every event of an agreement, in order.
    async fn history(&self, id: &AgreementId) -> Result<Vec<laa_core::Event>, ApiError> {
        let mut events = Vec::new();
        let mut from = 1;
        loop {
            let batch = self.store.events(id, from, 1_000).await?;
            let Some(last) = batch.last() else { break };
            from = last.sequence + 1;
            events.extend(batch.into_iter().map(|e| e.event));
        }
        Ok(events)
    }

    /// The summary of every agreement the caller may read.
    async fn summary_in_scope(&self, actor: &Actor) -> Result<pb::NegotiationSummary, ApiError> {
        let mut filter = AgreementFilter::default();
        self.scope_filter(actor, &mut filter)?;
        let mut total = NegotiationSummary::default();
        let mut selections: BTreeMap<i32, i32> = BTreeMap::new();
        let mut placeholders = 0;
        let mut after = None;
        loop {
            let (rows, next) = self
                .store
                .list_agreements(filter.clone(), 200, after)
                .await?;
            for row in &rows {
                total.merge(&NegotiationSummary::of_history(
                    &self.history(&row.id).await?,
                ));
                for t in row.agreement.live_targets() {
                    if t.kind == TargetKind::Designated
                        && let Some(n) = t.indicator.national()
                    {
                        *selections.entry(i32::from(n.get())).or_default() += 1;
                    }
                    placeholders += i64::from(t.status == TargetStatus::Placeholder);
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok(summary_to_pb(&total, selections, placeholders))
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn summary_to_pb(
    s: &NegotiationSummary,
    selections: BTreeMap<i32, i32>,
    placeholders: i64,
) -> pb::NegotiationSummary {
    pb::NegotiationSummary {
        agreements: count(s.agreements),
        signed_off: count(s.signed_off),
        originated_by_government: count(s.originated_by_government),
        originated_by_area: count(s.originated_by_area),
        accepted_unchanged: count(s.accepted_unchanged),
        counter_offers: count(s.counter_offers),
        deal_breakers: count(s.deal_breakers),
        late_demands: count(s.late_demands),
        declined: count(s.declined),
        withdrawn: count(s.withdrawn),
        mean_days_to_sign_off: s.mean_days_to_sign_off().unwrap_or(0.0),
        selections_by_indicator: selections.into_iter().collect(),
        placeholders,
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send>>;

#[tonic::async_trait]
impl pb::audit_service_server::AuditService for Engine {
    async fn list_events(
        &self,
        request: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", &r.agreement)?;
        let size = convert::page_size(r.page_size, 100, 1_000)?;
        let from = match convert::parse_page_token(&r.page_token, convert::numeric_position)? {
            Some(sequence) => sequence,
            None => convert::from_sequence(r.from_sequence)?,
        };
        self.read_agreement(&actor, &id).await?;
        // One more than the page, to know whether another page follows.
        let mut events = self
            .store
            .events(&id, from, size + 1)
            .await
            .map_err(ApiError::from)?;
        let next = if events.len() as u64 > size {
            events.truncate(usize::try_from(size).unwrap_or(usize::MAX));
            events
                .last()
                .map(|e| convert::page_token(&(e.sequence + 1).to_string()))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListEventsResponse {
            events: events.iter().map(event_to_pb).collect(),
            next_page_token: next,
        }))
    }

    type StreamEventsStream = EventStream;

    async fn stream_events(
        &self,
        request: Request<pb::StreamEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let peer = request.remote_addr();
        let token = crate::auth::bearer(&request)?.to_owned();
        let actor = crate::auth::resolve(&self.store, &token, peer).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", &r.agreement)?;
        let mut next = convert::from_sequence(r.from_sequence)?;
        self.read_agreement(&actor, &id).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let store = self.store.clone();
        let mut wake = self.feed.subscribe();
        let mut stopping = self.stopping.clone();
        let follow = r.follow;
        tokio::spawn(async move {
            let _open = follow.then(crate::metrics::FollowStream::open);
            let mut first = true;
            loop {
                // The credential was checked when the call began; every
                // later pass (each wake-up, at least every FOLLOW_POLL)
                // checks it again before anything more is delivered, so a
                // revoked token ends the stream UNAUTHENTICATED.
                if !std::mem::take(&mut first)
                    && let Err(e) = crate::auth::resolve_now(&store, &token, peer).await
                {
                    let _ = tx.send(Err(Status::from(e))).await;
                    return;
                }
                let batch = match store.events(&id, next, STREAM_BATCH).await {
                    Ok(batch) => batch,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                        return;
                    }
                };
                let empty = batch.is_empty();
                for event in &batch {
                    next = event.sequence + 1;
                    if tx.send(Ok(event_to_pb(event))).await.is_err() {
                        return; // the client went away
                    }
                }
                if !empty {
                    continue;
                }
                if !follow || *stopping.borrow() {
                    return;
                }
                tokio::select! {
                    _ = wake.recv() => {}
                    _ = tokio::time::sleep(FOLLOW_POLL) => {}
                    _ = stopping.changed() => return,
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn verify_history(
        &self,
        request: Request<pb::VerifyHistoryRequest>,
    ) -> Result<Response<pb::VerifyHistoryResponse>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let id = convert::agreement_name("agreement", &request.get_ref().agreement)?;
        // Verification answers even when the agreement cannot be loaded (a
        // deleted or edited event): it walks the stored chain and names the
        // first bad sequence. `read_agreement` has authorised the caller
        // before it reports a store error.
        match self.read_agreement(&actor, &id).await {
            Ok(_) | Err(ApiError::Store(StoreError::Corrupt { .. })) => {}
            Err(e) => return Err(e.into()),
        }
        let v = self.store.verify(&id).await.map_err(ApiError::from)?;
        Ok(Response::new(pb::VerifyHistoryResponse {
            ok: v.ok,
            length: count(v.length),
            head_hash: v.head_hash,
            first_bad_sequence: v.first_bad_sequence.map(count),
        }))
    }

    async fn get_negotiation_summary(
        &self,
        request: Request<pb::GetNegotiationSummaryRequest>,
    ) -> Result<Response<pb::NegotiationSummary>, Status> {
        let actor = authenticate(&self.store, &request).await?;
        let name = request.into_inner().agreement;
        if name.trim().is_empty() {
            return Ok(Response::new(self.summary_in_scope(&actor).await?));
        }
        let id = convert::agreement_name("agreement", &name)?;
        let state = self.read_agreement(&actor, &id).await?;
        let summary = NegotiationSummary::of_history(&self.history(&id).await?);
        let mut selections = BTreeMap::new();
        for t in state
            .live_targets()
            .filter(|t| t.kind == TargetKind::Designated)
        {
            if let Some(n) = t.indicator.national() {
                selections.insert(i32::from(n.get()), 1);
            }
        }
        let placeholders = state
            .live_targets()
            .filter(|t| t.status == TargetStatus::Placeholder)
            .count();
        Ok(Response::new(summary_to_pb(
            &summary,
            selections,
            count(placeholders as u64),
        )))
    }
}
