//! Test fixtures: models with a fixed clock, user and fake vault path, so
//! snapshots never show real times or paths.

use jiff::Timestamp;

use super::keymap::Keymap;
use super::state::{Context, Model};
use crate::model::VaultData;

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
    }
}

/// The demo seed, created by `USER` (one registry by alice@ops-laptop).
pub fn demo() -> VaultData {
    super::demo_data(USER).expect("demo seed parses")
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
    }
}
