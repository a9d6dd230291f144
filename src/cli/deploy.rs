//! `regvault apply|sync|status|refresh|prune`: pull secrets in Kubernetes.
//!
//! Each is a thin face over `deploy::kube::Cluster` and the pure plan: the
//! plan is shown first (secret data redacted), then applied; every
//! namespace reports its own outcome and the exit code is 1 when any
//! namespace failed. ECR registries get a fresh 12-hour token first (kept
//! in the vault). Environment: `KUBECONFIG`, `REGVAULT_AWS_ENDPOINT`.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::output::print_json;
use super::{Global, keys};
use crate::deploy::kube::{ApplyOptions, Change, Cluster, ManagedSecret, NamespaceReport};
use crate::deploy::{PullSecretPlan, environments_using};
use crate::model::{Registry, RegistryId, RuleError, VaultData};
use crate::probe::{self, ProbeOptions};
use crate::registry::RegistryKind;
use crate::vault::Vault;

/// ECR tokens live 12 hours.
const ECR_TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

#[derive(Debug, Args)]
pub struct Target {
    /// The kubeconfig context [default: the current context of KUBECONFIG]
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
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
    /// Also add the secret to each namespace's `default` ServiceAccount.
    #[arg(long)]
    service_account: bool,
    /// Remove this registry's managed secrets instead (same as `prune`).
    #[arg(long, conflicts_with_all = ["create_namespaces", "adopt", "service_account", "dry_run"])]
    remove: bool,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct RegistryEnvArgs {
    /// The registry (id or name).
    registry: String,
    /// Environments [default: those whose containers use the registry,
    /// plus those where its secret is found]
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
    /// Only these environments [default: everywhere it was applied]
    #[arg(long, short = 'e', value_delimiter = ',', value_name = "ENV")]
    environment: Vec<String>,
    #[command(flatten)]
    target: Target,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// ECR: trades the keys for a fresh token and keeps it in the vault. An
/// expiry that is already past (clock skew, an emulator) is replaced by
/// the documented 12 hours from now, with a warning.
async fn refresh_ecr_token(vault: &mut Vault, id: &RegistryId) -> anyhow::Result<Vec<String>> {
    let r = vault.data().find_registry(id.as_str())?;
    let mut opts = ProbeOptions::from_env(RegistryKind::Ecr);
    opts.connection = r.connection.clone();
    let name = r.name.clone();
    let mut grant = probe::ecr_token(&r.credentials, &opts)
        .await
        .map_err(|f| anyhow::anyhow!("ECR token for '{name}' ({}): {}", f.outcome, f.hint))?;
    let mut warnings = Vec::new();
    let now = Timestamp::now();
    if grant.expires_at <= now {
        warnings.push(format!(
            "the ECR API gave '{name}' a token whose expiry ({}) is already past; recorded as 12 hours from now",
            grant.expires_at
        ));
        grant.expires_at = now
            .checked_add(ECR_TOKEN_LIFETIME)
            .context("clock overflow")?;
    }
    vault
        .data_mut()
        .record_ecr_token(id.as_str(), grant.to_record())?;
    vault.save()?;
    Ok(warnings)
}

fn exit_code(reports: &[NamespaceReport]) -> i32 {
    i32::from(reports.iter().any(|r| r.outcome.is_failure()))
}

fn print_plan(cluster: &Cluster, plan: &PullSecretPlan, reports: &[NamespaceReport]) {
    println!(
        "context {} ({}) — registry {} ({}), secret {} for {} ({} bytes, redacted)",
        cluster.context,
        cluster.server,
        plan.registry_name,
        plan.registry_id,
        plan.secret_name,
        plan.server,
        plan.dockerconfigjson_len()
    );
    if let Some(at) = plan.expires_at {
        println!("ECR token expires {at}");
    }
    for w in &plan.warnings {
        println!("warning: {w}");
    }
    println!("plan:");
    for r in reports {
        let ns = match r.namespace_change {
            Some(Change::Create) => "create",
            _ => "existing",
        };
        println!("  namespace {} ({ns})", r.namespace);
        for o in &r.objects {
            println!("    {:<10} {:<40} {}", o.kind, o.name, o.change.as_str());
        }
        if let Some(m) = &r.message {
            println!("    ! {m}");
        }
    }
}

fn print_results(reports: &[NamespaceReport], dry_run: bool) {
    println!("{}:", if dry_run { "dry run" } else { "results" });
    for r in reports {
        match &r.message {
            Some(m) => println!("  {:<24} {} — {m}", r.namespace, r.outcome.as_str()),
            None => println!("  {:<24} {}", r.namespace, r.outcome.as_str()),
        }
    }
}

fn reports_json(
    cluster: &Cluster,
    plan: &PullSecretPlan,
    reports: &[NamespaceReport],
    dry_run: bool,
    warnings: &[String],
) -> Value {
    json!({
        "context": cluster.context,
        "server": cluster.server,
        "dryRun": dry_run,
        "plan": plan.redacted(),
        "namespaces": reports,
        "warnings": warnings,
        "ok": exit_code(reports) == 0,
    })
}

pub fn apply(g: &Global, args: ApplyArgs) -> anyhow::Result<i32> {
    if args.remove {
        return prune(
            g,
            PruneArgs {
                registry: args.registry,
                environment: args.environment,
                target: args.target,
            },
        );
    }
    if args.environment.is_empty() {
        bail!("give the environments to apply to: --environment staging,production");
    }
    let opts = ApplyOptions {
        create_namespaces: args.create_namespaces,
        adopt: args.adopt,
        dry_run: args.dry_run,
        service_account: args.service_account,
        secrets_only: false,
    };
    run_plan(g, &args.registry, &args.environment, opts, &args.target)
}

/// Shared by apply and sync: token (ECR), plan, show, apply, report.
fn run_plan(
    g: &Global,
    registry: &str,
    environments: &[String],
    opts: ApplyOptions,
    target: &Target,
) -> anyhow::Result<i32> {
    let rt = runtime()?;
    rt.block_on(async {
        let (data, warnings) = vault_with_fresh_token(g, registry, opts.dry_run).await?;
        let plan = PullSecretPlan::build(&data, registry, environments, Timestamp::now())?;
        let cluster = Cluster::connect(target.context.as_deref()).await?;
        let planned = cluster.plan(&plan, opts).await;
        if !target.json {
            for w in &warnings {
                println!("warning: {w}");
            }
            print_plan(&cluster, &plan, &planned);
        }
        let reports = cluster.apply(&plan, planned, opts).await;
        if target.json {
            print_json(&reports_json(
                &cluster,
                &plan,
                &reports,
                opts.dry_run,
                &warnings,
            ));
        } else {
            print_results(&reports, opts.dry_run);
        }
        Ok(exit_code(&reports))
    })
}

/// The vault's data; for ECR (unless a dry run) after a fresh token was
/// exchanged and saved.
async fn vault_with_fresh_token(
    g: &Global,
    registry: &str,
    dry_run: bool,
) -> anyhow::Result<(VaultData, Vec<String>)> {
    let vault = keys::open(g)?;
    let r = vault.data().find_registry(registry)?;
    if r.kind != RegistryKind::Ecr || dry_run {
        return Ok((vault.data().clone(), Vec::new()));
    }
    let id = r.id.clone();
    drop(vault);
    let mut vault = keys::open_locked(g)?;
    let warnings = refresh_ecr_token(&mut vault, &id).await?;
    Ok((vault.data().clone(), warnings))
}

/// `--environment`, else the registry's environments in the vault plus
/// those where the cluster has its secret.
async fn environments(
    cluster: &Cluster,
    data: &VaultData,
    r: &Registry,
    given: &[String],
) -> anyhow::Result<Vec<String>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let mut envs: BTreeSet<String> = environments_using(data, &r.id).into_iter().collect();
    if let Ok(found) = cluster.managed_secrets(Some(r.id.as_str())).await {
        envs.extend(
            found
                .iter()
                .filter_map(ManagedSecret::environment)
                .map(str::to_owned),
        );
    }
    if envs.is_empty() {
        bail!(
            "registry '{}' is used in no environment and has no secret in the cluster: give --environment",
            r.name
        );
    }
    Ok(envs.into_iter().collect())
}

pub fn sync(g: &Global, args: RegistryEnvArgs) -> anyhow::Result<i32> {
    let rt = runtime()?;
    let envs = rt.block_on(async {
        let vault = keys::open(g)?;
        let r = vault.data().find_registry(&args.registry)?;
        let cluster = Cluster::connect(args.target.context.as_deref()).await?;
        environments(&cluster, vault.data(), r, &args.environment).await
    })?;
    drop(rt);
    let opts = ApplyOptions {
        secrets_only: true,
        ..ApplyOptions::default()
    };
    run_plan(g, &args.registry, &envs, opts, &args.target)
}

pub fn status(g: &Global, args: RegistryEnvArgs) -> anyhow::Result<i32> {
    let rt = runtime()?;
    rt.block_on(async {
        let vault = keys::open(g)?;
        let data = vault.data();
        let r = data.find_registry(&args.registry)?;
        let cluster = Cluster::connect(args.target.context.as_deref()).await?;
        let envs = environments(&cluster, data, r, &args.environment).await?;
        // The hash is of what apply would put there now; an expired ECR
        // token still has one to compare (the secret is stale either way).
        let now = r
            .ecr_token
            .as_ref()
            .filter(|t| t.expires_at <= Timestamp::now())
            .map_or_else(Timestamp::now, |t| {
                t.expires_at
                    .checked_sub(SignedDuration::from_secs(1))
                    .unwrap_or(t.expires_at)
            });
        let plan = PullSecretPlan::build(data, &args.registry, &envs, now)?;
        let states = cluster.status(&plan).await;
        let failed = states.iter().any(|s| s.status.is_none());
        if args.target.json {
            print_json(&json!({
                "context": cluster.context,
                "registry": {"id": plan.registry_id, "name": plan.registry_name},
                "secretName": plan.secret_name,
                "credentialsHash": plan.credentials_hash,
                "environments": states,
            }));
        } else {
            println!(
                "context {} — registry {} ({}), secret {}",
                cluster.context, plan.registry_name, plan.registry_id, plan.secret_name
            );
            for s in &states {
                let what = s.status.map_or("unknown", |st| st.as_str());
                let mut line = format!("  {:<16} {:<24} {what}", s.environment, s.namespace);
                if let Some(at) = &s.expires_at {
                    line.push_str(&format!("  (token expires {at})"));
                }
                if let Some(m) = &s.message {
                    line.push_str(&format!("  — {m}"));
                }
                println!("{line}");
            }
        }
        Ok(i32::from(failed))
    })
}

pub fn refresh(g: &Global, args: RefreshArgs) -> anyhow::Result<i32> {
    let within: SignedDuration = args
        .within
        .parse()
        .with_context(|| format!("--within {}: not a duration (2h, 90m)", args.within))?;
    let rt = runtime()?;
    rt.block_on(async {
        let cluster = Cluster::connect(args.target.context.as_deref()).await?;
        let managed = cluster.managed_secrets(None).await?;
        let horizon = Timestamp::now()
            .checked_add(within)
            .context("--within is too large")?;
        let ecr: Vec<(RegistryId, String)> = keys::open(g)?
            .data()
            .registries
            .iter()
            .filter(|r| r.kind == RegistryKind::Ecr)
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect();
        let mut out = Vec::new();
        let mut code = 0;
        for (id, name) in ecr {
            let due: BTreeSet<String> = managed
                .iter()
                .filter(|s| s.registry_id.as_deref() == Some(id.as_str()))
                .filter(|s| s.expires_at.is_none_or(|at| at <= horizon))
                .filter_map(ManagedSecret::environment)
                .map(str::to_owned)
                .collect();
            if due.is_empty() {
                continue;
            }
            let mut vault = keys::open_locked(g)?;
            let warnings = match refresh_ecr_token(&mut vault, &id).await {
                Ok(w) => w,
                Err(e) => {
                    code = 1;
                    out.push(json!({"registry": name, "error": format!("{e:#}")}));
                    continue;
                }
            };
            let data = vault.data().clone();
            drop(vault);
            let envs: Vec<String> = due.into_iter().collect();
            let plan = PullSecretPlan::build(&data, id.as_str(), &envs, Timestamp::now())?;
            let opts = ApplyOptions {
                secrets_only: true,
                ..ApplyOptions::default()
            };
            let planned = cluster.plan(&plan, opts).await;
            let reports = cluster.apply(&plan, planned, opts).await;
            code = code.max(exit_code(&reports));
            out.push(json!({
                "registry": name,
                "id": id,
                "expiresAt": plan.expires_at.map(|t| t.to_string()),
                "namespaces": reports,
                "warnings": warnings,
            }));
        }
        if args.target.json {
            print_json(
                &json!({"context": cluster.context, "within": args.within, "refreshed": out}),
            );
        } else if out.is_empty() {
            println!(
                "no ECR secret expires within {} (context {})",
                args.within, cluster.context
            );
        } else {
            for r in &out {
                if let Some(e) = r["error"].as_str() {
                    println!("{}: {e}", r["registry"].as_str().unwrap_or(""));
                    continue;
                }
                println!(
                    "{}: new token, expires {}",
                    r["registry"].as_str().unwrap_or(""),
                    r["expiresAt"].as_str().unwrap_or("?")
                );
                for w in r["warnings"].as_array().into_iter().flatten() {
                    println!("  warning: {}", w.as_str().unwrap_or(""));
                }
                for n in r["namespaces"].as_array().into_iter().flatten() {
                    println!(
                        "  {:<24} {}",
                        n["namespace"].as_str().unwrap_or(""),
                        n["outcome"].as_str().unwrap_or("")
                    );
                }
            }
        }
        Ok(code)
    })
}

pub fn prune(g: &Global, args: PruneArgs) -> anyhow::Result<i32> {
    // The registry may be gone from the vault already: an id still works.
    let id = match keys::open(g)
        .ok()
        .and_then(|v| v.data().registry(&args.registry).map(|r| r.id.clone()))
    {
        Some(id) => id,
        None => RegistryId::parse(&args.registry)
            .ok_or_else(|| RuleError::NoSuchRegistry(args.registry.clone()))?,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cluster = Cluster::connect(args.target.context.as_deref()).await?;
        let found = cluster.managed_secrets(Some(id.as_str())).await?;
        let mut results = Vec::new();
        let mut code = 0;
        for s in found.iter().filter(|s| {
            args.environment.is_empty()
                || s.environment()
                    .is_some_and(|e| args.environment.iter().any(|want| want == e))
        }) {
            let r = cluster.delete_managed_secret(s).await;
            if r.is_err() {
                code = 1;
            }
            results.push(json!({
                "namespace": s.namespace, "name": s.name,
                "outcome": if r.is_ok() { "deleted" } else { "error" },
                "message": r.err().map(|e| e.to_string()),
            }));
        }
        if args.target.json {
            print_json(&json!({"context": cluster.context, "registry": id, "secrets": results}));
        } else if results.is_empty() {
            println!("no managed secret of {id} in context {}", cluster.context);
        } else {
            for r in &results {
                println!(
                    "  {}/{} {}{}",
                    r["namespace"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or(""),
                    r["outcome"].as_str().unwrap_or(""),
                    r["message"]
                        .as_str()
                        .map(|m| format!(" — {m}"))
                        .unwrap_or_default()
                );
            }
        }
        Ok(code)
    })
}
