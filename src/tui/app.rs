//! The loop: one `select!` (biased) over the message queue, terminal input
//! and, while something runs, a tick. Messages go through `update`; the
//! effects it returns go to the runtime. The screen is drawn only when the
//! queue is empty, so a burst of results costs one frame.
//!
//! The backend and the event stream are generic: `tui::run` passes the real
//! terminal and crossterm's `EventStream`, tests a `TestBackend` and
//! scripted keys, and both drive this same loop.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::Event;
use tokio::sync::{mpsc, watch};

use super::apply::SharedApplier;
use super::effect::Effect;
use super::keymap::Keymap;
use super::msg::Msg;
use super::runtime::{Runtime, SharedTester, VaultSlot};
use super::state::{Context, Model};
use super::update::update;
use super::view;

/// "Now", injected so tests render fixed ages.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Spinner speed; also how soon an expired toast disappears.
const TICK: Duration = Duration::from_millis(120);

/// Everything the loop needs besides the terminal and the input.
pub struct Setup {
    pub vault: VaultSlot,
    pub ctx: Context,
    pub keymap: Keymap,
    pub clock: Clock,
    /// Test Connection: `runtime::live()`, or `runtime::offline()` in the demo.
    pub tester: SharedTester,
    /// Plans and applies for the Apply dialog (`NoCluster` in the demo).
    pub applier: SharedApplier,
    /// Receives each drawn frame; tests wait on it instead of sleeping.
    pub observer: Option<watch::Sender<FrameInfo>>,
    /// The real terminal's extras (clipboard, Ctrl-Z); `None` in tests on
    /// a `TestBackend`, where those effects do nothing.
    pub console: Option<Console>,
    /// The colours (`theme::Palette::load`), and why the theme file was
    /// not used, if it was bad: shown as a toast at start.
    pub palette: (super::theme::Palette, Option<String>),
}

/// What only a real terminal can do, beyond drawing.
#[derive(Clone, Copy, Debug)]
pub struct Console {
    /// Mouse capture is on (turned on again after a suspend).
    pub mouse: bool,
}

/// One drawn frame, as text, for observers.
#[derive(Clone, Debug, Default)]
pub struct FrameInfo {
    /// Counts frames, so a waiter can tell a new frame from an old one.
    pub seq: u64,
    pub text: String,
    /// A job is running (a test, a save): its result is still to come.
    pub busy: bool,
}

/// The loop's message channel: the sender also serves signal handlers.
pub fn channel() -> (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>) {
    mpsc::unbounded_channel()
}

/// Runs until quit (or the input ends); returns the final model.
pub async fn run_app<B, S>(
    terminal: &mut Terminal<B>,
    mut events: S,
    setup: Setup,
    (tx, mut rx): (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>),
) -> anyhow::Result<Model>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let clock = setup.clock;
    let kube = setup.applier.contexts();
    let engines = setup.applier.engines();
    if setup.ctx.helper_paths.is_some() {
        // A first message, so the helper line's check starts with the
        // first frame instead of at the first key press.
        let _ = tx.send(Msg::Redraw);
    }
    let mut runtime = Runtime::new(tx, setup.vault, setup.tester, setup.applier);
    let console = setup.console;
    // One copy of the data, shared by the runtime and the model.
    let mut model = Model::with_shared(setup.ctx, setup.keymap, runtime.data(), clock());
    // The registries' detail panes show their last log entries from the start.
    if runtime.data().is_some() {
        runtime.run(super::effect::Effect::LoadHistory { job: 0 });
    }
    model.palette = setup.palette.0;
    if let Some(warning) = setup.palette.1 {
        model.toast(super::state::Level::Error, warning);
    }
    model.kube = kube;
    model.engines = engines;
    // Test Connection shows its elapsed time against this limit.
    model.probe_timeout =
        crate::probe::ProbeOptions::from_env(crate::registry::RegistryKind::Public).total_timeout;
    // Keys are refused while the terminal is too small: the model knows
    // the size from the start, not only after the first resize.
    if let Ok(size) = terminal.size() {
        model.size = Some(crate::tui::state::size::TermSize::new(
            size.width,
            size.height,
        ));
    }
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A `regvault watch` of this vault shows in the status bar.
    let watch_file =
        crate::ops::watch::state::state_file(std::path::Path::new(&model.ctx.vault_path));
    let mut watch_tick = tokio::time::interval(WATCH_TICK);
    watch_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Another writer's save is noticed by the file's stamp (one stat).
    let mut vault_poll = tokio::time::interval(VAULT_POLL);
    vault_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0;
    let mut dirty = true;
    loop {
        if dirty && rx.is_empty() {
            let frame = terminal.draw(|f| view::render(f, &model))?;
            if let Some(obs) = &setup.observer {
                seq += 1;
                let text = buffer_text(frame.buffer);
                obs.send_replace(FrameInfo {
                    seq,
                    text,
                    busy: model.busy(),
                });
            }
            dirty = false;
        }
        let msg = tokio::select! {
            biased;
            Some(msg) = rx.recv() => msg,
            event = events.next() => match event {
                Some(Ok(event)) => match Msg::from_event(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(e)) => return Err(e.into()),
                // The input is gone (a closed tty, the end of a script).
                None => break,
            },
            _ = tick.tick(), if model.wants_tick() => Msg::Tick,
            _ = watch_tick.tick() => {
                let line = watch_line(&watch_file);
                if line != model.watch_line {
                    model.watch_line = line;
                    dirty = true;
                }
                continue;
            }
            _ = vault_poll.tick() => {
                if !runtime.vault_changed() {
                    continue;
                }
                Msg::VaultChangedOnDisk
            }
        };
        model.now = clock();
        dirty = true;
        for effect in update(&mut model, msg) {
            match effect {
                Effect::Quit => model.quit = true,
                // OSC 52 is never acknowledged (a terminal may ignore it),
                // so a failed write is not worth more than the toast's
                // "copied" already claims.
                Effect::Clipboard { ref osc52 } if console.is_some() => {
                    let _ = super::terminal::write_raw(osc52.as_bytes());
                }
                Effect::Suspend => {
                    if let Some(c) = console {
                        super::terminal::suspend(c.mouse)?;
                        // The shell drew over the screen: draw all of it.
                        terminal.clear()?;
                    }
                }
                _ => {}
            }
            runtime.run(effect);
        }
        if model.quit {
            break;
        }
    }
    Ok(model)
}

/// How often the loop looks whether another writer saved the vault: a
/// `stat` of one file, so often enough that a CLI change shows at once.
const VAULT_POLL: Duration = Duration::from_millis(500);

/// How often the status bar looks at the state file of `regvault watch`.
const WATCH_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// The summary of a running watch of this vault (a stale file of a watch
/// that died is not shown).
fn watch_line(file: &std::path::Path) -> Option<String> {
    use crate::ops::watch::state;
    let s = state::read(file).ok()?;
    (s.running && state::alive(s.pid)).then(|| s.summary())
}

/// The buffer's symbols, one line per row.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::with_capacity(usize::from(area.width + 1) * usize::from(area.height));
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
