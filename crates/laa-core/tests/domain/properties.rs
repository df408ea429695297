//! Random walks through negotiations, by random actors, checking the
//! invariants of DOMAIN.md after every step.
//!
//! Moves name their targets by position among the agreement's targets, so
//! a walk stays meaningful whatever happened before it; actors include
//! principals out of scope and roles that may do nothing, so refusals are
//! exercised as much as successes.

use std::collections::BTreeSet;

use laa_core::agreement::{AGREEMENT_LIFECYCLE, TARGET_LIFECYCLE};
use laa_core::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::harness::*;
use crate::rules::DESIGNATED_POOL;

#[derive(Debug, Clone)]
enum Move {
    Propose {
        indicator: u8,
        terms: u8,
    },
    Counter {
        pick: u8,
        terms: u8,
        deal_breaker: bool,
    },
    Accept {
        pick: u8,
    },
    Decline {
        pick: u8,
        deal_breaker: bool,
    },
    Withdraw {
        pick: u8,
    },
    Endorse,
    Submit,
    Return,
    SignOff,
    OpenRefresh {
        round: u8,
        rebind: bool,
    },
    RecordActual {
        pick: u8,
        year: u8,
        value: u8,
    },
    Revoke {
        pick: Option<u8>,
    },
    Close,
}

fn any_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(indicator, terms)| Move::Propose { indicator, terms }),
        5 => (any::<u8>(), any::<u8>(), any::<bool>())
            .prop_map(|(pick, terms, deal_breaker)| Move::Counter { pick, terms, deal_breaker }),
        12 => any::<u8>().prop_map(|pick| Move::Accept { pick }),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(pick, deal_breaker)| Move::Decline { pick, deal_breaker }),
        2 => any::<u8>().prop_map(|pick| Move::Withdraw { pick }),
        3 => Just(Move::Endorse),
        3 => Just(Move::Submit),
        1 => Just(Move::Return),
        3 => Just(Move::SignOff),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(round, rebind)| Move::OpenRefresh { round, rebind }),
        2 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(pick, year, value)| Move::RecordActual { pick, year, value }),
        1 => proptest::option::of(any::<u8>()).prop_map(|pick| Move::Revoke { pick }),
        1 => Just(Move::Close),
    ]
}

fn actors() -> Vec<Actor> {
    vec![
        go(),
        area(),
        go(),
        area(),
        minister(),
        auditor(),
        go_london(),
        other_area(),
        admin(),
    ]
}

/// The indicators a walk proposes: designated ones, a statutory one, a
/// withdrawn one, one only in 2008 and one that does not exist.
fn indicator(seed: u8) -> u16 {
    const ODD: [u16; 4] = [72, 31, 199, 250];
    let all = DESIGNATED_POOL.len() + ODD.len();
    let k = usize::from(seed) % all;
    DESIGNATED_POOL
        .get(k)
        .copied()
        .unwrap_or_else(|| ODD[k - DESIGNATED_POOL.len()])
}

/// Terms for a walk's offer on NI `n` (when the target is a National
/// Indicator): mostly well shaped for it, sometimes not.
fn terms(seed: u8, n: Option<u16>) -> Terms {
    match seed % 7 {
        0 | 1 => n.map_or_else(|| pct(50, [52, 54, 56]), fitting),
        2 => pct_deferred(60, 62, 64),
        3 => placeholder(PlaceholderReason::AwaitingSurvey),
        4 => Terms::placeholder(PlaceholderReason::NoBaseline, refresh("2010")),
        5 => values(
            Unit::Rate,
            Decimal::new(1061, 2),
            [10, 9, 8].map(Decimal::from),
        ),
        _ => {
            let Terms::Values(mut v) = pct(50, [52, 54, 56]) else {
                unreachable!()
            };
            v.trajectory
                .insert(year("2010/11"), YearValue::Value(Decimal::from(250)));
            Terms::Values(v)
        }
    }
}

fn pick(state: &Agreement, seed: u8) -> TargetId {
    let ids: Vec<TargetId> = state.targets.keys().copied().collect();
    if seed >= 250 || ids.is_empty() {
        return tid(900);
    }
    ids[usize::from(seed) % ids.len()]
}

/// Mostly a target with an open offer (so walks settle offers and move
/// on); sometimes any target at all.
fn pick_open(state: &Agreement, seed: u8) -> TargetId {
    let open: Vec<TargetId> = state
        .live_targets()
        .filter(|t| t.open_offer.is_some())
        .map(|t| t.id)
        .collect();
    if seed < 200 && !open.is_empty() {
        open[usize::from(seed) % open.len()]
    } else {
        pick(state, seed)
    }
}

/// Mostly a live target that is not statutory; sometimes any target at all.
fn pick_negotiable(state: &Agreement, seed: u8) -> TargetId {
    let ids: Vec<TargetId> = state
        .live_targets()
        .filter(|t| t.kind != TargetKind::Statutory)
        .map(|t| t.id)
        .collect();
    if seed < 200 && !ids.is_empty() {
        ids[usize::from(seed) % ids.len()]
    } else {
        pick(state, seed)
    }
}

