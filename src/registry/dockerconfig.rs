//! What docker is given to log in: the `auths` key of each kind, a short host
//! for list screens, the username/password pair per kind, and the
//! `.dockerconfigjson` document a Kubernetes pull secret carries.
//!
//! Rendering writes secrets into buffers sized up front and zeroed on drop,
//! so no reallocation leaves a stray copy of a password on the heap.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::{Host, Url};
use zeroize::Zeroizing;

use super::{
    AuthError, Credentials, DockerLogin, RegistryKind, has_errors, validate_field_for, validate_for,
};
use crate::secret::SecretValue;

/// docker, kubectl, crane and regctl all store Hub credentials under this
/// key; a plain `docker.io` key is never sent to Hub.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

// The fixed parts of a `.dockerconfigjson` entry, in docker's field order.
const HEAD: &str = "{\"auths\":{";
const USER: &str = ":{\"username\":";
const PASS: &str = ",\"password\":";
const AUTH: &str = ",\"auth\":";
const TAIL: &str = "}}";

/// The field's value if it has no structural errors (warnings are fine: a
/// new region still has a host).
fn checked<'a>(
    kind: RegistryKind,
    field: &str,
    creds: &'a Credentials,
) -> Result<&'a str, AuthError> {
    let value = creds.get(field).unwrap_or("");
    // Whether plain http may be used was decided when the registry was
    // saved (with its connection settings); an auths key is host[:port].
    let errors: Vec<String> = validate_field_for(kind, field, value, true)
        .iter()
        .filter(|f| f.is_error())
        .map(ToString::to_string)
        .collect();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(AuthError::Invalid(errors.join("; ")))
    }
}

