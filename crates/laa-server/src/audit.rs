//! `AuditService`: the deal history, its hash chain, and the analytics.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::time::Duration;

use laa_core::StreamId;
use laa_core::summary::NegotiationSummary;
use laa_core::{Actor, AgreementId, Region, TargetKind, TargetStatus};
use laa_proto::v1 as pb;
use laa_store::{AgreementFilter, StoreError};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::Engine;
use crate::auth::authenticate;
use crate::convert::{self, event_to_pb};
use crate::error::ApiError;
use crate::read_models::{KeptSummary, ScopeStamp, SummaryDigest};

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

    /// The summary of every agreement of `filter`'s scope (a region, a
    /// round) the caller may read: each agreement's part kept by version ([`crate::read_models`]), so only
    /// the agreements changed since the last request are read.
    async fn summary_in_scope(
        &self,
        actor: &Actor,
        mut filter: AgreementFilter,
    ) -> Result<pb::NegotiationSummary, ApiError> {
        let assigned = self.scope_filter(actor, &mut filter)?;
        let today = self.store.clock().today();
        let mut total = NegotiationSummary::default();
        let mut selections: BTreeMap<i32, i32> = BTreeMap::new();
        let mut placeholders = 0;
        let mut regions: BTreeMap<Region, (NegotiationSummary, BTreeMap<i32, i32>, i64)> =
            BTreeMap::new();
        // A scope's kept answer is given again while the scope's version
        // and the date are what it was made at: one light question. A
        // champion's narrower listing is never kept, nor answered from
        // another's.
        if assigned.is_none()
            && let Some(kept) = self.kept_summary(&filter)
            && kept.on == today
            && kept.scope.holds(&self.queries, &filter).await?
        {
            return Ok(kept.answer.clone());
        }
        let mut versions = self.queries.agreement_versions(&filter).await?;
        if let Some(champion) = &assigned {
            let reach = self.assigned_to(champion, &filter).await?;
            versions.retain(|listed| reach.contains(&listed.id));
        }
        for listed in &versions {
            let digest = match self.read_models.summaries.at(&listed.id, listed.version) {
                Some(digest) if digest.overdue_on == today => digest,
                _ => self.summary_digest(&listed.id, today).await?,
            };
            let one = digest.summary();
            total.merge(&one);
            let (in_region, in_region_selections, in_region_placeholders) =
                regions.entry(listed.region).or_default();
            in_region.merge(&one);
            for (indicator, n) in &digest.selections {
                *selections.entry(*indicator).or_default() += n;
                *in_region_selections.entry(*indicator).or_default() += n;
            }
            placeholders += digest.placeholders;
            *in_region_placeholders += digest.placeholders;
        }
        let mut out = summary_to_pb(&total, selections, placeholders);
        out.by_region = regions
            .into_iter()
            .map(|(region, (s, selections, placeholders))| {
                (
                    region.code().to_owned(),
                    summary_to_pb(&s, selections, placeholders),
                )
            })
            .collect();
        // A scope's summary is kept for the scopes many ask for (England,
        // a region, a round: each holding an agreement, so that asking for
        // rounds that do not exist keeps nothing); a champion's
        // assignments are theirs alone.
        if assigned.is_none() && !versions.is_empty() {
            let kept = KeptSummary {
                scope: ScopeStamp::of(&versions),
                on: today,
                answer: out.clone(),
            };
            self.read_models
                .scope_summaries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(filter, std::sync::Arc::new(kept));
        }
        Ok(out)
    }

    /// The summary last answered for `scope`, if any.
    fn kept_summary(&self, scope: &AgreementFilter) -> Option<std::sync::Arc<KeptSummary>> {
        self.read_models
            .scope_summaries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(scope)
            .cloned()
    }

    /// Derives an agreement's part of the summary from its whole history,
    /// and keeps it at the version read.
    async fn summary_digest(
        &self,
        id: &AgreementId,
        today: chrono::NaiveDate,
    ) -> Result<std::sync::Arc<SummaryDigest>, ApiError> {
        let history = self.history(id).await?;
        let state = laa_core::apply::replay(id.clone(), history.iter());
        let mut selections = BTreeMap::new();
        let mut placeholders = 0;
        for t in state.live_targets() {
            if t.kind == TargetKind::Designated
                && let Some(n) = t.indicator.national()
            {
                *selections.entry(i32::from(n.get())).or_default() += 1;
            }
            placeholders += i64::from(t.status == TargetStatus::Placeholder);
        }
        let digest = SummaryDigest {
            summary: NegotiationSummary::of_history(&history),
            selections,
            placeholders,
            overdue_on: today,
            overdue: state.refresh_overdue(today).map(|r| r.id.to_string()),
        };
        Ok(self.read_models.summaries.keep(id, state.version, digest))
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
        mean_days_to_sign_off: s.mean_days_to_sign_off(),
        median_days_to_sign_off: s.median_days_to_sign_off(),
        p90_days_to_sign_off: s.p90_days_to_sign_off(),
        selections_by_indicator: selections.into_iter().collect(),
        placeholders,
        statutory_targets: count(s.statutory_targets),
        refused_requests: count(s.refused_requests),
        refreshes: s
            .refreshes
            .iter()
            .map(|(round, r)| {
                (
                    round.clone(),
                    pb::RefreshRevisits {
                        targets: count(r.targets),
                        revisited: count(r.revisited),
                        share: r.share(),
                    },
                )
            })
            .collect(),
        very_limited_say: s.very_limited_say(),
        designated_settled: count(s.designated_settled),
        designated_imposed: count(s.designated_imposed),
        refreshes_overdue: s
            .refreshes_overdue
            .iter()
            .map(|(refresh, n)| (refresh.clone(), count(*n)))
            .collect(),
        agreements_overdue: count(s.agreements_overdue()),
        by_department: s
            .by_department
            .iter()
            .map(|(dept, d)| {
                (
                    dept.clone(),
                    pb::DepartmentSummary {
                        proposals: count(d.proposals),
                        counter_offers: count(d.counter_offers),
                        late_demands: count(d.late_demands),
                        deal_breakers: count(d.deal_breakers),
                        refused_requests: count(d.refused_requests),
                        accepted_unchanged: count(d.accepted_unchanged),
                        advice_requests: count(d.advice_requests),
                        advice_open: count(d.advice_open()),
                        median_days_to_answer: d.median_days_to_answer(),
                    },
                )
            })
            .collect(),
        by_region: Default::default(),
        champions: Some(pb::ChampionComparison {
            areas: s.champions.areas.iter().cloned().collect(),
            with_champion: Some(cohort_to_pb(&s.champions.with_champion)),
            without_champion: Some(cohort_to_pb(&s.champions.without_champion)),
        }),
    }
}

