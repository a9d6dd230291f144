//! The `:` command line: every command it accepts, in one table
//! (`COMMANDS`), which the parser, Tab completion, the `?` help and the
//! "unknown command" error all read — adding a command is one line here.

use crate::tui::effect::Effect;
use crate::tui::state::modal::{Modal, TabCycle};
use crate::tui::state::{Level, Model, Screen};

/// One command: its name (what Tab completes to), the other spellings it
/// accepts, what follows it, what it does (for the help) and its code,
/// which gets the text after the name (trimmed; empty when none).
pub struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub args: &'static str,
    pub what: &'static str,
    pub run: fn(&mut Model, &str) -> Vec<Effect>,
}

pub const COMMANDS: &[Command] = &[
    cmd(
        "registries",
        &["registry", "reg", "r"],
        "",
        "Show registries",
        |m, _| screen(m, Screen::Registries),
    ),
    cmd(
        "containers",
        &["container", "ctr", "c"],
        "",
        "Show containers",
        |m, _| screen(m, Screen::Containers),
    ),
    cmd(
        "import",
        &[],
        "docker-config|containers-auth [PATH] | kube-file PATH",
        "Import logins",
        import,
    ),
    cmd("reload", &[], "", "Reread the vault file", |m, _| {
        super::reload::command(m)
    }),
    cmd("undo", &["u"], "", "Undo the last delete", |m, _| {
        super::undo::offer(m)
    }),
    cmd("messages", &["msg", "mes"], "", "The message log", messages),
    cmd("help", &["h"], "", "The keys and commands", |m, _| {
        open(m, Modal::Help { scroll: 0 })
    }),
    cmd("quit", &["q"], "", "Quit (asks if unsaved)", |m, _| {
        super::quit(m)
    }),
    cmd("quit!", &["q!"], "", "Quit, losing edits", |m, _| {
        super::quit_now(m)
    }),
];

const fn cmd(
    name: &'static str,
    aliases: &'static [&'static str],
    args: &'static str,
    what: &'static str,
    run: fn(&mut Model, &str) -> Vec<Effect>,
) -> Command {
    Command {
        name,
        aliases,
        args,
        what,
        run,
    }
}

fn screen(m: &mut Model, screen: Screen) -> Vec<Effect> {
    m.screen = screen;
    Vec::new()
}

fn open(m: &mut Model, modal: Modal) -> Vec<Effect> {
    m.modal = Some(modal);
    Vec::new()
}

fn messages(m: &mut Model, _: &str) -> Vec<Effect> {
    open(m, Modal::Messages { scroll: 0 })
}

fn import(m: &mut Model, args: &str) -> Vec<Effect> {
    let line = if args.is_empty() {
        "import".to_owned()
    } else {
        format!("import {args}")
    };
    super::import::command(m, &line)
}

/// Runs a command line (`:` and surrounding blanks allowed).
pub(super) fn run(m: &mut Model, line: &str) -> Vec<Effect> {
    let line = line.trim().trim_start_matches(':').trim_start();
    if line.is_empty() {
        return Vec::new();
    }
    let (word, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if let Some(c) = find(word) {
        return (c.run)(m, args.trim());
    }
    let names: Vec<String> = COMMANDS.iter().map(|c| format!(":{}", c.name)).collect();
    m.toast(
        Level::Error,
        format!(
            "unknown command ':{word}' (try {}; Tab completes)",
            names.join(", ")
        ),
    );
    Vec::new()
}

/// The command `word` names (its name or an alias).
pub fn find(word: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// The command names that start with `prefix`, in table order.
pub fn candidates(prefix: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .map(|c| c.name)
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// Tab in the command line: the first candidate for what was typed, then
/// each next one in turn (wrapping). Only the command name completes; once
/// a space follows it, Tab does nothing.
pub(super) fn complete(m: &mut Model) {
    let Some(Modal::Command { input, tab }) = &mut m.modal else {
        return;
    };
    let (prefix, index) = match tab.take() {
        Some(t) => (t.prefix, t.index + 1),
        None => (input.value().trim_start_matches(':').to_owned(), 0),
    };
    if prefix.contains(char::is_whitespace) {
        return;
    }
    let found = candidates(&prefix);
    if found.is_empty() {
        return;
    }
    let index = index % found.len();
    *input = tui_input::Input::new(found[index].to_owned());
    *tab = Some(TabCycle { prefix, index });
}
