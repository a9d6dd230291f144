//! From what a client stored (a server URL or `auths` key, a username and a
//! secret) to one of the nine kinds with its exact fields — shared by the
//! credential helper's `store` (`docker login`) and every importer.
//!
//! The host decides the kind: `ghcr.io` → GHCR, Docker Hub's keys → Docker,
//! `quay.io` → Quay, `*.azurecr.io` → ACR, `gcr.io` and `*.gcr.io` → GCR
//! (user `_json_key`), `<region>-docker.pkg.dev` → GAR, anything else →
//! Custom. An ECR host is refused: its password is a 12-hour token, and
//! regvault keeps the access keys that mint one.

use std::fmt;

use super::{Credentials, RegistryKind};

/// Docker Hub's names; images and `auths` keys on any of them are Hub's
/// (`deploy::image::normalize_host` reduces hosts through `server_host`).
const HUB_ALIASES: [&str; 4] = [
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
];

/// The user name GCR and GAR take with a service-account key as password.
pub const JSON_KEY_USER: &str = "_json_key";
/// The same, with the key base64-encoded.
pub const JSON_KEY_BASE64_USER: &str = "_json_key_base64";
/// docker's user name for an identity (OAuth refresh) token.
pub const IDENTITY_TOKEN_USER: &str = "<token>";

/// Why a stored login cannot become a registry. Never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InferError {
    /// No host in the server string.
    NoHost(String),
    /// An ECR host: the secret is a 12-hour token, not the access keys.
    EcrToken { host: String },
    /// GCR/GAR without the `_json_key` user: an OAuth access token
    /// (`oauth2accesstoken`) expires within the hour.
    GoogleAccessToken { host: String },
    /// An identity token (`<token>`): a refresh token for that registry's
    /// own OAuth flow, not a pull credential.
    IdentityToken { host: String },
    /// `_json_key_base64` whose value is not base64 of a JSON key.
    BadJsonKey { host: String },
}

impl fmt::Display for InferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InferError::NoHost(s) => write!(f, "no registry host in {s:?}"),
            InferError::EcrToken { host } => write!(
                f,
                "{host} is an ECR registry: ECR needs keys, not a 12-hour token; \
                 add it with the access key id, secret access key and region instead \
                 (regvault registry add --type ECR)"
            ),
            InferError::GoogleAccessToken { host } => write!(
                f,
                "{host}: only a service-account key (user {JSON_KEY_USER}) can be kept; \
                 an OAuth access token expires within the hour"
            ),
            InferError::IdentityToken { host } => write!(
                f,
                "{host}: an identity token (user {IDENTITY_TOKEN_USER}) is a refresh token \
                 for the registry's own login flow, not a pull credential regvault can keep"
            ),
            InferError::BadJsonKey { host } => write!(
                f,
                "{host}: the {JSON_KEY_BASE64_USER} password is not base64 of a JSON key"
            ),
        }
    }
}

impl std::error::Error for InferError {}

/// `host[:port]`, lowercase, from a server URL, an `auths` key or an image
/// prefix: scheme, user info, path, query dropped; Docker Hub's aliases
/// and its `https://index.docker.io/v1/` key as `docker.io`.
pub fn server_host(server: &str) -> Option<String> {
    let s = server.trim();
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = authority.to_ascii_lowercase();
    if host.is_empty() || host.starts_with(':') {
        return None;
    }
    if HUB_ALIASES.contains(&host.as_str()) {
        return Some("docker.io".to_owned());
    }
    Some(host)
}

