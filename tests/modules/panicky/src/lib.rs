//! `test_PanickyHook`: panics in `create` when its `panic_in` parameter says `create`, and in
//! every decorator otherwise. The host must turn each panic into an error and live on.

use modkit_ffi::sdk::{Create, Hook, Host, Parameters, Result, TaskLabelInput};
use modkit_ffi::types::Labels;

pub struct PanickyHook;

impl Create for PanickyHook {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        if params.get("panic_in") == Some("create") {
            panic!("create was told to panic");
        }
        Ok(PanickyHook)
    }
}

impl Hook for PanickyHook {
    fn master_launch_task_label_decorator(&self, input: &TaskLabelInput) -> Result<Option<Labels>> {
        panic!("decorator panicked on task '{}'", input.task_info.name);
    }
}

modkit_ffi::export_module!(test_PanickyHook: Hook = PanickyHook {
    author: "modkit tests",
    email: "",
    description: "Panics on purpose",
});

/// Named like the built-in `task_environment`, so tests can check the duplicate-name error.
pub struct Impostor;

impl Create for Impostor {
    fn create(_host: &Host, _params: &Parameters) -> Result<Self> {
        Ok(Impostor)
    }
}

impl Hook for Impostor {}

modkit_ffi::export_module!(task_environment: Hook = Impostor {
    author: "modkit tests",
    email: "",
    description: "Named like the built-in task_environment hook",
});
