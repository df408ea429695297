//! What an agreement's state holds is what its current targets need, not
//! its history (issue 26 item 3): the server keeps each agreement's state
//! in memory, so a state that grew with every offer would make a long
//! negotiation cost memory without bound. The history stays in the log.

use crate::harness::*;

/// Kent's agreement with `offers` counter-offers exchanged on statutory
/// target 1 (the GO first, then in turn) and the last one accepted.
fn haggled(offers: usize) -> Negotiation {
    let mut n = Negotiation::opened();
    for k in 0..offers {
        n = if k % 2 == 0 {
            n.given(&go(), counter(1, pct_deferred(60, 62, 64)))
        } else {
            n.given(&area(), counter(1, pct_deferred(58, 60, 62)))
        };
    }
    let acceptor = if offers % 2 == 1 { area() } else { go() };
    n.given(&acceptor, accept(1))
}

/// The state's size, as stored in a snapshot.
fn size(n: &Negotiation) -> usize {
    serde_json::to_vec(&n.state)
        .expect("a state serialises")
        .len()
}

#[test]
fn a_state_holds_the_current_terms_not_every_offer_made() {
    let short = haggled(11);
    let long = haggled(2_001);
    assert_eq!(long.history.len() - short.history.len(), 1_990);
    assert_eq!(long.state.targets[&tid(1)].offers_made, 2_001);
    assert_eq!(
        long.state.targets[&tid(1)].agreed,
        short.state.targets[&tid(1)].agreed
    );
    // The same state but for the counts (version, offers made) and times.
    let (short, long) = (size(&short), size(&long));
    assert!(
        long <= short + 16,
        "a state after 2,001 offers is {long} bytes, after 11 {short}"
    );
}

#[test]
fn a_state_under_negotiation_holds_only_the_open_offer() {
    let open = |offers| {
        let mut n = Negotiation::opened();
        for k in 0..offers {
            n = if k % 2 == 0 {
                n.given(&go(), counter(1, pct_deferred(60, 62, 64)))
            } else {
                n.given(&area(), counter(1, pct_deferred(58, 60, 62)))
            };
        }
        n
    };
    let (short, long) = (open(10), open(1_000));
    let (short, long) = (size(&short), size(&long));
    assert!(
        long <= short + 16,
        "a state after 1,000 open offers is {long} bytes, after 10 {short}"
    );
}