fn command(state: &Agreement, mv: &Move) -> Command {
    match mv {
        Move::Propose {
            indicator: i,
            terms: t,
        } => propose(indicator(*i), terms(*t, Some(indicator(*i)))),
        Move::Counter {
            pick: p,
            terms: t,
            deal_breaker,
        } => Command::CounterOffer {
            target: pick_open(state, *p),
            terms: terms(
                *t,
                state
                    .targets
                    .get(&pick_open(state, *p))
                    .and_then(|t| t.indicator.national())
                    .map(|n| n.get()),
            ),
            rationale: "walk".into(),
            evidence: vec![],
            deal_breaker: *deal_breaker,
            department: None,
        },
        Move::Accept { pick: p } => Command::AcceptOffer {
            target: pick_open(state, *p),
        },
        Move::Decline {
            pick: p,
            deal_breaker,
        } => Command::DeclineTarget {
            target: pick_negotiable(state, *p),
            reason: "walk".into(),
            deal_breaker: *deal_breaker,
        },
        Move::Withdraw { pick: p } => Command::WithdrawTarget {
            target: pick_negotiable(state, *p),
            reason: "walk".into(),
        },
        Move::Endorse => Command::EndorseAgreement,
        Move::Submit => Command::SubmitAgreement,
        Move::Return => Command::ReturnAgreement {
            reason: "walk".into(),
        },
        Move::SignOff => Command::SignOffAgreement,
        Move::OpenRefresh { round, rebind } => open_refresh(
            ["2009", "2010", "2011"][usize::from(*round) % 3],
            rebind.then_some(2008),
        ),
        Move::RecordActual {
            pick: p,
            year: y,
            value,
        } => Command::RecordActual {
            target: pick(state, *p),
            year: year(["2008/09", "2009/10", "2010/11", "2011/12"][usize::from(*y) % 4]),
            value: Decimal::from(*value),
            source: "walk".into(),
        },
        Move::Revoke { pick: p } => Command::RevokeDesignation {
            target: p.map(|p| pick(state, p)),
            reason: "walk".into(),
        },
        Move::Close => Command::CloseAgreement,
    }
}

/// Where a walk starts: just opened, statutory targets settled, endorsed
/// and ready to submit, submitted, or signed off with a placeholder.
fn start(seed: u8) -> Negotiation {
    let signed = || {
        let (n, _) =
            Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
        let (n, _) = n.agreed_target(
            &area(),
            &go(),
            5,
            placeholder(PlaceholderReason::AwaitingSurvey),
        );
        n
    };
    match seed % 6 {
        0 => Negotiation::opened(),
        1 => Negotiation::statutory_settled(),
        2 => signed().given(&area(), Command::EndorseAgreement),
        3 => signed()
            .given(&area(), Command::EndorseAgreement)
            .given(&go(), Command::SubmitAgreement),
        4 => signed().signed_off(),
        // After the period, when every year's actual can be recorded.
        _ => signed().signed_off().after_the_period(),
    }
}

/// The invariants that hold in every reachable state.
fn check_state(n: &Negotiation) -> Result<(), TestCaseError> {
    let s = &n.state;
    let cap = s.policy().map_or(35, |p| usize::from(p.designated_cap));
    prop_assert!(
        s.designated_count() <= cap,
        "cap broken: {}",
        s.designated_count()
    );
    let statutory: BTreeSet<u16> = s
        .live_targets()
        .filter(|t| t.kind == TargetKind::Statutory)
        .filter_map(|t| t.indicator.national())
        .map(|i| i.get())
        .collect();
    prop_assert_eq!(statutory.len(), 16, "statutory targets missing");
    let live: Vec<&IndicatorRef> = s.live_targets().map(|t| &t.indicator).collect();
    for (k, a) in live.iter().enumerate() {
        prop_assert!(
            !live[k + 1..].iter().any(|b| a.same_indicator(b)),
            "two live targets on {}",
            a
        );
    }
    prop_assert_eq!(s.version, n.history.len() as u64);
    // What is public: nothing before the first sign-off; afterwards the
    // state as signed off, never an open offer.
    let public = laa_core::publication::publish(s.id.clone(), &n.history);
    prop_assert_eq!(public.is_some(), s.first_signed_off_at.is_some());
    if let Some(p) = public {
        prop_assert!(p.agreement.targets.values().all(|t| t.open_offer.is_none()));
        prop_assert!(laa_core::publication::is_signed_off(p.agreement.status));
        let signings = n
            .history
            .iter()
            .filter(|e| matches!(e.change, Change::AgreementSignedOff { .. }))
            .count();
        prop_assert_eq!(p.signings.len(), signings);
        // Closed while a refresh was negotiated: the refresh ends unsigned,
        // and the terms last signed off stay the public ones.
        let last_signing = n
            .history
            .iter()
            .rposition(|e| matches!(e.change, Change::AgreementSignedOff { .. }));
        let last_refresh = n
            .history
            .iter()
            .rposition(|e| matches!(e.change, Change::RefreshOpened { .. }));
        let closed_mid_refresh =
            s.status == laa_core::AgreementStatus::Closed && last_refresh > last_signing;
        if closed_mid_refresh {
            prop_assert_eq!(p.agreement.status, laa_core::AgreementStatus::Closed);
            prop_assert!(!p.refresh_under_way);
            prop_assert!(p.public_through < s.version);
        } else if laa_core::publication::is_signed_off(s.status) {
            prop_assert_eq!(
                &p.agreement,
                s,
                "a signed-off agreement is public as it stands"
            );
            prop_assert_eq!(p.public_through, s.version);
        } else {
            prop_assert!(p.refresh_under_way);
            prop_assert!(p.public_through < s.version);
        }
    }
    prop_assert_eq!(
        &replay(s.id.clone(), &n.history),
        s,
        "replay differs from state"
    );
    Ok(())
}

