//! The reference data's streams, begun when a database is prepared: on a
//! new database, the embedded sets, the 2008-11 round and the 150 areas of
//! 2008 are appended as the first events of their streams (and projected
//! like any event), each area with its mid-2007 population; on a database written before these streams were kept,
//! every set (with its comments), round and area already in its tables is
//! recorded as its stream's genesis events, as it stands, the tables left
//! as they are. Either way every set, round and area then has a history
//! that verifies, and later commands append to it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use laa_core::area::{Area, AreaChange};
use laa_core::indicator_sets::{IndicatorSets, SetChange};
use laa_core::round::{Round, RoundChange};
use laa_core::stream::INDICATOR_SETS_STREAM;
use laa_core::{
    Actor, AreaCode, Catalogue, Event, Recorded, RequestId, Role, RoundName, RoundPolicy, Scope,
    SetVersion, StreamId,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::task::JoinSet;

use super::streams::Projecting;
use super::{Request, Store, StreamHead};
use crate::entity::{area, event, indicator_set, indicator_set_comment};
use crate::error::StoreError;
use crate::stored::Stored;

/// The principal that records the genesis events (no person did).
pub const GENESIS_PRINCIPAL: &str = "laa:genesis";

/// The request id of every genesis append.
pub const GENESIS_REQUEST: &str = "genesis";

impl Store {
    /// Begins every reference stream the event log does not hold yet.
    pub(crate) async fn begin_reference_streams(&self) -> Result<(), StoreError> {
        let logged = self.streams_logged_besides_agreements().await?;
        let now = self.clock().now_micros();
        if !logged.contains(INDICATOR_SETS_STREAM) {
            self.begin_indicator_sets(now).await?;
        }
        self.begin_rounds(&logged, now).await?;
        self.begin_areas(&logged, now).await
    }

    /// The names of the streams logged that are not agreements'.
    async fn streams_logged_besides_agreements(&self) -> Result<HashSet<String>, StoreError> {
        let names: Vec<String> = event::Entity::find()
            .select_only()
            .column(event::Column::AgreementId)
            .distinct()
            .filter(event::Column::AgreementId.contains("/"))
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(names.into_iter().collect())
    }

    /// The catalogue's stream: the sets the tables hold as they stand,
    /// with their comments, then any embedded set they lack.
    async fn begin_indicator_sets(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let stream = StreamId::IndicatorSets;
        let tables = self.read_catalogue().await?;
        let rows = indicator_set::Entity::find()
            .order_by_asc(indicator_set::Column::Version)
            .all(self.connection())
            .await?;
        let mut recorded = Vec::new();
        for row in &rows {
            let Some(set) = u16::try_from(row.version)
                .ok()
                .and_then(|v| SetVersion::new(v).ok())
                .and_then(|v| tables.set(v))
            else {
                continue;
            };
            let change = SetChange::SetLoaded {
                set: set.clone(),
                wording: tables.wording_of(set.version).cloned().collect(),
            };
            recorded.push(genesis(row.created_at.unwrap_or(now), change));
        }
        let comments = indicator_set_comment::Entity::find()
            .order_by_asc(indicator_set_comment::Column::Id)
            .all(self.connection())
            .await?;
        for c in comments {
            let set = u16::try_from(c.set_version)
                .ok()
                .and_then(|v| SetVersion::new(v).ok())
                .ok_or_else(|| StoreError::corrupt("indicator_set_comments", 0, "a set version"))?;
            let role = c
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::corrupt("indicator_set_comments", 0, e.to_string()))?;
            let change = SetChange::CommentRecorded {
                set,
                author: c.author,
                role,
                text: c.text,
            };
            recorded.push(genesis(c.created_at, change));
        }
        let mut head = StreamHead::<IndicatorSets>::empty();
        if !recorded.is_empty() {
            head = self
                .begin(&stream, &head, recorded, Projecting::AlreadyProjected)
                .await?;
        }
        let embedded = Catalogue::national()
            .map_err(|e| StoreError::corrupt("catalogue", 0, e.to_string()))?;
        let missing: Vec<_> = embedded
            .sets()
            .filter(|s| tables.set(s.version).is_none())
            .map(|s| {
                genesis(
                    now,
                    SetChange::SetLoaded {
                        set: s.clone(),
                        wording: embedded.wording_of(s.version).cloned().collect(),
                    },
                )
            })
            .collect();
        if !missing.is_empty() {
            self.begin(&stream, &head, missing, Projecting::Yes).await?;
        }
        Ok(())
    }

    /// Each round's stream: the rounds the table holds, or on a new
    /// database the 2008-11 round.
    async fn begin_rounds(
        &self,
        logged: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let stored = self.queries().rounds().await?;
        let mut begun = Vec::new();
        for round in &stored {
            begun.push((
                round.policy.clone(),
                round.indicator_set,
                round.created_at,
                Projecting::AlreadyProjected,
            ));
        }
        if stored.is_empty() {
            let set = SetVersion::new(laa_core::policy::DEFAULT_ROUND_SET)
                .map_err(|e| StoreError::corrupt("rounds", 0, e.problem))?;
            begun.push((RoundPolicy::round_2008_11(), set, now, Projecting::Yes));
        }
        for (policy, indicator_set, at, projecting) in begun {
            let name = RoundName::new(policy.name.clone())
                .map_err(|e| StoreError::corrupt("rounds", 0, e.problem))?;
            let stream = StreamId::Round(name);
            if logged.contains(&stream.as_stored()) {
                continue;
            }
            let event = genesis(
                at,
                RoundChange::RoundCreated {
                    policy,
                    indicator_set,
                },
            );
            let head = StreamHead::<Round>::empty();
            self.begin(&stream, &head, vec![event], projecting).await?;
        }
        Ok(())
    }

    /// Each area's stream: the areas the table holds, or on a new database
    /// the 150 of 2008. They are appended at once, so that the committer
    /// writes them in a few transactions.
    async fn begin_areas(
        &self,
        logged: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let rows = area::Entity::find()
            .order_by_asc(area::Column::Code)
            .all(self.connection())
            .await?;
        let mut begun = Vec::new();
        for row in rows {
            let code =
                AreaCode::new(row.code).map_err(|e| StoreError::corrupt("areas", 0, e.problem))?;
            let region = row
                .region
                .parse()
                .map_err(|e: laa_core::ParseError| StoreError::corrupt("areas", 0, e.problem))?;
            begun.push((
                code,
                row.name,
                region,
                row.kind,
                row.created_at,
                Projecting::AlreadyProjected,
            ));
        }
        let mut populations = std::collections::HashMap::new();
        if begun.is_empty() {
            let embedded = laa_core::areas::areas_2008()
                .map_err(|e| StoreError::corrupt("areas_2008.csv", 0, e.to_string()))?;
            for a in embedded {
                begun.push((a.code, a.name, a.region, a.kind, now, Projecting::Yes));
            }
            populations = laa_core::areas::populations_2007()
                .map_err(|e| StoreError::corrupt("area_populations_2007.csv", 0, e.to_string()))?
                .into_iter()
                .collect();
        }
        let (y, m, d) = laa_core::areas::POPULATIONS_AS_OF;
        let as_of = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| StoreError::corrupt("area_populations_2007.csv", 0, "its date"))?;
        let mut appends = JoinSet::new();
        for (code, name, region, area_kind, at, projecting) in begun {
            let stream = StreamId::Area(code.clone());
            if logged.contains(&stream.as_stored()) {
                continue;
            }
            let population = populations.get(&code).map(|count| {
                genesis(
                    at,
                    AreaChange::PopulationSet {
                        code: code.clone(),
                        population: laa_core::area::Population {
                            count: *count,
                            as_of,
                            source: laa_core::areas::POPULATIONS_SOURCE.to_owned(),
                        },
                    },
                )
            });
            let events: Vec<_> = std::iter::once(genesis(
                at,
                AreaChange::AreaCreated {
                    code,
                    name,
                    region,
                    area_kind,
                },
            ))
            .chain(population)
            .collect();
            let store = self.clone();
            appends.spawn(async move {
                let head = StreamHead::<Area>::empty();
                store
                    .begin(&stream, &head, events, projecting)
                    .await
                    .map(|_| ())
            });
        }
        while let Some(done) = appends.join_next().await {
            done.map_err(|e| StoreError::corrupt("areas", 0, e.to_string()))??;
        }
        Ok(())
    }

    /// Appends genesis events to a stream.
    async fn begin<A: Stored>(
        &self,
        stream: &StreamId,
        head: &StreamHead<A>,
        events: Vec<Event<A::Change>>,
        projecting: Projecting,
    ) -> Result<StreamHead<A>, StoreError> {
        let request = Request::by_id(
            RequestId::new(GENESIS_REQUEST)
                .map_err(|e| StoreError::invalid("request_id", e.problem))?,
        );
        let (_, head) = self
            .append_projected(stream, head, &request, events, projecting)
            .await?;
        Ok(head)
    }
}

/// A genesis event: recorded by [`GENESIS_PRINCIPAL`], an administrator
/// everywhere, dated when what it records happened.
fn genesis<C: Recorded>(at: DateTime<Utc>, change: C) -> Event<C> {
    // Both databases keep microseconds; a time read back from an older
    // SQLite row may hold nanoseconds.
    use chrono::SubsecRound;
    Event {
        at: at.trunc_subsecs(6),
        occurred_at: None,
        actor: Actor::new(GENESIS_PRINCIPAL, Role::Admin, Scope::National),
        change,
    }
}
