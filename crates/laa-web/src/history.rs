//! An agreement's public history: each event through the last one after
//! which its public state was its whole state (the agreement stood as
//! signed off, nothing under negotiation), with the hash chain. Actuals
//! recorded after a sign-off are in it; while a refresh is negotiated it
//! stops where the refresh opened, and the actuals recorded meanwhile
//! (which the page shows at once) join it when the refresh is signed off. The acting principal is given only as its
//! organisation (the Government Office, the area, Ministers): officers'
//! names are not published. The full export (`laa history export`, for
//! auditors) verifies against the same hashes.

use std::io::{self, Write};

use laa_core::{Role, Scope};
use laa_store::StoredEvent;

use crate::names::region_name;
use crate::table::{Cell, Table, TableWriter};

/// Who acted, as an organisation.
pub fn organisation(role: Role, scope: &Scope) -> String {
    match (role, scope) {
        (Role::SignOff, _) => "Ministers (CLG)".to_owned(),
        (Role::Auditor, _) => "Audit (CLG)".to_owned(),
        (Role::Admin, _) => "Administrator".to_owned(),
        (Role::Champion, _) => "Whitehall (negotiating champion)".to_owned(),
        (_, Scope::Region(r)) => format!("Government Office, {}", region_name(*r)),
        (_, Scope::Area(a)) => format!("Area: {a}"),
        (_, Scope::National) => "Government".to_owned(),
    }
}

/// The heading of the public history table of `agreement`.
pub fn heading(agreement: &str) -> Table {
    Table {
        name: format!("agreements/{agreement}/history"),
        description: "One row per event of the agreement's history through the last event after which it stood as signed off (actual values recorded after a sign-off included; a refresh under negotiation, and the actual values recorded while it is, join once it is signed off): when, what, which organisation, and the hash chain (each event's hash covers the previous one's).".into(),
        columns: vec![
            "agreement", "sequence", "occurred_at", "recorded_at", "kind", "organisation",
            "prev_hash", "hash",
        ],
    }
}

/// Writes the rows of `agreement`'s public history for `events` (a run of
/// them, already cut at the public sequence) into `out`.
pub fn write_rows<W: Write>(
    agreement: &str,
    events: &[StoredEvent],
    out: &mut TableWriter<W>,
) -> io::Result<()> {
    for e in events {
        out.row(&[
            Cell::from(agreement),
            Cell::Int(i64::try_from(e.sequence).unwrap_or(i64::MAX)),
            Cell::from(
                e.event
                    .occurred()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            Cell::from(
                e.recorded_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
            Cell::from(e.kind.as_str()),
            Cell::from(organisation(e.event.actor.role, &e.event.actor.scope)),
            Cell::from(e.prev_hash.as_str()),
            Cell::from(e.hash.as_str()),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use laa_core::{AreaCode, Region};

    #[test]
    fn organisations_name_no_person() {
        assert_eq!(
            organisation(Role::GoNegotiator, &Scope::Region(Region::SouthEast)),
            "Government Office, South East"
        );
        assert_eq!(
            organisation(
                Role::AreaNegotiator,
                &Scope::Area(AreaCode::new("kent").unwrap())
            ),
            "Area: kent"
        );
        assert_eq!(
            organisation(Role::SignOff, &Scope::National),
            "Ministers (CLG)"
        );
    }
}
