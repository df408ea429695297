//! Indicator sets as administered data (DOMAIN.md rule 10, recommendation 17).
//!
//! An administrator drafts the next version of the National Indicator Set
//! from a published one, adding, withdrawing and rewording indicators
//! ([`draft_set`]). The draft is public from the moment it exists and is
//! consulted on for at least [`CONSULTATION_MONTHS`] months: any
//! authenticated principal may comment while the window is open
//! ([`comment_on_set`]), and the administrator publishes it once the window
//! has passed ([`publish_set`]). Agreements bind to published sets only
//! (`decide` refuses a draft), and an agreement bound to an older set keeps
//! it, in its own wording.
//!
//! Like `decide`, these functions are pure: the catalogue as it stands, the
//! actor, the request and the time in; the new set, or the rule broken, out.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::authorise::authorise_administration;
use crate::catalogue::{
    Catalogue, Consultation, Indicator, IndicatorSet, IndicatorStatus, Relation, SetStatus,
};
use crate::error::DomainError;
use crate::ids::{IndicatorNumber, SetVersion};

/// The shortest consultation on a draft set, in months (rec. 17: "at least
/// three months before the new set is introduced").
pub const CONSULTATION_MONTHS: u32 = 3;
/// The longest consultation an administrator may set, in months.
pub const MAX_CONSULTATION_MONTHS: u32 = 24;
/// The most edits one draft may carry.
pub const MAX_EDITS: usize = 500;
/// The longest title or subject group, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// One change a draft makes to the set it is drafted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetEdit {
    /// A new indicator (its number unused in the base set); it is listed
    /// as introduced by the draft's version.
    Add(Indicator),
    /// An active indicator of the base set is withdrawn from the draft.
    Withdraw(IndicatorNumber),
    /// An active indicator of the base set is reworded: its title, subject
    /// group, owner and statutory flag (and whatever else describes it)
    /// come from the edit; its number and history from the base.
    Amend(Indicator),
    /// Two indicators active in the draft are declared to influence each
    /// other, or the note of a relation the base declares is reworded.
    Relate(Relation),
    /// A relation the base set declares is dropped.
    Unrelate(IndicatorNumber, IndicatorNumber),
}

impl SetEdit {
    /// What the edit is about: one indicator, or a pair (at most one edit
    /// each per draft).
    fn subject(&self) -> (IndicatorNumber, Option<IndicatorNumber>) {
        match self {
            SetEdit::Add(i) | SetEdit::Amend(i) => (i.number, None),
            SetEdit::Withdraw(n) => (*n, None),
            SetEdit::Relate(r) => ordered(r.first, r.second),
            SetEdit::Unrelate(a, b) => ordered(*a, *b),
        }
    }
}

/// A pair in order, lower first.
fn ordered(a: IndicatorNumber, b: IndicatorNumber) -> (IndicatorNumber, Option<IndicatorNumber>) {
    (a.min(b), Some(a.max(b)))
}

/// The longest note of a relation between indicators, in characters.
pub const MAX_RELATION_NOTE_CHARS: usize = 500;

/// What an administrator asks for when drafting a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftRequest {
    /// The new version: later than every set.
    pub version: SetVersion,
    /// The published set it starts from.
    pub based_on: SetVersion,
    /// The changes, at most one per indicator.
    pub edits: Vec<SetEdit>,
    /// The day the consultation closes; `None` for the shortest window.
    pub consultation_closes: Option<NaiveDate>,
}

/// A new draft set: the set and its own wording of every indicator it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The set, a draft with its consultation window.
    pub set: IndicatorSet,
    /// Its wording of each indicator it lists, by number.
    pub wording: Vec<Indicator>,
}

/// A comment recorded on a draft during its consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetComment {
    /// The set commented on.
    pub set: SetVersion,
    /// Who commented.
    pub author: String,
    /// Their role.
    pub role: Role,
    /// What they said.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> DomainError {
    DomainError::InvalidIndicatorSet {
        field,
        problem: problem.into(),
    }
}

