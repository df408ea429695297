//! What each resource looks like in a table, in CSV and in JSON.
//!
//! - this module: the enums and times every resource shows;
//! - [`agreements`]: agreements, their targets, a command's answer;
//! - [`catalogue`]: indicators, sets, departments, areas, rounds;
//! - [`history`]: events, exports, verification and the negotiation summary.

mod agreements;
mod catalogue;
mod history;

pub use agreements::*;
pub use catalogue::*;
pub use history::*;

use laa_proto::names::{region_code, short_name};
use laa_proto::v1 as pb;

fn enum_name<E>(value: i32, name: fn(&E) -> &'static str, prefix: &str) -> String
where
    E: TryFrom<i32>,
{
    E::try_from(value)
        .ok()
        .map(|e| short_name(name(&e), prefix))
        .unwrap_or_else(|| "unknown".into())
}

pub fn agreement_status(s: i32) -> String {
    enum_name(s, pb::AgreementStatus::as_str_name, "AGREEMENT_STATUS_")
}

fn target_status(s: i32) -> String {
    enum_name(s, pb::TargetStatus::as_str_name, "TARGET_STATUS_")
}

pub fn target_kind(s: i32) -> String {
    enum_name(s, pb::TargetKind::as_str_name, "TARGET_KIND_")
}

fn side(s: i32) -> String {
    enum_name(s, pb::Side::as_str_name, "SIDE_")
}

fn region(r: i32) -> String {
    pb::Region::try_from(r)
        .map(|r| region_code(r).to_owned())
        .unwrap_or_default()
}

fn role(s: i32) -> String {
    enum_name(s, pb::Role::as_str_name, "ROLE_").replace('_', "-")
}

fn time(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| {
        chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or_default())
    })
    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .unwrap_or_default()
}
