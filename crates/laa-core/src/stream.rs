//! Streams: every aggregate's history in the one event log.
//!
//! An aggregate is whatever a rule must see whole to decide: an agreement;
//! the National Indicator Set, whose versions are drafted, consulted on and
//! published in one order (a new version is later than every other, so the
//! versions are one aggregate, not one each); a round; an area. Each has a
//! stream of events, and each is written the same way: [`Aggregate::decide`]
//! a command against its state into events, which the store appends to the
//! stream under the version the decision saw, and [`Aggregate::apply`]
//! folds them into the state. Every stream is hash-chained, idempotent by
//! request id and verified alike.
//!
//! A stream is named by a [`StreamId`]. An agreement's stream keeps the
//! agreement's bare id (`kent-2008-11`), the name its events have always
//! been hashed under; `agreements/kent-2008-11` is read as the same stream.
//! The others are `indicator-sets/national`, `rounds/{round}` and
//! `areas/{code}`.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::actor::Actor;
use crate::agreement::Agreement;
use crate::command::Command;
use crate::decide::Context;
use crate::error::DomainError;
use crate::event::{Change, Event};
use crate::ids::{AgreementId, AreaCode, ParseError, RoundName};

/// The name of one stream of the event log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamId {
    /// An agreement's negotiation and delivery.
    Agreement(AgreementId),
    /// The National Indicator Set: every version, its drafting,
    /// consultation and publication.
    IndicatorSets,
    /// A negotiating round's policy.
    Round(RoundName),
    /// An upper-tier area.
    Area(AreaCode),
}

/// The stream holding every version of the National Indicator Set. Every
/// stream but an agreement's has a `/` in its name, which no agreement id
/// can hold, so no name can be two streams'.
pub const INDICATOR_SETS_STREAM: &str = "indicator-sets/national";

impl StreamId {
    /// The name its events are hashed and stored under.
    pub fn as_stored(&self) -> String {
        match self {
            StreamId::Agreement(id) => id.as_str().to_owned(),
            StreamId::IndicatorSets => INDICATOR_SETS_STREAM.to_owned(),
            StreamId::Round(name) => format!("rounds/{}", name.as_str()),
            StreamId::Area(code) => format!("areas/{}", code.as_str()),
        }
    }

    /// Reads a stream's name: as stored, or an agreement's as
    /// `agreements/{id}`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        if text == INDICATOR_SETS_STREAM {
            return Ok(StreamId::IndicatorSets);
        }
        match text.split_once('/') {
            Some(("agreements", id)) => AgreementId::new(id).map(StreamId::Agreement),
            Some(("rounds", name)) => RoundName::new(name).map(StreamId::Round),
            Some(("areas", code)) => AreaCode::new(code).map(StreamId::Area),
            Some(_) => Err(ParseError::new(
                "stream",
                format!(
                    "{} is not a stream: name an agreement, {INDICATOR_SETS_STREAM}, rounds/{{round}} or areas/{{code}}",
                    crate::quote(text)
                ),
            )),
            None => AgreementId::new(text).map(StreamId::Agreement),
        }
    }

    /// The agreement it is the stream of, if it is one's.
    pub fn agreement(&self) -> Option<&AgreementId> {
        match self {
            StreamId::Agreement(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_stored())
    }
}

impl From<AgreementId> for StreamId {
    fn from(id: AgreementId) -> Self {
        StreamId::Agreement(id)
    }
}

/// A kind of change an aggregate records: stored as JSON tagged with its
/// `kind`, which the event log also keeps in a column of its own.
pub trait Recorded:
    Serialize + DeserializeOwned + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// The change's kind, as its JSON's `kind` tag spells it.
    fn kind(&self) -> &'static str;
}

/// Declares an aggregate's kinds of change with each one's kind beside it:
/// the enum (tagged by `kind` in JSON, each variant renamed to its kind),
/// its `kind()`, and [`Recorded`]. A change's kind is written once.
macro_rules! changes {
    (
        $(#[$enum_doc:meta])*
        $name:ident {
            $(
                $(#[$doc:meta])*
                $change:ident => $kind:literal $({ $($fields:tt)* })?,
            )*
        }
    ) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind")]
        pub enum $name {
            $(
                $(#[$doc])*
                #[serde(rename = $kind)]
                $change $({ $($fields)* })?,
            )*
        }

        impl $name {
            /// The change's stable kind name, as stored and shown in histories.
            pub fn kind(&self) -> &'static str {
                match self {
                    $($name::$change { .. } => $kind,)*
                }
            }
        }

        impl $crate::stream::Recorded for $name {
            fn kind(&self) -> &'static str {
                $name::kind(self)
            }
        }
    };
}
pub(crate) use changes;

/// One aggregate: its state, what may be asked of it and what it records
/// (the decider pattern). Both functions are pure; a refused command
/// produces no events, and a command that asks for what is already so may
/// produce none either (the store then writes nothing).
pub trait Aggregate: Clone + fmt::Debug + Send + Sync + 'static {
    /// What may be asked of it.
    type Command;
    /// What it records.
    type Change: Recorded;

    /// The events a command records, or the rule it breaks: who may issue
    /// it first, then its own rules.
    fn decide(
        &self,
        command: Self::Command,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<Self::Change>>, DomainError>;

    /// Folds one event into the state.
    fn apply(&mut self, event: &Event<Self::Change>);
}

impl Aggregate for Agreement {
    type Command = Command;
    type Change = Change;

    fn decide(
        &self,
        command: Command,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event>, DomainError> {
        crate::decide::decide(self, command, actor, ctx)
    }

    fn apply(&mut self, event: &Event) {
        crate::apply::apply(self, event);
    }
}

/// An event of the stream of `A`, built at `ctx`'s time by `actor`.
pub(crate) fn event<C>(ctx: &Context<'_>, actor: &Actor, change: C) -> Event<C> {
    Event {
        at: ctx.now,
        occurred_at: ctx.occurred_at,
        actor: actor.clone(),
        change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_reads_back_from_its_stored_name() {
        for text in [
            "kent-2008-11",
            INDICATOR_SETS_STREAM,
            "rounds/2011-14",
            "areas/kent",
        ] {
            let id = StreamId::parse(text).unwrap();
            assert_eq!(id.as_stored(), text);
            assert_eq!(StreamId::parse(&id.as_stored()).unwrap(), id);
        }
        assert_eq!(
            StreamId::parse("agreements/kent-2008-11").unwrap(),
            StreamId::parse("kent-2008-11").unwrap()
        );
        for bad in [
            "",
            "rounds/",
            "areas/Kent",
            "nowhere/x",
            "indicator-sets/2011",
            "a/b/c",
        ] {
            assert!(StreamId::parse(bad).is_err(), "{bad}");
        }
    }
}
