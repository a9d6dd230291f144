//! `apply|sync|status|prune --context a,b,c` and `--all-contexts`: the
//! one-cluster output of `cli::deploy` once per cluster, then one line per
//! (cluster, namespace); with `--json`, one object per cluster under
//! `clusters` and the flat `results`. A cluster that could not be worked
//! on is reported by its context and does not stop the others; the exit
//! code is 1 when any cluster or namespace failed.

use serde_json::{Value, json};

use super::block_on;
use super::deploy::{
    print_plan, print_prune, print_results, print_status, prune_json, report_json, status_json,
};
use super::output::print_json;
use crate::cli::output::outln;
use crate::model::RegistryId;
use crate::ops::fleet::{self, FleetPlan, PerCluster};
use crate::ops::kube::{ApplySettings, KubeReport, KubeRequest};
use crate::ops::{FileStore, VaultStore};

fn failed_cluster(context: &str, error: &str) -> Value {
    json!({"context": context, "error": error, "ok": false})
}

/// The whole command's JSON: per cluster, the flat (cluster, namespace)
/// results, and whether everything went well.
fn fleet_json<T>(
    all: &[PerCluster<T>],
    one: impl Fn(&T) -> Value,
    rows: impl Fn(&str, &T) -> Vec<Value>,
    failed: impl Fn(&T) -> bool,
) -> Value {
    let mut results = Vec::new();
    let clusters: Vec<Value> = all
        .iter()
        .map(|c| match &c.result {
            Ok(r) => {
                results.extend(rows(&c.context, r));
                one(r)
            }
            Err(e) => {
                results.push(json!({"context": c.context, "outcome": "error", "message": e}));
                failed_cluster(&c.context, e)
            }
        })
        .collect();
    let ok = all
        .iter()
        .all(|c| c.result.as_ref().is_ok_and(|r| !failed(r)));
    json!({"clusters": clusters, "results": results, "ok": ok})
}

fn any_failed<T>(all: &[PerCluster<T>], failed: impl Fn(&T) -> bool) -> i32 {
    i32::from(
        all.iter()
            .any(|c| !c.result.as_ref().is_ok_and(|r| !failed(r))),
    )
}

/// The summary after the per-cluster output.
fn summary<T>(all: &[PerCluster<T>], failed: impl Fn(&T) -> bool) {
    let bad: Vec<&str> = all
        .iter()
        .filter(|c| !c.result.as_ref().is_ok_and(|r| !failed(r)))
        .map(|c| c.context.as_str())
        .collect();
    if bad.is_empty() {
        outln!("{} clusters: all ok", all.len());
    } else {
        outln!(
            "{} clusters: {} ok, failed: {}",
            all.len(),
            all.len() - bad.len(),
            bad.join(", ")
        );
    }
}

fn namespace_rows(context: &str, r: &KubeReport) -> Vec<Value> {
    r.reports
        .iter()
        .map(|n| {
            json!({"context": context, "server": r.server, "namespace": n.namespace,
                "environment": n.environment, "outcome": n.outcome, "message": n.message})
        })
        .collect()
}

pub(super) fn apply(
    store: &FileStore,
    req: &KubeRequest,
    contexts: &[String],
    settings: ApplySettings,
    json: bool,
) -> anyhow::Result<i32> {
    let done = block_on(async |cancel| {
        let fp = fleet::plan_apply(store, req, contexts, settings, cancel).await?;
        Ok::<_, crate::ops::OpsError>(run(store, fp, json, cancel).await)
    })??;
    Ok(done)
}

pub(super) fn sync(
    store: &FileStore,
    req: &KubeRequest,
    contexts: &[String],
    json: bool,
) -> anyhow::Result<i32> {
    let done = block_on(async |cancel| {
        let fp = fleet::plan_sync(store, req, contexts, cancel).await?;
        Ok::<_, crate::ops::OpsError>(run(store, fp, json, cancel).await)
    })??;
    Ok(done)
}

/// Shows every cluster's plan, applies them all, prints the results.
async fn run(
    store: &dyn VaultStore,
    fp: FleetPlan,
    json: bool,
    cancel: &crate::ops::Cancel,
) -> i32 {
    if !json {
        for w in &fp.warnings {
            outln!("warning: {w}");
        }
        for c in &fp.clusters {
            match &c.result {
                Ok(kp) => {
                    for w in &kp.warnings {
                        outln!("warning: {w}");
                    }
                    print_plan(kp);
                }
                Err(e) => outln!("context {}: {e}", c.context),
            }
        }
    }
    let reports = fleet::execute(store, fp.clusters, &|_, _| {}, cancel).await;
    if json {
        let mut v = fleet_json(&reports, report_json, namespace_rows, KubeReport::failed);
        v["warnings"] = json!(fp.warnings);
        print_json(&v);
    } else {
        for c in &reports {
            match &c.result {
                Ok(r) => {
                    outln!("context {} ({}):", c.context, r.server);
                    print_results(r);
                    for w in &r.warnings {
                        outln!("warning: {w}");
                    }
                }
                Err(e) => outln!("context {}: not applied — {e}", c.context),
            }
        }
        summary(&reports, KubeReport::failed);
    }
    any_failed(&reports, KubeReport::failed)
}

pub(super) fn status(
    store: &FileStore,
    req: &KubeRequest,
    contexts: &[String],
    json: bool,
) -> anyhow::Result<i32> {
    let all = block_on(async |_| fleet::status(store, req, contexts).await)?;
    let failed = |r: &crate::ops::kube::StatusReport| r.failed();
    if json {
        let rows = |context: &str, r: &crate::ops::kube::StatusReport| {
            r.states
                .iter()
                .map(|s| {
                    json!({"context": context, "namespace": s.namespace,
                        "environment": s.environment, "status": s.status, "message": s.message})
                })
                .collect()
        };
        print_json(&fleet_json(&all, status_json, rows, failed));
    } else {
        for c in &all {
            match &c.result {
                Ok(r) => print_status(r),
                Err(e) => outln!("context {}: {e}", c.context),
            }
        }
        summary(&all, failed);
    }
    Ok(any_failed(&all, failed))
}

pub(super) fn prune(
    store: &FileStore,
    id: &RegistryId,
    kubeconfig: Option<&std::path::PathBuf>,
    contexts: &[String],
    environments: &[String],
    json: bool,
) -> anyhow::Result<i32> {
    let all = block_on(async |cancel| {
        fleet::prune(store, id, kubeconfig, contexts, environments, cancel).await
    })?;
    let failed = |r: &crate::ops::kube::PruneReport| r.failed();
    if json {
        let rows = |context: &str, r: &crate::ops::kube::PruneReport| {
            r.secrets
                .iter()
                .map(|s| {
                    json!({"context": context, "namespace": s.namespace, "name": s.name,
                        "outcome": s.outcome, "message": s.message})
                })
                .collect()
        };
        print_json(&fleet_json(&all, prune_json, rows, failed));
    } else {
        for c in &all {
            match &c.result {
                Ok(r) => {
                    outln!("context {}:", c.context);
                    print_prune(r);
                }
                Err(e) => outln!("context {}: {e}", c.context),
            }
        }
        summary(&all, failed);
    }
    Ok(any_failed(&all, failed))
}
