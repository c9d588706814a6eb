//! Agent attributes: `rack:r1;os:debian;zone:3;ports:[1-2];s:{a,b}`.

use std::fmt;
use std::str::FromStr;

use super::parse::{parse_number, parse_ranges, parse_set, split_token, tokens, Bracketed};
use super::resource::validate_name;
use super::{Ranges, ResourcesError, Scalar, Set, ValueType};

/// The value of one attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    Text(String),
    Scalar(Scalar),
    Ranges(Ranges),
    Set(Set),
}

impl AttributeValue {
    /// The Mesos type of this value.
    pub fn value_type(&self) -> ValueType {
        match self {
            AttributeValue::Text(_) => ValueType::Text,
            AttributeValue::Scalar(_) => ValueType::Scalar,
            AttributeValue::Ranges(_) => ValueType::Ranges,
            AttributeValue::Set(_) => ValueType::Set,
        }
    }

    /// The text, if this is a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            AttributeValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<Scalar> {
        match self {
            AttributeValue::Scalar(scalar) => Some(*scalar),
            _ => None,
        }
    }

    /// Why this value would not print and parse back, if it would not.
    pub(crate) fn problem(&self) -> Option<String> {
        match self {
            AttributeValue::Text(text) if text.is_empty() => Some("empty text".to_string()),
            AttributeValue::Text(text) if text.trim() != text => {
                Some(format!("text '{text}' has leading or trailing whitespace"))
            }
            AttributeValue::Text(text)
                if text.contains(';') || text.starts_with('[') || text.starts_with('{') =>
            {
                Some(format!(
                    "text '{text}' may not contain ';' or start with '[' or '{{'"
                ))
            }
            _ => None,
        }
    }
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Text(text) => f.write_str(text),
            AttributeValue::Scalar(scalar) => scalar.fmt(f),
            AttributeValue::Ranges(ranges) => ranges.fmt(f),
            AttributeValue::Set(set) => set.fmt(f),
        }
    }
}

/// One attribute, such as `rack:r1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    pub name: String,
    pub value: AttributeValue,
}

impl Attribute {
    /// Checks the name and value, so that the attribute prints and parses back.
    pub fn validate(&self) -> Result<(), ResourcesError> {
        let reason = match validate_name(&self.name) {
            Err(reason) => Some(reason),
            Ok(()) => self.value.problem(),
        };
        reason.map_or(Ok(()), |reason| {
            Err(ResourcesError::Attribute {
                name: self.name.clone(),
                reason,
            })
        })
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.value)
    }
}

/// Agent attributes in the order given, as Mesos keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Attributes {
    entries: Vec<Attribute>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Attributes {
        Attributes::default()
    }

    /// Parses the text form: a bracketed value is RANGES or SET, a number SCALAR, and any
    /// other word TEXT.
    pub fn parse(text: &str) -> Result<Attributes, ResourcesError> {
        let mut attributes = Attributes::new();
        for token in tokens(text) {
            let attribute =
                parse_attribute(token, text).map_err(|reason| ResourcesError::AttributesText {
                    input: text.to_string(),
                    reason,
                })?;
            attributes.entries.push(attribute);
        }
        Ok(attributes)
    }

    /// The value of the first attribute called `name`.
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.entries
            .iter()
            .find(|attribute| attribute.name == name)
            .map(|attribute| &attribute.value)
    }

    /// Sets `name`, replacing every attribute of that name (keeping the first one's place).
    pub fn set(
        &mut self,
        name: impl Into<String>,
        value: AttributeValue,
    ) -> Result<(), ResourcesError> {
        let attribute = Attribute {
            name: name.into(),
            value,
        };
        attribute.validate()?;
        let name = attribute.name.as_str();
        match self.entries.iter().position(|held| held.name == name) {
            Some(index) => {
                let mut seen_first = false;
                self.entries.retain(|held| {
                    let keep = held.name != name || !seen_first;
                    seen_first |= held.name == name;
                    keep
                });
                self.entries[index] = attribute;
            }
            None => self.entries.push(attribute),
        }
        Ok(())
    }

    /// Appends an attribute after validating it (Mesos allows repeated names).
    pub fn push(&mut self, attribute: Attribute) -> Result<(), ResourcesError> {
        attribute.validate()?;
        self.entries.push(attribute);
        Ok(())
    }

    /// Removes every attribute called `name`; `false` when there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|attribute| attribute.name != name);
        self.entries.len() != before
    }

    /// The attributes in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.entries.iter()
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parse_attribute(token: &str, input: &str) -> Result<Attribute, String> {
    let (name, text) = split_token(token, input)?;
    validate_name(name).map_err(|reason| format!("{reason} in '{token}'"))?;
    // As in Mesos, only a leading bracket makes RANGES or SET; `ubuntu[20]` is text.
    let shape = if text.starts_with('[') || text.starts_with('{') {
        Bracketed::classify(text, token)?
    } else {
        Bracketed::Plain(text)
    };
    let value = match shape {
        Bracketed::Ranges(body) => AttributeValue::Ranges(parse_ranges(body)?),
        Bracketed::Set(body) => AttributeValue::Set(parse_set(body)?),
        // Words such as `nan` or `1.2.3` are text, not numbers.
        Bracketed::Plain(text) => match parse_number(text) {
            Ok(scalar) => AttributeValue::Scalar(scalar),
            Err(_) => AttributeValue::Text(text.to_string()),
        },
    };
    Ok(Attribute {
        name: name.to_string(),
        value,
    })
}

