//! Where each kind logs in and with what: the registry's base URL (or its
//! override), the docker username/password pair, the image to check, and
//! the rules about where credentials may go — plain http only to loopback
//! or with `insecure`, never to link-local addresses, never to a token
//! realm on another host over http.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use url::{Host, Url};

use super::classify::{Failure, LinkLocalRefused};
use super::{Outcome, ProbeOptions};
use crate::model;
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

/// Docker Hub's registry API lives here, though its `auths` key stays
/// `https://index.docker.io/v1/`.
const DOCKER_HUB_API: &str = "https://registry-1.docker.io";

/// The registry's default base URL for kinds that have a fixed one.
pub(crate) fn default_base(kind: RegistryKind, creds: &Credentials) -> Option<String> {
    let get = |f| creds.get(f).unwrap_or("").trim().to_owned();
    Some(match kind {
        RegistryKind::Ghcr => "https://ghcr.io".into(),
        RegistryKind::Docker => DOCKER_HUB_API.into(),
        RegistryKind::Quay => "https://quay.io".into(),
        RegistryKind::Gcr => "https://gcr.io".into(),
        RegistryKind::Gar => format!("https://{}-docker.pkg.dev", get("region")),
        RegistryKind::Acr => format!("https://{}", get("loginServer")),
        RegistryKind::Custom => get("url"),
        RegistryKind::Ecr | RegistryKind::Public => return None,
    })
}

/// The docker username and password for the v2 login (ECR's come from its
/// token exchange instead).
pub(crate) fn login_pair(kind: RegistryKind, creds: &Credentials) -> (String, SecretValue) {
    let get = |f| creds.get(f).unwrap_or("").to_owned();
    match kind {
        RegistryKind::Ghcr | RegistryKind::Quay => {
            (get("username"), SecretValue::new(get("token")))
        }
        RegistryKind::Gcr | RegistryKind::Gar => (
            "_json_key".into(),
            SecretValue::new(get("serviceAccountKey")),
        ),
        _ => (get("username"), SecretValue::new(get("password"))),
    }
}

pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(a) => a.is_loopback(),
        Host::Ipv6(a) => a.is_loopback(),
    }
}

/// Cloud metadata services outside the link-local ranges: Alibaba Cloud's
/// (100.100.100.200) and AWS's IPv6 instance metadata (`fd00:ec2::254`).
/// AWS, GCP, Azure, `OpenStack` and others use 169.254.169.254 (link-local).
const METADATA_V4: [Ipv4Addr; 1] = [Ipv4Addr::new(100, 100, 100, 200)];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)];

fn v4_off_limits(a: Ipv4Addr) -> bool {
    a.is_link_local() || METADATA_V4.contains(&a)
}

/// Where credentials are never sent: link-local addresses (169.254/16,
/// `fe80::/10`) and the cloud metadata addresses, also inside an
/// IPv4-mapped IPv6 address.
pub(crate) fn is_off_limits(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => v4_off_limits(a),
        IpAddr::V6(a) => {
            (a.segments()[0] & 0xffc0) == 0xfe80
                || METADATA_V6.contains(&a)
                || a.to_ipv4_mapped().is_some_and(v4_off_limits)
        }
    }
}

fn host_is_off_limits(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(a) => is_off_limits(IpAddr::V4(*a)),
        Host::Ipv6(a) => is_off_limits(IpAddr::V6(*a)),
        Host::Domain(_) => false,
    }
}

/// `host[:port]` for messages.
pub(crate) fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// Whether a redirect from `from` to `to` stays on the same host and port
/// (an upgrade from http to https's default port on the same host counts).
/// A login answered by another host proves nothing about the registry, so
/// no redirect leaves the host the check started on.
pub(crate) fn same_host(from: &Url, to: &Url) -> bool {
    from.host_str() == to.host_str()
        && (from.port_or_known_default() == to.port_or_known_default()
            || (from.scheme() == "http" && to.scheme() == "https" && to.port().is_none()))
}

