//! The `regvault` command line: one file per subcommand group, each a thin
//! face over the domain calls in `model`, `registry` and `vault`.

// clap prints these doc comments as the `--help` text, as written: backticks
// around `$DOCKER_CONFIG` or `ServiceAccount` would show in the terminal.
#![allow(
    clippy::doc_markdown,
    reason = "doc comments here are clap's --help text"
)]

mod agent;
mod backups;
mod compose;
mod container;
mod deploy;
mod doc;
pub mod exit;
mod export;
mod fleet;
mod helper;
mod import;
mod init;
pub mod keys;
mod log;
mod member;
mod output;
pub use output::error_line;
mod prompt;
mod registry;
mod restore;
mod swarm;
mod trust;
mod watch;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Container-registry pull credentials in an age-encrypted vault.
///
/// Secrets never come from the command line: give them in a file
/// (`--from-file`, `--field-file`), on stdin (`--from-file -`) or at the
/// masked prompt.
#[derive(Debug, Parser)]
#[command(name = "regvault", version, about, long_about = None, after_help = exit::HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The vault file [default: $XDG_DATA_HOME/regvault/vault.age]
    #[arg(long, global = true, env = "REGVAULT_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// An age identity file or an unencrypted SSH private key that opens the
    /// vault [default: $XDG_CONFIG_HOME/regvault/identity.txt, then ~/.ssh/id_ed25519, ~/.ssh/id_rsa]
    #[arg(long, global = true, env = "REGVAULT_IDENTITY", value_name = "PATH")]
    pub identity: Option<PathBuf>,
    /// TUI only (`regvault --read-only`): look only — add, edit, delete,
    /// apply and save are hidden. Refused with a subcommand: a command says
    /// by its name whether it writes.
    #[arg(long)]
    pub read_only: bool,
    /// TUI: no mouse capture, so the terminal selects text as usual
    /// (also REGVAULT_NO_MOUSE=1).
    #[arg(long, global = true)]
    pub no_mouse: bool,
    /// How long a change waits for another writer to finish before giving
    /// up (seconds; 0 does not wait).
    #[arg(
        long,
        global = true,
        env = "REGVAULT_WAIT",
        value_name = "SECS",
        default_value_t = 10.0
    )]
    pub wait: f64,
    /// Use an identity file that other users can read (warned about)
    /// instead of refusing it.
    #[arg(long, global = true, env = "REGVAULT_ALLOW_OPEN_IDENTITY")]
    pub allow_open_identity: bool,
    /// The key that signs your saves of team vaults: regvault's own
    /// signing-key.txt, or an unencrypted SSH ed25519 private key such as
    /// ~/.ssh/id_ed25519 [default: $XDG_CONFIG_HOME/regvault/signing-key.txt]
    #[arg(long, global = true, env = "REGVAULT_SIGNING_KEY", value_name = "PATH")]
    pub signing_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a vault (and, by default, an age identity to open it with).
    Init(init::InitArgs),
    /// Saved registries: list, show, add, update, delete, test.
    #[command(subcommand)]
    Registry(registry::RegistryCmd),
    /// Containers that pull from saved registries (or public images).
    #[command(subcommand)]
    Container(container::ContainerCmd),
    /// Move in: registries from docker's config.json (and its credential
    /// helpers), containers' auth.json or a Kubernetes pull Secret. The
    /// preview first — added, already there, skipped and why — never a
    /// secret; --dry-run stops there.
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// Write credentials out for other tools (this prints secrets).
    #[command(subcommand)]
    Export(export::ExportCmd),
    /// Apply a registry's pull secret (and one Deployment per container) to
    /// Kubernetes namespaces `env-<environment>`: the plan first, then
    /// server-side apply. `--remove` deletes its managed secrets instead.
    Apply(deploy::ApplyArgs),
    /// Update a registry's secrets in place after a rotation (no restart).
    Sync(deploy::RegistryEnvArgs),
    /// Per environment: is the cluster's secret current, stale or missing?
    Status(deploy::RegistryEnvArgs),
    /// Re-apply every ECR secret that expires within a window (for cron).
    Refresh(deploy::RefreshArgs),
    /// Delete a registry's managed secrets from the cluster.
    Prune(deploy::PruneArgs),
    /// Keep pull secrets in place (foreground, until SIGTERM): new
    /// namespaces get them, hand edits and deletes are repaired, ECR tokens
    /// renewed by their expiry; `watch status` reports.
    Watch(watch::WatchArgs),
    /// Docker Swarm services with registry auth, through the engine API.
    #[command(subcommand)]
    Swarm(swarm::SwarmCmd),
    /// Docker Compose: write a project's registry logins into config.json.
    #[command(subcommand)]
    Compose(compose::ComposeCmd),
    /// docker-credential-regvault for docker, podman and skopeo: install,
    /// uninstall, status of its credHelpers entries.
    #[command(subcommand)]
    Helper(helper::HelperCmd),
    /// List the vault's backups (time, registry count), or put one back as
    /// the vault: `restore N` (the number listed) or `restore NAME`.
    Restore(restore::RestoreArgs),
    /// Re-encrypt the vault to a new recipient list (add or remove a team
    /// member, or switch to a passphrase), then delete the backups made for
    /// the old list.
    Rekey(backups::RekeyArgs),
    /// The vault's backups: list, purge.
    #[command(subcommand)]
    Backups(backups::BackupsCmd),
    /// Team vaults: the signing keys that may save it (list, add, remove).
    #[command(subcommand)]
    Member(member::MemberCmd),
    /// Review and accept a change to the vault (recipients added or removed,
    /// an older save put back) that opening it refuses until you do.
    Trust(trust::TrustArgs),
    /// The audit log: who did what, when (filter with --registry, --who,
    /// --since; --json); `log verify` checks it was not tampered with.
    Log(log::LogArgs),
    /// Unlock a vault that needs a passphrase (or an encrypted SSH key /
    /// age identity) once: the agent keeps the key, so commands, the TUI
    /// and the credential helper open it without asking until the idle
    /// timeout or the agent's maximum lifetime.
    Unlock(agent::UnlockArgs),
    /// The agent that holds unlocked keys: runs it in the foreground;
    /// `status`, `lock` (forget every key), `stop`.
    Agent(agent::AgentArgs),
    /// Open the TUI on a throwaway vault seeded with one fake registry of
    /// every kind (for demos; nothing is kept).
    Demo,
    /// Print a shell completion script: `regvault completions bash >
    /// ~/.local/share/bash-completion/completions/regvault`.
    Completions {
        #[arg(value_enum)]
        shell: doc::Shell,
    },
    /// Print the man page (roff) to stdout: `regvault man > regvault.1`.
    Man,
}

