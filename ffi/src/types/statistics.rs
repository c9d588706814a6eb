//! Mesos's `ResourceStatistics`: a container's usage, as isolators report it.

use serde::{Deserialize, Serialize};

/// A usage snapshot. Each isolator fills the fields it measures; the agent merges them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceStatistics {
    /// Snapshot time in seconds since the epoch (required by Mesos).
    #[serde(default)]
    pub timestamp: f64,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_user_time_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_system_time_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_nr_periods: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_nr_throttled: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_throttled_time_secs: Option<f64>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_total_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_total_memsw_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_limit_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_soft_limit_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_file_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_anon_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_cache_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_rss_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_mapped_file_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_swap_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_unevictable_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_low_pressure_counter: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_medium_pressure_counter: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_critical_pressure_counter: Option<u64>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_limit_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_used_bytes: Option<u64>,
    /// Mesos's per-volume `DiskStatistics`, kept as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_statistics: Vec<serde_json::Value>,
    /// Mesos's blkio statistics, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blkio_statistics: Option<serde_json::Value>,
    /// Mesos's `PerfStatistics`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perf: Option<serde_json::Value>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_rx_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_rx_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_rx_errors: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_rx_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tx_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tx_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tx_errors: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tx_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_rtt_microsecs_p50: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_rtt_microsecs_p90: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_rtt_microsecs_p95: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_rtt_microsecs_p99: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_active_connections: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tcp_time_wait_connections: Option<f64>,
    /// Mesos's `TrafficControlStatistics` list, kept as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub net_traffic_control_statistics: Vec<serde_json::Value>,
    /// Mesos's `SNMPStatistics`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_snmp_statistics: Option<serde_json::Value>,
}

/// Copies each listed optional field of `$other` that is set.
macro_rules! take_set_fields {
    ($self:ident, $other:ident; $($field:ident),+ $(,)?) => {
        $(
            if $other.$field.is_some() {
                $self.$field.clone_from(&$other.$field);
            }
        )+
    };
}

impl ResourceStatistics {
    /// Fills in what `other` measured: its set fields win, lists are appended, and the
    /// newer timestamp is kept. Used to combine the partial reports of several isolators.
    pub fn merge(&mut self, other: &ResourceStatistics) {
        self.timestamp = self.timestamp.max(other.timestamp);
        take_set_fields!(self, other;
            processes, threads,
            cpus_user_time_secs, cpus_system_time_secs, cpus_limit, cpus_nr_periods,
            cpus_nr_throttled, cpus_throttled_time_secs,
            mem_total_bytes, mem_total_memsw_bytes, mem_limit_bytes, mem_soft_limit_bytes,
            mem_file_bytes, mem_anon_bytes, mem_cache_bytes, mem_rss_bytes,
            mem_mapped_file_bytes, mem_swap_bytes, mem_unevictable_bytes,
            mem_low_pressure_counter, mem_medium_pressure_counter, mem_critical_pressure_counter,
            disk_limit_bytes, disk_used_bytes, blkio_statistics, perf,
            net_rx_packets, net_rx_bytes, net_rx_errors, net_rx_dropped,
            net_tx_packets, net_tx_bytes, net_tx_errors, net_tx_dropped,
            net_tcp_rtt_microsecs_p50, net_tcp_rtt_microsecs_p90, net_tcp_rtt_microsecs_p95,
            net_tcp_rtt_microsecs_p99, net_tcp_active_connections, net_tcp_time_wait_connections,
            net_snmp_statistics,
        );
        self.disk_statistics
            .extend(other.disk_statistics.iter().cloned());
        self.net_traffic_control_statistics
            .extend(other.net_traffic_control_statistics.iter().cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_fills_from_partial_reports() {
        let mut total = ResourceStatistics {
            timestamp: 100.0,
            cpus_limit: Some(1.0),
            mem_rss_bytes: Some(10),
            ..ResourceStatistics::default()
        };
        let memory = ResourceStatistics {
            timestamp: 101.5,
            mem_rss_bytes: Some(2048),
            mem_limit_bytes: Some(4096),
            ..ResourceStatistics::default()
        };
        let disk = ResourceStatistics {
            timestamp: 99.0,
            disk_used_bytes: Some(7),
            disk_statistics: vec![json!({"limit_bytes": 10, "used_bytes": 7})],
            ..ResourceStatistics::default()
        };
        total.merge(&memory);
        total.merge(&disk);
        total.merge(&ResourceStatistics::default());
        assert_eq!(total.timestamp, 101.5);
        assert_eq!(total.cpus_limit, Some(1.0));
        assert_eq!(total.mem_rss_bytes, Some(2048));
        assert_eq!(total.mem_limit_bytes, Some(4096));
        assert_eq!(total.disk_used_bytes, Some(7));
        assert_eq!(total.disk_statistics.len(), 1);
    }

    #[test]
    fn json_uses_mesos_names_and_skips_unset_fields() {
        let stats = ResourceStatistics {
            timestamp: 1.5,
            cpus_user_time_secs: Some(0.25),
            mem_total_bytes: Some(1024),
            processes: Some(3),
            ..ResourceStatistics::default()
        };
        let written = serde_json::to_value(&stats).expect("serializable");
        assert_eq!(
            written,
            json!({"timestamp": 1.5, "processes": 3, "cpus_user_time_secs": 0.25,
                   "mem_total_bytes": 1024})
        );
        let read: ResourceStatistics = serde_json::from_value(json!({
            "timestamp": 2.0, "cpus_nr_throttled": 4, "net_rx_bytes": 99, "new_metric": 1
        }))
        .expect("valid");
        assert_eq!(read.cpus_nr_throttled, Some(4));
        assert_eq!(read.net_rx_bytes, Some(99));
    }
}
