//! Between the round's two phases: what one area's negotiation needs to be
//! taken up again for its delivery, with the same generator and timeline.

use chrono::{DateTime, Utc};
use laa_core::Catalogue;
use tonic::transport::Channel;

use super::super::calendar::RoundCalendar;
use super::super::selections::Rng;
use super::{Credentials, Negotiation, connect};

/// The credentials one area's negotiation uses.
#[derive(Debug, Clone)]
pub(super) struct Principals {
    go: String,
    area: String,
    minister: String,
}

impl Principals {
    pub(super) fn of(credentials: &Credentials, area: &laa_core::areas::AreaEntry) -> Self {
        Self {
            go: credentials
                .go
                .get(&area.region)
                .cloned()
                .unwrap_or_default(),
            area: credentials
                .area
                .get(area.code.as_str())
                .cloned()
                .unwrap_or_default(),
            minister: credentials.sign_off.clone(),
        }
    }
}

/// Where one area's negotiation stands between the round's phases: enough
/// to take it up again with the same generator and timeline.
pub(super) struct Resume {
    pub(super) code: String,
    pub(super) calendar: RoundCalendar,
    pub(super) principals: Principals,
    pub(super) rng: Rng,
    pub(super) clock: DateTime<Utc>,
    pub(super) version: i64,
}

impl Resume {
    /// A negotiation taken up from here, its three principals calling over
    /// the round's `channel`.
    pub(super) fn negotiation<'a>(
        &self,
        channel: &Channel,
        catalogue: &'a Catalogue,
        dated: bool,
    ) -> Result<Negotiation<'a>, String> {
        Ok(Negotiation {
            go: connect(channel, &self.principals.go)?,
            area: connect(channel, &self.principals.area)?,
            minister: connect(channel, &self.principals.minister)?,
            name: self.calendar.agreement(&self.code),
            version: self.version,
            rng: self.rng.clone(),
            catalogue,
            commands: 0,
            dated,
            calendar: self.calendar,
            clock: std::cell::Cell::new(self.clock),
        })
    }
}

impl Negotiation<'_> {
    /// Where this negotiation stands now, to take it up again later.
    pub(super) fn resume(&self, from: Resume) -> Resume {
        Resume {
            rng: self.rng.clone(),
            clock: self.clock.get(),
            version: self.version,
            ..from
        }
    }
}
