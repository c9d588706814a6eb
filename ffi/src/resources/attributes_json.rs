//! Mesos v1 JSON for attributes: `{"name":"rack","type":"TEXT","text":{"value":"r1"}}`.

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::{
    Attribute, AttributeValue, Attributes, Ranges, ResourcesError, Scalar, Set, ValueType,
};

/// Mesos's `Value.Text`.
#[derive(Serialize, Deserialize)]
struct TextJson {
    value: String,
}

/// Mesos's `Value.Scalar`.
#[derive(Serialize, Deserialize)]
struct ScalarJson {
    value: Scalar,
}

/// Mesos's `Attribute`; unknown fields are ignored on input.
#[derive(Serialize, Deserialize)]
struct AttributeJson {
    name: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<TextJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scalar: Option<ScalarJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ranges: Option<Ranges>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set: Option<Set>,
}

impl Serialize for Attribute {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut json = AttributeJson {
            name: self.name.clone(),
            kind: Some(self.value.value_type().as_str().to_string()),
            text: None,
            scalar: None,
            ranges: None,
            set: None,
        };
        match &self.value {
            AttributeValue::Text(value) => {
                json.text = Some(TextJson {
                    value: value.clone(),
                })
            }
            AttributeValue::Scalar(value) => json.scalar = Some(ScalarJson { value: *value }),
            AttributeValue::Ranges(value) => json.ranges = Some(value.clone()),
            AttributeValue::Set(value) => json.set = Some(value.clone()),
        }
        json.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Attribute {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attribute, D::Error> {
        let json = AttributeJson::deserialize(deserializer)?;
        attribute_from_json(json).map_err(de::Error::custom)
    }
}

fn attribute_from_json(json: AttributeJson) -> Result<Attribute, ResourcesError> {
    let name = json.name;
    let invalid = |reason: String| ResourcesError::Attribute {
        name: name.clone(),
        reason,
    };
    let kind_name = json
        .kind
        .ok_or_else(|| invalid("missing 'type'".to_string()))?;
    let missing = |field: &str| invalid(format!("type {kind_name} without a '{field}' field"));
    let value = match ValueType::from_name(&kind_name) {
        Some(ValueType::Text) => json
            .text
            .map(|text| AttributeValue::Text(text.value))
            .ok_or_else(|| missing("text"))?,
        Some(ValueType::Scalar) => json
            .scalar
            .map(|scalar| AttributeValue::Scalar(scalar.value))
            .ok_or_else(|| missing("scalar"))?,
        Some(ValueType::Ranges) => json
            .ranges
            .map(AttributeValue::Ranges)
            .ok_or_else(|| missing("ranges"))?,
        Some(ValueType::Set) => json
            .set
            .map(AttributeValue::Set)
            .ok_or_else(|| missing("set"))?,
        None => {
            return Err(ResourcesError::UnknownType {
                what: "attribute",
                kind: kind_name,
                name,
            })
        }
    };
    let attribute = Attribute { name, value };
    attribute.validate()?;
    Ok(attribute)
}

impl Serialize for Attributes {
    /// A JSON array, in order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attributes, D::Error> {
        let list = Vec::<Attribute>::deserialize(deserializer)?;
        let mut attributes = Attributes::new();
        for attribute in list {
            attributes.push(attribute).map_err(de::Error::custom)?;
        }
        Ok(attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_and_reads_mesos_json() {
        let attributes =
            Attributes::parse("rack:r1;zone:3;ports:[1-2];s:{a,b};w:0.5").expect("valid");
        let written = serde_json::to_value(&attributes).expect("serializable");
        assert_eq!(
            written,
            json!([
                {"name":"rack","type":"TEXT","text":{"value":"r1"}},
                {"name":"zone","type":"SCALAR","scalar":{"value":3}},
                {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}},
                {"name":"s","type":"SET","set":{"item":["a","b"]}},
                {"name":"w","type":"SCALAR","scalar":{"value":0.5}}
            ])
        );
        let back: Attributes = serde_json::from_value(written).expect("readable");
        assert_eq!(back, attributes);
    }

    #[test]
    fn json_errors() {
        let read = |value: serde_json::Value| {
            serde_json::from_value::<Attributes>(value)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            read(json!([{"name":"rack","type":"FOO"}])),
            "unknown attribute type 'FOO' for 'rack'"
        );
        assert_eq!(
            read(json!([{"name":"rack","type":"TEXT"}])),
            "invalid attribute 'rack': type TEXT without a 'text' field"
        );
        assert_eq!(
            read(json!([{"name":"","type":"TEXT","text":{"value":"x"}}])),
            "invalid attribute '': empty name"
        );
        let ignored = serde_json::from_value::<Attributes>(
            json!([{"name":"rack","type":"TEXT","text":{"value":"r1"},"extra":1}]),
        );
        assert!(ignored.is_ok());
    }
}
