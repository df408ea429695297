//! Who may do what (DOMAIN.md rule 10): the permission table for commands,
//! and the rules for reading an agreement, listing agreements and
//! administering reference data. Deny by default; [`crate::decide`] applies
//! [`role_may`] first, and the server asks these functions before it reads.

use crate::actor::{Actor, Role, Scope};
use crate::agreement::{Agreement, CommandKind};
use crate::error::DomainError;
use crate::ids::{AreaCode, Region};

/// Which roles may issue each command (rule 10), declared beside each
/// command in `command.rs`. Everything not listed is denied.
pub use crate::command::PERMISSIONS;

/// True when `role` may issue `command` somewhere.
pub fn role_may(role: Role, command: CommandKind) -> bool {
    command.permitted().contains(&role)
}

/// True when an opened agreement lies within the actor's reach: its scope
/// covers the agreement's area and, for a negotiating champion, the
/// champion is assigned to it now (the assignment is the agreement's, so
/// no credential need change when it does).
pub fn reaches(actor: &Actor, agreement: &Agreement) -> bool {
    let Some(opening) = &agreement.opening else {
        return false;
    };
    actor.scope.covers(&opening.area, opening.region)
        && (actor.role != Role::Champion || agreement.is_champion(&actor.principal))
}

/// Rule 10 for reading an opened agreement and its history:
/// [`authorise_read`] by its area, and for a champion an assignment to it.
pub fn authorise_read_agreement(actor: &Actor, agreement: &Agreement) -> Result<(), DomainError> {
    match &agreement.opening {
        None => Ok(()),
        Some(_) if actor.role == Role::Champion => match reaches(actor, agreement) {
            true => Ok(()),
            false => Err(DomainError::OutOfScope {
                scope: actor.scope.clone(),
            }),
        },
        Some(opening) => authorise_read(actor, &opening.area, opening.region),
    }
}

/// Rule 10 for reading an agreement and its history, known by its area:
/// auditors and sign-off read everything; negotiators read what lies in
/// their scope; administrators manage reference data and credentials, not
/// agreements; a champion reads only the agreements assigned to them,
/// which an area alone does not tell ([`authorise_read_agreement`]).
pub fn authorise_read(actor: &Actor, area: &AreaCode, region: Region) -> Result<(), DomainError> {
    match actor.role {
        Role::Auditor | Role::SignOff => Ok(()),
        Role::GoNegotiator | Role::AreaNegotiator if actor.scope.covers(area, region) => Ok(()),
        Role::GoNegotiator | Role::AreaNegotiator | Role::Champion => {
            Err(DomainError::OutOfScope {
                scope: actor.scope.clone(),
            })
        }
        Role::Admin => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
    }
}

/// Rule 10 for a tournament table (recommendation 14): a league table is
/// published, so every role that reads agreements reads every area's place
/// in it; administrators read no agreements.
pub fn authorise_tournament(actor: &Actor) -> Result<(), DomainError> {
    match actor.role {
        Role::Admin => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
        _ => Ok(()),
    }
}

/// What a listing of agreements may show a reader (rule 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Every agreement (auditors, sign-off, a national scope).
    All,
    /// The agreements of one region (a GO negotiator's).
    Region(Region),
    /// The agreements of one area (an area negotiator's).
    Area(AreaCode),
    /// The agreements a negotiating champion is assigned to now, by
    /// principal: within the region or area asked for, if one is.
    Assigned(String),
}

/// Rule 10 for a listing: what a reader may see, given the region or area
/// the listing asks for. Asking for more than the scope holds is
/// `OUT_OF_SCOPE`; administrators read no agreements.
pub fn authorise_listing(
    actor: &Actor,
    region: Option<Region>,
    area: Option<&AreaCode>,
) -> Result<Visible, DomainError> {
    let out_of_scope = || DomainError::OutOfScope {
        scope: actor.scope.clone(),
    };
    match (actor.role, &actor.scope) {
        (Role::Admin, _) => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
        (Role::Champion, _) => Ok(Visible::Assigned(actor.principal.clone())),
        (Role::Auditor | Role::SignOff, _) | (_, Scope::National) => Ok(Visible::All),
        (_, Scope::Region(own)) if region.is_some_and(|r| r != *own) => Err(out_of_scope()),
        (_, Scope::Region(own)) => Ok(Visible::Region(*own)),
        (_, Scope::Area(own)) if area.is_some_and(|a| a != own) => Err(out_of_scope()),
        (_, Scope::Area(own)) => Ok(Visible::Area(own.clone())),
    }
}

/// Rule 10 for an agreement that could not be loaded (it was never opened,
/// or its history cannot be read), known only by its id: `command` is the
/// command asked for (`None` for a read), `named` the area and region the
/// id names by the `{area}-{round}` convention (`None` when it names no
/// known area).
///
/// The answer is the one an opened agreement of that area would give, in
/// the same order (role, then scope): a principal outside an agreement's
/// scope cannot tell whether it exists, is of another round, or names an
/// area that does not exist (an unknown area lies outside every regional
/// or area scope). `Ok` means the caller may be told the agreement is not
/// found.
pub fn authorise_unopened(
    actor: &Actor,
    command: Option<CommandKind>,
    named: Option<(&AreaCode, Region)>,
) -> Result<(), DomainError> {
    if let Some(kind) = command
        && !role_may(actor.role, kind)
    {
        return Err(DomainError::RoleNotPermitted {
            role: actor.role,
            command: kind,
        });
    }
    let out_of_scope = || DomainError::OutOfScope {
        scope: actor.scope.clone(),
    };
    // A champion's reach is an assignment, which only an opened agreement
    // holds: one that is not there lies outside it, as an unassigned one does.
    if actor.role == Role::Champion {
        return Err(out_of_scope());
    }
    match (command, named) {
        (None, Some((area, region))) => authorise_read(actor, area, region),
        (None, None) if actor.role == Role::Admin => Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: true,
        }),
        (Some(_), Some((area, region))) if !actor.scope.covers(area, region) => Err(out_of_scope()),
        (_, None) if actor.scope != crate::actor::Scope::National => Err(out_of_scope()),
        _ => Ok(()),
    }
}

/// Rule 10 for administration (areas, indicator sets, credentials): administrators only.
pub fn authorise_administration(actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::AdministratorsOnly {
            role: actor.role,
            reads: false,
        })
    }
}

/// Rule 10 for a proposed national target (recommendation 15): the
/// sign-off role (Ministers / CLG) records it for the department; a
/// national target lies outside every Government Office's region.
pub fn authorise_national_target(actor: &Actor) -> Result<(), DomainError> {
    if actor.role == Role::SignOff {
        Ok(())
    } else {
        Err(DomainError::NationalTargetsBySignOff { role: actor.role })
    }
}
