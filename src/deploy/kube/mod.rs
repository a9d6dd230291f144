//! Applying a `PullSecretPlan` to a Kubernetes cluster (kube crate): the
//! one part of `deploy` that talks to a cluster.
//!
//! The client comes from `KUBECONFIG` (current context, or a named one).
//! Per environment, first the plan — what exists, what would be created,
//! updated or left unchanged — then server-side apply (field manager
//! `regvault`) of the namespace (when asked), the Secret, one Deployment
//! per container and, optionally, the `default` `ServiceAccount`'s
//! `imagePullSecrets`. Every namespace gets its own outcome: a forbidden
//! (403) or missing namespace is reported by name while the others are
//! applied. A Secret (or Deployment) of the same name that regvault does
//! not manage is refused unless adopted, and so is a Secret that carries
//! regvault's marks but is not the object the vault recorded (`foreign`).
//! Every write of a Secret is conditional on what the plan saw: a planned
//! create is a create (never a takeover of a Secret that appeared since),
//! a planned update names the uid and resourceVersion it was planned
//! against; a delete names the recorded uid.
//!
//! Secret data goes to the API server only inside a `SecretManifest`
//! (redacted `Debug`); reads of Secrets fetch metadata only, and errors
//! carry the API server's status, never a request body.

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ObjectMeta, PartialObjectMeta};
use kube::{Api, Client, Config, Resource};
use serde_json::{Value, json};

mod report;
mod service_account;
mod watch;

use report::ApiFailure;
pub use report::{
    ApplyOptions, Change, KubeError, ManagedSecret, NamespaceReport, ObjectChange, Outcome,
    SecretState,
};
pub use service_account::{SaEdit, ServiceAccounts};
pub use watch::{Observed, Seen, WatchFailure, Watched};

use super::SecretManifest;
use super::plan::{DeploymentPlan, EnvironmentPlan, PullSecretPlan};
use super::status::{ObservedSecret, SecretStatus};
use super::{
    CONTAINER_ID_ANNOTATION, EXPIRES_AT_ANNOTATION, MANAGED_BY_LABEL, MANAGER,
    REGISTRY_ID_ANNOTATION,
};
use crate::model::AppliedSecret;

/// Namespaces worked on at once per cluster: `REGVAULT_KUBE_PARALLEL`
/// (1–64), else 8. Each request in flight is one connection (HTTP/1.1,
/// kept alive), so this is also the connections per cluster. Measured on
/// the shared 2-core machine, 16, 32 or 64 were no faster than 8: the API
/// server's CPU, not the round trips, bounds a 50-namespace apply there.
#[must_use]
pub fn namespaces_at_once() -> usize {
    static AT_ONCE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *AT_ONCE.get_or_init(|| {
        std::env::var("REGVAULT_KUBE_PARALLEL")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| (1..=64).contains(n))
            .unwrap_or(8)
    })
}

/// What one cluster-wide list said for all namespaces of a plan (`None`:
/// not listed, or not allowed: read per namespace).
#[derive(Default)]
struct Prefetched {
    /// Secrets of the plan's name, by namespace.
    secrets: Option<BTreeMap<String, PartialObjectMeta<Secret>>>,
    namespaces: Option<std::collections::BTreeSet<String>>,
    /// The list got no HTTP answer: the cluster is unreachable.
    unreachable: Option<ApiFailure>,
}

/// A connected cluster: the client and where it points.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    pub context: String,
    pub server: String,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("context", &self.context)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

fn observed(meta: &PartialObjectMeta<Secret>) -> ObservedSecret {
    let metadata = serde_json::to_value(&meta.metadata).unwrap_or(Value::Null);
    ObservedSecret::from_object(&json!({ "metadata": metadata }))
}

fn annotation<'a>(annotations: Option<&'a BTreeMap<String, String>>, key: &str) -> Option<&'a str> {
    annotations.and_then(|a| a.get(key)).map(String::as_str)
}

/// Whether `uid` is the recorded object of `namespace`/`name`.
fn is_recorded(recorded: &[AppliedSecret], namespace: &str, name: &str, uid: Option<&str>) -> bool {
    recorded
        .iter()
        .any(|a| a.namespace == namespace && a.name == name && Some(a.uid.as_str()) == uid)
}

