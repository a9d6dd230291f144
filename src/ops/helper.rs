//! `regvault helper install|uninstall|status`: route the vault's registry
//! hosts to the credential helper (`docker-credential-regvault`) in docker's
//! `config.json` and the containers `auth.json`, so docker, podman, skopeo
//! and buildah ask the vault, and remove the plaintext `auths` entries the
//! helper replaces. The TUI's helper line reads the same [`status`].
//!
//! Both files are read and changed in memory first, then written (atomic,
//! 0600, never through a link): a bad second file leaves the first as it
//! was too.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::OpsError;
use crate::deploy::config_doc::ConfigDoc;
use crate::deploy::helper_config::{self, Flavor, HostRoute, InstallChange};
use crate::deploy::{
    ensure_private_dir, read_private_text, registry_image_host, write_private_atomic,
};
use crate::model::VaultData;
use crate::registry::RegistryKind;

/// The helper's program name, looked up on `PATH` by every client.
pub const HELPER_PROGRAM: &str = "docker-credential-regvault";

/// The two files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelperPaths {
    /// docker's `config.json`.
    pub docker_config: PathBuf,
    /// The containers `auth.json`.
    pub containers_auth: PathBuf,
    /// podman login's default file, read before `containers_auth`: only
    /// when neither `--containers-auth` nor `REGISTRY_AUTH_FILE` chose the
    /// file (then podman reads only that one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub podman_runtime_auth: Option<PathBuf>,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl HelperPaths {
    /// The given ones, else what the clients use: `$DOCKER_CONFIG`
    /// (default `~/.docker`)`/config.json`; `$REGISTRY_AUTH_FILE`, else
    /// `$XDG_CONFIG_HOME` (default `~/.config`)`/containers/auth.json`.
    #[must_use]
    pub fn resolve(docker_config_dir: Option<&Path>, containers_auth: Option<&Path>) -> Self {
        let home = || env_path("HOME").unwrap_or_else(|| PathBuf::from("."));
        let docker_dir = docker_config_dir.map_or_else(
            || env_path("DOCKER_CONFIG").unwrap_or_else(|| home().join(".docker")),
            Path::to_path_buf,
        );
        let chosen = containers_auth.is_some() || env_path("REGISTRY_AUTH_FILE").is_some();
        let podman_runtime_auth = (!chosen).then(|| {
            env_path("XDG_RUNTIME_DIR").map_or_else(
                || {
                    PathBuf::from(format!(
                        "/run/containers/{}/auth.json",
                        crate::vault::my_uid()
                    ))
                },
                |d| d.join("containers").join("auth.json"),
            )
        });
        let containers_auth = containers_auth.map_or_else(
            || {
                env_path("REGISTRY_AUTH_FILE").unwrap_or_else(|| {
                    env_path("XDG_CONFIG_HOME")
                        .unwrap_or_else(|| home().join(".config"))
                        .join("containers")
                        .join("auth.json")
                })
            },
            Path::to_path_buf,
        );
        HelperPaths {
            docker_config: docker_dir.join("config.json"),
            containers_auth,
            podman_runtime_auth,
        }
    }

    fn each(&self) -> Vec<(Flavor, &Path)> {
        let mut v = vec![
            (Flavor::Docker, self.docker_config.as_path()),
            (Flavor::Containers, self.containers_auth.as_path()),
        ];
        if let Some(p) = &self.podman_runtime_auth {
            v.push((Flavor::PodmanRuntime, p.as_path()));
        }
        v
    }
}

/// A host the helper answers for, and the saved registries on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelperHost {
    /// `host[:port]` as images name it (`docker.io` for Docker Hub).
    pub host: String,
    pub registries: Vec<String>,
}

/// A registry the helper cannot be installed for, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub registry: String,
    pub reason: String,
}

/// The hosts of the vault's registries (or of `only`, ids or names).
///
/// # Errors
/// A name in `only` that is no saved registry.
pub fn helper_hosts(
    data: &VaultData,
    only: &[String],
) -> Result<(Vec<HelperHost>, Vec<Skipped>), OpsError> {
    let chosen: Vec<_> = if only.is_empty() {
        data.registries.iter().collect()
    } else {
        only.iter()
            .map(|n| data.find_registry(n))
            .collect::<Result<_, _>>()?
    };
    let mut hosts: Vec<HelperHost> = Vec::new();
    let mut skipped = Vec::new();
    for r in chosen {
        let skip = |reason: &str| Skipped {
            registry: r.name.clone(),
            reason: reason.to_owned(),
        };
        if r.kind == RegistryKind::Public {
            skipped.push(skip("public: it needs no credentials"));
            continue;
        }
        let Some(host) = registry_image_host(r) else {
            skipped.push(skip(if r.kind == RegistryKind::Ecr {
                "ECR: its host is known once a token was exchanged (run `regvault registry test` on it, then install again)"
            } else {
                "its host field is not valid"
            }));
            continue;
        };
        match hosts.iter_mut().find(|h| h.host == host) {
            Some(h) => h.registries.push(r.name.clone()),
            None => hosts.push(HelperHost {
                host,
                registries: vec![r.name.clone()],
            }),
        }
    }
    Ok((hosts, skipped))
}

