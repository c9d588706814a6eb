//! Metrics as the agent and the master expose them: a snapshot of Mesos-named values
//! (`master/tasks_running`) rendered for `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;

/// Prometheus text exposition, every value a gauge named `modkit_<name>`; `/` and other
/// characters Prometheus does not allow in names become `_`.
pub fn prometheus(snapshot: &BTreeMap<String, f64>) -> String {
    let mut out = String::new();
    for (name, value) in snapshot {
        let name: String = format!("modkit_{name}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        out.push_str(&format!("# TYPE {name} gauge\n{name} {value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_prometheus_names() {
        let text = prometheus(&BTreeMap::from([
            ("master/tasks_running".to_string(), 2.0),
            ("agent/cpus-total.x".to_string(), 0.5),
        ]));
        assert_eq!(
            text,
            "# TYPE modkit_agent_cpus_total_x gauge\nmodkit_agent_cpus_total_x 0.5\n\
             # TYPE modkit_master_tasks_running gauge\nmodkit_master_tasks_running 2\n"
        );
    }
}
