//! `regvault`: the terminal UI by default, subcommands for scripts.

use clap::Parser;

fn main() {
    // Before any secret is in memory: no core dumps, and no ptrace or
    // /proc/PID/mem reading by other processes of the same user.
    regvault::harden_process();
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
            // By class (usage, refused, unreachable, vault locked…): the
            // table is in `--help` and the README.
            std::process::exit(i32::from(regvault::cli::exit::exit_class(&err)));
        }
    }
}
