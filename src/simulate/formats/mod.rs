//! Workload formats: native JSON, the Standard Workload Format (SWF) of the Parallel Workloads
//! Archive, and Google cluster-data 2011 `task_events` CSV. Malformed lines are reported as
//! `FILE:LINE: reason` and skipped (or fatal with `strict`), never dropped silently.

mod google;
mod native;
mod swf;

pub use native::to_json;

use super::workload::Workload;
use super::SimulateError;
use modkit_ffi::resources::Resources;
use std::path::Path;

/// Which format a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Native,
    Swf,
    Google,
}

impl Format {
    /// From the file name: `.json` native, `.swf` SWF, `.csv` Google task events.
    pub fn guess(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".json") {
            Some(Format::Native)
        } else if name.ends_with(".swf") {
            Some(Format::Swf)
        } else if name.ends_with(".csv") {
            Some(Format::Google)
        } else {
            None
        }
    }
}

/// Which SWF field names a job's framework and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleBy {
    User,
    Group,
    Queue,
}

/// How to read a workload; the trace formats' cluster and limits come from here.
#[derive(Clone, Debug)]
pub struct FormatOptions {
    pub format: Option<Format>,
    /// A malformed line is an error instead of a warning.
    pub strict: bool,
    /// Google: events read at most; SWF: jobs read at most.
    pub limit: Option<usize>,
    pub swf_role_by: RoleBy,
    /// One SWF node; default: `MaxProcs / MaxNodes` cpus and 1024 MB per cpu.
    pub swf_node_resources: Option<Resources>,
    /// SWF node count; default: `MaxNodes`, else `MaxProcs` / cpus per node.
    pub swf_nodes: Option<usize>,
    /// One Google machine: the normalized requests are fractions of it.
    pub machine_resources: Resources,
    /// Google machine count; default: the distinct machine ids in the events.
    pub machines: Option<usize>,
    /// Trace frameworks' `max_tasks_per_offer`.
    pub max_tasks_per_offer: Option<u32>,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            format: None,
            strict: false,
            limit: None,
            swf_role_by: RoleBy::User,
            swf_node_resources: None,
            swf_nodes: None,
            machine_resources: Resources::parse(DEFAULT_MACHINE).unwrap_or_default(),
            machines: None,
            max_tasks_per_offer: None,
        }
    }
}

/// Google's normalization unit by default: a 2011 cluster machine of the largest kind.
pub const DEFAULT_MACHINE: &str = "cpus:16;mem:65536;disk:1048576";

/// A loaded workload and the warnings of the lines skipped on the way.
#[derive(Debug)]
pub struct Loaded {
    pub workload: Workload,
    pub format: Format,
    /// `FILE:LINE: reason` of each malformed line skipped, and notes on records left out.
    pub warnings: Vec<String>,
}

/// Collects malformed lines: a warning each, or the first is fatal when strict.
pub(crate) struct Lines<'a> {
    file: &'a str,
    strict: bool,
    pub warnings: Vec<String>,
}

impl<'a> Lines<'a> {
    pub fn new(file: &'a str, strict: bool) -> Self {
        Lines {
            file,
            strict,
            warnings: Vec::new(),
        }
    }

    pub fn malformed(
        &mut self,
        line: usize,
        reason: impl Into<String>,
    ) -> Result<(), SimulateError> {
        let error = SimulateError::Parse {
            file: self.file.to_string(),
            line,
            reason: reason.into(),
        };
        if self.strict {
            return Err(error);
        }
        self.warnings.push(error.to_string());
        Ok(())
    }

    pub fn file_name(&self) -> &str {
        self.file
    }

    /// Records left out on purpose (unknown run time, never ran): counted, not per line.
    pub fn note(&mut self, count: usize, what: &str) {
        if count > 0 {
            self.warnings
                .push(format!("{}: left out {count} {what}", self.file));
        }
    }
}

/// Reads a workload file in `options.format` (or the one its name says).
pub fn load(path: &Path, options: &FormatOptions) -> Result<Loaded, SimulateError> {
    let file = path.display().to_string();
    let format = match options.format.or_else(|| Format::guess(path)) {
        Some(f) => f,
        None => {
            return Err(SimulateError::Read {
                file,
                reason: "cannot tell its format from the name (.json, .swf or .csv); pass --format"
                    .into(),
            })
        }
    };
    let text = std::fs::read_to_string(path).map_err(|e| SimulateError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let mut lines = Lines::new(&file, options.strict);
    let workload = match format {
        Format::Native => native::parse(&file, &text)?,
        Format::Swf => swf::parse(&text, options, &mut lines)?,
        Format::Google => google::parse(&text, options, &mut lines)?,
    };
    let warnings = lines.warnings;
    let workload = Workload {
        source: file,
        ..workload
    };
    workload.validate()?;
    Ok(Loaded {
        workload,
        format,
        warnings,
    })
}

/// `text` as resources, for flags.
pub fn parse_resources(flag: &str, text: &str) -> Result<Resources, SimulateError> {
    Resources::parse(text).map_err(|e| SimulateError::Flag {
        flag: flag.to_string(),
        reason: format!("'{text}': {e}"),
    })
}
