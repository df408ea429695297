//! The aggregates the store keeps streams of besides agreements, and the
//! projection rows each kind of event writes: the tables queries read (the
//! catalogue's sets, indicators and comments; rounds; areas) are what their
//! streams' events say, written in the transaction that appends them.
//!
//! Adding an aggregate is one impl here and one variant of
//! [`laa_core::StreamId`].

use laa_core::area::{Area, AreaChange};
use laa_core::indicator_sets::{IndicatorSets, SetChange};
use laa_core::round::{Round, RoundChange};
use laa_core::{Aggregate, Event, IndicatorSet};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

use crate::entity::{area, indicator, indicator_set, indicator_set_comment, round};
use crate::error::StoreError;
use crate::reference::{indicator_model, set_status_str};
use crate::store::Write;

/// The writes of an append's projection, in order (opaque outside the
/// store).
pub struct ProjectionWrites(pub(crate) Vec<Write>);

/// An aggregate whose stream the store keeps, other than an agreement's.
pub trait Stored: Aggregate {
    /// Its state before its first event.
    fn initial() -> Self;

    /// The projection rows its events write.
    fn projection(events: &[Event<Self::Change>]) -> Result<ProjectionWrites, StoreError>;
}

impl Stored for IndicatorSets {
    fn initial() -> Self {
        IndicatorSets::default()
    }

    fn projection(events: &[Event<SetChange>]) -> Result<ProjectionWrites, StoreError> {
        let mut writes = Vec::new();
        for e in events {
            match &e.change {
                SetChange::SetLoaded { set, wording } => {
                    set_rows(&mut writes, set, wording, None)?;
                }
                SetChange::SetDrafted { set, wording, .. } => {
                    set_rows(&mut writes, set, wording, Some(e.occurred()))?;
                }
                SetChange::CommentRecorded {
                    set,
                    author,
                    role,
                    text,
                } => writes.push(Write::Insert(
                    indicator_set_comment::Entity::insert(indicator_set_comment::ActiveModel {
                        set_version: Set(i32::from(set.get())),
                        author: Set(author.clone()),
                        role: Set(role.as_str().to_owned()),
                        text: Set(text.clone()),
                        created_at: Set(e.occurred()),
                        ..Default::default()
                    })
                    .into_query(),
                )),
                SetChange::SetPublished { set } => writes.push(Write::Update(
                    indicator_set::Entity::update_many()
                        .col_expr(indicator_set::Column::Status, Expr::value("published"))
                        .col_expr(
                            indicator_set::Column::PublishedAt,
                            Expr::value(e.occurred()),
                        )
                        .filter(indicator_set::Column::Version.eq(i32::from(set.get())))
                        .into_query(),
                )),
            }
        }
        Ok(ProjectionWrites(writes))
    }
}

/// A set's relations as its row holds them: JSON, or null for none.
fn relations_json(
    relations: &[laa_core::catalogue::Relation],
) -> Result<Option<String>, StoreError> {
    if relations.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(relations)
        .map(Some)
        .map_err(|err| StoreError::corrupt("indicator_sets", 0, err.to_string()))
}

/// A set's row and its indicators' rows.
fn set_rows(
    writes: &mut Vec<Write>,
    set: &IndicatorSet,
    wording: &[laa_core::Indicator],
    created_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), StoreError> {
    let version = i32::from(set.version.get());
    writes.push(Write::Insert(
        indicator_set::Entity::insert(indicator_set::ActiveModel {
            version: Set(version),
            status: Set(set_status_str(set.status).to_owned()),
            based_on: Set(set.based_on.map(|b| i32::from(b.get()))),
            consultation_opens: Set(set.consultation.map(|w| w.opens.to_string())),
            consultation_closes: Set(set.consultation.map(|w| w.closes.to_string())),
            created_at: Set(created_at),
            published_at: Set(None),
            relations: Set(relations_json(&set.relations)?),
        })
        .into_query(),
    ));
    let rows = wording
        .iter()
        .filter_map(|i| Some(indicator_model(version, i, set.status_of(i.number)?)))
        .collect::<Result<Vec<_>, _>>()?;
    // Bound parameters per statement stay well under SQLite's limit.
    for chunk in rows.chunks(100) {
        writes.push(Write::Insert(
            indicator::Entity::insert_many(chunk.to_vec()).into_query(),
        ));
    }
    Ok(())
}

impl Stored for Round {
    fn initial() -> Self {
        Round::default()
    }

    fn projection(events: &[Event<RoundChange>]) -> Result<ProjectionWrites, StoreError> {
        let mut writes = Vec::new();
        for e in events {
            let RoundChange::RoundCreated {
                policy,
                indicator_set,
            } = &e.change
            else {
                // A proposed national target is read from the round's
                // stream itself (`Store::load_stream`): no table holds it.
                continue;
            };
            let json = serde_json::to_string(policy)
                .map_err(|err| StoreError::corrupt("rounds", 0, err.to_string()))?;
            writes.push(Write::Insert(
                round::Entity::insert(round::ActiveModel {
                    name: Set(policy.name.clone()),
                    indicator_set: Set(i32::from(indicator_set.get())),
                    policy: Set(json),
                    created_at: Set(e.at),
                })
                .into_query(),
            ));
        }
        Ok(ProjectionWrites(writes))
    }
}

impl Stored for Area {
    fn initial() -> Self {
        Area::default()
    }

    fn projection(events: &[Event<AreaChange>]) -> Result<ProjectionWrites, StoreError> {
        // On PostgreSQL an append's writes are one statement whose parts
        // all see the rows as they stood before it: a population set in
        // the append that creates the area is written with its row, not
        // as an update of a row the statement cannot yet see.
        let mut created: Option<area::ActiveModel> = None;
        let mut writes = Vec::new();
        for e in events {
            match &e.change {
                AreaChange::AreaCreated {
                    code,
                    name,
                    region,
                    area_kind,
                } => {
                    if let Some(row) = created.take() {
                        writes.push(Write::Insert(area::Entity::insert(row).into_query()));
                    }
                    created = Some(area::ActiveModel {
                        code: Set(code.as_str().to_owned()),
                        name: Set(name.clone()),
                        region: Set(region.code().to_owned()),
                        kind: Set(area_kind.clone()),
                        created_at: Set(e.at),
                        population: Set(None),
                    });
                }
                AreaChange::PopulationSet { code, population } => {
                    let json = serde_json::to_string(population)
                        .map_err(|err| StoreError::corrupt("areas", 0, err.to_string()))?;
                    match &mut created {
                        Some(row) if row.code.as_ref() == code.as_str() => {
                            row.population = Set(Some(json));
                        }
                        _ => writes.push(Write::Update(
                            area::Entity::update_many()
                                .col_expr(area::Column::Population, Expr::value(json))
                                .filter(area::Column::Code.eq(code.as_str()))
                                .into_query(),
                        )),
                    }
                }
            }
        }
        if let Some(row) = created {
            writes.push(Write::Insert(area::Entity::insert(row).into_query()));
        }
        Ok(ProjectionWrites(writes))
    }
}
