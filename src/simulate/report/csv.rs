//! The report's CSV files: one summary row per policy, one row per (policy, role), and per
//! policy its sampled series and its wait-time distribution.

use crate::simulate::{PolicyRun, Run};
use std::fmt::Write;

/// A CSV field, quoted when it needs to be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().collect();
    out.push_str(&cells.join(","));
    out.push('\n');
}

fn num(v: f64) -> String {
    format!("{v}")
}

pub fn summary(runs: &[PolicyRun]) -> String {
    let mut out = String::new();
    let resources: Vec<String> = runs
        .first()
        .map(|r| r.run.summary.utilization.keys().cloned().collect())
        .unwrap_or_default();
    let mut header: Vec<String> = vec!["policy".into(), "makespan".into()];
    header.extend(resources.iter().map(|r| field(&format!("utilization_{r}"))));
    for h in [
        "jain_index",
        "max_min_share_ratio",
        "envy",
        "sharing_incentive_violation_fraction",
    ] {
        header.push(h.into());
    }
    for stat in ["wait", "job_completion"] {
        for p in ["mean", "p50", "p90", "p99"] {
            header.push(format!("{stat}_{p}"));
        }
    }
    line(&mut out, header);
    for r in runs {
        let s = &r.run.summary;
        let mut row = vec![field(&r.policy.name), num(s.makespan)];
        row.extend(
            resources
                .iter()
                .map(|k| num(s.utilization.get(k).copied().unwrap_or(0.0))),
        );
        row.push(num(s.jain_index));
        row.push(s.max_min_share_ratio.map(num).unwrap_or_default());
        row.push(num(s.envy));
        row.push(num(s.sharing_incentive_violation_fraction));
        for st in [&s.wait_time, &s.job_completion_time] {
            row.extend([st.mean, st.p50, st.p90, st.p99].map(num));
        }
        line(&mut out, row);
    }
    out
}

pub fn roles(runs: &[PolicyRun]) -> String {
    let mut out = String::from(
        "policy,role,weight,dominant_share_mean,dominant_share_max,running_tasks_mean,running_tasks_max,sharing_incentive_violation_seconds\n",
    );
    for r in runs {
        for (role, s) in &r.run.summary.roles {
            line(
                &mut out,
                [
                    field(&r.policy.name),
                    field(role),
                    num(s.weight),
                    num(s.dominant_share_mean),
                    num(s.dominant_share_max),
                    num(s.running_tasks_mean),
                    s.running_tasks_max.to_string(),
                    num(s.sharing_incentive_violation_seconds),
                ],
            );
        }
    }
    out
}

/// `t, utilization_<resource>..., share_<role>..., running_<role>..., jain, envy`.
pub fn series(run: &Run) -> String {
    let mut out = String::new();
    let mut header = vec!["t".to_string()];
    header.extend(
        run.resources
            .iter()
            .map(|r| field(&format!("utilization_{r}"))),
    );
    header.extend(run.roles.iter().map(|r| field(&format!("share_{r}"))));
    header.extend(run.roles.iter().map(|r| field(&format!("running_{r}"))));
    header.extend(["jain".to_string(), "envy".to_string()]);
    line(&mut out, header);
    for s in &run.series.samples {
        let mut row = String::new();
        let _ = write!(row, "{}", s.t);
        for v in s.utilization.iter().chain(&s.shares) {
            let _ = write!(row, ",{v}");
        }
        for v in &s.running {
            let _ = write!(row, ",{v}");
        }
        let _ = writeln!(row, ",{},{}", s.jain, s.envy);
        out.push_str(&row);
    }
    out
}

/// `wait_seconds, fraction` of tasks that waited at most that long.
pub fn waits(run: &Run) -> String {
    let mut out = String::from("wait_seconds,fraction\n");
    for (t, f) in &run.wait_cdf {
        let _ = writeln!(out, "{t},{f}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("a"), "a");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}
