//! Fixed-point scalar quantities.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// Thousandths per unit: Mesos keeps three decimal digits.
const SCALE: i64 = 1000;

/// A scalar quantity with three decimal digits, stored as thousandths.
///
/// Fixed point (as in Mesos) makes sums exact: `0.1 + 0.2 == 0.3`, and an allocator
/// that adds and removes the same amounts always returns to the same total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scalar(i64);

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar(0);

    /// Rounds to the nearest thousandth; NaN becomes zero and huge values saturate, so
    /// callers that must reject those use [`Scalar::try_from_f64`].
    pub fn from_f64(value: f64) -> Scalar {
        Scalar((value * SCALE as f64).round() as i64)
    }

    /// Like [`Scalar::from_f64`], but `None` for NaN, infinities and values out of range.
    pub fn try_from_f64(value: f64) -> Option<Scalar> {
        let milli = (value * SCALE as f64).round();
        // i64::MAX is not exact in f64; stay strictly inside it.
        if milli.is_finite() && milli.abs() < i64::MAX as f64 {
            Some(Scalar(milli as i64))
        } else {
            None
        }
    }

    /// A whole number of units.
    pub fn from_units(units: i64) -> Scalar {
        Scalar(units.saturating_mul(SCALE))
    }

    /// A number of thousandths.
    pub fn from_milli(milli: i64) -> Scalar {
        Scalar(milli)
    }

    /// The value in thousandths.
    pub fn milli(self) -> i64 {
        self.0
    }

    /// The value as a float, for ratios such as dominant shares.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// Whether the value is exactly zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the value is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether the value has no fractional part.
    pub fn is_whole(self) -> bool {
        self.0 % SCALE == 0
    }
}

impl fmt::Display for Scalar {
    /// Trailing zeros are trimmed so that `4`, `0.5` and `0.001` print as Mesos prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / SCALE as u64;
        let fraction = abs % SCALE as u64;
        if fraction == 0 {
            return write!(f, "{sign}{units}");
        }
        let digits = format!("{fraction:03}");
        write!(f, "{sign}{units}.{}", digits.trim_end_matches('0'))
    }
}

impl Add for Scalar {
    type Output = Scalar;
    fn add(self, rhs: Scalar) -> Scalar {
        Scalar(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Scalar {
    fn add_assign(&mut self, rhs: Scalar) {
        *self = *self + rhs;
    }
}

impl Sub for Scalar {
    type Output = Scalar;
    fn sub(self, rhs: Scalar) -> Scalar {
        Scalar(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Scalar {
    fn sub_assign(&mut self, rhs: Scalar) {
        *self = *self - rhs;
    }
}

impl Sum for Scalar {
    fn sum<I: Iterator<Item = Scalar>>(iter: I) -> Scalar {
        iter.fold(Scalar::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact() {
        let sum = Scalar::from_f64(0.1) + Scalar::from_f64(0.2);
        assert_eq!(sum, Scalar::from_f64(0.3));
        assert!(sum >= Scalar::from_f64(0.3));
    }

    #[test]
    fn rounds_to_three_digits() {
        assert_eq!(Scalar::from_f64(0.0004), Scalar::ZERO);
        assert_eq!(Scalar::from_f64(0.0005).milli(), 1);
        assert_eq!(Scalar::from_f64(1.23456).milli(), 1235);
    }

    #[test]
    fn display_trims_trailing_zeros() {
        assert_eq!(Scalar::from_units(4).to_string(), "4");
        assert_eq!(Scalar::from_f64(0.5).to_string(), "0.5");
        assert_eq!(Scalar::from_f64(0.001).to_string(), "0.001");
        assert_eq!(Scalar::from_f64(12.34).to_string(), "12.34");
        assert_eq!(Scalar::from_f64(-0.5).to_string(), "-0.5");
        assert_eq!(Scalar::from_f64(-3.0).to_string(), "-3");
    }

    #[test]
    fn try_from_f64_rejects_non_finite() {
        assert_eq!(Scalar::try_from_f64(f64::NAN), None);
        assert_eq!(Scalar::try_from_f64(f64::INFINITY), None);
        assert_eq!(Scalar::try_from_f64(1e300), None);
        assert_eq!(Scalar::try_from_f64(2.5), Some(Scalar::from_milli(2500)));
        assert_eq!(Scalar::from_f64(f64::NAN), Scalar::ZERO);
    }

    #[test]
    fn arithmetic_and_order() {
        let a = Scalar::from_units(3);
        let b = Scalar::from_f64(1.5);
        assert_eq!(a - b, Scalar::from_f64(1.5));
        assert!(a > b);
        let total: Scalar = [a, b, b].into_iter().sum();
        assert_eq!(total, Scalar::from_units(6));
        assert!((Scalar::from_f64(0.25).as_f64() - 0.25).abs() < f64::EPSILON);
    }
}
