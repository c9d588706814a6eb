//! `modkit modules check` (and `modules list`) end to end: every bad input a spec or a module can
//! present, each with the exit code and the parts of the message an operator needs to fix it
//! (the library, the module, the reason).

mod common;

use common::{c_module, cdylib, check, modkit, spec};
use std::path::{Path, PathBuf};

const BAD: &str = "tests/c/bad_modules.c";
const RECORDING: &str = "examples/modules/c/recording_isolator.c";
const LABELS: &str = "examples/modules/c/labels_hook.c";

/// The column headers of `modules check`.
const CHECK_HEADER: [&str; 8] = [
    "LIBRARY",
    "MODULE",
    "KIND",
    "KIND VERSION",
    "ABI",
    "AUTHOR",
    "DESCRIPTION",
    "RESULT",
];

fn bad_lib() -> PathBuf {
    c_module(BAD)
}

/// Checks one module of `tests/c/bad_modules.c`, without parameters.
fn check_bad(module: &str) -> (i32, String, String) {
    check(&spec(&bad_lib(), &[(module, &[])]))
}

/// The `error: ` line of stderr (the last one: a panicking module prints its panic first).
fn error_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no 'error: ' line on stderr:\n{stderr}"))
}

/// Asserts a failed check: exit code 1, nothing on stdout, and an error line holding every part.
/// Returns the error line.
fn assert_fails<'a>(result: &'a (i32, String, String), parts: &[&str]) -> &'a str {
    let (code, stdout, stderr) = result;
    assert_eq!(*code, 1, "exit code\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(
        stdout, "",
        "nothing is printed on stdout when the first module fails"
    );
    let line = error_line(stderr);
    for part in parts {
        assert!(line.contains(part), "error line lacks {part:?}:\n{line}");
    }
    line
}

