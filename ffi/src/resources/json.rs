//! Mesos v1 JSON for resources:
//! `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"}`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::parse::{ranges_from_spans, set_from_items};
use super::role::UNRESERVED_ROLE;
use super::{Ranges, Resource, Resources, ResourcesError, Scalar, Set, Value, ValueType};

impl Serialize for Scalar {
    /// A bare number: whole values as integers (`4`), others as floats (`0.5`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            serializer.serialize_i64(self.milli() / 1000)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Scalar::try_from_f64(value)
            .ok_or_else(|| de::Error::custom(format!("scalar {value} is out of range")))
    }
}

/// Mesos's `Value.Range`.
#[derive(Serialize, Deserialize)]
struct RangeJson {
    begin: u64,
    end: u64,
}

/// Mesos's `Value.Ranges`.
#[derive(Serialize, Deserialize)]
struct RangesJson {
    #[serde(default)]
    range: Vec<RangeJson>,
}

/// Mesos's `Value.Set`.
#[derive(Serialize, Deserialize)]
struct SetJson {
    #[serde(default)]
    item: Vec<String>,
}

/// Mesos's `Value.Scalar`.
#[derive(Serialize, Deserialize)]
struct ScalarJson {
    value: Scalar,
}

impl Serialize for Ranges {
    /// Mesos's `Value.Ranges`: `{"range":[{"begin":1,"end":2}]}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let range = self
            .iter()
            .map(|(begin, end)| RangeJson { begin, end })
            .collect();
        RangesJson { range }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Ranges {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ranges, D::Error> {
        let json = RangesJson::deserialize(deserializer)?;
        ranges_from_spans(json.range.iter().map(|r| (r.begin, r.end)).collect())
            .map_err(de::Error::custom)
    }
}

impl Serialize for Set {
    /// Mesos's `Value.Set`: `{"item":["a","b"]}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let item = self.iter().map(str::to_string).collect();
        SetJson { item }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Set {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Set, D::Error> {
        let json = SetJson::deserialize(deserializer)?;
        set_from_items(json.item.iter().map(String::as_str)).map_err(de::Error::custom)
    }
}

/// One entry of Mesos's `Resource.reservations`.
#[derive(Serialize, Deserialize)]
struct ReservationJson {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Mesos's `Resource` as written; fields this model does not keep are not read.
#[derive(Serialize)]
struct ResourceOut<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scalar: Option<ScalarJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ranges: Option<&'a Ranges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<&'a Set>,
    role: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reservations: Vec<ReservationJson>,
}

/// Mesos's `Resource` as read; unknown fields (provider_id, disk, ...) are ignored.
#[derive(Deserialize)]
struct ResourceIn {
    name: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    scalar: Option<ScalarJson>,
    #[serde(default)]
    ranges: Option<Ranges>,
    #[serde(default)]
    set: Option<Set>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    reservations: Vec<ReservationJson>,
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (mut scalar, mut ranges, mut set) = (None, None, None);
        match &self.value {
            Value::Scalar(value) => scalar = Some(ScalarJson { value: *value }),
            Value::Ranges(value) => ranges = Some(value),
            Value::Set(value) => set = Some(value),
        }
        let reservations = match &self.role {
            Some(role) => vec![ReservationJson {
                kind: Some("STATIC".to_string()),
                role: Some(role.clone()),
            }],
            None => Vec::new(),
        };
        ResourceOut {
            name: &self.name,
            kind: self.value.value_type().as_str(),
            scalar,
            ranges,
            set,
            role: self.role_name(),
            reservations,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Resource, D::Error> {
        let json = ResourceIn::deserialize(deserializer)?;
        resource_from_json(json).map_err(de::Error::custom)
    }
}

fn resource_from_json(json: ResourceIn) -> Result<Resource, ResourcesError> {
    let name = json.name;
    let invalid = |reason: &str| ResourcesError::Resource {
        name: name.clone(),
        reason: reason.to_string(),
    };
    let kind_name = json.kind.ok_or_else(|| invalid("missing 'type'"))?;
    let value = match ValueType::from_name(&kind_name) {
        Some(ValueType::Scalar) => json
            .scalar
            .map(|scalar| Value::Scalar(scalar.value))
            .ok_or_else(|| invalid("type SCALAR without a 'scalar' field"))?,
        Some(ValueType::Ranges) => json
            .ranges
            .map(Value::Ranges)
            .ok_or_else(|| invalid("type RANGES without a 'ranges' field"))?,
        Some(ValueType::Set) => json
            .set
            .map(Value::Set)
            .ok_or_else(|| invalid("type SET without a 'set' field"))?,
        Some(ValueType::Text) | None => {
            return Err(ResourcesError::UnknownType {
                what: "resource",
                kind: kind_name,
                name,
            })
        }
    };
    // The newest reservation is the one that counts (Mesos's refinement stack).
    let role = match json
        .reservations
        .into_iter()
        .filter_map(|r| r.role)
        .next_back()
    {
        Some(role) => Some(role),
        None => json.role,
    };
    let resource = Resource {
        name,
        value,
        role: role.filter(|role| role != UNRESERVED_ROLE),
    };
    resource.validate()?;
    Ok(resource)
}

impl Serialize for Resources {
    /// A JSON array of resources in canonical order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Resources {
    /// A JSON array of resources, or a string in the text form (handy in config files).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Resources, D::Error> {
        deserializer.deserialize_any(ResourcesVisitor)
    }
}

struct ResourcesVisitor;

impl<'de> Visitor<'de> for ResourcesVisitor {
    type Value = Resources;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Mesos resources or a resources string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Resources, E> {
        Resources::parse(text).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Resources, A::Error> {
        let mut resources = Resources::new();
        while let Some(resource) = seq.next_element::<Resource>()? {
            resources.insert(resource).map_err(de::Error::custom)?;
        }
        Ok(resources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from_json(value: serde_json::Value) -> Result<Resources, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn writes_mesos_v1_json() {
        let resources =
            Resources::parse("cpus:1;mem:0.5;ports:[31000-31005];bugs:{a,b};cpus(ads):8")
                .expect("valid");
        let written = serde_json::to_value(&resources).expect("serializable");
        assert_eq!(
            written,
            json!([
                {"name":"bugs","type":"SET","set":{"item":["a","b"]},"role":"*"},
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"},
                {"name":"cpus","type":"SCALAR","scalar":{"value":8},"role":"ads",
                 "reservations":[{"type":"STATIC","role":"ads"}]},
                {"name":"mem","type":"SCALAR","scalar":{"value":0.5},"role":"*"},
                {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31005}]},"role":"*"}
            ])
        );
        assert_eq!(
            serde_json::to_string(&Resources::parse("cpus:0.001").expect("valid")).ok(),
            Some(
                r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":0.001},"role":"*"}]"#
                    .to_string()
            )
        );
    }

