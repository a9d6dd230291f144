//! Docker Swarm operations through the engine API: check the login on the
//! node, plan, apply (one service per container, with registry auth) and
//! sync after a rotation (the services' registry auth replaced, their spec
//! kept, tasks not restarted). Services are taken one at a time and the
//! cancel token is checked before each.

use jiff::Timestamp;

use super::{
    AuditAction, Cancel, OpsError, Progress, VaultStore, entry_on, not_cancelled, record_err, tally,
};
use crate::deploy::docker::{self, Engine, LoginCheck};
use crate::deploy::login_for;
use crate::deploy::swarm::{
    ServiceOutcome, ServicePlan, ServicePreview, SwarmError, check_image_host, service_plans,
};
use crate::model::{Registry, VaultData};
use crate::registry::DockerLogin;

/// Which registry's services, on which engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwarmRequest {
    /// Registry id or name.
    pub registry: String,
    /// Only the containers of these environments (empty: all).
    pub environments: Vec<String>,
    /// The engine endpoint; `None`: `DOCKER_HOST` or the default socket.
    pub host: Option<String>,
    /// New services are attached to these networks.
    pub networks: Vec<String>,
}

/// The engine's answer to the registry's login, checked on the node.
#[derive(Clone, Debug)]
pub struct SwarmCheck {
    pub registry: String,
    pub server: String,
    pub endpoint: String,
    pub login: LoginCheck,
}

fn login_of(r: &Registry) -> Result<DockerLogin, OpsError> {
    login_for(r, Timestamp::now())?.ok_or_else(|| OpsError::Public(r.name.clone()))
}

/// The registry, its login and its services in `req`'s environments.
fn services_of(
    data: &VaultData,
    req: &SwarmRequest,
) -> Result<(Registry, DockerLogin, Vec<ServicePlan>), OpsError> {
    let r = data.find_registry(&req.registry)?;
    let login = login_of(r)?;
    let plans: Vec<ServicePlan> = service_plans(data, r, None, &login.server)
        .into_iter()
        .filter(|p| req.environments.is_empty() || req.environments.contains(&p.environment))
        .collect();
    if plans.is_empty() {
        return Err(OpsError::NoContainers {
            registry: r.name.clone(),
            environments: req.environments.clone(),
        });
    }
    Ok((r.clone(), login, plans))
}

async fn checked(
    host: Option<&str>,
    login: &DockerLogin,
) -> Result<(Engine, LoginCheck), OpsError> {
    let engine = docker::connect(host).await?;
    let check = engine.check_login(login).await?;
    Ok((engine, check))
}

/// Checks the registry's credentials on the node (the engine's `/auth`).
///
/// # Errors
/// No such registry, a public one; no engine.
pub async fn check(
    store: &dyn VaultStore,
    registry: &str,
    host: Option<&str>,
    cancel: &Cancel,
) -> Result<SwarmCheck, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let r = data.find_registry(registry)?;
    let login = login_of(r)?;
    let (engine, login_check) = checked(host, &login).await?;
    Ok(SwarmCheck {
        registry: r.name.clone(),
        server: login.server.clone(),
        endpoint: engine.endpoint.clone(),
        login: login_check,
    })
}

/// One service and what apply would do to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedService {
    pub plan: ServicePlan,
    pub preview: ServicePreview,
}

#[derive(Clone, Debug)]
pub struct SwarmPlan {
    pub registry: String,
    pub server: String,
    pub endpoint: String,
    pub services: Vec<PlannedService>,
}

/// Reads only: the services apply would create or update, and those it
/// would refuse (not regvault's, another registry's).
///
/// # Errors
/// No such registry, no containers; no engine; cancelled.
pub async fn plan(
    store: &dyn VaultStore,
    req: &SwarmRequest,
    cancel: &Cancel,
) -> Result<SwarmPlan, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let (r, login, plans) = services_of(&data, req)?;
    drop(data);
    let engine = docker::connect(req.host.as_deref()).await?;
    let mut services = Vec::with_capacity(plans.len());
    for p in plans {
        not_cancelled(cancel)?;
        let preview = match check_image_host(&p.service, &p.image, &r, &login.server) {
            Err(e) => ServicePreview::Refused(e.to_string()),
            Ok(()) => engine.preview_service(&p, &r).await?,
        };
        services.push(PlannedService { plan: p, preview });
    }
    Ok(SwarmPlan {
        registry: r.name,
        server: login.server.clone(),
        endpoint: engine.endpoint,
        services,
    })
}

/// What happened to one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceState {
    Done(ServiceOutcome),
    Failed(SwarmError),
    /// Not started: the apply was cancelled first.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceResult {
    pub plan: ServicePlan,
    pub state: ServiceState,
}

impl ServiceResult {
    #[must_use]
    pub fn failed(&self) -> bool {
        !matches!(self.state, ServiceState::Done(_))
    }
}

/// What an apply or a sync did on one engine.
#[derive(Clone, Debug)]
pub struct SwarmRun<T> {
    pub registry: String,
    pub server: String,
    pub endpoint: String,
    /// A refused login stops everything before the first service.
    pub login: LoginCheck,
    /// In order, as each service ended.
    pub services: Vec<T>,
    /// Cancelled part-way: the services after the last one done were left
    /// as they were.
    pub cancelled: bool,
}

