//! Snapshots of the chrome (issue #13, items 3 and 11) at 80×24 and
//! 120×40: a toast on its own line under a form (the form's keys still
//! shown) and under a dialog, the message log with more than a hundred
//! messages, the help with every action, the command line's completions.

use super::keymap::Action;
use super::state::{Level, Model};
use super::test_support::{self as fixtures, GHP, act, fill_ghcr, typ};
use super::tests::draw;

/// Snapshots `m` at both sizes, as `NAME_80x24` and `NAME_120x40`.
macro_rules! snap2 {
    ($name:literal, $model:expr) => {{
        let m = $model;
        insta::assert_snapshot!(concat!($name, "_80x24"), draw(&m, 80, 24).backend());
        insta::assert_snapshot!(concat!($name, "_120x40"), draw(&m, 120, 40).backend());
    }};
}

/// An error that does not fit one line at 80 columns.
const LONG_ERROR: &str = "save failed: the vault changed on disk since it was opened \
    (another writer saved it); nothing was lost: your edits are still in the form";

fn form_with_error() -> Model {
    let mut m = fixtures::full();
    fill_ghcr(&mut m, "ghcr-team", GHP);
    m.toast(Level::Error, LONG_ERROR);
    m
}

#[test]
fn form_with_a_toast_keeps_its_key_hints() {
    let m = form_with_error();
    for (w, h) in [(80, 24), (120, 40)] {
        let text = draw(&m, w, h).backend().to_string();
        assert!(text.contains("Ctrl-S save"), "{text}");
        assert!(text.contains("✗ save failed"), "{text}");
    }
    snap2!("form_with_toast", m);
}

#[test]
fn dialog_with_a_toast() {
    let mut m = fixtures::full();
    fixtures::select_registry(&mut m, "dockerhub-acme");
    act(&mut m, Action::Delete);
    typ(&mut m, "dockerhub");
    act(&mut m, Action::Confirm);
    for (w, h) in [(80, 24), (120, 40)] {
        let text = draw(&m, w, h).backend().to_string();
        assert!(text.contains("Esc cancel"), "the dialog is whole:\n{text}");
        assert!(text.contains("type 'dockerhub-acme' exactly"), "{text}");
    }
    snap2!("dialog_with_toast", m);
}

#[test]
fn messages_with_more_than_a_hundred() {
    let mut m = fixtures::full();
    for i in 0..105_usize {
        m.now =
            fixtures::now() + jiff::SignedDuration::from_secs(7 * i64::try_from(i).expect("small"));
        let level = [Level::Info, Level::Success, Level::Error][i % 3];
        m.toast(level, format!("message {i}"));
    }
    m.toast(Level::Error, LONG_ERROR);
    act(&mut m, Action::Messages);
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("Messages (100,"), "{text}");
    // Wrapped, never cut: the end of the long message is on screen.
    assert!(text.contains("still in the form"), "{text}");
    snap2!("messages_log", m);
}

#[test]
fn help_every_action() {
    let mut m = fixtures::full();
    act(&mut m, Action::Help);
    let text = draw(&m, 120, 40).backend().to_string();
    for needle in [
        "A             Apply",
        "I             Import",
        "x             Dismiss",
        ":messages",
    ] {
        assert!(
            text.contains(needle),
            "{needle} not on the 120×40 help:\n{text}"
        );
    }
    snap2!("help", m);
}

#[test]
fn command_line_lists_its_completions() {
    let mut m = fixtures::full();
    act(&mut m, Action::CommandLine);
    typ(&mut m, "q");
    snap2!("command_completions", m);
}

#[test]
fn hint_bar_ends_with_more_and_names_apply_and_import() {
    for (w, h) in [(80, 24), (120, 40)] {
        let text = draw(&fixtures::full(), w, h).backend().to_string();
        let bar = text.lines().nth(usize::from(h) - 2).expect("hint row");
        assert!(bar.contains("A apply") && bar.contains("I import"), "{bar}");
        assert!(
            bar.trim_matches('"').trim_end().ends_with("? more"),
            "{bar}"
        );
    }
}

/// Ctrl-O shows on the key-file field (where it loads), not on the name;
/// Ctrl-U (clear) on every text field.
#[test]
fn form_hints_name_load_file_and_clear_where_they_act() {
    let mut m = fixtures::full();
    act(&mut m, Action::Add);
    m.form
        .as_mut()
        .expect("form")
        .set_kind(crate::registry::RegistryKind::Gcr);
    act(&mut m, Action::NextField);
    let hints = |m: &Model| {
        let text = draw(m, 80, 24).backend().to_string();
        text.lines().nth(20).expect("hint row").to_owned()
    };
    let on_name = hints(&m);
    assert!(on_name.contains("Ctrl-U clear"), "{on_name}");
    assert!(!on_name.contains("Ctrl-O"), "{on_name}");
    act(&mut m, Action::NextField);
    let on_key = hints(&m);
    assert!(on_key.contains("Ctrl-O load file"), "{on_key}");
    assert!(on_key.contains("Ctrl-U clear"), "{on_key}");
}

/// A server's message with a terminal escape and a bidi override, in a
/// toast and in the log: no cell carries either to the terminal.
#[test]
fn escapes_in_a_message_never_reach_the_screen() {
    let mut m = fixtures::full();
    m.toast(Level::Error, "denied: \u{1b}]0;pwned\u{7}\u{202E}evil");
    for modal in [false, true] {
        if modal {
            act(&mut m, Action::Messages);
        }
        let terminal = draw(&m, 80, 24);
        let buf = terminal.backend().buffer();
        crate::tui::test_support::assert_no_unsafe_cells(buf);
        assert!(terminal.backend().to_string().contains("denied:"));
    }
}
