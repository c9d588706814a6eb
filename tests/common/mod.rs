//! Helpers shared by the integration tests: build C modules from the one header, find the Rust
//! module cdylibs, write specs, run the `modkit` binary; clean up cgroups (`cgroups`) and wait
//! for children and conditions (`wait`).
#![allow(dead_code)] // each test binary uses a different subset

pub mod agent;
pub mod cgroups;
pub mod wait;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>` of this test run (the test binary lives in its `deps/`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// Compiles `src` (relative to the repo) into a shared library with only `ffi/include` on the
/// include path and warnings as errors, once per test binary. Returns the library path.
pub fn c_module(src: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<std::collections::HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = built.get(src) {
        return p.clone();
    }
    let test = std::env::current_exe().expect("test binary path");
    let stem = test
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("test")
        .to_string();
    let out_dir = target_dir().join("c-modules").join(stem);
    std::fs::create_dir_all(&out_dir).expect("create c-modules dir");
    let name = Path::new(src)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("source name");
    let out = out_dir.join(format!("lib{name}.so"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let output = Command::new(&cc)
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-shared",
            "-fPIC",
            "-I",
        ])
        .arg(repo().join("ffi/include"))
        .arg("-o")
        .arg(&out)
        .arg(repo().join(src))
        .output()
        .unwrap_or_else(|e| panic!("running {cc}: {e}"));
    assert!(
        output.status.success(),
        "{cc} failed on {src}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    built.insert(src.to_string(), out.clone());
    out
}

/// A workspace cdylib (`lib<name>.so`) built by `cargo test --workspace` / `cargo build --workspace`.
pub fn cdylib(lib_name: &str) -> PathBuf {
    let path = target_dir().join(format!("lib{lib_name}.so"));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (or `cargo build --workspace` first)",
        path.display()
    );
    path
}

/// A one-library spec: `modules` are (name, [(key, value)]).
pub fn spec(library: &Path, modules: &[(&str, &[(&str, &str)])]) -> String {
    let modules: Vec<serde_json::Value> = modules
        .iter()
        .map(|(name, params)| module_json(name, params))
        .collect();
    serde_json::json!({"libraries": [{"file": library, "modules": modules}]}).to_string()
}

/// A module for `--modules`: library, name, parameters.
pub type Declared<'a> = (&'a Path, &'a str, &'a [(&'a str, &'a str)]);

/// A spec with one library entry per module, in order (a library may appear more than once).
pub fn modules_spec(modules: &[Declared<'_>]) -> String {
    let libraries: Vec<serde_json::Value> = modules
        .iter()
        .map(|(library, name, params)| {
            serde_json::json!({"file": library, "modules": [module_json(name, params)]})
        })
        .collect();
    serde_json::json!({ "libraries": libraries }).to_string()
}

fn module_json(name: &str, params: &[(&str, &str)]) -> serde_json::Value {
    let params: Vec<serde_json::Value> = params
        .iter()
        .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
        .collect();
    serde_json::json!({"name": name, "parameters": params})
}

/// The `modkit` binary under test.
pub fn modkit() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("modkit").expect("modkit binary");
    cmd.env_remove("MODKIT_MODULES")
        .env_remove("MODKIT_MODULES_DIR");
    cmd
}

/// Runs `modkit modules check --modules <spec>` and returns (exit code, stdout, stderr).
pub fn check(spec: &str) -> (i32, String, String) {
    let out = modkit()
        .args(["modules", "check", "--modules", spec])
        .output()
        .expect("run modkit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