/// Parses and checks a registry base URL: http(s), a host, plain http only
/// to loopback or with `insecure`, never link-local.
pub(crate) fn checked_base(raw: &str, insecure: bool) -> Result<Url, Failure> {
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        Failure::new(
            Outcome::Invalid,
            format!("'{raw}' is not a registry URL: {e}"),
        )
    })?;
    let Some(host) = url.host() else {
        return Err(Failure::new(
            Outcome::Invalid,
            format!("'{raw}' has no host"),
        ));
    };
    if host_is_off_limits(&host) {
        return Err(Failure::new(
            Outcome::Unsafe,
            format!(
                "{host} is a link-local or cloud metadata address: credentials are never sent there"
            ),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) || insecure => {}
        "http" => {
            return Err(Failure::new(
                Outcome::Unsafe,
                format!(
                    "refusing to send credentials to {host} over plain http — use https, or mark the registry insecure (regvault registry update ID --insecure)"
                ),
            )
            .advise(super::Advice::MarkInsecure));
        }
        other => {
            return Err(Failure::new(
                Outcome::Invalid,
                format!("'{raw}': the scheme must be https (or http), not {other}"),
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::new(
            Outcome::Invalid,
            "the registry URL must not carry credentials",
        ));
    }
    // The v2 API hangs off the host; a path in the url is not part of it.
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Whether credentials may go to a Bearer token realm: http(s) only, not
/// link-local, and plain http only on the registry's own host when that
/// host may be spoken to in plain http (loopback or `insecure`).
pub(crate) fn check_realm(realm: &Url, registry: &Url, insecure: bool) -> Result<(), Failure> {
    let Some(host) = realm.host() else {
        return Err(Failure::new(
            Outcome::NotARegistry,
            format!("the token realm '{realm}' has no host"),
        ));
    };
    if host_is_off_limits(&host) {
        return Err(Failure::new(
            Outcome::Unsafe,
            format!(
                "the token realm {host} is a link-local or cloud metadata address: credentials are never sent there"
            ),
        ));
    }
    match realm.scheme() {
        "https" => Ok(()),
        "http" => {
            let same_host = realm.host_str() == registry.host_str();
            if same_host && (is_loopback(&host) || insecure) {
                Ok(())
            } else {
                Err(Failure::new(
                    Outcome::Unsafe,
                    format!(
                        "the registry sends credentials to a token service over plain http on {} — refused",
                        host_port(realm)
                    ),
                ))
            }
        }
        other => Err(Failure::new(
            Outcome::NotARegistry,
            format!("the token realm uses '{other}', not https"),
        )),
    }
}

/// A repository and a tag or digest, as the v2 API names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The repository path on the registry (`acme/web`, `library/nginx`).
    pub name: String,
    /// A tag or `sha256:…` digest.
    pub reference: String,
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.reference.contains(':') {
            write!(f, "{}@{}", self.name, self.reference)
        } else {
            write!(f, "{}:{}", self.name, self.reference)
        }
    }
}

/// Reads `[host[:port]/]name[:tag|@digest]`. The host part, when there is
/// one, is dropped (the registry is the one being tested); Docker Hub's
/// one-part names get `library/`; the tag defaults to `latest`.
///
/// # Errors
/// A message saying what is wrong with the name or tag.
pub fn parse_image(raw: &str, kind: RegistryKind) -> Result<ImageRef, String> {
    let raw = raw.trim();
    let (rest, digest) = match raw.split_once('@') {
        Some((r, d)) => (r, Some(d.to_owned())),
        None => (raw, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            parts.remove(0);
        }
    }
    let mut name = parts.join("/");
    model::check_image_name(&name).map_err(|e| e.to_string())?;
    if kind == RegistryKind::Docker && !name.contains('/') {
        name = format!("library/{name}");
    }
    let reference = match (digest, tag) {
        (Some(d), _) => {
            let ok = d.split_once(':').is_some_and(|(alg, hex)| {
                !alg.is_empty() && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if !ok {
                return Err(format!("'{d}' is not a digest (sha256:…)"));
            }
            d
        }
        (None, Some(t)) => {
            model::check_image_tag(t).map_err(|e| e.to_string())?;
            t.to_owned()
        }
        (None, None) => "latest".to_owned(),
    };
    Ok(ImageRef { name, reference })
}

/// Resolves names with the system resolver and drops link-local and cloud
/// metadata answers; a name with nothing else is refused.
struct SafeResolver;

impl reqwest::dns::Resolve for SafeResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let safe: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| !is_off_limits(a.ip()))
                .collect();
            if safe.is_empty() && !addrs.is_empty() {
                return Err(Box::new(LinkLocalRefused(host)) as Box<_>);
            }
            Ok(Box::new(safe.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The proxy variables reqwest (through hyper-util) honours.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Whether a proxy is configured in the environment. `NO_PROXY` is not
/// consulted: re-checking a host that turns out not to be proxied only
/// repeats what the resolver does anyway.
pub(crate) fn proxy_configured() -> bool {
    PROXY_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// The verdict on what this machine resolved `host` to, for a request
/// that goes through a proxy: the proxy resolves the name itself (so
/// `SafeResolver` never sees it), and may pick any answer — any link-local
/// or metadata answer refuses the host.
pub(crate) fn proxied_answers(host: &str, addrs: &[IpAddr]) -> Result<(), Failure> {
    match addrs.iter().find(|a| is_off_limits(**a)) {
        Some(bad) => Err(Failure::new(
            Outcome::Unsafe,
            format!(
                "{host} resolves to {bad}, a link-local or cloud metadata address, and the request would go through the proxy (HTTPS_PROXY/HTTP_PROXY), which would connect to it: credentials are never sent there"
            ),
        )),
        None => Ok(()),
    }
}

/// With a proxy configured, checks a host name the way `SafeResolver`
/// would have: resolved here, refused when any answer is off limits.
/// Address literals were checked already (`checked_base`, `check_realm`).
/// A name this machine cannot resolve is left to the proxy (a proxy-only
/// network resolves outside names there).
///
/// # Errors
/// `Outcome::Unsafe` naming the address.
pub(crate) async fn check_proxied_host(url: &Url) -> Result<(), Failure> {
    if !proxy_configured() {
        return Ok(());
    }
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let Ok(answers) = tokio::net::lookup_host((name, 0)).await else {
        return Ok(());
    };
    let addrs: Vec<IpAddr> = answers.map(|a| a.ip()).collect();
    proxied_answers(name, &addrs)
}

/// The HTTP client for one check: the connect timeout, the CA bundle (only
/// those roots) or the system's roots, no redirects to plain http after
/// https, to link-local addresses or to another host or port.
pub(crate) fn client(opts: &ProbeOptions) -> Result<reqwest::Client, Failure> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(opts.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(5))
        .user_agent(concat!("regvault/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(SafeResolver))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let downgrade = attempt.url().scheme() == "http"
                && attempt.previous().iter().any(|u| u.scheme() == "https");
            let link_local = attempt.url().host().is_some_and(|h| host_is_off_limits(&h));
            let elsewhere = attempt
                .previous()
                .first()
                .is_some_and(|first| !same_host(first, attempt.url()));
            if downgrade || link_local || elsewhere || attempt.previous().len() > 5 {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }));
    if let Some(pem) = &opts.connection.ca_bundle {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Failure::new(
                    Outcome::Invalid,
                    "the CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                )
            })?;
        b = b.tls_certs_only(certs);
    }
    b.build().map_err(|e| {
        Failure::new(
            Outcome::Error,
            format!("could not set up the HTTP client: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback_or_insecure_and_never_link_local() {
        assert!(checked_base("http://127.0.0.1:5000", false).is_ok());
        assert!(checked_base("http://localhost:5000/v2/", false).is_ok());
        assert!(checked_base("http://[::1]:5000", false).is_ok());
        let remote = checked_base("http://10.0.0.5:5000", false).unwrap_err();
        assert_eq!(remote.outcome, Outcome::Unsafe);
        assert!(remote.hint.contains("--insecure"), "{}", remote.hint);
        assert!(checked_base("http://10.0.0.5:5000", true).is_ok());
        for ll in [
            "http://169.254.169.254",
            "https://169.254.169.254",
            "https://[fe80::1]:5000",
        ] {
            assert_eq!(
                checked_base(ll, true).unwrap_err().outcome,
                Outcome::Unsafe,
                "{ll}"
            );
        }
        assert_eq!(
            checked_base("ftp://x", true).unwrap_err().outcome,
            Outcome::Invalid
        );
        let b = checked_base("https://reg.example:5000/some/path?q", false).unwrap();
        assert_eq!(b.as_str(), "https://reg.example:5000/");
    }

    #[test]
    fn cloud_metadata_addresses_are_off_limits_like_link_local() {
        for ip in [
            "169.254.169.254",
            "100.100.100.200",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:169.254.169.254",
            "::ffff:100.100.100.200",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_off_limits(ip), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "100.100.100.201",
            "10.0.0.1",
            "fd00:ec2::253",
            "::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_off_limits(ip), "{ip}");
        }
        for url in [
            "http://100.100.100.200",
            "https://100.100.100.200:443/v2/",
            "https://[fd00:ec2::254]",
            "https://[::ffff:100.100.100.200]",
        ] {
            let f = checked_base(url, true).unwrap_err();
            assert_eq!(f.outcome, Outcome::Unsafe, "{url}");
            assert!(f.hint.contains("cloud metadata"), "{}", f.hint);
        }
        let reg = Url::parse("https://reg.example/").unwrap();
        let realm = Url::parse("https://[fd00:ec2::254]/token").unwrap();
        assert_eq!(
            check_realm(&realm, &reg, true).unwrap_err().outcome,
            Outcome::Unsafe
        );
    }

    #[test]
    fn through_a_proxy_any_off_limits_answer_refuses_the_name() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(proxied_answers("reg.example", &[ip("203.0.113.5")]).is_ok());
        assert!(proxied_answers("reg.example", &[]).is_ok());
        let f = proxied_answers("meta.example", &[ip("203.0.113.5"), ip("100.100.100.200")])
            .unwrap_err();
        assert_eq!(f.outcome, Outcome::Unsafe);
        assert!(f.hint.contains("100.100.100.200"), "{}", f.hint);
        assert!(f.hint.contains("proxy"), "{}", f.hint);
        assert!(proxied_answers("m", &[ip("169.254.169.254")]).is_err());
        assert!(proxied_answers("m", &[ip("fd00:ec2::254")]).is_err());
    }

    #[test]
    fn redirects_stay_on_the_host_and_port() {
        let u = |s| Url::parse(s).unwrap();
        assert!(same_host(
            &u("https://reg.example/v2/"),
            &u("https://reg.example/v2")
        ));
        assert!(same_host(
            &u("http://reg.example/v2/"),
            &u("https://reg.example/v2/")
        ));
        assert!(!same_host(
            &u("http://127.0.0.1:5000/v2/"),
            &u("http://127.0.0.1:5001/v2/")
        ));
        assert!(!same_host(
            &u("https://reg.example/"),
            &u("https://evil.example/")
        ));
        assert!(!same_host(
            &u("https://reg.example/"),
            &u("https://reg.example:8443/")
        ));
    }

    #[test]
    fn token_realms_over_http_stay_on_the_registry_host() {
        let reg = Url::parse("http://127.0.0.1:5000/").unwrap();
        let ok = Url::parse("http://127.0.0.1:5001/token").unwrap();
        assert!(check_realm(&ok, &reg, false).is_ok());
        let elsewhere = Url::parse("http://auth.example/token").unwrap();
        assert_eq!(
            check_realm(&elsewhere, &reg, true).unwrap_err().outcome,
            Outcome::Unsafe
        );
        let https = Url::parse("https://auth.docker.io/token").unwrap();
        assert!(check_realm(&https, &reg, false).is_ok());
        let tls_reg = Url::parse("https://reg.example/").unwrap();
        let downgrade = Url::parse("http://reg.example/token").unwrap();
        assert_eq!(
            check_realm(&downgrade, &tls_reg, false)
                .unwrap_err()
                .outcome,
            Outcome::Unsafe
        );
        let ll = Url::parse("https://169.254.169.254/token").unwrap();
        assert_eq!(
            check_realm(&ll, &reg, true).unwrap_err().outcome,
            Outcome::Unsafe
        );
    }

    #[test]
    fn images_parse_like_docker_reads_them() {
        use RegistryKind::*;
        let p = |s, k| parse_image(s, k).map(|i| i.to_string());
        assert_eq!(p("nginx", Docker).unwrap(), "library/nginx:latest");
        assert_eq!(p("acme/web:1.2", Ghcr).unwrap(), "acme/web:1.2");
        assert_eq!(p("ghcr.io/acme/web:1.2", Ghcr).unwrap(), "acme/web:1.2");
        assert_eq!(
            p("127.0.0.1:5000/acme/web", Custom).unwrap(),
            "acme/web:latest"
        );
        assert_eq!(
            p("acme/web@sha256:abcdef", Custom).unwrap(),
            "acme/web@sha256:abcdef"
        );
        assert!(p("Acme/Web", Custom).is_err());
        assert!(p("acme/web:-bad", Custom).is_err());
        assert!(p("acme/web@nope", Custom).is_err());
    }

    #[test]
    fn the_hosts_each_kind_logs_in_to() {
        use crate::registry::RegistryKind::*;
        let gar: Credentials = [("region", "europe-west3")].into_iter().collect();
        assert_eq!(
            default_base(Gar, &gar).unwrap(),
            "https://europe-west3-docker.pkg.dev"
        );
        assert_eq!(
            default_base(Docker, &Credentials::new()).unwrap(),
            DOCKER_HUB_API
        );
        assert_eq!(
            default_base(Gcr, &Credentials::new()).unwrap(),
            "https://gcr.io"
        );
        let key: Credentials = [("serviceAccountKey", "{json}")].into_iter().collect();
        let (user, pass) = login_pair(Gcr, &key);
        assert_eq!((user.as_str(), pass.expose()), ("_json_key", "{json}"));
    }
}
