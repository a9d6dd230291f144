//! `apply|sync|status|prune --context a,b,c` and `--all-contexts`: the
//! one-cluster output of `cli::deploy` once per cluster, then one line per
//! (cluster, namespace); with `--json`, one object per cluster under
//! `clusters` and the flat `results`. A cluster that could not be worked
//! on is reported by its context and does not stop the others; the exit
//! code is the worst class: 1 when any cluster or namespace failed, 3 for
//! apply/sync when a namespace was forbidden.

use serde_json::{Value, json};

use super::block_on;
use super::deploy::{
    print_plan_of, print_prune, print_results, print_status, prune_json, report_json, status_json,
};
use super::output::print_json;
use crate::cli::output::outln;
use crate::model::RegistryId;
use crate::ops::FileStore;
use crate::ops::fleet::{self, Applied, FleetRun, PerCluster, Target};
use crate::ops::kube::{ApplySettings, KubeReport, KubeRequest};

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

fn applied_json(a: &Applied) -> Value {
    report_json(&a.report)
}

fn applied_rows(context: &str, a: &Applied) -> Vec<Value> {
    namespace_rows(context, &a.report)
}

fn applied_failed(a: &Applied) -> bool {
    a.report.failed()
}

pub(super) fn apply(
    store: &FileStore,
    req: &KubeRequest,
    targets: &[Target],
    settings: ApplySettings,
    json: bool,
) -> anyhow::Result<i32> {
    let run = block_on(async |cancel| {
        fleet::apply(store, req, targets, settings, &|_, _| {}, cancel).await
    })??;
    Ok(show(&run, json))
}

pub(super) fn sync(
    store: &FileStore,
    req: &KubeRequest,
    targets: &[Target],
    json: bool,
) -> anyhow::Result<i32> {
    let run = block_on(async |cancel| fleet::sync(store, req, targets, &|_, _| {}, cancel).await)??;
    Ok(show(&run, json))
}

/// Each cluster's plan and results (in the contexts' order), then the
/// summary; the exit code.
fn show(run: &FleetRun, json: bool) -> i32 {
    if json {
        let mut v = fleet_json(&run.clusters, applied_json, applied_rows, applied_failed);
        v["warnings"] = json!(run.warnings);
        print_json(&v);
    } else {
        for w in &run.warnings {
            outln!("warning: {w}");
        }
        for c in &run.clusters {
            match &c.result {
                Ok(a) => {
                    for w in &a.plan_warnings {
                        outln!("warning: {w}");
                    }
                    print_plan_of(&a.context, &a.server, &a.report.plan, &a.planned);
                    print_results(&a.report);
                    for w in a.report.warnings.iter().skip(a.plan_warnings.len()) {
                        outln!("warning: {w}");
                    }
                }
                Err(e) => outln!("context {}: not applied — {e}", c.context),
            }
        }
        summary(&run.clusters, applied_failed);
    }
    // The highest class over the clusters: a namespace refused (403) is 3;
    // a cluster that could not be worked on at all is 1.
    let worst = run
        .clusters
        .iter()
        .map(|c| {
            c.result
                .as_ref()
                .map_or(1, |a| super::deploy::kube_exit(&a.report))
        })
        .max()
        .unwrap_or(0);
    worst.max(any_failed(&run.clusters, applied_failed))
}

pub(super) fn status(
    store: &FileStore,
    req: &KubeRequest,
    targets: &[Target],
    json: bool,
) -> anyhow::Result<i32> {
    let all = block_on(async |_| fleet::status(store, req, targets).await)?;
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
    targets: &[Target],
    environments: &[String],
    json: bool,
) -> anyhow::Result<i32> {
    let all = block_on(async |cancel| {
        fleet::prune(store, id, kubeconfig, targets, environments, cancel).await
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
