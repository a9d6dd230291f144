//! Whether a container's image and its registry agree on the host, caught
//! where they are typed (CLI `container add|update`, the TUI's container
//! form, `registry add`): the image host the registry does not log in to
//! (its credentials would never be sent, or — Swarm — sent to the wrong
//! host), an image naming a host with no registry chosen, and a second
//! registry for one host. Pure: the faces word and show the results.

use super::{Registry, RegistryId, VaultData, escape};
use crate::registry::RegistryKind;
use crate::registry::hosts::{HostPattern, may_serve};
use crate::registry::infer::server_host;

/// The host an image is pulled from, reduced as docker does
/// (`infer::server_host`): its `host[:port]/` prefix, else Docker Hub as
/// `docker.io` (so `nginx`, `docker.io/nginx`, `index.docker.io/…` and
/// `registry-1.docker.io/…` are one host).
#[must_use]
pub fn image_pull_host(image_name: &str) -> Option<String> {
    match explicit_host(image_name) {
        Some(h) => server_host(h),
        None => Some("docker.io".to_owned()),
    }
}

/// The `host[:port]` an image name starts with, when it names one (docker's
/// rule: a first path part with a `.` or `:`, or `localhost`).
#[must_use]
pub fn explicit_host(image_name: &str) -> Option<&str> {
    let (first, _) = image_name.trim().split_once('/')?;
    (first.contains(['.', ':']) || first == "localhost").then_some(first)
}

/// `name (id)`, as messages name registries.
fn named(r: &Registry) -> String {
    format!("'{}' ({})", escape(&r.name), r.id)
}

/// A warning when `registry` does not log in to the host `image_name` is
/// pulled from; `None` when they agree or either is unknown (a public
/// registry, an ECR account not yet known matches any in its region).
#[must_use]
pub fn image_host_warning(image_name: &str, registry: &Registry) -> Option<String> {
    let host = image_pull_host(image_name)?;
    let pattern = registry.host_pattern()?;
    if pattern.matches(&host) {
        return None;
    }
    let login = pattern.describe();
    Some(format!(
        "image on {host}, but registry {} logs in to {login}: its credentials are not used for {} — name the image on {login} (or without a host), or choose the registry of {host}",
        named(registry),
        escape(image_name.trim()),
    ))
}

impl VaultData {
    /// For an image that names a registry host given without a registry:
    /// the saved registries that log in to that host (empty: a public
    /// image, nothing to ask). A host-less name (`nginx`) is never asked
    /// about: it is the usual way to name a public Docker Hub image.
    #[must_use]
    pub fn registries_for_image(&self, image_name: &str) -> Vec<&Registry> {
        match explicit_host(image_name).and_then(server_host) {
            Some(host) => self.registries_for_host(&host),
            None => Vec::new(),
        }
    }

    /// At save of `registry`: the others that log in to the same host (the
    /// credential helper and `export` cannot tell them apart).
    #[must_use]
    pub fn same_host_registries(&self, registry: &Registry) -> Vec<&Registry> {
        match registry.host_pattern() {
            Some(mine) => self.registries_on(&mine, Some(&registry.id)),
            None => Vec::new(),
        }
    }

    /// The registries whose hosts overlap `pattern`, but `except`.
    #[must_use]
    pub fn registries_on(
        &self,
        pattern: &HostPattern,
        except: Option<&RegistryId>,
    ) -> Vec<&Registry> {
        // The TUI asks on every keystroke in a registry form: the cheap
        // first look (`may_serve`, the kind) keeps the full pattern (field
        // validation, URL parsing) to the few that may overlap.
        let may = |r: &Registry| match pattern {
            HostPattern::Exact(host) => may_serve(r.kind, &r.credentials, host),
            HostPattern::Gcr => r.kind == RegistryKind::Gcr,
            HostPattern::Ecr { .. } => r.kind == RegistryKind::Ecr,
        };
        self.registries
            .iter()
            .filter(|r| Some(&r.id) != except && may(r))
            .filter(|r| r.host_pattern().is_some_and(|p| p.overlaps(pattern)))
            .collect()
    }

    /// The warning for `same_host_registries`, naming them and the two
    /// ways out; `None` when the registry is alone on its host.
    #[must_use]
    pub fn same_host_warning(&self, registry: &Registry) -> Option<String> {
        let others = self.same_host_registries(registry);
        if others.is_empty() {
            return None;
        }
        let host = registry.host_pattern()?.describe();
        let list: Vec<String> = others.iter().map(|r| named(r)).collect();
        Some(format!(
            "{} is a second registry for {host} besides {}: mark the one docker-credential-regvault serves with `regvault registry default ID`, and give `regvault export dockerconfig` the one to write with `--registry ID`",
            named(registry),
            list.join(", "),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_names_are_one_host() {
        for name in [
            "nginx",
            "acme/web",
            "docker.io/acme/web",
            "index.docker.io/acme/web",
            "registry-1.docker.io/library/nginx",
        ] {
            assert_eq!(
                image_pull_host(name).as_deref(),
                Some("docker.io"),
                "{name}"
            );
        }
        assert_eq!(
            image_pull_host("ghcr.io/acme/web").as_deref(),
            Some("ghcr.io")
        );
        assert_eq!(
            image_pull_host("localhost:5000/app").as_deref(),
            Some("localhost:5000")
        );
        assert_eq!(explicit_host("acme/web"), None);
    }
}