/// The rules an accepted command must have respected, given the state before it.
fn check_step(
    before: &Agreement,
    after: &Agreement,
    actor: &Actor,
    cmd: &Command,
) -> Result<(), TestCaseError> {
    let kind = cmd.kind();
    let row = AGREEMENT_LIFECYCLE
        .iter()
        .find(|t| t.command == kind && t.from.contains(&before.status));
    prop_assert!(row.is_some(), "{kind} accepted in {}", before.status);
    prop_assert!(
        row.is_some_and(|r| r.to.contains(&after.status)),
        "{kind} moved {} to {}",
        before.status,
        after.status
    );
    for (id, t_after) in &after.targets {
        let t_before = before.targets.get(id);
        let named = matches!(cmd, Command::CounterOffer { target, .. } if target == id);
        if t_before.map(|t| t.status) == Some(t_after.status) && !named {
            continue;
        }
        let row = TARGET_LIFECYCLE.iter().find(|t| {
            t.command == kind
                && match t_before {
                    Some(tb) => t.from.contains(&tb.status),
                    None => t.from.is_empty(),
                }
        });
        prop_assert!(
            row.is_some_and(|r| r.to.contains(&t_after.status)),
            "{kind} moved target {id} from {:?} to {}",
            t_before.map(|t| t.status),
            t_after.status
        );
    }
    let side = actor.role.side();
    match cmd {
        Command::AcceptOffer { target } | Command::CounterOffer { target, .. } => {
            let open_side = before.targets[target].open_offer.as_ref().map(|o| o.side);
            prop_assert!(side.is_some(), "only negotiators accept or counter");
            prop_assert!(open_side != side, "a side answered its own offer");
            if matches!(cmd, Command::AcceptOffer { .. }) {
                prop_assert!(open_side.is_some(), "accepted without an open offer");
            }
        }
        Command::SubmitAgreement => prop_assert!(before.endorsed, "submitted without endorsement"),
        Command::SignOffAgreement => {
            prop_assert_eq!(
                before.status,
                AgreementStatus::Submitted,
                "signed off without submission"
            )
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("LAA_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(1000),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_walks_keep_every_invariant(
        start_seed in any::<u8>(),
        steps in prop::collection::vec(
            (any::<u8>(), any_move(), 0i64..3, prop::option::of(-2i64..40)),
            1..60,
        ),
    ) {
        let actors = actors();
        let mut n = start(start_seed);
        check_state(&n)?;
        for (who, mv, advance, back) in steps {
            // The clock moves on; the command may be dated, rightly or not.
            n = n.days_later(advance);
            n.occurred_at = back.map(|days| n.now - chrono::Duration::days(days));
            let actor = &actors[usize::from(who) % actors.len()];
            let cmd = command(&n.state, &mv);
            let outcome = n.when(actor, cmd.clone());
            match outcome.result {
                Err(e) => {
                    // Refused: nothing recorded, and the reason is one of the contract's.
                    prop_assert!(laa_core::error::REASONS.contains(&e.reason()));
                }
                Ok(events) => {
                    // One event, but for the actual or acceptance that completes
                    // (or changes) the reward's working, which records its
                    // assessment too.
                    let extra: Vec<&str> = events[1..].iter().map(|e| e.change.kind()).collect();
                    prop_assert!(
                        extra.is_empty()
                            || (extra == ["reward_assessed"]
                                && matches!(
                                    events[0].change.kind(),
                                    "actual_recorded" | "offer_accepted"
                                ))
                    );
                    let before = n.state.clone();
                    for event in &events {
                        apply(&mut n.state, event);
                    }
                    n.history.extend(events);
                    check_step(&before, &n.state, actor, &cmd)?;
                    check_state(&n)?;
                    // Rule 11: dates never run backwards, never in the future, never
                    // further back than the round allows.
                    let last = n.history.last().unwrap();
                    prop_assert!(last.occurred() <= last.at);
                    prop_assert!(last.at - last.occurred() <= chrono::Duration::days(30));
                    prop_assert!(n.history.windows(2).all(|w| w[0].occurred() <= w[1].occurred()));
                }
            }
        }
    }
}
