//! The real `regvault` binary in a real pseudo-terminal (a tmux pane):
//! keys typed as a user types them, then — after a quit, or after a SIGHUP
//! as from a dropped SSH session — the shell the user is left in must be
//! usable again (line editing and echo on, the normal screen back, the
//! cursor visible) and the vault on disk must hold what was saved.
//!
//! Each test runs its own tmux server on a private socket in a temporary
//! directory and kills only that server. tmux is required: without it these
//! tests fail (`apt-get install tmux`; `scripts/test.sh` installs it).

use std::process::Command;

use pty::{Pty, USER};
use regvault::registry::RegistryKind;

#[path = "support/pty.rs"]
mod pty;

/// A GHCR classic token (ghp_ + 36); typed into the form, never shown.
const TOKEN: &str = "ghp_PTYptyPTYpty0123456789abcdefghijKLMN";

/// Adds a GHCR registry through the add form and waits for the save.
fn add_ghcr_by_keyboard(pty: &Pty, name: &str) {
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    // The form opens on the type (GHCR by default): Tab to the name.
    pty.keys_press(&["Tab"]);
    pty.type_text(name);
    pty.keys_press(&["Tab"]);
    pty.type_text("octo-cat");
    pty.keys_press(&["Tab"]);
    pty.type_text(TOKEN);
    let screen = pty.see("•••");
    assert!(
        !screen.contains(TOKEN) && !screen.contains("PTYptyPTY"),
        "the token is on screen unmasked:\n{screen}"
    );
    pty.keys_press(&["C-s"]);
    let screen = pty.see(&format!("saved registry '{name}'"));
    assert!(
        screen.contains("Container Registries (1)"),
        "the list does not show the new registry:\n{screen}"
    );
}

#[test]
fn add_a_registry_by_keyboard_then_quit_restores_the_terminal() {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");

    add_ghcr_by_keyboard(&pty, "ghcr-pty");
    pty.keys_press(&["q"]);

    let exited = pty.wait_exit();
    exited.assert_restored();
    assert_eq!(exited.exit, "0", "exit code; stderr:\n{}", exited.stderr);

    let disk = pty.disk();
    let r = disk
        .registry("ghcr-pty")
        .expect("the registry typed in the TUI is in the vault on disk");
    assert_eq!(r.kind, RegistryKind::Ghcr);
    assert_eq!(r.credentials.get("username"), Some("octo-cat"));
    assert_eq!(r.credentials.get("token"), Some(TOKEN));
    // A vault from `init` is signed: the creator is the name and the key.
    assert!(
        r.created_by.starts_with(&format!("{USER} (sha256:")),
        "{}",
        r.created_by
    );

    // And the scripting face sees it too.
    let list = pty.cli(&["registry", "list", "--json"]);
    let stdout = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success() && stdout.contains("ghcr-pty"),
        "registry list --json: {stdout}"
    );
}

#[test]
fn sighup_restores_the_terminal_and_keeps_the_vault() {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");
    add_ghcr_by_keyboard(&pty, "ghcr-kept");

    // A half-typed second registry when the connection drops.
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    pty.keys_press(&["Tab"]);
    pty.type_text("draft-lost");
    pty.see("draft-lost");

    let pid = pty.tui_pid();
    let kill = Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -HUP {pid}");

    let exited = pty.wait_exit();
    exited.assert_restored();

    let disk = pty.disk();
    assert_eq!(
        disk.registries
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["ghcr-kept"],
        "the saved registry survives the hang-up; the unsaved draft is not written"
    );
    assert_eq!(
        disk.registry("ghcr-kept")
            .and_then(|r| r.credentials.get("token")),
        Some(TOKEN)
    );
}

