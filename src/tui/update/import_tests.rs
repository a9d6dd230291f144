//! `update` tests of the import screen: `:import docker-config PATH` asks
//! the runtime to read that file; the preview arrives as a checklist where
//! entries to add start checked; space unchecks, the edit key renames,
//! Enter adds the checked ones (created by the current user) and saves,
//! Esc cancels; a read error is shown and closes; read-only refuses.

use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::ops::import::read::Source;
use crate::ops::import::{Action as Act, parse};
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::Model;
use crate::tui::state::import::ImportDialog;
use crate::tui::state::modal::Modal;
use crate::tui::test_support::{self as fixtures, act, key, save_job, toast, typ};

/// The fixture: a docker config.json with one login of each outcome
/// against the demo vault (its secrets are fake).
pub(crate) const CONFIG: &str = include_str!("../../../tests/fixtures/import/config.json");
pub(crate) const CONFIG_PATH: &str = "/fixtures/docker/config.json";

fn dialog(m: &Model) -> &ImportDialog {
    match &m.modal {
        Some(Modal::Import(d)) => d,
        other => panic!("no import screen: {other:?}"),
    }
}

/// `:import docker-config PATH`, then the runtime's answer from the fixture.
pub(crate) fn previewed() -> Model {
    let mut m = fixtures::full();
    act(&mut m, Action::CommandLine);
    typ(&mut m, &format!("import docker-config {CONFIG_PATH}"));
    let effects = key(&mut m, KeyCode::Enter);
    let [Effect::ReadImport { job, source }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*source, Source::DockerConfig(Some(CONFIG_PATH.into())));
    let job = *job;
    assert!(m.busy(), "reading shows the spinner");
    let found = parse::auth_file(CONFIG).expect("fixture parses");
    update(
        &mut m,
        Msg::ImportRead {
            job,
            result: Ok(found),
        },
    );
    m
}

#[test]
fn the_checklist_starts_with_every_entry_to_add_checked() {
    let m = previewed();
    let d = dialog(&m);
    let summary: Vec<(&str, bool)> = d
        .preview
        .entries
        .iter()
        .zip(&d.checked)
        .map(|(e, c)| {
            let word = match e.action {
                Act::Add => "add",
                Act::Exists { .. } => "exists",
                Act::Differs { .. } => "differs",
                Act::Skip(_) => "skip",
            };
            (word, *c)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("skip", false),
            ("add", true),
            ("exists", false),
            ("add", true),
            ("differs", false),
            ("skip", false)
        ]
    );
    assert_eq!(d.selected, 1, "the first entry to add");
}

#[test]
fn space_unchecks_enter_imports_the_checked_as_the_current_user() {
    let mut m = previewed();
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked_count(), 1);
    // Space on an entry that cannot be added changes nothing.
    act(&mut m, Action::MoveUp);
    key(&mut m, KeyCode::Char(' '));
    assert_eq!(dialog(&m).checked_count(), 1);
    let before = m.data.registries.len();
    let job = save_job(&key(&mut m, KeyCode::Enter));
    assert!(m.modal.is_none());
    update(&mut m, Msg::VaultSaved { job });
    assert_eq!(m.data.registries.len(), before + 1);
    let added = m.data.registries.last().unwrap();
    assert_eq!(added.name, "ghcr.io");
    assert_eq!(added.created_by, fixtures::USER);
    assert_eq!(toast(&m), "imported 1 registry");
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("ghcr.io")
    );
}

#[test]
fn an_entry_is_renamed_before_import_and_a_taken_name_is_refused() {
    let mut m = previewed();
    key(&mut m, KeyCode::Char('e'));
    for _ in 0.."127.0.0.1:5000".len() {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "ghcr-acme");
    key(&mut m, KeyCode::Enter);
    assert!(toast(&m).contains("already used"), "{}", toast(&m));
    assert!(dialog(&m).renaming.is_some(), "still editing");
    for _ in 0.."ghcr-acme".len() {
        key(&mut m, KeyCode::Backspace);
    }
    typ(&mut m, "local-ci");
    key(&mut m, KeyCode::Enter);
    assert_eq!(dialog(&m).preview.entries[1].name, "local-ci");
    let job = save_job(&key(&mut m, KeyCode::Enter));
    update(&mut m, Msg::VaultSaved { job });
    assert!(m.data.registries.iter().any(|r| r.name == "local-ci"));
    assert!(m.data.registries.iter().any(|r| r.name == "ghcr.io"));
}

#[test]
fn esc_cancels_and_changes_nothing() {
    let mut m = previewed();
    let before = m.data.clone();
    let effects = key(&mut m, KeyCode::Esc);
    assert!(effects.is_empty());
    assert!(m.modal.is_none());
    assert_eq!(*before, m.data);
}

#[test]
fn a_read_error_is_shown_then_closed() {
    let mut m = fixtures::full();
    let effects = act(&mut m, Action::Import);
    let [Effect::ReadImport { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let job = *job;
    update(
        &mut m,
        Msg::ImportRead {
            job,
            result: Err("/x/config.json: not valid JSON at line 1, column 2".into()),
        },
    );
    assert!(dialog(&m).error.as_deref().unwrap().contains("line 1"));
    key(&mut m, KeyCode::Enter);
    assert!(m.modal.is_none());
}

#[test]
fn read_only_refuses_and_bad_commands_say_how() {
    let mut m = fixtures::full();
    m.ctx.read_only = true;
    assert!(act(&mut m, Action::Import).is_empty());
    assert!(toast(&m).contains("read-only"));
    let mut m = fixtures::full();
    act(&mut m, Action::CommandLine);
    typ(&mut m, "import kube-file");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(toast(&m).contains("usage: :import"), "{}", toast(&m));
}
