//! The pure domain of the LAA negotiation engine.
//!
//! Local Area Agreements are the three-year deals in which England's 150
//! upper-tier areas and the regional Government Offices agree up to 35
//! improvement targets from the National Indicator Set, on top of the
//! statutory education targets, and refresh them every year. This crate
//! holds every rule of that negotiation, once, as pure functions:
//!
//! - [`decide`]: a [`Command`] from an [`Actor`], against an [`Agreement`]'s
//!   state, gives the [`Event`]s to record or the [`DomainError`] it breaks;
//! - [`apply`]: folds an event into the state; replaying every event of an
//!   agreement rebuilds it exactly.
//!
//! Architecture invariant: this crate does no I/O, reads no clock (time
//! arrives in the [`Context`]), and knows nothing of storage or transport.
//!
//! # Layout
//! - [`ids`]: identifiers and small values that can only exist valid.
//! - [`catalogue`]: the National Indicator Set, embedded from CSV, versioned.
//! - [`indicator_sets`]: drafting, consulting on and publishing a new set version.
//! - [`areas`]: the 150 upper-tier areas of 2008, embedded from CSV.
//! - [`departments`]: the Whitehall departments and agencies of 2008, embedded from CSV.
//! - [`policy`]: a round's rules as data; the 2008-11 preset.
//! - [`terms`]: baselines, trajectories, placeholders, units.
//! - [`decimal`]: doubles from the wire to exact decimals and back, and
//!   the one written form of a decimal.
//! - [`polarity`]: whether higher or lower is better, per indicator.
//! - [`money`]: amounts in pounds, exact to the penny.
//! - [`actor`]: roles, scopes and sides.
//! - [`agreement`]: the state, and both lifecycle tables.
//! - [`command`], [`event`]: what comes in, what is recorded.
//! - [`authorise`]: who may do what (rule 10), deny by default.
//! - [`decide`](mod@decide), [`apply`](mod@apply): the two functions.
//! - [`error`]: every broken rule and its stable reason code.
//! - [`reason`]: the API's reason vocabulary, once.
//! - [`request_id`]: the idempotency key a client sends with each command.
//! - [`performance`]: statuses against trajectories, and the reward grant.
//! - [`national`]: national targets built bottom-up from the local ones (recommendation 15).
//! - [`publication`]: what of an agreement is public, for the citizens' pages.
//! - [`summary`]: the negotiation analytics CLG asks for, from the history.
//! - [`waiting`]: what in an agreement waits on whom (the inbox, and
//!   `ListAgreements` with `waiting_on_me`).
//! - [`stream`]: every aggregate's stream of events and the shape each
//!   aggregate has (state, commands, changes, `decide`, `apply`): the
//!   agreement, the National Indicator Set ([`indicator_sets::stream`]), a
//!   [`round`] and an [`area`].

pub mod actor;
pub mod agreement;
pub mod apply;
pub mod area;
pub mod areas;
pub mod authorise;
pub mod catalogue;
pub mod command;
pub mod decide;
pub mod decimal;
pub mod departments;
pub mod error;
pub mod event;
pub mod ids;
pub mod indicator_sets;
pub mod lifecycle;
pub mod money;
pub mod national;
pub mod partners;
pub mod performance;
pub mod polarity;
pub mod policy;
pub mod publication;
pub mod reason;
mod reference_csv;
pub mod request_id;
pub mod round;
pub mod stream;
pub mod summary;
pub mod terms;
pub mod waiting;

pub use actor::{Actor, Role, Scope, Side};
pub use agreement::{
    Agreement, AgreementStatus, CommandKind, IndicatorRef, Offer, Target, TargetKind, TargetStatus,
};
pub use apply::{apply, replay};
pub use catalogue::{Catalogue, Indicator, IndicatorSet, IndicatorStatus, SetStatus};
pub use command::{Command, TargetRow};
pub use decide::{Context, decide};
pub use error::{DomainError, ErrorClass};
pub use event::{Change, Event};
pub use ids::{
    AgreementId, AreaCode, Department, FinancialYear, IndicatorNumber, LocalIndicatorCode,
    ParseError, RefreshId, Region, RoundName, SetVersion, TargetId, quote,
};
pub use money::Money;
pub use polarity::Polarity;
pub use policy::{Period, RefreshRound, RewardBearing, RewardPolicy, RoundPolicy};
pub use reason::Reason;
pub use request_id::RequestId;
pub use stream::{Aggregate, Recorded, StreamId};
pub use terms::{Baseline, PlaceholderReason, TargetValues, Terms, Unit, YearValue};
