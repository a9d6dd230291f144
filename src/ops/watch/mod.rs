//! `regvault watch`: keeps each registry's pull Secret in place, in every
//! kubeconfig context given, until cancelled (SIGTERM, SIGINT).
//!
//! Per context, two event sources ([`source`]) list and then watch the
//! namespaces and the Secrets (metadata only) through the Kubernetes
//! watch API, and one reconciler ([`reconcile`]) acts on their events one
//! at a time:
//! - a namespace `env-<e>` that appears gets, for every registry that a
//!   container of environment `<e>` uses **in the vault**, what `apply`
//!   puts there (the Secret and the Deployments' references);
//! - a Secret the vault recorded (cluster, namespace, name, uid) that is
//!   deleted is created again; one edited by hand is put back in place
//!   (server-side apply conditional on the recorded uid); a Secret of the
//!   same name that is not the recorded object is never written;
//! - ECR tokens are renewed by their recorded expiry minus a margin
//!   ([`ecr`]), and pushed to the recorded Secrets;
//! - with `auto_sync`, a rotation saved in the vault (the file changes, the
//!   credentials' digest differs) is pushed to every recorded Secret.
//!
//! What is regvault's is the vault's to say, never a label in the cluster.
//! The reconciler finishes the write in flight when cancelled. What it
//! did is reported as typed [`WatchEvent`]s (for the output and the audit
//! log) and in a state file ([`state`]).

mod ecr;
mod reconcile;
pub mod source;
pub mod state;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::kube::ClusterTarget;
use super::{Cancel, OpsError, VaultStore};
use crate::deploy::kube::Cluster;
pub use state::{ContextState, WatchState};

/// How a watch runs.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// One per context (an empty list: the kubeconfig's current context).
    pub targets: Vec<ClusterTarget>,
    /// Push a rotation saved in the vault to every recorded Secret.
    pub auto_sync: bool,
    /// An ECR token is renewed this long before its recorded expiry.
    pub ecr_margin: SignedDuration,
    /// The vault file, looked at (size, time, inode) every second for
    /// saves by another process; `None`: never reopened.
    pub vault_file: Option<PathBuf>,
    /// Where the state is written; `None`: nowhere.
    pub state_file: Option<PathBuf>,
    /// Every `ServiceAccount` in a namespace where the vault recorded a
    /// registry's Secret lists it in `imagePullSecrets` (new ones too).
    pub service_accounts: bool,
}

/// Why a managed Secret was put back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RepairCause {
    Deleted,
    Edited,
}

/// What a watch did or saw: one line of output, one audit-log entry. Never
/// a secret: names, ids and times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum WatchEvent {
    /// Both watches of a context are open.
    Connected { context: String },
    /// A watch of a context failed; it is retried.
    Disconnected { context: String, message: String },
    /// A namespace got the registry's Secret (created, or made current).
    Covered {
        context: String,
        namespace: String,
        registry: String,
        secret: String,
    },
    /// A managed Secret deleted or edited by hand was put back.
    Repaired {
        context: String,
        namespace: String,
        registry: String,
        secret: String,
        cause: RepairCause,
    },
    /// A rotation saved in the vault reached the recorded Secrets.
    Synced {
        context: String,
        registry: String,
        namespaces: Vec<String>,
    },
    /// An ECR token was renewed and pushed.
    EcrRefreshed {
        context: String,
        registry: String,
        expires_at: Option<Timestamp>,
        namespaces: Vec<String>,
    },
    /// A `ServiceAccount` now lists the pull Secret (`--service-accounts`).
    ServiceAccountCovered {
        context: String,
        namespace: String,
        service_account: String,
        secret: String,
    },
    /// Left untouched: not the Secret the vault recorded (unmanaged or
    /// foreign).
    Refused {
        context: String,
        namespace: String,
        secret: String,
        message: String,
    },
    /// Something could not be done; the watch goes on.
    Failed { context: String, message: String },
}

