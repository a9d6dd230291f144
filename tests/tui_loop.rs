//! The real TUI loop (`tui::app::run_app`) on a `TestBackend`, driven by
//! scripted key events, over a real encrypted vault in a temporary
//! directory. Each step waits for what a user would see on screen, then
//! the vault on disk is reopened and checked.

#[path = "support/tui.rs"]
mod tui_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use regvault::model::VaultData;
use regvault::ops::Cancel;
use regvault::ops::test::{TestReport, Tester};
use regvault::probe::ProbeOptions;
use regvault::registry::{Credentials, RegistryKind};
use regvault::tui::runtime::{self, SharedTester, VaultSlot};
use regvault::tui::state::Context;
use regvault::vault::{KeySource, Vault};
use tui_support::{Driver, Tui, USER, ctx, reopen, vault_with};

const GHP: &str = "ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2";

/// The structural check, slowed down so the spinner is on screen long
/// enough to be seen and typed over — as a live check will be.
struct Slow(SharedTester);

impl Tester for Slow {
    fn test<'a>(
        &'a self,
        kind: RegistryKind,
        credentials: &'a Credentials,
        opts: &'a ProbeOptions,
        cancel: &'a Cancel,
    ) -> futures_util::future::BoxFuture<'a, TestReport> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            self.0.test(kind, credentials, opts, cancel).await
        })
    }
}

fn slow_probe() -> SharedTester {
    Arc::new(Slow(runtime::offline()))
}

/// A vault with a fresh identity, as `regvault init` makes it.
fn new_vault(dir: &Path) -> (PathBuf, Vec<KeySource>) {
    vault_with(dir, VaultData::default())
}

