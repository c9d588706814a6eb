//! `modkit simulate` through the real binary: every workload format and every metric on small
//! workloads whose answers are worked out by hand below, malformed inputs, unknown policies,
//! a sorter loaded through the C ABI, and determinism.

mod common;

use common::{cdylib, modkit, repo};
use serde_json::Value;
use std::path::Path;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn simulate(args: &[&str]) -> Out {
    let out = modkit()
        .arg("simulate")
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run modkit");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs with `--out` into a temp dir; returns the report and the dir.
fn run_report(args: &[&str]) -> (Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().display().to_string();
    let mut all = args.to_vec();
    all.extend(["--out", out_dir.as_str()]);
    let out = simulate(&all);
    assert_eq!(
        out.code, 0,
        "modkit simulate {args:?} failed:\n{}",
        out.stderr
    );
    let text = std::fs::read_to_string(dir.path().join("report.json")).expect("report.json");
    (
        serde_json::from_str(&text).expect("report.json is JSON"),
        dir,
    )
}

fn policy<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["policies"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no policy {name} in {report}"))
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!(
        (got - expected).abs() < 1e-6,
        "got {got}, expected {expected}"
    );
}

/// The series row at time `t` of a policy: column name → value.
fn series_at(dir: &Path, policy: &str, t: f64) -> std::collections::BTreeMap<String, f64> {
    let text = std::fs::read_to_string(dir.join(format!("series-{policy}.csv"))).expect("series");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    // The last row at or before t.
    let mut row = None;
    for line in lines {
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("number"))
            .collect();
        if cells[0] <= t {
            row = Some(cells);
        }
    }
    let row = row.unwrap_or_else(|| panic!("no sample at or before {t}"));
    header.iter().map(|h| h.to_string()).zip(row).collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write workload");
    path.display().to_string()
}

/// DRF paper: <9 cpus, 18 GB>; A's tasks <1 cpu, 4 GB>, B's <3 cpus, 1 GB>, one task per offer.
/// Each offer goes to the framework of lower dominant share: A 1 (share 2/9), B 1 (1/3), A 2
/// (4/9), B 2 (2/3), A 3 (2/3): 9 cpus used, nothing more fits. Asset fairness (sum of shares;
/// A's task 1/3, B's 7/18) fills in the same order here (A 1/3, B 7/18, A 2/3, B 7/9, A 1),
/// so it ends at the same split; drf-vs-asset below shows where they part.
#[test]
fn drf_paper_reaches_three_and_two_tasks_with_equal_dominant_shares() {
    let (report, dir) = run_report(&[
        "examples/workloads/drf-paper.json",
        "--policies",
        "drf,asset",
    ]);
    for name in ["drf", "asset"] {
        let row = series_at(dir.path(), name, 100.0);
        assert_eq!((row["running_A"], row["running_B"]), (3.0, 2.0), "{name}");
        let p = policy(&report, name);
        assert_eq!(p["roles"]["A"]["running_tasks_max"], 3, "{name}");
        if name == "drf" {
            assert!((row["share_A"] - 2.0 / 3.0).abs() < 1e-9);
            assert!((row["share_B"] - 2.0 / 3.0).abs() < 1e-9);
            // Both 2/3: Jain's index 1, and neither can run more of its tasks with the
            // other's allocation (A with <6 cpus, 2 GB>: 0; B with <3 cpus, 12 GB>: 1 < 2).
            assert_eq!((row["jain"], row["envy"]), (1.0, 0.0));
        }
    }
    let text = simulate(&[
        "examples/workloads/drf-paper.json",
        "--policies",
        "drf,asset",
    ])
    .stdout;
    assert!(
        text.contains("hierarchical (drf/drf)") && text.contains("hierarchical (asset/asset)"),
        "{text}"
    );
    for svg in [
        "shares-drf.svg",
        "utilization-asset.svg",
        "waits-drf.svg",
        "overlay-shares.svg",
    ] {
        let body = std::fs::read_to_string(dir.path().join(svg)).expect(svg);
        assert!(body.starts_with("<svg"), "{svg}");
    }
}

