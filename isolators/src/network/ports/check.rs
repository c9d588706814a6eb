//! Which listening ports a container was not given.

use modkit_ffi::resources::Ranges;
use std::collections::BTreeSet;

/// The ports in `listening` that are checked (all, or those in `checked`) and not in
/// `allocated`.
pub fn unallocated(
    listening: &BTreeSet<u16>,
    allocated: &Ranges,
    checked: Option<&Ranges>,
) -> Vec<u16> {
    listening
        .iter()
        .copied()
        .filter(|port| checked.map_or(true, |c| c.contains(u64::from(*port))))
        .filter(|port| !allocated.contains(u64::from(*port)))
        .collect()
}

/// The limitation's message: `Task listens on unallocated ports: 8081, 9000`.
pub fn violation_message(ports: &[u16]) -> String {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    let noun = if ports.len() == 1 { "port" } else { "ports" };
    format!("Task listens on unallocated {noun}: {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(spans: &[(u64, u64)]) -> Ranges {
        spans.iter().map(|&(b, e)| b..=e).collect()
    }

    #[test]
    fn allocated_ports_pass_others_do_not() {
        let listening = BTreeSet::from([22, 31000, 31005, 31006, 8081, 9000]);
        let allocated = ranges(&[(31000, 31005)]);
        assert_eq!(
            unallocated(&listening, &allocated, None),
            [22, 8081, 9000, 31006]
        );
    }

    #[test]
    fn only_the_checked_range_counts() {
        let listening = BTreeSet::from([22, 31000, 31006, 40000]);
        let allocated = ranges(&[(31000, 31005)]);
        let checked = ranges(&[(31000, 32000)]);
        assert_eq!(unallocated(&listening, &allocated, Some(&checked)), [31006]);
        assert!(unallocated(&BTreeSet::new(), &allocated, Some(&checked)).is_empty());
        assert_eq!(
            unallocated(&listening, &Ranges::new(), Some(&checked)),
            [31000, 31006]
        );
    }

    #[test]
    fn message_lists_the_ports() {
        assert_eq!(
            violation_message(&[8081, 9000]),
            "Task listens on unallocated ports: 8081, 9000"
        );
        assert_eq!(
            violation_message(&[8081]),
            "Task listens on unallocated port: 8081"
        );
    }
}
