//! The rules of drafting, consulting on and publishing a set, by example
//! and under random edits.

use super::*;
use crate::actor::Scope;
use crate::catalogue::Owner;
use chrono::TimeZone;
use proptest::prelude::*;

fn admin() -> Actor {
    Actor {
        principal: "clg:admin".into(),
        role: Role::Admin,
        scope: Scope::National,
    }
}

fn v(n: u16) -> SetVersion {
    SetVersion::new(n).unwrap()
}

fn ni(n: u16) -> IndicatorNumber {
    IndicatorNumber::new(n).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn new_indicator(n: u16, title: &str) -> Indicator {
    Indicator::introduced(
        ni(n),
        title.into(),
        "Stronger communities".into(),
        Owner::Psa(21),
        false,
        v(2008),
        crate::Unit::Percent,
        crate::Polarity::HigherIsBetter,
    )
}

fn request(edits: Vec<SetEdit>) -> DraftRequest {
    DraftRequest {
        version: v(2011),
        based_on: v(2008),
        edits,
        consultation_closes: None,
    }
}

#[test]
fn a_draft_adds_withdraws_and_rewords_and_leaves_the_base_alone() {
    let mut c = Catalogue::national().unwrap();
    let mut amended = c.indicator_in(v(2008), ni(15)).unwrap().clone();
    amended.title = "Serious violent crime, reworded".into();
    let draft = draft_set(
        &c,
        &admin(),
        request(vec![
            SetEdit::Add(new_indicator(201, "A new indicator")),
            SetEdit::Withdraw(ni(16)),
            SetEdit::Amend(amended),
        ]),
        at(2010, 6, 1),
    )
    .unwrap();
    assert_eq!(draft.set.status, SetStatus::Draft);
    assert_eq!(
        draft.set.consultation,
        Some(Consultation {
            opens: NaiveDate::from_ymd_opt(2010, 6, 1).unwrap(),
            closes: NaiveDate::from_ymd_opt(2010, 9, 1).unwrap(),
        })
    );
    let old_title = c.indicator_in(v(2008), ni(15)).unwrap().title.clone();
    c.insert_set(draft.set, draft.wording).unwrap();
    assert_eq!(
        c.set(v(2011)).unwrap().status_of(ni(16)),
        Some(IndicatorStatus::Withdrawn)
    );
    assert_eq!(
        c.set(v(2011)).unwrap().status_of(ni(201)),
        Some(IndicatorStatus::Active)
    );
    assert_eq!(c.set(v(2008)).unwrap().status_of(ni(201)), None);
    assert_eq!(c.indicator_in(v(2011), ni(201)).unwrap().added_in, v(2011));
    assert_eq!(
        c.indicator_in(v(2011), ni(15)).unwrap().title,
        "Serious violent crime, reworded"
    );
    assert_eq!(
        c.indicator_in(v(2008), ni(15)).unwrap().title,
        old_title,
        "the 2008 wording is kept"
    );
    // The newest published wording until the draft is published.
    assert_eq!(c.indicator(ni(15)).unwrap().title, old_title);
    assert!(c.mark_published(v(2011)));
    assert_eq!(
        c.indicator(ni(15)).unwrap().title,
        "Serious violent crime, reworded"
    );
}

#[test]
fn a_draft_is_refused_for_what_it_cannot_be() {
    let c = Catalogue::national().unwrap();
    let refused = |req: DraftRequest| draft_set(&c, &admin(), req, at(2010, 6, 1)).unwrap_err();
    assert_eq!(
        refused(DraftRequest {
            version: v(2008),
            ..request(vec![])
        })
        .reason(),
        "ALREADY_EXISTS"
    );
    assert_eq!(
        refused(DraftRequest {
            based_on: v(2009),
            ..request(vec![])
        })
        .reason(),
        "NOT_FOUND"
    );
    for (edits, field) in [
        (vec![SetEdit::Add(new_indicator(15, "Taken"))], "edits.add"),
        (vec![SetEdit::Withdraw(ni(201))], "edits.withdraw"),
        (
            vec![SetEdit::Amend(new_indicator(201, "Not there"))],
            "edits.amend",
        ),
        (
            vec![SetEdit::Withdraw(ni(15)), SetEdit::Withdraw(ni(15))],
            "edits",
        ),
        (
            vec![SetEdit::Add(new_indicator(201, "  "))],
            "edits.add.title",
        ),
        (
            vec![SetEdit::Add(new_indicator(201, "two\nlines"))],
            "edits.add.title",
        ),
        (
            vec![SetEdit::Add(new_indicator(201, "\u{202e}desrever"))],
            "edits.add.title",
        ),
    ] {
        match refused(request(edits)) {
            DomainError::InvalidIndicatorSet { field: f, .. } => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
    let mut short = request(vec![]);
    short.consultation_closes = NaiveDate::from_ymd_opt(2010, 8, 31);
    assert!(matches!(
        refused(short),
        DomainError::InvalidIndicatorSet {
            field: "consultation_closes",
            ..
        }
    ));
    let mut officer = admin();
    officer.role = Role::GoNegotiator;
    assert_eq!(
        draft_set(&c, &officer, request(vec![]), at(2010, 6, 1))
            .unwrap_err()
            .reason(),
        "OUT_OF_SCOPE"
    );
}

#[test]
fn the_window_orders_comments_then_publication() {
    let mut c = Catalogue::national().unwrap();
    let draft = draft_set(&c, &admin(), request(vec![]), at(2010, 6, 1)).unwrap();
    c.insert_set(draft.set, draft.wording).unwrap();
    let council = Actor {
        principal: "kent:tom".into(),
        role: Role::AreaNegotiator,
        scope: Scope::Area(crate::ids::AreaCode::new("kent").unwrap()),
    };
    let said = comment_on_set(
        &c,
        &council,
        v(2011),
        " Keep NI 15 ".into(),
        at(2010, 8, 31),
    )
    .unwrap();
    assert_eq!(
        (said.text.as_str(), said.role),
        ("Keep NI 15", Role::AreaNegotiator)
    );
    assert_eq!(
        comment_on_set(&c, &council, v(2011), "late".into(), at(2010, 9, 1))
            .unwrap_err()
            .reason(),
        "CONSULTATION_CLOSED"
    );
    assert_eq!(
        comment_on_set(&c, &council, v(2008), "old".into(), at(2010, 8, 1))
            .unwrap_err()
            .reason(),
        "CONSULTATION_CLOSED"
    );
    assert_eq!(
        publish_set(&c, &admin(), v(2011), at(2010, 8, 31))
            .unwrap_err()
            .reason(),
        "CONSULTATION_OPEN"
    );
    assert_eq!(
        publish_set(&c, &council, v(2011), at(2010, 9, 1))
            .unwrap_err()
            .reason(),
        "OUT_OF_SCOPE"
    );
    publish_set(&c, &admin(), v(2011), at(2010, 9, 1)).unwrap();
    assert_eq!(
        publish_set(&c, &admin(), v(2008), at(2010, 9, 1))
            .unwrap_err()
            .reason(),
        "ALREADY_EXISTS"
    );
}

proptest! {
    /// Whatever edits are accepted, the draft lists every indicator of
    /// its base, words exactly what it lists, leaves the base untouched,
    /// and can be published on the day its window closes, not before.
    #[test]
    fn accepted_drafts_keep_the_base_and_their_window(
        numbers in proptest::collection::vec((1u16..=210, 0u8..3), 0..20),
        day in 0i64..2000,
        extra_days in 0i64..400,
    ) {
        let c = Catalogue::national().unwrap();
        let before = c.clone();
        let edits: Vec<SetEdit> = numbers
            .iter()
            .map(|&(n, kind)| match kind {
                0 => SetEdit::Add(new_indicator(n, "Added")),
                1 => SetEdit::Withdraw(ni(n)),
                _ => SetEdit::Amend(new_indicator(n, "Amended")),
            })
            .collect();
        let now = at(2009, 1, 1) + chrono::Duration::days(day);
        let closes = now.date_naive().checked_add_months(Months::new(CONSULTATION_MONTHS)).unwrap()
            + chrono::Duration::days(extra_days);
        let req = DraftRequest { consultation_closes: Some(closes), ..request(edits) };
        if let Ok(draft) = draft_set(&c, &admin(), req, now) {
            prop_assert_eq!(&c, &before);
            let base = c.set(v(2008)).unwrap();
            for n in base.members.keys() {
                prop_assert!(draft.set.members.contains_key(n));
            }
            let worded: Vec<_> = draft.wording.iter().map(|i| i.number).collect();
            let listed: Vec<_> = draft.set.members.keys().copied().collect();
            prop_assert_eq!(worded, listed);
            let mut after = c.clone();
            after.insert_set(draft.set, draft.wording).unwrap();
            let day_before = closes.and_hms_opt(23, 0, 0).unwrap().and_utc() - chrono::Duration::days(1);
            prop_assert!(publish_set(&after, &admin(), v(2011), day_before).is_err());
            prop_assert!(publish_set(&after, &admin(), v(2011), closes.and_hms_opt(0, 0, 0).unwrap().and_utc()).is_ok());
        }
    }
}

fn relate(a: u16, b: u16, note: &str) -> SetEdit {
    SetEdit::Relate(Relation {
        first: ni(a),
        second: ni(b),
        note: note.into(),
    })
}

#[test]
fn a_draft_declares_relations_which_the_next_draft_keeps_rewords_or_drops() {
    let mut c = Catalogue::national().unwrap();
    let draft = draft_set(
        &c,
        &admin(),
        request(vec![
            relate(163, 117, "Fewer NEETs raise Level 2 attainment"),
            relate(15, 16, "Violent crime and its detection move together"),
        ]),
        at(2010, 6, 1),
    )
    .unwrap();
    let relations: Vec<_> = draft
        .set
        .relations
        .iter()
        .map(|r| (r.first.get(), r.second.get()))
        .collect();
    assert_eq!(
        relations,
        [(15, 16), (117, 163)],
        "each pair lower first, in order"
    );
    assert_eq!(
        draft
            .set
            .relations_of(ni(163))
            .next()
            .unwrap()
            .other_than(ni(163)),
        Some(ni(117))
    );
    c.insert_set(draft.set.clone(), draft.wording).unwrap();
    let mut published = c.set(v(2011)).unwrap().clone();
    published.status = SetStatus::Published;
    let mut c = Catalogue::national().unwrap();
    c.insert_set(
        published,
        c.wording_of(v(2008)).cloned().collect::<Vec<_>>(),
    )
    .unwrap();
    let next = draft_set(
        &c,
        &admin(),
        DraftRequest {
            version: v(2012),
            based_on: v(2011),
            edits: vec![relate(117, 163, "Reworded"), SetEdit::Withdraw(ni(16))],
            consultation_closes: None,
        },
        at(2011, 6, 1),
    )
    .unwrap();
    let kept: Vec<_> = next
        .set
        .relations
        .iter()
        .map(|r| (r.first.get(), r.second.get(), r.note.as_str()))
        .collect();
    assert_eq!(
        kept,
        [(117, 163, "Reworded")],
        "a withdrawn indicator's relation goes with it"
    );
}

#[test]
fn a_relation_is_between_two_active_indicators_with_a_note_once() {
    let c = Catalogue::national().unwrap();
    let refused = |edits| match draft_set(&c, &admin(), request(edits), at(2010, 6, 1)) {
        Err(DomainError::InvalidIndicatorSet { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(vec![relate(117, 117, "Itself")]), "edits.relate");
    assert_eq!(
        refused(vec![SetEdit::Withdraw(ni(16)), relate(15, 16, "Gone")]),
        "edits.relate"
    );
    assert_eq!(refused(vec![relate(117, 163, "  ")]), "edits.relate.note");
    assert_eq!(
        refused(vec![relate(117, 163, "\u{202e}desrever")]),
        "edits.relate.note"
    );
    assert_eq!(
        refused(vec![relate(117, 163, "a"), relate(163, 117, "b")]),
        "edits"
    );
    assert_eq!(
        refused(vec![SetEdit::Unrelate(ni(117), ni(163))]),
        "edits.unrelate"
    );
}
