//! Reference data: the indicator sets, the nine regions, and the areas.
//!
//! The embedded indicator sets (from `laa-core`'s catalogue; later sets are
//! drafted and published through `indicator_sets.rs`), the regions
//! and the 150 areas of 2008 (from `laa-core`'s embedded list) are loaded on
//! first start, idempotently: a set already present is left alone, and areas
//! are loaded only into an empty table, so an administrator's later edits
//! and additions survive restarts.

use laa_core::catalogue::{Consultation, Owner};
use laa_core::{
    AreaCode, Department, Indicator, IndicatorNumber, IndicatorStatus, Region, SetStatus,
    SetVersion,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::{area, indicator, indicator_set, region};
use crate::error::StoreError;
use crate::roles::Queries;
use crate::store::Store;

pub use laa_core::areas::AREA_KINDS;

/// One version of the indicator set, with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorSetInfo {
    /// Its version.
    pub version: SetVersion,
    /// Draft or published.
    pub status: SetStatus,
    /// How many indicators it lists as active.
    pub active: u64,
    /// How many it lists as withdrawn.
    pub withdrawn: u64,
    /// The published set a draft was drafted from (none for the embedded sets).
    pub based_on: Option<SetVersion>,
    /// Its consultation window (none for the embedded sets).
    pub consultation: Option<Consultation>,
    /// When it was drafted through the API.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was published through the API.
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One indicator as a set version lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    /// The indicator.
    pub indicator: Indicator,
    /// Its standing in the set.
    pub status: IndicatorStatus,
}

/// An upper-tier area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRecord {
    /// Its code, such as `kent`.
    pub code: AreaCode,
    /// Its name, such as `Kent County Council`.
    pub name: String,
    /// Its Government Office region.
    pub region: Region,
    /// One of [`AREA_KINDS`]: `county`, `unitary`, `metropolitan`, `london_borough`.
    pub kind: String,
    /// Its population as last set, if it has been (recommendation 15).
    pub population: Option<laa_core::area::Population>,
}

impl Store {
    /// Loads the nine regions if they are not in the database (the
    /// indicator sets, rounds and areas are their streams' projections:
    /// `store/genesis.rs`).
    pub(crate) async fn seed_regions(&self) -> Result<(), StoreError> {
        let regions: u64 = region::Entity::find().count(self.connection()).await?;
        if regions >= Region::ALL.len() as u64 {
            return Ok(());
        }
        let _guard = self.write_guard().await;
        let txn = self.begin_write().await?;
        region::Entity::insert_many(Region::ALL.map(|r| region::ActiveModel {
            code: Set(r.code().to_owned()),
            name: Set(r.name().to_owned()),
        }))
        .on_conflict_do_nothing_on([region::Column::Code])
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

impl Queries {
    /// Every indicator set version, oldest first.
    pub async fn indicator_sets(&self) -> Result<Vec<IndicatorSetInfo>, StoreError> {
        let sets = indicator_set::Entity::find()
            .order_by_asc(indicator_set::Column::Version)
            .all(self.store.connection())
            .await?;
        let mut out = Vec::with_capacity(sets.len());
        for set in sets {
            let count = |status: &'static str| {
                indicator::Entity::find()
                    .filter(indicator::Column::SetVersion.eq(set.version))
                    .filter(indicator::Column::Status.eq(status))
                    .count(self.store.connection())
            };
            let active = count("active").await?;
            let withdrawn = count("withdrawn").await?;
            let (version, status, based_on, consultation) = crate::indicator_sets::set_info(&set)?;
            out.push(IndicatorSetInfo {
                version,
                status,
                active,
                withdrawn,
                based_on,
                consultation,
                created_at: set.created_at,
                published_at: set.published_at,
            });
        }
        Ok(out)
    }

    /// The indicators a set version lists, by number ([`StoreError::NotFound`]
    /// if there is no such set).
    pub async fn indicators(&self, version: SetVersion) -> Result<Vec<IndicatorRow>, StoreError> {
        let v = i32::from(version.get());
        let exists = indicator_set::Entity::find_by_id(v)
            .one(self.store.connection())
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: "indicator set",
                key: version.to_string(),
            });
        }
        indicator::Entity::find()
            .filter(indicator::Column::SetVersion.eq(v))
            .order_by_asc(indicator::Column::Number)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(decode_indicator)
            .collect()
    }

    /// One area, if it exists.
    pub async fn area(&self, code: &AreaCode) -> Result<Option<AreaRecord>, StoreError> {
        area::Entity::find_by_id(code.as_str().to_owned())
            .one(self.store.connection())
            .await?
            .map(decode_area)
            .transpose()
    }

    /// Every area, in code order (the national trajectory weighs them all).
    pub async fn all_areas(&self) -> Result<Vec<AreaRecord>, StoreError> {
        area::Entity::find()
            .order_by_asc(area::Column::Code)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(decode_area)
            .collect()
    }

    /// One page of areas, optionally of one region, in code order, after the
    /// code `after` (the previous page's token). Returns the areas and the
    /// next page's token, `None` on the last page.
    pub async fn list_areas(
        &self,
        region: Option<Region>,
        page_size: u64,
        after: Option<String>,
    ) -> Result<(Vec<AreaRecord>, Option<String>), StoreError> {
        let size = crate::query::PageLimits::AREAS.size(page_size);
        let mut query = area::Entity::find();
        if let Some(region) = region {
            query = query.filter(area::Column::Region.eq(region.code()));
        }
        if let Some(after) = &after {
            query = query.filter(area::Column::Code.gt(after.as_str()));
        }
        let mut rows = query
            .order_by_asc(area::Column::Code)
            .limit(size + 1)
            .all(self.store.connection())
            .await?;
        let next = if rows.len() as u64 > size {
            rows.truncate(size as usize);
            rows.last().map(|r| r.code.clone())
        } else {
            None
        };
        let areas = rows
            .into_iter()
            .map(decode_area)
            .collect::<Result<_, _>>()?;
        Ok((areas, next))
    }
}

