//! Reader for the `--modules` / `--modules_dir` JSON that says which
//! libraries to open and which modules to take from each of them.
//!
//! The format is Mesos's `Modules` message in its JSON form:
//!
//! ```json
//! {"libraries": [
//!   {"file": "/usr/lib/libfoo.so", "modules": [
//!      {"name": "org_example_Foo", "parameters": [{"key": "X", "value": "Y"}]},
//!      {"name": "org_example_Bar"}]},
//!   {"name": "baz", "modules": [{"name": "org_example_Baz"}]}]}
//! ```
//!
//! Reading is strict: an unknown field is an error, because a misspelt key
//! would otherwise silently drop a library, a module or its parameters.
//! Libraries are numbered from 1 (`library #1` is the first) in messages.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The origin shown in messages for JSON given inline to `--modules`.
pub const INLINE_ORIGIN: &str = "--modules (inline JSON)";

/// Everything that can go wrong while reading or planning module specs.
///
/// Each message names where the problem is (flag, file, library number),
/// since the operator has to find and fix it.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Not JSON, or not the spec's shape; serde_json adds line and column.
    #[error("invalid module spec in {origin}: {source}")]
    Parse {
        origin: String,
        #[source]
        source: serde_json::Error,
    },

    /// A library entry that says neither where nor what to open.
    #[error("invalid module spec in {origin}: library #{index} has neither 'file' nor 'name'")]
    LibraryWithoutLocation { origin: String, index: usize },

    /// Same as [`SpecError::LibraryWithoutLocation`], from
    /// [`LibrarySpec::location`], which does not know where it was declared.
    #[error("library has neither 'file' nor 'name'")]
    NoLibraryLocation,

    /// The module name is looked up as an exported symbol, so it must be one.
    #[error(
        "invalid module spec in {place}: module name '{name}' is not a C identifier \
         (it is the exported symbol)"
    )]
    BadModuleName { place: String, name: String },

    /// A spec file that cannot be read (missing, a directory, no permission, not UTF-8).
    #[error("cannot read module spec {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },

    /// A `--modules_dir` that cannot be listed.
    #[error("cannot read modules directory {path}: {source}")]
    ReadDir {
        path: String,
        #[source]
        source: io::Error,
    },

    /// A `--modules_dir` that exists but is not a folder.
    #[error("--modules_dir {path} is not a directory")]
    NotADirectory { path: String },

    /// `file://` with a host or relative path; only `file:///abs/path` is meant.
    #[error("--modules value '{value}' is not a file:// URL with an absolute path (file:///path)")]
    BadFileUrl { value: String },

    /// `--modules=` with nothing in it; almost certainly a mistake.
    #[error("--modules is empty (expected inline JSON, a path or a file:// URL)")]
    EmptyModulesFlag,

    /// Mesos refuses both flags at once; so do we, to keep one source of truth.
    #[error("--modules and --modules_dir are mutually exclusive")]
    MutuallyExclusive,

    /// The same module asked for twice with different parameters: which one
    /// the operator meant cannot be guessed. Boxed to keep `SpecError` small.
    #[error(
        "module '{name}' is listed twice with different parameters: {} in {} and {} in {}",
        ParamList(&.first.parameters),
        .first.library_origin,
        ParamList(&.second.parameters),
        .second.library_origin
    )]
    DuplicateParameters {
        name: String,
        first: Box<PlannedModule>,
        second: Box<PlannedModule>,
    },

    /// The same module (exported symbol) from two libraries: which one would
    /// be used cannot be guessed. Boxed to keep `SpecError` small.
    #[error(
        "module '{name}' is listed in two libraries: {} ({}) and {} ({})",
        .first.library,
        .first.library_origin,
        .second.library,
        .second.library_origin
    )]
    DuplicateLibrary {
        name: String,
        first: Box<PlannedModule>,
        second: Box<PlannedModule>,
    },
}

/// The whole document of one `--modules` value or one `--modules_dir` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Optional in Mesos's message, so `{}` is an empty spec.
    #[serde(default)]
    pub libraries: Vec<LibrarySpec>,
}

/// One shared library and the modules to take from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibrarySpec {
    /// A path (with `/`) or a file name for the system search path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A short name, expanded to `lib<name>.so`; `file` wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Optional in Mesos's message; a library without modules plans nothing.
    #[serde(default)]
    pub modules: Vec<ModuleEntry>,
}

