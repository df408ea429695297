//! Read models kept by version: what the analytics derive from each
//! agreement (its negotiation's summary, its targets' performance), kept
//! in memory beside the version it was derived at, and derived again only
//! when the agreement's version has moved.
//!
//! A request asks the database once for the versions in its scope
//! (`Queries::agreement_versions`: ids, regions and versions, no state),
//! so an answer is as current as the database on every server: a change
//! another server committed is seen by the next request, with no
//! announcement to wait for. What it costs is that one light query and the
//! agreements that changed since the last request, not every agreement's
//! history.
//!
//! What is kept is bounded by the agreements the database holds (one entry
//! each, replaced when its version moves), never by their histories.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use laa_core::performance::Status;
use laa_core::summary::NegotiationSummary;
use laa_core::{AgreementId, IndicatorNumber};
use laa_proto::v1 as pb;
use laa_store::{AgreementFilter, Queries, ScopeNow, ScopeVersion, Snapshot, StoreError};

/// One derived value per agreement, with the version it is of.
pub(crate) struct KeptByVersion<T> {
    kept: Mutex<HashMap<AgreementId, (u64, Arc<T>)>>,
}

impl<T> Default for KeptByVersion<T> {
    fn default() -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> KeptByVersion<T> {
    /// The value kept for `id` at `version`, if that is the version kept.
    pub(crate) fn at(&self, id: &AgreementId, version: u64) -> Option<Arc<T>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(id)
            .filter(|(at, _)| *at == version)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` as `id`'s at `version`, unless a later version is
    /// kept already (two requests deriving at once: the later wins).
    pub(crate) fn keep(&self, id: &AgreementId, version: u64, value: T) -> Arc<T> {
        let value = Arc::new(value);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        match kept.get(id) {
            Some((at, _)) if *at > version => {}
            _ => {
                kept.insert(id.clone(), (version, value.clone()));
            }
        }
        value
    }
}

/// What the negotiation summary takes from one agreement.
pub(crate) struct SummaryDigest {
    /// Its history's summary, the overdue refresh not yet noted.
    pub(crate) summary: NegotiationSummary,
    /// Its designated targets' National Indicators, each once.
    pub(crate) selections: BTreeMap<i32, i32>,
    /// Its live placeholder targets.
    pub(crate) placeholders: i64,
    /// The date the overdue refresh was judged on, and the refresh (a
    /// question of the date as well as of the version: judged again on
    /// another day).
    pub(crate) overdue_on: NaiveDate,
    /// The refresh overdue on `overdue_on`, if any.
    pub(crate) overdue: Option<String>,
}

impl SummaryDigest {
    /// The digest's summary with its overdue refresh noted.
    pub(crate) fn summary(&self) -> NegotiationSummary {
        let mut summary = self.summary.clone();
        if let Some(refresh) = &self.overdue {
            summary.note_overdue_refresh(refresh);
        }
        summary
    }
}

/// One target's performance, as `ListPerformance` filters and answers it.
pub(crate) struct PerformanceRow {
    /// The target's National Indicator (`None`: a local indicator).
    pub(crate) indicator: Option<IndicatorNumber>,
    /// Its overall status.
    pub(crate) overall: Status,
    /// The answer's row, encoded: a third of the memory of the message
    /// with its strings (every agreement of every round is kept), and
    /// sent as it is ([`pb::ListPerformanceResponse::encoded_targets`]).
    pub(crate) row: prost::bytes::Bytes,
}

/// Where a scope stood when a view of it was made: its version, and the
/// last PostgreSQL snapshot it was seen at that version in, so that a view
/// asked for again while nothing has been committed is answered without
/// reading the scope ([`laa_store::scope`]).
pub(crate) struct ScopeStamp {
    version: ScopeVersion,
    seen: Mutex<Option<Snapshot>>,
}

impl ScopeStamp {
    /// The stamp of a view made of agreements at these versions.
    pub(crate) fn of(listed: &[laa_store::AgreementVersion]) -> Self {
        Self {
            version: ScopeVersion::of(listed),
            seen: Mutex::new(None),
        }
    }

    /// Whether `scope` still stands where the view was made: one statement.
    /// A snapshot the scope is seen at its version in is kept (any such
    /// snapshot will do: two requests keeping theirs at once need no order).
    pub(crate) async fn holds(
        &self,
        queries: &Queries,
        scope: &AgreementFilter,
    ) -> Result<bool, StoreError> {
        let since = self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match queries.scope_since(scope, since.as_ref()).await? {
            ScopeNow::Unchanged => Ok(true),
            ScopeNow::At(version, snapshot) if version == self.version => {
                *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = snapshot;
                Ok(true)
            }
            ScopeNow::At(..) => Ok(false),
        }
    }
}

/// A summary answered for one scope, with the scope's version it was made
/// at and the date its overdue refreshes were judged on: answered again as
/// it is while both hold.
pub(crate) struct KeptSummary {
    /// Where the scope stood when summarised.
    pub(crate) scope: ScopeStamp,
    /// The date the overdue refreshes were judged on.
    pub(crate) on: NaiveDate,
    /// The answer.
    pub(crate) answer: pb::NegotiationSummary,
}

/// The performance of a scope's targets, with the scope's version it was
/// made at: listed again as it is while that holds (a target's performance
/// is a question of its agreement's version alone, see
/// [`ReadModels::performance`]).
pub(crate) struct KeptPerformance {
    /// Where the scope stood when listed.
    pub(crate) scope: ScopeStamp,
    /// Each agreement's rows, in id order.
    pub(crate) rows: Vec<Arc<Vec<PerformanceRow>>>,
}

/// The read models an engine keeps.
#[derive(Default)]
pub(crate) struct ReadModels {
    /// The last summary answered for each scope (England, a region, an
    /// area: at most one an area and a region, and one for England).
    pub(crate) scope_summaries: Mutex<HashMap<AgreementFilter, Arc<KeptSummary>>>,
    /// Each agreement's part of the negotiation summary.
    pub(crate) summaries: KeptByVersion<SummaryDigest>,
    /// The targets' performance last listed for each scope (England, a
    /// region), each agreement's rows in id order.
    pub(crate) scope_performance: Mutex<HashMap<AgreementFilter, Arc<KeptPerformance>>>,
    /// Each agreement's targets' performance. A published indicator set
    /// never changes, and an agreement is bound to one, so the version
    /// alone says when the performance must be derived again.
    pub(crate) performance: KeptByVersion<Vec<PerformanceRow>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kent() -> AgreementId {
        AgreementId::new("kent-2008-11").expect("an agreement id")
    }

    #[test]
    fn a_value_is_answered_only_at_its_version() {
        let kept = KeptByVersion::default();
        kept.keep(&kent(), 3, "three");
        assert_eq!(kept.at(&kent(), 3).as_deref(), Some(&"three"));
        assert_eq!(kept.at(&kent(), 4), None);
        assert_eq!(kept.at(&kent(), 2), None);
    }

    #[test]
    fn a_later_version_is_never_replaced_by_an_earlier_one() {
        let kept = KeptByVersion::default();
        kept.keep(&kent(), 5, "five");
        kept.keep(&kent(), 4, "four");
        assert_eq!(kept.at(&kent(), 5).as_deref(), Some(&"five"));
        kept.keep(&kent(), 6, "six");
        assert_eq!(kept.at(&kent(), 6).as_deref(), Some(&"six"));
        assert_eq!(kept.at(&kent(), 5), None);
    }
}
