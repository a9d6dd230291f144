//! `regvault watch`: the thin face of `ops::watch` — keeps pull secrets in
//! place until SIGTERM or SIGINT — and `regvault watch status`.

use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jiff::SignedDuration;
use serde_json::json;

use super::output::{outln, print_json};
use super::{Global, keys};
use crate::ops::VaultStore;
use crate::ops::kube::ClusterTarget;
use crate::ops::watch::{self, WatchOptions, state};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WatchArgs {
    #[command(subcommand)]
    cmd: Option<WatchCmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum WatchCmd {
    /// What the running watch of this vault reports: contexts, connected,
    /// last event, repairs, next ECR refresh.
    Status {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Kubeconfig contexts to keep (repeat or comma-separate) [default: the
    /// current context]
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    context: Vec<String>,
    /// The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<std::path::PathBuf>,
    /// Push a rotation saved in the vault to every secret regvault applied.
    #[arg(long)]
    auto_sync: bool,
    /// Every ServiceAccount (new ones too) in a namespace that has the
    /// registry's secret lists it in imagePullSecrets.
    #[arg(long)]
    service_accounts: bool,
    /// Renew an ECR token this long before it expires (30m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    ecr_margin: String,
    /// Print each event as a JSON line.
    #[arg(long)]
    json: bool,
}

pub fn run(g: &Global, args: &WatchArgs) -> anyhow::Result<i32> {
    match &args.cmd {
        Some(WatchCmd::Status { json }) => status(g, *json),
        None => watch(g, &args.run),
    }
}

fn watch(g: &Global, args: &RunArgs) -> anyhow::Result<i32> {
    let ecr_margin: SignedDuration = args
        .ecr_margin
        .parse()
        .with_context(|| format!("--ecr-margin {}: not a duration (30m, 1h)", args.ecr_margin))?;
    if ecr_margin.is_negative() {
        anyhow::bail!("--ecr-margin cannot be negative");
    }
    let path = keys::vault_path(g);
    // Runs unattended: never a prompt.
    let keys = keys::unattended_key_sources(g, &path)?;
    let store = Arc::new(crate::ops::FileStore::new(path.clone(), keys));
    let targets = if args.context.is_empty() {
        vec![ClusterTarget {
            context: None,
            kubeconfig: args.kubeconfig.clone(),
        }]
    } else {
        args.context
            .iter()
            .map(|c| ClusterTarget {
                context: Some(c.clone()),
                kubeconfig: args.kubeconfig.clone(),
            })
            .collect()
    };
    let opts = WatchOptions {
        targets,
        auto_sync: args.auto_sync,
        ecr_margin,
        vault_file: Some(path.clone()),
        state_file: Some(state::state_file(&path)),
        service_accounts: args.service_accounts,
    };
    let json = args.json;
    let log_store: Arc<dyn VaultStore> = store.clone();
    let sink: watch::EventSink = Arc::new(move |e| {
        if json {
            outln!("{}", serde_json::to_string(e).unwrap_or_default());
        } else {
            outln!("{e}");
        }
        audit_event(&*log_store, e);
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let cancel = crate::ops::Cancel::new();
        let on_signal = cancel.clone();
        let signals = tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            on_signal.cancel();
        });
        let out = watch::run(store, opts, sink, cancel).await;
        signals.abort();
        out
    })?;
    Ok(0)
}

fn status(g: &Global, json: bool) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    let file = state::state_file(&path);
    let Ok(mut s) = state::read(&file) else {
        if json {
            print_json(&json!({"running": false, "contexts": []}));
        } else {
            outln!("no watch has run for {}", path.display());
        }
        return Ok(1);
    };
    // A watch that was killed leaves a file that says it runs.
    if s.running && !state::alive(s.pid) {
        s.running = false;
    }
    if json {
        print_json(&serde_json::to_value(&s)?);
        return Ok(i32::from(!s.running));
    }
    outln!("{}", s.summary());
    for c in &s.contexts {
        outln!(
            "{}  {}  {}",
            c.context,
            c.server,
            if c.connected {
                "connected"
            } else {
                "disconnected"
            }
        );
        outln!(
            "  repaired {}, covered {}, synced {}, ECR renewals {}",
            c.repairs,
            c.covered,
            c.synced,
            c.ecr_refreshes
        );
        if let Some(next) = c.next_ecr_refresh {
            outln!("  next ECR refresh {next}");
        }
        if let Some(e) = &c.last_event {
            outln!("  last event {}: {}", e.at, e.text);
        }
        if let Some(e) = &c.last_error {
            outln!("  last error: {e}");
        }
    }
    Ok(i32::from(!s.running))
}

/// What `watch` wrote to a cluster goes into the audit log like the same
/// change made by hand: a namespace covered (apply), a Secret put back
/// (repair), a rotation pushed (sync), an ECR token renewed (refresh), a
/// Secret left alone because it is not the recorded one (refused).
/// Connection events are not logged (they say nothing about credentials).
fn audit_event(store: &dyn VaultStore, e: &watch::WatchEvent) {
    use crate::ops::AuditAction;
    use watch::WatchEvent as E;
    let (action, registry, place, refused) = match e {
        E::Covered {
            context,
            namespace,
            registry,
            ..
        } => (
            AuditAction::Apply,
            Some(registry),
            format!("{context}: {namespace} (new namespace)"),
            None,
        ),
        E::Repaired {
            context,
            namespace,
            registry,
            secret,
            cause,
        } => (
            AuditAction::Repair,
            Some(registry),
            format!("{context}: {namespace}/{secret} ({cause:?})"),
            None,
        ),
        E::Synced {
            context,
            registry,
            namespaces,
        } => (
            AuditAction::Sync,
            Some(registry),
            format!("{context}: {}", namespaces.join(" ")),
            None,
        ),
        E::EcrRefreshed {
            context,
            registry,
            namespaces,
            ..
        } => (
            AuditAction::Refresh,
            Some(registry),
            format!("{context}: {}", namespaces.join(" ")),
            None,
        ),
        E::Refused {
            context,
            namespace,
            secret,
            message,
        } => (
            AuditAction::Repair,
            None,
            format!("{context}: {namespace}/{secret}"),
            Some(message.as_str()),
        ),
        E::Connected { .. }
        | E::Disconnected { .. }
        | E::ServiceAccountCovered { .. }
        | E::Failed { .. } => return,
    };
    let mut entry = store.entry(action).place(place);
    if let Some(wanted) = registry {
        let named = store.read().ok().and_then(|d| {
            d.find_registry(wanted)
                .ok()
                .map(|r| (r.id.to_string(), r.name.clone()))
        });
        if let Some((id, name)) = named {
            entry = entry.registry(id, name);
        }
    }
    if let Some(why) = refused {
        entry = entry.refused(&why);
    }
    store.record(&entry);
}