impl FromStr for Attributes {
    type Err = ResourcesError;

    fn from_str(text: &str) -> Result<Attributes, ResourcesError> {
        Attributes::parse(text)
    }
}

impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, attribute) in self.entries.iter().enumerate() {
            if index > 0 {
                f.write_str(";")?;
            }
            attribute.fmt(f)?;
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = &'a Attribute;
    type IntoIter = std::slice::Iter<'a, Attribute>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_type_and_keeps_order() {
        let text = "rack:r1;os:debian;zone:3;ports:[1-2];s:{a,b}";
        let attributes = Attributes::parse(text).expect("valid");
        assert_eq!(attributes.to_string(), text);
        assert_eq!(
            attributes.get("rack"),
            Some(&AttributeValue::Text("r1".into()))
        );
        assert_eq!(
            attributes.get("zone"),
            Some(&AttributeValue::Scalar(Scalar::from_units(3)))
        );
        assert_eq!(
            attributes.get("ports"),
            Some(&AttributeValue::Ranges(Ranges::from(1..=2)))
        );
        assert_eq!(
            attributes.get("s").map(AttributeValue::value_type),
            Some(ValueType::Set)
        );
        assert_eq!(attributes.get("missing"), None);
        assert_eq!(attributes.len(), 5);
    }

    #[test]
    fn words_that_look_numeric_stay_text() {
        let attributes =
            Attributes::parse(" v : 1.2.3 ; f:nan; n:-2.5; url:http://x:80 ;").expect("valid");
        assert_eq!(
            attributes.get("v").and_then(AttributeValue::as_text),
            Some("1.2.3")
        );
        assert_eq!(
            attributes.get("f").and_then(AttributeValue::as_text),
            Some("nan")
        );
        assert_eq!(
            attributes.get("n").and_then(AttributeValue::as_scalar),
            Some(Scalar::from_f64(-2.5))
        );
        assert_eq!(
            attributes.get("url").and_then(AttributeValue::as_text),
            Some("http://x:80")
        );
        assert_eq!(
            attributes.to_string(),
            "v:1.2.3;f:nan;n:-2.5;url:http://x:80"
        );
        let bracketed = Attributes::parse("os:ubuntu[20];k:a{b}").expect("valid");
        assert_eq!(
            bracketed.get("os").and_then(AttributeValue::as_text),
            Some("ubuntu[20]")
        );
        assert_eq!(bracketed.to_string(), "os:ubuntu[20];k:a{b}");
    }

    #[test]
    fn errors_quote_input_and_token() {
        let cases = [
            ("rack", "invalid attributes 'rack': missing ':'"),
            (
                "a:1;rack",
                "invalid attributes 'a:1;rack': missing ':' in 'rack'",
            ),
            (
                "rack:",
                "invalid attributes 'rack:': missing value for 'rack' in 'rack:'",
            ),
            (":r1", "invalid attributes ':r1': empty name in ':r1'"),
            (
                "p:[2-1]",
                "invalid attributes 'p:[2-1]': range 2-1 ends before it begins",
            ),
            (
                "p:[1-3",
                "invalid attributes 'p:[1-3': unbalanced '[' in 'p:[1-3'",
            ),
            (
                "s:{a,a}",
                "invalid attributes 's:{a,a}': duplicate item 'a' in '{a,a}'",
            ),
        ];
        for (text, expected) in cases {
            let error = Attributes::parse(text).map(|a| a.to_string());
            assert_eq!(
                error.map_err(|e| e.to_string()),
                Err(expected.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn set_replaces_and_push_appends() {
        let mut attributes = Attributes::parse("rack:r1;os:debian;rack:r2").expect("valid");
        assert_eq!(
            attributes.get("rack").and_then(AttributeValue::as_text),
            Some("r1")
        );
        attributes
            .set("rack", AttributeValue::Text("r9".into()))
            .expect("valid");
        assert_eq!(attributes.to_string(), "rack:r9;os:debian");
        attributes
            .set("zone", AttributeValue::Scalar(Scalar::from_units(2)))
            .expect("valid");
        assert_eq!(attributes.to_string(), "rack:r9;os:debian;zone:2");
        assert!(attributes
            .set("bad name", AttributeValue::Text("x".into()))
            .is_err());
        assert!(attributes
            .set("t", AttributeValue::Text("a;b".into()))
            .is_err());
        let pushed = attributes.push(Attribute {
            name: "os".into(),
            value: AttributeValue::Text("alpine".into()),
        });
        assert!(pushed.is_ok());
        assert!(attributes.remove("os"));
        assert!(!attributes.remove("os"));
        assert_eq!(attributes.to_string(), "rack:r9;zone:2");
    }
}
