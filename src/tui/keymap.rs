//! Key bindings: the `Action` enum (what a key can mean) and the `Keymap`
//! read from `assets/keymap.toml`, optionally overridden by
//! `$XDG_CONFIG_HOME/regvault/keymap.toml`. The help overlay and the footer
//! hints are generated from the keymap, so a rebinding shows up on screen.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// The defaults, compiled in so the binary works without any file.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Declares `Action` once: each variant's doc comment is also the text the
/// help overlay shows, so the two cannot drift apart.
macro_rules! actions {
    ($( #[doc = $doc:literal] $variant:ident, )*) => {
        /// Something a key can ask for. Serialised in `snake_case` in keymap files.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $( #[doc = $doc] $variant, )*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The variant's doc comment, as the help overlay shows it.
            pub fn description(self) -> &'static str {
                match self {
                    $( Action::$variant => $doc.trim(), )*
                }
            }
        }
    };
}

actions! {
    /// Move up
    MoveUp,
    /// Move down
    MoveDown,
    /// Page up
    PageUp,
    /// Page down
    PageDown,
    /// First row
    First,
    /// Last row
    Last,
    /// Next field
    NextField,
    /// Previous field
    PrevField,
    /// Save to the vault
    Save,
    /// Show / hide the secret
    RevealSecret,
    /// Load a key file (path)
    LoadFile,
    /// Confirm
    Confirm,
    /// Open (edit, dropdown)
    Open,
    /// Add a registry/container
    Add,
    /// Edit the selection
    Edit,
    /// Delete (asks first)
    Delete,
    /// Test Connection
    TestConnection,
    /// Filter the list
    Filter,
    /// Sort by the next column
    CycleSort,
    /// Reverse the sort order
    ReverseSort,
    /// Show registries
    ShowRegistries,
    /// Show containers
    ShowContainers,
    /// Show the audit log
    ShowHistory,
    /// Next view
    NextView,
    /// This help
    Help,
    /// Command line (:help)
    CommandLine,
    /// Quit (asks if unsaved)
    Quit,
    /// Back; cancels a test
    Back,
    /// Apply the pull secret
    Apply,
    /// Yes
    Yes,
    /// No
    No,
    /// Check / uncheck
    Toggle,
    /// Check the next only
    NextContext,
    /// Check all (again: none)
    AllContexts,
    /// Import logins (:import)
    Import,
    /// Dismiss the message
    Dismiss,
    /// Message log (:messages)
    Messages,
    /// Complete a :command
    Complete,
    /// Copy the id (clipboard)
    CopyId,
    /// Copy the host / image
    CopyHost,
    /// Suspend (fg returns)
    Suspend,
    /// Undo the last delete
    Undo,
}

impl Action {
    /// Actions that change the vault: hidden and refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Add
                | Action::Edit
                | Action::Delete
                | Action::Save
                | Action::Apply
                | Action::Import
                | Action::Undo
        )
    }
}

/// Where a key is read: each context has its own bindings. `Dialog` holds
/// the keys every dialog shares; `Question`, `Apply` and `Help` add the keys
/// of one kind of dialog and are looked up before it (see
/// [`Keymap::action_in`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyContext {
    List,
    Form,
    Dialog,
    Question,
    Apply,
    Import,
    Help,
}

impl KeyContext {
    pub const ALL: [KeyContext; 7] = [
        KeyContext::List,
        KeyContext::Form,
        KeyContext::Dialog,
        KeyContext::Question,
        KeyContext::Apply,
        KeyContext::Import,
        KeyContext::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            KeyContext::List => "Lists",
            KeyContext::Form => "Forms",
            KeyContext::Dialog => "Dialogs",
            KeyContext::Question => "Yes/no questions",
            KeyContext::Apply => "Apply",
            KeyContext::Import => "Import checklist",
            KeyContext::Help => "This help",
        }
    }
}

/// A key with its modifiers, normalised so that `G` and `shift-g` match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        // Terminals report shifted characters with SHIFT set (or not);
        // the character itself already says it.
        let mods = match code {
            KeyCode::Char(_) | KeyCode::BackTab => mods - KeyModifiers::SHIFT,
            _ => mods,
        };
        Self { code, mods }
    }

    pub fn from_event(key: &KeyEvent) -> Self {
        Self::new(key.code, key.modifiers)
    }

    /// Parses `ctrl-s`, `shift-tab`, `G`, `?`, `pagedown`, `f1`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        // A bare "-" is a key, not a separator.
        while rest.len() > 1 {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key '{text}'")),
                }
            }
        };
        Ok(Self::new(code, mods))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other}"),
        }
    }
}