/// <12 cpus, 12 GB>; A's tasks <1 cpu, 1 GB>, B's <2 cpus>; no decline filter, so every cycle
/// offers the agent to the lowest share. DRF equalizes x/12 = 2y/12 with x + 2y = 12: A 6,
/// B 3. Asset fairness equalizes 2x/12 = 2y/12: A 4, B 4. (With the default 5 s filter both
/// alternate A, B, A, B... and end at 4 and 4: the filters, not the sorter, decide.)
#[test]
fn asset_fairness_splits_differently_from_drf() {
    let (_, dir) = run_report(&[
        "examples/workloads/drf-vs-asset.json",
        "--policies",
        "drf,asset",
        "--refuse_seconds",
        "0",
    ]);
    let drf = series_at(dir.path(), "drf", 100.0);
    assert_eq!((drf["running_A"], drf["running_B"]), (6.0, 3.0));
    let asset = series_at(dir.path(), "asset", 100.0);
    assert_eq!((asset["running_A"], asset["running_B"]), (4.0, 4.0));
    // DRF: shares 1/2 and 1/2; asset: A max(4/12, 4/12) = 1/3, B 8/12.
    assert!((drf["share_A"] - 0.5).abs() < 1e-9 && (drf["share_B"] - 0.5).abs() < 1e-9);
    assert!((asset["share_B"] - 2.0 / 3.0).abs() < 1e-9);
}

/// One agent <4 cpus, 4 GB>. A submits 4 tasks <1 cpu, 1 GB> of 100 s at 0 and takes the agent;
/// B submits 1 such task at 10 and waits for A's to end at 100, then runs until 200.
#[test]
fn every_metric_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "w.json",
        r#"{"agents": [{"id": "s", "resources": "cpus:4;mem:4096"}],
            "frameworks": [{"id": "A"}, {"id": "B"}],
            "jobs": [
              {"id": "a", "framework": "A", "submit": 0, "tasks": 4, "resources": "cpus:1;mem:1024", "duration": 100},
              {"id": "b", "framework": "B", "submit": 10, "tasks": 1, "resources": "cpus:1;mem:1024", "duration": 100}
            ]}"#,
    );
    let (report, _dir) = run_report(&[&file, "--policies", "drf"]);
    let p = policy(&report, "drf");
    close(&p["makespan"], 200.0);
    // cpus and mem: 4/4 for 100 s, 1/4 for 100 s: (100 + 25) / 200.
    close(&p["utilization"]["cpus"], 0.625);
    close(&p["utilization"]["mem"], 0.625);
    // Shares: A 1 over [0, 100]; B 1/4 over [100, 200]. Max/min of the means: 0.5 / 0.125.
    close(&p["roles"]["A"]["dominant_share_mean"], 0.5);
    close(&p["roles"]["B"]["dominant_share_mean"], 0.125);
    close(&p["max_min_share_ratio"], 4.0);
    // Jain over active roles: A alone [0, 10] = 1; (1, 0) over [10, 100] = 1/2; B alone
    // [100, 200] = 1: (10 + 45 + 100) / 200.
    close(&p["jain_index"], 0.775);
    // Envy: over [10, 100] B could run 4 tasks with A's allocation and 0 with its own; A
    // envies nothing: 1 of 2 ordered pairs for 90 s of 200.
    close(&p["envy"], 0.225);
    // Sharing incentive: each role's half is <2 cpus, 2 GB> = 2 tasks; B runs 0 < min(1, 2)
    // over [10, 100]: 90 s, of 2 roles × 200 s.
    close(
        &p["roles"]["B"]["sharing_incentive_violation_seconds"],
        90.0,
    );
    close(&p["roles"]["A"]["sharing_incentive_violation_seconds"], 0.0);
    close(&p["sharing_incentive_violation_fraction"], 0.225);
    // Waits: 0, 0, 0, 0, 90. Nearest rank: p50 = 3rd = 0, p90 = 5th = 90.
    close(&p["wait_time"]["mean"], 18.0);
    close(&p["wait_time"]["p50"], 0.0);
    close(&p["wait_time"]["p90"], 90.0);
    close(&p["wait_time"]["p99"], 90.0);
    // Jobs: a 100 s, b 200 - 10 = 190 s.
    close(&p["job_completion_time"]["mean"], 145.0);
    close(&p["job_completion_time"]["p50"], 100.0);
    close(&p["job_completion_time"]["p99"], 190.0);
}

