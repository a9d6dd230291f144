//! Docker Swarm: one service per container of a registry, created or
//! updated with registry auth — the API twin of
//! `docker service create/update --with-registry-auth` — and `sync`, which
//! hands the services new credentials after a rotation.
//!
//! Swarm keeps the registry auth a service was last given in its spec
//! (moby #24940): rotated credentials reach a service only when it is
//! updated with them. `sync` does exactly that, resubmitting each managed
//! service's current spec with the new `X-Registry-Auth`; a change in the
//! pull options alone does not restart running tasks.

use std::collections::HashMap;

use bollard::models::{
    NetworkAttachmentConfig, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec,
    TaskSpecContainerSpec,
};
use bollard::query_parameters::{ListServicesOptions, UpdateServiceOptions};
use serde::Serialize;

use super::docker::{Engine, EngineError, credentials};
use super::image::{image_host, qualified_image, same_registry_host};
use super::names::{deployment_names, slug};
use crate::model::{Registry, VaultData};
use crate::registry::DockerLogin;

/// Labels on every service regvault creates.
pub const SWARM_MANAGED_BY_LABEL: &str = "io.regvault.managed-by";
pub const SWARM_REGISTRY_ID_LABEL: &str = "io.regvault.registry-id";
pub const SWARM_CONTAINER_ID_LABEL: &str = "io.regvault.container-id";
pub const SWARM_ENVIRONMENT_LABEL: &str = "io.regvault.environment";

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SwarmError {
    #[error(
        "service '{0}' exists and is not managed by regvault (no {SWARM_MANAGED_BY_LABEL}=regvault label); it was left as it is"
    )]
    Unmanaged(String),
    #[error("service '{service}' belongs to another registry ({other}); it was left as it is")]
    OtherRegistry { service: String, other: String },
    #[error(
        "service '{service}' would pull from {image_host}, but registry '{registry}' logs in to {server}: its credentials are never handed to another registry's image — name the image without a host (or with {server}), or give the container the registry of {image_host}"
    )]
    HostMismatch {
        service: String,
        image_host: String,
        registry: String,
        server: String,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Refuses a service whose image names another registry host than the
/// one `registry` logs in to (`server`, its auths key): with
/// `--with-registry-auth` the engine would present the registry's
/// credentials to that other host. Kubernetes plans only warn (a pull
/// secret is matched by host there); Swarm sends the auth with the pull.
///
/// # Errors
/// `SwarmError::HostMismatch`, naming the service and both hosts.
pub fn check_image_host(
    service: &str,
    image: &str,
    registry: &Registry,
    server: &str,
) -> Result<(), SwarmError> {
    match image_host(image) {
        Some(host) if !same_registry_host(host, server) => Err(SwarmError::HostMismatch {
            service: service.to_owned(),
            image_host: host.to_owned(),
            registry: registry.name.clone(),
            server: server.to_owned(),
        }),
        // A host-less name is Docker Hub's: Hub's own key matches it.
        None if !same_registry_host("docker.io", server) => Err(SwarmError::HostMismatch {
            service: service.to_owned(),
            image_host: "docker.io".to_owned(),
            registry: registry.name.clone(),
            server: server.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// One container's service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlan {
    pub service: String,
    pub image: String,
    pub container_id: String,
    pub container_name: String,
    pub environment: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceAction {
    Created,
    Updated,
}

/// What `apply_service` would do to one service, found by reading only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServicePreview {
    Create,
    Update,
    /// A service of that name regvault must not touch; why.
    Refused(String),
}

/// What happened to one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOutcome {
    pub service: String,
    pub service_id: String,
    pub image: String,
    pub action: ServiceAction,
}

/// The services for `registry`'s containers (optionally one environment):
/// named `<container>-<environment>`, image `imageName:imageTag` qualified
/// with the registry's host (`server`, its auths key).
#[must_use]
pub fn service_plans(
    data: &VaultData,
    registry: &Registry,
    environment: Option<&str>,
    server: &str,
) -> Vec<ServicePlan> {
    let containers: Vec<_> = data
        .containers_using(&registry.id)
        .into_iter()
        .filter(|c| environment.is_none_or(|e| c.environment == e))
        .collect();
    // Unique within an environment: the environment is part of the name.
    let mut names = std::collections::BTreeMap::new();
    let mut envs: Vec<&str> = containers.iter().map(|c| c.environment.as_str()).collect();
    envs.sort_unstable();
    envs.dedup();
    for env in envs {
        names.extend(deployment_names(
            containers.iter().copied().filter(|c| c.environment == env),
        ));
    }
    containers
        .iter()
        .map(|c| {
            let base = names
                .get(c.id.as_str())
                .cloned()
                .unwrap_or_else(|| slug(&c.name, 40));
            let env = slug(&c.environment, 20);
            // Swarm service names are at most 63 characters.
            let keep = 63usize.saturating_sub(env.len() + 1).min(base.len());
            let base = base[..keep].trim_end_matches('-');
            ServicePlan {
                service: format!("{base}-{env}"),
                image: qualified_image(
                    &c.registry_config.image_name,
                    &c.registry_config.image_tag,
                    server,
                ),
                container_id: c.id.as_str().to_owned(),
                container_name: c.name.clone(),
                environment: c.environment.clone(),
            }
        })
        .collect()
}

fn labels(plan: &ServicePlan, registry: &Registry) -> HashMap<String, String> {
    HashMap::from([
        (SWARM_MANAGED_BY_LABEL.to_owned(), super::MANAGER.to_owned()),
        (
            SWARM_REGISTRY_ID_LABEL.to_owned(),
            registry.id.as_str().to_owned(),
        ),
        (
            SWARM_CONTAINER_ID_LABEL.to_owned(),
            plan.container_id.clone(),
        ),
        (SWARM_ENVIRONMENT_LABEL.to_owned(), plan.environment.clone()),
    ])
}

/// The spec of a new service: one replica, the image, regvault's labels,
/// the given networks (none by default: no network, no published port).
fn new_spec(plan: &ServicePlan, registry: &Registry, networks: &[String]) -> ServiceSpec {
    let labels = labels(plan, registry);
    ServiceSpec {
        name: Some(plan.service.clone()),
        labels: Some(labels.clone()),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(plan.image.clone()),
                labels: Some(labels),
                ..TaskSpecContainerSpec::default()
            }),
            networks: (!networks.is_empty()).then(|| {
                networks
                    .iter()
                    .map(|n| NetworkAttachmentConfig {
                        target: Some(n.clone()),
                        ..NetworkAttachmentConfig::default()
                    })
                    .collect()
            }),
            ..TaskSpec::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated { replicas: Some(1) }),
            ..ServiceSpecMode::default()
        }),
        ..ServiceSpec::default()
    }
}