/// Apply: every planned service, done, failed or not started.
pub type SwarmApplyReport = SwarmRun<ServiceResult>;
/// Sync: the services updated, in name order.
pub type SwarmSyncReport = SwarmRun<ServiceOutcome>;

/// Connects, checks the login on the node and starts the report.
async fn start<T>(
    host: Option<&str>,
    r: &Registry,
    login: &DockerLogin,
) -> Result<(Engine, SwarmRun<T>), OpsError> {
    let (engine, login_check) = checked(host, login).await?;
    let report = SwarmRun {
        registry: r.name.clone(),
        server: login.server.clone(),
        endpoint: engine.endpoint.clone(),
        login: login_check,
        services: Vec::new(),
        cancelled: false,
    };
    Ok((engine, report))
}

impl SwarmRun<ServiceResult> {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.login != LoginCheck::Ok || self.services.iter().any(ServiceResult::failed)
    }
}

/// Checks the login on the node, then creates or updates each service
/// with registry auth, reporting each through `progress`; after a cancel
/// the services not yet started are reported `Cancelled` and left alone.
///
/// # Errors
/// No such registry, no containers; no engine; cancelled before starting.
pub async fn apply(
    store: &dyn VaultStore,
    req: &SwarmRequest,
    progress: Progress<'_, ServiceResult>,
    cancel: &Cancel,
) -> Result<SwarmApplyReport, OpsError> {
    let result = apply_run(store, req, progress, cancel).await;
    let entry = entry_on(store, AuditAction::Swarm, Some(&req.registry))
        .place(req.host.as_deref().unwrap_or("local engine").to_owned());
    match &result {
        Ok(r) => {
            let (ok, line) = tally(
                r.services
                    .iter()
                    .map(|s| (!s.failed(), s.plan.service.clone())),
                r.cancelled,
            );
            let e = entry.place(format!("apply on {}", r.endpoint));
            store.record(&if r.login != LoginCheck::Ok {
                e.failed(&"the registry login failed on the node")
            } else if ok {
                e.reason(line)
            } else {
                e.failed(&line)
            });
        }
        Err(_) => record_err(store, entry, &result),
    }
    result
}

async fn apply_run(
    store: &dyn VaultStore,
    req: &SwarmRequest,
    progress: Progress<'_, ServiceResult>,
    cancel: &Cancel,
) -> Result<SwarmApplyReport, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let (r, login, plans) = services_of(&data, req)?;
    drop(data);
    let (engine, mut report) = start(req.host.as_deref(), &r, &login).await?;
    if report.login != LoginCheck::Ok {
        return Ok(report);
    }
    for p in plans {
        let state = if cancel.is_cancelled() {
            report.cancelled = true;
            ServiceState::Cancelled
        } else {
            match engine.apply_service(&p, &r, &login, &req.networks).await {
                Ok(o) => ServiceState::Done(o),
                Err(e) => ServiceState::Failed(e),
            }
        };
        let result = ServiceResult { plan: p, state };
        progress(&result);
        report.services.push(result);
    }
    Ok(report)
}

/// After a rotation: every service regvault made for the registry gets the
/// new credentials as its registry auth (spec kept, tasks not restarted).
///
/// # Errors
/// No such registry; no engine; an engine error part-way.
pub async fn sync(
    store: &dyn VaultStore,
    registry: &str,
    host: Option<&str>,
    progress: Progress<'_, ServiceOutcome>,
    cancel: &Cancel,
) -> Result<SwarmSyncReport, OpsError> {
    let result = sync_run(store, registry, host, progress, cancel).await;
    let entry = entry_on(store, AuditAction::Swarm, Some(registry))
        .place(host.unwrap_or("local engine").to_owned());
    match &result {
        Ok(r) => {
            let e = entry.place(format!("sync on {}", r.endpoint));
            let line = format!(
                "{} updated{}",
                crate::model::plural(r.services.len(), "service", "services"),
                if r.cancelled { "; cancelled" } else { "" }
            );
            store.record(&if r.login != LoginCheck::Ok {
                e.failed(&"the registry login failed on the node")
            } else if r.cancelled {
                e.failed(&line)
            } else {
                e.reason(line)
            });
        }
        Err(_) => record_err(store, entry, &result),
    }
    result
}

async fn sync_run(
    store: &dyn VaultStore,
    registry: &str,
    host: Option<&str>,
    progress: Progress<'_, ServiceOutcome>,
    cancel: &Cancel,
) -> Result<SwarmSyncReport, OpsError> {
    not_cancelled(cancel)?;
    let data = store.read()?;
    let r = data.find_registry(registry)?.clone();
    drop(data);
    let login = login_of(&r)?;
    let (engine, mut report) = start(host, &r, &login).await?;
    if report.login != LoginCheck::Ok {
        return Ok(report);
    }
    let each = |o: &ServiceOutcome| {
        progress(o);
        !cancel.is_cancelled()
    };
    report.services = engine.sync_services(&r, &login, &each).await?;
    report.cancelled = cancel.is_cancelled();
    Ok(report)
}