/// small.swf: 2 nodes of <4 cpus, 4096 MB> (MaxProcs 8 / MaxNodes 2, 1024 MB per cpu).
/// Jobs 1 (user 1) and 2 (user 2), 4 processors for 100 s each, fill a node each at 0; job 3
/// (user 1, 8 processors, 50 s) comes at 10 and runs 100 → 150; job 4 is cancelled (-1).
#[test]
fn swf_jobs_become_tasks_per_processor() {
    let (report, _dir) = run_report(&["examples/workloads/small.swf", "--policies", "drf"]);
    assert_eq!(report["workload"]["agents"], 2);
    assert_eq!(report["workload"]["tasks"], 16);
    let p = policy(&report, "drf");
    close(&p["makespan"], 150.0);
    close(&p["utilization"]["cpus"], 1.0);
    // user-1: 1/2 for 100 s, 1 for 50 s; user-2: 1/2 for 100 s.
    close(&p["roles"]["user-1"]["dominant_share_mean"], 100.0 / 150.0);
    close(&p["roles"]["user-2"]["dominant_share_mean"], 50.0 / 150.0);
    close(&p["max_min_share_ratio"], 2.0);
    close(&p["jain_index"], 1.0);
    close(&p["envy"], 0.0);
    close(&p["sharing_incentive_violation_fraction"], 0.0);
    // 8 tasks wait 0, 8 wait 90: mean 45; p50 is the 8th = 0, p90 the 15th = 90.
    close(&p["wait_time"]["mean"], 45.0);
    close(&p["wait_time"]["p50"], 0.0);
    close(&p["wait_time"]["p90"], 90.0);
    // Jobs 100, 100, 140.
    close(&p["job_completion_time"]["mean"], 340.0 / 3.0);
    let out = simulate(&["examples/workloads/small.swf", "--swf-role-by", "group"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("group-1") && !out.stdout.contains("user-1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("small.swf: left out 1 jobs with unknown processors"),
        "{}",
        out.stderr
    );
}

/// small-task-events.csv with machines of <4 cpus, 4096 MB>: alice's job 1 has two tasks of
/// <1 cpu, 512 MB> (0.25, 0.125), running 1 → 61 s (60 s) and 1 → 121 s (KILL, 120 s); bob's
/// job 2 one task of <2 cpus, 1024 MB> from 3 to its FAIL at 33 (30 s), submitted at 2.
#[test]
fn google_task_events_run_from_schedule_to_end() {
    let args = [
        "examples/workloads/small-task-events.csv",
        "--policies",
        "drf",
        "--machine-resources",
        "cpus:4;mem:4096",
    ];
    let (report, _dir) = run_report(&args);
    assert_eq!(report["workload"]["agents"], 2, "machines m1 and m2");
    assert_eq!(report["workload"]["tasks"], 3);
    let p = policy(&report, "drf");
    close(&p["makespan"], 120.0);
    // cpus of 8: 2 over [0, 2], 4 over [2, 32], 2 over [32, 60], 1 over [60, 120] = 30 / 120.
    close(&p["utilization"]["cpus"], 0.25);
    close(&p["utilization"]["mem"], 0.125);
    // user-0 (alice): 1/4 for 60 s, 1/8 for 60 s; user-1 (bob): 1/4 for 30 s.
    close(&p["roles"]["user-0"]["dominant_share_mean"], 22.5 / 120.0);
    close(&p["roles"]["user-1"]["dominant_share_mean"], 7.5 / 120.0);
    close(&p["wait_time"]["p99"], 0.0);
    close(&p["job_completion_time"]["mean"], (120.0 + 30.0) / 2.0);
    // The first 7 events end only alice's first task.
    let mut limited = args.to_vec();
    limited.extend(["--limit", "7"]);
    let (report, _dir) = run_report(&limited);
    assert_eq!(report["workload"]["tasks"], 1);
}

#[test]
fn malformed_inputs_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let json = write(
        tmp.path(),
        "bad.json",
        "{\n  \"agents\": [\n    {\"id\": \"s\", \"resources\": 5}\n  ]\n}\n",
    );
    let out = simulate(&[&json]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!("{json}:3: column")),
        "{}",
        out.stderr
    );
    let swf_text = "; MaxNodes: 1\n; MaxProcs: 4\n1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n2 0 0 ten 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n";
    let swf = write(tmp.path(), "bad.swf", swf_text);
    let out = simulate(&[&swf]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("warning: {swf}:4: field 4 'ten' is not a number")),
        "{}",
        out.stderr
    );
    let out = simulate(&[&swf, "--strict"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains(&format!("error: {swf}:4: field 4 'ten'")),
        "{}",
        out.stderr
    );
    let csv = write(tmp.path(), "bad.csv", "1,2,3\n");
    let out = simulate(&[&csv, "--strict"]);
    assert!(
        out.stderr
            .contains(&format!("{csv}:1: 3 fields, a task event has 13")),
        "{}",
        out.stderr
    );
    // A task larger than every agent would wait forever: refused by name.
    let big = write(
        tmp.path(),
        "big.json",
        r#"{"agents": [{"id": "s", "resources": "cpus:1;mem:10"}], "frameworks": [{"id": "A"}],
            "jobs": [{"id": "huge", "framework": "A", "submit": 0, "resources": "cpus:2", "duration": 1}]}"#,
    );
    let out = simulate(&[&big]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("job 'huge': its tasks need cpus:2 and fit on no agent"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_policy_lists_the_known_ones() {
    let out = simulate(&[
        "examples/workloads/drf-paper.json",
        "--policies",
        "drf,fifo",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("policy 'fifo': no such sorter or allocator (known sorters: asset, drf, random; known allocators: hierarchical)"),
        "{}",
        out.stderr
    );
}

/// The DRF sorter loaded from its cdylib through the C ABI is a policy like any other and
/// gives what the built-in gives.
#[test]
fn a_sorter_loaded_with_modules_is_a_policy() {
    let library = cdylib("modkit_allocators");
    let spec = common::spec(&library, &[("org_modkit_DrfSorter", &[])]);
    let (report, dir) = run_report(&[
        "examples/workloads/drf-paper.json",
        "--modules",
        &spec,
        "--policies",
        "drf,org_modkit_DrfSorter",
    ]);
    let a = policy(&report, "drf");
    let b = policy(&report, "org_modkit_DrfSorter");
    assert_eq!(a["roles"], b["roles"]);
    assert_eq!(a["wait_time"], b["wait_time"]);
    let row = series_at(dir.path(), "org_modkit_DrfSorter", 100.0);
    assert_eq!((row["running_A"], row["running_B"]), (3.0, 2.0));
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let args = [
        "examples/workloads/generated.json",
        "--policies",
        "drf,random",
        "--seed",
        "5",
    ];
    let (_, one) = run_report(&args);
    let (_, two) = run_report(&args);
    let read = |d: &tempfile::TempDir| std::fs::read(d.path().join("report.json")).unwrap();
    assert_eq!(read(&one), read(&two));
    let series = |d: &tempfile::TempDir| std::fs::read(d.path().join("series-random.csv")).unwrap();
    assert_eq!(series(&one), series(&two));
}

/// Policies run side by side on several threads give what they give one after the other.
#[test]
fn policies_side_by_side_give_the_same_report_as_one_after_the_other() {
    let args = |threads: &'static str| {
        [
            "examples/workloads/generated.json",
            "--policies",
            "drf,random,asset,drf:random",
            "--seed",
            "5",
            "--threads",
            threads,
        ]
    };
    let (_, one) = run_report(&args("1"));
    let (_, three) = run_report(&args("3"));
    for file in [
        "report.json",
        "series-drf.csv",
        "series-random.csv",
        "series-asset.csv",
        "series-drf_random.csv",
        "roles.csv",
    ] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(file)).unwrap();
        assert_eq!(read(&one), read(&three), "{file}");
    }
    let out = simulate(&["examples/workloads/drf-paper.json", "--threads", "0"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("--threads: must be at least 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn generate_is_deterministic_and_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("g.json").display().to_string();
    let gen = |out: &str| {
        let o = simulate(&[
            "generate",
            "--frameworks",
            "3",
            "--jobs",
            "12",
            "--seed",
            "9",
            "-o",
            out,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        std::fs::read_to_string(out).unwrap()
    };
    let first = gen(&file);
    assert_eq!(first, gen(&file));
    let w: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(w["frameworks"].as_array().map(Vec::len), Some(3));
    assert_eq!(w["jobs"].as_array().map(Vec::len), Some(12));
    let out = simulate(&[&file, "--policies", "drf"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A value that would make no workload is an error naming the flag, not a silent default.
    let out = simulate(&["generate", "--frameworks", "0"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("--frameworks: must be at least 1"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}