/// The file format: context → action → keys.
type KeymapFile = BTreeMap<KeyContext, BTreeMap<Action, Vec<String>>>;

/// Bindings per context, in the order the help overlay lists them.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: BTreeMap<KeyContext, Vec<(Action, Vec<KeyChord>)>>,
}

impl Keymap {
    /// The compiled-in defaults.
    pub fn defaults() -> Self {
        // The defaults are part of the binary and covered by a test.
        Self::from_toml(DEFAULT_KEYMAP).unwrap_or(Self {
            bindings: BTreeMap::new(),
        })
    }

    /// The defaults with the user's file applied, if there is one. A broken
    /// file is reported, not ignored: a user who rebinds keys wants to know.
    pub fn load() -> Result<Self, String> {
        let mut map = Self::defaults();
        if let Some(path) = user_keymap_path()
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            map.apply_overrides(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(map)
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut map = Self {
            bindings: BTreeMap::new(),
        };
        map.apply_overrides(text)?;
        Ok(map)
    }

    /// An action named in `text` gets exactly the keys given there.
    pub fn apply_overrides(&mut self, text: &str) -> Result<(), String> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        for (ctx, actions) in file {
            let list = self.bindings.entry(ctx).or_default();
            for (action, keys) in actions {
                let chords = keys
                    .iter()
                    .map(|k| KeyChord::parse(k))
                    .collect::<Result<Vec<_>, _>>()?;
                match list.iter_mut().find(|(a, _)| *a == action) {
                    Some(entry) => entry.1 = chords,
                    None => list.push((action, chords)),
                }
            }
        }
        Ok(())
    }

    /// The action bound to `key` in `ctx`.
    pub fn action(&self, ctx: KeyContext, key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        self.bindings
            .get(&ctx)?
            .iter()
            .find(|(_, keys)| keys.contains(&chord))
            .map(|(a, _)| *a)
    }

    /// The action bound to `key` in the first of `contexts` that binds it:
    /// a dialog looks in its own context, then in `Dialog`.
    pub fn action_in(&self, contexts: &[KeyContext], key: &KeyEvent) -> Option<Action> {
        contexts.iter().find_map(|&ctx| self.action(ctx, key))
    }

    /// Every binding of a context, for the help overlay.
    pub fn bindings(&self, ctx: KeyContext) -> &[(Action, Vec<KeyChord>)] {
        self.bindings.get(&ctx).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action in the first of `contexts` that binds it,
    /// for a dialog's hints (`None`: unbound).
    pub fn first_key_in(&self, contexts: &[KeyContext], action: Action) -> Option<KeyChord> {
        contexts.iter().find_map(|&ctx| self.first_key(ctx, action))
    }

    /// The first key of an action, for footer hints (`None`: unbound).
    pub fn first_key(&self, ctx: KeyContext, action: Action) -> Option<KeyChord> {
        self.bindings(ctx)
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, keys)| keys.first().copied())
    }
}

/// `$XDG_CONFIG_HOME/regvault/keymap.toml` (default `~/.config`).
pub fn user_keymap_path() -> Option<PathBuf> {
    user_config_path("keymap.toml")
}