/// The table on stdout as rows of cells (columns are separated by at least two spaces; no cell
/// holds two spaces in a row).
fn table(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The rows of a `modules check` table (header checked and dropped).
fn check_rows(stdout: &str) -> Vec<Vec<String>> {
    let mut rows = table(stdout);
    assert!(!rows.is_empty(), "no table on stdout");
    assert_eq!(rows.remove(0), CHECK_HEADER, "table header:\n{stdout}");
    for row in &rows {
        assert_eq!(row.len(), CHECK_HEADER.len(), "row {row:?} of\n{stdout}");
    }
    rows
}

fn module_names(rows: &[Vec<String>]) -> Vec<&str> {
    rows.iter().map(|r| r[1].as_str()).collect()
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("run modkit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

// ------------------------------------------------------------------------------------------------
// The spec itself
// ------------------------------------------------------------------------------------------------

#[test]
fn bad_json_is_reported_with_line_and_column() {
    let result = check("{\"libraries\": [\n  {\"file\": }\n]}");
    let line = assert_fails(
        &result,
        &["invalid module spec", "--modules", "line 2", "column"],
    );
    assert!(!line.contains("line 1 "), "{line}");
}

#[test]
fn unknown_field_is_named_with_line_and_column() {
    let result = check(r#"{"libraries": [{"flie": "libfoo.so", "modules": []}]}"#);
    assert_fails(
        &result,
        &[
            "invalid module spec",
            "unknown field `flie`",
            "`file`",
            "line 1 column",
        ],
    );
}

#[test]
fn library_with_neither_file_nor_name_is_refused() {
    let result = check(r#"{"libraries": [{"modules": [{"name": "org_example_Foo"}]}]}"#);
    assert_fails(&result, &["library #1", "neither 'file' nor 'name'"]);
}

#[test]
fn missing_library_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("libmissing.so");
    let result = check(&spec(&missing, &[("org_example_Foo", &[])]));
    assert_fails(
        &result,
        &["Error opening library", &missing.display().to_string()],
    );
}

#[test]
fn file_that_is_not_a_shared_library_names_it_and_the_loader_reason() {
    let dir = tempfile::tempdir().unwrap();
    let not_lib = dir.path().join("libnot.so");
    write(&not_lib, "this is a text file, not an ELF shared object\n");
    let result = check(&spec(&not_lib, &[("org_example_Foo", &[])]));
    let path = not_lib.display().to_string();
    let line = assert_fails(&result, &["Error opening library", &path]);
    // dlopen's own words come after the path: "file too short" / "invalid ELF header" (glibc).
    let reason = line.split_once("': ").map(|(_, r)| r).unwrap_or("");
    assert!(
        ["too short", "ELF", "format"]
            .iter()
            .any(|r| reason.contains(r)),
        "no loader reason in:\n{line}"
    );
}

#[test]
fn module_symbol_not_exported_names_module_and_library() {
    let result = check_bad("bad_NotThere");
    let lib = bad_lib().display().to_string();
    assert_fails(
        &result,
        &[
            "'bad_NotThere'",
            &format!("'{lib}'"),
            "symbol not found",
            "undefined symbol",
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// Descriptor checks
// ------------------------------------------------------------------------------------------------

/// Error from a descriptor check: names the module and the library, then the reason.
fn assert_descriptor_error(module: &str, reason: &[&str]) {
    let result = check_bad(module);
    let lib = bad_lib().display().to_string();
    let prefix = format!("Error loading module '{module}' from '{lib}': ");
    let line = assert_fails(&result, &[&prefix]);
    for part in reason {
        assert!(line.contains(part), "error line lacks {part:?}:\n{line}");
    }
}

#[test]
fn descriptor_smaller_than_abi_1_0_is_refused() {
    assert_descriptor_error(
        "bad_TooSmall",
        &["descriptor size", "is smaller than the", "bytes of ABI 1.0"],
    );
}

#[test]
fn abi_major_mismatch_names_both_versions() {
    assert_descriptor_error(
        "bad_AbiMajor",
        &[
            "ABI major version mismatch",
            "host has 1",
            "module requires 2",
        ],
    );
}

#[test]
fn newer_abi_minor_names_both_versions() {
    assert_descriptor_error("bad_NewerMinor", &["ABI 1.1", "host's 1.0"]);
}

#[test]
fn unknown_kind_is_refused() {
    assert_descriptor_error("bad_UnknownKind", &["unknown module kind 42"]);
}

#[test]
fn kind_version_too_old_is_refused() {
    assert_descriptor_error(
        "bad_OldKindVersion",
        &["isolator kind version 0", "too old", "accepts 1 to 1"],
    );
}

#[test]
fn kind_version_too_new_is_refused() {
    assert_descriptor_error(
        "bad_NewKindVersion",
        &["isolator kind version 2", "newer than this host's 1"],
    );
}

#[test]
fn null_author_is_refused() {
    assert_descriptor_error("bad_NoAuthor", &["'author'", "null"]);
}

#[test]
fn null_isolator_vtable_is_refused() {
    assert_descriptor_error("bad_NullVtable", &["isolator vtable", "missing", "null"]);
}

#[test]
fn sorter_missing_a_required_entry_names_it() {
    // bad_SorterWithoutSort fills every sorter entry but `sort`.
    let result = check_bad("bad_SorterWithoutSort");
    let lib = bad_lib().display().to_string();
    assert_fails(
        &result,
        &[
            "'bad_SorterWithoutSort'",
            &lib,
            "sorter vtable entry 'sort' is required but null",
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// compatible() and create()
// ------------------------------------------------------------------------------------------------

#[test]
fn incompatible_module_shows_its_reason() {
    let result = check_bad("bad_Incompatible");
    let lib = bad_lib().display().to_string();
    assert_fails(
        &result,
        &[
            "'bad_Incompatible'",
            &lib,
            "incompatible",
            "needs an FPGA at /dev/fpga0",
        ],
    );
}

#[test]
fn create_failure_shows_the_module_message() {
    let result = check_bad("bad_CreateFails");
    let lib = bad_lib().display().to_string();
    assert_fails(
        &result,
        &[
            "Error creating module instance",
            "'bad_CreateFails'",
            &lib,
            "cannot open /dev/fpga0: no such device",
        ],
    );
}

#[test]
fn create_ok_without_an_instance_is_an_error() {
    let result = check_bad("bad_CreateNoInstance");
    let lib = bad_lib().display().to_string();
    assert_fails(
        &result,
        &[
            "Error creating module instance",
            "'bad_CreateNoInstance'",
            &lib,
            "create returned OK but no instance",
        ],
    );
}

#[test]
fn panic_in_rust_create_is_an_error_and_the_host_lives() {
    let lib = cdylib("modkit_test_panicky");
    let result = check(&spec(
        &lib,
        &[("test_PanickyHook", &[("panic_in", "create")])],
    ));
    // Exit code 1 (an error the host reported), not a signal or an abort (which `check` reads as -1).
    let line = assert_fails(
        &result,
        &[
            "'test_PanickyHook'",
            &lib.display().to_string(),
            "panicked",
            "create was told to panic",
        ],
    );
    assert!(
        line.starts_with("error: Error creating module instance"),
        "{line}"
    );
}

#[test]
fn rust_module_without_the_panic_parameter_is_created() {
    let lib = cdylib("modkit_test_panicky");
    let (code, stdout, stderr) = check(&spec(&lib, &[("test_PanickyHook", &[])]));
    assert_eq!(code, 0, "{stderr}");
    let rows = check_rows(&stdout);
    assert_eq!(module_names(&rows), ["test_PanickyHook"]);
    assert_eq!(rows[0][7], "created");
}

// ------------------------------------------------------------------------------------------------
// Duplicates
// ------------------------------------------------------------------------------------------------

#[test]
fn duplicate_module_with_different_parameters_names_both_lists_and_origins() {
    let lib = bad_lib();
    let spec = serde_json::json!({"libraries": [
        {"file": lib, "modules": [{"name": "bad_Fine", "parameters": [{"key": "speed", "value": "1"}]}]},
        {"file": lib, "modules": [{"name": "bad_Fine", "parameters": [{"key": "speed", "value": "2"}]}]},
    ]})
    .to_string();
    assert_fails(
        &check(&spec),
        &[
            "'bad_Fine'",
            "listed twice with different parameters",
            r#"speed="1""#,
            r#"speed="2""#,
            "library #1",
            "library #2",
        ],
    );
}

#[test]
fn same_module_listed_twice_identically_is_one_row() {
    let lib = bad_lib();
    let (code, stdout, stderr) = check(&spec(&lib, &[("bad_Fine", &[]), ("bad_Fine", &[])]));
    assert_eq!(code, 0, "{stderr}");
    let rows = check_rows(&stdout);
    assert_eq!(module_names(&rows), ["bad_Fine"]);
    assert_eq!(rows[0][7], "created");
}

#[test]
fn same_module_from_two_libraries_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let first = bad_lib();
    let second = dir.path().join("libbad_copy.so");
    std::fs::copy(&first, &second).expect("copy the library");
    let spec = serde_json::json!({"libraries": [
        {"file": first, "modules": [{"name": "bad_Fine"}]},
        {"file": second, "modules": [{"name": "bad_Fine"}]},
    ]})
    .to_string();
    assert_fails(
        &check(&spec),
        &[
            "'bad_Fine'",
            "two libraries",
            &first.display().to_string(),
            &second.display().to_string(),
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// Flags
// ------------------------------------------------------------------------------------------------

#[test]
fn modules_and_modules_dir_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let result = run(modkit()
        .args([
            "modules",
            "check",
            "--modules",
            r#"{"libraries":[]}"#,
            "--modules_dir",
        ])
        .arg(dir.path()));
    let (code, stdout, stderr) = &result;
    // Refused by the host after parsing (1) today; a clap conflict (2) would do as well.
    assert!(*code == 1 || *code == 2, "exit code {code}\n{stderr}");
    assert_eq!(stdout, "");
    let line = error_line(stderr);
    assert!(
        line.contains("--modules") && line.contains("--modules_dir"),
        "{line}"
    );
    assert!(
        line.contains("mutually exclusive") || line.contains("cannot be used with"),
        "{line}"
    );
}

#[test]
fn unknown_command_line_flag_is_a_usage_error() {
    let (code, stdout, stderr) = run(modkit().args(["modules", "check", "--modules_file", "x"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(error_line(&stderr).contains("--modules_file"), "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
}

// ------------------------------------------------------------------------------------------------
// Parameters
// ------------------------------------------------------------------------------------------------

#[test]
fn parameter_the_module_rejects_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.txt");
    let lib = c_module(RECORDING);
    let result = check(&spec(
        &lib,
        &[(
            "org_example_RecordingIsolator",
            &[("record_file", record.to_str().unwrap()), ("bogus", "1")],
        )],
    ));
    assert_fails(
        &result,
        &[
            "'org_example_RecordingIsolator'",
            &lib.display().to_string(),
            "unknown parameter 'bogus'",
        ],
    );
}

#[test]
fn missing_required_parameter_is_shown() {
    let lib = c_module(RECORDING);
    let result = check(&spec(&lib, &[("org_example_RecordingIsolator", &[])]));
    assert_fails(
        &result,
        &[
            "'org_example_RecordingIsolator'",
            &lib.display().to_string(),
            "missing required parameter 'record_file'",
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// Good specs and the table
// ------------------------------------------------------------------------------------------------

#[test]
fn no_create_loads_a_module_whose_create_fails() {
    let lib = bad_lib();
    let (code, stdout, stderr) = run(modkit()
        .args(["modules", "check", "--no-create", "--modules"])
        .arg(spec(&lib, &[("bad_CreateFails", &[])])));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    let rows = check_rows(&stdout);
    assert_eq!(module_names(&rows), ["bad_CreateFails"]);
    assert_eq!(rows[0][0], lib.display().to_string());
    assert_eq!(rows[0][7], "loaded");
}

#[test]
fn good_spec_prints_one_created_row_per_module() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.txt");
    let hook = c_module(LABELS);
    let isolator = c_module(RECORDING);
    let sorter = cdylib("modkit_example_rust_module");
    let spec = serde_json::json!({"libraries": [
        {"file": hook, "modules": [{"name": "org_example_LabelsHook"}]},
        {"file": isolator, "modules": [{"name": "org_example_RecordingIsolator",
            "parameters": [{"key": "record_file", "value": record}]}]},
        {"file": sorter, "modules": [{"name": "org_example_LeastCpusSorter"}]},
    ]})
    .to_string();
    let (code, stdout, stderr) = check(&spec);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    let rows = check_rows(&stdout);
    let expected = [
        (&hook, "org_example_LabelsHook", "hook"),
        (&isolator, "org_example_RecordingIsolator", "isolator"),
        (&sorter, "org_example_LeastCpusSorter", "sorter"),
    ];
    assert_eq!(rows.len(), expected.len(), "{stdout}");
    for (row, (lib, name, kind)) in rows.iter().zip(expected) {
        assert_eq!(row[0], lib.display().to_string(), "{row:?}");
        assert_eq!(row[1], name, "{row:?}");
        assert_eq!(row[2], kind, "{row:?}");
        assert_eq!(row[3], "1", "kind version in {row:?}");
        assert_eq!(row[4], "1.0", "ABI in {row:?}");
        assert_eq!(row[7], "created", "{row:?}");
    }
}

#[test]
fn table_stops_at_the_failing_module() {
    let lib = bad_lib();
    let (code, stdout, stderr) = check(&spec(
        &lib,
        &[
            ("bad_Fine", &[]),
            ("bad_MisbehavingHook", &[]),
            ("bad_CreateFails", &[]),
            ("bad_SingleInstance", &[]),
        ],
    ));
    assert_eq!(code, 1, "{stderr}");
    let rows = check_rows(&stdout);
    assert_eq!(module_names(&rows), ["bad_Fine", "bad_MisbehavingHook"]);
    assert!(rows.iter().all(|r| r[7] == "created"), "{stdout}");
    let line = error_line(&stderr);
    assert!(line.contains("'bad_CreateFails'"), "{line}");
    assert!(
        line.contains("cannot open /dev/fpga0: no such device"),
        "{line}"
    );
    assert!(!stdout.contains("bad_SingleInstance") && !stderr.contains("bad_SingleInstance"));
}

#[test]
fn empty_spec_is_fine() {
    let (code, stdout, stderr) = check(r#"{"libraries":[]}"#);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(
        !stdout.contains("LIBRARY"),
        "no table for no modules:\n{stdout}"
    );
}

// ------------------------------------------------------------------------------------------------
// Where the spec comes from
// ------------------------------------------------------------------------------------------------

#[test]
fn modules_dir_loads_files_in_alphabetical_order_and_stops_at_the_first_failing_one() {
    let dir = tempfile::tempdir().unwrap();
    let lib = bad_lib();
    // Written out of order; loaded as 10, 20, 30, 40.
    for (file, module) in [
        ("30-broken-module.json", "bad_NoAuthor"),
        ("10-first.json", "bad_Fine"),
        ("40-never.json", "bad_MisbehavingHook"),
        ("20-second.json", "bad_SingleInstance"),
    ] {
        write(&dir.path().join(file), &spec(&lib, &[(module, &[])]));
    }
    let (code, stdout, stderr) = run(modkit()
        .args(["modules", "check", "--modules_dir"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{stderr}");
    let rows = check_rows(&stdout);
    assert_eq!(module_names(&rows), ["bad_Fine", "bad_SingleInstance"]);
    let line = error_line(&stderr);
    assert!(
        line.contains("'bad_NoAuthor'") && line.contains("'author'"),
        "{line}"
    );
    assert!(!stdout.contains("bad_MisbehavingHook"), "{stdout}");
}

#[test]
fn modules_dir_names_the_file_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let lib = bad_lib();
    write(
        &dir.path().join("10-good.json"),
        &spec(&lib, &[("bad_Fine", &[])]),
    );
    let broken = dir.path().join("20-broken.json");
    write(&broken, "{\"libraries\": [\n");
    let (code, stdout, stderr) = run(modkit()
        .args(["modules", "check", "--modules_dir"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "", "specs are all read before any module is loaded");
    let line = error_line(&stderr);
    assert!(line.contains(&broken.display().to_string()), "{line}");
    assert!(line.contains("line 2"), "{line}");
}

#[test]
fn modules_as_a_file_url() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modules.json");
    write(&file, &spec(&bad_lib(), &[("bad_Fine", &[])]));
    let url = format!("file://{}", file.display());
    let (code, stdout, stderr) = check(&url);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(module_names(&check_rows(&stdout)), ["bad_Fine"]);
}

#[test]
fn modules_as_a_plain_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modules.json");
    write(&file, &spec(&bad_lib(), &[("bad_Fine", &[])]));
    let (code, stdout, stderr) = check(file.to_str().unwrap());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(module_names(&check_rows(&stdout)), ["bad_Fine"]);
}

#[test]
fn modkit_modules_env_var_works_like_the_flag() {
    let lib = bad_lib();
    let (code, stdout, stderr) = run(modkit()
        .env("MODKIT_MODULES", spec(&lib, &[("bad_Fine", &[])]))
        .args(["modules", "check"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(module_names(&check_rows(&stdout)), ["bad_Fine"]);

    let (code, stdout, stderr) = run(modkit()
        .env("MODKIT_MODULES", spec(&lib, &[("bad_CreateFails", &[])]))
        .args(["modules", "check"]));
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        error_line(&stderr).contains("cannot open /dev/fpga0: no such device"),
        "{stderr}"
    );
}

// ------------------------------------------------------------------------------------------------
// modules list
// ------------------------------------------------------------------------------------------------

#[test]
fn modules_list_lists_the_builtin_modules() {
    let (code, stdout, stderr) = run(modkit().args(["modules", "list"]));
    assert_eq!(code, 0, "{stderr}");
    let rows = table(&stdout);
    assert_eq!(
        rows[0],
        ["KIND", "MODULE", "ORIGIN", "DESCRIPTION"],
        "{stdout}"
    );
    let labels = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("static_labels"))
        .unwrap_or_else(|| panic!("static_labels not listed:\n{stdout}"));
    assert_eq!(labels[0], "hook");
    assert_eq!(labels[2], "built-in");
}

#[test]
fn modules_list_adds_the_modules_of_a_spec() {
    let sorter = cdylib("modkit_example_rust_module");
    let (code, stdout, stderr) = run(modkit()
        .args(["modules", "list", "--modules"])
        .arg(spec(&sorter, &[("org_example_LeastCpusSorter", &[])])));
    assert_eq!(code, 0, "{stderr}");
    let rows = table(&stdout);
    let row = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("org_example_LeastCpusSorter"))
        .unwrap_or_else(|| panic!("the spec's sorter is not listed:\n{stdout}"));
    assert_eq!(row[0], "sorter");
    assert_eq!(row[2], sorter.display().to_string());
    assert!(stdout.contains("static_labels"), "{stdout}");
}
