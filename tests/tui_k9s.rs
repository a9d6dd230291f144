//! Issue #13 item 12 in a real pseudo-terminal. Ctrl-Z and the mouse (a
//! tmux pane running an interactive bash): Ctrl-Z hands the terminal back to the shell as a
//! stopped job (`jobs` lists it; the normal screen, line editing and no
//! mouse reporting are back), and `fg` redraws the TUI where it was. Mouse
//! capture is on while the TUI runs, off with `--no-mouse`. A bad theme
//! file is a toast naming the key, and the TUI runs on with the defaults.
//!
//! tmux and bash are required: without them this fails with how to install.

use pty::Pty;

#[path = "support/pty.rs"]
mod pty;

/// `stty -a` run at the shell prompt, as the user would find the terminal.
fn stty_at_prompt(pty: &Pty, file: &str) -> String {
    pty.type_text(&format!("stty -a > {file}; echo stty-done-{file}"));
    pty.keys_press(&["Enter"]);
    pty.see(&format!("\nstty-done-{file}"));
    std::fs::read_to_string(pty.path(file)).expect("stty output")
}

fn has_mode(stty: &str, mode: &str) -> bool {
    stty.split(|c: char| c.is_whitespace() || c == ';')
        .any(|t| t == mode)
}

#[test]
fn ctrl_z_suspends_to_the_shell_and_fg_redraws() {
    let pty = Pty::new();
    let bin = pty.start_shell();
    pty.type_text(&bin);
    pty.keys_press(&["Enter"]);
    pty.see("No registries yet");
    assert_eq!(pty.pane_flag("#{alternate_on}"), "1");
    assert_eq!(pty.pane_flag("#{mouse_any_flag}"), "1", "mouse capture on");
    // Somewhere to come back to: the containers view.
    pty.keys_press(&["2"]);
    pty.see("No containers yet");

    pty.keys_press(&["C-z"]);
    let screen = pty.see("Stopped");
    assert!(
        !screen.contains("No containers yet"),
        "the TUI is still on screen:\n{screen}"
    );
    assert_eq!(pty.pane_flag("#{alternate_on}"), "0", "normal screen back");
    assert_eq!(
        pty.pane_flag("#{mouse_any_flag}"),
        "0",
        "the shell does not get mouse reports"
    );
    let stty = stty_at_prompt(&pty, "stty-suspended.txt");
    assert!(
        has_mode(&stty, "icanon") && has_mode(&stty, "echo"),
        "raw mode left on while suspended:\n{stty}"
    );

    pty.type_text("jobs; echo jobs-listed");
    pty.keys_press(&["Enter"]);
    let screen = pty.see("\njobs-listed");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Stopped") && l.contains("regvault")),
        "jobs does not list the stopped TUI:\n{screen}"
    );

    pty.type_text("fg");
    pty.keys_press(&["Enter"]);
    let screen = pty.see("No containers yet");
    assert!(screen.contains("2 Containers"), "{screen}");
    assert_eq!(pty.pane_flag("#{alternate_on}"), "1");
    assert_eq!(
        pty.pane_flag("#{mouse_any_flag}"),
        "1",
        "mouse capture back"
    );
    // It takes keys again.
    pty.keys_press(&["1"]);
    pty.see("No registries yet");

    pty.keys_press(&["q"]);
    pty.see("rv$");
    assert_eq!(pty.pane_flag("#{alternate_on}"), "0");
    let stty = stty_at_prompt(&pty, "stty-after.txt");
    assert!(
        has_mode(&stty, "icanon") && has_mode(&stty, "echo"),
        "{stty}"
    );
    pty.type_text("jobs; echo after-quit");
    pty.keys_press(&["Enter"]);
    let screen = pty.see("\nafter-quit");
    let answer = screen.rsplit("echo after-quit").next().unwrap_or_default();
    assert!(!answer.contains("Stopped"), "a job is left:\n{screen}");
}

#[test]
fn no_mouse_leaves_the_mouse_to_the_terminal() {
    let pty = Pty::new();
    let bin = pty.start_shell();
    pty.type_text(&format!("{bin} --no-mouse"));
    pty.keys_press(&["Enter"]);
    pty.see("No registries yet");
    assert_eq!(pty.pane_flag("#{mouse_any_flag}"), "0");
    pty.keys_press(&["q"]);
    pty.see("rv$");
}

#[test]
fn a_bad_theme_file_is_a_toast_naming_the_key_and_the_tui_runs() {
    let pty = Pty::new();
    let theme = pty.path("config/regvault/theme.toml");
    std::fs::write(&theme, "preset = \"light\"\n[colors]\ntitel = \"blue\"\n").expect("theme");
    pty.start();
    let screen = pty.see("colors.titel: no such role");
    assert!(screen.contains("No registries yet"), "{screen}");
    pty.keys_press(&["q"]);
    pty.wait_exit().assert_restored();
}
