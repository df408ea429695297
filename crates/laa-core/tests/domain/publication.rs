//! What is public (recommendation 1): nothing before the first sign-off,
//! the agreement as last signed off while a refresh is negotiated, the
//! actuals recorded meanwhile, and what each refresh changed.

use laa_core::publication::{ChangeKind, publish};
use laa_core::*;
use rust_decimal::Decimal;

use crate::harness::*;

fn signed() -> Negotiation {
    let (n, _) =
        Negotiation::statutory_settled().agreed_target(&go(), &area(), 117, pct(8, [7, 6, 5]));
    n.signed_off()
}

fn public(n: &Negotiation) -> Option<publication::Publication> {
    publish(n.state.id.clone(), &n.history)
}

fn actual(target: u32, year_name: &str, value: i64) -> Command {
    Command::RecordActual {
        target: tid(target),
        year: year(year_name),
        value: Decimal::from(value),
        source: "test".into(),
    }
}

#[test]
fn nothing_is_public_before_the_first_sign_off() {
    let n = Negotiation::statutory_settled().given(&go(), propose(117, pct(8, [7, 6, 5])));
    assert!(public(&n).is_none());
    let submitted = Negotiation::statutory_settled()
        .given(&area(), Command::EndorseAgreement)
        .given(&go(), Command::SubmitAgreement);
    assert!(
        public(&submitted).is_none(),
        "submitted is not yet signed off"
    );
}

#[test]
fn a_signed_off_agreement_is_public_as_it_stands() {
    let n = signed();
    let p = public(&n).expect("public once signed off");
    assert_eq!(p.agreement, n.state);
    assert_eq!(p.public_through, n.state.version);
    assert!(!p.refresh_under_way);
    assert_eq!(p.signings.len(), 1);
    assert!(p.signings[0].refresh.is_none());
}

#[test]
fn a_refresh_under_negotiation_shows_the_terms_last_signed_off_and_the_actuals_since() {
    let n = signed();
    let signed_version = n.state.version;
    let neet = n.target_on(117).id.get();
    let before = n.target_on(117).agreed.clone();
    let n = n
        .given(&go(), open_refresh("2009", None))
        .given(&go(), counter_for(neet, pct(8, [6, 5, 4]), "DCSF"))
        .given(&go(), propose_for(15, on(15, 10, [9, 8, 7]), "HO"))
        .clock(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2009, 7, 1, 9, 0, 0)
                .single()
                .unwrap(),
        )
        .given(&area(), actual(neet, "2008/09", 7));
    let p = public(&n).expect("still public");
    assert!(p.refresh_under_way);
    assert_eq!(
        p.public_through, signed_version,
        "the refresh's events are not public"
    );
    let shown = p
        .agreement
        .live_target_on(&IndicatorRef::National(ni(117)))
        .unwrap();
    assert_eq!(
        shown.agreed, before,
        "the terms under negotiation are not shown"
    );
    assert!(shown.open_offer.is_none());
    assert_eq!(shown.actuals[&year("2008/09")].value, Decimal::from(7));
    assert!(
        p.agreement
            .live_target_on(&IndicatorRef::National(ni(15)))
            .is_none(),
        "a target proposed in the refresh is not shown"
    );
    assert_eq!(p.agreement.status, AgreementStatus::Agreed);
    assert!(p.agreement.refreshes_held.is_empty());
}

#[test]
fn each_refresh_signed_off_lists_what_changed() {
    let statutory = signed()
        .state
        .live_targets()
        .filter(|t| t.kind == TargetKind::Statutory)
        .count();
    let n = refresh_agreed(signed()).signed_off();
    let p = public(&n).expect("public");
    assert!(!p.refresh_under_way);
    assert_eq!(p.agreement, n.state);
    assert_eq!(p.signings.len(), 2);
    let refresh = &p.signings[1];
    assert_eq!(refresh.refresh, Some(refresh_id("2009")));
    assert_eq!(refresh.changes.len(), statutory + 1);
    assert!(
        refresh
            .changes
            .iter()
            .all(|c| matches!(c.what, ChangeKind::TermsChanged { .. }))
    );
}

/// A reader may keep a public record serialised (the pages keep earlier
/// rounds' packed): it must read back as it was, signings, changes,
/// rationales and actuals included.
#[test]
fn a_public_record_reads_back_as_it_was_written() {
    let n = refresh_agreed(signed());
    let neet = n.target_on(117).id.get();
    let n = n
        .clock(
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2009, 7, 1, 9, 0, 0)
                .single()
                .unwrap(),
        )
        .given(&area(), actual(neet, "2008/09", 7));
    let p = public(&n).expect("public");
    assert!(!p.rationales.is_empty() && p.signings.len() == 1);
    let written = serde_json::to_vec(&p).expect("written");
    let read: publication::Publication = serde_json::from_slice(&written).expect("read");
    assert_eq!(read, p);
    let refreshed = public(&n.signed_off()).expect("public");
    assert!(!refreshed.signings[1].changes.is_empty());
    let written = serde_json::to_vec(&refreshed).expect("written");
    let read: publication::Publication = serde_json::from_slice(&written).expect("read");
    assert_eq!(read, refreshed);
}

/// `n` with the 2009 refresh opened and its terms agreed: NI 117
/// countered and accepted, and each statutory target given the 2010/11
/// value deferred to this refresh.
fn refresh_agreed(n: Negotiation) -> Negotiation {
    let neet = n.target_on(117).id.get();
    let statutory: Vec<u32> = n
        .state
        .live_targets()
        .filter(|t| t.kind == TargetKind::Statutory)
        .map(|t| t.id.get())
        .collect();
    let mut n = n
        .given(&go(), open_refresh("2009", None))
        .given(&go(), counter_for(neet, pct(8, [7, 6, 4]), "DCSF"))
        .given(&area(), accept(neet));
    for id in &statutory {
        n = n
            .given(&go(), counter(*id, fitting(crate::harness::statutory(*id))))
            .given(&area(), accept(*id));
    }
    n
}

fn refresh_id(s: &str) -> RefreshId {
    refresh(s)
}
