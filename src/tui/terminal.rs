//! The real terminal's lifecycle: raw mode, alternate screen and bracketed
//! paste on the way in; all undone on the way out — by the guard's `Drop`,
//! by the panic hook (which restores *before* the panic message prints, so
//! the message is readable), and on SIGTERM/SIGHUP/SIGINT/SIGQUIT via the
//! loop's quit. Mouse capture (unless `--no-mouse`) is turned on with the
//! rest and off with it; `suspend` (Ctrl-Z) undoes it all, stops the
//! process as the shell's job control expects, and sets it up again when
//! the shell continues it (`fg`).

use std::io::{self, Stdout};
use std::sync::Once;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the TUI runs; dropping it restores the terminal.
pub struct TerminalGuard {
    pub terminal: RealTerminal,
}

impl TerminalGuard {
    /// `mouse`: capture clicks and the wheel (the terminal's own text
    /// selection then needs Shift, as in other mouse-aware programs).
    pub fn new(mouse: bool) -> io::Result<Self> {
        install_panic_hook();
        // From here on a failure must undo what was done.
        let setup = || -> io::Result<RealTerminal> {
            enter(mouse)?;
            Terminal::new(CrosstermBackend::new(io::stdout()))
        };
        match setup() {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        restore();
    }
}

/// Raw mode, the alternate screen, bracketed paste and (with `mouse`)
/// mouse capture, on a cleared screen.
fn enter(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    // Cleared here rather than with `Terminal::clear`, which asks the
    // terminal for the cursor position and stalls on one that never
    // answers.
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        Clear(ClearType::All)
    )?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Puts the terminal back. Safe to call twice; errors are ignored because
/// there is nowhere left to report them. Mouse capture is turned off
/// whether or not it was on: the sequences are harmless either way.
pub fn restore() {
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen
    );
    let _ = disable_raw_mode();
}

/// Ctrl-Z: in raw mode the terminal sends it as a key, not as SIGTSTP, so
/// the TUI stops itself the way the shell expects — the terminal put back,
/// then SIGTSTP to this process (the shell reports it in `jobs`). This call
/// returns when the process is continued (`fg`, SIGCONT): the terminal is
/// set up again and the caller redraws the whole screen.
///
/// crossterm's input thread is stopped with the rest of the process, so it
/// reads nothing while the shell owns the terminal.
pub fn suspend(mouse: bool) -> io::Result<()> {
    use rustix::process::{Signal, getpid, kill_process};
    restore();
    kill_process(getpid(), Signal::TSTP)?;
    enter(mouse)
}

/// Writes a control sequence (OSC 52) straight to the terminal, between
/// frames.
pub fn write_raw(bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
