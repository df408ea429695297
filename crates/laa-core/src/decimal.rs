//! Decimals in and out: a double from the wire becomes the decimal it
//! prints as, a decimal goes back as the double it came from, and every
//! decimal is written one way.
//!
//! A client computes its values in binary floating point: `0.1 + 0.2` is
//! the double `0.30000000000000004`, and that is the number it sends. The
//! decimal recorded is the double's shortest round-trip form, the digits
//! Rust's `{}`, ryu, JavaScript's `String(x)` and Python's `repr` print, so
//! reading it back ([`to_f64`]) gives the very double that was sent. A
//! double is refused only when no decimal can hold those digits: beyond
//! [`Decimal::MAX`] (about 7.9e28), or with more than 28 decimal places
//! (`1e-300`), where rounding would record a different number.
//!
//! The written form ([`written`]), on the wire and in every event, is the
//! decimal's shortest plain form: an optional `-`, the integer digits, and
//! a point and the fractional digits only when some are not zero, never an
//! exponent: `24000`, `24000.5`, `0.30000000000000004`, `-3.25`, `0`.

use rust_decimal::Decimal;

use crate::ids::ParseError;

/// The most decimal places a recorded value has.
pub const MAX_PLACES: usize = 28;

/// A decimal in its one written form: no trailing zeros after the point,
/// no point when nothing follows it, no exponent, and zero unsigned.
pub fn written(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Turns a double from the wire into the decimal of its shortest
/// round-trip form, so that [`to_f64`] gives the same double back.
/// Refused: NaN and the infinities, a negative zero (`-0.0`), a double
/// beyond [`Decimal::MAX`] in size, and one whose shortest form has more
/// than [`MAX_PLACES`] decimal places (`1e-300`, which would otherwise be
/// recorded as 0 and slip past the unit's range).
pub fn from_f64(value: f64) -> Result<Decimal, ParseError> {
    if !value.is_finite() {
        return Err(ParseError::new(
            "value",
            format!("{value} is not a finite number"),
        ));
    }
    if value == 0.0 && value.is_sign_negative() {
        return Err(ParseError::new("value", "-0 is not a value: write 0"));
    }
    // `Display` for a double writes its shortest round-trip digits in plain
    // notation, never an exponent, which is what `from_str_exact` reads.
    let shortest = value.to_string();
    let places = shortest.split_once('.').map_or(0, |(_, f)| f.len());
    if places > MAX_PLACES {
        return Err(ParseError::new(
            "value",
            format!(
                "{value:e} has {places} decimal places: values are recorded with at most {MAX_PLACES}, and rounding it would record another number"
            ),
        ));
    }
    Decimal::from_str_exact(&shortest)
        .map(|d| d.normalize())
        .map_err(|_| {
            ParseError::new(
                "value",
                format!(
                    "{value:e} is too large to record: values lie between -{max} and {max}",
                    max = Decimal::MAX
                ),
            )
        })
}

/// The double nearest to a decimal: for a decimal made by [`from_f64`], the
/// very double it was made from. (`Decimal::to_f64` divides in binary, and
/// can miss the nearest double by one unit in the last place.)
pub fn to_f64(d: Decimal) -> f64 {
    // The common case without text: a mantissa and a power of ten that are
    // both exact doubles (at most 2^53 and 10^22) divide to the nearest
    // double, since IEEE division rounds correctly.
    const EXACT: u128 = 1 << 53;
    let mantissa = d.mantissa().unsigned_abs();
    if mantissa <= EXACT && d.scale() <= 22 {
        let quotient = mantissa as f64 / 10f64.powi(d.scale() as i32);
        return if d.is_sign_negative() {
            -quotient
        } else {
            quotient
        };
    }
    // Otherwise Rust's parsing of a decimal string, which is correctly
    // rounded; every decimal's text is well within a double's range.
    d.to_string().parse().unwrap_or_else(|_| d.as_f64())
}

/// Serde for a decimal field: written in the one written form, read in any
/// form a decimal has been written in (histories recorded before this form
/// hold `24000.0` and `12.50`).
pub mod serde_written {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal as a string in its written form.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::written(*d))
    }

    /// Reads a decimal as it always has been read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        <Decimal as Deserialize>::deserialize(d)
    }
}