fn managed_by_us(spec: &ServiceSpec) -> bool {
    spec.labels
        .as_ref()
        .and_then(|l| l.get(SWARM_MANAGED_BY_LABEL))
        .is_some_and(|v| v == super::MANAGER)
}

fn label<'a>(spec: &'a ServiceSpec, key: &str) -> Option<&'a str> {
    spec.labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

impl Engine {
    /// Services whose name is exactly `name` (the filter matches prefixes).
    async fn service_named(
        &self,
        name: &str,
    ) -> Result<Option<bollard::models::Service>, EngineError> {
        let opts = ListServicesOptions {
            filters: Some(HashMap::from([("name".to_owned(), vec![name.to_owned()])])),
            ..ListServicesOptions::default()
        };
        let found = self
            .docker
            .list_services(Some(opts))
            .await
            .map_err(|e| self.classify(e, None, ""))?;
        Ok(found.into_iter().find(|s| {
            s.spec
                .as_ref()
                .and_then(|sp| sp.name.as_deref())
                .is_some_and(|n| n == name)
        }))
    }

    /// What `apply_service` would do, without changing anything: create,
    /// update regvault's own service, or refuse someone else's.
    ///
    /// # Errors
    /// Engine errors.
    pub async fn preview_service(
        &self,
        plan: &ServicePlan,
        registry: &Registry,
    ) -> Result<ServicePreview, EngineError> {
        let Some(existing) = self.service_named(&plan.service).await? else {
            return Ok(ServicePreview::Create);
        };
        let spec = existing.spec.unwrap_or_default();
        if !managed_by_us(&spec) {
            let why = SwarmError::Unmanaged(plan.service.clone()).to_string();
            return Ok(ServicePreview::Refused(why));
        }
        if let Some(other) = label(&spec, SWARM_REGISTRY_ID_LABEL)
            && other != registry.id.as_str()
        {
            let why = SwarmError::OtherRegistry {
                service: plan.service.clone(),
                other: other.to_owned(),
            };
            return Ok(ServicePreview::Refused(why.to_string()));
        }
        Ok(ServicePreview::Update)
    }

