//! The terminal UI: Container Registries and Containers screens over the
//! same domain calls as the CLI. Elm-shaped: `update` (pure) turns `Msg`s
//! into state changes and `Effect`s; the `runtime` runs effects as tasks;
//! `view` draws the `state`; `app` is the loop that ties them together.
//!
//! Entry points: `run` (the real terminal) and `run_demo` (a throwaway
//! vault seeded with fake credentials).

pub mod app;
pub mod apply;
pub mod demo_cluster;
pub mod effect;
pub mod keymap;
pub mod msg;
mod reload;
pub mod runtime;
pub mod state;
pub mod terminal;
pub mod theme;
mod undo;
pub mod update;
pub mod view;

#[cfg(test)]
mod chrome_tests;
#[cfg(test)]
mod helper_tests;
#[cfg(test)]
mod k9s_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod probe_snapshots;
#[cfg(test)]
mod runtime_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use ratatui::crossterm::event::EventStream;

use crate::model::{self, VaultData};
use crate::vault::{self, Encryption, KeySource, Vault};
use app::{Setup, run_app};
use keymap::Keymap;
use runtime::VaultSlot;
use state::Context;
use theme::Theme;

/// The demo vault's content; `{{user}}` is replaced by the current user.
pub const DEMO_SEED: &str = include_str!("../../assets/demo.toml");

/// How the TUI runs, beyond which vault it opens.
#[derive(Clone, Debug, Default)]
pub struct TuiOptions {
    /// Hide add, edit and delete (and refuse them): for looking only.
    pub read_only: bool,
    /// Where a first run creates the identity (default: `vault::default_identity_path()`).
    pub identity: Option<PathBuf>,
    /// Who is acting (default: `model::current_user()`).
    pub user: Option<String>,
    /// The client files the helper line reads (default: the user's,
    /// `HelperPaths::resolve`); the demo gives its own.
    pub helper_paths: Option<crate::ops::helper::HelperPaths>,
    /// `--no-mouse` (or `REGVAULT_NO_MOUSE`): leave the mouse to the
    /// terminal, so text can be selected as usual.
    pub no_mouse: bool,
}

/// Runs the TUI on the real terminal. `keys` open the vault at
/// `vault_path`; when there is no vault there yet, the TUI offers to create
/// one (identity mode, like `regvault init`) and `keys` may be empty.
pub fn run(vault_path: &Path, keys: &[KeySource], opts: TuiOptions) -> anyhow::Result<()> {
    // Test Connection talks to the registry: structure first, then live.
    let applier = Arc::new(apply::Ops);
    run_with(vault_path, keys, opts, runtime::live(), applier, false)
}

fn run_with(
    vault_path: &Path,
    keys: &[KeySource],
    opts: TuiOptions,
    tester: runtime::SharedTester,
    applier: apply::SharedApplier,
    demo: bool,
) -> anyhow::Result<()> {
    // Everything that can fail plainly fails before the terminal is taken.
    let mut read_only = opts.read_only;
    let mut acting = None;
    let slot = if vault_path.symlink_metadata().is_ok() {
        let vault = Vault::open(vault_path, keys)
            .with_context(|| format!("opening {}", vault_path.display()))?;
        // In a team vault, the creator rule compares signing keys.
        acting = Some(vault.acting_user(&model::current_user()));
        // A vault from a newer regvault can be read but not saved.
        read_only |= vault.newer_schema().is_some();
        VaultSlot::Open(Box::new(vault))
    } else {
        VaultSlot::Missing {
            path: vault_path.to_path_buf(),
            identity: opts
                .identity
                .clone()
                .unwrap_or_else(vault::default_identity_path),
        }
    };
    let keymap = Keymap::load().map_err(|e| anyhow::anyhow!("keymap: {e}"))?;
    let palette = theme::Palette::load();
    let identity = opts.identity.unwrap_or_else(vault::default_identity_path);
    let ctx = Context {
        vault_path: vault_path.display().to_string(),
        identity_path: identity.display().to_string(),
        user: opts.user.or(acting).unwrap_or_else(model::current_user),
        read_only,
        color: Theme::color_from_env(),
        helper_paths: Some(
            opts.helper_paths
                .unwrap_or_else(|| crate::ops::helper::HelperPaths::resolve(None, None)),
        ),
        demo,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let mouse = !opts.no_mouse;
        let mut guard = terminal::TerminalGuard::new(mouse).context("setting up the terminal")?;
        let (tx, rx) = app::channel();
        spawn_signal_watch(tx.clone())?;
        let setup = Setup {
            vault: slot,
            ctx,
            keymap,
            clock: Arc::new(jiff::Timestamp::now),
            tester,
            applier,
            observer: None,
            console: Some(app::Console { mouse }),
            palette,
        };
        run_app(&mut guard.terminal, EventStream::new(), setup, (tx, rx))
            .await
            .map(drop)
    })
}

