//! The real TUI loop with a second writer (issue #13 item 1): while the TUI
//! runs over a real encrypted vault, another writer (the `Vault` API, as
//! the CLI saves) changes the file. The TUI must notice, reload, keep the
//! user's place, let a form save onto the new version when its record did
//! not change, and show both versions when it did. The vault on disk is
//! reopened at the end to check nobody's change was lost.

#[path = "support/tui.rs"]
mod tui_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use regvault::model::{NewRegistry, RegistryUpdate, VaultData};
use regvault::registry::{Credentials, RegistryKind};
use regvault::vault::{KeySource, Vault};
use tui_support::{Driver, Tui, USER, ctx, reopen};

const GHP: &str = "ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2";
const OTHER_GHP: &str = "ghp_Z9y8Z9y8Z9y8Z9y8Z9y8Z9y8Z9y8Z9y8Z9y8";

fn ghcr(name: &str, token: &str) -> NewRegistry {
    let mut credentials = Credentials::new();
    credentials.set("username", "octo-cat");
    credentials.set("token", token);
    NewRegistry {
        name: name.into(),
        kind: RegistryKind::Ghcr,
        credentials,
    }
}

/// A vault holding GHCR registries `names`, as `regvault init` and
/// `registry add` make them.
fn vault_with(dir: &Path, names: &[&str]) -> (PathBuf, Vec<KeySource>) {
    let mut data = VaultData::default();
    for n in names {
        data.add_registry(ghcr(n, GHP), USER, jiff::Timestamp::now())
            .expect("add");
    }
    tui_support::vault_with(dir, data)
}

/// The second writer: opens the file under the writer lock, changes it,
/// saves — what every CLI command that writes does.
fn other_writer(path: &Path, keys: &[KeySource], change: impl FnOnce(&mut VaultData)) {
    let mut v = Vault::open_locked(path, keys).expect("second writer opens");
    change(v.data_mut());
    v.save().expect("second writer saves");
}

fn names(data: &VaultData) -> Vec<String> {
    let mut n: Vec<String> = data.registries.iter().map(|r| r.name.clone()).collect();
    n.sort();
    n
}

/// The loop at 100×30 with the fixed clock and the offline check.
fn start(path: &Path, keys: &[KeySource], dir: &Path) -> Driver {
    Tui::open(path, keys, ctx(dir))
        .size(100, 30)
        .patience(Duration::from_secs(15))
        .start()
}

/// Opens the edit form of the selected registry and appends `suffix` to
/// its name (the form opens on the name field, cursor at the end).
async fn edit_name(d: &mut Driver, suffix: &str) {
    d.press(KeyCode::Char('e'));
    d.see("Edit registry").await;
    d.type_text(suffix);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writers_new_registry_appears_and_the_selection_stays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha", "charlie"]);
    let mut d = start(&path, &keys, dir.path());
    d.see("charlie").await;
    // Select charlie (second by name), then another writer adds bravo,
    // which sorts before it.
    d.press(KeyCode::Char('j'));
    d.see_idle("charlie").await;
    other_writer(&path, &keys, |data| {
        data.add_registry(ghcr("bravo", GHP), "teammate", jiff::Timestamp::now())
            .expect("add");
    });
    let screen = d.see("vault reloaded: 1 added").await;
    assert!(
        screen.contains("bravo"),
        "new registry not listed:\n{screen}"
    );
    let m = d.quit_discarding().await;
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("charlie"),
        "the selection moved to another registry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_selection_falls_to_its_neighbour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha", "bravo", "charlie"]);
    let mut d = start(&path, &keys, dir.path());
    d.see("charlie").await;
    d.press(KeyCode::Char('j'));
    d.see_idle("bravo").await;
    other_writer(&path, &keys, |data| {
        data.delete_registry("bravo", USER).expect("delete");
    });
    d.see("vault reloaded: 1 removed").await;
    let m = d.quit_discarding().await;
    assert_eq!(
        m.selected_registry().map(|r| r.name.as_str()),
        Some("charlie"),
        "the nearest neighbour of the deleted row is selected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_of_an_untouched_registry_saves_and_keeps_the_other_writers_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha", "charlie"]);
    let mut d = start(&path, &keys, dir.path());
    d.see("charlie").await;
    edit_name(&mut d, "-mine").await;
    d.see("alpha-mine").await;
    // Meanwhile another writer renames charlie and adds bravo.
    other_writer(&path, &keys, |data| {
        let update = RegistryUpdate {
            name: Some("charlie-theirs".into()),
            kind: None,
            credentials: None,
        };
        data.update_registry("charlie", update, USER, jiff::Timestamp::now())
            .expect("rename");
        data.add_registry(ghcr("bravo", GHP), "teammate", jiff::Timestamp::now())
            .expect("add");
    });
    d.see("vault reloaded: 1 added, 1 changed").await;
    d.ctrl('s');
    let screen = d.see_idle("saved registry 'alpha-mine'").await;
    assert!(!screen.contains("changed on disk"), "{screen}");
    let on_disk = reopen(&path, &keys);
    assert_eq!(
        names(&on_disk),
        ["alpha-mine", "bravo", "charlie-theirs"],
        "a save lost the other writer's changes"
    );
    d.quit_discarding().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_racing_another_writer_reloads_and_goes_through() {
    // The other writer saves right before Ctrl-S, before any poll can see
    // it: the save meets "changed on disk", reloads, and saves again.
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha"]);
    let mut d = start(&path, &keys, dir.path());
    d.see("alpha").await;
    edit_name(&mut d, "-mine").await;
    d.see("alpha-mine").await;
    other_writer(&path, &keys, |data| {
        data.add_registry(ghcr("bravo", GHP), "teammate", jiff::Timestamp::now())
            .expect("add");
    });
    d.ctrl('s');
    d.see_idle("saved registry 'alpha-mine'").await;
    assert_eq!(names(&reopen(&path, &keys)), ["alpha-mine", "bravo"]);
    d.quit_discarding().await;
}

