//! The detail pane's helper line: what it says for each state of docker's
//! config.json and the containers auth.json (read from temp files given
//! explicitly — never the user's), and when the model asks for a check.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::effect::Effect;
use super::msg::Msg;
use super::state::Model;
use super::test_support::{self as fixtures, select_registry};
use super::update::update;
use super::view;
use crate::ops::helper::{self, HelperPaths};

fn paths(dir: &Path) -> HelperPaths {
    HelperPaths::resolve(
        Some(&dir.join("docker")),
        Some(&dir.join("containers").join("auth.json")),
    )
}

/// A model whose helper line reads `dir`'s files; returns the check it
/// asked for at its first message.
fn model_with_files(dir: &Path) -> (Model, Effect) {
    let mut m = fixtures::full();
    m.ctx.helper_paths = Some(paths(dir));
    let mut effects = update(&mut m, Msg::Redraw);
    assert_eq!(effects.len(), 1, "{effects:?}");
    (m, effects.remove(0))
}

/// Runs the check as the runtime would, and hands the answer back.
fn answer(m: &mut Model, effect: Effect) {
    let Effect::CheckHelper { job, paths, hosts } = effect else {
        panic!("expected a helper check, got {effect:?}");
    };
    let status = Box::new(helper::status(&paths, &hosts));
    assert!(update(m, Msg::HelperChecked { job, status }).is_empty());
}

fn text(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    t.draw(|f| view::render(f, m)).expect("draw");
    t.backend().to_string()
}

fn write(path: &Path, text: &str) {
    crate::deploy::ensure_private_dir(path.parent().unwrap()).unwrap();
    crate::deploy::write_private_atomic(path, text.as_bytes()).unwrap();
}

/// docker routes ghcr.io to the helper, podman/skopeo do not.
#[test]
fn helper_docker_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    write(
        &p.docker_config,
        r#"{"credHelpers":{"ghcr.io":"regvault"}}"#,
    );
    let (mut m, check) = model_with_files(dir.path());
    select_registry(&mut m, "ghcr-acme");
    assert!(text(&m).contains("checking…"), "{}", text(&m));
    answer(&mut m, check);
    insta::assert_snapshot!("helper_docker_only", text(&m));
}

/// Both route it, but docker's file still holds a plaintext login.
#[test]
fn helper_both_plaintext_left() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    write(
        &p.docker_config,
        r#"{"auths":{"https://index.docker.io/v1/":{"auth":"ZGVtbzp4"}},"credHelpers":{"https://index.docker.io/v1/":"regvault"}}"#,
    );
    write(
        &p.containers_auth,
        r#"{"credHelpers":{"docker.io":"regvault"}}"#,
    );
    let (mut m, check) = model_with_files(dir.path());
    answer(&mut m, check);
    select_registry(&mut m, "dockerhub-acme");
    insta::assert_snapshot!("helper_both_plaintext_left", text(&m));
}

/// A registry with three fields fills the pane at 80×24: the helper
/// state goes on the host row, and every other row stays.
#[test]
fn helper_on_the_host_row_when_the_pane_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    write(
        &p.docker_config,
        r#"{"credHelpers":{"acmedemo.azurecr.io":"regvault"}}"#,
    );
    write(
        &p.containers_auth,
        r#"{"credHelpers":{"acmedemo.azurecr.io":"regvault"}}"#,
    );
    let (mut m, check) = model_with_files(dir.path());
    answer(&mut m, check);
    select_registry(&mut m, "acr-shared");
    let t = text(&m);
    assert!(t.contains("used by"), "{t}");
    insta::assert_snapshot!("helper_on_the_host_row", t);
}

/// A symlinked config.json is not read: the line says so (`?`).
#[test]
fn an_unreadable_file_shows_a_question_mark() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    write(
        &dir.path().join("elsewhere.json"),
        r#"{"credHelpers":{"ghcr.io":"regvault"}}"#,
    );
    std::fs::create_dir(dir.path().join("docker")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere.json"), &p.docker_config).unwrap();
    let (mut m, check) = model_with_files(dir.path());
    answer(&mut m, check);
    select_registry(&mut m, "ghcr-acme");
    assert!(
        // The line wraps in the detail pane: its start and its end.
        text(&m).contains("docker ?  podman/skopeo ✗ — run regvault")
            && text(&m).contains("helper install"),
        "{}",
        text(&m)
    );
}

/// Asked once per change of the hosts or after 30 s; a late answer of a
/// superseded check is dropped; without paths nothing is ever asked.
#[test]
fn checks_are_cached_and_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, first) = model_with_files(dir.path());
    assert!(
        update(&mut m, Msg::Redraw).is_empty(),
        "one check in flight"
    );
    answer(&mut m, first);
    assert!(update(&mut m, Msg::Redraw).is_empty(), "cached");

    m.now += jiff::SignedDuration::from_secs(31);
    let again = update(&mut m, Msg::Redraw);
    assert!(
        matches!(again[..], [Effect::CheckHelper { .. }]),
        "{again:?}"
    );
    let Effect::CheckHelper { job: stale, .. } = again[0] else {
        unreachable!()
    };

    // The hosts change while it runs: the stale answer is dropped, a new
    // check asked for.
    let mut data = crate::model::VaultData::clone(&m.data);
    data.registries.retain(|r| r.name != "ghcr-acme");
    m.set_data(std::sync::Arc::new(data));
    m.helper.job = None;
    let next = update(&mut m, Msg::Redraw);
    let [Effect::CheckHelper { hosts, .. }] = &next[..] else {
        panic!("{next:?}")
    };
    assert!(!hosts.contains(&"ghcr.io".to_owned()), "{hosts:?}");
    let before = m.helper.status.clone();
    let status = Box::new(helper::status(&paths(dir.path()), &[]));
    update(&mut m, Msg::HelperChecked { job: stale, status });
    assert!(
        std::sync::Arc::ptr_eq(before.as_ref().unwrap(), m.helper.status.as_ref().unwrap()),
        "a superseded answer is dropped"
    );

    let mut plain = fixtures::full();
    assert!(update(&mut plain, Msg::Redraw).is_empty());
    assert!(!text(&plain).contains("helper"), "no paths: no helper line");
}