/// Serde for an optional decimal field, as [`serde_written`].
pub mod serde_written_option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal, if any, as a string in its written form.
    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::written(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional decimal as it always has been read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        Option::<Decimal>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_quotient_is_the_double_the_text_parses_to() {
        for text in [
            "0",
            "1",
            "-1",
            "0.1",
            "0.30000000000000004",
            "7.390000000000001",
            "24000",
            "0.6666666666666666",
            "34599649029.65286",
            "9007199254740993",
            "-12.5",
            "0.0000000000000000000001",
            "123456789.123456789",
        ] {
            let d = dec(text);
            let parsed: f64 = d.to_string().parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(to_f64(d).to_bits(), parsed.to_bits(), "{text}");
        }
    }

    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("a decimal")
    }

    /// Computed doubles, and what each is recorded as.
    const COMPUTED: [(f64, &str); 10] = [
        (0.1 + 0.2, "0.30000000000000004"),
        (7.4 - 0.01, "7.390000000000001"),
        (2.0 / 3.0, "0.6666666666666666"),
        (1.0 / 3.0, "0.3333333333333333"),
        (7.123456789012345, "7.123456789012345"),
        (1e-20, "0.00000000000000000001"),
        (1.2345678901234567e-12, "0.0000000000012345678901234567"),
        (1e28, "10000000000000000000000000000"),
        (-3.25, "-3.25"),
        (0.0, "0"),
    ];

    #[test]
    fn a_computed_double_is_recorded_as_it_prints_and_read_back_as_itself() {
        for (double, recorded) in COMPUTED {
            let d = from_f64(double).unwrap_or_else(|e| panic!("{double:e}: {}", e.problem));
            assert_eq!(written(d), recorded, "{double:e}");
            assert_eq!(written(d), double.to_string(), "{double:e}");
            assert_eq!(to_f64(d).to_bits(), double.to_bits(), "{double:e}");
        }
    }

    #[test]
    fn a_double_no_decimal_holds_is_refused_saying_why() {
        for (double, why) in [
            (f64::NAN, "not a finite number"),
            (f64::INFINITY, "not a finite number"),
            (-0.0, "-0 is not a value"),
            (1e-300, "300 decimal places"),
            (-1e-300, "300 decimal places"),
            (5e-324, "decimal places"),
            (f64::MIN_POSITIVE, "decimal places"),
            (1.2345678901234567e-13, "29 decimal places"),
            (1e29, "too large"),
            (-1e29, "too large"),
            (f64::MAX, "too large"),
        ] {
            let problem = from_f64(double)
                .map(|d| panic!("{double:e} became {d}"))
                .unwrap_err()
                .problem;
            assert!(problem.contains(why), "{double:e}: {problem}");
            assert!(problem.len() < 200, "{problem}");
        }
    }

    /// Accepted exactly when a decimal holds the shortest form; accepted,
    /// written as the double prints and read back as the same double.
    fn round_trip(double: f64) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prelude::*;
        match from_f64(double) {
            Ok(d) => {
                prop_assert_eq!(written(d), double.to_string());
                prop_assert_eq!(to_f64(d).to_bits(), double.to_bits());
            }
            Err(_) => {
                let places = double
                    .to_string()
                    .split_once('.')
                    .map_or(0, |(_, f)| f.len());
                prop_assert!(
                    !double.is_finite()
                        || (double == 0.0 && double.is_sign_negative())
                        || double.abs() >= 7.9e28
                        || places > MAX_PLACES,
                    "{:e} was refused",
                    double
                );
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn any_double_is_taken_as_it_prints_or_refused(double in proptest::num::f64::ANY) {
            round_trip(double)?;
        }

        #[test]
        fn any_computed_value_is_taken_as_it_prints(
            a in -1e9..1e9f64,
            b in 1e-3..1e6f64,
        ) {
            for double in [a + b, a - b, a * b, a / b] {
                proptest::prop_assert!(from_f64(double).is_ok(), "{:e}", double);
                round_trip(double)?;
            }
        }
    }

    #[test]
    fn every_decimal_is_written_one_way() {
        for (any, one) in [
            ("24000.00", "24000"),
            ("24000.0", "24000"),
            ("40000", "40000"),
            ("12.50", "12.5"),
            ("-0.0", "0"),
            ("0.000", "0"),
        ] {
            assert_eq!(written(dec(any)), one, "{any}");
        }
    }

    #[test]
    fn decimals_read_back_as_the_nearest_double() {
        // `Decimal::as_f64` misses each of these by one unit in the last place.
        for text in [
            "0.0004392119048899982",
            "34599649029.65286",
            "0.00000009771086515603919",
        ] {
            let parsed: f64 = text.parse().expect("a double");
            assert_eq!(to_f64(dec(text)).to_bits(), parsed.to_bits(), "{text}");
            assert_ne!(dec(text).as_f64().to_bits(), parsed.to_bits(), "{text}");
        }
    }
}
