//! `regvault apply|sync|status|refresh|prune`: pull secrets in Kubernetes.
//!
//! Argument parsing and printing around `ops::kube`: the plan is shown
//! first (secret data redacted), then applied; every namespace reports its
//! own outcome and the exit code is the worst class among them (1 failed,
//! 3 forbidden; `cli::exit`). ECR
//! registries get a fresh 12-hour token first (kept in the vault).
//! Environment: `KUBECONFIG`, `REGVAULT_AWS_ENDPOINT`. Ctrl-C stops before
//! the next namespace and the report says which were done.

use std::fmt::Write as _;

use anyhow::Context;
use clap::Args;
use jiff::SignedDuration;
use serde_json::{Value, json};

use super::output::print_json;
use super::{Global, block_on, keys};
use crate::cli::output::outln;
use crate::deploy::kube::{Change, ManagedSecret, ServiceAccounts, foreign_message};
use crate::ops::fleet::{self, Contexts};
use crate::ops::kube::{
    self as ops, ApplySettings, ClusterTarget, KubePlan, KubeReport, KubeRequest, PruneReport,
    StatusReport,
};
use crate::ops::quiet;

#[derive(Debug, Args)]
pub struct Target {
    /// The kubeconfig context [default: the current context of KUBECONFIG];
    /// several (`a,b,c`, or repeated): each cluster in parallel, one
    /// report per cluster and namespace.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    context: Vec<String>,
    /// Every context of the kubeconfig, clusters in parallel.
    #[arg(long, conflicts_with = "context")]
    all_contexts: bool,
    /// The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<std::path::PathBuf>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The registry (id or name).
    registry: String,
    /// Environments to apply to (namespace `env-<environment>`); repeat or
    /// comma-separate.
    #[arg(long, short = 'e', value_delimiter = ',', value_name = "ENV")]
    environment: Vec<String>,
    /// Create missing namespaces.
    #[arg(long)]
    create_namespaces: bool,
    /// Take over a same-named secret (or deployment) regvault does not manage.
    #[arg(long)]
    adopt: bool,
    /// Ask the API server to validate everything without storing it.
    #[arg(long)]
    dry_run: bool,
    /// Also list the secret in these service accounts' imagePullSecrets in
    /// each namespace (`all`: every service account there; no value:
    /// `default`); their other entries are kept. `prune` takes regvault's
    /// entry out again.
    #[arg(long, value_delimiter = ',', value_name = "NAME|all", num_args = 0..=1, default_missing_value = "default")]
    service_account: Vec<String>,
    /// ECR: use the token from the last `registry test` or `refresh` (it
    /// must still be valid) instead of exchanging the keys for a fresh one.
    #[arg(long)]
    stored_ecr_token: bool,
    /// Remove this registry's managed secrets instead (same as `prune`).
    #[arg(long, conflicts_with_all = ["create_namespaces", "adopt", "service_account", "dry_run", "stored_ecr_token"])]
    remove: bool,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct RegistryEnvArgs {
    /// The registry (id or name).
    registry: String,
    /// Environments [default: those whose containers use the registry,
    /// plus those where this vault applied its secret]
    #[arg(long, short = 'e', value_delimiter = ',', value_name = "ENV")]
    environment: Vec<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Re-apply ECR secrets that expire within this window (`2h`, `90m`).
    #[arg(long, default_value = "2h", value_name = "DURATION")]
    within: String,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The registry (id or name; an id also works once it is deleted).
    registry: String,
    /// Only these environments [default: everywhere this vault applied it]
    #[arg(long, short = 'e', value_delimiter = ',', value_name = "ENV")]
    environment: Vec<String>,
    #[command(flatten)]
    target: Target,
}

fn request(registry: String, environments: Vec<String>, target: &Target) -> KubeRequest {
    KubeRequest {
        registry,
        context: target.context.first().cloned(),
        kubeconfig: target.kubeconfig.clone(),
        environments,
    }
}

impl Target {
    fn cluster(&self) -> ClusterTarget {
        ClusterTarget {
            context: self.context.first().cloned(),
            kubeconfig: self.kubeconfig.clone(),
        }
    }