/// One indicator row: the columns queries read, and the whole definition as JSON.
pub(crate) fn indicator_model(
    set: i32,
    i: &Indicator,
    status: IndicatorStatus,
) -> Result<indicator::ActiveModel, StoreError> {
    let (psa, dso) = match &i.owner {
        Owner::Psa(n) => (Some(i32::from(*n)), None),
        Owner::Dso(d) => (None, Some(d.as_str().to_owned())),
        Owner::Unassigned => (None, None),
    };
    Ok(indicator::ActiveModel {
        set_version: Set(set),
        number: Set(i32::from(i.number.get())),
        title: Set(i.title.clone()),
        subject_group: Set(i.subject_group.clone()),
        psa: Set(psa),
        dso_department: Set(dso),
        statutory: Set(i.statutory),
        status: Set(crate::indicator_sets::status_str(status).to_owned()),
        added_in: Set(i32::from(i.added_in.get())),
        withdrawn_in: Set(i.withdrawn_in.map(|w| i32::from(w.get()))),
        laa_selections_2008: Set(i.laa_selections_2008.map(i32::from)),
        definition: Set(Some(crate::indicator_sets::definition_json(i)?)),
    })
}

/// The embedded National Indicator Set, parsed once.
static NATIONAL: std::sync::LazyLock<
    Result<laa_core::Catalogue, laa_core::catalogue::CatalogueError>,
> = std::sync::LazyLock::new(laa_core::Catalogue::national);

/// One indicator row back: its JSON definition when it has one (every row
/// written since indicator sets became data), else its columns.
pub(crate) fn decode_indicator(row: indicator::Model) -> Result<IndicatorRow, StoreError> {
    let bad = |problem: String| StoreError::corrupt("indicators", 0, problem);
    let status = match row.status.as_str() {
        "active" => IndicatorStatus::Active,
        "withdrawn" => IndicatorStatus::Withdrawn,
        other => return Err(bad(format!("indicator status '{other}'"))),
    };
    if let Some(json) = &row.definition {
        let indicator: Indicator = serde_json::from_str(json)
            .map_err(|e| bad(format!("indicator {}: {e}", row.number)))?;
        if i32::from(indicator.number.get()) != row.number {
            return Err(bad(format!(
                "indicator {} defines another number",
                row.number
            )));
        }
        return Ok(IndicatorRow { indicator, status });
    }
    let number = u16::try_from(row.number)
        .ok()
        .and_then(|n| IndicatorNumber::new(n).ok())
        .ok_or_else(|| bad(format!("indicator number {}", row.number)))?;
    let owner = match (row.psa, &row.dso_department) {
        (Some(psa), _) => Owner::Psa(u8::try_from(psa).map_err(|_| bad(format!("psa {psa}")))?),
        (None, Some(d)) => Owner::Dso(Department::new(d.clone()).map_err(|e| bad(e.to_string()))?),
        (None, None) => Owner::Unassigned,
    };
    // Rows from before indicator sets became data have no JSON, and no
    // columns for what an indicator measures: they were seeded from the
    // embedded set, whose unit and polarity they take. A row the embedded
    // set does not hold cannot have been seeded: it is corruption.
    let embedded = NATIONAL
        .as_ref()
        .ok()
        .and_then(|c| c.indicator(number))
        .ok_or_else(|| {
            bad(format!(
                "indicator {} has neither a definition nor an embedded one",
                row.number
            ))
        })?;
    Ok(IndicatorRow {
        indicator: Indicator {
            unit: embedded.unit,
            polarity: embedded.polarity,
            number,
            title: row.title,
            subject_group: row.subject_group,
            owner,
            statutory: row.statutory,
            added_in: set_version(row.added_in, "indicators")?,
            withdrawn_in: row
                .withdrawn_in
                .map(|w| set_version(w, "indicators"))
                .transpose()?,
            laa_selections_2008: row
                .laa_selections_2008
                .map(|n| u16::try_from(n).map_err(|_| bad(format!("selections {n}"))))
                .transpose()?,
        },
        status,
    })
}

fn decode_area(row: area::Model) -> Result<AreaRecord, StoreError> {
    let bad = |problem: String| StoreError::corrupt("areas", 0, problem);
    Ok(AreaRecord {
        code: AreaCode::new(row.code).map_err(|e| bad(e.to_string()))?,
        name: row.name,
        region: row
            .region
            .parse()
            .map_err(|e: laa_core::ParseError| bad(e.to_string()))?,
        kind: row.kind,
        population: row
            .population
            .map(|json| serde_json::from_str(&json).map_err(|e| bad(e.to_string())))
            .transpose()?,
    })
}

pub(crate) fn set_version(v: i32, table: &str) -> Result<SetVersion, StoreError> {
    u16::try_from(v)
        .ok()
        .and_then(|v| SetVersion::new(v).ok())
        .ok_or_else(|| StoreError::corrupt(table, 0, format!("set version {v}")))
}

pub(crate) fn set_status_str(status: SetStatus) -> &'static str {
    match status {
        SetStatus::Draft => "draft",
        SetStatus::Published => "published",
    }
}

pub(crate) fn parse_set_status(s: &str) -> Result<SetStatus, StoreError> {
    match s {
        "draft" => Ok(SetStatus::Draft),
        "published" => Ok(SetStatus::Published),
        other => Err(StoreError::corrupt(
            "indicator_sets",
            0,
            format!("set status '{other}'"),
        )),
    }
}