/// What one file says for the hosts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRoutes {
    pub flavor: Flavor,
    pub path: PathBuf,
    pub exists: bool,
    /// Why the file could not be read (a link, bad JSON); the routes are
    /// then all "not routed".
    pub error: Option<String>,
    pub routes: Vec<HostRoute>,
}

impl FileRoutes {
    /// The route for `host`.
    #[must_use]
    pub fn route(&self, host: &str) -> Option<&HostRoute> {
        self.routes.iter().find(|r| r.host == host)
    }
}

/// Both files' routes for `hosts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelperStatus {
    pub docker: FileRoutes,
    pub containers: FileRoutes,
    /// podman login's default file, when it applies.
    pub podman_runtime: Option<FileRoutes>,
}

impl HelperStatus {
    /// Every file looked at: docker's, the containers one, podman login's.
    pub fn files(&self) -> impl Iterator<Item = &FileRoutes> {
        [
            Some(&self.docker),
            Some(&self.containers),
            self.podman_runtime.as_ref(),
        ]
        .into_iter()
        .flatten()
    }
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> OpsError {
    OpsError::File {
        path: path.to_owned(),
        source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
    }
}

/// Reads one file: `None` when it does not exist.
fn load(path: &Path) -> Result<(bool, ConfigDoc), OpsError> {
    let text = read_private_text(path).map_err(|source| OpsError::File {
        path: path.to_owned(),
        source,
    })?;
    let doc =
        ConfigDoc::parse(text.as_deref().map(String::as_str)).map_err(|e| file_error(path, e))?;
    Ok((text.is_some(), doc))
}

/// Reads only: what each file says for each of `hosts`. An unreadable
/// file is reported in its `error`, not as a failure.
#[must_use]
pub fn status(paths: &HelperPaths, hosts: &[String]) -> HelperStatus {
    let mut files = paths
        .each()
        .into_iter()
        .map(|(flavor, path)| match load(path) {
            Ok((exists, doc)) => FileRoutes {
                flavor,
                path: path.to_owned(),
                exists,
                error: None,
                routes: helper_config::routes(doc.value(), flavor, hosts),
            },
            Err(e) => FileRoutes {
                flavor,
                path: path.to_owned(),
                exists: true,
                error: Some(e.to_string()),
                routes: hosts
                    .iter()
                    .map(|h| HostRoute {
                        host: h.clone(),
                        ..HostRoute::default()
                    })
                    .collect(),
            },
        });
    let (Some(docker), Some(containers)) = (files.next(), files.next()) else {
        unreachable!("each() lists docker's and the containers file first")
    };
    HelperStatus {
        docker,
        containers,
        podman_runtime: files.next(),
    }
}

/// What install did to one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInstall {
    pub flavor: Flavor,
    pub path: PathBuf,
    pub written: bool,
    #[serde(flatten)]
    pub change: InstallChange,
}

fn write(path: &Path, doc: &ConfigDoc) -> Result<(), OpsError> {
    let io_err = |source| OpsError::File {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    ensure_private_dir(dir).map_err(io_err)?;
    let text = doc.render().map_err(|e| file_error(path, e))?;
    write_private_atomic(path, text.as_bytes()).map_err(io_err)
}

/// Routes `hosts` to regvault in both files; with `remove_plaintext`, the
/// plaintext `auths` entries for them go too. A file with nothing to
/// change is not written (nor created).
///
/// # Errors
/// A file that cannot be read (a link, another user's, not JSON) or
/// written; nothing is written when either cannot be read.
pub fn install(
    paths: &HelperPaths,
    hosts: &[String],
    remove_plaintext: bool,
) -> Result<Vec<FileInstall>, OpsError> {
    let mut docs = Vec::new();
    for (flavor, path) in paths.each() {
        let (_, mut doc) = load(path)?;
        let change = helper_config::install(&mut doc, flavor, hosts, remove_plaintext)
            .map_err(|e| file_error(path, e))?;
        docs.push((flavor, path, doc, change));
    }
    let mut out = Vec::new();
    for (flavor, path, doc, change) in docs {
        let written = change.changed();
        if written {
            write(path, &doc)?;
        }
        out.push(FileInstall {
            flavor,
            path: path.to_owned(),
            written,
            change,
        });
    }
    Ok(out)
}

/// What uninstall removed from one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileUninstall {
    pub flavor: Flavor,
    pub path: PathBuf,
    pub removed: Vec<String>,
}

