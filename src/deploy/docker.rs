//! Talking to a Docker Engine (dockerd, a Swarm manager) through bollard:
//! connect to `DOCKER_HOST` or a given endpoint, check a login on the node
//! with the engine's `POST /auth`, pull an image with `X-Registry-Auth`.
//!
//! Credentials go to the engine in a request body (`/auth`) or header
//! (`X-Registry-Auth`) — never on a command line — and the engine's error
//! messages are scrubbed of the password before they are shown.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use bollard::auth::DockerCredentials;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::CreateImageOptionsBuilder;
use bollard::{API_DEFAULT_VERSION, Docker};
use bytes::Bytes;
use futures_util::StreamExt as _;
use serde::Serialize;
use zeroize::{Zeroize, Zeroizing};

use crate::registry::DockerLogin;

/// Why talking to the engine failed. Messages never hold a password.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("cannot reach the Docker engine at {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    #[error("{server}: the registry refused the credentials (unauthorized): {detail}")]
    BadCredentials { server: String, detail: String },
    #[error("Docker engine: {0}")]
    Engine(String),
    #[error(
        "refusing to talk to the Docker engine at {endpoint} over plain tcp: registry credentials would cross the network in cleartext — set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) as for the docker CLI, use unix:// or ssh://, or pass --allow-plain-tcp (REGVAULT_ALLOW_PLAIN_TCP=1) on a network you trust"
    )]
    PlainTcpRefused { endpoint: String },
    #[error("TLS to the Docker engine at {endpoint}: {detail}")]
    Tls { endpoint: String, detail: String },
}

/// What the engine said about a login (`POST /auth`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum LoginCheck {
    /// `Login Succeeded`.
    Ok,
    /// The registry answered 401 (dockerd wraps it in a 500).
    BadCredentials { detail: String },
}

/// A connection to one engine, with the endpoint kept for messages.
#[derive(Clone)]
pub struct Engine {
    pub docker: Docker,
    pub endpoint: String,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// bollard's request timeout (seconds), as its own constructors use.
const DEFAULT_TIMEOUT: u64 = 120;

/// Set by `--allow-plain-tcp`: registry auth may go to a remote engine
/// over plain tcp (`REGVAULT_ALLOW_PLAIN_TCP=1` does the same).
static ALLOW_PLAIN_TCP: AtomicBool = AtomicBool::new(false);

/// Allows plain tcp to a non-loopback engine for this process (the CLI's
/// `--allow-plain-tcp`).
pub fn allow_plain_tcp(allow: bool) {
    ALLOW_PLAIN_TCP.store(allow, Ordering::Relaxed);
}

fn env_set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn plain_tcp_allowed() -> bool {
    ALLOW_PLAIN_TCP.load(Ordering::Relaxed)
        || env_set("REGVAULT_ALLOW_PLAIN_TCP")
            .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"))
}

/// How to reach an engine endpoint, decided before any connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// unix://, npipe://, ssh:// and the like: bollard's own connector.
    Local,
    /// Plain http to `tcp://host:port` (loopback, or explicitly allowed).
    Plain,
    /// TLS with the docker CLI's files in `dir`: `ca.pem` (the only roots
    /// trusted besides the system's), `cert.pem` and `key.pem` (the client
    /// certificate).
    Tls { dir: PathBuf },
}

/// The docker CLI's rules: `DOCKER_TLS_VERIFY` (non-empty) means TLS with
/// the certificates in `DOCKER_CERT_PATH` (default `~/.docker`);
/// `https://` always means TLS. Plain tcp goes only to loopback unless
/// `allow_plain` — registry auth travels in every request.
pub(crate) fn route(
    endpoint: &str,
    tls_verify: bool,
    cert_path: Option<&Path>,
    allow_plain: bool,
) -> Result<Route, EngineError> {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return Ok(Route::Local);
    };
    let tls = || {
        let dir = cert_path.map_or_else(
            || {
                std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(".docker"))
                    .unwrap_or_default()
            },
            Path::to_path_buf,
        );
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            if !dir.join(file).is_file() {
                return Err(EngineError::Tls {
                    endpoint: endpoint.to_owned(),
                    detail: format!(
                        "{} is missing (DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem, as for the docker CLI)",
                        dir.join(file).display()
                    ),
                });
            }
        }
        Ok(Route::Tls { dir })
    };
    match scheme {
        "https" => tls(),
        "tcp" | "http" if tls_verify => tls(),
        "tcp" | "http" => {
            let host = url::Url::parse(&format!("http://{rest}"))
                .ok()
                .and_then(|u| u.host().map(|h| h.to_owned()));
            let loopback = match host {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                None => false,
            };
            if loopback || allow_plain {
                Ok(Route::Plain)
            } else {
                Err(EngineError::PlainTcpRefused {
                    endpoint: endpoint.to_owned(),
                })
            }
        }
        _ => Ok(Route::Local),
    }
}