    /// The contexts of a many-cluster run: `--all-contexts` or more than
    /// one `--context`; `None` for one cluster (the output of old).
    fn fleet(&self) -> anyhow::Result<Option<Vec<fleet::Target>>> {
        let which = if self.all_contexts {
            Contexts::All
        } else if self.context.len() > 1 {
            Contexts::Named(self.context.clone())
        } else {
            return Ok(None);
        };
        Ok(Some(fleet::resolve(&which, self.kubeconfig.as_deref())?))
    }
}

pub(super) fn print_plan(kp: &KubePlan) {
    print_plan_of(
        &kp.cluster.context,
        &kp.cluster.server,
        &kp.plan,
        &kp.planned,
    );
}

pub(super) fn print_plan_of(
    context: &str,
    server: &str,
    plan: &crate::deploy::PullSecretPlan,
    planned: &[crate::deploy::kube::NamespaceReport],
) {
    outln!(
        "context {} ({}) — registry {} ({}), secret {} for {} ({} bytes, redacted)",
        context,
        server,
        plan.registry_name,
        plan.registry_id,
        plan.secret_name,
        plan.server,
        plan.dockerconfigjson_len()
    );
    if let Some(at) = plan.expires_at {
        outln!("ECR token expires {at}");
    }
    for w in &plan.warnings {
        outln!("warning: {w}");
    }
    outln!("plan:");
    for r in planned {
        let ns = match r.namespace_change {
            Some(Change::Create) => "create",
            _ => "existing",
        };
        outln!("  namespace {} ({ns})", r.namespace);
        for o in &r.objects {
            outln!("    {:<10} {:<40} {}", o.kind, o.name, o.change.as_str());
        }
        if let Some(m) = &r.message {
            outln!("    ! {m}");
        }
    }
}

/// Secrets with regvault's marks that this vault did not apply.
fn print_foreign(foreign: &[ManagedSecret]) {
    for f in foreign {
        outln!("foreign: {}", foreign_message(&f.namespace, &f.name));
    }
}

pub(super) fn print_results(report: &KubeReport) {
    outln!("{}:", if report.dry_run { "dry run" } else { "results" });
    for r in &report.reports {
        match &r.message {
            Some(m) => outln!("  {:<24} {} — {m}", r.namespace, r.outcome.as_str()),
            None => outln!("  {:<24} {}", r.namespace, r.outcome.as_str()),
        }
    }
    if report.cancelled {
        outln!("cancelled: the namespaces marked cancelled were not started");
    }
    print_foreign(&report.foreign);
}

pub(super) fn report_json(report: &KubeReport) -> Value {
    json!({
        "context": report.context,
        "server": report.server,
        "dryRun": report.dry_run,
        "plan": report.plan.redacted(),
        "namespaces": report.reports,
        "warnings": report.warnings,
        "cancelled": report.cancelled,
        "foreign": report.foreign,
        "ok": !report.failed(),
    })
}

pub fn apply(g: &Global, args: ApplyArgs) -> anyhow::Result<i32> {
    if args.remove {
        return prune(
            g,
            &PruneArgs {
                registry: args.registry,
                environment: args.environment,
                target: args.target,
            },
        );
    }
    if args.environment.is_empty() {
        anyhow::bail!("give the environments to apply to: --environment staging,production");
    }
    let service_accounts =
        ServiceAccounts::parse(&args.service_account).map_err(anyhow::Error::msg)?;
    let settings = ApplySettings {
        create_namespaces: args.create_namespaces,
        adopt: args.adopt,
        dry_run: args.dry_run,
        service_accounts,
        fresh_ecr_token: !args.stored_ecr_token,
    };
    let store = keys::store(g)?;
    let req = request(args.registry, args.environment, &args.target);
    let json = args.target.json;
    if let Some(contexts) = args.target.fleet()? {
        return super::fleet::apply(&store, &req, &contexts, settings, json);
    }
    let report = block_on(async |cancel| {
        let kp = ops::plan_apply(&store, &req, settings, cancel).await?;
        show_and_run(&store, kp, json, cancel).await
    })??;
    Ok(kube_exit(&report))
}

/// The exit code of an apply or sync: the highest class among its
/// namespaces (a 403 is "refused", 3), at least 1 when anything failed.
pub(super) fn kube_exit(report: &KubeReport) -> i32 {
    let per_ns = report
        .reports
        .iter()
        .map(|n| crate::cli::exit::ExitClass::of_namespace(n.outcome));
    let any = if report.failed() {
        crate::cli::exit::ExitClass::Failed
    } else {
        crate::cli::exit::ExitClass::Ok
    };
    crate::cli::exit::ExitClass::worst(per_ns.chain([any])).code()
}

/// Shared by apply and sync: show the plan, apply it, print the results.
async fn show_and_run(
    store: &dyn crate::ops::VaultStore,
    kp: KubePlan,
    json: bool,
    cancel: &crate::ops::Cancel,
) -> anyhow::Result<KubeReport> {
    if !json {
        for w in &kp.warnings {
            outln!("warning: {w}");
        }
        print_plan(&kp);
    }
    let shown = kp.warnings.len();
    let report = ops::execute(store, kp, &quiet, cancel).await;
    if json {
        print_json(&report_json(&report));
    } else {
        print_results(&report);
        for w in report.warnings.iter().skip(shown) {
            outln!("warning: {w}");
        }
    }
    Ok(report)
}

pub fn sync(g: &Global, args: RegistryEnvArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let req = request(args.registry, args.environment, &args.target);
    let json = args.target.json;
    if let Some(contexts) = args.target.fleet()? {
        return super::fleet::sync(&store, &req, &contexts, json);
    }
    let report = block_on(async |cancel| {
        let kp = ops::plan_sync(&store, &req, cancel).await?;
        show_and_run(&store, kp, json, cancel).await
    })??;
    Ok(kube_exit(&report))
}

pub fn status(g: &Global, args: RegistryEnvArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let req = request(args.registry, args.environment, &args.target);
    if let Some(contexts) = args.target.fleet()? {
        return super::fleet::status(&store, &req, &contexts, args.target.json);
    }
    let report = block_on(async |_| ops::status(&store, &req).await)??;
    if args.target.json {
        print_json(&status_json(&report));
    } else {
        print_status(&report);
    }
    Ok(i32::from(report.failed()))
}

pub(super) fn status_json(report: &StatusReport) -> Value {
    let plan = &report.plan;
    json!({
        "context": report.context,
        "registry": {"id": plan.registry_id, "name": plan.registry_name},
        "secretName": plan.secret_name,
        "environments": report.states,
        "foreign": report.foreign,
        "ok": !report.failed(),
    })
}

pub(super) fn print_status(report: &StatusReport) {
    let plan = &report.plan;
    outln!(
        "context {} — registry {} ({}), secret {}",
        report.context,
        plan.registry_name,
        plan.registry_id,
        plan.secret_name
    );
    for s in &report.states {
        let what = s.status.map_or("unknown", |st| st.as_str());
        let mut line = format!("  {:<16} {:<24} {what}", s.environment, s.namespace);
        if let Some(at) = &s.expires_at {
            let _ = write!(line, "  (token expires {at})");
        }
        if let Some(m) = &s.message {
            let _ = write!(line, "  — {m}");
        }
        outln!("{line}");
    }
    print_foreign(&report.foreign);
}

pub fn refresh(g: &Global, args: &RefreshArgs) -> anyhow::Result<i32> {
    let within: SignedDuration = args
        .within
        .parse()
        .with_context(|| format!("--within {}: not a duration (2h, 90m)", args.within))?;
    if args.target.all_contexts || args.target.context.len() > 1 {
        anyhow::bail!(
            "refresh works on one cluster at a time: give one --context (cron: one line per cluster)"
        );
    }
    let store = keys::store(g)?;
    let cluster = args.target.cluster();
    let report =
        block_on(async |cancel| ops::refresh(&store, &cluster, within, &quiet, cancel).await)??;
    if args.target.json {
        let refreshed: Vec<Value> = report
            .refreshed
            .iter()
            .map(|r| match &r.error {
                Some(e) => json!({"registry": r.name, "error": e}),
                None => json!({
                    "registry": r.name,
                    "id": r.id,
                    "expiresAt": r.expires_at.map(|t| t.to_string()),
                    "namespaces": r.reports,
                    "warnings": r.warnings,
                }),
            })
            .collect();
        print_json(&json!({"context": report.context, "within": args.within,
            "refreshed": refreshed, "cancelled": report.cancelled,
            "foreign": report.foreign}));
    } else if report.refreshed.is_empty() {
        outln!(
            "no ECR secret expires within {} (context {})",
            args.within,
            report.context
        );
    } else {
        for r in &report.refreshed {
            if let Some(e) = &r.error {
                outln!("{}: {e}", r.name);
                continue;
            }
            outln!(
                "{}: new token, expires {}",
                r.name,
                r.expires_at
                    .map_or_else(|| "?".to_owned(), |t| t.to_string())
            );
            for w in &r.warnings {
                outln!("  warning: {w}");
            }
            for n in &r.reports {
                outln!("  {:<24} {}", n.namespace, n.outcome.as_str());
            }
        }
    }
    if !args.target.json {
        print_foreign(&report.foreign);
    }
    Ok(i32::from(report.failed()))
}

pub fn prune(g: &Global, args: &PruneArgs) -> anyhow::Result<i32> {
    // The registry may be gone from the vault already: an id still works
    // (its records are kept until its secrets are pruned).
    let store = keys::store(g)?;
    let data = crate::ops::VaultStore::read(&store)?;
    let id = ops::prune_target(Some(&data), &args.registry)?;
    drop(data);
    if let Some(contexts) = args.target.fleet()? {
        return super::fleet::prune(
            &store,
            &id,
            args.target.kubeconfig.as_ref(),
            &contexts,
            &args.environment,
            args.target.json,
        );
    }
    let cluster = args.target.cluster();
    let report = block_on(async |cancel| {
        ops::prune(&store, &id, &cluster, &args.environment, &quiet, cancel).await
    })??;
    if args.target.json {
        print_json(&prune_json(&report));
    } else {
        print_prune(&report);
    }
    Ok(i32::from(report.failed()))
}

pub(super) fn prune_json(report: &PruneReport) -> Value {
    json!({"context": report.context, "registry": report.registry,
        "secrets": report.secrets, "cancelled": report.cancelled,
        "warnings": report.warnings, "ok": !report.failed()})
}

pub(super) fn print_prune(report: &PruneReport) {
    if report.secrets.is_empty() {
        outln!(
            "no managed secret of {} in context {}",
            report.registry,
            report.context
        );
    } else {
        for s in &report.secrets {
            outln!(
                "  {}/{} {}{}",
                s.namespace,
                s.name,
                s.outcome.as_str(),
                s.message
                    .as_deref()
                    .map(|m| format!(" — {m}"))
                    .unwrap_or_default()
            );
        }
    }
    for w in &report.warnings {
        outln!("warning: {w}");
    }
}
