//! Rotation tells the truth: saving new credentials for a registry that
//! was applied says where its pull secrets are now stale (from the
//! recorded apply targets, `ops::stale`, as `regvault registry update`
//! says it) and offers the sync there: `y` opens the Apply dialog for
//! exactly those clusters and environments and plans it (the typed
//! confirmation still guards the write), `n` leaves them — the detail
//! pane keeps saying so until they are synced.

use crate::model::{RegistryId, VaultData};
use crate::ops::stale::{self, StaleTarget};
use crate::tui::effect::Effect;
use crate::tui::keymap::Action;
use crate::tui::state::modal::Modal;
use crate::tui::state::reload::{ReloadDialog, StaleQuestion};
use crate::tui::state::{Level, Model, Screen};

/// `registry`'s stale Secrets, their clusters named by the kubeconfig's
/// contexts as the Apply dialog knows them.
pub(crate) fn targets(m: &Model, registry: &RegistryId) -> Vec<StaleTarget> {
    let mut out = stale::stale_targets(&m.data, registry);
    for t in &mut out {
        t.context = m
            .kube
            .names
            .iter()
            .zip(&m.kube.servers)
            .find(|(_, s)| s.as_deref() == Some(t.server.as_str()))
            .map(|(n, _)| n.clone());
    }
    out
}

/// A save landed: if it rotated a registry's credentials and that
/// registry's secrets are applied somewhere, ask about syncing them.
pub(super) fn after_save(m: &mut Model, before: &VaultData) -> Vec<Effect> {
    let rotated = m.data.registries.iter().find(|r| {
        r.credentials_rotated_at.is_some()
            && before
                .registries
                .iter()
                .find(|b| b.id == r.id)
                .is_some_and(|b| b.credentials_rotated_at != r.credentials_rotated_at)
    });
    let Some(r) = rotated else {
        return Vec::new();
    };
    let (id, name) = (r.id.clone(), r.name.clone());
    let found = targets(m, &id);
    if found.is_empty() || m.modal.is_some() {
        return Vec::new();
    }
    m.modal = Some(Modal::Reload(Box::new(ReloadDialog::Stale(
        StaleQuestion {
            registry_id: id.as_str().to_owned(),
            registry: crate::model::escape(&name).into_owned(),
            places: found.iter().map(StaleTarget::place).collect(),
            contexts: stale::contexts(&found),
        },
    ))));
    Vec::new()
}

/// `y`: the Apply dialog for those contexts and environments, planned at
/// once; `n` / `Esc`: leave them (the detail pane says they are stale).
pub(super) fn answer(m: &mut Model, q: StaleQuestion, action: Action) -> Vec<Effect> {
    match action {
        Action::Yes => sync(m, &q),
        Action::No | Action::Back | Action::Quit => {
            let n = q.places.len();
            m.toast(
                Level::Info,
                format!(
                    "left {n} stale {} of '{}': press A to sync them",
                    if n == 1 { "secret" } else { "secrets" },
                    q.registry
                ),
            );
            Vec::new()
        }
        _ => {
            m.modal = Some(Modal::Reload(Box::new(ReloadDialog::Stale(q))));
            Vec::new()
        }
    }
}

fn sync(m: &mut Model, q: &StaleQuestion) -> Vec<Effect> {
    // No context of the kubeconfig has these servers: without one to name,
    // nothing can be synced from here.
    if q.contexts.is_empty() && m.kube.names.is_empty() {
        m.toast(
            Level::Error,
            format!(
                "no kubeconfig context names these clusters: run `regvault sync {}` with --context",
                q.registry
            ),
        );
        return Vec::new();
    }
    // The Apply dialog opens on the selected registry.
    m.screen = Screen::Registries;
    m.registries.filter = tui_input::Input::default();
    m.registries.filtering = false;
    m.refresh_rows();
    if let Some(pos) = m
        .registry_rows()
        .iter()
        .position(|&i| m.data.registries[i].id.as_str() == q.registry_id)
    {
        m.registries.selected = pos;
    }
    let effects = super::apply::open(m);
    let Some(Modal::Apply(d)) = &mut m.modal else {
        return effects;
    };
    let envs: Vec<&str> = q
        .places
        .iter()
        .filter_map(|p| p.rsplit_once("/env-").map(|(_, e)| e))
        .collect();
    for (env, on) in &mut d.environments {
        *on = envs.contains(&env.as_str());
    }
    if q.contexts.is_empty() {
        // The servers are not in the kubeconfig by these names: the user
        // picks the context (the environments are checked already).
        return effects;
    }
    for (name, on) in &mut d.contexts {
        *on = q.contexts.contains(name);
    }
    let mut effects = effects;
    // Enter on the target: plan each checked cluster, as a user would.
    effects.extend(super::on_action(m, Action::Confirm));
    effects
}
