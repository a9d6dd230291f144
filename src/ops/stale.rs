//! After a rotation: where a registry's pull secrets still hold the old
//! credentials. One answer for both faces — `regvault registry update`
//! prints it, the TUI asks whether to sync those places now.
//!
//! Only the Secrets this vault recorded applying count (the records
//! `sync` acts on); one written before the credentials were last rotated
//! is stale until `regvault sync` (or an apply) writes it again, which
//! records it anew. A Swarm service or a Compose config.json is not
//! recorded, so it is not listed.

use std::path::Path;

use crate::model::{AppliedSecret, Registry, RegistryId, VaultData};

/// One Secret that still holds a registry's credentials from before its
/// last rotation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StaleTarget {
    /// The API server's URL as recorded.
    pub server: String,
    /// The kubeconfig context for that server, when one names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub namespace: String,
    pub name: String,
}

impl StaleTarget {
    /// `kind-a/env-prod` (the server's URL when no context names it).
    #[must_use]
    pub fn place(&self) -> String {
        format!(
            "{}/{}",
            self.context.as_deref().unwrap_or(&self.server),
            self.namespace
        )
    }
}

/// The recorded Secrets of `registry` written before its credentials were
/// last rotated, in record order. Empty for a registry never rotated or
/// never applied.
#[must_use]
pub fn stale_targets(data: &VaultData, registry: &RegistryId) -> Vec<StaleTarget> {
    data.registries
        .iter()
        .find(|r| &r.id == registry)
        .map(|r| stale_records(data, r).map(StaleTarget::of).collect())
        .unwrap_or_default()
}

/// The records behind `stale_targets` for a registry in hand: nothing to
/// look up, and nothing at all to walk for one never rotated (the detail
/// pane asks this on every frame).
pub fn stale_records<'a>(
    data: &'a VaultData,
    r: &'a Registry,
) -> impl Iterator<Item = &'a AppliedSecret> + 'a {
    let rotated = r.credentials_rotated_at;
    let records = if rotated.is_some() {
        data.kube.applied.as_slice()
    } else {
        &[]
    };
    records
        .iter()
        .filter(move |a| a.registry_id == r.id && rotated.is_some_and(|at| a.applied_at < at))
}

impl StaleTarget {
    fn of(a: &AppliedSecret) -> StaleTarget {
        StaleTarget {
            server: a.server.clone(),
            context: None,
            namespace: a.namespace.clone(),
            name: a.name.clone(),
        }
    }
}

/// Names each target's cluster by the kubeconfig context whose server it
/// is (the first such context). A kubeconfig that cannot be read leaves
/// the servers' URLs: the list is still true, only less friendly.
pub fn name_contexts(targets: &mut [StaleTarget], kubeconfig: Option<&Path>) {
    let Ok(known) = crate::deploy::kube::context_servers(kubeconfig) else {
        return;
    };
    for t in targets {
        t.context = known
            .iter()
            .find(|(_, s)| s.as_deref() == Some(t.server.as_str()))
            .map(|(n, _)| n.clone());
    }
}

/// The contexts to sync, each once, in the targets' order; `None` when
/// some server has no context in the kubeconfig (then only some can be
/// synced from here).
#[must_use]
pub fn contexts(targets: &[StaleTarget]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in targets.iter().filter_map(|t| t.context.clone()) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// `stale in 3 places: kind-a/env-prod, kind-a/env-dev, kind-b/env-prod`.
#[must_use]
pub fn summary(targets: &[StaleTarget]) -> String {
    let places: Vec<String> = targets.iter().map(StaleTarget::place).collect();
    let n = places.len();
    let noun = if n == 1 { "place" } else { "places" };
    format!("stale in {n} {noun}: {}", places.join(", "))
}

/// The command that updates them, as the CLI takes it.
#[must_use]
pub fn sync_command(registry: &str, targets: &[StaleTarget]) -> String {
    let contexts = contexts(targets);
    if contexts.is_empty() {
        format!("regvault sync {registry}")
    } else {
        format!("regvault sync {registry} --context {}", contexts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &RegistryId, ns: &str, at: &str) -> AppliedSecret {
        AppliedSecret {
            registry_id: id.clone(),
            server: "https://127.0.0.1:6443".into(),
            namespace: ns.into(),
            name: "ghcr-creds".into(),
            uid: format!("uid-{ns}"),
            applied_at: at.parse().unwrap(),
        }
    }

    #[test]
    fn only_secrets_written_before_the_rotation_are_stale() {
        let mut data = VaultData::default();
        let (id, _) = data
            .add_registry(
                crate::model::NewRegistry {
                    name: "public".into(),
                    kind: crate::registry::RegistryKind::Public,
                    credentials: crate::registry::Credentials::new(),
                },
                "ops",
                jiff::Timestamp::UNIX_EPOCH,
            )
            .unwrap();
        data.registries[0].credentials_rotated_at = Some("2026-11-01T00:00:00Z".parse().unwrap());
        data.kube.applied = vec![
            rec(&id, "env-prod", "2026-10-01T00:00:00Z"),
            rec(&id, "env-dev", "2026-11-02T00:00:00Z"),
        ];
        let stale = stale_targets(&data, &id);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].place(), "https://127.0.0.1:6443/env-prod");
        assert_eq!(
            summary(&stale),
            "stale in 1 place: https://127.0.0.1:6443/env-prod"
        );
        assert_eq!(sync_command("ghcr-acme", &stale), "regvault sync ghcr-acme");
        data.registries[0].credentials_rotated_at = None;
        assert!(
            stale_targets(&data, &id).is_empty(),
            "never rotated: nothing stale"
        );
    }
}
