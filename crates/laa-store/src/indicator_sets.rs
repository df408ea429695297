//! Indicator sets as administered data: the database is the one source of
//! the catalogue the server decides with.
//!
//! The tables of sets, indicators and comments are the projection of the
//! National Indicator Set's stream (`laa_core::indicator_sets::stream`:
//! the embedded 2007 and 2008 sets begun on a new database, later ones
//! drafted, commented on and published by commands). The store keeps the
//! catalogue the database holds in memory ([`Store::catalogue`]), read
//! again after every append to that stream; a published set never
//! changes, so a remembered one is always right, and
//! [`Store::refresh_catalogue`] re-reads the catalogue when the database
//! lists other sets, or other statuses, than the one remembered (another
//! server drafted or published one).

use std::sync::Arc;

use laa_core::catalogue::Consultation;
use laa_core::indicator_sets::SetComment;
use laa_core::{Catalogue, Indicator, IndicatorSet, IndicatorStatus, Role, SetStatus, SetVersion};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{indicator, indicator_set, indicator_set_comment};
use crate::error::StoreError;
use crate::reference::{decode_indicator, parse_set_status, set_status_str, set_version};
use crate::roles::Queries;
use crate::store::Store;

/// The most comments listed with a set.
pub const MAX_COMMENTS_LISTED: u64 = 1_000;

impl Store {
    /// Reads the whole catalogue the database holds: every set, each with
    /// its own wording of its indicators.
    pub(crate) async fn read_catalogue(&self) -> Result<Catalogue, StoreError> {
        let sets = indicator_set::Entity::find()
            .order_by_asc(indicator_set::Column::Version)
            .all(self.connection())
            .await?;
        let rows = indicator::Entity::find()
            .order_by_asc(indicator::Column::SetVersion)
            .order_by_asc(indicator::Column::Number)
            .all(self.connection())
            .await?;
        let mut catalogue = Catalogue::default();
        let mut rows = rows.into_iter().peekable();
        for set in sets {
            let mut members = std::collections::BTreeMap::new();
            let mut wording = Vec::new();
            while let Some(row) = rows.next_if(|r| r.set_version <= set.version) {
                if row.set_version < set.version {
                    continue; // an indicator row of no set: ignored
                }
                let decoded = decode_indicator(row)?;
                members.insert(decoded.indicator.number, decoded.status);
                wording.push(decoded.indicator);
            }
            let info = set_info(&set)?;
            catalogue
                .insert_set(
                    IndicatorSet {
                        version: info.0,
                        status: info.1,
                        members,
                        based_on: info.2,
                        consultation: info.3,
                        relations: match &set.relations {
                            Some(json) => serde_json::from_str(json).map_err(|e| {
                                StoreError::corrupt("indicator_sets", 0, e.to_string())
                            })?,
                            None => Vec::new(),
                        },
                    },
                    wording,
                )
                .map_err(|e| StoreError::corrupt("indicator_sets", 0, e.problem))?;
        }
        Ok(catalogue)
    }

    /// The catalogue the database held when it was last read: what
    /// `decide` is given.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue_cell()
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn swap_catalogue(&self, catalogue: Catalogue) -> Arc<Catalogue> {
        let fresh = Arc::new(catalogue);
        *self
            .catalogue_cell()
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        fresh
    }

    /// Re-reads the catalogue when the database lists other sets or other
    /// statuses than the remembered one (one small query otherwise), and
    /// answers the current catalogue and whether it changed.
    pub async fn refresh_catalogue(&self) -> Result<(Arc<Catalogue>, bool), StoreError> {
        let listed: Vec<(i32, String)> = indicator_set::Entity::find()
            .select_only()
            .column(indicator_set::Column::Version)
            .column(indicator_set::Column::Status)
            .order_by_asc(indicator_set::Column::Version)
            .into_tuple()
            .all(self.connection())
            .await?;
        let remembered = self.catalogue();
        let same = listed.len() == remembered.sets().count()
            && listed.iter().zip(remembered.sets()).all(|((v, s), set)| {
                i32::from(set.version.get()) == *v && set_status_str(set.status) == s
            });
        if same {
            return Ok((remembered, false));
        }
        Ok((self.swap_catalogue(self.read_catalogue().await?), true))
    }

    /// Loads the catalogue the database holds (on opening).
    pub(crate) async fn load_catalogue(&self) -> Result<(), StoreError> {
        let catalogue = self.read_catalogue().await?;
        self.swap_catalogue(catalogue);
        Ok(())
    }
}

impl Queries {
    /// The comments recorded on a set, oldest first (at most
    /// [`MAX_COMMENTS_LISTED`]).
    pub async fn indicator_set_comments(
        &self,
        version: SetVersion,
    ) -> Result<Vec<SetComment>, StoreError> {
        indicator_set_comment::Entity::find()
            .filter(indicator_set_comment::Column::SetVersion.eq(i32::from(version.get())))
            .order_by_asc(indicator_set_comment::Column::Id)
            .limit(MAX_COMMENTS_LISTED)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(|row| recorded(version, row))
            .collect()
    }
}

/// A comment as its row records it.
fn recorded(set: SetVersion, row: indicator_set_comment::Model) -> Result<SetComment, StoreError> {
    let id = u64::try_from(row.id).unwrap_or(0);
    let bad = |p: String| StoreError::corrupt("indicator_set_comments", id, p);
    Ok(SetComment {
        set,
        role: row.role.parse::<Role>().map_err(|e| bad(e.to_string()))?,
        author: row.author,
        text: row.text,
        at: row.created_at,
    })
}

/// A set row's version, status, base and window.
pub(crate) fn set_info(
    row: &indicator_set::Model,
) -> Result<
    (
        SetVersion,
        SetStatus,
        Option<SetVersion>,
        Option<Consultation>,
    ),
    StoreError,
> {
    let date = |d: &Option<String>| {
        d.as_deref()
            .map(|d| {
                d.parse::<chrono::NaiveDate>()
                    .map_err(|_| StoreError::corrupt("indicator_sets", 0, format!("date '{d}'")))
            })
            .transpose()
    };
    let consultation = match (
        date(&row.consultation_opens)?,
        date(&row.consultation_closes)?,
    ) {
        (Some(opens), Some(closes)) => Some(Consultation { opens, closes }),
        _ => None,
    };
    Ok((
        set_version(row.version, "indicator_sets")?,
        parse_set_status(&row.status)?,
        row.based_on
            .map(|b| set_version(b, "indicator_sets"))
            .transpose()?,
        consultation,
    ))
}

/// An indicator and its status, as the wire and the catalogue want it.
pub(crate) fn status_str(status: IndicatorStatus) -> &'static str {
    match status {
        IndicatorStatus::Active => "active",
        IndicatorStatus::Withdrawn => "withdrawn",
    }
}

/// The JSON of an indicator's whole definition.
pub(crate) fn definition_json(i: &Indicator) -> Result<String, StoreError> {
    serde_json::to_string(i).map_err(|e| StoreError::corrupt("indicators", 0, e.to_string()))
}
