//! The live check, as `docker login` does it: `GET /v2/`, read the
//! challenges, log in with Basic or through the Bearer token service, then
//! (with an image) get a pull-scope token and `HEAD` the manifest — HEAD
//! is not counted against Docker Hub's pull quota.

use reqwest::header::{ACCEPT, HeaderMap, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Client, Response, StatusCode};
use url::Url;

use super::challenge::{Challenge, parse_challenges};
use super::classify::{Advice, Failure, classify_error, rate_limit_reset, unexpected_status};
use super::target::{self, ImageRef, host_port};
use super::{Found, Live, Outcome, ProbeOptions, StepKind, Steps, body, ecr};
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// How requests after the challenge authenticate.
enum Auth {
    None,
    Basic,
    Bearer(SecretValue),
}

struct Session<'a> {
    client: Client,
    base: Url,
    host: String,
    insecure: bool,
    username: String,
    password: SecretValue,
    steps: &'a Steps,
    has_ca: bool,
}

fn rate_limited(headers: &HeaderMap, what: &str) -> Failure {
    let reset = rate_limit_reset(headers)
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    Failure::new(
        Outcome::RateLimited,
        format!(
            "{what} is rate-limiting this client{reset} — wait, or log in with an account that has a higher limit"
        ),
    )
}

/// Where a 3xx answer points, as `host[:port]` (parsed, so nothing the
/// server wrote is shown raw).
fn redirect_target(resp: &Response) -> String {
    resp.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| resp.url().join(l).ok())
        .map_or_else(|| "somewhere else".to_owned(), |u| host_port(&u))
}

fn challenges(headers: &HeaderMap) -> Vec<Challenge> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .collect()
}