/// SIGINT and SIGQUIT sent from outside (`kill -INT`, a supervisor, Ctrl-C
/// in another pane's process group) used to kill the TUI on the spot,
/// leaving the shell raw, silent and on the alternate screen. They now end
/// it like SIGHUP: terminal restored, saved data kept, drafts not written.
fn signal_restores_the_terminal(signal: &str) {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");
    add_ghcr_by_keyboard(&pty, "ghcr-kept");
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    pty.keys_press(&["Tab"]);
    pty.type_text("draft-lost");
    pty.see("draft-lost");

    let pid = pty.tui_pid();
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -{signal} {pid}");

    let exited = pty.wait_exit();
    exited.assert_restored();
    let names: Vec<String> = pty.disk().registries.into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["ghcr-kept"], "after SIG{signal}");
}

#[test]
fn sigint_restores_the_terminal_and_keeps_the_vault() {
    signal_restores_the_terminal("INT");
}

#[test]
fn sigquit_restores_the_terminal_and_keeps_the_vault() {
    signal_restores_the_terminal("QUIT");
}

/// The checks above must be able to fail: a program that leaves the
/// terminal raw, silent, on the alternate screen with the cursor hidden is
/// caught by every one of them.
#[test]
fn the_restore_checks_catch_a_terminal_left_broken() {
    let pty = Pty::new();
    let script = pty.path("broken.sh");
    std::fs::write(
        &script,
        "stty raw -echo; printf '\\033[?1049h\\033[?25l'; stty -a > stty.txt; \
         echo 0 > tui.exit; echo 'regvault has exited'; exec sleep 600\n",
    )
    .expect("write script");
    let cmd = format!(
        "cd '{}' && sh '{}'",
        pty.dir.path().display(),
        script.display()
    );
    pty.tmux(&[
        "new-session",
        "-d",
        "-s",
        "rv",
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    let exited = pty.wait_exit();
    assert_eq!(
        exited.problems(),
        [
            "raw mode still on (-icanon): lines cannot be edited",
            "echo off: typed commands are invisible",
            "still on the alternate screen",
            "the cursor is hidden",
        ]
    );
}

/// Below 60×20 (a tmux `resize-window` to 50×15) the "too small" screen is
/// shown and no key acts on the hidden UI: `q` does not quit or type into
/// the open form, `Esc` does not close it or ask about discarding, `a`
/// does nothing; nothing reaches the vault. Back at 100×30 the form is as
/// it was, and keys act again.
#[test]
fn a_too_small_terminal_ignores_keys_and_the_ui_comes_back_as_it_was() {
    let pty = Pty::new();
    pty.start();
    pty.see("No registries yet");
    pty.keys_press(&["a"]);
    pty.see("Add registry");
    pty.keys_press(&["Tab"]);
    pty.type_text("ghcr-half");
    let before = pty.see("ghcr-half");

    pty.tmux(&["resize-window", "-t", "rv", "-x", "50", "-y", "15"]);
    pty.see("needs a terminal of at least 60×20");
    pty.keys_press(&["q", "Escape", "a", "Enter", "Escape", "q"]);
    // Keys are read in order: one more, then a look at what they did.
    pty.keys_press(&["x"]);
    let small = pty.see("needs a terminal");
    assert!(
        small.contains("unsaved edits are kept"),
        "the screen does not say the edits are kept:\n{small}"
    );

    pty.tmux(&["resize-window", "-t", "rv", "-x", "100", "-y", "30"]);
    let after = pty.see("Add registry");
    assert_eq!(
        after, before,
        "the form changed while the terminal was too small"
    );
    assert!(
        pty.disk().registries.is_empty(),
        "something was saved while the terminal was too small"
    );

    // Keys act again: leave the form (discarding), then quit.
    pty.keys_press(&["Escape"]);
    pty.see("Discard");
    pty.keys_press(&["y"]);
    pty.see("No registries yet");
    pty.keys_press(&["q"]);
    let exited = pty.wait_exit();
    exited.assert_restored();
    assert_eq!(exited.exit, "0", "exit code; stderr:\n{}", exited.stderr);
}
