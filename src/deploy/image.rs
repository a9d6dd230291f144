//! Which registry an image is pulled from, as docker and the kubelet read
//! image references, and the fully qualified image a pod spec is given.
//!
//! Docker's rule: the first path part is a registry host when more parts
//! follow and it has a `.` or `:`, is `localhost`, or has an uppercase
//! letter; otherwise the image is on Docker Hub. Hub's auths key
//! (`https://index.docker.io/v1/`) and its image hosts (`docker.io`,
//! `index.docker.io`, `registry-1.docker.io`) are one registry.

use url::Url;

use crate::model::{EcrToken, Registry};
use crate::registry::{self, RegistryKind};

const HUB: &str = "docker.io";

/// The registry host an image names, or `None` for Docker Hub's
/// host-less form (`nginx`, `acme/web`). Tag and digest may be present.
#[must_use]
pub fn image_host(image: &str) -> Option<&str> {
    let (first, _) = image.split_once('/')?;
    let is_host = first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase());
    is_host.then_some(first)
}

/// A host or an auths key reduced to what images name: lowercase, no
/// scheme or path, Docker Hub's aliases as `docker.io`.
pub(crate) fn normalize_host(host_or_key: &str) -> String {
    registry::infer::server_host(host_or_key).unwrap_or_default()
}

/// Whether two hosts or auths keys name the same registry.
#[must_use]
pub fn same_registry_host(a: &str, b: &str) -> bool {
    normalize_host(a) == normalize_host(b)
}

/// `host[:port]` of an ECR token's proxy endpoint
/// (`https://123456789012.dkr.ecr.eu-west-2.amazonaws.com`).
pub(crate) fn ecr_host(token: &EcrToken) -> Option<String> {
    let raw = token.proxy_endpoint.trim();
    let url = if raw.contains("://") {
        Url::parse(raw)
    } else {
        Url::parse(&format!("https://{raw}"))
    }
    .ok()?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())?
        .to_ascii_lowercase();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// The host images of this registry are named with: `ghcr.io`,
/// `docker.io`, an ACR login server, a Custom `host:port`, an ECR proxy
/// host (only known once a token was exchanged). `None` for Public and for
/// credentials whose host field is invalid.
#[must_use]
pub fn registry_image_host(r: &Registry) -> Option<String> {
    match r.kind {
        RegistryKind::Public => None,
        RegistryKind::Ecr => r.ecr_token.as_ref().and_then(ecr_host),
        kind => registry::auths_key(kind, &r.credentials)
            .ok()
            .flatten()
            .map(|k| normalize_host(&k)),
    }
}

/// `imageName:imageTag` with the registry's host in front when the name
/// has none: `ghcr.io/acme/web:1.0`, `docker.io/library/nginx:1.27`,
/// `registry.example.com:5000/app:2`. A name that already has a host is
/// kept as written. `server` is the registry's auths key.
#[must_use]
pub fn qualified_image(image_name: &str, image_tag: &str, server: &str) -> String {
    if image_host(image_name).is_some() {
        return format!("{image_name}:{image_tag}");
    }
    let host = normalize_host(server);
    if host == HUB && !image_name.contains('/') {
        format!("{HUB}/library/{image_name}:{image_tag}")
    } else {
        format!("{host}/{image_name}:{image_tag}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_as_docker_reads_them() {
        assert_eq!(image_host("nginx"), None);
        assert_eq!(image_host("acme/web"), None);
        assert_eq!(image_host("acme/web/api:1"), None);
        assert_eq!(image_host("ghcr.io/acme/web"), Some("ghcr.io"));
        assert_eq!(image_host("localhost/web"), Some("localhost"));
        assert_eq!(image_host("localhost:5000/web:1"), Some("localhost:5000"));
        assert_eq!(image_host("[::1]:5000/web"), Some("[::1]:5000"));
        assert_eq!(image_host("Registry/web"), Some("Registry"));
        assert_eq!(image_host("ghcr.io"), None, "one part: a Hub image name");
    }

    #[test]
    fn hub_aliases_and_keys_are_one_registry() {
        for a in [
            "docker.io",
            "index.docker.io",
            "registry-1.docker.io",
            "Docker.IO",
        ] {
            assert!(same_registry_host(a, "https://index.docker.io/v1/"), "{a}");
        }
        assert!(same_registry_host("GHCR.io", "https://ghcr.io/"));
        assert!(!same_registry_host("ghcr.io", "quay.io"));
        assert!(!same_registry_host(
            "reg.example.com",
            "reg.example.com:5000"
        ));
    }

    #[test]
    fn prefixes_the_host_per_kind() {
        let q = qualified_image;
        assert_eq!(q("acme/web", "1.0", "ghcr.io"), "ghcr.io/acme/web:1.0");
        assert_eq!(
            q("nginx", "1.27", "https://index.docker.io/v1/"),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(
            q("acme/web", "2", "https://index.docker.io/v1/"),
            "docker.io/acme/web:2"
        );
        assert_eq!(
            q("app", "2", "registry.example.com:5000"),
            "registry.example.com:5000/app:2"
        );
        assert_eq!(q("team/app", "x", "quay.io"), "quay.io/team/app:x");
        assert_eq!(
            q("proj/repo/img", "v1", "europe-west3-docker.pkg.dev"),
            "europe-west3-docker.pkg.dev/proj/repo/img:v1"
        );
        // Already qualified: as written, whatever the registry.
        assert_eq!(
            q("ghcr.io/acme/web", "1.0", "https://index.docker.io/v1/"),
            "ghcr.io/acme/web:1.0"
        );
        assert_eq!(
            q(
                "docker.io/library/nginx",
                "1",
                "https://index.docker.io/v1/"
            ),
            "docker.io/library/nginx:1"
        );
    }

    #[test]
    fn ecr_host_from_the_proxy_endpoint() {
        let token = |endpoint: &str| EcrToken {
            account_id: "123456789012".into(),
            proxy_endpoint: endpoint.into(),
            token: "t".into(),
            expires_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let host = "123456789012.dkr.ecr.eu-west-2.amazonaws.com";
        assert_eq!(
            ecr_host(&token(&format!("https://{host}"))).as_deref(),
            Some(host)
        );
        assert_eq!(
            ecr_host(&token(&format!("https://{host}/"))).as_deref(),
            Some(host)
        );
        assert_eq!(ecr_host(&token(host)).as_deref(), Some(host));
        assert_eq!(
            ecr_host(&token("http://127.0.0.1:5000")).as_deref(),
            Some("127.0.0.1:5000")
        );
        assert_eq!(ecr_host(&token("")), None);
    }
}