    /// Creates the service, or updates regvault's own service of that
    /// name (image and labels set, the rest of its spec kept), with
    /// `login` as its registry auth.
    ///
    /// # Errors
    /// A service of that name that regvault does not manage, or that
    /// belongs to another registry; engine errors.
    pub async fn apply_service(
        &self,
        plan: &ServicePlan,
        registry: &Registry,
        login: &DockerLogin,
        networks: &[String],
    ) -> Result<ServiceOutcome, SwarmError> {
        check_image_host(&plan.service, &plan.image, registry, &login.server)?;
        let existing = self.service_named(&plan.service).await?;
        let Some(existing) = existing else {
            // Swarm wants network ids (`none`/`host` included), as the CLI sends.
            let mut ids = Vec::with_capacity(networks.len());
            for n in networks {
                let net = self
                    .docker
                    .inspect_network(n, None)
                    .await
                    .map_err(|e| self.classify(e, None, ""))?;
                ids.push(net.id.unwrap_or_else(|| n.clone()));
            }
            let spec = new_spec(plan, registry, &ids);
            let created = self
                .docker
                .create_service(spec, Some(credentials(login)))
                .await
                .map_err(|e| self.classify(e, Some(login), &login.server))?;
            return Ok(ServiceOutcome {
                service: plan.service.clone(),
                service_id: created.id.unwrap_or_default(),
                image: plan.image.clone(),
                action: ServiceAction::Created,
            });
        };
        let mut spec = existing.spec.clone().unwrap_or_default();
        if !managed_by_us(&spec) {
            return Err(SwarmError::Unmanaged(plan.service.clone()));
        }
        if let Some(other) = label(&spec, SWARM_REGISTRY_ID_LABEL)
            && other != registry.id.as_str()
        {
            return Err(SwarmError::OtherRegistry {
                service: plan.service.clone(),
                other: other.to_owned(),
            });
        }
        let labels = labels(plan, registry);
        spec.labels.get_or_insert_with(HashMap::new).extend(labels);
        let task = spec.task_template.get_or_insert_with(TaskSpec::default);
        let cs = task
            .container_spec
            .get_or_insert_with(TaskSpecContainerSpec::default);
        cs.image = Some(plan.image.clone());
        let id = self.update_with_auth(&existing, spec, login).await?;
        Ok(ServiceOutcome {
            service: plan.service.clone(),
            service_id: id,
            image: plan.image.clone(),
            action: ServiceAction::Updated,
        })
    }

