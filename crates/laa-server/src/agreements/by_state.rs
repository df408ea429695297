//! Listings narrowed by each agreement's state, not by a column:
//! `ListAgreements` with `waiting_on_me` (the agreements in which something
//! waits on the caller, by the core's one rule, [`laa_core::waiting`]), and
//! a negotiating champion's listing (the agreements assigned to them, an
//! assignment being an event of each agreement).
//!
//! The store's listing is read page after page, as it stands, and its
//! agreements kept while the rule finds something in them, until the page
//! and one more are found. The page token stays what it always is, the last
//! agreement id answered, so the next page resumes after it.

use std::collections::BTreeSet;

use laa_core::waiting::{Circumstances, is_waiting_on};
use laa_core::{Actor, AgreementId};
use laa_store::{AgreementFilter, AgreementRow, PageLimits};

use crate::Engine;
use crate::error::ApiError;

impl Engine {
    /// The circumstances of an agreement the rule cannot read from its
    /// state: today by the server's clock, and whether its history is
    /// known broken.
    pub fn circumstances(&self, id: &laa_core::AgreementId) -> Circumstances {
        Circumstances {
            today: self.store.clock().today(),
            history_broken_from: self.store.broken(id).map(|b| b.first_bad_sequence),
        }
    }

    /// One page of `size` agreements matching `filter` (already narrowed
    /// to the caller's scope) in which something waits on `actor`, after
    /// the agreement id `after`; and the id the next page starts after,
    /// `None` on the last page.
    pub(super) async fn list_waiting_on(
        &self,
        actor: &Actor,
        filter: AgreementFilter,
        size: u64,
        after: Option<String>,
    ) -> Result<(Vec<AgreementRow>, Option<String>), ApiError> {
        self.list_where(filter, size, after, |row| {
            is_waiting_on(&row.agreement, actor, &self.circumstances(&row.id))
        })
        .await
    }

    /// The agreements matching `filter` that `champion` is assigned to now.
    pub(crate) async fn assigned_to(
        &self,
        champion: &str,
        filter: &AgreementFilter,
    ) -> Result<BTreeSet<AgreementId>, ApiError> {
        let (rows, _) = self
            .list_where(filter.clone(), u64::MAX, None, |row| {
                row.agreement.is_champion(champion)
            })
            .await?;
        Ok(rows.into_iter().map(|row| row.id).collect())
    }

    /// One page of `size` agreements matching `filter` and `keep`, after
    /// the agreement id `after`; and the id the next page starts after.
    pub(super) async fn list_where(
        &self,
        filter: AgreementFilter,
        size: u64,
        after: Option<String>,
        keep: impl Fn(&AgreementRow) -> bool,
    ) -> Result<(Vec<AgreementRow>, Option<String>), ApiError> {
        let mut kept: Vec<AgreementRow> = Vec::new();
        let mut cursor = after;
        loop {
            let (rows, next) = self
                .queries
                .list_agreements(filter.clone(), PageLimits::AGREEMENTS.max, cursor)
                .await?;
            for row in rows {
                if keep(&row) {
                    kept.push(row);
                    if kept.len() as u64 > size {
                        break;
                    }
                }
            }
            match next {
                Some(next) if kept.len() as u64 <= size => cursor = Some(next),
                _ => break,
            }
        }
        let next = if kept.len() as u64 > size {
            kept.truncate(usize::try_from(size).unwrap_or(usize::MAX));
            kept.last().map(|r| r.id.to_string())
        } else {
            None
        };
        Ok((kept, next))
    }
}
