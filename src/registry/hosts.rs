//! Which registry hosts a saved registry serves, as docker names them: what
//! the credential helper matches a server URL against (`get`, `store`,
//! `erase`), lists (`list`), and what "the same host" means for the one
//! registry marked default per host.
//!
//! A server URL is reduced as docker does (`infer::server_host`: scheme
//! and path dropped, Docker Hub's aliases as `docker.io`). ECR serves
//! `<account>.dkr.ecr.<region>.amazonaws.com`: the region is in the
//! credentials, the account only once an exchange told it; GCR's one key
//! serves `gcr.io` and every regional `*.gcr.io`.

use super::infer::{self, ecr_region, server_host};
use super::{Credentials, RegistryKind, auths_key};

/// The hosts one registry serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// One `host[:port]`, lowercase (Docker Hub as `docker.io`).
    Exact(String),
    /// `gcr.io` and `*.gcr.io`.
    Gcr,
    /// An ECR region; the account when a token exchange has told it.
    Ecr {
        region: String,
        account: Option<String>,
    },
}

/// The account id of an ECR host (its first label).
fn ecr_account(host: &str) -> Option<&str> {
    ecr_region(host)?;
    host.split('.').next()
}

/// A cheap, conservative first look: `false` only when `kind` with
/// `creds` cannot serve `host` (already reduced by `server_host`), without
/// validating the fields or parsing a URL. `get` asks it of every
/// registry, so at 1,000 registries the full `HostPattern::of` (field
/// validation, URL parsing, IDNA) runs only for the few that may match.
pub fn may_serve(kind: RegistryKind, creds: &Credentials, host: &str) -> bool {
    // A host the URL parser might spell differently (IDNA, percent
    // escapes, IPv6 forms): no shortcut, the full check decides.
    let plain = |s: &str| s.is_ascii() && !s.contains(['%', '[', '\\']);
    let same = |field: &str| {
        creds
            .get(field)
            .is_none_or(|v| !plain(v) || server_host(v).is_none_or(|h| h == host || !plain(&h)))
    };
    match kind {
        RegistryKind::Public => false,
        RegistryKind::Ghcr => host == "ghcr.io",
        RegistryKind::Docker => host == "docker.io",
        RegistryKind::Quay => host == "quay.io",
        RegistryKind::Gcr => infer::kind_of_host(host) == RegistryKind::Gcr,
        RegistryKind::Ecr => ecr_region(host).is_some(),
        RegistryKind::Gar => host.ends_with("-docker.pkg.dev"),
        RegistryKind::Acr => same("loginServer"),
        RegistryKind::Custom => same("url"),
    }
}

impl HostPattern {
    /// What `kind` with `creds` serves; `None` for public images and
    /// credentials whose host field is invalid. `ecr_account`: the account
    /// an exchange reported (`EcrToken::account_id`).
    pub fn of(
        kind: RegistryKind,
        creds: &Credentials,
        ecr_account: Option<&str>,
    ) -> Option<HostPattern> {
        match kind {
            RegistryKind::Public => None,
            RegistryKind::Gcr => Some(HostPattern::Gcr),
            RegistryKind::Ecr => Some(HostPattern::Ecr {
                region: creds.get("region").filter(|r| !r.is_empty())?.to_owned(),
                account: ecr_account.map(str::to_owned),
            }),
            _ => {
                let key = auths_key(kind, creds).ok().flatten()?;
                server_host(&key).map(HostPattern::Exact)
            }
        }
    }

    /// Whether this registry serves `host` (already reduced by
    /// `infer::server_host`).
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Gcr => infer::kind_of_host(host) == RegistryKind::Gcr,
            HostPattern::Ecr { region, account } => {
                ecr_region(host) == Some(region.as_str())
                    && account
                        .as_deref()
                        .is_none_or(|a| ecr_account(host) == Some(a))
            }
        }
    }

    /// Whether two registries may both answer for one host: then only one
    /// of them may be the host's default.
    pub fn overlaps(&self, other: &HostPattern) -> bool {
        match (self, other) {
            (HostPattern::Exact(a), HostPattern::Exact(b)) => a == b,
            (HostPattern::Gcr, HostPattern::Gcr) => true,
            (
                HostPattern::Ecr { region, account },
                HostPattern::Ecr {
                    region: r2,
                    account: a2,
                },
            ) => region == r2 && (account.is_none() || a2.is_none() || account == a2),
            _ => false,
        }
    }

    /// The server URL `list` reports (docker's key for it): `None` for an
    /// ECR registry whose account is not known yet.
    pub fn list_url(&self, kind: RegistryKind, creds: &Credentials) -> Option<String> {
        match self {
            HostPattern::Exact(_) => auths_key(kind, creds).ok().flatten(),
            HostPattern::Gcr => Some("gcr.io".to_owned()),
            HostPattern::Ecr { region, account } => {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                account
                    .as_ref()
                    .map(|a| format!("{a}.dkr.ecr.{region}.{suffix}"))
            }
        }
    }

    /// How an error names the hosts (`*` where any account or region
    /// label fits).
    pub fn describe(&self) -> String {
        match self {
            HostPattern::Exact(h) => h.clone(),
            HostPattern::Gcr => "gcr.io".to_owned(),
            HostPattern::Ecr { region, account } => format!(
                "{}.dkr.ecr.{region}.amazonaws.com",
                account.as_deref().unwrap_or("*")
            ),
        }
    }
}