/// Connects to `endpoint` (`unix:///path/docker.sock`), or to `DOCKER_HOST`
/// (default `unix:///var/run/docker.sock`), and agrees on the API version
/// (dockerd 20.10 speaks 1.41; bollard would ask for a newer one). A tcp
/// endpoint that is not loopback needs TLS (`DOCKER_TLS_VERIFY`,
/// `DOCKER_CERT_PATH`) or `--allow-plain-tcp`; refused before connecting.
///
/// # Errors
/// The endpoint cannot be parsed, is refused (plain tcp to another host,
/// missing certificates) or does not answer `/version`.
pub async fn connect(endpoint: Option<&str>) -> Result<Engine, EngineError> {
    let shown = endpoint.map_or_else(
        || env_set("DOCKER_HOST").unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned()),
        str::to_owned,
    );
    let unreachable = |e: BollardError| EngineError::Unreachable {
        endpoint: shown.clone(),
        detail: e.to_string(),
    };
    let cert_path = env_set("DOCKER_CERT_PATH").map(PathBuf::from);
    let docker = match route(
        &shown,
        env_set("DOCKER_TLS_VERIFY").is_some(),
        cert_path.as_deref(),
        plain_tcp_allowed(),
    )? {
        Route::Local => Docker::connect_with_host(&shown),
        Route::Plain => Docker::connect_with_http(&shown, DEFAULT_TIMEOUT, API_DEFAULT_VERSION),
        Route::Tls { dir } => {
            crate::probe::install_crypto_provider();
            Docker::connect_with_ssl(
                &shown,
                &dir.join("key.pem"),
                &dir.join("cert.pem"),
                &dir.join("ca.pem"),
                DEFAULT_TIMEOUT,
                API_DEFAULT_VERSION,
            )
        }
    }
    .map_err(unreachable)?;
    let docker = docker.negotiate_version().await.map_err(unreachable)?;
    Ok(Engine {
        docker,
        endpoint: shown,
    })
}

/// The docker `X-Registry-Auth` payload for a login. Do not log it.
pub(crate) fn credentials(login: &DockerLogin) -> DockerCredentials {
    DockerCredentials {
        username: Some(login.username.clone()),
        password: Some(login.password.expose().to_owned()),
        serveraddress: Some(login.server.clone()),
        ..DockerCredentials::default()
    }
}

/// Removes the password (and its base64 forms would be too long to match
/// by chance) from an engine message.
pub(crate) fn scrub(message: &str, login: Option<&DockerLogin>) -> String {
    let mut out = message.to_owned();
    if let Some(l) = login {
        let secret = l.password.expose();
        if !secret.is_empty() {
            out = out.replace(secret, "********");
        }
    }
    out
}

/// Whether an engine message means "the registry refused these
/// credentials" (dockerd passes the registry's 401 on as text).
pub(crate) fn is_unauthorized(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "incorrect username or password",
        "401 ",
        "access denied",
        "access to the resource is denied",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

impl Engine {
    pub(crate) fn classify(
        &self,
        e: BollardError,
        login: Option<&DockerLogin>,
        server: &str,
    ) -> EngineError {
        match e {
            BollardError::DockerResponseServerError { message, .. }
            | BollardError::DockerStreamError { error: message } => {
                let message = scrub(&message, login);
                if is_unauthorized(&message) {
                    EngineError::BadCredentials {
                        server: server.to_owned(),
                        detail: message,
                    }
                } else {
                    EngineError::Engine(message)
                }
            }
            other => EngineError::Unreachable {
                endpoint: self.endpoint.clone(),
                detail: scrub(&other.to_string(), login),
            },
        }
    }

    /// Asks the engine to log in to `login.server` (`POST /auth`): the
    /// check happens on the node, from where it will pull.
    ///
    /// bollard has no call for `/auth`, so this sends a `/_ping` through a
    /// client whose request modifier turns it into `POST /auth` with the
    /// login as a streamed body (a streamed body is never traced).
    ///
    /// # Errors
    /// The engine cannot be reached, or fails for another reason than the
    /// credentials (the registry is down, …).
    pub async fn check_login(&self, login: &DockerLogin) -> Result<LoginCheck, EngineError> {
        #[derive(Serialize)]
        struct AuthBody<'a> {
            username: &'a str,
            password: &'a str,
            serveraddress: &'a str,
        }
        let body = Zeroizing::new(
            serde_json::to_vec(&AuthBody {
                username: &login.username,
                password: login.password.expose(),
                serveraddress: &login.server,
            })
            .map_err(|e| EngineError::Engine(e.to_string()))?,
        );
        let bytes = Bytes::copy_from_slice(&body);
        let client = self.docker.clone().with_request_modifier(move |req| {
            let (mut parts, _) = req.into_parts();
            let uri = parts.uri.to_string();
            if let Some(at) = uri.rfind("/_ping")
                && let Ok(new) = format!("{}/auth{}", &uri[..at], &uri[at + 6..]).parse()
            {
                parts.uri = new;
            }
            parts.method = http::Method::POST;
            let chunk = bytes.clone();
            let body = bollard::body_stream(futures_util::stream::once(async move { chunk }));
            http::Request::from_parts(parts, body)
        });
        match client.ping().await {
            // `/_ping` answers "OK": only `/auth` says this.
            Ok(text) if text.contains("Login Succeeded") => Ok(LoginCheck::Ok),
            Ok(mut text) => {
                let shown = scrub(&text, Some(login));
                text.zeroize();
                Err(EngineError::Engine(format!(
                    "unexpected answer to POST /auth: {shown}"
                )))
            }
            Err(e) => match self.classify(e, Some(login), &login.server) {
                EngineError::BadCredentials { detail, .. } => {
                    Ok(LoginCheck::BadCredentials { detail })
                }
                other => Err(other),
            },
        }
    }

    /// Pulls `image` (`host/repo:tag` or `…@sha256:…`) onto the node,
    /// with `login` as `X-Registry-Auth` when given.
    ///
    /// # Errors
    /// `BadCredentials` when the registry refuses (or asks for)
    /// credentials; otherwise what the engine said.
    pub async fn pull(&self, image: &str, login: Option<&DockerLogin>) -> Result<(), EngineError> {
        let (name, tag) = split_reference(image);
        let mut opts = CreateImageOptionsBuilder::default().from_image(name);
        if let Some(tag) = tag {
            opts = opts.tag(tag);
        }
        let server = super::image_host(image).unwrap_or("docker.io").to_owned();
        let mut stream = self
            .docker
            .create_image(Some(opts.build()), None, login.map(credentials));
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(detail) = info.error_detail {
                        let msg = detail.message.unwrap_or_default();
                        return Err(self.classify(
                            BollardError::DockerStreamError { error: msg },
                            login,
                            &server,
                        ));
                    }
                }
                Err(e) => return Err(self.classify(e, login, &server)),
            }
        }
        Ok(())
    }
}