/// One module: its exported symbol and the parameters handed to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
}

/// A key/value pair handed to the module's `create`; both are required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub key: String,
    pub value: String,
}

/// Where a library is to be opened from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LibraryLocation {
    /// Opened at exactly this path (absolute or relative to the working dir).
    Path(PathBuf),
    /// Handed to the dynamic loader as is, which searches its usual path
    /// (`LD_LIBRARY_PATH`, the cache, system folders), as `dlopen` does.
    SearchName(String),
}

impl fmt::Display for LibraryLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibraryLocation::Path(path) => write!(f, "{}", path.display()),
            LibraryLocation::SearchName(name) => write!(f, "{name} (system search path)"),
        }
    }
}

impl LibrarySpec {
    /// Where to open this library from: `file` if given (a path when it
    /// holds `/`, else a search name), otherwise `lib<name>.so` on the
    /// search path. Empty strings count as absent.
    pub fn location(&self) -> Result<LibraryLocation, SpecError> {
        self.resolve().ok_or(SpecError::NoLibraryLocation)
    }

    /// [`LibrarySpec::location`] with an error that says where the library is.
    fn location_in(&self, origin: &str, index: usize) -> Result<LibraryLocation, SpecError> {
        self.resolve()
            .ok_or_else(|| SpecError::LibraryWithoutLocation {
                origin: origin.to_string(),
                index,
            })
    }

    fn resolve(&self) -> Option<LibraryLocation> {
        if let Some(file) = non_empty(&self.file) {
            return Some(if file.contains('/') {
                LibraryLocation::Path(PathBuf::from(file))
            } else {
                LibraryLocation::SearchName(file.to_string())
            });
        }
        non_empty(&self.name).map(|name| LibraryLocation::SearchName(format!("lib{name}.so")))
    }
}

impl ModuleSpec {
    /// Checks what serde cannot: every library says where it is and every
    /// module name is a C identifier. `origin` is used in the messages.
    pub fn validate(&self, origin: &str) -> Result<(), SpecError> {
        for (i, library) in self.libraries.iter().enumerate() {
            let index = i + 1;
            library.location_in(origin, index)?;
            for module in &library.modules {
                check_module_name(&module.name, &library_place(origin, index))?;
            }
        }
        Ok(())
    }
}

/// A module to load, flattened out of the specs, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedModule {
    pub name: String,
    pub library: LibraryLocation,
    /// Where the library was declared (`<origin>, library #N`), for messages.
    pub library_origin: String,
    pub parameters: Vec<Parameter>,
}

/// Parses and validates one spec document; `origin` names it in errors
/// (`--modules (inline JSON)`, a file path).
pub fn parse_spec(text: &str, origin: &str) -> Result<ModuleSpec, SpecError> {
    let spec: ModuleSpec = serde_json::from_str(text).map_err(|source| SpecError::Parse {
        origin: origin.to_string(),
        source,
    })?;
    spec.validate(origin)?;
    Ok(spec)
}

/// Reads the `--modules` value as Mesos does: inline JSON when it starts
/// with `{`, else a `file:///abs/path` URL, else a path. Returns the
/// origin used in messages along with the spec.
pub fn read_modules_flag(value: &str) -> Result<(String, ModuleSpec), SpecError> {
    if value.trim_start().starts_with('{') {
        let spec = parse_spec(value, INLINE_ORIGIN)?;
        return Ok((INLINE_ORIGIN.to_string(), spec));
    }
    if value.trim().is_empty() {
        return Err(SpecError::EmptyModulesFlag);
    }
    let path = match value.strip_prefix("file://") {
        // `file:///etc/x` leaves `/etc/x`; `file://host/x` would silently
        // become a relative path, so it is refused.
        Some(rest) if rest.starts_with('/') => rest,
        Some(_) => {
            return Err(SpecError::BadFileUrl {
                value: value.to_string(),
            })
        }
        None => value,
    };
    read_spec_file(Path::new(path))
}

