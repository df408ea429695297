//! An upper-tier area as an aggregate: created once by an administrator
//! (the 150 of 2008 are loaded on a new database, [`crate::areas`]), with a
//! name people read, its Government Office region and its kind.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::actor::Actor;
use crate::areas::AREA_KINDS;
use crate::authorise::authorise_administration;
use crate::decide::Context;
use crate::error::DomainError;
use crate::event::Event;
use crate::ids::{AreaCode, Region};
use crate::stream::{Aggregate, event};

/// The longest name of an area, in characters.
pub const MAX_AREA_NAME_CHARS: usize = 200;

/// The state: the area as created, if it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Area {
    /// The area, once created.
    pub created: Option<CreatedArea>,
}

/// An area as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedArea {
    /// Its code, such as `kent`.
    pub code: AreaCode,
    /// Its name, such as `Kent`.
    pub name: String,
    /// Its Government Office region.
    pub region: Region,
    /// One of [`AREA_KINDS`].
    pub kind: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// What may be asked of an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaCommand {
    /// Creates the area. Creating an area that exists just so records
    /// nothing and succeeds (a retry is safe); another area under its code
    /// is refused.
    Create {
        /// Its code; names the stream.
        code: AreaCode,
        /// Its name: 1 to [`MAX_AREA_NAME_CHARS`] characters, trimmed.
        name: String,
        /// Its region.
        region: Region,
        /// One of [`AREA_KINDS`].
        kind: String,
    },
}

crate::stream::changes! {
    /// What an area's stream records.
    AreaChange {
        /// The area was created.
        AreaCreated => "area_created" {
            /// Its code.
            code: AreaCode,
            /// Its name.
            name: String,
            /// Its region.
            region: Region,
            /// Its kind of authority (the JSON's `kind` names the change).
            area_kind: String,
        },
    }
}

impl Aggregate for Area {
    type Command = AreaCommand;
    type Change = AreaChange;

    fn decide(
        &self,
        command: AreaCommand,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<AreaChange>>, DomainError> {
        authorise_administration(actor)?;
        let AreaCommand::Create {
            code,
            name,
            region,
            kind,
        } = command;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_AREA_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(DomainError::Invalid {
                field: "area.display_name",
                problem: format!("a name of 1 to {MAX_AREA_NAME_CHARS} characters is required"),
            });
        }
        let kind = kind.trim();
        if !AREA_KINDS.contains(&kind) {
            return Err(DomainError::Invalid {
                field: "area.kind",
                problem: format!(
                    "{} is not one of {}",
                    crate::quote(kind),
                    AREA_KINDS.join(", ")
                ),
            });
        }
        if let Some(existing) = &self.created {
            let same = existing.name == name && existing.region == region && existing.kind == kind;
            return if same {
                Ok(Vec::new())
            } else {
                Err(DomainError::Exists {
                    what: "area",
                    key: code.to_string(),
                })
            };
        }
        Ok(vec![event(
            ctx,
            actor,
            AreaChange::AreaCreated {
                code,
                name: name.to_owned(),
                region,
                area_kind: kind.to_owned(),
            },
        )])
    }

    fn apply(&mut self, e: &Event<AreaChange>) {
        let AreaChange::AreaCreated {
            code,
            name,
            region,
            area_kind,
        } = &e.change;
        self.created.get_or_insert_with(|| CreatedArea {
            code: code.clone(),
            name: name.clone(),
            region: *region,
            kind: area_kind.clone(),
            created_at: e.at,
        });
    }
}
