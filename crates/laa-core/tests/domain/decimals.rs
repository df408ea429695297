//! Decimals (issue 23, item 5): a number a client computed in binary
//! floating point is a value, recorded as the double prints and read back
//! as the same double; a double no decimal can hold is refused saying why;
//! every decimal in an event is written one way.

use laa_core::terms::decimal_from_f64 as from_f64;
use rust_decimal::Decimal;

use super::harness::*;
use laa_core::*;

/// A decimal read back as a client reads the text it is written as: the
/// nearest double, by the standard library's correctly rounded parsing.
fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse().expect("a decimal's text is a double")
}

/// Terms in `unit` from doubles, each through the wire's conversion.
fn from_doubles(unit: Unit, baseline: f64, trajectory: [f64; 3]) -> Terms {
    let value = |v: f64| from_f64(v).unwrap_or_else(|e| panic!("{v:e}: {}", e.problem));
    values(unit, value(baseline), trajectory.map(value))
}

/// The doubles of an agreed target's terms: baseline, then each year.
fn doubles_of(terms: &Terms) -> Vec<f64> {
    let Terms::Values(v) = terms else {
        panic!("values terms")
    };
    std::iter::once(v.baseline.value)
        .chain(v.trajectory.values().map(|y| match y {
            terms::YearValue::Value(d) => *d,
            terms::YearValue::Deferred { .. } => panic!("a value"),
        }))
        .map(to_f64)
        .collect()
}

fn json(events: &[Event]) -> String {
    serde_json::to_string(events).expect("events serialise")
}

#[test]
fn a_number_a_client_computed_is_a_value_recorded_as_it_prints() {
    // NEET (NI 117, lower is better) from 7.4 - 0.01 towards 0.1 + 0.2.
    let sent = [7.4 - 0.01, 7.123456789012345, 2.0 / 3.0, 0.1 + 0.2];
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        117,
        from_doubles(Unit::Percent, sent[0], [sent[1], sent[2], sent[3]]),
    );
    let target = &n.state.targets[&tid(id)];
    let agreed = target.agreed.as_ref().expect("agreed");
    let back: Vec<u64> = doubles_of(agreed).iter().map(|d| d.to_bits()).collect();
    assert_eq!(
        back,
        sent.map(f64::to_bits),
        "read back as the doubles sent"
    );
    let recorded = json(&n.history);
    for printed in [
        "\"7.390000000000001\"",
        "\"7.123456789012345\"",
        "\"0.6666666666666666\"",
        "\"0.30000000000000004\"",
    ] {
        assert!(recorded.contains(printed), "{printed} in {recorded}");
    }
    // An actual of 1/3 after the period: recorded, and assessed.
    let third = 1.0 / 3.0;
    let n = n.signed_off().after_the_period().given(
        &area(),
        Command::RecordActual {
            target: tid(id),
            year: year("2010/11"),
            value: from_f64(third).expect("1/3"),
            source: "Connexions CCIS".into(),
        },
    );
    let actual = n.state.targets[&tid(id)].actuals[&year("2010/11")].value;
    assert_eq!(to_f64(actual).to_bits(), third.to_bits());
    assert!(
        n.state.reward.is_some(),
        "the final actual completes the reward"
    );
}

#[test]
fn very_large_and_very_small_values_are_values_while_a_decimal_holds_them() {
    // Net additional homes (NI 154, a count, higher is better).
    let sent = [1.2345678901234567e20, 1e27, 5e27, 7.9e28];
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &area(),
        &go(),
        154,
        from_doubles(Unit::Count, sent[0], [sent[1], sent[2], sent[3]]),
    );
    let agreed = n.state.targets[&tid(id)].agreed.clone().expect("agreed");
    let back: Vec<u64> = doubles_of(&agreed).iter().map(|d| d.to_bits()).collect();
    assert_eq!(back, sent.map(f64::to_bits));
    assert!(json(&n.history).contains("\"79000000000000000000000000000\""));
    // Small, in a score: 28 decimal places are held.
    let tiny = 1.2345678901234567e-12;
    assert_eq!(
        to_f64(from_f64(tiny).expect("held")).to_bits(),
        tiny.to_bits()
    );
}

#[test]
fn a_double_no_decimal_holds_is_refused_saying_why_and_the_units_range_still_applies() {
    for (double, why) in [
        (1e-300, "1e-300 has 300 decimal places"),
        (-1e-300, "-1e-300 has 300 decimal places"),
        (1e-29, "1e-29 has 29 decimal places"),
        (1e29, "1e29 is too large to record"),
        (f64::MAX, "is too large to record"),
        (f64::NAN, "NaN is not a finite number"),
        (f64::NEG_INFINITY, "-inf is not a finite number"),
        (-0.0, "-0 is not a value"),
    ] {
        let problem = from_f64(double).expect_err("refused").problem;
        assert!(problem.contains(why), "{double:e}: {problem}");
    }
    // In range for a decimal, out of range for the unit.
    let just_over = 100.00000000000001;
    let err = Terms::values(
        Unit::Percent,
        terms::Baseline {
            value: from_f64(just_over).expect("a decimal"),
            period: "2007".into(),
        },
        Default::default(),
    )
    .expect_err("not a percentage");
    assert!(
        err.contains("100.00000000000001 is not a percentage"),
        "{err}"
    );
}

#[test]
fn every_decimal_in_an_event_is_written_one_way() {
    // Kent's worked example (NI 117 from 8.0 towards 7.0, an actual of
    // 7.4 pays GBP 24,000 of 40,000), with values given as `8.0`.
    let dec = |s: &str| s.parse::<Decimal>().expect("decimal");
    let (n, id) = Negotiation::statutory_settled().agreed_target(
        &go(),
        &area(),
        117,
        values(
            Unit::Percent,
            dec("8.0"),
            [dec("7.80"), dec("7.4"), dec("7.000")],
        ),
    );
    let n = n.signed_off().after_the_period().given(
        &area(),
        Command::RecordActual {
            target: tid(id),
            year: year("2010/11"),
            value: dec("7.40"),
            source: "Connexions CCIS".into(),
        },
    );
    let reward = n.history.last().expect("an event");
    assert_eq!(reward.change.kind(), "reward_assessed");
    let recorded = json(std::slice::from_ref(reward));
    for field in [
        r#""amount":"24000""#,
        r#""share":"40000""#,
        r#""pot":"40000""#,
        r#""total":"24000""#,
        r#""achieved_percent":"60""#,
        r#""baseline":"8""#,
        r#""planned":"7""#,
        r#""actual":"7.4""#,
    ] {
        assert!(recorded.contains(field), "{field} in {recorded}");
    }
    // Every event of the negotiation passed the harness's check too.
    for event in &n.history {
        assert_decimals_written_one_way(event);
    }
}