impl Session<'_> {
    fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        u.set_path(path);
        u
    }

    async fn send(&self, req: reqwest::RequestBuilder, auth: &Auth) -> Result<Response, Failure> {
        let req = match auth {
            Auth::None => req,
            Auth::Basic => req.basic_auth(&self.username, Some(self.password.expose())),
            Auth::Bearer(t) => req.bearer_auth(t.expose()),
        };
        req.send()
            .await
            .map_err(|e| classify_error(&e.without_url(), &self.host))
    }

    /// Step 1: `GET /v2/` without credentials — reachability, TLS, challenge.
    async fn first_contact(&self) -> Result<Option<Challenge>, Failure> {
        let resp = match self
            .send(self.client.get(self.url("/v2/")), &Auth::None)
            .await
        {
            Ok(r) => r,
            Err(f) => {
                match f.outcome {
                    Outcome::TlsUntrusted => {
                        self.steps
                            .pass(StepKind::HostReached, format!("connected to {}", self.host));
                        self.steps.fail(StepKind::TlsVerified, f.hint.clone());
                    }
                    _ => self.steps.fail(StepKind::HostReached, f.hint.clone()),
                }
                return Err(f);
            }
        };
        let status = resp.status();
        self.steps.pass(
            StepKind::HostReached,
            format!("{} answered GET /v2/ with {}", self.host, status.as_u16()),
        );
        if self.base.scheme() == "https" {
            self.steps.pass(
                StepKind::TlsVerified,
                if self.client_has_custom_ca() {
                    format!(
                        "certificate of {} trusted through the registry's CA bundle",
                        self.host
                    )
                } else {
                    format!("certificate of {} trusted by the system roots", self.host)
                },
            );
        } else {
            let why = if self.base.host().is_some_and(|h| target::is_loopback(&h)) {
                "plain http to loopback"
            } else {
                "plain http (registry marked insecure)"
            };
            self.steps.skip(StepKind::TlsVerified, why);
        }
        match status {
            StatusCode::OK => {
                self.steps.pass(
                    StepKind::Challenge,
                    "none: the registry allows anonymous access",
                );
                Ok(None)
            }
            StatusCode::UNAUTHORIZED => {
                let all = challenges(resp.headers());
                let pick = all
                    .iter()
                    .find(|c| c.is("bearer") && c.param("realm").is_some())
                    .or_else(|| all.iter().find(|c| c.is("basic")))
                    .cloned();
                if let Some(c) = pick {
                    let others = all.len() - 1;
                    let extra = if others > 0 {
                        let noun = if others == 1 {
                            "challenge"
                        } else {
                            "challenges"
                        };
                        format!(" (+{others} other {noun})")
                    } else {
                        String::new()
                    };
                    self.steps.pass(StepKind::Challenge, format!("{c}{extra}"));
                    Ok(Some(c))
                } else {
                    let f = Failure::new(
                        Outcome::NotARegistry,
                        format!(
                            "{} answered 401 without a Basic or Bearer challenge — not a registry's v2 API",
                            self.host
                        ),
                    );
                    self.steps.fail(StepKind::Challenge, f.hint.clone());
                    Err(f)
                }
            }
            StatusCode::TOO_MANY_REQUESTS => Err(rate_limited(resp.headers(), &self.host)),
            s if s.is_redirection() => {
                let f = Failure::new(
                    Outcome::NotARegistry,
                    format!(
                        "{} redirected GET /v2/ to {} — a registry answers /v2/ on its own host, so this was not followed; if that host is the registry, use its URL",
                        self.host,
                        redirect_target(&resp)
                    ),
                );
                self.steps.fail(StepKind::Challenge, f.hint.clone());
                Err(f)
            }
            s if s.is_server_error() => {
                Err(unexpected_status(s, &format!("{} GET /v2/", self.host)))
            }
            s => {
                let f = Failure::new(
                    Outcome::NotARegistry,
                    format!(
                        "{} answered GET /v2/ with {} — no registry v2 API there; check the URL",
                        self.host,
                        s.as_u16()
                    ),
                );
                self.steps.fail(StepKind::Challenge, f.hint.clone());
                Err(f)
            }
        }
    }

    fn client_has_custom_ca(&self) -> bool {
        self.has_ca
    }

    /// A token from the Bearer realm, for `scope` (or none: login only).
    async fn token(&self, ch: &Challenge, scope: Option<&str>) -> Result<SecretValue, Failure> {
        let realm_raw = ch.param("realm").unwrap_or_default();
        let mut realm = Url::parse(realm_raw)
            .or_else(|_| self.base.join(realm_raw))
            .map_err(|_| {
                Failure::new(
                    Outcome::NotARegistry,
                    format!("the token realm '{realm_raw}' is not a URL"),
                )
            })?;
        target::check_realm(&realm, &self.base, self.insecure)?;
        target::check_proxied_host(&realm).await?;
        {
            let mut q = realm.query_pairs_mut();
            if let Some(service) = ch.param("service") {
                q.append_pair("service", service);
            }
            if let Some(scope) = scope {
                q.append_pair("scope", scope);
            }
            if !self.username.is_empty() {
                q.append_pair("account", &self.username);
            }
        }
        let token_host = host_port(&realm);
        let auth = if self.username.is_empty() {
            Auth::None
        } else {
            Auth::Basic
        };
        let resp = self
            .send(self.client.get(realm), &auth)
            .await
            .map_err(|mut f| {
                f.hint = format!("token service: {}", f.hint);
                f
            })?;
        match resp.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => {
                return Err(Failure::new(
                    Outcome::BadCredentials,
                    format!(
                        "the token service {token_host} refused the username or secret (401) — check them, or rotate them with regvault registry update"
                    ),
                )
                .advise(Advice::CheckCredentials));
            }
            StatusCode::FORBIDDEN => {
                return Err(Failure::new(
                    Outcome::NoPermission,
                    format!("the token service {token_host} denied access (403)"),
                ));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                return Err(rate_limited(resp.headers(), &token_host));
            }
            s => {
                return Err(unexpected_status(
                    s,
                    &format!("the token service {token_host}"),
                ));
            }
        }
        let bytes = body::read_capped(
            resp,
            body::MAX_BODY,
            &format!("the token service {token_host}"),
            &token_host,
        )
        .await?;
        let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            Failure::new(
                Outcome::Error,
                format!("the token service {token_host} answered without JSON"),
            )
        })?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(SecretValue::new)
            .ok_or_else(|| {
                Failure::new(
                    Outcome::Error,
                    format!("the token service {token_host} answered without a token"),
                )
            })
    }

    /// Step 2: log in as docker does; returns how later requests authenticate.
    async fn login(&self, ch: Option<&Challenge>) -> Result<Auth, Failure> {
        let Some(ch) = ch else {
            self.steps.skip(
                StepKind::CredentialsAccepted,
                "the registry asked for none (anonymous access)",
            );
            return Ok(Auth::None);
        };
        let auth = if ch.is("bearer") {
            match self.token(ch, None).await {
                Ok(t) => Auth::Bearer(t),
                Err(f) => {
                    self.steps
                        .fail(StepKind::CredentialsAccepted, f.hint.clone());
                    return Err(f);
                }
            }
        } else {
            Auth::Basic
        };
        let resp = match self.send(self.client.get(self.url("/v2/")), &auth).await {
            Ok(r) => r,
            Err(f) => {
                self.steps
                    .fail(StepKind::CredentialsAccepted, f.hint.clone());
                return Err(f);
            }
        };
        let f = match resp.status() {
            StatusCode::OK => {
                let how = if matches!(auth, Auth::Basic) {
                    "Basic"
                } else {
                    "a Bearer token"
                };
                self.steps.pass(
                    StepKind::CredentialsAccepted,
                    format!("GET /v2/ with {how} as {} → 200", self.username),
                );
                return Ok(auth);
            }
            StatusCode::UNAUTHORIZED => Failure::new(
                Outcome::BadCredentials,
                format!(
                    "{} refused the username or secret (401) — check them, or rotate them with regvault registry update",
                    self.host
                ),
            )
            .advise(Advice::CheckCredentials),
            StatusCode::FORBIDDEN => Failure::new(
                Outcome::NoPermission,
                format!("{} knows the account but denies it access (403)", self.host),
            ),
            StatusCode::TOO_MANY_REQUESTS => rate_limited(resp.headers(), &self.host),
            s if s.is_redirection() => Failure::new(
                Outcome::Unsafe,
                format!(
                    "{} redirected the login (GET /v2/ with credentials) to {} — another host's answer says nothing about these credentials, so it was not followed",
                    self.host,
                    redirect_target(&resp)
                ),
            ),
            s => unexpected_status(s, &format!("{} GET /v2/", self.host)),
        };
        self.steps
            .fail(StepKind::CredentialsAccepted, f.hint.clone());
        Err(f)
    }

    /// Step 3: can this registry pull this image?
    async fn pull(
        &self,
        ch: Option<&Challenge>,
        auth: Auth,
        image: &ImageRef,
    ) -> Result<(), Failure> {
        let auth = match (&auth, ch) {
            (Auth::Bearer(_), Some(ch)) => {
                let scope = format!("repository:{}:pull", image.name);
                match self.token(ch, Some(&scope)).await {
                    Ok(t) => Auth::Bearer(t),
                    Err(f) => {
                        self.steps.fail(StepKind::PullPermission, f.hint.clone());
                        return Err(f);
                    }
                }
            }
            _ => auth,
        };
        let path = format!("/v2/{}/manifests/{}", image.name, image.reference);
        let head = self
            .client
            .head(self.url(&path))
            .header(ACCEPT, MANIFEST_TYPES);
        let resp = match self.send(head, &auth).await {
            Ok(r) => r,
            Err(f) => {
                self.steps.fail(StepKind::PullPermission, f.hint.clone());
                return Err(f);
            }
        };
        let f = match resp.status() {
            s if s.is_success() => {
                let digest = resp
                    .headers()
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                self.steps.pass(
                    StepKind::PullPermission,
                    format!("HEAD manifest {image} → {}{digest}", s.as_u16()),
                );
                return Ok(());
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                let scope = challenges(resp.headers())
                    .iter()
                    .any(|c| c.param("error") == Some("insufficient_scope"));
                let why = if scope {
                    "the token was not granted pull on it (insufficient_scope)".to_owned()
                } else {
                    format!("the registry answered {}", resp.status().as_u16())
                };
                Failure::new(
                    Outcome::NoPermission,
                    format!(
                        "these credentials may not pull {}: {why} — grant read access on that repository",
                        image.name
                    ),
                )
            }
            StatusCode::NOT_FOUND => {
                let what = self.what_is_missing(&path, &auth, image).await;
                Failure::new(Outcome::NotFound, what)
            }
            StatusCode::TOO_MANY_REQUESTS => rate_limited(resp.headers(), &self.host),
            s => unexpected_status(s, &format!("HEAD {path}")),
        };
        self.steps.fail(StepKind::PullPermission, f.hint.clone());
        Err(f)
    }

    /// After a 404 on HEAD (no body), a GET says whether the repository or
    /// the tag is missing; a 404 costs no pull quota.
    async fn what_is_missing(&self, path: &str, auth: &Auth, image: &ImageRef) -> String {
        let get = self
            .client
            .get(self.url(path))
            .header(ACCEPT, MANIFEST_TYPES);
        let code = match self.send(get, auth).await {
            Ok(r) if r.status() == StatusCode::NOT_FOUND => {
                body::read_capped(r, body::MAX_BODY, &self.host, &self.host)
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|v| v["errors"][0]["code"].as_str().map(str::to_owned))
            }
            _ => None,
        };
        match code.as_deref() {
            Some("NAME_UNKNOWN") => format!(
                "there is no repository {} on {} — check the image name",
                image.name, self.host
            ),
            Some("MANIFEST_UNKNOWN") => format!(
                "{} has no tag or digest {} — check the tag (it may have been deleted)",
                image.name, image.reference
            ),
            _ => format!("{image} was not found on {} (repository or tag)", self.host),
        }
    }
}

