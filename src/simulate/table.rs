//! The side-by-side table printed on stdout: one column per policy, one row per metric.

use super::PolicyRun;
use crate::simulate::metrics::Stats;

/// The header (`METRIC` and the policy names) and the rows, as text cells.
pub fn side_by_side(runs: &[PolicyRun]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["METRIC".to_string()];
    header.extend(runs.iter().map(|r| r.policy.name.clone()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |name: &str, cell: &dyn Fn(&PolicyRun) -> String| {
        let mut r = vec![name.to_string()];
        r.extend(runs.iter().map(cell));
        rows.push(r);
    };
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let secs = |v: f64| format!("{v:.2} s");
    row("policy", &|r| r.policy.describe());
    row("makespan", &|r| secs(r.run.summary.makespan));
    let resources: Vec<String> = runs
        .first()
        .map(|r| r.run.summary.utilization.keys().cloned().collect())
        .unwrap_or_default();
    for res in &resources {
        row(&format!("utilization {res}"), &|r| {
            pct(r.run.summary.utilization.get(res).copied().unwrap_or(0.0))
        });
    }
    let roles: Vec<String> = runs
        .first()
        .map(|r| r.run.summary.roles.keys().cloned().collect())
        .unwrap_or_default();
    // Per-role rows only while they stay readable.
    if roles.len() <= 8 {
        for role in &roles {
            row(&format!("share {role} (mean/max)"), &|r| {
                let s = &r.run.summary.roles[role];
                format!("{:.3}/{:.3}", s.dominant_share_mean, s.dominant_share_max)
            });
            row(&format!("tasks {role} (mean/max)"), &|r| {
                let s = &r.run.summary.roles[role];
                format!("{:.2}/{}", s.running_tasks_mean, s.running_tasks_max)
            });
        }
    }
    row("jain index", &|r| {
        format!("{:.3}", r.run.summary.jain_index)
    });
    row("max/min share", &|r| {
        r.run
            .summary
            .max_min_share_ratio
            .map_or("-".into(), |v| format!("{v:.2}"))
    });
    row("envy", &|r| pct(r.run.summary.envy));
    row("sharing incentive violated", &|r| {
        pct(r.run.summary.sharing_incentive_violation_fraction)
    });
    let stats = |s: &Stats| format!("{:.2}/{:.2}/{:.2}", s.mean, s.p50, s.p99);
    row("wait mean/p50/p99 (s)", &|r| {
        stats(&r.run.summary.wait_time)
    });
    row("job time mean/p50/p99 (s)", &|r| {
        stats(&r.run.summary.job_completion_time)
    });
    row("decision mean/p99 (ms)", &|r| {
        let s = Stats::of_seconds(&r.run.decisions);
        format!("{:.3}/{:.3}", s.mean * 1e3, s.p99 * 1e3)
    });
    row("cycles/offers", &|r| {
        format!("{}/{}", r.run.cycles, r.run.offers)
    });
    (header, rows)
}