/// `host[:port]` of a Custom url, as docker matches it against image
/// references. The url crate drops a default port (`:443`), but an image
/// named `host:443/app` asks for the key `host:443`, so an explicit port is
/// taken from the text as written.
fn registry_host(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    let host = match url.host()? {
        Host::Domain(d) => d.to_owned(),
        Host::Ipv4(a) => a.to_string(),
        Host::Ipv6(a) => format!("[{a}]"),
    };
    let authority = raw
        .split_once("://")?
        .1
        .split(['/', '\\', '?', '#'])
        .next()
        .unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = match host_port.split_once(']') {
        Some((_, rest)) => rest,
        None => host_port.rsplit_once(':').map_or("", |(_, p)| p),
    };
    let port = after_host
        .strip_prefix(':')
        .unwrap_or(after_host)
        .parse::<u16>()
        .ok()
        .or(url.port());
    Some(match port {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// The key under `auths` for this registry; `None` for public images.
///
/// # Errors
/// `NeedsTokenExchange` for ECR; `Invalid` when the field the key comes
/// from (loginServer, region, url) has a structural error.
pub fn auths_key(kind: RegistryKind, creds: &Credentials) -> Result<Option<String>, AuthError> {
    let key = match kind {
        RegistryKind::Public => return Ok(None),
        RegistryKind::Ecr => return Err(AuthError::NeedsTokenExchange),
        RegistryKind::Ghcr => "ghcr.io".to_owned(),
        RegistryKind::Docker => DOCKER_HUB_KEY.to_owned(),
        RegistryKind::Gcr => "gcr.io".to_owned(),
        RegistryKind::Quay => "quay.io".to_owned(),
        RegistryKind::Acr => checked(kind, "loginServer", creds)?.to_owned(),
        RegistryKind::Gar => format!("{}-docker.pkg.dev", checked(kind, "region", creds)?),
        RegistryKind::Custom => registry_host(checked(kind, "url", creds)?)
            .ok_or_else(|| AuthError::Invalid("url: must include a host".to_owned()))?,
    };
    Ok(Some(key))
}

/// A short host for list screens; never fails, `?` marks what is invalid.
#[must_use]
pub fn display_host(kind: RegistryKind, creds: &Credentials) -> String {
    let ok = |field| checked(kind, field, creds).ok();
    match kind {
        RegistryKind::Ghcr => "ghcr.io".to_owned(),
        RegistryKind::Docker => "docker.io".to_owned(),
        RegistryKind::Gcr => "gcr.io".to_owned(),
        RegistryKind::Quay => "quay.io".to_owned(),
        RegistryKind::Public => "—".to_owned(),
        RegistryKind::Ecr => match ok("region") {
            Some(r) if r.starts_with("cn-") => format!("*.dkr.ecr.{r}.amazonaws.com.cn"),
            Some(r) => format!("*.dkr.ecr.{r}.amazonaws.com"),
            None => "*.dkr.ecr.?.amazonaws.com".to_owned(),
        },
        RegistryKind::Acr | RegistryKind::Gar | RegistryKind::Custom => {
            auths_key(kind, creds).ok().flatten().unwrap_or_else(|| {
                if kind == RegistryKind::Gar {
                    "?-docker.pkg.dev"
                } else {
                    "?"
                }
                .to_owned()
            })
        }
    }
}

/// The username/password `docker login` would get. Refuses credentials
/// with structural errors: a pull secret that cannot work is worse than
/// none, because it fails later and far from here.
///
/// # Errors
/// `NeedsTokenExchange` for ECR; `Invalid` listing the structural errors.
pub fn docker_login(
    kind: RegistryKind,
    creds: &Credentials,
    source: &str,
) -> Result<Option<DockerLogin>, AuthError> {
    let get = |field| creds.get(field).unwrap_or("");
    let (username, password) = match kind {
        RegistryKind::Public => return Ok(None),
        RegistryKind::Ecr => return Err(AuthError::NeedsTokenExchange),
        RegistryKind::Ghcr | RegistryKind::Quay => (get("username"), get("token")),
        RegistryKind::Docker | RegistryKind::Acr | RegistryKind::Custom => {
            (get("username"), get("password"))
        }
        // Google's documented form: the literal user `_json_key` and the key
        // file, unchanged, as the password.
        RegistryKind::Gcr | RegistryKind::Gar => ("_json_key", get("serviceAccountKey")),
    };
    let findings = validate_for(kind, creds, true);
    if has_errors(&findings) {
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f.is_error())
            .map(ToString::to_string)
            .collect();
        return Err(AuthError::Invalid(format!(
            "registry '{source}': {}",
            errors.join("; ")
        )));
    }
    let Some(server) = auths_key(kind, creds)? else {
        return Ok(None);
    };
    Ok(Some(DockerLogin {
        server,
        username: username.to_owned(),
        password: SecretValue::new(password),
        source: source.to_owned(),
    }))
}

/// Length of `s` as a JSON string literal, quotes included.
fn json_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

/// Escapes as `serde_json` does; hand-written so the length is known before
/// a secret is written.
fn push_json(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `{"auths":{SERVER:{"username":…,"password":…,"auth":base64(user:pass)}}}`,
/// compact, servers sorted, one entry per server.
///
/// # Errors
/// `DuplicateServer` when two logins share an `auths` key: docker keeps one
/// per server, so one of them would silently lose.
pub fn render_dockerconfigjson(logins: &[DockerLogin]) -> Result<Zeroizing<String>, AuthError> {
    let mut by_server: BTreeMap<&str, &DockerLogin> = BTreeMap::new();
    for login in logins {
        if let Some(first) = by_server.get(login.server.as_str()) {
            return Err(AuthError::DuplicateServer {
                server: login.server.clone(),
                first: first.source.clone(),
                second: login.source.clone(),
            });
        }
        by_server.insert(&login.server, login);
    }

    let mut auths: Vec<(&DockerLogin, Zeroizing<String>)> = Vec::with_capacity(by_server.len());
    for login in by_server.into_values() {
        let user = login.username.as_bytes();
        let pass = login.password.expose().as_bytes();
        let mut pair = Zeroizing::new(Vec::with_capacity(user.len() + 1 + pass.len()));
        pair.extend_from_slice(user);
        pair.push(b':');
        pair.extend_from_slice(pass);
        let b64_len = base64::encoded_len(pair.len(), true).unwrap_or(0);
        let mut b64 = Zeroizing::new(String::with_capacity(b64_len));
        STANDARD.encode_string(pair.as_slice(), &mut b64);
        auths.push((login, b64));
    }

    let entries: usize = auths
        .iter()
        .map(|(l, b64)| {
            json_len(&l.server)
                + USER.len()
                + json_len(&l.username)
                + PASS.len()
                + json_len(l.password.expose())
                + AUTH.len()
                + b64.len()
                + 2
                + 1
        })
        .sum();
    let commas = auths.len().saturating_sub(1);
    let mut out = Zeroizing::new(String::with_capacity(
        HEAD.len() + entries + commas + TAIL.len(),
    ));
    out.push_str(HEAD);
    for (i, (login, b64)) in auths.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json(&mut out, &login.server);
        out.push_str(USER);
        push_json(&mut out, &login.username);
        out.push_str(PASS);
        push_json(&mut out, login.password.expose());
        out.push_str(AUTH);
        out.push('"');
        out.push_str(b64);
        out.push_str("\"}");
    }
    out.push_str(TAIL);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::{GHP, sa_key, sample};

    fn login(server: &str, user: &str, pass: &str, source: &str) -> DockerLogin {
        DockerLogin {
            server: server.into(),
            username: user.into(),
            password: SecretValue::new(pass),
            source: source.into(),
        }
    }

    fn with(kind: RegistryKind, field: &str, value: &str) -> Credentials {
        let mut c = sample(kind);
        c.set(field, value);
        c
    }

    #[test]
    fn auths_key_per_kind() {
        use RegistryKind::*;
        let key = |kind| auths_key(kind, &sample(kind));
        assert_eq!(key(Ghcr), Ok(Some("ghcr.io".into())));
        assert_eq!(key(Docker), Ok(Some("https://index.docker.io/v1/".into())));
        assert_eq!(key(Ecr), Err(AuthError::NeedsTokenExchange));
        assert_eq!(key(Acr), Ok(Some("myregistry.azurecr.io".into())));
        assert_eq!(key(Gcr), Ok(Some("gcr.io".into())));
        assert_eq!(key(Gar), Ok(Some("europe-west3-docker.pkg.dev".into())));
        assert_eq!(key(Quay), Ok(Some("quay.io".into())));
        assert_eq!(key(Custom), Ok(Some("registry.example.com:5000".into())));
        assert_eq!(key(Public), Ok(None));
        assert_eq!(
            auths_key(Gar, &with(Gar, "region", "us")),
            Ok(Some("us-docker.pkg.dev".into()))
        );
        assert_eq!(
            auths_key(Acr, &with(Acr, "loginServer", "https://x.azurecr.io")),
            Err(AuthError::Invalid(
                "loginServer: give the host only (e.g. myregistry.azurecr.io), without https://"
                    .into()
            ))
        );
    }

    #[test]
    fn custom_key_is_host_and_explicit_port_only() {
        let key = |url: &str| {
            auths_key(
                RegistryKind::Custom,
                &with(RegistryKind::Custom, "url", url),
            )
        };
        let ok = |s: &str| Ok(Some(s.to_owned()));
        assert_eq!(
            key("https://Registry.Example.com/"),
            ok("registry.example.com")
        );
        assert_eq!(
            key("https://registry.example.com/v2/"),
            ok("registry.example.com")
        );
        // url drops :443 as the default; docker does not.
        assert_eq!(
            key("https://registry.example.com:443"),
            ok("registry.example.com:443")
        );
        assert_eq!(key("http://localhost:5000"), ok("localhost:5000"));
        assert_eq!(key("http://[::1]:5000/"), ok("[::1]:5000"));
        assert_eq!(key("https://[2001:db8::1]"), ok("[2001:db8::1]"));
        assert!(matches!(
            key("https://u:p@registry.example.com"),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn display_host_is_short_and_never_fails() {
        use RegistryKind::*;
        let host = |kind| display_host(kind, &sample(kind));
        assert_eq!(host(Docker), "docker.io");
        assert_eq!(host(Ecr), "*.dkr.ecr.eu-west-2.amazonaws.com");
        assert_eq!(host(Gar), "europe-west3-docker.pkg.dev");
        assert_eq!(host(Custom), "registry.example.com:5000");
        assert_eq!(host(Public), "—");
        assert_eq!(
            display_host(Ecr, &with(Ecr, "region", "cn-north-1")),
            "*.dkr.ecr.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            display_host(Ecr, &with(Ecr, "region", "nowhere")),
            "*.dkr.ecr.?.amazonaws.com"
        );
        assert_eq!(display_host(Acr, &Credentials::new()), "?");
    }

    #[test]
    fn docker_login_per_kind() {
        use RegistryKind::*;
        let l = |kind| docker_login(kind, &sample(kind), "src");
        let ghcr = l(Ghcr).ok().flatten();
        assert_eq!(
            ghcr.as_ref()
                .map(|g| (g.server.as_str(), g.username.as_str(), g.password.expose())),
            Some(("ghcr.io", "octo-cat", GHP))
        );
        let gar = l(Gar).ok().flatten();
        assert_eq!(gar.as_ref().map(|g| g.username.as_str()), Some("_json_key"));
        assert_eq!(gar.map(|g| g.password.expose() == sa_key()), Some(true));
        let quay = l(Quay).ok().flatten();
        assert_eq!(quay.map(|q| q.username), Some("acme+puller".to_owned()));
        assert!(matches!(l(Ecr), Err(AuthError::NeedsTokenExchange)));
        assert!(matches!(l(Public), Ok(None)));
        for kind in [Docker, Acr, Gcr, Custom] {
            assert!(matches!(l(kind), Ok(Some(_))), "{kind}");
        }
    }

    #[test]
    fn docker_login_refuses_invalid_credentials_without_showing_them() {
        let creds = with(RegistryKind::Ghcr, "token", "hunter2-not-a-token");
        let err = docker_login(RegistryKind::Ghcr, &creds, "prod-ghcr").err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some(
                "registry 'prod-ghcr': token: a GitHub classic token starts with ghp_ and is 40 characters"
                    .to_owned()
            )
        );
        // Warnings alone do not refuse.
        let warned = with(RegistryKind::Docker, "password", "an-account-password");
        assert!(matches!(
            docker_login(RegistryKind::Docker, &warned, "hub"),
            Ok(Some(_))
        ));
    }

    #[test]
    fn renders_one_registry_byte_exact() {
        let out = render_dockerconfigjson(&[login("ghcr.io", "user", "pass", "a")]);
        assert_eq!(
            out.as_deref().map(String::as_str),
            Ok(
                r#"{"auths":{"ghcr.io":{"username":"user","password":"pass","auth":"dXNlcjpwYXNz"}}}"#
            )
        );
    }

    #[test]
    fn renders_several_registries_sorted_by_server() {
        use RegistryKind::*;
        let logins: Vec<DockerLogin> = [Custom, Docker, Ghcr, Public]
            .into_iter()
            .filter_map(|k| docker_login(k, &sample(k), k.type_key()).ok().flatten())
            .collect();
        let out = render_dockerconfigjson(&logins);
        let expected = concat!(
            r#"{"auths":{"#,
            r#""ghcr.io":{"username":"octo-cat","password":"ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2","#,
            r#""auth":"b2N0by1jYXQ6Z2hwX2ExQjJhMUIyYTFCMmExQjJhMUIyYTFCMmExQjJhMUIyYTFCMg=="},"#,
            r#""https://index.docker.io/v1/":{"username":"octocat","password":"dckr_pat_x7Y-x7Y-x7Y-x7Y-x7Y-x7Y-x7Y-","#,
            r#""auth":"b2N0b2NhdDpkY2tyX3BhdF94N1kteDdZLXg3WS14N1kteDdZLXg3WS14N1kt"},"#,
            r#""registry.example.com:5000":{"username":"ci","password":"s3cret-pass","auth":"Y2k6czNjcmV0LXBhc3M="}"#,
            r#"}}"#
        );
        assert_eq!(out.as_deref().map(String::as_str), Ok(expected));
    }

    #[test]
    fn escapes_json_and_encodes_the_raw_pair() {
        let out = render_dockerconfigjson(&[login("quay.io", "acme+puller", "tok\"en\\x", "q")]);
        assert_eq!(
            out.as_deref().map(String::as_str),
            Ok(
                r#"{"auths":{"quay.io":{"username":"acme+puller","password":"tok\"en\\x","auth":"YWNtZStwdWxsZXI6dG9rImVuXHg="}}}"#
            )
        );
        // A JSON key as password: newlines and control characters survive a round trip.
        let pass = format!("{}\u{1}", sa_key());
        let out = render_dockerconfigjson(&[login("gcr.io", "_json_key", &pass, "g")]);
        let parsed: serde_json::Value = out
            .as_deref()
            .ok()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        assert_eq!(
            parsed["auths"]["gcr.io"]["password"].as_str(),
            Some(pass.as_str())
        );
        assert_eq!(
            render_dockerconfigjson(&[]).as_deref().map(String::as_str),
            Ok(r#"{"auths":{}}"#)
        );
    }

    #[test]
    fn two_registries_for_one_server_are_refused() {
        let logins = [
            login("ghcr.io", "a", "x", "team-a"),
            login("quay.io", "q", "y", "quay"),
            login("ghcr.io", "b", "z", "team-b"),
        ];
        let err = render_dockerconfigjson(&logins).err();
        assert_eq!(
            err,
            Some(AuthError::DuplicateServer {
                server: "ghcr.io".into(),
                first: "team-a".into(),
                second: "team-b".into(),
            })
        );
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("registries 'team-a' and 'team-b' both log in to ghcr.io; choose one".into())
        );
    }
}