fn cohort_to_pb(c: &laa_core::summary::Cohort) -> pb::Cohort {
    pb::Cohort {
        agreements: count(c.agreements),
        signed_off: count(c.signed_off),
        median_days_to_sign_off: c.median_days_to_sign_off(),
        counter_offers: count(c.counter_offers),
        deal_breakers: count(c.deal_breakers),
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send>>;

#[tonic::async_trait]
impl pb::audit_service_server::AuditService for Engine {
    async fn list_events(
        &self,
        request: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let size = convert::page_size(r.page_size, laa_store::PageLimits::EVENTS)?;
        let from = match convert::parse_page_token(&r.page_token, convert::numeric_position)? {
            Some(sequence) => sequence,
            None => convert::from_sequence(r.from_sequence)?,
        };
        if let Some(stream) = reference_stream(&r.agreement) {
            // The reference data's history is as public as the data.
            let mut events = self
                .store
                .stream_events(&stream, from, size + 1)
                .await
                .map_err(ApiError::from)?;
            if events.is_empty() && from <= 1 {
                return Err(ApiError::NotFound {
                    what: "stream",
                    key: stream.to_string(),
                }
                .into());
            }
            let next = next_page(&mut events, size, |e| e.sequence);
            return Ok(Response::new(pb::ListEventsResponse {
                events: events.iter().map(convert::stream_event_to_pb).collect(),
                next_page_token: next,
            }));
        }
        let id = convert::agreement_name("agreement", &r.agreement)?;
        self.read_agreement(&actor, &id).await?;
        // One more than the page, to know whether another page follows.
        let mut events = self
            .store
            .events(&id, from, size + 1)
            .await
            .map_err(ApiError::from)?;
        let next = next_page(&mut events, size, |e| e.sequence);
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
        let actor = crate::auth::resolve(&self.credentials, &token, peer).await?;
        let r = request.into_inner();
        let id = convert::agreement_name("agreement", &r.agreement)?;
        let mut next = convert::from_sequence(r.from_sequence)?;
        self.read_agreement(&actor, &id).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let store = self.store.clone();
        let credentials = self.credentials.clone();
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
                    && let Err(e) = crate::auth::resolve_now(&credentials, &token, peer).await
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
        let actor = authenticate(&self.credentials, &request).await?;
        let name = request.get_ref().agreement.trim();
        if let Some(stream) = reference_stream(name) {
            // The reference data is public to every principal; so is the
            // proof that its history is intact.
            let v = self
                .store
                .verify_stream(&stream)
                .await
                .map_err(ApiError::from)?;
            return Ok(Response::new(pb::VerifyHistoryResponse {
                ok: v.ok,
                length: count(v.length),
                head_hash: v.head_hash,
                first_bad_sequence: v.first_bad_sequence.map(count),
                projection_rebuilt: false,
            }));
        }
        let id = convert::agreement_name("agreement", name)?;
        // Verification answers even when the agreement cannot be loaded (a
        // deleted or edited event): it walks the stored chain and names the
        // first bad sequence. `read_agreement` has authorised the caller
        // before it reports a store error.
        match self.read_agreement(&actor, &id).await {
            Ok(_)
            | Err(ApiError::Store(StoreError::Corrupt { .. } | StoreError::HistoryBroken { .. })) =>
                {}
            Err(e) => return Err(e.into()),
        }
        let v = self.store.verify(&id).await.map_err(ApiError::from)?;
        Ok(Response::new(pb::VerifyHistoryResponse {
            ok: v.ok,
            length: count(v.length),
            head_hash: v.head_hash,
            first_bad_sequence: v.first_bad_sequence.map(count),
            projection_rebuilt: v.projection_rebuilt,
        }))
    }

    async fn import_history(
        &self,
        request: Request<pb::ImportHistoryRequest>,
    ) -> Result<Response<pb::ImportHistoryResponse>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        laa_core::authorise::authorise_administration(&actor).map_err(ApiError::from)?;
        let imported = self
            .store
            .import_history(&request.into_inner().history)
            .await
            .map_err(ApiError::from)?;
        let name = match &imported.stream {
            laa_core::StreamId::Agreement(id) => {
                self.feed.announce(id);
                format!("agreements/{id}")
            }
            other => other.as_stored(),
        };
        tracing::info!(stream = %name, events = imported.length, principal = %actor.principal, "history imported");
        Ok(Response::new(pb::ImportHistoryResponse {
            agreement: name,
            length: count(imported.length),
            head_hash: imported.head_hash,
        }))
    }

    async fn get_negotiation_summary(
        &self,
        request: Request<pb::GetNegotiationSummaryRequest>,
    ) -> Result<Response<pb::NegotiationSummary>, Status> {
        let actor = authenticate(&self.credentials, &request).await?;
        let r = request.into_inner();
        let name = r.agreement;
        if name.trim().is_empty() {
            let scope = AgreementFilter {
                region: convert::region("region", r.region)?,
                round: convert::round_filter("round", &r.round)?,
                ..AgreementFilter::default()
            };
            return Ok(Response::new(self.summary_in_scope(&actor, scope).await?));
        }
        let id = convert::agreement_name("agreement", &name)?;
        let state = self.read_agreement(&actor, &id).await?;
        let mut summary = NegotiationSummary::of_history(&self.history(&id).await?);
        summary.note_overdue(&state, self.store.clock().today());
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

/// Cuts `events` (read one past the page) to the page, and answers the
/// next page's token: the sequence after the page's last, or none.
fn next_page<T>(events: &mut Vec<T>, size: u64, sequence: impl Fn(&T) -> u64) -> String {
    if events.len() as u64 <= size {
        return String::new();
    }
    events.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    events
        .last()
        .map(|e| convert::page_token(&(sequence(e) + 1).to_string()))
        .unwrap_or_default()
}

/// The stream a request names when it is not an agreement's (the
/// indicator sets', a round's, an area's); `None` for an agreement, or a
/// name that is not a stream's (which the agreement's parser then refuses).
fn reference_stream(name: &str) -> Option<StreamId> {
    match StreamId::parse(name) {
        Ok(StreamId::Agreement(_)) | Err(_) => None,
        Ok(reference) => Some(reference),
    }
}
