//! Queries over the projections: listing agreements, and the questions
//! asked across agreements (which areas chose an indicator, which
//! placeholders a refresh must settle).

use std::sync::Arc;

use laa_core::{
    Agreement, AgreementId, AgreementStatus, AreaCode, IndicatorNumber, RefreshId, Region, TargetId,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::entity::{agreement, target};
use crate::error::StoreError;
use crate::roles::Queries;

/// The page sizes of one kind of listing: the one used when the caller
/// asks for 0, and the most one page may hold (larger requests are cut to
/// it). Every listing's limits are here, once; API.md states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// The page size when none is asked for.
    pub default: u64,
    /// The largest page.
    pub max: u64,
}

impl PageLimits {
    /// `ListAgreements`.
    pub const AGREEMENTS: PageLimits = PageLimits {
        default: 50,
        max: 200,
    };
    /// `ListAreas`.
    pub const AREAS: PageLimits = PageLimits {
        default: 50,
        max: 200,
    };
    /// `ListIndicators`.
    pub const INDICATORS: PageLimits = PageLimits {
        default: 50,
        max: 500,
    };
    /// `ListPerformance`: one row per target, read in bulk for reports.
    pub const PERFORMANCE: PageLimits = PageLimits {
        default: 100,
        max: 1_000,
    };
    /// `ListEvents`: events are small, and an auditor reads them in bulk.
    pub const EVENTS: PageLimits = PageLimits {
        default: 100,
        max: 1_000,
    };

    /// The page size to use for a requested one.
    pub fn size(self, requested: u64) -> u64 {
        match requested {
            0 => self.default,
            n => n.min(self.max),
        }
    }
}

/// Which agreements to list; `None` matches any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AgreementFilter {
    /// Only agreements in this region.
    pub region: Option<Region>,
    /// Only this area's agreements.
    pub area: Option<AreaCode>,
    /// Only agreements in this status.
    pub status: Option<AgreementStatus>,
    /// Only agreements with a refresh overdue on this date
    /// ([`Agreement::refresh_overdue`]).
    pub refresh_overdue_on: Option<chrono::NaiveDate>,
    /// Only this round's agreements (`2008-11`).
    pub round: Option<String>,
}

impl AgreementFilter {
    /// `query` narrowed to the filter's region, area, status and round
    /// (the overdue date is not a column: the caller judges it).
    pub(crate) fn narrow(&self, mut query: Select<agreement::Entity>) -> Select<agreement::Entity> {
        if let Some(region) = self.region {
            query = query.filter(agreement::Column::Region.eq(region.code()));
        }
        if let Some(area) = &self.area {
            query = query.filter(agreement::Column::Area.eq(area.as_str()));
        }
        if let Some(status) = self.status {
            query = query.filter(agreement::Column::Status.eq(status.as_str()));
        }
        if let Some(round) = &self.round {
            query = query.filter(agreement::Column::Round.eq(round.as_str()));
        }
        query
    }
}

/// An agreement's region and version, as [`Queries::agreement_versions`]
/// lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementVersion {
    /// Its id.
    pub id: AgreementId,
    /// Its region.
    pub region: Region,
    /// Its version: the sequence of its last event.
    pub version: u64,
}

/// An agreement's area, region and version, as
/// [`Queries::agreement_places`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementPlace {
    /// Its id.
    pub id: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// Its region.
    pub region: Region,
    /// Its version: the sequence of its last event.
    pub version: u64,
}

/// One agreement as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    /// Its id.
    pub id: AgreementId,
    /// Its area.
    pub area: AreaCode,
    /// Its region.
    pub region: Region,
    /// Its status.
    pub status: AgreementStatus,
    /// Its version.
    pub version: u64,
    /// Its whole state at that version, shared with the store's memory of
    /// it (a listing copies no agreement).
    pub agreement: Arc<Agreement>,
}

impl Queries {
    /// One page of agreements matching `filter`, in id order, after the
    /// agreement id `after` (the previous page's token). Returns the rows and
    /// the token of the next page, `None` on the last page.
    pub async fn list_agreements(
        &self,
        filter: AgreementFilter,
        page_size: u64,
        after: Option<String>,
    ) -> Result<(Vec<AgreementRow>, Option<String>), StoreError> {
        let size = PageLimits::AGREEMENTS.size(page_size);
        let query = filter.narrow(agreement::Entity::find());
        // Without the overdue filter one query answers the page; with it
        // (a question of the date, not a column) rows are read in batches
        // and kept while they match, until the page and one more are found.
        let mut out = Vec::with_capacity(size as usize);
        let mut cursor = after;
        loop {
            let mut batch = query.clone();
            if let Some(after) = &cursor {
                batch = batch.filter(agreement::Column::Id.gt(after.as_str()));
            }
            let rows = batch
                .order_by_asc(agreement::Column::Id)
                .limit(size + 1)
                .all(self.store.connection())
                .await?;
            let exhausted = (rows.len() as u64) <= size;
            for row in rows {
                cursor = Some(row.id.clone());
                let head = self.store.head_of(self.store.connection(), row).await?;
                let agreement = head.state;
                if let Some(today) = filter.refresh_overdue_on
                    && agreement.refresh_overdue(today).is_none()
                {
                    continue;
                }
                let opening = agreement.opening.as_ref().ok_or_else(|| {
                    StoreError::corrupt(agreement.id.as_str(), agreement.version, "not opened")
                })?;
                out.push(AgreementRow {
                    id: agreement.id.clone(),
                    area: opening.area.clone(),
                    region: opening.region,
                    status: agreement.status,
                    version: agreement.version,
                    agreement,
                });
                if out.len() as u64 > size {
                    break;
                }
            }
            if exhausted || out.len() as u64 > size {
                break;
            }
        }
        let next = if out.len() as u64 > size {
            out.truncate(size as usize);
            out.last().map(|r| r.id.to_string())
        } else {
            None
        };
        Ok((out, next))
    }

