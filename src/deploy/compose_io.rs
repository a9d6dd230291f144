//! Docker Compose, the I/O half: read a project's compose file, merge the
//! auths of the registries it uses into `$DOCKER_CONFIG/config.json`
//! (other entries kept, 0600, atomic), and optionally pull its images
//! through the engine with those credentials.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use super::compose::{ComposeError, compose_images, merge_auths, select_registries};
use super::docker::{Engine, EngineError};
use super::fsutil::write_private_atomic;
use super::plan::{PlanError, login_for};
use crate::model::VaultData;
use crate::registry::DockerLogin;

/// The names compose looks for, in its order.
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

#[derive(Debug, thiserror::Error)]
pub enum ComposeIoError {
    #[error(
        "no compose file in {0} (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml)"
    )]
    NoComposeFile(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Compose(#[from] ComposeError),
    #[error("registry '{registry}': {source}")]
    Plan { registry: String, source: PlanError },
    #[error(
        "{host} is served by several saved registries ({ids}); docker keeps one login per host"
    )]
    Ambiguous { host: String, ids: String },
    #[error("pulling {image}: {source}")]
    Pull { image: String, source: EngineError },
}

/// What `compose login` did.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComposeLoginReport {
    pub compose_file: PathBuf,
    pub config: PathBuf,
    /// Registry name → auths key written.
    pub logged_in: Vec<(String, String)>,
    pub pulled: Vec<String>,
    pub warnings: Vec<String>,
}

/// `$DOCKER_CONFIG`, else `~/.docker`.
#[must_use]
pub fn docker_config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".docker")
}

/// The compose file: `file` (relative to `project_dir`), else the first
/// of compose's default names that exists.
///
/// # Errors
/// None found.
pub fn find_compose_file(
    project_dir: &Path,
    file: Option<&Path>,
) -> Result<PathBuf, ComposeIoError> {
    if let Some(f) = file {
        return Ok(project_dir.join(f));
    }
    COMPOSE_FILES
        .iter()
        .map(|n| project_dir.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| ComposeIoError::NoComposeFile(project_dir.to_owned()))
}

/// The images of a compose file and the logins that pull them.
pub struct ComposeLogins {
    pub images: Vec<String>,
    pub logins: Vec<(String, DockerLogin)>,
    pub warnings: Vec<String>,
}

/// Reads the compose file and picks the saved registries its images use.
///
/// # Errors
/// Unreadable or invalid compose file; a host served by several
/// registries; a registry without usable credentials.
pub fn compose_logins(
    data: &VaultData,
    compose_file: &Path,
    now: Timestamp,
) -> Result<ComposeLogins, ComposeIoError> {
    let text = std::fs::read_to_string(compose_file).map_err(|source| ComposeIoError::Io {
        path: compose_file.to_owned(),
        source,
    })?;
    let images = compose_images(&text)?;
    let sel = select_registries(data, &images);
    if let Some((host, ids)) = sel.ambiguous.iter().next() {
        return Err(ComposeIoError::Ambiguous {
            host: host.clone(),
            ids: ids
                .iter()
                .map(|i| i.as_str().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut warnings = Vec::new();
    for img in &sel.unmatched {
        warnings.push(format!(
            "{img}: no saved registry serves it; compose pulls it without credentials"
        ));
    }
    for img in &sel.unresolved {
        warnings.push(format!(
            "{img}: has ${{…}} variables; compose fills them in, regvault cannot tell its registry"
        ));
    }
    let mut logins = Vec::new();
    for id in sel.matched.keys() {
        let Some(r) = data.registry(id.as_str()) else {
            continue;
        };
        match login_for(r, now) {
            Ok(Some(l)) => logins.push((r.name.clone(), l)),
            Ok(None) => {}
            Err(source) => {
                return Err(ComposeIoError::Plan {
                    registry: r.name.clone(),
                    source,
                });
            }
        }
    }
    Ok(ComposeLogins {
        images: images.into_iter().map(|i| i.image).collect(),
        logins,
        warnings,
    })
}

/// Merges `logins` into `<config_dir>/config.json` (created 0700/0600 if
/// missing); returns the merge's warnings.
///
/// # Errors
/// The existing file is unreadable or not a JSON object; write failures.
pub fn write_config(
    config_dir: &Path,
    logins: &[DockerLogin],
) -> Result<(PathBuf, Vec<String>), ComposeIoError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ComposeIoError::Io { path, source }
    };
    super::fsutil::ensure_private_dir(config_dir).map_err(io(config_dir))?;
    let path = config_dir.join("config.json");
    // Never through a symlink or hard link planted at the name, or a
    // linked directory (see `fsutil`).
    let existing = super::fsutil::read_private_text(&path).map_err(io(&path))?;
    let merged = merge_auths(existing.as_ref().map(|t| t.as_str()), logins)?;
    write_private_atomic(&path, merged.text.as_bytes()).map_err(io(&path))?;
    Ok((path, merged.warnings))
}

/// Pulls the `images` a login serves through the engine, with that login;
/// the others (public images, other registries) are left to compose.
///
/// # Errors
/// The first image that fails.
pub async fn pull_images(
    engine: &Engine,
    images: &[String],
    logins: &[DockerLogin],
) -> Result<Vec<String>, ComposeIoError> {
    let mut pulled = Vec::new();
    for image in images {
        if image.contains('$') {
            continue;
        }
        let host = super::image_host(image).unwrap_or("docker.io");
        let Some(login) = logins
            .iter()
            .find(|l| super::same_registry_host(&l.server, host))
        else {
            continue;
        };
        engine
            .pull(image, Some(login))
            .await
            .map_err(|source| ComposeIoError::Pull {
                image: image.clone(),
                source,
            })?;
        pulled.push(image.clone());
    }
    Ok(pulled)
}
