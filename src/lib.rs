//! regvault: container-registry pull credentials kept in an age-encrypted vault.

pub mod agent;
pub mod cli;
pub mod credhelper;
pub mod deploy;
pub mod import;
pub mod model;
pub mod ops;
pub mod probe;
pub mod registry;
pub mod secret;
pub mod tui;
pub mod vault;

/// Makes the process non-dumpable (other processes of the same user can no
/// longer attach with ptrace or read `/proc/PID/mem`, `environ`, …) and
/// sets the core size limit to 0 (a crash or SIGQUIT leaves no core file
/// holding decrypted credentials). A failure is reported, not fatal: on a
/// kernel that refuses, regvault still works. Both binaries call it first
/// (`regvault` and `docker-credential-regvault`).
pub fn harden_process() {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        eprintln!("warning: could not make the process non-dumpable: {e}");
    }
    let none = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, none) {
        eprintln!("warning: could not turn off core dumps: {e}");
    }
}