/// The status of a Secret found under the plan's name: by its marks and
/// hash, then — for one marked as this registry's — by the vault's record.
fn recorded_status(
    plan: &PullSecretPlan,
    found: Option<&PartialObjectMeta<Secret>>,
    recorded: &[AppliedSecret],
    namespace: &str,
) -> SecretStatus {
    let status = plan.status(found.map(observed).as_ref());
    let uid = found.and_then(|m| m.metadata.uid.as_deref());
    match status {
        SecretStatus::Current | SecretStatus::Stale
            if !is_recorded(recorded, namespace, &plan.secret_name, uid) =>
        {
            SecretStatus::Foreign
        }
        other => other,
    }
}

/// The one line that names a foreign Secret and what to do about it.
#[must_use]
pub fn foreign_message(namespace: &str, name: &str) -> String {
    format!(
        "secret {namespace}/{name} carries regvault's label for this registry, but this vault did not apply it (no record of it, or another uid): left untouched; `regvault apply --adopt` takes it over if it is yours"
    )
}

/// What the server answered to a create: only the metadata is read.
#[derive(serde::Deserialize)]
struct Written {
    metadata: ObjectMeta,
}

/// What a delete of a recorded Secret found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// Already gone.
    Gone,
    /// Another object (another uid) holds the name now: left in place.
    Replaced,
}

fn managed(labels: Option<&BTreeMap<String, String>>) -> bool {
    labels
        .and_then(|l| l.get(MANAGED_BY_LABEL))
        .is_some_and(|v| v == MANAGER)
}

/// Whether the live Deployment already is what the plan applies.
fn deployment_current(live: &Deployment, plan: &PullSecretPlan, d: &DeploymentPlan) -> bool {
    let meta = &live.metadata;
    let ann = meta.annotations.as_ref();
    let Some(pod) = live.spec.as_ref().and_then(|s| s.template.spec.as_ref()) else {
        return false;
    };
    annotation(ann, CONTAINER_ID_ANNOTATION) == Some(d.container_id.as_str())
        && annotation(ann, REGISTRY_ID_ANNOTATION) == Some(plan.registry_id.as_str())
        && pod
            .image_pull_secrets
            .as_ref()
            .is_some_and(|s| s.iter().any(|r| r.name == plan.secret_name))
        && pod.containers.len() == 1
        && pod.containers[0].name == d.name
        && pod.containers[0].image.as_deref() == Some(d.image.as_str())
}

/// The contexts of `kubeconfig`, else `KUBECONFIG` (or
/// `~/.kube/config`), in file order, each with the server of its cluster
/// (`--all-contexts`; two contexts of one server are one cluster).
///
/// # Errors
/// No kubeconfig, or one that cannot be read.
pub fn context_servers(
    kubeconfig: Option<&std::path::Path>,
) -> Result<Vec<(String, Option<String>)>, KubeError> {
    let kubeconfig = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| KubeError::Config(e.to_string()))?;
    let server = |cluster: &str| {
        kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.cluster.as_ref()?.server.clone())
            .map(|s| s.trim_end_matches('/').to_owned())
    };
    Ok(kubeconfig
        .contexts
        .iter()
        .map(|c| {
            let s = c.context.as_ref().and_then(|x| server(&x.cluster));
            (c.name.clone(), s)
        })
        .collect())
}