impl std::fmt::Display for WatchEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchEvent::Connected { context } => write!(f, "[{context}] connected"),
            WatchEvent::Disconnected { context, message } => {
                write!(f, "[{context}] disconnected ({message}); retrying")
            }
            WatchEvent::Covered {
                context,
                namespace,
                registry,
                secret,
            } => write!(
                f,
                "[{context}] {namespace}: {secret} applied ('{registry}')"
            ),
            WatchEvent::Repaired {
                context,
                namespace,
                registry,
                secret,
                cause,
            } => {
                let what = match cause {
                    RepairCause::Deleted => "was deleted: created again",
                    RepairCause::Edited => "was edited: put back",
                };
                write!(f, "[{context}] {namespace}: {secret} {what} ('{registry}')")
            }
            WatchEvent::Synced {
                context,
                registry,
                namespaces,
            } => write!(
                f,
                "[{context}] '{registry}': rotation pushed to {}",
                namespaces.join(", ")
            ),
            WatchEvent::EcrRefreshed {
                context,
                registry,
                expires_at,
                namespaces,
            } => write!(
                f,
                "[{context}] '{registry}': ECR token renewed (expires {}), pushed to {}",
                expires_at.map_or_else(|| "?".to_owned(), |t| t.to_string()),
                namespaces.join(", ")
            ),
            WatchEvent::ServiceAccountCovered {
                context,
                namespace,
                service_account,
                secret,
            } => write!(
                f,
                "[{context}] {namespace}: serviceaccount {service_account} lists {secret}"
            ),
            WatchEvent::Refused {
                context, message, ..
            } => write!(f, "[{context}] {message}"),
            WatchEvent::Failed { context, message } => write!(f, "[{context}] error: {message}"),
        }
    }
}

/// Receives every event as it happens.
pub type EventSink = Arc<dyn Fn(&WatchEvent) + Send + Sync>;

/// The state shared by the contexts' loops, and where it is written.
#[derive(Clone)]
pub(crate) struct Shared {
    state: Arc<Mutex<WatchState>>,
    file: Option<PathBuf>,
    sink: EventSink,
}

impl Shared {
    pub(crate) fn update(&self, change: impl FnOnce(&mut WatchState)) {
        let snapshot = {
            let Ok(mut s) = self.state.lock() else {
                return;
            };
            change(&mut s);
            s.updated_at = Some(Timestamp::now());
            s.clone()
        };
        if let Some(file) = &self.file
            && let Err(e) = state::write(file, &snapshot)
        {
            // The state file is a report; the watch goes on without it.
            eprintln!("regvault watch: state file {}: {e}", file.display());
        }
    }

    pub(crate) fn emit(&self, e: &WatchEvent) {
        (self.sink)(e);
    }
}

/// Runs the watch until `cancel`: connects every context first (a bad
/// context name is an error before anything runs), then one loop per
/// context. Returns when all loops have finished their write in flight.
///
/// # Errors
/// A context cannot be used (no kubeconfig, no such context); the vault
/// cannot be read.
pub async fn run(
    store: Arc<dyn VaultStore>,
    opts: WatchOptions,
    sink: EventSink,
    cancel: Cancel,
) -> Result<(), OpsError> {
    store.read()?;
    let targets = if opts.targets.is_empty() {
        vec![ClusterTarget::default()]
    } else {
        opts.targets.clone()
    };
    let mut clusters = Vec::with_capacity(targets.len());
    for t in &targets {
        clusters.push(Cluster::connect(t.context.as_deref(), t.kubeconfig.as_deref()).await?);
    }
    let shared = Shared {
        state: Arc::new(Mutex::new(WatchState {
            pid: std::process::id(),
            started_at: Some(Timestamp::now()),
            running: true,
            auto_sync: opts.auto_sync,
            ..WatchState::default()
        })),
        file: opts.state_file.clone(),
        sink,
    };
    shared.update(|s| {
        for c in &clusters {
            let st = s.context_mut(&c.context);
            st.server.clone_from(&c.server);
        }
    });
    // The loops run in this task, side by side (their futures borrow
    // across awaits in ways `tokio::spawn`'s `Send` bound cannot prove).
    let loops = clusters.into_iter().map(|cluster| {
        reconcile::Reconciler::new(cluster, Arc::clone(&store), opts.clone(), shared.clone())
            .run(cancel.clone())
    });
    futures_util::future::join_all(loops).await;
    shared.update(|s| {
        s.running = false;
        for c in &mut s.contexts {
            c.connected = false;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_as_camel_case_json_lines() {
        let e = WatchEvent::EcrRefreshed {
            context: "prod".into(),
            registry: "ecr".into(),
            expires_at: None,
            namespaces: vec!["env-a".into()],
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"], "ecrRefreshed");
        assert!(v.get("expiresAt").is_some(), "{v}");
        let r = WatchEvent::Repaired {
            context: "prod".into(),
            namespace: "env-a".into(),
            registry: "ghcr".into(),
            secret: "ghcr-creds".into(),
            cause: RepairCause::Deleted,
        };
        assert_eq!(serde_json::to_value(&r).unwrap()["cause"], "deleted");
        assert_eq!(
            r.to_string(),
            "[prod] env-a: ghcr-creds was deleted: created again ('ghcr')"
        );
    }
}
