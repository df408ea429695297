//! What waits on whom: the things in an agreement that only one party can
//! move forward, once, for every reader (the workspace's inbox, its email
//! notifications, `ListAgreements` with `waiting_on_me`).
//!
//! - Negotiators (a GO's region, a council's own area), while the
//!   agreement is negotiated (draft or a refresh under way): offers awaiting
//!   their side's answer; statutory targets with neither terms agreed nor
//!   an offer open (on both sides: either may offer them); an agreement
//!   with nothing open and every statutory target agreed waits on the area
//!   to endorse it, then on the GO to submit it; requests for advice
//!   awaiting the department's answer wait on the GO.
//! - Negotiators of either side, once signed off (placeholder, agreed,
//!   refreshed): a refresh of the round's calendar overdue.
//! - Ministers' sign-off: agreements submitted; after sign-off,
//!   re-baselinings both sides accepted that await their approval.
//! - Auditors: a history found broken (a fact of the store, given in
//!   [`Circumstances`]).
//! - Administrators: nothing in an agreement.
//!
//! Only agreements in the person's scope concern them: the rule answers
//! nothing for one outside it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::actor::{Actor, Role, Side};
use crate::agreement::{Agreement, AgreementStatus, IndicatorRef, TargetKind};
use crate::ids::{Department, IndicatorNumber, RefreshId, TargetId};

/// What the rule needs beyond the agreement, from outside the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Circumstances {
    /// Today, by the server's clock: whether a refresh is overdue.
    pub today: NaiveDate,
    /// The first event at which the agreement's stored history fails its
    /// check, if it does.
    pub history_broken_from: Option<u64>,
}

/// One thing in an agreement waiting on a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// The other side's offer on a target awaits this side's answer.
    AnswerOffer {
        /// The target.
        target: TargetId,
        /// What it measures.
        indicator: IndicatorRef,
        /// When the offer was made: each new offer waits anew.
        made_at: DateTime<Utc>,
    },
    /// A statutory target has no terms agreed and no offer open.
    OfferStatutoryTerms {
        /// The target.
        target: TargetId,
        /// What it measures.
        indicator: IndicatorRef,
    },
    /// Nothing is open and every statutory target is agreed: the area
    /// endorses the terms.
    Endorse,
    /// The area has endorsed the terms: the GO submits them to Ministers.
    Submit,
    /// The area asked a department for advice; the GO records its answer.
    RecordAdvice {
        /// The request's number.
        request: u32,
        /// The department asked.
        department: Department,
        /// The indicator it is about.
        indicator: IndicatorNumber,
    },
    /// A refresh of the round's calendar is past its deadline and not opened.
    OpenOverdueRefresh {
        /// The refresh.
        refresh: RefreshId,
    },
    /// The agreement is submitted: Ministers sign it off or return it.
    SignOffOrReturn,
    /// Both sides accepted a re-baselining that awaits Ministers' approval.
    ApproveRebaseline {
        /// The target.
        target: TargetId,
    },
    /// The stored history fails its check from this event on.
    HistoryBroken {
        /// The first event that fails.
        from: u64,
    },
}

/// Everything in `agreement` waiting on `actor`, in the order a person
/// works through it (each target in order, then the agreement as a whole,
/// then advice).
pub fn waiting_on(
    agreement: &Agreement,
    actor: &Actor,
    circumstances: &Circumstances,
) -> Vec<Waiting> {
    if !may_wait_on(actor.role) || !crate::authorise::reaches(actor, agreement) {
        return Vec::new();
    }
    match actor.role {
        Role::GoNegotiator => negotiator(agreement, Side::Government, circumstances),
        Role::AreaNegotiator => negotiator(agreement, Side::Area, circumstances),
        Role::SignOff => sign_off(agreement),
        Role::Auditor => circumstances
            .history_broken_from
            .map(|from| Waiting::HistoryBroken { from })
            .into_iter()
            .collect(),
        Role::Champion => unanswered_advice(agreement),
        Role::Admin => Vec::new(),
    }
}

/// True when anything in an agreement can wait on `role`: an
/// administrator's work (indicator sets, areas, credentials) is never in
/// one, so a reader need not look.
pub fn may_wait_on(role: Role) -> bool {
    role != Role::Admin
}

/// True when anything in `agreement` waits on `actor` ([`waiting_on`]).
pub fn is_waiting_on(agreement: &Agreement, actor: &Actor, circumstances: &Circumstances) -> bool {
    !waiting_on(agreement, actor, circumstances).is_empty()
}

/// True once signed off and not under negotiation again: when an overdue
/// refresh waits to be opened, and a re-baselining to be approved.
fn signed_off(status: AgreementStatus) -> bool {
    matches!(
        status,
        AgreementStatus::Agreed | AgreementStatus::Placeholder | AgreementStatus::Refreshed
    )
}

fn negotiator(agreement: &Agreement, side: Side, circumstances: &Circumstances) -> Vec<Waiting> {
    let mut items = Vec::new();
    if signed_off(agreement.status) {
        // A refresh is held on a signed-off agreement; one still in its
        // first negotiation has nothing to refresh yet.
        if let Some(refresh) = agreement.refresh_overdue(circumstances.today) {
            items.push(Waiting::OpenOverdueRefresh {
                refresh: refresh.id.clone(),
            });
        }
        return items;
    }
    if !agreement.status.is_negotiating() {
        return items;
    }
    let mut open = 0;
    let mut statutory_done = true;
    for target in agreement.live_targets() {
        let statutory_unsettled = target.kind == TargetKind::Statutory && target.agreed.is_none();
        if statutory_unsettled {
            statutory_done = false;
        }
        match &target.open_offer {
            Some(offer) => {
                open += 1;
                if offer.side != side {
                    items.push(Waiting::AnswerOffer {
                        target: target.id,
                        indicator: target.indicator.clone(),
                        made_at: offer.made_at,
                    });
                }
            }
            None if statutory_unsettled => items.push(Waiting::OfferStatutoryTerms {
                target: target.id,
                indicator: target.indicator.clone(),
            }),
            None => {}
        }
    }
    if agreement.status == AgreementStatus::Draft && open == 0 && statutory_done {
        match side {
            Side::Area if !agreement.endorsed => items.push(Waiting::Endorse),
            Side::Government if agreement.endorsed => items.push(Waiting::Submit),
            Side::Area | Side::Government => {}
        }
    }
    if side == Side::Government {
        items.extend(unanswered_advice(agreement));
    }
    items
}

/// The requests for advice whose answer the GO, or a champion assigned to
/// the agreement, has still to record.
fn unanswered_advice(agreement: &Agreement) -> Vec<Waiting> {
    agreement
        .advice
        .iter()
        .filter(|(_, asked)| asked.answer.is_none())
        .map(|(request, asked)| Waiting::RecordAdvice {
            request: *request,
            department: asked.department.clone(),
            indicator: asked.indicator,
        })
        .collect()
}

fn sign_off(agreement: &Agreement) -> Vec<Waiting> {
    if agreement.status == AgreementStatus::Submitted {
        return vec![Waiting::SignOffOrReturn];
    }
    if !signed_off(agreement.status) {
        return Vec::new();
    }
    agreement
        .targets
        .values()
        .filter(|t| t.pending_rebaseline.is_some())
        .map(|t| Waiting::ApproveRebaseline { target: t.id })
        .collect()
}