impl Cluster {
    /// Connects with `kubeconfig`, else `KUBECONFIG` (or `~/.kube/config`):
    /// its current context, or `context`.
    ///
    /// # Errors
    /// No kubeconfig, no such context, or a client that cannot be built.
    pub async fn connect(
        context: Option<&str>,
        kubeconfig: Option<&std::path::Path>,
    ) -> Result<Self, KubeError> {
        crate::probe::install_crypto_provider();
        let kubeconfig = match kubeconfig {
            Some(path) => Kubeconfig::read_from(path),
            None => Kubeconfig::read(),
        }
        .map_err(|e| KubeError::Config(e.to_string()))?;
        let name = match context {
            Some(c) => c.to_owned(),
            None => kubeconfig.current_context.clone().ok_or_else(|| {
                KubeError::Config("no current context: give --context NAME".into())
            })?,
        };
        if !kubeconfig.contexts.iter().any(|c| c.name == name) {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return Err(KubeError::Config(format!(
                "no context '{name}' (contexts: {})",
                known.join(", ")
            )));
        }
        let opts = KubeConfigOptions {
            context: Some(name.clone()),
            ..KubeConfigOptions::default()
        };
        let config = Config::from_custom_kubeconfig(kubeconfig, &opts)
            .await
            .map_err(|e| KubeError::Config(format!("context '{name}': {e}")))?;
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config)
            .map_err(|e| KubeError::Config(format!("context '{name}': {e}")))?;
        Ok(Self {
            client,
            context: name,
            server: server.trim_end_matches('/').to_owned(),
        })
    }

    fn apply_params(dry_run: bool) -> PatchParams {
        let mut pp = PatchParams::apply(MANAGER).force();
        pp.dry_run = dry_run;
        pp
    }

    /// The plan: what each environment holds now and what apply would
    /// change there. `recorded`: the Secrets of this registry the vault
    /// recorded on this cluster (any other with its marks is foreign).
    /// Reads only.
    pub async fn plan(
        &self,
        plan: &PullSecretPlan,
        opts: &ApplyOptions,
        recorded: &[AppliedSecret],
    ) -> Vec<NamespaceReport> {
        let seen = self.prefetch(plan, opts).await;
        if let Some(f) = &seen.unreachable {
            // No answer at all: every namespace says so, rather than each
            // waiting out its own connection attempt.
            return plan
                .environments
                .iter()
                .map(|env| {
                    let mut r = NamespaceReport::new(env);
                    r.fail(f, "reaching the cluster");
                    r
                })
                .collect();
        }
        stream::iter(plan.environments.iter())
            .map(|env| self.plan_one(plan, env, opts, recorded, &seen))
            .buffered(namespaces_at_once())
            .collect()
            .await
    }

    /// For several namespaces, one cluster-wide list each of the Secrets
    /// of the plan's name and of the namespaces, instead of one read per
    /// namespace (the round trips were most of an apply's time). A user
    /// who may not list cluster-wide gets `None`: the reads per namespace
    /// then tell what each namespace allows.
    async fn prefetch(&self, plan: &PullSecretPlan, opts: &ApplyOptions) -> Prefetched {
        if plan.environments.len() < 3 {
            return Prefetched::default();
        }
        let secrets = async {
            let api: Api<Secret> = Api::all(self.client.clone());
            let lp = ListParams::default().fields(&format!("metadata.name={}", plan.secret_name));
            match api.list_metadata(&lp).await {
                Ok(list) => Ok(list
                    .items
                    .into_iter()
                    .filter_map(|m| Some((m.metadata.namespace.clone()?, m)))
                    .collect::<BTreeMap<_, _>>()),
                Err(e) => Err(ApiFailure::from(&e)),
            }
        };
        let namespaces = async {
            if !opts.create_namespaces {
                return None;
            }
            let api: Api<Namespace> = Api::all(self.client.clone());
            let list = api.list_metadata(&ListParams::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|m| m.metadata.name)
                    .collect::<std::collections::BTreeSet<_>>(),
            )
        };
        let (secrets, namespaces) = futures_util::join!(secrets, namespaces);
        match secrets {
            Ok(secrets) => Prefetched {
                secrets: Some(secrets),
                namespaces,
                unreachable: None,
            },
            // Code 0: no HTTP answer (refused, TLS, timeout).
            Err(f) if f.code == 0 => Prefetched {
                unreachable: Some(f),
                ..Prefetched::default()
            },
            Err(_) => Prefetched {
                namespaces,
                ..Prefetched::default()
            },
        }
    }

    async fn plan_one(
        &self,
        plan: &PullSecretPlan,
        env: &EnvironmentPlan,
        opts: &ApplyOptions,
        recorded: &[AppliedSecret],
        seen: &Prefetched,
    ) -> NamespaceReport {
        let mut r = NamespaceReport::new(env);
        let ns = &env.namespace;
        if opts.create_namespaces
            && let Some(known) = &seen.namespaces
        {
            if !known.contains(ns) {
                r.namespace_change = Some(Change::Create);
            }
        } else if opts.create_namespaces {
            let api: Api<Namespace> = Api::all(self.client.clone());
            match api.get_metadata_opt(ns).await {
                Ok(Some(_)) => {}
                Ok(None) => r.namespace_change = Some(Change::Create),
                // A user with rights only inside namespaces cannot read
                // them; the objects' own requests tell.
                Err(e) if ApiFailure::from(&e).code == 403 => {}
                Err(e) => {
                    r.fail(&ApiFailure::from(&e), "reading the namespace");
                    return r;
                }
            }
        }
        let creating = r.namespace_change == Some(Change::Create);
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let found = if creating {
            None
        } else if let Some(all) = &seen.secrets {
            all.get(ns.as_str()).cloned()
        } else {
            match secrets.get_metadata_opt(&plan.secret_name).await {
                Ok(found) => found,
                Err(e) => {
                    r.fail(&ApiFailure::from(&e), "reading the secret");
                    return r;
                }
            }
        };
        let status = recorded_status(plan, found.as_ref(), recorded, ns);
        // The precondition of the write: the object as planned.
        if let Some(m) = &found {
            r.secret_uid.clone_from(&m.metadata.uid);
            r.secret_resource_version
                .clone_from(&m.metadata.resource_version);
        }
        r.secret_status = Some(status);
        let mut secret_change = Change::from(status.action(opts.adopt));
        // Same credentials but a renewed ECR expiry: the annotation is
        // what `refresh` and `status` read, so it is updated too.
        let live_expiry = found.as_ref().and_then(|m| {
            annotation(m.metadata.annotations.as_ref(), EXPIRES_AT_ANNOTATION)
                .and_then(|t| t.parse::<Timestamp>().ok())
        });
        if secret_change == Change::Unchanged && plan.expires_at != live_expiry {
            secret_change = Change::Update;
        }
        if opts.secrets_only && status == SecretStatus::Missing {
            r.outcome = Outcome::Missing;
            r.message = Some(format!(
                "no secret {} in namespace {ns}: `regvault apply` creates it",
                plan.secret_name
            ));
            return r;
        }
        if opts.secrets_only && secret_change == Change::Create {
            secret_change = Change::Refuse;
        }
        r.objects.push(ObjectChange {
            kind: "Secret",
            name: plan.secret_name.clone(),
            change: secret_change,
        });
        if secret_change == Change::Refuse && status == SecretStatus::Foreign {
            r.outcome = Outcome::Foreign;
            r.message = Some(foreign_message(ns, &plan.secret_name));
            return r;
        }
        if secret_change == Change::Refuse {
            r.outcome = Outcome::Unmanaged;
            r.message = Some(format!(
                "secret {ns}/{} exists and is not managed by regvault (no {MANAGED_BY_LABEL}={MANAGER} label for this registry): left untouched; --adopt takes it over",
                plan.secret_name
            ));
            return r;
        }
        if opts.secrets_only {
            return r;
        }
        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
        for d in &env.deployments {
            let live = if creating {
                None
            } else {
                match deployments.get_opt(&d.name).await {
                    Ok(live) => live,
                    Err(e) => {
                        r.fail(&ApiFailure::from(&e), "reading deployments");
                        return r;
                    }
                }
            };
            let change = match &live {
                None => Change::Create,
                Some(l) if !managed(l.metadata.labels.as_ref()) && !opts.adopt => Change::Refuse,
                Some(l) if deployment_current(l, plan, d) => Change::Unchanged,
                Some(_) => Change::Update,
            };
            r.objects.push(ObjectChange {
                kind: "Deployment",
                name: d.name.clone(),
                change,
            });
            if change == Change::Refuse {
                r.outcome = Outcome::Unmanaged;
                r.message = Some(format!(
                    "deployment {ns}/{} exists and is not managed by regvault: left untouched; --adopt takes it over",
                    d.name
                ));
                return r;
            }
        }
        if !self
            .plan_service_accounts(&mut r, &opts.service_accounts, &plan.secret_name, creating)
            .await
        {
            return r;
        }
        r
    }

    /// Applies a plan made by `plan` (the reports it returned), namespace by
    /// namespace; every report ends with its outcome.
    pub async fn apply(
        &self,
        plan: &PullSecretPlan,
        planned: Vec<NamespaceReport>,
        opts: &ApplyOptions,
    ) -> Vec<NamespaceReport> {
        let by_env: Vec<(&EnvironmentPlan, NamespaceReport)> =
            plan.environments.iter().zip(planned).collect();
        stream::iter(by_env)
            .map(|(env, r)| self.apply_one(plan, env, r, opts))
            .buffered(namespaces_at_once())
            .collect()
            .await
    }

    /// Applies one environment of `plan` (its report from `plan`): for a
    /// caller that reports namespaces one by one as they end.
    pub async fn apply_one(
        &self,
        plan: &PullSecretPlan,
        env: &EnvironmentPlan,
        mut r: NamespaceReport,
        opts: &ApplyOptions,
    ) -> NamespaceReport {
        if r.outcome != Outcome::Unchanged || r.message.is_some() {
            return r; // refused, forbidden or failed while planning
        }
        if !r.changes() {
            return r;
        }
        let ns = env.namespace.as_str();
        let pp = Self::apply_params(opts.dry_run);
        if r.namespace_change == Some(Change::Create) {
            let api: Api<Namespace> = Api::all(self.client.clone());
            let manifest = PullSecretPlan::namespace_manifest(env);
            if let Err(e) = api.patch(ns, &pp, &Patch::Apply(&manifest)).await {
                r.fail(&ApiFailure::from(&e), "creating the namespace");
                return r;
            }
            if opts.dry_run {
                // Objects cannot be dry-run into a namespace that does not
                // exist yet; the plan stands as shown.
                r.outcome = Outcome::Applied;
                return r;
            }
        }
        let change_of = |kind: &str, name: &str| {
            r.objects
                .iter()
                .find(|o| o.kind == kind && o.name == name)
                .map_or(Change::Unchanged, |o| o.change)
        };
        let secret_change = change_of("Secret", &plan.secret_name);
        if secret_change != Change::Unchanged {
            let manifest = plan.secret_manifest(env);
            let written = if secret_change == Change::Create {
                self.create_secret(ns, &manifest, opts.dry_run).await
            } else {
                self.update_secret(ns, &plan.secret_name, manifest, &r, &pp)
                    .await
            };
            match written {
                Ok(meta) => {
                    r.secret_uid = meta.uid;
                    r.secret_resource_version = meta.resource_version;
                    r.secret_written = !opts.dry_run;
                }
                Err(f) if f.code == 409 && secret_change == Change::Create => {
                    r.outcome = Outcome::Unmanaged;
                    r.message = Some(format!(
                        "secret {ns}/{} appeared after the plan and is not regvault's: left untouched; plan again",
                        plan.secret_name
                    ));
                    return r;
                }
                // 409: another resourceVersion; 422 on metadata.uid:
                // another object under the same name.
                Err(f)
                    if f.code == 409 || (f.code == 422 && f.message.contains("metadata.uid")) =>
                {
                    r.outcome = Outcome::Error;
                    r.message = Some(format!(
                        "secret {ns}/{} changed after the plan (another object or another version): left untouched; plan again",
                        plan.secret_name
                    ));
                    return r;
                }
                Err(f) => {
                    r.fail(&f, "applying the secret");
                    return r;
                }
            }
        }
        if !opts.secrets_only {
            let api: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
            for d in &env.deployments {
                let change = change_of("Deployment", &d.name);
                if change == Change::Unchanged {
                    continue;
                }
                let manifest = plan.deployment_manifest(env, d);
                // A planned create is a create: one that appeared since
                // the plan is not taken over.
                let written = if change == Change::Create {
                    let post = PostParams {
                        dry_run: opts.dry_run,
                        field_manager: Some(MANAGER.into()),
                    };
                    match serde_json::from_value::<Deployment>(manifest) {
                        Ok(dep) => api.create(&post, &dep).await.map(drop),
                        Err(e) => Err(kube::Error::SerdeError(e)),
                    }
                } else {
                    api.patch(&d.name, &pp, &Patch::Apply(&manifest))
                        .await
                        .map(drop)
                };
                if let Err(e) = written {
                    let f = ApiFailure::from(&e);
                    if f.code == 409 && change == Change::Create {
                        r.outcome = Outcome::Unmanaged;
                        r.message = Some(format!(
                            "deployment {ns}/{} appeared after the plan and is not regvault's: left untouched; plan again",
                            d.name
                        ));
                    } else {
                        r.fail(&f, &format!("applying deployment {}", d.name));
                    }
                    return r;
                }
            }
            let accounts: Vec<String> = r
                .objects
                .iter()
                .filter(|o| o.kind == "ServiceAccount" && o.change == Change::Update)
                .map(|o| o.name.clone())
                .collect();
            for name in accounts {
                // A new namespace's `default` appears a moment after it.
                let wait = name == "default";
                if let Err(f) = self
                    .edit_pull_secrets(ns, &name, &plan.secret_name, true, wait, opts.dry_run)
                    .await
                {
                    r.fail(&f, &format!("adding the secret to service account {name}"));
                    return r;
                }
            }
        }
        r.outcome = Outcome::Applied;
        r
    }

    /// A planned create: a create, so a Secret that appeared since the plan
    /// is a 409, never taken over.
    async fn create_secret(
        &self,
        ns: &str,
        manifest: &SecretManifest,
        dry_run: bool,
    ) -> Result<ObjectMeta, ApiFailure> {
        let pp = PostParams {
            dry_run,
            field_manager: Some(MANAGER.into()),
        };
        let failure = |message: String| ApiFailure {
            code: 0,
            reason: "Request".into(),
            message,
        };
        let body = serde_json::to_vec(manifest)
            .map_err(|e| failure(format!("cannot encode the secret: {e}")))?;
        let request = kube::core::Request::new(Secret::url_path(&(), Some(ns)))
            .create(&pp, body)
            .map_err(|e| failure(e.to_string()))?;
        let written: Written = self
            .client
            .request(request)
            .await
            .map_err(|e| ApiFailure::from(&e))?;
        Ok(written.metadata)
    }

    /// A planned update (or adoption): server-side apply that names the uid
    /// and resourceVersion the plan saw, so another object, or another
    /// version, under the same name is refused by the server.
    async fn update_secret(
        &self,
        ns: &str,
        name: &str,
        mut manifest: SecretManifest,
        planned: &NamespaceReport,
        pp: &PatchParams,
    ) -> Result<ObjectMeta, ApiFailure> {
        let meta = &mut manifest.0["metadata"];
        if let Some(uid) = &planned.secret_uid {
            meta["uid"] = Value::String(uid.clone());
        }
        if let Some(rv) = &planned.secret_resource_version {
            meta["resourceVersion"] = Value::String(rv.clone());
        }
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let mut s = api
            .patch(name, pp, &Patch::Apply(&manifest))
            .await
            .map_err(|e| ApiFailure::from(&e))?;
        if let Some(data) = s.data.as_mut() {
            for v in data.values_mut() {
                zeroize::Zeroize::zeroize(&mut v.0);
            }
        }
        Ok(std::mem::take(&mut s.metadata))
    }

    /// Per environment: the Secret's status against the plan (`foreign`
    /// when it is not one of the `recorded`).
    pub async fn status(
        &self,
        plan: &PullSecretPlan,
        recorded: &[AppliedSecret],
    ) -> Vec<SecretState> {
        stream::iter(plan.environments.iter())
            .map(|env| async move {
                let api: Api<Secret> = Api::namespaced(self.client.clone(), &env.namespace);
                let mut state = SecretState {
                    environment: env.environment.clone(),
                    namespace: env.namespace.clone(),
                    status: None,
                    expires_at: None,
                    message: None,
                };
                match api.get_metadata_opt(&plan.secret_name).await {
                    Ok(found) => {
                        let status =
                            recorded_status(plan, found.as_ref(), recorded, &env.namespace);
                        if status == SecretStatus::Foreign {
                            state.message =
                                Some(foreign_message(&env.namespace, &plan.secret_name));
                        }
                        state.status = Some(status);
                        state.expires_at = found.as_ref().and_then(|m| {
                            annotation(m.metadata.annotations.as_ref(), EXPIRES_AT_ANNOTATION)
                                .map(str::to_owned)
                        });
                    }
                    Err(e) => {
                        let f = ApiFailure::from(&e);
                        state.message = Some(if f.code == 403 {
                            format!("forbidden: namespace {}: {}", env.namespace, f.message)
                        } else {
                            format!("namespace {}: {}", env.namespace, f.text())
                        });
                    }
                }
                state
            })
            .buffered(namespaces_at_once())
            .collect()
            .await
    }

    /// Every Secret labelled `managed-by=regvault` in the cluster (of one
    /// registry, when given).
    ///
    /// # Errors
    /// The list was refused or failed.
    pub async fn managed_secrets(
        &self,
        registry_id: Option<&str>,
    ) -> Result<Vec<ManagedSecret>, KubeError> {
        let api: Api<Secret> = Api::all(self.client.clone());
        let lp = ListParams::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGER}"));
        let list = api.list_metadata(&lp).await.map_err(|e| {
            KubeError::Request(format!(
                "listing regvault's secrets: {}",
                ApiFailure::from(&e).text()
            ))
        })?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|m| {
                let ann = m.metadata.annotations.as_ref();
                let id = annotation(ann, REGISTRY_ID_ANNOTATION).map(str::to_owned);
                if registry_id.is_some_and(|want| id.as_deref() != Some(want)) {
                    return None;
                }
                Some(ManagedSecret {
                    namespace: m.metadata.namespace.clone()?,
                    name: m.metadata.name.clone()?,
                    uid: m.metadata.uid.clone(),
                    expires_at: annotation(ann, EXPIRES_AT_ANNOTATION).and_then(|t| t.parse().ok()),
                    registry_id: id,
                })
            })
            .collect())
    }

    /// One Secret's metadata as a `ManagedSecret` (whatever its labels);
    /// `None` when there is none.
    ///
    /// # Errors
    /// The read was refused or failed.
    pub async fn find_secret(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<ManagedSecret>, KubeError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let found = api.get_metadata_opt(name).await.map_err(|e| {
            KubeError::Request(format!(
                "secret {namespace}/{name}: {}",
                ApiFailure::from(&e).text()
            ))
        })?;
        Ok(found.map(|m| {
            let ann = m.metadata.annotations.as_ref();
            ManagedSecret {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                uid: m.metadata.uid.clone(),
                registry_id: annotation(ann, REGISTRY_ID_ANNOTATION).map(str::to_owned),
                expires_at: annotation(ann, EXPIRES_AT_ANNOTATION).and_then(|t| t.parse().ok()),
            }
        }))
    }

    /// A pull Secret's type and its one login payload (`.dockerconfigjson`,
    /// or `.dockercfg` for the legacy type) for `import kube-secret`; `None`
    /// when there is no such Secret. The payload is never logged: only
    /// the type and the API server's status reach an error.
    ///
    /// # Errors
    /// The read was refused or failed.
    pub async fn pull_secret_payload(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<(String, zeroize::Zeroizing<Vec<u8>>)>, KubeError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let found = api.get_opt(name).await.map_err(|e| {
            KubeError::Request(format!(
                "secret {namespace}/{name}: {}",
                ApiFailure::from(&e).text()
            ))
        })?;
        Ok(found.map(|mut s| {
            let kind = s.type_.take().unwrap_or_else(|| "Opaque".to_owned());
            let key = if kind == "kubernetes.io/dockercfg" {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            let data = s
                .data
                .as_mut()
                .and_then(|d| d.remove(key))
                .map(|b| b.0)
                .unwrap_or_default();
            // The rest of the Secret's data is dropped unread.
            (kind, zeroize::Zeroizing::new(data))
        }))
    }

    /// Deletes a Secret the vault recorded, only while it is that object
    /// (the recorded `uid`, as the delete's precondition) and still
    /// labelled as regvault's.
    ///
    /// # Errors
    /// Its label was removed, or the read or delete failed.
    pub async fn delete_recorded_secret(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
    ) -> Result<Removal, KubeError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let what = format!("secret {namespace}/{name}");
        let failed =
            |e: &kube::Error| KubeError::Request(format!("{what}: {}", ApiFailure::from(e).text()));
        match api.get_metadata_opt(name).await {
            Ok(None) => return Ok(Removal::Gone),
            Ok(Some(m)) if m.metadata.uid.as_deref() != Some(uid) => return Ok(Removal::Replaced),
            Ok(Some(m)) if managed(m.metadata.labels.as_ref()) => {}
            Ok(Some(_)) => {
                return Err(KubeError::Request(format!(
                    "{what} is no longer labelled as regvault's: left untouched"
                )));
            }
            Err(e) => return Err(failed(&e)),
        }
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(uid.to_owned()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match api.delete(name, &dp).await {
            Ok(_) => Ok(Removal::Deleted),
            Err(e) => match ApiFailure::from(&e).code {
                404 => Ok(Removal::Gone),
                409 => Ok(Removal::Replaced),
                _ => Err(failed(&e)),
            },
        }
    }
}