    async fn update_with_auth(
        &self,
        existing: &bollard::models::Service,
        spec: ServiceSpec,
        login: &DockerLogin,
    ) -> Result<String, SwarmError> {
        let id = existing.id.clone().unwrap_or_default();
        let version = existing
            .version
            .as_ref()
            .and_then(|v| v.index)
            .unwrap_or_default();
        let opts = UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            ..UpdateServiceOptions::default()
        };
        self.docker
            .update_service(&id, spec, opts, Some(credentials(login)))
            .await
            .map_err(|e| self.classify(e, Some(login), &login.server))?;
        Ok(id)
    }

    /// After a rotation: every service regvault made for `registry` is
    /// updated with `login` as its registry auth, its spec otherwise as it
    /// is (the image is not changed, tasks are not restarted). `each` hears
    /// of every service as it is updated and answers whether to go on (a
    /// cancel: the services after it are left as they are).
    ///
    /// # Errors
    /// Engine errors (the services before the failing one were updated).
    pub async fn sync_services(
        &self,
        registry: &Registry,
        login: &DockerLogin,
        each: &(dyn Fn(&ServiceOutcome) -> bool + Send + Sync),
    ) -> Result<Vec<ServiceOutcome>, SwarmError> {
        let opts = ListServicesOptions {
            filters: Some(HashMap::from([(
                "label".to_owned(),
                vec![
                    format!("{SWARM_MANAGED_BY_LABEL}={}", super::MANAGER),
                    format!("{SWARM_REGISTRY_ID_LABEL}={}", registry.id.as_str()),
                ],
            )])),
            ..ListServicesOptions::default()
        };
        let mut services = self
            .docker
            .list_services(Some(opts))
            .await
            .map_err(|e| self.classify(e, None, ""))?;
        services.sort_by(|a, b| {
            let name = |s: &bollard::models::Service| {
                s.spec
                    .as_ref()
                    .and_then(|sp| sp.name.clone())
                    .unwrap_or_default()
            };
            name(a).cmp(&name(b))
        });
        // A managed service whose image was pointed at another host since
        // (by hand, or a planted label) never gets these credentials; the
        // sync stops before updating anything, naming it.
        for s in &services {
            let spec = s.spec.as_ref();
            let name = spec.and_then(|sp| sp.name.clone()).unwrap_or_default();
            let image = spec
                .and_then(|sp| sp.task_template.as_ref())
                .and_then(|t| t.container_spec.as_ref())
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            check_image_host(&name, &image, registry, &login.server)?;
        }
        let mut out = Vec::with_capacity(services.len());
        for s in &services {
            let spec = s.spec.clone().unwrap_or_default();
            let name = spec.name.clone().unwrap_or_default();
            let image = spec
                .task_template
                .as_ref()
                .and_then(|t| t.container_spec.as_ref())
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            let id = self.update_with_auth(s, spec, login).await?;
            let done = ServiceOutcome {
                service: name,
                service_id: id,
                image,
                action: ServiceAction::Updated,
            };
            let go_on = each(&done);
            out.push(done);
            if !go_on {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::model::{
        Connection, Container, ContainerId, RegistryConfig, RegistryId, SourceType,
    };
    use crate::registry::{Credentials, RegistryKind};

    fn at() -> Timestamp {
        "2026-02-01T00:00:00Z".parse().unwrap()
    }

    fn container(id: &str, name: &str, env: &str, image: &str) -> Container {
        Container {
            id: ContainerId::parse(id).unwrap(),
            name: name.into(),
            environment: env.into(),
            source_type: SourceType::Registry,
            registry_config: RegistryConfig {
                registry_id: RegistryId::parse("reg-local1"),
                image_name: image.into(),
                image_tag: "1.0".into(),
            },
            created_by: "me".into(),
            created_at: at(),
            updated_at: at(),
        }
    }

    fn data() -> VaultData {
        let creds: Credentials = [
            ("url", "http://127.0.0.1:5000"),
            ("username", "u"),
            ("password", "p-Secret-1"),
        ]
        .into_iter()
        .collect();
        VaultData {
            registries: vec![Registry {
                id: RegistryId::parse("reg-local1").unwrap(),
                name: "local".into(),
                kind: RegistryKind::Custom,
                credentials: creds,
                created_by: "me".into(),
                created_at: at(),
                updated_at: at(),
                credentials_rotated_at: None,
                last_test: None,
                connection: Connection::default(),
                ecr_token: None,
                delegates: Vec::new(),
                host_default: false,
            }],
            containers: vec![
                container("ctr-web001", "Web", "production", "acme/web"),
                container("ctr-web002", "Web", "staging", "acme/web"),
                container("ctr-api001", "api", "staging", "ghcr.io/acme/api"),
            ],
            ..VaultData::default()
        }
    }

    #[test]
    fn one_service_per_container_named_and_qualified() {
        let d = data();
        let r = &d.registries[0];
        let all = service_plans(&d, r, None, "127.0.0.1:5000");
        let got: Vec<(&str, &str)> = all
            .iter()
            .map(|p| (p.service.as_str(), p.image.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("web-production", "127.0.0.1:5000/acme/web:1.0"),
                ("web-staging", "127.0.0.1:5000/acme/web:1.0"),
                ("api-staging", "ghcr.io/acme/api:1.0"),
            ]
        );
        let staging = service_plans(&d, r, Some("staging"), "127.0.0.1:5000");
        assert_eq!(staging.len(), 2);
    }

    #[test]
    fn a_service_whose_image_names_another_host_is_refused_and_named() {
        let d = data();
        let r = &d.registries[0];
        let plans = service_plans(&d, r, None, "127.0.0.1:5000");
        let verdicts: Vec<(&str, bool)> = plans
            .iter()
            .map(|p| {
                (
                    p.service.as_str(),
                    check_image_host(&p.service, &p.image, r, "127.0.0.1:5000").is_ok(),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                ("web-production", true),
                ("web-staging", true),
                ("api-staging", false)
            ]
        );
        let e = check_image_host("api-staging", "ghcr.io/acme/api:1.0", r, "127.0.0.1:5000")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'api-staging'"), "{e}");
        assert!(e.contains("ghcr.io"), "{e}");
        assert!(e.contains("127.0.0.1:5000"), "{e}");
        // Another port on the same host is another registry.
        assert!(check_image_host("s", "127.0.0.1:5001/x:1", r, "127.0.0.1:5000").is_err());
        // Host-less names are Docker Hub's, matched by Hub's auths key.
        assert!(check_image_host("s", "nginx:1", r, "127.0.0.1:5000").is_err());
        assert!(check_image_host("s", "nginx:1", r, "https://index.docker.io/v1/").is_ok());
        assert!(
            check_image_host(
                "s",
                "docker.io/library/nginx:1",
                r,
                "https://index.docker.io/v1/"
            )
            .is_ok()
        );
    }

    #[test]
    fn new_services_carry_labels_and_no_network_or_port() {
        let d = data();
        let r = &d.registries[0];
        let plan = &service_plans(&d, r, None, "127.0.0.1:5000")[0];
        let spec = new_spec(plan, r, &[]);
        assert!(managed_by_us(&spec));
        assert_eq!(label(&spec, SWARM_REGISTRY_ID_LABEL), Some("reg-local1"));
        assert_eq!(label(&spec, SWARM_CONTAINER_ID_LABEL), Some("ctr-web001"));
        assert!(spec.endpoint_spec.is_none());
        let task = spec.task_template.unwrap();
        assert!(task.networks.is_none());
        assert_eq!(
            task.container_spec.unwrap().image.as_deref(),
            Some("127.0.0.1:5000/acme/web:1.0")
        );
        let text = serde_json::to_string(&plan).unwrap();
        assert!(!text.contains("p-Secret-1"));
    }
}