/// `$XDG_CONFIG_HOME/regvault/<file>` (default `~/.config`): the TUI's
/// override files (keymap, theme).
pub fn user_config_path(file: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("regvault").join(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_parse_and_cover_the_spec_keys() {
        let map = Keymap::from_toml(DEFAULT_KEYMAP).expect("default keymap parses");
        let list = |c, m| map.action(KeyContext::List, &key(c, m));
        assert_eq!(
            list(KeyCode::Char('a'), KeyModifiers::NONE),
            Some(Action::Add)
        );
        assert_eq!(
            list(KeyCode::Char('e'), KeyModifiers::NONE),
            Some(Action::Edit)
        );
        assert_eq!(
            list(KeyCode::Char('d'), KeyModifiers::NONE),
            Some(Action::Delete)
        );
        assert_eq!(
            list(KeyCode::Char('t'), KeyModifiers::NONE),
            Some(Action::TestConnection)
        );
        assert_eq!(
            list(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::MoveDown)
        );
        assert_eq!(list(KeyCode::Up, KeyModifiers::NONE), Some(Action::MoveUp));
        assert_eq!(
            list(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Last)
        );
        assert_eq!(
            list(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Action::Quit)
        );
        let form = |c, m| map.action(KeyContext::Form, &key(c, m));
        assert_eq!(
            form(KeyCode::Char('s'), KeyModifiers::CONTROL),
            Some(Action::Save)
        );
        assert_eq!(
            form(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::PrevField)
        );
        assert_eq!(
            form(KeyCode::Tab, KeyModifiers::NONE),
            Some(Action::NextField)
        );
        assert_eq!(form(KeyCode::Char('q'), KeyModifiers::NONE), None);
    }

    #[test]
    fn dialog_sections_come_before_the_shared_dialog_keys() {
        let map = Keymap::defaults();
        let none = KeyModifiers::NONE;
        let question = [KeyContext::Question, KeyContext::Dialog];
        for c in ['y', 'Y'] {
            assert_eq!(
                map.action_in(&question, &key(KeyCode::Char(c), none)),
                Some(Action::Yes)
            );
        }
        assert_eq!(
            map.action_in(&question, &key(KeyCode::Char('N'), KeyModifiers::SHIFT)),
            Some(Action::No)
        );
        assert_eq!(
            map.action_in(&question, &key(KeyCode::Enter, none)),
            Some(Action::Confirm)
        );
        let apply = [KeyContext::Apply, KeyContext::Dialog];
        assert_eq!(
            map.action_in(&apply, &key(KeyCode::Char(' '), none)),
            Some(Action::Toggle)
        );
        assert_eq!(
            map.action_in(&apply, &key(KeyCode::Tab, none)),
            Some(Action::NextContext)
        );
        assert_eq!(
            map.action_in(&apply, &key(KeyCode::Char('y'), none)),
            None,
            "yes/no are the questions' keys only"
        );
        let help = [KeyContext::Help, KeyContext::Dialog];
        assert_eq!(
            map.action_in(&help, &key(KeyCode::Char('q'), none)),
            Some(Action::Back)
        );
        assert_eq!(
            map.action_in(&help, &key(KeyCode::Esc, none)),
            Some(Action::Back)
        );
        assert_eq!(
            map.first_key_in(&question, Action::Confirm),
            KeyChord::parse("enter").ok()
        );
    }

    #[test]
    fn every_action_has_a_description() {
        for a in Action::ALL {
            assert!(!a.description().is_empty(), "{a:?}");
        }
        assert_eq!(Action::Save.description(), "Save to the vault");
    }

    #[test]
    fn overrides_replace_only_the_named_action() {
        let mut map = Keymap::defaults();
        map.apply_overrides("[list]\nadd = [\"n\", \"ctrl-n\"]\n")
            .expect("override");
        let list = |c, m| map.action(KeyContext::List, &key(c, m));
        assert_eq!(
            list(KeyCode::Char('n'), KeyModifiers::NONE),
            Some(Action::Add)
        );
        assert_eq!(
            list(KeyCode::Char('n'), KeyModifiers::CONTROL),
            Some(Action::Add)
        );
        assert_eq!(list(KeyCode::Char('a'), KeyModifiers::NONE), None);
        assert_eq!(
            list(KeyCode::Char('e'), KeyModifiers::NONE),
            Some(Action::Edit)
        );
    }

    #[test]
    fn bad_files_are_reported() {
        let mut map = Keymap::defaults();
        assert!(map.apply_overrides("[list]\nfly = [\"x\"]\n").is_err());
        assert!(
            map.apply_overrides("[list]\nadd = [\"hyper-x\"]\n")
                .is_err()
        );
    }

    #[test]
    fn chords_print_readably() {
        let p = |s| KeyChord::parse(s).map(|c| c.to_string());
        assert_eq!(p("ctrl-s"), Ok("Ctrl-S".into()));
        assert_eq!(p("shift-tab"), Ok("Shift-Tab".into()));
        assert_eq!(p("?"), Ok("?".into()));
        assert_eq!(p("-"), Ok("-".into()));
        assert_eq!(p("f1"), Ok("F1".into()));
        assert_eq!(p("pagedown"), Ok("PgDn".into()));
    }
}
