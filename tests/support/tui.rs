//! The real TUI loop (`tui::app::run_app`) on a `TestBackend`, driven by
//! scripted key events over a real encrypted vault: keys go in through a
//! channel, each drawn frame comes back through the loop's observer, and
//! every step waits for what a user would see rather than sleeping.
//! Shared by `tests/tui_loop.rs`, `tests/tui_reload.rs` and
//! `tests/tui_probe.rs`; what differs between them (terminal size, clock,
//! tester, applier, the keys for undo, how long to wait) is set on [`Tui`].

#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use regvault::model::VaultData;
use regvault::tui::app::{self, Clock, FrameInfo, Setup};
use regvault::tui::apply::SharedApplier;
use regvault::tui::keymap::Keymap;
use regvault::tui::runtime::{self, SharedTester, VaultSlot};
use regvault::tui::state::{Context, Model};
use regvault::vault::{self, Encryption, KeySource, Vault};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Who the TUI says is at the keyboard.
pub const USER: &str = "ops@laptop";

/// The context `regvault` gives the TUI for a vault at the default path,
/// with the identity in `dir`.
pub fn ctx(dir: &Path) -> Context {
    Context {
        vault_path: "/home/ops/.local/share/regvault/vault.age".into(),
        identity_path: dir.join("identity.txt").display().to_string(),
        user: USER.into(),
        read_only: false,
        color: false,
        helper_paths: None,
        demo: false,
    }
}

/// A vault on disk at `dir/vault.age` holding `data`, encrypted to a fresh
/// identity at `dir/identity.txt`, as `regvault init` makes it.
pub fn vault_with(dir: &Path, data: VaultData) -> (PathBuf, Vec<KeySource>) {
    let identity = dir.join("identity.txt");
    let recipient = vault::generate_identity(&identity).expect("identity");
    let path = dir.join("vault.age");
    Vault::create(&path, data, Encryption::Recipients(vec![recipient]), None).expect("create");
    (path, vec![KeySource::IdentityFile(identity)])
}

/// The vault as it is on disk now.
pub fn reopen(path: &Path, keys: &[KeySource]) -> VaultData {
    Vault::open(path, keys).expect("reopen").data().clone()
}

/// What the loop runs with; `start` runs it. Defaults: an 80×24 terminal,
/// the clock fixed at 2026-11-27T12:00:00Z, the offline tester, no
/// cluster, no keys for undo, 10 s to wait for any one screen.
pub struct Tui {
    vault: VaultSlot,
    ctx: Context,
    size: (u16, u16),
    clock: Clock,
    tester: SharedTester,
    applier: SharedApplier,
    patience: Duration,
}

impl Tui {
    pub fn new(vault: VaultSlot, ctx: Context) -> Self {
        let now: jiff::Timestamp = "2026-11-27T12:00:00Z".parse().expect("time");
        Self {
            vault,
            ctx,
            size: (80, 24),
            clock: Arc::new(move || now),
            tester: runtime::offline(),
            applier: Arc::new(regvault::tui::apply::NoCluster),
            patience: Duration::from_secs(10),
        }
    }

    /// The vault at `path` opened with `keys` (undo reads backups with
    /// the keys the vault was opened with).
    pub fn open(path: &Path, keys: &[KeySource], ctx: Context) -> Self {
        let vault = Vault::open(path, keys).expect("open");
        Self::new(VaultSlot::Open(Box::new(vault)), ctx)
    }

    pub fn size(mut self, width: u16, height: u16) -> Self {
        self.size = (width, height);
        self
    }

    /// The wall clock instead of the fixed one.
    pub fn real_clock(mut self) -> Self {
        self.clock = Arc::new(jiff::Timestamp::now);
        self
    }

    pub fn tester(mut self, tester: SharedTester) -> Self {
        self.tester = tester;
        self
    }

    pub fn applier(mut self, applier: SharedApplier) -> Self {
        self.applier = applier;
        self
    }

    /// How long any one screen may take to appear (live checks are slow).
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// Spawns the loop on a `TestBackend`; the driver sends its keys.
    pub fn start(self) -> Driver {
        let (keys, rx) = mpsc::unbounded_channel::<io::Result<Event>>();
        let events: BoxStream<'static, io::Result<Event>> = futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (e, rx)) },
        )
        .boxed();
        let (obs, frames) = watch::channel(FrameInfo::default());
        let setup = Setup {
            vault: self.vault,
            ctx: self.ctx,
            keymap: Keymap::defaults(),
            clock: self.clock,
            tester: self.tester,
            applier: self.applier,
            observer: Some(obs),
            console: None,
            palette: Default::default(),
        };
        let (width, height) = self.size;
        let handle = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(width, height))?;
            app::run_app(&mut terminal, events, setup, app::channel()).await
        });
        Driver {
            keys,
            frames,
            handle,
            patience: self.patience,
        }
    }
}

/// Sends keys into the running loop and watches what it draws.
pub struct Driver {
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    frames: watch::Receiver<FrameInfo>,
    handle: JoinHandle<anyhow::Result<Model>>,
    patience: Duration,
}

impl Driver {
    pub fn key(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .send(Ok(Event::Key(KeyEvent::new(code, mods))))
            .expect("loop is running");
    }

    pub fn press(&self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE);
    }

    pub fn char(&self, c: char) {
        self.press(KeyCode::Char(c));
    }

    pub fn ctrl(&self, c: char) {
        self.key(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    pub fn type_text(&self, text: &str) {
        text.chars().for_each(|c| self.char(c));
    }

    /// The last frame drawn, as text.
    pub fn screen(&self) -> String {
        self.frames.borrow().text.clone()
    }

    /// Waits until a drawn frame satisfies `pred`; fails with the screen.
    pub async fn wait(&mut self, what: &str, pred: impl Fn(&FrameInfo) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + self.patience;
        loop {
            {
                let frame = self.frames.borrow_and_update();
                if pred(&frame) {
                    return frame.text.clone();
                }
            }
            let changed = tokio::time::timeout_at(deadline, self.frames.changed()).await;
            assert!(
                matches!(changed, Ok(Ok(()))),
                "timed out waiting for {what}; screen:\n{}",
                self.frames.borrow().text
            );
        }
    }

    pub async fn see(&mut self, needle: &str) -> String {
        self.wait(needle, |f| f.text.contains(needle)).await
    }

    /// Waits for the text and for every job (save, test) to have finished.
    pub async fn see_idle(&mut self, needle: &str) -> String {
        self.wait(needle, |f| f.text.contains(needle) && !f.busy)
            .await
    }

    /// `q`, for a screen where it leaves at once; the model at the end.
    pub async fn quit(self) -> Model {
        self.press(KeyCode::Char('q'));
        self.finish().await
    }

    /// Leaves, discarding an open form's edits (Esc, then `y`) and
    /// answering a quit question; the model as it was at the end.
    pub async fn quit_discarding(self) -> Model {
        let send = |code| {
            let _ = self
                .keys
                .send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))));
        };
        if self.frames.borrow().text.contains("Edit registry") {
            send(KeyCode::Esc);
            send(KeyCode::Char('y'));
        }
        send(KeyCode::Char('q'));
        send(KeyCode::Char('y'));
        self.finish().await
    }

    /// Waits for the loop to end (the keys sent already end it).
    pub async fn finish(self) -> Model {
        tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("loop ended")
            .expect("loop task")
            .expect("loop result")
    }
}
