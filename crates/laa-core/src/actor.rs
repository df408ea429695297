//! Who acts: a principal with a role and a scope.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AreaCode, ParseError, Region};

/// What a principal is allowed to do (DOMAIN.md rule 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A Government Office negotiator, scoped to one region; carries Whitehall's demands.
    GoNegotiator,
    /// A council negotiator, scoped to one area; speaks for the area's partnership.
    AreaNegotiator,
    /// A Minister or CLG official who signs off, returns, revokes and closes.
    SignOff,
    /// A CLG auditor: reads everything, changes nothing.
    Auditor,
    /// An administrator: indicator sets, areas, credentials.
    Admin,
    /// A negotiating champion (recommendation 8): a senior Whitehall
    /// official assigned by an administrator to named areas' agreements,
    /// which they read, comment on and broker; they make and accept no
    /// offers. The credential's scope is national; the assignments, events
    /// of each agreement, say which agreements it covers.
    Champion,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::GoNegotiator,
        Role::AreaNegotiator,
        Role::SignOff,
        Role::Auditor,
        Role::Admin,
        Role::Champion,
    ];

    /// The role's wire name, such as `go-negotiator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::GoNegotiator => "go-negotiator",
            Role::AreaNegotiator => "area-negotiator",
            Role::SignOff => "sign-off",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Champion => "champion",
        }
    }

    /// The negotiating side this role speaks for, if any.
    pub fn side(self) -> Option<Side> {
        match self {
            Role::GoNegotiator => Some(Side::Government),
            Role::AreaNegotiator => Some(Side::Area),
            Role::SignOff | Role::Auditor | Role::Admin | Role::Champion => None,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Role::ALL.into_iter().find(|r| r.as_str() == wanted).ok_or_else(|| {
            ParseError::new(
                "role",
                format!("{} is not a role: use go-negotiator, area-negotiator, sign-off, auditor, admin or champion", crate::ids::quote(s)),
            )
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest principal a champion's credential and assignments name.
pub const MAX_CHAMPION_PRINCIPAL_CHARS: usize = 100;

/// A negotiating champion's principal, as their credential's label and the
/// assignments name it: `organisation:person` (`clg:jsmith`), of ASCII
/// letters, digits and `.`, `_`, `-`, `@`, trimmed, at most
/// [`MAX_CHAMPION_PRINCIPAL_CHARS`] characters. It is matched exactly,
/// so it holds nothing that reads differently in another place (spaces,
/// slashes, look-alike letters).
pub fn champion_principal(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    };
    match trimmed.split_once(':') {
        Some((organisation, person))
            if part(organisation)
                && part(person)
                && trimmed.len() <= MAX_CHAMPION_PRINCIPAL_CHARS =>
        {
            Ok(trimmed.to_owned())
        }
        _ => Err(format!(
            "a champion's principal is organisation:person, such as clg:jsmith (letters, digits, '.', '_', '-', '@'; at most {MAX_CHAMPION_PRINCIPAL_CHARS} characters), not {}",
            crate::ids::quote(trimmed)
        )),
    }
}

/// Where a principal's role applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everywhere (sign-off, auditors, administrators).
    National,
    /// The areas of one Government Office region.
    Region(Region),
    /// One area.
    Area(AreaCode),
}

impl Scope {
    /// True when the scope covers an area in a region.
    pub fn covers(&self, area: &AreaCode, region: Region) -> bool {
        match self {
            Scope::National => true,
            Scope::Region(r) => *r == region,
            Scope::Area(a) => a == area,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Region(r) => write!(f, "region {r}"),
            Scope::Area(a) => write!(f, "area {a}"),
        }
    }
}

/// The two parties to a negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The Government Office, for Whitehall.
    Government,
    /// The area's council and partnership.
    Area,
}

impl Side {
    /// The other party.
    pub fn other(self) -> Side {
        match self {
            Side::Government => Side::Area,
            Side::Area => Side::Government,
        }
    }

    /// The side's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Government => "government",
            Side::Area => "area",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A principal acting in a role and scope, as resolved from its credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// Who: a stable principal name, such as `gose:jsmith`.
    pub principal: String,
    /// In which role.
    pub role: Role,
    /// Where the role applies.
    pub scope: Scope,
}

impl Actor {
    /// An actor.
    pub fn new(principal: impl Into<String>, role: Role, scope: Scope) -> Self {
        Self {
            principal: principal.into(),
            role,
            scope,
        }
    }
}