/// Reads every regular file of `dir` (non-recursive, hidden files skipped)
/// in byte-wise alphabetical order of names, stopping at the first error.
/// Symlinks are followed: a link to a spec file is a spec file.
pub fn read_modules_dir(dir: &Path) -> Result<Vec<(String, ModuleSpec)>, SpecError> {
    let shown = dir.display().to_string();
    let dir_error = |source| SpecError::ReadDir {
        path: shown.clone(),
        source,
    };
    let meta = fs::metadata(dir).map_err(dir_error)?;
    if !meta.is_dir() {
        return Err(SpecError::NotADirectory {
            path: shown.clone(),
        });
    }

    let mut names: Vec<OsString> = Vec::new();
    for entry in fs::read_dir(dir).map_err(dir_error)? {
        let name = entry.map_err(dir_error)?.file_name();
        if !name.as_encoded_bytes().starts_with(b".") {
            names.push(name);
        }
    }
    // Sorted before anything is read, so "the first error" is the first
    // bad file in the order the files would be loaded.
    names.sort();

    let mut specs = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let meta = fs::metadata(&path).map_err(|source| SpecError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_file() {
            specs.push(read_spec_file(&path)?);
        }
    }
    Ok(specs)
}

/// Reads the specs named by `--modules` and `--modules_dir`; at most one
/// may be given, and neither means no modules.
pub fn load_specs(
    modules: Option<&str>,
    modules_dir: Option<&Path>,
) -> Result<Vec<(String, ModuleSpec)>, SpecError> {
    match (modules, modules_dir) {
        (Some(_), Some(_)) => Err(SpecError::MutuallyExclusive),
        (Some(value), None) => Ok(vec![read_modules_flag(value)?]),
        (None, Some(dir)) => read_modules_dir(dir),
        (None, None) => Ok(Vec::new()),
    }
}

/// Flattens the specs into the modules to load, in declaration order.
///
/// A module listed again from the same library with identical parameters
/// (same order) is kept once; any other repeat is an error naming both
/// declarations, since which one was meant cannot be guessed.
pub fn plan(specs: &[(String, ModuleSpec)]) -> Result<Vec<PlannedModule>, SpecError> {
    let mut planned: Vec<PlannedModule> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (origin, spec) in specs {
        for (i, library) in spec.libraries.iter().enumerate() {
            let index = i + 1;
            let location = library.location_in(origin, index)?;
            let place = library_place(origin, index);
            for module in &library.modules {
                check_module_name(&module.name, &place)?;
                let this = PlannedModule {
                    name: module.name.clone(),
                    library: location.clone(),
                    library_origin: place.clone(),
                    parameters: module.parameters.clone(),
                };
                let Some(&at) = seen.get(module.name.as_str()) else {
                    seen.insert(&module.name, planned.len());
                    planned.push(this);
                    continue;
                };
                let first = &planned[at];
                if first.library != this.library {
                    return Err(SpecError::DuplicateLibrary {
                        name: this.name.clone(),
                        first: Box::new(first.clone()),
                        second: Box::new(this),
                    });
                }
                if first.parameters != this.parameters {
                    return Err(SpecError::DuplicateParameters {
                        name: this.name.clone(),
                        first: Box::new(first.clone()),
                        second: Box::new(this),
                    });
                }
            }
        }
    }
    Ok(planned)
}

/// Reads and parses one spec file; its path is the origin.
fn read_spec_file(path: &Path) -> Result<(String, ModuleSpec), SpecError> {
    let origin = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: origin.clone(),
        source,
    })?;
    let spec = parse_spec(&text, &origin)?;
    Ok((origin, spec))
}