    /// Every agreement matching `filter`'s region, area and status (its
    /// overdue date is not a column, and is not asked), with its region and
    /// version, in id order: one light query, no agreement's state read,
    /// what a read model kept by version asks to know what has changed.
    pub async fn agreement_versions(
        &self,
        filter: &AgreementFilter,
    ) -> Result<Vec<AgreementVersion>, StoreError> {
        let query = filter.narrow(
            agreement::Entity::find()
                .select_only()
                .column(agreement::Column::Id)
                .column(agreement::Column::Region)
                .column(agreement::Column::Version),
        );
        let rows: Vec<(String, String, i64)> = query
            .order_by_asc(agreement::Column::Id)
            .into_tuple()
            .all(self.store.connection())
            .await?;
        rows.into_iter()
            .map(|(id, region, version)| {
                let (id, region, version) = listed(id, &region, version)?;
                Ok(AgreementVersion {
                    id,
                    region,
                    version,
                })
            })
            .collect()
    }

    /// Every agreement matching `filter`'s region, area, status and round
    /// (its overdue date is not asked), with its area, region and version,
    /// in id order: no agreement's state is read, so a listing of every
    /// round's agreements costs a row each, not a state each.
    pub async fn agreement_places(
        &self,
        filter: &AgreementFilter,
    ) -> Result<Vec<AgreementPlace>, StoreError> {
        let query = filter.narrow(
            agreement::Entity::find()
                .select_only()
                .column(agreement::Column::Id)
                .column(agreement::Column::Area)
                .column(agreement::Column::Region)
                .column(agreement::Column::Version),
        );
        let rows: Vec<(String, String, String, i64)> = query
            .order_by_asc(agreement::Column::Id)
            .into_tuple()
            .all(self.store.connection())
            .await?;
        rows.into_iter()
            .map(|(id, area, region, version)| {
                let area = AreaCode::new(area.as_str())
                    .map_err(|e| StoreError::corrupt(&id, 0, format!("area {area}: {e}")))?;
                let (id, region, version) = listed(id, &region, version)?;
                Ok(AgreementPlace {
                    id,
                    area,
                    region,
                    version,
                })
            })
            .collect()
    }

    /// The agreements with a live (not withdrawn) target on an indicator,
    /// in id order.
    pub async fn areas_choosing(
        &self,
        indicator: IndicatorNumber,
    ) -> Result<Vec<AgreementId>, StoreError> {
        let ids: Vec<String> = target::Entity::find()
            .select_only()
            .column(target::Column::AgreementId)
            .distinct()
            .filter(target::Column::IndicatorNumber.eq(i32::from(indicator.get())))
            .filter(target::Column::Status.ne("withdrawn"))
            .order_by_asc(target::Column::AgreementId)
            .into_tuple()
            .all(self.store.connection())
            .await?;
        ids.into_iter().map(parse_agreement_id).collect()
    }

    /// Every live target whose agreed terms leave something due in a
    /// refresh: a placeholder, or a year deferred to it (the earliest such
    /// refresh, where a target names several). In agreement, then target
    /// order.
    pub async fn placeholders_due(
        &self,
        refresh: &RefreshId,
    ) -> Result<Vec<(AgreementId, TargetId)>, StoreError> {
        let rows: Vec<(String, i32)> = target::Entity::find()
            .select_only()
            .column(target::Column::AgreementId)
            .column(target::Column::TargetId)
            .filter(target::Column::DueRefresh.eq(refresh.as_str()))
            .filter(target::Column::Status.ne("withdrawn"))
            .order_by_asc(target::Column::AgreementId)
            .order_by_asc(target::Column::TargetId)
            .into_tuple()
            .all(self.store.connection())
            .await?;
        rows.into_iter()
            .map(|(a, t)| {
                let target = u32::try_from(t)
                    .ok()
                    .and_then(|t| TargetId::new(t).ok())
                    .ok_or_else(|| StoreError::corrupt(&a, 0, format!("target id {t}")))?;
                Ok((parse_agreement_id(a)?, target))
            })
            .collect()
    }
}

/// An agreement's id, region and version as a listing reads them.
fn listed(
    id: String,
    region: &str,
    version: i64,
) -> Result<(AgreementId, Region, u64), StoreError> {
    let region = region
        .parse::<Region>()
        .map_err(|e| StoreError::corrupt(&id, 0, format!("region {region}: {e}")))?;
    let version = crate::store::stored(&id, "agreements.version", version)?;
    Ok((parse_agreement_id(id)?, region, version))
}

fn parse_agreement_id(id: String) -> Result<AgreementId, StoreError> {
    AgreementId::new(id.clone()).map_err(|e| StoreError::corrupt(&id, 0, e.to_string()))
}