/// The user name docker gets for `kind` (`get` and `list`); never a secret.
pub fn docker_username(kind: RegistryKind, creds: &Credentials) -> String {
    match kind {
        RegistryKind::Ecr => "AWS".to_owned(),
        RegistryKind::Gcr | RegistryKind::Gar => infer::JSON_KEY_USER.to_owned(),
        _ => creds.get("username").unwrap_or("").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pairs: &[(&str, &str)]) -> Credentials {
        pairs.iter().copied().collect()
    }

    fn host(s: &str) -> String {
        server_host(s).unwrap()
    }

    #[test]
    fn docker_hub_under_every_name_docker_uses() {
        let hub = HostPattern::of(
            RegistryKind::Docker,
            &creds(&[("username", "u"), ("password", "p")]),
            None,
        )
        .unwrap();
        for s in [
            "https://index.docker.io/v1/",
            "docker.io",
            "registry-1.docker.io",
            "index.docker.io",
        ] {
            assert!(hub.matches(&host(s)), "{s}");
        }
        assert!(!hub.matches(&host("ghcr.io")));
        assert_eq!(
            hub.list_url(RegistryKind::Docker, &creds(&[])).as_deref(),
            Some("https://index.docker.io/v1/")
        );
    }

    #[test]
    fn custom_by_host_and_port_scheme_and_path_ignored() {
        let c = creds(&[("url", "http://127.0.0.1:5000"), ("username", "u")]);
        let p = HostPattern::of(RegistryKind::Custom, &c, None).unwrap();
        assert!(p.matches(&host("127.0.0.1:5000")));
        assert!(p.matches(&host("https://127.0.0.1:5000/v2/")));
        assert!(!p.matches(&host("127.0.0.1:5001")));
        assert!(!p.matches(&host("127.0.0.1")));
    }

    #[test]
    fn ecr_by_region_then_account() {
        let c = creds(&[("region", "eu-west-2")]);
        let any = HostPattern::of(RegistryKind::Ecr, &c, None).unwrap();
        let known = HostPattern::of(RegistryKind::Ecr, &c, Some("123456789012")).unwrap();
        let h = host("123456789012.dkr.ecr.eu-west-2.amazonaws.com");
        let other = host("210987654321.dkr.ecr.eu-west-2.amazonaws.com");
        assert!(any.matches(&h) && any.matches(&other));
        assert!(known.matches(&h) && !known.matches(&other));
        assert!(!any.matches(&host("123456789012.dkr.ecr.us-east-1.amazonaws.com")));
        assert!(any.overlaps(&known));
        assert_eq!(any.list_url(RegistryKind::Ecr, &c), None);
        assert_eq!(
            known.list_url(RegistryKind::Ecr, &c).as_deref(),
            Some(h.as_str())
        );
    }

    #[test]
    fn gcr_serves_its_regional_hosts_public_nothing() {
        let p = HostPattern::of(RegistryKind::Gcr, &creds(&[]), None).unwrap();
        assert!(p.matches("eu.gcr.io") && p.matches("gcr.io"));
        assert!(!p.matches("europe-west3-docker.pkg.dev"));
        assert_eq!(
            HostPattern::of(RegistryKind::Public, &creds(&[]), None),
            None
        );
    }
}

#[cfg(test)]
mod may_serve_tests {
    use super::*;
    use crate::registry::fixtures::sample;

    /// The shortcut never hides a match: wherever the full pattern serves a
    /// host, `may_serve` says it may.
    #[test]
    fn the_shortcut_never_hides_a_match() {
        let hosts = [
            "ghcr.io",
            "docker.io",
            "quay.io",
            "gcr.io",
            "eu.gcr.io",
            "europe-west3-docker.pkg.dev",
            "myregistry.azurecr.io",
            "123456789012.dkr.ecr.eu-west-2.amazonaws.com",
            "registry.example.com:5000",
            "registry.example.com",
            "127.0.0.1:5000",
            "[::1]:5000",
            "xn--bcher-kva.example:5000",
            "other.example",
        ];
        let mut cases: Vec<(RegistryKind, Credentials)> =
            RegistryKind::ALL.iter().map(|k| (*k, sample(*k))).collect();
        for url in [
            "https://Registry.Example.com:5000/v2/",
            "http://127.0.0.1:5000",
            "https://registry.example.com:443",
            "http://[::1]:5000",
            "https://bücher.example:5000",
            "https://user@registry.example.com",
        ] {
            let mut c = sample(RegistryKind::Custom);
            c.set("url", url);
            cases.push((RegistryKind::Custom, c));
        }
        let mut acr = sample(RegistryKind::Acr);
        acr.set("loginServer", "MyRegistry.azurecr.io");
        cases.push((RegistryKind::Acr, acr));
        for (kind, creds) in &cases {
            let Some(pattern) = HostPattern::of(*kind, creds, None) else {
                continue;
            };
            for host in hosts {
                if pattern.matches(host) {
                    assert!(
                        may_serve(*kind, creds, host),
                        "{kind:?} {pattern:?} serves {host} but the shortcut says no"
                    );
                }
            }
        }
        // And it does cut: a GHCR registry is not looked at for quay.io.
        assert!(!may_serve(
            RegistryKind::Ghcr,
            &sample(RegistryKind::Ghcr),
            "quay.io"
        ));
        let custom = sample(RegistryKind::Custom);
        assert!(!may_serve(RegistryKind::Custom, &custom, "other.example"));
    }
}