fn library_place(origin: &str, index: usize) -> String {
    format!("{origin}, library #{index}")
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

fn check_module_name(name: &str, place: &str) -> Result<(), SpecError> {
    if is_c_identifier(name) {
        Ok(())
    } else {
        Err(SpecError::BadModuleName {
            place: place.to_string(),
            name: name.to_string(),
        })
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: what `dlsym` can find as a C symbol.
fn is_c_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(first) if first.is_ascii_alphabetic() || first == b'_' => {
            bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        _ => false,
    }
}

/// Shows parameters as `[X="Y", Z=""]` in messages; values are quoted so
/// commas and spaces in them stay readable.
struct ParamList<'a>(&'a [Parameter]);

impl fmt::Display for ParamList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={:?}", p.key, p.value)?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"libraries": [
  {"file": "/usr/lib/libfoo.so", "modules": [
     {"name": "org_example_Foo", "parameters": [{"key": "X", "value": "Y"}]},
     {"name": "org_example_Bar"}]},
  {"name": "baz", "modules": [{"name": "org_example_Baz"}]}]}"#;

    fn param(key: &str, value: &str) -> Parameter {
        Parameter {
            key: key.into(),
            value: value.into(),
        }
    }

    fn module(name: &str, parameters: Vec<Parameter>) -> ModuleEntry {
        ModuleEntry {
            name: name.into(),
            parameters,
        }
    }

    fn lib(file: Option<&str>, name: Option<&str>, modules: Vec<ModuleEntry>) -> LibrarySpec {
        LibrarySpec {
            file: file.map(Into::into),
            name: name.map(Into::into),
            modules,
        }
    }

    fn spec_of(libraries: Vec<LibrarySpec>) -> ModuleSpec {
        ModuleSpec { libraries }
    }

    fn parse_err(text: &str) -> String {
        match parse_spec(text, "test.json") {
            Ok(spec) => panic!("expected an error, parsed {spec:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).expect("write test file");
        path
    }

    #[test]
    fn parses_the_reference_example() {
        let spec = parse_spec(EXAMPLE, "example").expect("valid");
        assert_eq!(
            spec,
            spec_of(vec![
                lib(
                    Some("/usr/lib/libfoo.so"),
                    None,
                    vec![
                        module("org_example_Foo", vec![param("X", "Y")]),
                        module("org_example_Bar", vec![]),
                    ]
                ),
                lib(None, Some("baz"), vec![module("org_example_Baz", vec![])]),
            ])
        );
    }

    #[test]
    fn empty_libraries_and_empty_object_are_fine() {
        assert_eq!(
            parse_spec(r#"{"libraries": []}"#, "x").expect("ok"),
            spec_of(vec![])
        );
        assert_eq!(parse_spec("{}", "x").expect("ok"), spec_of(vec![]));
        let spec = parse_spec(r#"{"libraries": [{"name": "a"}]}"#, "x").expect("ok");
        assert!(spec.libraries[0].modules.is_empty());
    }

    #[test]
    fn bad_json_reports_origin_line_and_column() {
        let msg = parse_err("{\"libraries\": [\n  {\"name\": \"a\",\n   \"modules\": [}\n]}");
        assert!(
            msg.starts_with("invalid module spec in test.json: "),
            "{msg}"
        );
        assert!(msg.contains("at line 3 column"), "{msg}");
    }

    #[test]
    fn unknown_field_in_library_matches_documented_message() {
        let text = "{\"libraries\": [\n  {\"name\": \"a\",\n   \"flie\": \"/x.so\"}]}";
        let err = parse_spec(text, "/etc/modkit/modules.json").expect_err("unknown field");
        assert!(matches!(err, SpecError::Parse { .. }));
        assert_eq!(
            err.to_string(),
            "invalid module spec in /etc/modkit/modules.json: unknown field `flie`, \
             expected one of `file`, `name`, `modules` at line 3 column 9"
        );
    }

    #[test]
    fn unknown_field_at_top_level() {
        let msg = parse_err(r#"{"libraries": [], "librarys": []}"#);
        assert!(msg.contains("unknown field `librarys`"), "{msg}");
        assert!(msg.contains("line 1 column"), "{msg}");
    }

    #[test]
    fn unknown_field_in_module() {
        let msg = parse_err(
            r#"{"libraries": [{"name": "a", "modules": [{"name": "m", "params": []}]}]}"#,
        );
        assert!(
            msg.contains("unknown field `params`, expected `name` or `parameters`"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_field_in_parameter() {
        let msg = parse_err(
            r#"{"libraries": [{"name": "a", "modules": [{"name": "m",
                "parameters": [{"key": "k", "val": "v"}]}]}]}"#,
        );
        assert!(
            msg.contains("unknown field `val`, expected `key` or `value`"),
            "{msg}"
        );
        assert!(msg.contains("line 2 column"), "{msg}");
    }

    #[test]
    fn module_without_name_is_an_error() {
        let msg = parse_err(r#"{"libraries": [{"name": "a", "modules": [{"parameters": []}]}]}"#);
        assert!(msg.contains("missing field `name`"), "{msg}");
    }

    #[test]
    fn parameter_without_value_is_an_error() {
        let msg = parse_err(
            r#"{"libraries": [{"name": "a", "modules": [{"name": "m", "parameters": [{"key": "k"}]}]}]}"#,
        );
        assert!(msg.contains("missing field `value`"), "{msg}");
    }

    #[test]
    fn library_with_neither_file_nor_name_names_origin_and_index() {
        let msg = parse_err(r#"{"libraries": [{"name": "a"}, {"modules": [{"name": "m"}]}]}"#);
        assert_eq!(
            msg,
            "invalid module spec in test.json: library #2 has neither 'file' nor 'name'"
        );
        // Empty strings count as absent.
        let msg = parse_err(r#"{"libraries": [{"file": "", "name": ""}]}"#);
        assert!(
            msg.contains("library #1 has neither 'file' nor 'name'"),
            "{msg}"
        );
    }

    #[test]
    fn location_rules() {
        let loc = |file: Option<&str>, name: Option<&str>| lib(file, name, vec![]).location();
        assert_eq!(
            loc(Some("/usr/lib/libfoo.so"), None).expect("path"),
            LibraryLocation::Path(PathBuf::from("/usr/lib/libfoo.so"))
        );
        assert_eq!(
            loc(Some("./libfoo.so"), None).expect("relative path"),
            LibraryLocation::Path(PathBuf::from("./libfoo.so"))
        );
        assert_eq!(
            loc(Some("libfoo.so.1"), None).expect("search"),
            LibraryLocation::SearchName("libfoo.so.1".into())
        );
        assert_eq!(
            loc(None, Some("baz")).expect("name"),
            LibraryLocation::SearchName("libbaz.so".into())
        );
        assert_eq!(
            loc(Some("/opt/libfoo.so"), Some("baz")).expect("file wins"),
            LibraryLocation::Path(PathBuf::from("/opt/libfoo.so"))
        );
        assert_eq!(
            loc(Some(""), Some("baz")).expect("empty file is absent"),
            LibraryLocation::SearchName("libbaz.so".into())
        );
        assert!(matches!(loc(None, None), Err(SpecError::NoLibraryLocation)));
        assert!(matches!(
            loc(Some(""), Some("")),
            Err(SpecError::NoLibraryLocation)
        ));
    }

    #[test]
    fn location_display() {
        assert_eq!(
            LibraryLocation::Path(PathBuf::from("/a/libx.so")).to_string(),
            "/a/libx.so"
        );
        assert_eq!(
            LibraryLocation::SearchName("libx.so".into()).to_string(),
            "libx.so (system search path)"
        );
    }

    #[test]
    fn c_identifier_rule() {
        for ok in ["a", "_", "org_example_Foo", "_x9", "Z0_"] {
            assert!(is_c_identifier(ok), "{ok}");
        }
        for bad in ["", "9abc", "org.example.Foo", "a-b", "a b", "é", "a\0"] {
            assert!(!is_c_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn parse_rejects_non_identifier_module_name() {
        let msg = parse_err(
            r#"{"libraries": [{"name": "a", "modules": [{"name": "org.example.Foo"}]}]}"#,
        );
        assert_eq!(
            msg,
            "invalid module spec in test.json, library #1: module name 'org.example.Foo' \
             is not a C identifier (it is the exported symbol)"
        );
    }

    #[test]
    fn serializes_without_absent_fields_and_round_trips() {
        let spec = parse_spec(EXAMPLE, "example").expect("valid");
        let json = serde_json::to_string(&spec).expect("serialize");
        assert_eq!(
            json,
            r#"{"libraries":[{"file":"/usr/lib/libfoo.so","modules":[{"name":"org_example_Foo","parameters":[{"key":"X","value":"Y"}]},{"name":"org_example_Bar"}]},{"name":"baz","modules":[{"name":"org_example_Baz"}]}]}"#
        );
        assert_eq!(parse_spec(&json, "again").expect("round trip"), spec);
    }

    #[test]
    fn flag_inline_json() {
        let (origin, spec) = read_modules_flag(EXAMPLE).expect("inline");
        assert_eq!(origin, INLINE_ORIGIN);
        assert_eq!(spec.libraries.len(), 2);
        let (origin, _) = read_modules_flag("  \n {\"libraries\": []}").expect("leading space");
        assert_eq!(origin, "--modules (inline JSON)");
        let err = read_modules_flag("{\"libraries\": [}").expect_err("bad inline");
        assert!(
            err.to_string()
                .starts_with("invalid module spec in --modules (inline JSON): "),
            "{err}"
        );
    }

    #[test]
    fn flag_plain_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "m.json", EXAMPLE);
        let shown = path.display().to_string();
        let (origin, spec) = read_modules_flag(&shown).expect("path");
        assert_eq!(origin, shown);
        assert_eq!(spec.libraries.len(), 2);
    }

    #[test]
    fn flag_file_url() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "m.json", EXAMPLE);
        let shown = path.display().to_string();
        assert!(shown.starts_with('/'));
        let (origin, spec) = read_modules_flag(&format!("file://{shown}")).expect("url");
        assert_eq!(origin, shown);
        assert_eq!(spec.libraries.len(), 2);
    }

    #[test]
    fn flag_file_url_without_absolute_path_is_refused() {
        let err = read_modules_flag("file://host/etc/m.json").expect_err("host form");
        assert!(matches!(err, SpecError::BadFileUrl { .. }), "{err}");
        assert!(err.to_string().contains("file://host/etc/m.json"), "{err}");
    }

    #[test]
    fn flag_missing_file_names_path_and_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nope.json");
        let shown = path.display().to_string();
        for value in [shown.clone(), format!("file://{shown}")] {
            let err = read_modules_flag(&value).expect_err("missing");
            match &err {
                SpecError::Read { path, source } => {
                    assert_eq!(path, &shown);
                    assert_eq!(source.kind(), io::ErrorKind::NotFound);
                }
                other => panic!("unexpected {other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&shown), "{msg}");
            assert!(msg.contains("os error 2"), "{msg}");
        }
    }

    #[test]
    fn flag_bad_file_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "m.json", "{\"libraries\": 5}");
        let err = read_modules_flag(&path.display().to_string()).expect_err("bad");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("invalid module spec in {}", path.display())),
            "{msg}"
        );
        assert!(msg.contains("line 1 column"), "{msg}");
    }

    #[test]
    fn flag_empty_is_an_error() {
        assert!(matches!(
            read_modules_flag(""),
            Err(SpecError::EmptyModulesFlag)
        ));
        assert!(matches!(
            read_modules_flag("  "),
            Err(SpecError::EmptyModulesFlag)
        ));
    }

    #[test]
    fn dir_reads_regular_files_alphabetically_skipping_hidden_and_subdirs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = |m: &str| {
            format!(r#"{{"libraries": [{{"name": "x", "modules": [{{"name": "{m}"}}]}}]}}"#)
        };
        write(dir.path(), "b.json", &one("b"));
        write(dir.path(), "a.json", &one("a"));
        write(dir.path(), "C.json", &one("C"));
        write(dir.path(), ".hidden.json", "not json");
        fs::create_dir(dir.path().join("sub")).expect("subdir");
        write(&dir.path().join("sub"), "z.json", "not json");

        let specs = read_modules_dir(dir.path()).expect("dir");
        let origins: Vec<String> = specs.iter().map(|(o, _)| o.clone()).collect();
        let expected: Vec<String> = ["C.json", "a.json", "b.json"]
            .iter()
            .map(|n| dir.path().join(n).display().to_string())
            .collect();
        assert_eq!(origins, expected);
        let names: Vec<&str> = specs
            .iter()
            .map(|(_, s)| s.libraries[0].modules[0].name.as_str())
            .collect();
        assert_eq!(names, ["C", "a", "b"]);
    }

    #[test]
    fn dir_stops_at_first_bad_file_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "10-ok.json", r#"{"libraries": []}"#);
        write(
            dir.path(),
            "30-bad.json",
            r#"{"libraries": [{"flie": "x"}]}"#,
        );
        write(dir.path(), "20-bad.json", "{ nope");
        let msg = read_modules_dir(dir.path()).expect_err("bad").to_string();
        let bad = dir.path().join("20-bad.json").display().to_string();
        assert!(
            msg.starts_with(&format!("invalid module spec in {bad}: ")),
            "{msg}"
        );
    }

    #[test]
    fn dir_empty_is_fine() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(read_modules_dir(dir.path()).expect("empty").is_empty());
    }

    #[test]
    fn dir_missing_names_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("gone");
        let err = read_modules_dir(&missing).expect_err("missing");
        assert!(
            matches!(&err, SpecError::ReadDir { source, .. } if source.kind() == io::ErrorKind::NotFound)
        );
        let msg = err.to_string();
        assert!(msg.contains(&missing.display().to_string()), "{msg}");
    }

    #[test]
    fn dir_that_is_a_file_names_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(dir.path(), "m.json", "{}");
        let err = read_modules_dir(&file).expect_err("not a dir");
        assert_eq!(
            err.to_string(),
            format!("--modules_dir {} is not a directory", file.display())
        );
    }

    #[cfg(unix)]
    #[test]
    fn dir_follows_symlinks_and_reports_broken_ones() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let target = write(outside.path(), "real.json", r#"{"libraries": []}"#);
        symlink(&target, dir.path().join("a.json")).expect("symlink");
        assert_eq!(read_modules_dir(dir.path()).expect("link").len(), 1);

        symlink(outside.path().join("missing"), dir.path().join("b.json")).expect("symlink");
        let err = read_modules_dir(dir.path()).expect_err("broken link");
        let msg = err.to_string();
        assert!(
            msg.contains(&dir.path().join("b.json").display().to_string()),
            "{msg}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn dir_unreadable_names_it() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("locked");
        fs::create_dir(&dir).expect("mkdir");
        write(&dir, "a.json", "{}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o000)).expect("chmod");
        // Root (and CAP_DAC_OVERRIDE) reads it anyway: nothing to test then.
        let readable = fs::read_dir(&dir).is_ok();
        let result = read_modules_dir(&dir);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod back");
        if readable {
            eprintln!(
                "skipped dir_unreadable_names_it: this user (root) reads a mode-000 folder anyway"
            );
            return;
        }
        let err = result.expect_err("unreadable");
        assert!(
            matches!(&err, SpecError::ReadDir { source, .. } if source.kind() == io::ErrorKind::PermissionDenied)
        );
        assert!(
            err.to_string().contains(&dir.display().to_string()),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn dir_unreadable_file_names_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(dir.path(), "a.json", "{}");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&file).is_ok() {
            eprintln!("skipped dir_unreadable_file_names_it: this user (root) reads a mode-000 file anyway");
            return;
        }
        let err = read_modules_dir(dir.path()).expect_err("unreadable");
        assert!(matches!(&err, SpecError::Read { .. }));
        assert!(err
            .to_string()
            .starts_with(&format!("cannot read module spec {}: ", file.display())));
    }

    #[test]
    fn spec_file_that_is_not_utf8_names_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("binary.json");
        fs::write(&file, [0xff, 0xfe, b'{', b'}']).expect("write");
        let err = read_modules_dir(dir.path()).expect_err("not UTF-8");
        assert!(matches!(&err, SpecError::Read { .. }));
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("cannot read module spec {}: ", file.display())),
            "{msg}"
        );
        assert!(msg.contains("UTF-8"), "{msg}");
    }

    #[test]
    fn load_specs_both_flags_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = load_specs(Some("{}"), Some(dir.path())).expect_err("both");
        assert_eq!(
            err.to_string(),
            "--modules and --modules_dir are mutually exclusive"
        );
    }

    #[test]
    fn load_specs_none_is_empty() {
        assert!(load_specs(None, None).expect("none").is_empty());
    }

    #[test]
    fn load_specs_one_source() {
        let specs = load_specs(Some(EXAMPLE), None).expect("inline");
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].0, INLINE_ORIGIN);

        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "a.json", EXAMPLE);
        write(dir.path(), "b.json", "{}");
        assert_eq!(load_specs(None, Some(dir.path())).expect("dir").len(), 2);
    }

    #[test]
    fn plan_flattens_in_order() {
        let specs = vec![
            (
                "one".to_string(),
                parse_spec(EXAMPLE, "one").expect("valid"),
            ),
            (
                "two".to_string(),
                spec_of(vec![lib(Some("libq.so"), None, vec![module("q", vec![])])]),
            ),
        ];
        let planned = plan(&specs).expect("plan");
        let summary: Vec<(&str, String, &str)> = planned
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.library.to_string(),
                    p.library_origin.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "org_example_Foo",
                    "/usr/lib/libfoo.so".to_string(),
                    "one, library #1"
                ),
                (
                    "org_example_Bar",
                    "/usr/lib/libfoo.so".to_string(),
                    "one, library #1"
                ),
                (
                    "org_example_Baz",
                    "libbaz.so (system search path)".to_string(),
                    "one, library #2"
                ),
                (
                    "q",
                    "libq.so (system search path)".to_string(),
                    "two, library #1"
                ),
            ]
        );
        assert_eq!(planned[0].parameters, vec![param("X", "Y")]);
        assert!(planned[1].parameters.is_empty());
    }

    #[test]
    fn plan_identical_duplicate_is_kept_once() {
        let a = spec_of(vec![lib(
            None,
            Some("foo"),
            vec![module("m", vec![param("k", "v")])],
        )]);
        // Same location spelt differently (`file` vs `name`) is the same library.
        let b = spec_of(vec![
            lib(
                Some("libfoo.so"),
                None,
                vec![module("m", vec![param("k", "v")])],
            ),
            lib(
                None,
                Some("foo"),
                vec![module("m", vec![param("k", "v")]), module("n", vec![])],
            ),
        ]);
        let planned = plan(&[("a".into(), a), ("b".into(), b)]).expect("plan");
        let names: Vec<&str> = planned.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["m", "n"]);
        assert_eq!(planned[0].library_origin, "a, library #1");
    }

    #[test]
    fn plan_duplicate_with_different_parameters_is_an_error() {
        let a = spec_of(vec![lib(
            None,
            Some("foo"),
            vec![module("m", vec![param("k", "v")])],
        )]);
        let b = spec_of(vec![lib(
            None,
            Some("foo"),
            vec![module("m", vec![param("k", "w, x")])],
        )]);
        let err = plan(&[("a.json".into(), a), ("b.json".into(), b)]).expect_err("dup");
        assert!(matches!(err, SpecError::DuplicateParameters { .. }));
        assert_eq!(
            err.to_string(),
            "module 'm' is listed twice with different parameters: [k=\"v\"] in a.json, library #1 \
             and [k=\"w, x\"] in b.json, library #1"
        );
        // Missing parameters differ from some parameters, within one file too.
        let c = spec_of(vec![lib(
            None,
            Some("foo"),
            vec![module("m", vec![]), module("m", vec![param("k", "v")])],
        )]);
        let msg = plan(&[("c.json".into(), c)]).expect_err("dup").to_string();
        assert!(
            msg.contains("[] in c.json, library #1 and [k=\"v\"] in c.json, library #1"),
            "{msg}"
        );
    }

    #[test]
    fn plan_same_module_from_two_libraries_is_an_error() {
        let a = spec_of(vec![
            lib(Some("/opt/libfoo.so"), None, vec![module("m", vec![])]),
            lib(None, Some("bar"), vec![module("m", vec![])]),
        ]);
        let err = plan(&[("a.json".into(), a)]).expect_err("two libraries");
        assert!(matches!(err, SpecError::DuplicateLibrary { .. }));
        assert_eq!(
            err.to_string(),
            "module 'm' is listed in two libraries: /opt/libfoo.so (a.json, library #1) \
             and libbar.so (system search path) (a.json, library #2)"
        );
    }

    #[test]
    fn plan_rejects_non_identifier_names() {
        let a = spec_of(vec![lib(
            None,
            Some("foo"),
            vec![module("org.example.Foo", vec![])],
        )]);
        let err = plan(&[("a.json".into(), a)]).expect_err("bad name");
        assert!(matches!(err, SpecError::BadModuleName { .. }));
        assert!(
            err.to_string().ends_with(
                "module name 'org.example.Foo' is not a C identifier (it is the exported symbol)"
            ),
            "{err}"
        );
        let empty = spec_of(vec![lib(None, Some("foo"), vec![module("", vec![])])]);
        assert!(matches!(
            plan(&[("e".into(), empty)]),
            Err(SpecError::BadModuleName { .. })
        ));
    }

    #[test]
    fn plan_rejects_library_without_location() {
        let a = spec_of(vec![
            lib(None, Some("foo"), vec![]),
            lib(Some(""), None, vec![module("m", vec![])]),
        ]);
        let msg = plan(&[("a.json".into(), a)])
            .expect_err("no location")
            .to_string();
        assert_eq!(
            msg,
            "invalid module spec in a.json: library #2 has neither 'file' nor 'name'"
        );
    }
}
