//! The report directory: `report.json` (deterministic: the same workload, flags and seed give
//! the same bytes), `timing.json` (wall-clock figures), CSVs and SVG plots.

mod csv;

use super::formats::Format;
use super::{PolicyRun, Settings, SimulateError, Workload};
use crate::simulate::metrics::Stats;
use serde_json::{json, Value};
use std::path::Path;

/// What the report says about the inputs.
pub struct Context<'a> {
    pub workload: &'a Workload,
    pub format: Format,
    pub settings: &'a Settings,
    pub seed: u64,
    pub sorter_seed: u64,
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Native => "native",
        Format::Swf => "swf",
        Format::Google => "google",
    }
}

/// The deterministic report.
pub fn report_json(ctx: &Context<'_>, runs: &[PolicyRun]) -> Value {
    let w = ctx.workload;
    let s = ctx.settings;
    json!({
        "workload": {
            "source": w.source,
            "format": format_name(ctx.format),
            "agents": w.agents.len(),
            "frameworks": w.frameworks.len(),
            "roles": w.roles().len(),
            "jobs": w.jobs.len(),
            "tasks": w.tasks(),
            "totals": w.totals(),
        },
        "settings": {
            "seed": ctx.seed,
            "sorter_seed": ctx.sorter_seed,
            "allocation_interval": s.interval_us as f64 / 1e6,
            "refuse_seconds": s.refuse_seconds,
            "skip_idle_cycles": s.skip_idle_cycles,
            "fair_sharing_excluded_resource_names": s.excluded,
        },
        "policies": runs.iter().map(|r| {
            let mut v = json!({
                "name": r.policy.name,
                "allocator": r.policy.allocator,
                "role_sorter": r.policy.role_sorter,
                "framework_sorter": r.policy.framework_sorter,
                "cycles": r.run.cycles,
                "offers": r.run.offers,
                "task_events": r.run.task_events,
            });
            if let (Value::Object(m), Ok(Value::Object(summary))) =
                (&mut v, serde_json::to_value(&r.run.summary))
            {
                m.extend(summary);
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// Wall-clock figures: allocation decision time per cycle and simulation speed.
pub fn timing_json(runs: &[PolicyRun]) -> Value {
    json!({
        "policies": runs.iter().map(|r| {
            let wall = r.run.wall.as_secs_f64();
            json!({
                "name": r.policy.name,
                "wall_seconds": wall,
                "task_events": r.run.task_events,
                "task_events_per_second": r.run.task_events as f64 / wall.max(1e-9),
                "allocation_decision_seconds": Stats::of_seconds(&r.run.decisions),
            })
        }).collect::<Vec<_>>(),
    })
}

pub fn write_file(path: &Path, text: &str) -> Result<(), SimulateError> {
    std::fs::write(path, text).map_err(|e| SimulateError::Write {
        file: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Writes everything but the plots into `dir` (created if needed); returns the files written.
pub fn write_report(
    dir: &Path,
    ctx: &Context<'_>,
    runs: &[PolicyRun],
) -> Result<Vec<String>, SimulateError> {
    std::fs::create_dir_all(dir).map_err(|e| SimulateError::Write {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut files = Vec::new();
    let mut put = |name: String, text: String| -> Result<(), SimulateError> {
        write_file(&dir.join(&name), &text)?;
        files.push(name);
        Ok(())
    };
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    put("report.json".into(), pretty(&report_json(ctx, runs)))?;
    put("timing.json".into(), pretty(&timing_json(runs)))?;
    put("summary.csv".into(), csv::summary(runs))?;
    put("roles.csv".into(), csv::roles(runs))?;
    for r in runs {
        let stem = r.policy.file_stem();
        put(format!("series-{stem}.csv"), csv::series(&r.run))?;
        put(format!("waits-{stem}.csv"), csv::waits(&r.run))?;
    }
    Ok(files)
}