/// Runs one CLI command. `Ok(code)` is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    if !(cli.global.wait.is_finite() && (0.0..=86_400.0).contains(&cli.global.wait)) {
        return Err(exit::usage("--wait takes seconds from 0 to 86400"));
    }
    if cli.global.read_only && cli.command.is_some() {
        return Err(exit::usage(
            "--read-only is for the TUI (`regvault --read-only`); a command writes only when its name says so",
        ));
    }
    crate::vault::set_lock_wait(std::time::Duration::from_secs_f64(cli.global.wait));
    crate::vault::allow_open_identity(cli.global.allow_open_identity);
    crate::vault::set_default_signing_key(cli.global.signing_key.clone());
    let Some(command) = cli.command else {
        return tui(&cli.global);
    };
    // The TUI draws the screen; a command says on stderr what it waits for.
    crate::vault::set_lock_notice(|holder| output::errln!("{holder}…"));
    crate::vault::audit::set_notice(|problem| output::errln!("{problem}"));
    match command {
        Command::Init(args) => init::run(&cli.global, &args),
        Command::Restore(args) => restore::run(&cli.global, &args),
        Command::Rekey(args) => backups::rekey(&cli.global, &args),
        Command::Backups(cmd) => backups::backups(&cli.global, &cmd),
        Command::Registry(cmd) => registry::run(&cli.global, cmd),
        Command::Container(cmd) => container::run(&cli.global, cmd),
        Command::Import(cmd) => import::run(&cli.global, cmd),
        Command::Export(cmd) => export::run(&cli.global, cmd),
        Command::Apply(args) => deploy::apply(&cli.global, args),
        Command::Sync(args) => deploy::sync(&cli.global, args),
        Command::Status(args) => deploy::status(&cli.global, args),
        Command::Refresh(args) => deploy::refresh(&cli.global, &args),
        Command::Prune(args) => deploy::prune(&cli.global, &args),
        Command::Watch(args) => watch::run(&cli.global, &args),
        Command::Swarm(cmd) => swarm::run(&cli.global, cmd),
        Command::Compose(cmd) => compose::run(&cli.global, cmd),
        Command::Helper(cmd) => helper::run(&cli.global, cmd),
        Command::Member(cmd) => member::run(&cli.global, cmd),
        Command::Trust(args) => trust::run(&cli.global, &args),
        Command::Log(args) => log::run(&cli.global, &args),
        Command::Unlock(args) => agent::unlock(&cli.global, &args),
        Command::Agent(args) => agent::run(&cli.global, &args),
        Command::Demo => crate::tui::run_demo().map(|()| 0),
        Command::Completions { shell } => Ok(doc::completions(shell)),
        Command::Man => doc::man(),
    }
}

/// Runs one operation to its end on a current-thread runtime. Ctrl-C
/// cancels it: the operation stops before its next unit of work and its
/// report says what was done.
fn block_on<T>(op: impl AsyncFnOnce(&crate::ops::Cancel) -> T) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("starting the async runtime: {e}"))?;
    let cancel = crate::ops::Cancel::new();
    Ok(rt.block_on(async {
        let on_ctrl_c = cancel.clone();
        let watch = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_ctrl_c.cancel();
            }
        });
        let out = op(&cancel).await;
        watch.abort();
        out
    }))
}

/// `regvault` alone: the TUI on the default vault (a first run offers to
/// create it).
fn tui(g: &Global) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    if path.symlink_metadata().is_err() && !crate::vault::all_backups(&path).is_empty() {
        // A lost vault file: the first-run screen would offer to create a
        // new vault, when the old one can be brought back.
        return Err(crate::vault::not_found_error(&path).into());
    }
    let sources = if path.exists() {
        keys::key_sources(g, &path)?
    } else {
        Vec::new()
    };
    let opts = crate::tui::TuiOptions {
        read_only: g.read_only,
        identity: g.identity.clone(),
        user: None,
        helper_paths: None,
        no_mouse: g.no_mouse || crate::tui::no_mouse_from_env(),
    };
    crate::tui::run(&path, &sources, opts).map(|()| 0)
}