/// The whole live part for one kind.
pub(super) async fn run(
    kind: RegistryKind,
    creds: &Credentials,
    opts: &ProbeOptions,
    steps: &Steps,
    found: &Found,
) -> Result<Live, Failure> {
    let client = target::client(opts)?;
    let image = match &opts.image {
        Some(raw) => Some(
            target::parse_image(raw, kind)
                .map_err(|e| Failure::new(Outcome::Invalid, format!("image: {e}")))?,
        ),
        None => None,
    };
    let insecure = opts.connection.insecure;
    let (base_raw, username, password) = if kind == RegistryKind::Ecr {
        let grant = ecr::authorization_token(&client, creds, opts, steps).await?;
        let base = opts
            .endpoint
            .clone()
            .unwrap_or_else(|| grant.proxy_endpoint.clone());
        let token = grant.token.clone();
        if let Ok(mut e) = found.ecr.lock() {
            *e = Some(grant);
        }
        (base, "AWS".to_owned(), token)
    } else {
        let base = opts
            .endpoint
            .clone()
            .or_else(|| target::default_base(kind, creds))
            .unwrap_or_default();
        let (u, p) = target::login_pair(kind, creds);
        (base, u, p)
    };
    let base = target::checked_base(&base_raw, insecure)?;
    target::check_proxied_host(&base).await?;
    let host = host_port(&base);
    if let Ok(mut e) = found.endpoint.lock() {
        *e = Some(base.as_str().trim_end_matches('/').to_owned());
    }
    let session = Session {
        client,
        base,
        host,
        insecure,
        username,
        password,
        steps,
        has_ca: opts.connection.ca_bundle.is_some(),
    };
    let ch = session.first_contact().await?;
    let auth = session.login(ch.as_ref()).await?;
    let Some(image) = image else {
        steps.skip(
            StepKind::PullPermission,
            "no image given (--image NAME[:TAG])",
        );
        let what = if ch.is_some() {
            format!("{} accepted the credentials", session.host)
        } else {
            format!("{} is reachable and asks for no credentials", session.host)
        };
        return Ok(Live {
            hint: format!("{what} — add --image NAME[:TAG] to check pull permission too"),
            advice: Some(Advice::GiveImage),
        });
    };
    session.pull(ch.as_ref(), auth, &image).await?;
    Ok(Live {
        hint: format!("{} can pull {image}", session.host),
        advice: None,
    })
}