/// Every terminating signal a user or a session manager sends — SIGTERM,
/// SIGHUP, SIGINT and SIGQUIT (sent from outside: in raw mode Ctrl-C is a
/// key) — ends the loop like a quit, so the guard restores the terminal
/// instead of leaving it in raw mode on the alternate screen.
fn spawn_signal_watch(tx: tokio::sync::mpsc::UnboundedSender<msg::Msg>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = hup.recv() => {},
            _ = int.recv() => {},
            _ = quit.recv() => {},
        }
        let _ = tx.send(msg::Msg::Terminate);
    });
    Ok(())
}

/// `REGVAULT_NO_MOUSE` set to anything non-empty: no mouse capture.
pub fn no_mouse_from_env() -> bool {
    std::env::var_os("REGVAULT_NO_MOUSE").is_some_and(|v| !v.is_empty())
}

/// `regvault demo`: a vault in a temporary directory, with a fresh identity,
/// seeded from `assets/demo.toml` (fake credentials). Everything is deleted
/// when the TUI exits.
pub fn run_demo() -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let user = model::current_user();
    let (path, keys) = create_demo_vault(dir.path(), &user)?;
    let opts = TuiOptions {
        read_only: false,
        identity: Some(dir.path().join("identity.txt")),
        user: Some(user),
        helper_paths: Some(demo_helper_files(dir.path())?),
        no_mouse: no_mouse_from_env(),
    };
    // The demo's credentials are fake: a live check would only bother the
    // real registries, so its Test Connection stays structural (and is
    // never recorded). Its Apply plans a demo cluster and sends nothing.
    let applier = Arc::new(demo_cluster::DemoCluster);
    run_with(&path, &keys, opts, runtime::offline(), applier, true)
}

/// The demo's client files, never the user's: a docker config.json that
/// sends ghcr.io to the helper and still holds a (fake) plaintext login for
/// docker.io, and no containers auth.json — so the helper line shows each
/// state.
fn demo_helper_files(dir: &Path) -> anyhow::Result<crate::ops::helper::HelperPaths> {
    let paths = crate::ops::helper::HelperPaths::resolve(
        Some(&dir.join("docker")),
        Some(&dir.join("containers").join("auth.json")),
    );
    crate::deploy::ensure_private_dir(&dir.join("docker"))?;
    crate::deploy::write_private_atomic(
        &paths.docker_config,
        br#"{"auths":{"https://index.docker.io/v1/":{"auth":"ZGVtbzpub3QtYS1zZWNyZXQ="}},"credHelpers":{"ghcr.io":"regvault"}}"#,
    )?;
    Ok(paths)
}

/// The demo seed as vault data, created by `user`.
pub fn demo_data(user: &str) -> anyhow::Result<VaultData> {
    // TOML strings need `"` and `\` escaped; user names rarely have them.
    let escaped = user.replace('\\', "\\\\").replace('"', "\\\"");
    let text = DEMO_SEED.replace("{{user}}", &escaped);
    toml::from_str(&text).context("the demo seed does not parse")
}

/// Creates `dir/identity.txt` and `dir/vault.age` holding the demo data.
pub fn create_demo_vault(dir: &Path, user: &str) -> anyhow::Result<(PathBuf, Vec<KeySource>)> {
    let identity = dir.join("identity.txt");
    let path = dir.join("vault.age");
    let recipient = vault::generate_identity(&identity)?;
    Vault::create(
        &path,
        demo_data(user)?,
        Encryption::Recipients(vec![recipient]),
        None,
    )?;
    Ok((path, vec![KeySource::IdentityFile(identity)]))
}
