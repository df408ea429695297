//! An upper-tier area as an aggregate: created once by an administrator
//! (the 150 of 2008 are loaded on a new database, [`crate::areas`]), with a
//! name people read, its Government Office region and its kind; and its
//! population as reference data (recommendation 15 weights national
//! figures by it, [`crate::national`]), set by an administrator with the
//! date the estimate is for and its source.

use chrono::{DateTime, NaiveDate, Utc};
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
    /// Its population as last set, if it has been.
    pub population: Option<Population>,
}

/// The largest population an area may be given: twice England's (about
/// 51 million in 2007), so a slip of a digit or two is refused.
pub const MAX_POPULATION: u64 = 100_000_000;

/// The longest source of a population figure, in characters.
pub const MAX_SOURCE_CHARS: usize = 200;

/// An area's population: an estimate, the date it is for, and where it
/// comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Population {
    /// How many people live there (at least 1).
    pub count: u64,
    /// The date the estimate is for (a mid-year estimate: 30 June).
    pub as_of: NaiveDate,
    /// Where the figure comes from: 1 to [`MAX_SOURCE_CHARS`] characters.
    pub source: String,
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
    /// Sets the area's population (reference data; administrators only).
    /// Setting the figure it already has records nothing.
    SetPopulation {
        /// The estimate, the date it is for and its source.
        population: Population,
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
        /// The area's population was set.
        PopulationSet => "population_set" {
            /// The area's code (its stream's name), so the event reads alone.
            code: AreaCode,
            /// The figure, the date it is for and its source.
            population: Population,
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
        let (code, name, region, kind) = match command {
            AreaCommand::Create {
                code,
                name,
                region,
                kind,
            } => (code, name, region, kind),
            AreaCommand::SetPopulation { population } => {
                return self.set_population(population, actor, ctx);
            }
        };
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
        match &e.change {
            AreaChange::AreaCreated {
                code,
                name,
                region,
                area_kind,
            } => {
                self.created.get_or_insert_with(|| CreatedArea {
                    code: code.clone(),
                    name: name.clone(),
                    region: *region,
                    kind: area_kind.clone(),
                    created_at: e.at,
                });
            }
            AreaChange::PopulationSet { population, .. } => {
                self.population = Some(population.clone());
            }
        }
    }
}

impl Area {
    /// The rules of [`AreaCommand::SetPopulation`]: an area that exists, a
    /// population of 1 to [`MAX_POPULATION`], a source of 1 to [`MAX_SOURCE_CHARS`]
    /// characters; the same figure again records nothing.
    fn set_population(
        &self,
        mut population: Population,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<AreaChange>>, DomainError> {
        let Some(created) = &self.created else {
            return Err(DomainError::Invalid {
                field: "area",
                problem: "the area does not exist".into(),
            });
        };
        if population.count == 0 || population.count > MAX_POPULATION {
            return Err(DomainError::Invalid {
                field: "population",
                problem: format!("a population is 1 to {MAX_POPULATION}"),
            });
        }
        let source = population.source.trim();
        if source.is_empty()
            || source.chars().count() > MAX_SOURCE_CHARS
            || source.chars().any(char::is_control)
        {
            return Err(DomainError::Invalid {
                field: "source",
                problem: format!("a source of 1 to {MAX_SOURCE_CHARS} characters is required"),
            });
        }
        population.source = source.to_owned();
        if self.population.as_ref() == Some(&population) {
            return Ok(Vec::new());
        }
        Ok(vec![event(
            ctx,
            actor,
            AreaChange::PopulationSet {
                code: created.code.clone(),
                population,
            },
        )])
    }
}