/// The loop at 80×24 with the fixed clock and the slowed check.
fn start(vault: VaultSlot, ctx: Context) -> Driver {
    Tui::new(vault, ctx).tester(slow_probe()).start()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_test_save_container_and_delete_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = new_vault(dir.path());
    let vault = Vault::open(&path, &keys).expect("open");
    let mut d = start(VaultSlot::Open(Box::new(vault)), ctx(dir.path()));
    d.see("No registries yet").await;

    // Add a GHCR registry: the form starts on the type (GHCR by default).
    d.char('a');
    d.see("Add registry").await;
    d.press(KeyCode::Tab);
    d.type_text("ghcr-loop");
    d.press(KeyCode::Tab);
    d.type_text("octo-cat");
    d.press(KeyCode::Tab);
    d.type_text(GHP);
    let screen = d.see("•••").await;
    assert!(!screen.contains(GHP), "token shown unmasked:\n{screen}");

    // Test Connection runs in the background; the form keeps taking keys.
    d.ctrl('t');
    d.see("testing…").await;
    d.press(KeyCode::BackTab);
    d.wait("focus moved while testing", |f| {
        f.text.contains("▸ GitHub username") && f.text.contains("testing…")
    })
    .await;
    d.see_idle("structure ok — offline check").await;

    d.ctrl('s');
    let screen = d.see_idle("saved registry 'ghcr-loop'").await;
    assert!(screen.contains("Container Registries (1)"), "{screen}");
    let disk = reopen(&path, &keys);
    let r = disk.registry("ghcr-loop").expect("registry on disk");
    assert_eq!(r.kind, RegistryKind::Ghcr);
    assert_eq!(r.credentials.get("token"), Some(GHP));
    assert_eq!(r.created_by, USER);
    assert!(
        r.last_test
            .as_ref()
            .is_some_and(regvault::model::TestRecord::passed),
        "the passed test is recorded"
    );

    // A container pulling from it.
    d.char('2');
    d.see("No containers yet").await;
    d.char('a');
    d.see("Add container").await;
    d.type_text("web");
    d.press(KeyCode::Tab);
    d.press(KeyCode::Enter);
    d.see("ghcr-loop (GHCR)").await;
    d.char('j');
    d.press(KeyCode::Enter);
    d.press(KeyCode::Tab);
    d.type_text("ghcr.io/acme/web");
    d.press(KeyCode::Tab);
    d.type_text("1.0");
    d.press(KeyCode::Tab);
    d.type_text("production");
    d.ctrl('s');
    d.see_idle("saved container 'web'").await;
    let disk = reopen(&path, &keys);
    let c = disk.container("web").expect("container on disk");
    assert_eq!(c.registry_config.registry_id.as_ref(), Some(&r.id));
    assert_eq!(c.image_ref(), "ghcr.io/acme/web:1.0");

    // The registry is in use: deleting it is refused and names the container.
    d.char('1');
    d.see("Container Registries (1)").await;
    d.char('d');
    let screen = d.see("Cannot delete 'ghcr-loop'").await;
    assert!(screen.contains("web (production)"), "{screen}");
    d.press(KeyCode::Esc);

    // Delete the container, then the registry (typing its name).
    d.char('2');
    d.see("Containers (1)").await;
    d.char('d');
    d.see("Delete container").await;
    d.char('y');
    d.see_idle("deleted container 'web'").await;
    d.char('1');
    d.see("Container Registries (1)").await;
    d.char('d');
    d.see("Type its name").await;
    d.type_text("ghcr-loop");
    d.press(KeyCode::Enter);
    d.see_idle("deleted registry 'ghcr-loop'").await;

    // The History tab: every change above, from the audit log.
    d.char('3');
    let screen = d.see("History (6)").await;
    assert!(screen.contains("container-delete"), "{screen}");
    assert!(!screen.contains(GHP), "{screen}");
    let log = Vault::open(&path, &keys)
        .expect("open")
        .audit_log()
        .expect("log");
    let walk = log.read().expect("read");
    assert!(walk.broken.is_none(), "{:?}", walk.broken);
    let actions: Vec<_> = walk
        .records
        .iter()
        .map(|r| r.entry.action.as_str())
        .collect();
    assert_eq!(
        actions,
        // The form's passing test was saved with the registry: an entry too.
        [
            "init",
            "add",
            "test",
            "container-add",
            "container-delete",
            "delete"
        ]
    );

    d.char('q');
    let model = d.finish().await;
    let disk = reopen(&path, &keys);
    assert!(
        disk.registries.is_empty() && disk.containers.is_empty(),
        "{disk:?}"
    );
    assert_eq!(disk, model.data, "the screen's data is what is on disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_creates_the_vault_and_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data").join("vault.age");
    let identity = dir.path().join("identity.txt");
    let slot = VaultSlot::Missing {
        path: path.clone(),
        identity: identity.clone(),
    };
    let mut d = start(slot, ctx(dir.path()));
    d.see("There is no vault at").await;
    d.press(KeyCode::Enter);
    d.see_idle("No registries yet").await;
    d.char('q');
    d.finish().await;
    let data = reopen(&path, &[KeySource::IdentityFile(identity)]);
    assert_eq!(data, VaultData::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_with_an_edited_form_asks_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = new_vault(dir.path());
    let vault = Vault::open(&path, &keys).expect("open");
    let mut d = start(VaultSlot::Open(Box::new(vault)), ctx(dir.path()));
    d.char('a');
    d.press(KeyCode::Tab);
    d.type_text("draft");
    d.ctrl('c');
    d.see("unsaved changes").await;
    d.char('n');
    d.wait("dialog closed", |f| {
        !f.text.contains("unsaved changes") && f.text.contains("draft")
    })
    .await;
    d.ctrl('c');
    d.see("unsaved changes").await;
    d.char('y');
    let model = d.finish().await;
    assert!(model.quit);
    assert!(
        reopen(&path, &keys).registries.is_empty(),
        "nothing was saved"
    );
}

/// Undo of a delete (`u`): the registry comes back from the backup taken
/// before its delete, with its credentials, into the vault as it is now —
/// a change another writer saved after the delete is kept. Enter at the
/// question means No.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_a_deleted_registry_back_and_keeps_a_later_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, keys) = new_vault(dir.path());
    let mut v = Vault::open(&path, &keys).expect("open");
    *v.data_mut() = regvault::tui::demo_data(USER).expect("demo");
    v.save().expect("seed");
    let data = v.data().clone();
    drop(v);
    // A registry of ours that no container uses: it may be deleted.
    let target = data
        .registries
        .iter()
        .find(|r| r.created_by == USER && data.containers_using(&r.id).is_empty())
        .expect("a deletable registry")
        .clone();
    let victim = data.containers[0].clone();

    let vault = Vault::open(&path, &keys).expect("open");
    let mut d = start(VaultSlot::Open(Box::new(vault)), ctx(dir.path()));
    d.see("Container Registries").await;
    d.char('u');
    d.see("nothing to undo").await;

    // Delete it: the filter finds it, `d`, type its name.
    d.char('/');
    d.type_text(&target.name);
    d.press(KeyCode::Enter);
    d.char('d');
    d.see("Type its name").await;
    d.type_text(&target.name);
    d.press(KeyCode::Enter);
    d.see_idle(&format!("deleted registry '{}'", target.name))
        .await;
    d.press(KeyCode::Esc);
    assert!(reopen(&path, &keys).registry(&target.name).is_none());

    // A second writer removes a container after the delete.
    let mut other = Vault::open(&path, &keys).expect("second writer");
    other
        .data_mut()
        .delete_container(victim.id.as_str())
        .expect("delete container");
    other.save().expect("second writer saves");
    drop(other);

    // Enter at the question is No.
    d.char('u');
    let screen = d.see("Undo delete").await;
    assert!(screen.contains(&target.name), "{screen}");
    d.press(KeyCode::Enter);
    d.wait("the question closed", |f| !f.text.contains("Undo delete"))
        .await;
    assert!(reopen(&path, &keys).registry(&target.name).is_none());

    // `u`, `y`: it is back.
    d.char('u');
    d.see("Undo delete").await;
    d.char('y');
    d.see_idle(&format!("put back registry '{}'", target.name))
        .await;
    let disk = reopen(&path, &keys);
    let back = disk.registry(&target.name).expect("registry is back");
    assert_eq!(back.id, target.id);
    assert_eq!(back.created_by, target.created_by);
    for (field, value) in target.credentials.iter() {
        assert_eq!(
            back.credentials.get(field),
            Some(value.expose()),
            "credential {field} restored"
        );
    }
    assert!(
        !disk.containers.iter().any(|c| c.id == victim.id),
        "the second writer's delete is kept"
    );
    assert_eq!(disk.containers.len(), data.containers.len() - 1);

    // The undo is in the audit log as a restore of that registry.
    let walk = Vault::open(&path, &keys)
        .expect("open")
        .audit_log()
        .expect("log")
        .read()
        .expect("read");
    let last = &walk.records.last().expect("an entry").entry;
    assert_eq!(last.action.as_str(), "restore");
    assert!(format!("{last:?}").contains(&target.name), "{last:?}");

    // The TUI works on the vault as now: a later save is not refused.
    d.char('q');
    let model = d.finish().await;
    assert_eq!(reopen(&path, &keys), model.data);
}
