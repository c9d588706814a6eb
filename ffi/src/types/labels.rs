//! Key-value records: `Labels`, `Environment` and `Parameters`.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

/// One free-form label; the value is optional in Mesos.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Label {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Mesos's `Labels`: `{"labels":[{"key":"k","value":"v"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Labels {
    #[serde(default)]
    pub labels: Vec<Label>,
}

impl Labels {
    /// The value of the first label with `key`; a label without a value gives `""`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|label| label.key == key)
            .map(|label| label.value.as_deref().unwrap_or(""))
    }

    /// Sets `key` to `value`, replacing every label with that key (keeping the first's place),
    /// because decorators must not leave duplicate keys behind.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let label = Label {
            key: key.into(),
            value: Some(value.into()),
        };
        match self.labels.iter().position(|held| held.key == label.key) {
            Some(index) => {
                let key = label.key.clone();
                self.labels[index] = label;
                let mut seen_first = false;
                self.labels.retain(|held| {
                    let keep = held.key != key || !seen_first;
                    seen_first |= held.key == key;
                    keep
                });
            }
            None => self.labels.push(label),
        }
    }

    /// Removes every label with `key`; `false` when there was none.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.labels.len();
        self.labels.retain(|label| label.key != key);
        self.labels.len() != before
    }

    /// The labels in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Label> {
        self.labels.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        let mut labels = Labels::default();
        for (key, value) in iter {
            labels.insert(key, value);
        }
        labels
    }
}

wire_enum! {
    /// How an environment variable's value is given; Mesos defaults to `VALUE`.
    #[derive(Default)]
    pub enum VariableType {
        Unknown = 0 => "UNKNOWN",
        #[default]
        Value = 1 => "VALUE",
        Secret = 2 => "SECRET",
    }
}

/// One environment variable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    #[serde(default)]
    pub r#type: VariableType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Mesos's `Secret`, kept as JSON: modkit does not resolve secrets itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<serde_json::Value>,
}

/// Mesos's `Environment`: `{"variables":[{"name":"N","type":"VALUE","value":"v"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    #[serde(default)]
    pub variables: Vec<Variable>,
}

impl Environment {
    /// The value of the last variable called `name` (the one a process would see).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .rev()
            .find(|variable| variable.name == name)
            .and_then(|variable| variable.value.as_deref())
    }

    /// Sets `name` to a plain value, replacing every variable of that name.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let variable = Variable {
            name: name.into(),
            r#type: VariableType::Value,
            value: Some(value.into()),
            secret: None,
        };
        match self
            .variables
            .iter()
            .position(|held| held.name == variable.name)
        {
            Some(index) => {
                let name = variable.name.clone();
                self.variables[index] = variable;
                let mut seen_first = false;
                self.variables.retain(|held| {
                    let keep = held.name != name || !seen_first;
                    seen_first |= held.name == name;
                    keep
                });
            }
            None => self.variables.push(variable),
        }
    }

    /// Removes every variable called `name`; `false` when there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.variables.len();
        self.variables.retain(|variable| variable.name != name);
        self.variables.len() != before
    }

    /// Adds every variable of `other`, whose values win.
    pub fn merge(&mut self, other: &Environment) {
        for variable in &other.variables {
            self.variables.retain(|held| held.name != variable.name);
            self.variables.push(variable.clone());
        }
    }

    /// The variables in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Variable> {
        self.variables.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.variables.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Environment {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Environment {
        let mut environment = Environment::default();
        for (name, value) in iter {
            environment.insert(name, value);
        }
        environment
    }
}

/// One `key=value` parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parameter {
    pub key: String,
    pub value: String,
}

/// Mesos's `Parameters`: `{"parameter":[{"key":"k","value":"v"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parameters {
    #[serde(default)]
    pub parameter: Vec<Parameter>,
}

impl Parameters {
    /// The value of the first parameter with `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.parameter
            .iter()
            .find(|parameter| parameter.key == key)
            .map(|parameter| parameter.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_get_insert_remove() {
        let mut labels: Labels = serde_json::from_value(
            json!({"labels":[{"key":"a","value":"1"},{"key":"flag"},{"key":"a","value":"2"}]}),
        )
        .expect("valid");
        assert_eq!(labels.get("a"), Some("1"));
        assert_eq!(labels.get("flag"), Some(""));
        assert_eq!(labels.get("b"), None);
        labels.insert("a", "9");
        assert_eq!(
            serde_json::to_value(&labels).ok(),
            Some(json!({"labels":[{"key":"a","value":"9"},{"key":"flag"}]}))
        );
        labels.insert("b", "x");
        assert_eq!(labels.iter().count(), 3);
        assert!(labels.remove("flag") && !labels.remove("flag"));
        let built: Labels = [("k", "v")].into_iter().collect();
        assert_eq!(built.get("k"), Some("v"));
        assert!(Labels::default().is_empty());
    }

    #[test]
    fn environment_defaults_to_value_type() {
        let mut environment: Environment = serde_json::from_value(json!({"variables":[
            {"name":"PATH","value":"/bin"},
            {"name":"TOKEN","type":"SECRET","secret":{"type":"REFERENCE","reference":{"name":"s"}}}
        ]}))
        .expect("valid");
        assert_eq!(environment.variables[0].r#type, VariableType::Value);
        assert_eq!(environment.variables[1].r#type, VariableType::Secret);
        assert_eq!(environment.get("PATH"), Some("/bin"));
        assert_eq!(environment.get("TOKEN"), None);
        environment.insert("PATH", "/usr/bin");
        environment.merge(&[("HOME", "/root"), ("PATH", "/sbin")].into_iter().collect());
        assert_eq!(environment.get("PATH"), Some("/sbin"));
        assert_eq!(environment.get("HOME"), Some("/root"));
        assert_eq!(environment.iter().filter(|v| v.name == "PATH").count(), 1);
        let written = serde_json::to_value(Environment::from_iter([("A", "1")])).ok();
        assert_eq!(
            written,
            Some(json!({"variables":[{"name":"A","type":"VALUE","value":"1"}]}))
        );
        assert!(environment.remove("HOME"));
    }

    #[test]
    fn parameters_use_the_singular_field() {
        let parameters: Parameters =
            serde_json::from_value(json!({"parameter":[{"key":"k","value":"v"}]})).expect("valid");
        assert_eq!(parameters.get("k"), Some("v"));
        assert_eq!(parameters.get("x"), None);
    }
}