/// Removes every `credHelpers` entry naming regvault from both files,
/// nothing else. A file without one is left untouched.
///
/// # Errors
/// As [`install`].
pub fn uninstall(paths: &HelperPaths) -> Result<Vec<FileUninstall>, OpsError> {
    let mut docs = Vec::new();
    for (flavor, path) in paths.each() {
        let (exists, mut doc) = load(path)?;
        let removed = if exists {
            helper_config::uninstall(&mut doc)
        } else {
            Vec::new()
        };
        docs.push((flavor, path, doc, removed));
    }
    let mut out = Vec::new();
    for (flavor, path, doc, removed) in docs {
        if !removed.is_empty() {
            write(path, &doc)?;
        }
        out.push(FileUninstall {
            flavor,
            path: path.to_owned(),
            removed,
        });
    }
    Ok(out)
}

/// Whether `docker-credential-regvault` is an executable on `PATH`: the
/// clients run it by that name, and fail every pull of a routed host
/// without it.
#[must_use]
pub fn helper_on_path() -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let p = dir.join(HELPER_PROGRAM);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(&p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            p.is_file()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> HelperPaths {
        HelperPaths::resolve(
            Some(&dir.join("docker")),
            Some(&dir.join("containers").join("auth.json")),
        )
    }

    /// podman login's file loses its plaintext for the routed hosts and
    /// gets no credHelpers entry; a missing one is not created.
    #[test]
    fn podmans_runtime_file_is_cleaned_not_routed() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = paths(dir.path());
        let runtime = dir.path().join("run").join("containers").join("auth.json");
        p.podman_runtime_auth = Some(runtime.clone());
        let hosts = vec!["ghcr.io".to_owned()];
        install(&p, &hosts, true).unwrap();
        assert!(!runtime.exists());
        assert!(status(&p, &hosts).podman_runtime.is_some());

        std::fs::create_dir_all(runtime.parent().unwrap()).unwrap();
        std::fs::write(&runtime, r#"{"auths":{"ghcr.io":{"auth":"Zzpw"}}}"#).unwrap();
        let s = status(&p, &hosts);
        assert_eq!(s.podman_runtime.unwrap().routes[0].plaintext, ["ghcr.io"]);
        let done = install(&p, &hosts, true).unwrap();
        assert_eq!(done[2].change.removed_plaintext, ["ghcr.io"]);
        let left: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&runtime).unwrap()).unwrap();
        assert_eq!(left, serde_json::json!({"auths": {}}));
    }

    #[test]
    fn install_creates_both_files_private_and_uninstall_undoes_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let hosts = vec!["ghcr.io".to_owned(), "docker.io".to_owned()];
        let before = status(&p, &hosts);
        assert!(!before.docker.exists && before.docker.error.is_none());
        assert!(before.docker.routes.iter().all(|r| !r.helper));

        let done = install(&p, &hosts, true).unwrap();
        assert!(done.iter().all(|f| f.written));
        let after = status(&p, &hosts);
        assert!(after.docker.routes.iter().all(|r| r.helper));
        assert!(after.containers.routes.iter().all(|r| r.helper));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in [&p.docker_config, &p.containers_auth] {
                let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", f.display());
            }
        }
        let docker: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p.docker_config).unwrap()).unwrap();
        assert_eq!(
            docker["credHelpers"]["https://index.docker.io/v1/"],
            "regvault"
        );

        let gone = uninstall(&p).unwrap();
        assert_eq!(gone[0].removed.len(), 2);
        assert_eq!(gone[1].removed.len(), 2);
        let after = status(&p, &hosts);
        assert!(after.docker.routes.iter().all(|r| !r.helper));
    }

    #[test]
    fn a_bad_second_file_leaves_the_first_unwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        std::fs::create_dir_all(p.containers_auth.parent().unwrap()).unwrap();
        std::fs::write(
            &p.containers_auth,
            "{\"auths\": {\"x\": {\"auth\": \"c2VjcmV0",
        )
        .unwrap();
        let err = install(&p, &["ghcr.io".to_owned()], false).unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        assert!(!err.to_string().contains("c2VjcmV0"));
        assert!(!p.docker_config.exists(), "nothing written");
        let s = status(&p, &["ghcr.io".to_owned()]);
        assert!(s.containers.error.is_some() && s.docker.error.is_none());
    }
}
