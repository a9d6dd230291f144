//! Docker Compose: "docker login before pulling" for a project — the auths
//! of the registries its images use merged into `$DOCKER_CONFIG/config.json`
//! (other entries kept, 0600, atomic), then optionally its images pulled
//! through the engine with those logins.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::{Cancel, OpsError, VaultStore, not_cancelled};
use crate::deploy::compose_io;
use crate::deploy::docker;
use crate::registry::DockerLogin;

/// Which project, and what to do beyond writing the logins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposeRequest {
    pub project_dir: PathBuf,
    /// The compose file, relative to the project [default: compose.yaml, …].
    pub file: Option<PathBuf>,
    /// Pull the images a saved registry serves, through the engine.
    pub pull: bool,
    /// The engine endpoint for the pull [default: `DOCKER_HOST`].
    pub host: Option<String>,
}

/// What a login would write (the plan) or wrote (the report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposePlan {
    pub compose_file: PathBuf,
    /// `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`).
    pub config: PathBuf,
    /// Registry name and the auths key (server) its login goes under.
    pub logins: Vec<(String, String)>,
    pub images: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposeReport {
    pub plan: ComposePlan,
    /// Whether config.json was written (nothing to write: left alone).
    pub written: bool,
    pub pulled: Vec<String>,
}

fn plan_of(
    store: &dyn VaultStore,
    dir: &Path,
    file: Option<&Path>,
) -> Result<(ComposePlan, Vec<DockerLogin>), OpsError> {
    let data = store.read()?;
    let compose_file = compose_io::find_compose_file(dir, file)?;
    let found = compose_io::compose_logins(&data, &compose_file, Timestamp::now())?;
    let mut warnings = found.warnings;
    if found.logins.is_empty() {
        warnings.push(
            "no saved registry serves this project's images: config.json is not changed".to_owned(),
        );
    }
    let plan = ComposePlan {
        compose_file,
        config: compose_io::docker_config_dir().join("config.json"),
        logins: found
            .logins
            .iter()
            .map(|(name, l)| (name.clone(), l.server.clone()))
            .collect(),
        images: found.images,
        warnings,
    };
    Ok((plan, found.logins.into_iter().map(|(_, l)| l).collect()))
}

/// Reads only: the compose file, the registries its images use and the
/// config.json that would be written.
///
/// # Errors
/// No compose file, an invalid one; a host served by several registries.
pub fn plan(store: &dyn VaultStore, req: &ComposeRequest) -> Result<ComposePlan, OpsError> {
    plan_of(store, &req.project_dir, req.file.as_deref()).map(|(p, _)| p)
}

/// Writes the project's logins into config.json; with `pull`, pulls its
/// images through the engine (stopping before the next image on cancel).
///
/// # Errors
/// As `plan`; the config cannot be written; a pull failed; cancelled.
pub async fn login(
    store: &dyn VaultStore,
    req: &ComposeRequest,
    cancel: &Cancel,
) -> Result<ComposeReport, OpsError> {
    let result = login_run(store, req, cancel).await;
    let entry = super::entry_on(store, super::AuditAction::Compose, None)
        .place(format!("project {}", req.project_dir.display()));
    match &result {
        Ok(r) => {
            let mut e = entry.place(format!(
                "project {} -> {}",
                req.project_dir.display(),
                r.plan.config.display()
            ));
            e = e.reason(format!(
                "{}{}",
                if r.written {
                    "logins written to the config"
                } else {
                    "no logins written"
                },
                if req.pull { ", images pulled" } else { "" }
            ));
            store.record(&e);
        }
        Err(_) => super::record_err(store, entry, &result),
    }
    result
}

async fn login_run(
    store: &dyn VaultStore,
    req: &ComposeRequest,
    cancel: &Cancel,
) -> Result<ComposeReport, OpsError> {
    not_cancelled(cancel)?;
    let (mut plan, logins) = plan_of(store, &req.project_dir, req.file.as_deref())?;
    let mut report = ComposeReport::default();
    if !logins.is_empty() {
        let (path, warnings) = compose_io::write_config(&compose_io::docker_config_dir(), &logins)?;
        plan.config = path;
        plan.warnings.extend(warnings);
        report.written = true;
    }
    if req.pull {
        not_cancelled(cancel)?;
        let engine = docker::connect(req.host.as_deref()).await?;
        report.pulled = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(OpsError::Cancelled),
            pulled = compose_io::pull_images(&engine, &plan.images, &logins) => pulled?,
        };
    }
    report.plan = plan;
    Ok(report)
}
