//! `regvault`: the terminal UI by default, subcommands for scripts.

use clap::Parser;

fn main() {
    // Before any secret is in memory: no core dumps, and no ptrace or
    // /proc/PID/mem reading by other processes of the same user.
    harden_process();
    // One TLS stack (rustls + ring), chosen before any client is built.
    regvault::probe::install_crypto_provider();
    let cli = regvault::cli::Cli::parse();
    match regvault::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            // The context chain on one line; domain errors never
            // carry secret values. A name quoted in it (typed, or stored in
            // an older vault) may hold terminal escapes: printed escaped.
            let text = regvault::cli::error_line(&err);
            eprintln!("error: {}", regvault::model::escape(&text));
            std::process::exit(1);
        }
    }
}

/// Makes the process non-dumpable (other processes of the same user can no
/// longer attach with ptrace or read `/proc/PID/mem`, `environ`, …) and
/// sets the core size limit to 0 (a crash or SIGQUIT leaves no core file
/// holding decrypted credentials). A failure is reported, not fatal: on a
/// kernel that refuses, regvault still works.
fn harden_process() {
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