    #[test]
    fn json_round_trips() {
        let resources =
            Resources::parse("cpus:0.25;cpus(a/b):2;ports(x):[1-3,7-9];bugs:{z}").expect("valid");
        let text = serde_json::to_string(&resources).expect("serializable");
        let back: Resources = serde_json::from_str(&text).expect("readable");
        assert_eq!(back, resources);
        assert_eq!(serde_json::to_string(&back).ok(), Some(text));
    }

    #[test]
    fn reads_role_and_reservations() {
        let read = from_json(json!([
            {"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"},
            {"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"ads"},
            {"name":"mem","type":"SCALAR","scalar":{"value":64},
             "reservations":[{"type":"STATIC","role":"eng"},{"type":"DYNAMIC","role":"eng/web","principal":"p"}]},
            {"name":"disk","type":"SCALAR","scalar":{"value":10},"reservations":[]},
            {"name":"gpus","type":"SCALAR","scalar":{"value":1},"provider_id":{"value":"x"},
             "allocation_info":{"role":"ads"},"future_field":true}
        ]));
        assert_eq!(
            read.map(|r| r.to_string()),
            Ok("cpus:1;cpus(ads):2;disk:10;gpus:1;mem(eng/web):64".to_string())
        );
    }

    #[test]
    fn repeated_entries_add_up() {
        let read = from_json(json!([
            {"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},
            {"name":"cpus","type":"SCALAR","scalar":{"value":0.2}},
            {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}},
            {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":3,"end":4}]}}
        ]));
        assert_eq!(
            read.map(|r| r.to_string()),
            Ok("cpus:0.3;ports:[1-4]".to_string())
        );
    }

    #[test]
    fn reads_the_text_form_from_a_string() {
        assert_eq!(
            from_json(json!("cpus:2;mem:128")).map(|r| r.to_string()),
            Ok("cpus:2;mem:128".to_string())
        );
    }

    #[test]
    fn json_errors() {
        let cases = [
            (
                json!([{"name":"cpus","type":"FOO","scalar":{"value":1}}]),
                "unknown resource type 'FOO' for 'cpus'",
            ),
            (
                json!([{"name":"cpus","type":"TEXT","text":{"value":"x"}}]),
                "unknown resource type 'TEXT' for 'cpus'",
            ),
            (
                json!([{"name":"cpus","scalar":{"value":1}}]),
                "invalid resource 'cpus': missing 'type'",
            ),
            (
                json!([{"name":"cpus","type":"SCALAR"}]),
                "invalid resource 'cpus': type SCALAR without a 'scalar' field",
            ),
            (
                json!([{"name":"mem","type":"SCALAR","scalar":{"value":-5}}]),
                "invalid resource 'mem': negative value -5 for 'mem'",
            ),
            (
                json!([{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":1}]}}]),
                "range 5-1 ends before it begins",
            ),
            (
                json!([{"name":"ports","type":"RANGES","ranges":{"range":[
                    {"begin":1,"end":10},{"begin":5,"end":20}]}}]),
                "ranges 1-10 and 5-20 overlap",
            ),
            (
                json!([{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":""}]),
                "invalid resource 'cpus': invalid role '' for 'cpus': a role may not be empty",
            ),
            (
                json!([{"name":"","type":"SCALAR","scalar":{"value":1}}]),
                "invalid resource '': empty name",
            ),
            (
                json!([{"name":"cpus","type":"SCALAR","scalar":{"value":1}},
                       {"name":"cpus","type":"SET","set":{"item":["a"]}}]),
                "invalid resource 'cpus': 'cpus' has two types (SCALAR and SET)",
            ),
            (
                json!([{"name":"s","type":"SET","set":{"item":["a","a"]}}]),
                "duplicate item 'a'",
            ),
            (
                json!("cpus:x"),
                "invalid resources 'cpus:x': 'x' is not a number",
            ),
            (json!({"name":"cpus"}), "invalid type: map"),
        ];
        for (input, expected) in cases {
            let error = from_json(input.clone()).err().unwrap_or_default();
            assert!(error.starts_with(expected), "{input}: got {error:?}");
        }
    }

    #[test]
    fn single_resource_and_scalar_json() {
        let resource: Resource = serde_json::from_value(
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":1.23456},"role":"ads"}),
        )
        .expect("valid");
        assert_eq!(resource.to_string(), "cpus(ads):1.235");
        assert_eq!(
            serde_json::to_string(&Scalar::from_units(4)).ok(),
            Some("4".into())
        );
        assert_eq!(
            serde_json::to_string(&Scalar::from_f64(0.5)).ok(),
            Some("0.5".into())
        );
        assert!(serde_json::from_str::<Scalar>("1e300").is_err());
    }
}
