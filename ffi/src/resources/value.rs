//! The value of one resource, and the Mesos names of value types.

use std::fmt;

use super::{Ranges, Scalar, Set};

/// Mesos's `Value.Type`; resources use the first three, attributes all four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    Scalar,
    Ranges,
    Set,
    Text,
}

impl ValueType {
    /// The Mesos JSON name (`SCALAR`, `RANGES`, `SET`, `TEXT`).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Scalar => "SCALAR",
            ValueType::Ranges => "RANGES",
            ValueType::Set => "SET",
            ValueType::Text => "TEXT",
        }
    }

    /// The type for a Mesos JSON name.
    pub fn from_name(name: &str) -> Option<ValueType> {
        match name {
            "SCALAR" => Some(ValueType::Scalar),
            "RANGES" => Some(ValueType::Ranges),
            "SET" => Some(ValueType::Set),
            "TEXT" => Some(ValueType::Text),
            _ => None,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The amount of one resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Scalar(Scalar),
    Ranges(Ranges),
    Set(Set),
}

impl Value {
    /// The Mesos type of this value.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Scalar(_) => ValueType::Scalar,
            Value::Ranges(_) => ValueType::Ranges,
            Value::Set(_) => ValueType::Set,
        }
    }

    /// Whether nothing is left: zero or less, or no ranges or items; such entries are dropped.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Scalar(scalar) => !scalar.is_positive(),
            Value::Ranges(ranges) => ranges.is_empty(),
            Value::Set(set) => set.is_empty(),
        }
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<Scalar> {
        match self {
            Value::Scalar(scalar) => Some(*scalar),
            _ => None,
        }
    }

    /// The ranges, if this is a ranges value.
    pub fn as_ranges(&self) -> Option<&Ranges> {
        match self {
            Value::Ranges(ranges) => Some(ranges),
            _ => None,
        }
    }

    /// The set, if this is a set value.
    pub fn as_set(&self) -> Option<&Set> {
        match self {
            Value::Set(set) => Some(set),
            _ => None,
        }
    }

    /// Adds `other` in place; `false` (and no change) when the types differ.
    pub(crate) fn add(&mut self, other: &Value) -> bool {
        match (self, other) {
            (Value::Scalar(a), Value::Scalar(b)) => *a += *b,
            (Value::Ranges(a), Value::Ranges(b)) => a.add_all(b),
            (Value::Set(a), Value::Set(b)) => a.add_all(b),
            _ => return false,
        }
        true
    }

    /// Removes `other` in place; `false` (and no change) when the types differ.
    pub(crate) fn subtract(&mut self, other: &Value) -> bool {
        match (self, other) {
            (Value::Scalar(a), Value::Scalar(b)) => *a -= *b,
            (Value::Ranges(a), Value::Ranges(b)) => a.subtract_all(b),
            (Value::Set(a), Value::Set(b)) => a.subtract_all(b),
            _ => return false,
        }
        true
    }

    /// Whether `other` fits inside this value; values of different types never do.
    pub fn contains(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Scalar(a), Value::Scalar(b)) => a >= b,
            (Value::Ranges(a), Value::Ranges(b)) => a.contains_all(b),
            (Value::Set(a), Value::Set(b)) => a.contains_all(b),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(scalar) => scalar.fmt(f),
            Value::Ranges(ranges) => ranges.fmt(f),
            Value::Set(set) => set.fmt(f),
        }
    }
}

impl From<Scalar> for Value {
    fn from(scalar: Scalar) -> Value {
        Value::Scalar(scalar)
    }
}

impl From<Ranges> for Value {
    fn from(ranges: Ranges) -> Value {
        Value::Ranges(ranges)
    }
}

impl From<Set> for Value {
    fn from(set: Set) -> Value {
        Value::Set(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_subtract_contains_by_type() {
        let mut value = Value::Scalar(Scalar::from_units(2));
        assert!(value.add(&Value::Scalar(Scalar::from_f64(0.5))));
        assert_eq!(value.to_string(), "2.5");
        assert!(!value.add(&Value::Ranges(Ranges::from(1..=2))));
        assert!(!value.contains(&Value::Ranges(Ranges::new())));
        assert!(value.subtract(&Value::Scalar(Scalar::from_units(3))));
        assert!(value.is_empty());
        assert_eq!(value.value_type(), ValueType::Scalar);
    }

    #[test]
    fn type_names_round_trip() {
        for kind in [
            ValueType::Scalar,
            ValueType::Ranges,
            ValueType::Set,
            ValueType::Text,
        ] {
            assert_eq!(ValueType::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ValueType::from_name("FOO"), None);
    }
}