/// Drafts a new set version (administrators only): the base set's
/// indicators in its wording, with the edits applied, under consultation
/// from `now`'s day until `consultation_closes` (at least
/// [`CONSULTATION_MONTHS`] months later).
pub fn draft_set(
    catalogue: &Catalogue,
    actor: &Actor,
    request: DraftRequest,
    now: DateTime<Utc>,
) -> Result<Draft, DomainError> {
    authorise_administration(actor)?;
    let DraftRequest {
        version,
        based_on,
        edits,
        consultation_closes,
    } = request;
    if catalogue.set(version).is_some() {
        return Err(DomainError::IndicatorSetExists {
            set: version,
            published: false,
        });
    }
    let base = catalogue
        .set(based_on)
        .ok_or(DomainError::IndicatorSetUnknown { set: based_on })?;
    if base.status != SetStatus::Published {
        return Err(DomainError::IndicatorSetNotPublished { set: based_on });
    }
    if let Some(newest) = catalogue.sets().map(|s| s.version).max()
        && version <= newest
    {
        return Err(invalid(
            "version",
            format!("a new set is later than every set: the newest is {newest}"),
        ));
    }
    let opens = now.date_naive();
    let shortest = opens
        .checked_add_months(Months::new(CONSULTATION_MONTHS))
        .ok_or_else(|| invalid("consultation_closes", "the window ends beyond the calendar"))?;
    let longest = opens
        .checked_add_months(Months::new(MAX_CONSULTATION_MONTHS))
        .ok_or_else(|| invalid("consultation_closes", "the window ends beyond the calendar"))?;
    let closes = consultation_closes.unwrap_or(shortest);
    if closes < shortest || closes > longest {
        return Err(invalid(
            "consultation_closes",
            format!(
                "a consultation runs {CONSULTATION_MONTHS} to {MAX_CONSULTATION_MONTHS} months: close it between {shortest} and {longest}"
            ),
        ));
    }
    if edits.len() > MAX_EDITS {
        return Err(invalid(
            "edits",
            format!("at most {MAX_EDITS} edits per draft"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut members = base.members.clone();
    let mut relations: BTreeMap<(IndicatorNumber, IndicatorNumber), String> = base
        .relations
        .iter()
        .map(|r| ((r.first, r.second), r.note.clone()))
        .collect();
    let mut relating = Vec::new();
    let mut wording: BTreeMap<IndicatorNumber, Indicator> = catalogue
        .wording_of(based_on)
        .map(|i| (i.number, i.clone()))
        .collect();
    for edit in edits {
        let subject = edit.subject();
        if !seen.insert(subject) {
            return Err(invalid(
                "edits",
                match subject {
                    (a, Some(b)) => format!("{a} and {b} are related twice: one edit per pair"),
                    (n, None) => format!("{n} is edited twice: one edit per indicator"),
                },
            ));
        }
        let number = subject.0;
        let listed = members.get(&number).copied();
        match edit {
            // Relations are checked once every indicator edit is applied,
            // so a draft may relate an indicator it adds.
            SetEdit::Relate(_) | SetEdit::Unrelate(..) => relating.push(edit),
            SetEdit::Add(new) => {
                if listed.is_some() {
                    return Err(invalid(
                        "edits.add",
                        format!("{number} is already in set {based_on}: amend it instead"),
                    ));
                }
                let mut new = checked_wording(new, true)?;
                new.added_in = version;
                new.withdrawn_in = None;
                new.laa_selections_2008 = None;
                members.insert(number, IndicatorStatus::Active);
                wording.insert(number, new);
            }
            SetEdit::Withdraw(_) => {
                active_in_base(listed, number, based_on, "edits.withdraw")?;
                members.insert(number, IndicatorStatus::Withdrawn);
                if let Some(w) = wording.get_mut(&number) {
                    w.withdrawn_in = Some(version);
                }
            }
            SetEdit::Amend(new) => {
                active_in_base(listed, number, based_on, "edits.amend")?;
                let mut new = checked_wording(new, false)?;
                if let Some(old) = wording.get(&number) {
                    new.added_in = old.added_in;
                    new.withdrawn_in = old.withdrawn_in;
                    new.laa_selections_2008 = old.laa_selections_2008;
                }
                wording.insert(number, new);
            }
        }
    }
    for edit in relating {
        match edit {
            SetEdit::Relate(Relation {
                first,
                second,
                note,
            }) => {
                let (first, second) = (first.min(second), first.max(second));
                if first == second {
                    return Err(invalid(
                        "edits.relate",
                        format!("{first} cannot be related to itself"),
                    ));
                }
                for n in [first, second] {
                    if members.get(&n) != Some(&IndicatorStatus::Active) {
                        return Err(invalid(
                            "edits.relate",
                            format!("{n} is not active in the draft"),
                        ));
                    }
                }
                let note = note.trim();
                if note.is_empty()
                    || note.chars().any(|c| c.is_control() || is_bidi_control(c))
                    || note.chars().count() > MAX_RELATION_NOTE_CHARS
                {
                    return Err(invalid(
                        "edits.relate.note",
                        format!(
                            "say how one influences the other in 1 to {MAX_RELATION_NOTE_CHARS} characters on one line"
                        ),
                    ));
                }
                relations.insert((first, second), note.to_owned());
            }
            SetEdit::Unrelate(a, b) => {
                if relations.remove(&(a.min(b), a.max(b))).is_none() {
                    return Err(invalid(
                        "edits.unrelate",
                        format!("set {based_on} declares no relation between {a} and {b}"),
                    ));
                }
            }
            SetEdit::Add(_) | SetEdit::Withdraw(_) | SetEdit::Amend(_) => {}
        }
    }
    // A withdrawn indicator influences nothing the draft asks of areas.
    relations.retain(|(a, b), _| {
        members.get(a) == Some(&IndicatorStatus::Active)
            && members.get(b) == Some(&IndicatorStatus::Active)
    });
    Ok(Draft {
        set: IndicatorSet {
            version,
            status: SetStatus::Draft,
            members,
            based_on: Some(based_on),
            consultation: Some(Consultation { opens, closes }),
            relations: relations
                .into_iter()
                .map(|((first, second), note)| Relation {
                    first,
                    second,
                    note,
                })
                .collect(),
        },
        wording: wording.into_values().collect(),
    })
}

fn active_in_base(
    listed: Option<IndicatorStatus>,
    number: IndicatorNumber,
    base: SetVersion,
    field: &'static str,
) -> Result<(), DomainError> {
    match listed {
        Some(IndicatorStatus::Active) => Ok(()),
        Some(IndicatorStatus::Withdrawn) => Err(invalid(
            field,
            format!("{number} is already withdrawn in set {base}"),
        )),
        None => Err(invalid(field, format!("{number} is not in set {base}"))),
    }
}

/// A title and subject group that people can read: trimmed, not blank, one
/// line, not too long; a DSO department from the reference list. The fields
/// are named as in the request (`edits.add.title`, `edits.amend.title`...).
fn checked_wording(mut indicator: Indicator, added: bool) -> Result<Indicator, DomainError> {
    let [title, subject_group, dso_department] = if added {
        [
            "edits.add.title",
            "edits.add.subject_group",
            "edits.add.dso_department",
        ]
    } else {
        [
            "edits.amend.title",
            "edits.amend.subject_group",
            "edits.amend.dso_department",
        ]
    };
    for (field, text) in [
        (title, &mut indicator.title),
        (subject_group, &mut indicator.subject_group),
    ] {
        let trimmed = text.trim();
        if trimmed.is_empty()
            || trimmed
                .chars()
                .any(|c| c.is_control() || is_bidi_control(c))
            || trimmed.chars().count() > MAX_TITLE_CHARS
        {
            return Err(invalid(
                field,
                format!(
                    "{}'s {} is 1 to {MAX_TITLE_CHARS} characters on one line, with no control or bidirectional formatting characters",
                    indicator.number,
                    field.rsplit('.').next().unwrap_or(field)
                ),
            ));
        }
        *text = trimmed.to_owned();
    }
    if let crate::catalogue::Owner::Dso(d) = &indicator.owner {
        let known = crate::departments::canonical(d.as_str()).ok_or_else(|| {
            invalid(
                dso_department,
                format!(
                    "{} is not a department of the reference list",
                    crate::quote(d.as_str())
                ),
            )
        })?;
        indicator.owner = crate::catalogue::Owner::Dso(known.code.clone());
    }
    Ok(indicator)
}

/// The bidirectional embeddings, overrides and isolates: a title holding
/// one reads otherwise than it is stored.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Publishes a draft (administrators only) once its consultation window
/// has passed: from then agreements may bind to it.
pub fn publish_set(
    catalogue: &Catalogue,
    actor: &Actor,
    version: SetVersion,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    authorise_administration(actor)?;
    let set = catalogue
        .set(version)
        .ok_or(DomainError::IndicatorSetUnknown { set: version })?;
    if set.status == SetStatus::Published {
        return Err(DomainError::IndicatorSetExists {
            set: version,
            published: true,
        });
    }
    if let Some(window) = set.consultation
        && now.date_naive() < window.closes
    {
        return Err(DomainError::ConsultationOpen {
            set: version,
            closes: window.closes,
        });
    }
    Ok(())
}

/// Records a comment on a draft under consultation: any authenticated
/// principal, while the window is open.
pub fn comment_on_set(
    catalogue: &Catalogue,
    actor: &Actor,
    version: SetVersion,
    text: String,
    now: DateTime<Utc>,
) -> Result<SetComment, DomainError> {
    let set = catalogue
        .set(version)
        .ok_or(DomainError::IndicatorSetUnknown { set: version })?;
    if set.status == SetStatus::Published {
        return Err(DomainError::ConsultationClosed {
            set: version,
            why: "it is published",
        });
    }
    match set.consultation {
        Some(window) if window.is_open_on(now.date_naive()) => {}
        Some(window) if now.date_naive() < window.opens => {
            return Err(DomainError::ConsultationClosed {
                set: version,
                why: "its window has not opened",
            });
        }
        _ => {
            return Err(DomainError::ConsultationClosed {
                set: version,
                why: "its window has passed",
            });
        }
    }
    let text = crate::decide::text::required_text("text", text).map_err(|e| match e {
        DomainError::InvalidTerms { field, problem } => {
            DomainError::InvalidIndicatorSet { field, problem }
        }
        other => other,
    })?;
    Ok(SetComment {
        set: version,
        author: actor.principal.clone(),
        role: actor.role,
        text,
        at: now,
    })
}

pub mod stream;
pub use stream::{IndicatorSets, SetChange, SetCommand};

#[cfg(test)]
mod tests;
