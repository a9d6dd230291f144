//! What the TUI's tests share: fixtures (models with a fixed clock, user and
//! fake vault path, so snapshots never show real times or paths; Kubernetes
//! contexts and namespace reports) and the helpers that drive `update` the
//! way a user would (keys, actions, typing) and read back what they notice.

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::effect::Effect;
use super::keymap::{Action, Keymap};
use super::msg::Msg;
use super::state::{Context, Model};
use super::update::update;
use crate::model::VaultData;
pub use crate::registry::fixtures::GHP;

pub const USER: &str = "ops@laptop";
pub const VAULT_PATH: &str = "/home/ops/.local/share/regvault/vault.age";

/// 2026-11-27 12:00 UTC: after every timestamp in the demo seed.
pub fn now() -> Timestamp {
    "2026-11-27T12:00:00Z".parse().expect("fixed timestamp")
}

pub fn ctx() -> Context {
    Context {
        vault_path: VAULT_PATH.into(),
        identity_path: "/home/ops/.config/regvault/identity.txt".into(),
        user: USER.into(),
        read_only: false,
        color: false,
        helper_paths: None,
        demo: false,
    }
}

/// The demo seed, created by `USER` (one registry by alice@ops-laptop).
/// The demo seed, plus what a real vault would also hold: ghcr-acme
/// passed a live Test Connection a week before `now()` (the demo itself
/// never records one).
pub fn demo() -> VaultData {
    let mut data = super::demo_data(USER).expect("demo seed parses");
    let ghcr = data
        .registries
        .iter_mut()
        .find(|r| r.name == "ghcr-acme")
        .expect("the seed has ghcr-acme");
    ghcr.last_test = Some(crate::model::TestRecord {
        at: "2026-11-20T10:00:00Z".parse().expect("time"),
        outcome: crate::model::TestOutcome::Ok,
        summary: "credentials accepted for acme-bot".into(),
    });
    data
}

pub fn model(data: VaultData) -> Model {
    Model::new(ctx(), Keymap::defaults(), Some(data), now())
}

pub fn full() -> Model {
    model(demo())
}

pub fn empty() -> Model {
    model(VaultData::default())
}

/// Kubernetes contexts as a kubeconfig would list them.
pub fn kube() -> super::apply::KubeContexts {
    super::apply::KubeContexts {
        names: vec!["kind-dev".into(), "prod-eu".into()],
        current: Some("kind-dev".into()),
        servers: vec![
            Some("https://127.0.0.1:6443".into()),
            Some("https://prod-eu.example:6443".into()),
        ],
    }
}

/// A namespace's plan or result: the Secret `change`d, ending in `outcome`.
pub fn ns_report(
    env: &str,
    change: crate::deploy::kube::Change,
    outcome: crate::deploy::kube::Outcome,
) -> crate::deploy::kube::NamespaceReport {
    use crate::deploy::kube::{NamespaceReport, ObjectChange, Outcome};
    NamespaceReport {
        environment: env.into(),
        namespace: format!("env-{env}"),
        namespace_change: None,
        secret_status: None,
        objects: vec![ObjectChange {
            kind: "Secret",
            name: "regvault-ghcr-acme".into(),
            change,
        }],
        outcome,
        message: (outcome == Outcome::Forbidden)
            .then(|| format!("forbidden: namespace env-{env} (Secret): secrets is forbidden")),
        secret_uid: None,
        secret_resource_version: None,
        secret_written: false,
    }
}

/// An applier's progress message: `report` for one namespace of `context`.
pub fn progress(
    m: &mut Model,
    job: u64,
    context: &str,
    report: crate::deploy::kube::NamespaceReport,
) -> Vec<Effect> {
    let context = context.to_owned();
    update(
        m,
        Msg::ApplyProgress {
            job,
            context,
            report,
        },
    )
}

/// The applier's end with every cluster done.
pub fn apply_finished(m: &mut Model, job: u64) -> Vec<Effect> {
    update(
        m,
        Msg::ApplyFinished {
            job,
            result: Ok(Vec::new()),
        },
    )
}

/// One key press, no modifiers.
pub fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// `Ctrl` + `c`.
pub fn ctrl(m: &mut Model, c: char) -> Vec<Effect> {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

/// An action as the keymap would send it.
pub fn act(m: &mut Model, a: Action) -> Vec<Effect> {
    update(m, Msg::Action(a))
}

/// Types `text` one key at a time.
pub fn typ(m: &mut Model, text: &str) {
    for c in text.chars() {
        key(m, KeyCode::Char(c));
    }
}

/// Selects the registry row named `name`.
pub fn select_registry(m: &mut Model, name: &str) {
    let rows = m.registry_rows();
    m.registries.selected = rows
        .iter()
        .position(|&i| m.data.registries[i].name == name)
        .expect(name);
}

/// The latest toast's text (empty: none).
pub fn toast(m: &Model) -> String {
    m.toasts
        .latest()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// The job of the one save among `effects`.
pub fn save_job(effects: &[Effect]) -> u64 {
    match effects {
        [Effect::Save { job, .. }] => *job,
        other => panic!("expected one save, got {other:?}"),
    }
}

/// Opens a new GHCR form and fills its name, username and `token`.
pub fn fill_ghcr(m: &mut Model, name: &str, token: &str) {
    act(m, Action::Add);
    act(m, Action::NextField);
    typ(m, name);
    act(m, Action::NextField);
    typ(m, "octo-cat");
    act(m, Action::NextField);
    typ(m, token);
}

/// Fails when any cell of `buf` holds a control or invisible formatting
/// character: what reaches the terminal must be drawn, never obeyed.
pub fn assert_no_unsafe_cells(buf: &ratatui::buffer::Buffer) {
    assert!(
        !buf.content
            .iter()
            .any(|c| c.symbol().chars().any(crate::model::is_unsafe)),
        "a control or bidi character in a cell"
    );
}
