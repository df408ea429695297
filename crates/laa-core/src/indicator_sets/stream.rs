//! The National Indicator Set as an aggregate: every version, drafted,
//! consulted on and published, in one stream
//! ([`crate::stream::INDICATOR_SETS_STREAM`]).
//!
//! The versions are one aggregate because their rules span them: a draft
//! is later than every set, and is based on a published one. Two
//! administrators drafting at once therefore race for the same version of
//! one stream, and the second is decided again on the first's draft.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{DraftRequest, SetComment, SetEdit, comment_on_set, draft_set, publish_set};
use crate::actor::{Actor, Role};
use crate::authorise::authorise_administration;
use crate::catalogue::{Catalogue, Indicator, IndicatorSet};
use crate::decide::Context;
use crate::error::DomainError;
use crate::event::Event;
use crate::ids::SetVersion;
use crate::stream::{Aggregate, event};

/// The state: the catalogue of every set, and the comments on each draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorSets {
    /// Every set version with its own wording.
    pub catalogue: Catalogue,
    /// The comments recorded on each set, oldest first.
    pub comments: BTreeMap<SetVersion, Vec<SetComment>>,
}

impl IndicatorSets {
    /// The comments recorded on a set, oldest first.
    pub fn comments_on(&self, set: SetVersion) -> &[SetComment] {
        self.comments.get(&set).map_or(&[], Vec::as_slice)
    }
}

/// What may be asked of the National Indicator Set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetCommand {
    /// Loads a set as it stands (the embedded 2007 and 2008 sets on a new
    /// database, or a set that existed before sets had a history):
    /// administrators only, and only a version the catalogue lacks.
    Load {
        /// The set.
        set: IndicatorSet,
        /// Its wording of each indicator it lists.
        wording: Vec<Indicator>,
    },
    /// Drafts the next version ([`draft_set`]'s rules).
    Draft(DraftRequest),
    /// Comments on a draft under consultation ([`comment_on_set`]'s
    /// rules). A comment its author already made on the set, word for word,
    /// is recorded once.
    Comment {
        /// The set.
        set: SetVersion,
        /// What they say.
        text: String,
    },
    /// Publishes a draft whose consultation has passed ([`publish_set`]).
    Publish {
        /// The set.
        set: SetVersion,
    },
}

crate::stream::changes! {
    /// What the National Indicator Set's stream records.
    SetChange {
        /// A set was loaded as it stood.
        SetLoaded => "set_loaded" {
            /// The set, with its status and consultation.
            set: IndicatorSet,
            /// Its wording of each indicator it lists.
            wording: Vec<Indicator>,
        },
        /// A draft was made from a published set.
        SetDrafted => "set_drafted" {
            /// The draft, with its consultation window.
            set: IndicatorSet,
            /// Its wording of each indicator it lists.
            wording: Vec<Indicator>,
            /// The edits it was drafted with, as asked.
            edits: Vec<SetEdit>,
        },
        /// A comment was recorded on a draft.
        CommentRecorded => "comment_recorded" {
            /// The set.
            set: SetVersion,
            /// Who commented.
            author: String,
            /// In which role.
            role: Role,
            /// What they said.
            text: String,
        },
        /// A draft was published.
        SetPublished => "set_published" {
            /// The set.
            set: SetVersion,
        },
    }
}

impl Aggregate for IndicatorSets {
    type Command = SetCommand;
    type Change = SetChange;

    fn decide(
        &self,
        command: SetCommand,
        actor: &Actor,
        ctx: &Context<'_>,
    ) -> Result<Vec<Event<SetChange>>, DomainError> {
        let now = ctx.occurred();
        let change = match command {
            SetCommand::Load { set, wording } => {
                authorise_administration(actor)?;
                if self.catalogue.set(set.version).is_some() {
                    return Err(DomainError::IndicatorSetExists {
                        set: set.version,
                        published: false,
                    });
                }
                let mut check = Catalogue::default();
                check
                    .insert_set(set.clone(), wording.clone())
                    .map_err(|e| DomainError::InvalidIndicatorSet {
                        field: "wording",
                        problem: e.problem,
                    })?;
                SetChange::SetLoaded { set, wording }
            }
            SetCommand::Draft(request) => {
                let edits = request.edits.clone();
                let draft = draft_set(&self.catalogue, actor, request, now)?;
                SetChange::SetDrafted {
                    set: draft.set,
                    wording: draft.wording,
                    edits,
                }
            }
            SetCommand::Comment { set, text } => {
                let comment = comment_on_set(&self.catalogue, actor, set, text, now)?;
                let made = self
                    .comments_on(set)
                    .iter()
                    .any(|c| c.author == comment.author && c.text == comment.text);
                if made {
                    return Ok(Vec::new());
                }
                SetChange::CommentRecorded {
                    set,
                    author: comment.author,
                    role: comment.role,
                    text: comment.text,
                }
            }
            SetCommand::Publish { set } => {
                publish_set(&self.catalogue, actor, set, now)?;
                SetChange::SetPublished { set }
            }
        };
        Ok(vec![event(ctx, actor, change)])
    }

    fn apply(&mut self, e: &Event<SetChange>) {
        match &e.change {
            SetChange::SetLoaded { set, wording } | SetChange::SetDrafted { set, wording, .. } => {
                // A history whose sets clash was refused when it was
                // decided; replaying it leaves the first set standing.
                let _ = self.catalogue.insert_set(set.clone(), wording.clone());
            }
            SetChange::CommentRecorded {
                set,
                author,
                role,
                text,
            } => self.comments.entry(*set).or_default().push(SetComment {
                set: *set,
                author: author.clone(),
                role: *role,
                text: text.clone(),
                at: e.occurred(),
            }),
            SetChange::SetPublished { set } => {
                self.catalogue.mark_published(*set);
            }
        }
    }
}
