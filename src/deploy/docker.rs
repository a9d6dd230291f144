//! Talking to a Docker Engine (dockerd, a Swarm manager) through bollard:
//! connect to `DOCKER_HOST` or a given endpoint, check a login on the node
//! with the engine's `POST /auth`, pull an image with `X-Registry-Auth`.
//!
//! Credentials go to the engine in a request body (`/auth`) or header
//! (`X-Registry-Auth`) — never on a command line — and the engine's error
//! messages are scrubbed of the password before they are shown.

use std::fmt;

use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::CreateImageOptionsBuilder;
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

/// Connects to `endpoint` (`unix:///path/docker.sock`), or to `DOCKER_HOST`
/// (default `unix:///var/run/docker.sock`), and agrees on the API version
/// (dockerd 20.10 speaks 1.41; bollard would ask for a newer one).
///
/// # Errors
/// The endpoint cannot be parsed or does not answer `/version`.
pub async fn connect(endpoint: Option<&str>) -> Result<Engine, EngineError> {
    let shown = endpoint.map_or_else(
        || {
            std::env::var("DOCKER_HOST")
                .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
        },
        str::to_owned,
    );
    let unreachable = |e: BollardError| EngineError::Unreachable {
        endpoint: shown.clone(),
        detail: e.to_string(),
    };
    let docker = match endpoint {
        Some(h) => Docker::connect_with_host(h),
        None => Docker::connect_with_defaults(),
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