/// `host/repo:tag` → (`host/repo`, `tag`); a digest reference is kept whole.
fn split_reference(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (&image[..last_slash + i], Some(&image[last_slash + i + 1..])),
        None => (image, Some("latest")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;

    #[test]
    fn plain_tcp_only_to_loopback_tls_as_the_docker_cli_does() {
        let remote = route("tcp://192.0.2.1:2375", false, None, false).unwrap_err();
        assert!(matches!(remote, EngineError::PlainTcpRefused { .. }));
        assert!(remote.to_string().contains("cleartext"), "{remote}");
        for ok in [
            "tcp://127.0.0.1:2375",
            "tcp://localhost:2375",
            "tcp://[::1]:2375",
            "http://127.0.0.2:2375",
        ] {
            assert_eq!(route(ok, false, None, false).unwrap(), Route::Plain, "{ok}");
        }
        assert_eq!(
            route("tcp://192.0.2.1:2375", false, None, true).unwrap(),
            Route::Plain
        );
        for local in [
            "unix:///var/run/docker.sock",
            "ssh://me@host",
            "npipe:////./pipe/x",
        ] {
            assert_eq!(route(local, true, None, false).unwrap(), Route::Local);
        }
        // DOCKER_TLS_VERIFY: the certificates must be there, or it says which.
        let dir = tempfile::tempdir().unwrap();
        let missing = route("tcp://192.0.2.1:2376", true, Some(dir.path()), false).unwrap_err();
        assert!(missing.to_string().contains("ca.pem"), "{missing}");
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let want = Route::Tls {
            dir: dir.path().to_path_buf(),
        };
        assert_eq!(
            route("tcp://192.0.2.1:2376", true, Some(dir.path()), false).unwrap(),
            want
        );
        assert_eq!(
            route("https://192.0.2.1:2376", false, Some(dir.path()), false).unwrap(),
            want
        );
    }

    #[test]
    fn references_split_like_docker() {
        assert_eq!(
            split_reference("127.0.0.1:5000/app:1.0"),
            ("127.0.0.1:5000/app", Some("1.0"))
        );
        assert_eq!(
            split_reference("127.0.0.1:5000/app"),
            ("127.0.0.1:5000/app", Some("latest"))
        );
        assert_eq!(
            split_reference("ghcr.io/a/b@sha256:abc"),
            ("ghcr.io/a/b@sha256:abc", None)
        );
    }

    #[test]
    fn engine_messages_lose_the_password_and_401s_are_bad_credentials() {
        let login = DockerLogin {
            server: "127.0.0.1:5000".into(),
            username: "u".into(),
            password: SecretValue::new("hunter2-Secret"),
            source: "r".into(),
        };
        let msg = "Get \"http://127.0.0.1:5000/v2/\": unauthorized: hunter2-Secret";
        let s = scrub(msg, Some(&login));
        assert!(!s.contains("hunter2-Secret"));
        assert!(is_unauthorized(&s));
        assert!(!is_unauthorized(
            "dial tcp 127.0.0.1:5000: connection refused"
        ));
        let creds = credentials(&login);
        assert_eq!(creds.serveraddress.as_deref(), Some("127.0.0.1:5000"));
    }
}