/// The host without its port (`[::1]:5000` → `::1`).
fn bare(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

/// Whether the host is loopback (where plain http is what registries
/// speak by default, and docker allows it without configuration).
pub fn is_loopback_host(host: &str) -> bool {
    let h = bare(host);
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The region of an ECR registry host
/// (`123456789012.dkr.ecr.eu-west-2.amazonaws.com[.cn]`, or `dkr.ecr-fips`).
pub fn ecr_region(host: &str) -> Option<&str> {
    let h = bare(host);
    let rest = h
        .strip_suffix(".amazonaws.com")
        .or_else(|| h.strip_suffix(".amazonaws.com.cn"))?;
    let (account, region) = rest
        .split_once(".dkr.ecr.")
        .or_else(|| rest.split_once(".dkr.ecr-fips."))?;
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !region.is_empty()
        && !region.contains('.'))
    .then_some(region)
}

/// The region of a GAR host (`europe-west3-docker.pkg.dev`).
fn gar_region(host: &str) -> Option<&str> {
    bare(host)
        .strip_suffix("-docker.pkg.dev")
        .filter(|r| !r.is_empty())
}

fn is_gcr(host: &str) -> bool {
    let h = bare(host);
    h == "gcr.io" || h.ends_with(".gcr.io")
}

/// The kind a host belongs to, as far as the host alone tells (ECR is
/// recognised, though a login for it cannot be kept).
pub fn kind_of_host(host: &str) -> RegistryKind {
    let h = bare(host);
    match h {
        "ghcr.io" => RegistryKind::Ghcr,
        "docker.io" => RegistryKind::Docker,
        "quay.io" => RegistryKind::Quay,
        _ if h.ends_with(".azurecr.io") => RegistryKind::Acr,
        _ if is_gcr(host) => RegistryKind::Gcr,
        _ if gar_region(host).is_some() => RegistryKind::Gar,
        _ if ecr_region(host).is_some() => RegistryKind::Ecr,
        _ => RegistryKind::Custom,
    }
}

/// A registry inferred from a stored login: its kind, exact fields and a
/// suggested name (the host, editable).
#[derive(Debug)]
pub struct Inferred {
    pub host: String,
    pub kind: RegistryKind,
    pub credentials: Credentials,
    pub name: String,
}

/// Turns a login (server, username, secret) into a registry of the right
/// kind. The secret is moved into the credentials, never echoed.
pub fn infer(server: &str, username: &str, secret: &str) -> Result<Inferred, InferError> {
    let host = server_host(server).ok_or_else(|| InferError::NoHost(server.to_owned()))?;
    let kind = kind_of_host(&host);
    let bad_host = || host.clone();
    if username == IDENTITY_TOKEN_USER {
        return Err(InferError::IdentityToken { host: bad_host() });
    }
    let mut c = Credentials::new();
    match kind {
        RegistryKind::Ecr => return Err(InferError::EcrToken { host: bad_host() }),
        RegistryKind::Gcr | RegistryKind::Gar => {
            let key = json_key(&host, username, secret)?;
            c.set("serviceAccountKey", key);
            if let Some(region) = gar_region(&host).filter(|_| kind == RegistryKind::Gar) {
                c.set("region", region);
            }
        }
        RegistryKind::Ghcr | RegistryKind::Quay => {
            c.set("username", username);
            c.set("token", secret);
        }
        RegistryKind::Docker => {
            c.set("username", username);
            c.set("password", secret);
        }
        RegistryKind::Acr => {
            c.set("loginServer", bare(&host));
            c.set("username", username);
            c.set("password", secret);
        }
        RegistryKind::Custom | RegistryKind::Public => {
            let scheme = if is_loopback_host(&host) {
                "http"
            } else {
                "https"
            };
            c.set("url", format!("{scheme}://{host}"));
            c.set("username", username);
            c.set("password", secret);
        }
    }
    Ok(Inferred {
        name: host.clone(),
        host,
        kind,
        credentials: c,
    })
}

/// The service-account key JSON from a `_json_key` / `_json_key_base64`
/// login.
fn json_key(host: &str, username: &str, secret: &str) -> Result<String, InferError> {
    use base64::Engine as _;
    match username {
        JSON_KEY_USER => Ok(secret.to_owned()),
        JSON_KEY_BASE64_USER => base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|s| s.trim_start().starts_with('{'))
            .ok_or_else(|| InferError::BadJsonKey {
                host: host.to_owned(),
            }),
        _ => Err(InferError::GoogleAccessToken {
            host: host.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_as_docker_matches_them() {
        for (s, want) in [
            ("https://index.docker.io/v1/", "docker.io"),
            ("registry-1.docker.io", "docker.io"),
            ("docker.io", "docker.io"),
            ("https://ghcr.io/v2/", "ghcr.io"),
            ("127.0.0.1:5000", "127.0.0.1:5000"),
            (
                "http://user@Registry.Internal:5000/path?x",
                "registry.internal:5000",
            ),
            ("  quay.io\n", "quay.io"),
        ] {
            assert_eq!(server_host(s).as_deref(), Some(want), "{s}");
        }
        assert_eq!(server_host("https:///v1"), None);
        assert_eq!(server_host(""), None);
    }

    #[test]
    fn each_host_gets_its_kind_and_fields() {
        let ghcr = infer("ghcr.io", "octo", "ghp_x").unwrap();
        assert_eq!(ghcr.kind, RegistryKind::Ghcr);
        assert_eq!(ghcr.credentials.get("token"), Some("ghp_x"));
        let hub = infer("https://index.docker.io/v1/", "me", "pw").unwrap();
        assert_eq!(hub.kind, RegistryKind::Docker);
        assert_eq!(hub.credentials.get("password"), Some("pw"));
        assert_eq!(
            infer("quay.io", "a+b", "t").unwrap().kind,
            RegistryKind::Quay
        );
        let acr = infer("myreg.azurecr.io", "myreg", "pw").unwrap();
        assert_eq!(acr.kind, RegistryKind::Acr);
        assert_eq!(acr.credentials.get("loginServer"), Some("myreg.azurecr.io"));
        let google = infer("eu.gcr.io", JSON_KEY_USER, "{\"type\":\"x\"}").unwrap();
        assert_eq!(google.kind, RegistryKind::Gcr);
        assert_eq!(
            google.credentials.get("serviceAccountKey"),
            Some("{\"type\":\"x\"}")
        );
        let gar = infer(
            "europe-west3-docker.pkg.dev",
            JSON_KEY_BASE64_USER,
            "eyJhIjoxfQ==",
        )
        .unwrap();
        assert_eq!(gar.kind, RegistryKind::Gar);
        assert_eq!(gar.credentials.get("region"), Some("europe-west3"));
        assert_eq!(gar.credentials.get("serviceAccountKey"), Some("{\"a\":1}"));
        let local = infer("127.0.0.1:5000", "u", "p").unwrap();
        assert_eq!(local.kind, RegistryKind::Custom);
        assert_eq!(local.credentials.get("url"), Some("http://127.0.0.1:5000"));
        let remote = infer("registry.internal:5000", "u", "p").unwrap();
        assert_eq!(
            remote.credentials.get("url"),
            Some("https://registry.internal:5000")
        );
    }

    #[test]
    fn logins_that_cannot_be_kept_say_why_without_the_secret() {
        let ecr = infer(
            "123456789012.dkr.ecr.eu-west-2.amazonaws.com",
            "AWS",
            "tok-canary",
        )
        .unwrap_err();
        assert!(matches!(ecr, InferError::EcrToken { .. }));
        assert!(ecr.to_string().contains("access key"), "{ecr}");
        let g = infer("gcr.io", "oauth2accesstoken", "ya29.canary").unwrap_err();
        assert!(matches!(g, InferError::GoogleAccessToken { .. }));
        let id = infer("myreg.azurecr.io", IDENTITY_TOKEN_USER, "canary").unwrap_err();
        assert!(matches!(id, InferError::IdentityToken { .. }));
        for e in [ecr, g, id] {
            assert!(!format!("{e}{e:?}").contains("canary"));
        }
    }
}
