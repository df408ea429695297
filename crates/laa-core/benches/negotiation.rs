//! decide + apply over a full negotiation: Kent's LAA from opening to
//! sign-off with all 51 targets (16 statutory, 35 designated). Criterion
//! reports the throughput in commands per second ("elem/s"); the baseline
//! later work is measured against.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use laa_core::*;
use rust_decimal::Decimal;

const DESIGNATED: [u16; 35] = [
    1, 4, 5, 6, 7, 8, 11, 15, 16, 17, 19, 20, 21, 30, 32, 39, 40, 47, 51, 56, 110, 111, 112, 116,
    117, 120, 121, 123, 130, 135, 141, 152, 153, 154, 155,
];

/// Terms on NI `n` in its unit, moving from `base` a point a year in its better direction.
fn terms(n: u16, base: i64) -> Terms {
    let catalogue = Catalogue::national().expect("catalogue");
    let indicator = catalogue
        .indicator(IndicatorNumber::new(n).expect("ni"))
        .expect("indicator");
    let step = match indicator.polarity {
        Polarity::HigherIsBetter => 1,
        Polarity::LowerIsBetter => -1,
    };
    let trajectory: BTreeMap<_, _> = [
        (2008, base + step),
        (2009, base + 2 * step),
        (2010, base + 3 * step),
    ]
    .into_iter()
    .map(|(y, v)| {
        (
            FinancialYear::starting(y).expect("year"),
            YearValue::Value(Decimal::from(v)),
        )
    })
    .collect();
    Terms::values(
        indicator.unit,
        Baseline {
            value: Decimal::from(base),
            period: "2007".into(),
        },
        trajectory,
    )
    .expect("terms")
}

/// The commands of the whole negotiation, each with its actor.
fn script() -> Vec<(Actor, Command)> {
    let go = Actor::new("gose", Role::GoNegotiator, Scope::Region(Region::SouthEast));
    let kent = AreaCode::new("kent").expect("area");
    let area = Actor::new("kent", Role::AreaNegotiator, Scope::Area(kent.clone()));
    let minister = Actor::new("clg", Role::SignOff, Scope::National);
    let mut s = vec![(
        go.clone(),
        Command::OpenAgreement {
            area: kent,
            region: Region::SouthEast,
            policy: RoundPolicy::round_2008_11(),
            indicator_set: SetVersion::new(2007).expect("set"),
        },
    )];
    for id in 1..=16 {
        let target = TargetId::new(id).expect("id");
        s.push((
            go.clone(),
            Command::CounterOffer {
                target,
                terms: terms(policy::STATUTORY_2008[id as usize - 1], 60),
                rationale: "DCSF floor".into(),
                evidence: vec![],
                deal_breaker: false,
                department: None,
            },
        ));
        s.push((area.clone(), Command::AcceptOffer { target }));
    }
    for (k, n) in DESIGNATED.iter().enumerate() {
        let target = TargetId::new(17 + k as u32).expect("id");
        s.push((
            area.clone(),
            Command::ProposeTarget {
                indicator: IndicatorRef::National(IndicatorNumber::new(*n).expect("ni")),
                terms: terms(*n, 40),
                rationale: "local priority".into(),
                evidence: vec!["LSP evidence base".into()],
                department: None,
                priority: None,
            },
        ));
        s.push((go.clone(), Command::AcceptOffer { target }));
    }
    s.push((area, Command::EndorseAgreement));
    s.push((go, Command::SubmitAgreement));
    s.push((minister, Command::SignOffAgreement));
    s
}

fn negotiate(catalogue: &Catalogue, script: &[(Actor, Command)]) -> Agreement {
    let mut state = Agreement::unopened(AgreementId::new("kent-2008-11").expect("id"));
    let now = Utc
        .with_ymd_and_hms(2008, 2, 1, 9, 0, 0)
        .single()
        .expect("time");
    for (actor, command) in script {
        let ctx = Context {
            now,
            catalogue,
            expected_version: Some(state.version),
            occurred_at: None,
        };
        let events = decide(&state, command.clone(), actor, &ctx).expect("script is valid");
        for event in &events {
            apply(&mut state, event);
        }
    }
    state
}

fn bench(c: &mut Criterion) {
    let catalogue = Catalogue::national().expect("catalogue");
    let script = script();
    let done = negotiate(&catalogue, &script);
    assert_eq!(done.status, AgreementStatus::Agreed);
    assert_eq!(done.live_targets().count(), 51);
    let mut group = c.benchmark_group("negotiation");
    group.throughput(Throughput::Elements(script.len() as u64));
    group.bench_function("open_to_sign_off_51_targets", |b| {
        b.iter(|| negotiate(&catalogue, std::hint::black_box(&script)))
    });
    group.finish();
    println!(
        "one negotiation = {} commands (decide + apply each); criterion's thrpt line above is commands per second",
        script.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