/// Edits alpha while another writer changes alpha too: the dialog shows
/// both versions, secrets masked.
async fn conflicting_edit(dir: &Path) -> (Driver, PathBuf, Vec<KeySource>) {
    let (path, keys) = vault_with(dir, &["alpha"]);
    let mut d = start(&path, &keys, dir);
    d.see("alpha").await;
    edit_name(&mut d, "-mine").await;
    d.see("alpha-mine").await;
    other_writer(&path, &keys, |data| {
        let mut credentials = Credentials::new();
        credentials.set("token", OTHER_GHP);
        let update = RegistryUpdate {
            name: Some("alpha-theirs".into()),
            kind: None,
            credentials: Some(credentials),
        };
        data.update_registry("alpha", update, USER, jiff::Timestamp::now())
            .expect("rotate");
    });
    let screen = d.see("Changed on disk").await;
    for want in [
        "changed the registry 'alpha'",
        "alpha-mine",
        "alpha-theirs",
        "•••• (differs)",
    ] {
        assert!(screen.contains(want), "missing {want:?}:\n{screen}");
    }
    assert!(
        !screen.contains(GHP) && !screen.contains(OTHER_GHP),
        "a token on screen:\n{screen}"
    );
    (d, path, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_edit_kept_saves_over_the_version_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, path, keys) = conflicting_edit(dir.path()).await;
    d.press(KeyCode::Down);
    d.see("› keep mine").await;
    d.press(KeyCode::Enter);
    d.see_idle("saved registry 'alpha-mine'").await;
    let on_disk = reopen(&path, &keys);
    assert_eq!(names(&on_disk), ["alpha-mine"]);
    assert_eq!(
        on_disk.registries[0].credentials.get("token"),
        Some(GHP),
        "keep mine saves the form's token"
    );
    d.quit_discarding().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_edit_dropped_takes_the_version_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, path, keys) = conflicting_edit(dir.path()).await;
    d.press(KeyCode::Down);
    d.press(KeyCode::Down);
    d.see("› take theirs").await;
    d.press(KeyCode::Enter);
    let screen = d.see_idle("as saved on disk").await;
    assert!(
        !screen.contains("Edit registry"),
        "form still open:\n{screen}"
    );
    assert!(screen.contains("alpha-theirs"), "{screen}");
    let on_disk = reopen(&path, &keys);
    assert_eq!(names(&on_disk), ["alpha-theirs"]);
    assert_eq!(
        on_disk.registries[0].credentials.get("token"),
        Some(OTHER_GHP)
    );
    d.quit_discarding().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_edit_can_go_back_to_the_form_with_every_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, path, keys) = conflicting_edit(dir.path()).await;
    // Enter on the default choice (and Esc) only go back: nothing saved.
    d.press(KeyCode::Enter);
    let screen = d
        .wait("the form again", |f| {
            !f.text.contains("Changed on disk") && f.text.contains("Edit registry")
        })
        .await;
    assert!(
        screen.contains("alpha-mine"),
        "the edit was lost:\n{screen}"
    );
    assert_eq!(names(&reopen(&path, &keys)), ["alpha-theirs"]);
    d.quit_discarding().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_command_reads_the_file_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha"]);
    let mut d = start(&path, &keys, dir.path());
    d.see("alpha").await;
    d.press(KeyCode::Char(':'));
    d.type_text("reload");
    d.press(KeyCode::Enter);
    d.see("vault reloaded: no registry or container changed")
        .await;
    d.quit_discarding().await;
}

/// Attack: an older version of the file is put back (a rollback, as a
/// careless restore or someone with write access to the directory would
/// do). A reload goes through the same pin check as an open, so the TUI
/// refuses it, keeps what it shows, and its own save does not write over
/// the planted file either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_file_is_refused_not_reloaded_nor_saved_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = vault_with(dir.path(), &["alpha"]);
    let older = std::fs::read(&path).expect("read");
    let mut d = start(&path, &keys, dir.path());
    d.see("alpha").await;
    other_writer(&path, &keys, |data| {
        data.add_registry(ghcr("bravo", GHP), "teammate", jiff::Timestamp::now())
            .expect("add");
    });
    d.see("vault reloaded: 1 added").await;
    let planted = dir.path().join("planted");
    std::fs::write(&planted, &older).expect("write");
    std::fs::rename(&planted, &path).expect("put the older file back");
    let screen = d.see("could not be reloaded").await;
    assert!(
        screen.contains("bravo"),
        "the refused file was shown:\n{screen}"
    );
    // Refused for what it is: the same check an open makes.
    let why = Vault::open(&path, &keys)
        .expect_err("rolled back")
        .to_string();
    assert!(why.contains("rolled back"), "{why}");
    edit_name(&mut d, "-mine").await;
    d.ctrl('s');
    let screen = d.see_idle("not saved").await;
    assert!(!screen.contains("saved registry"), "{screen}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        older,
        "the TUI wrote over a file it could not verify"
    );
    d.quit_discarding().await;
}
