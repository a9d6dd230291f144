//! Test Connection that tells the truth: the catalogue's structural check
//! first, then a live check that talks to the registry the way
//! `docker login` does — `GET /v2/`, every challenge parsed, a Basic or
//! Bearer exchange with the credentials and, when an image is given, a
//! pull-scope token and a `HEAD` of its manifest. ECR first trades the
//! access keys for a 12-hour token (`SigV4` `GetAuthorizationToken`).
//!
//! The result is a `ProbeReport`: the steps (what was checked and what it
//! found), one outcome class and one hint. Secrets never appear in a
//! report, an error or a log line.
//!
//! Files: `challenge` (header parsing), `classify` (errors → outcome),
//! `target` (where each kind logs in, overrides, the http/link-local
//! rules), `flow` (the v2 exchange), `ecr` (the AWS token).
//!
//! Endpoint overrides, for tests and private mirrors:
//! `REGVAULT_ENDPOINT_<TYPEKEY>` (e.g. `REGVAULT_ENDPOINT_GHCR=http://127.0.0.1:5000`)
//! replaces the registry's base URL; `REGVAULT_AWS_ENDPOINT` replaces the
//! ECR API endpoint. `REGVAULT_PROBE_TIMEOUT` and
//! `REGVAULT_PROBE_CONNECT_TIMEOUT` (seconds) change the 15 s / 5 s limits.

mod body;
mod challenge;
mod classify;
mod ecr;
mod flow;
mod target;

use std::future::Future;
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use challenge::{Challenge, parse_challenges};
pub use classify::{Advice, Failure, LinkLocalRefused, classify_error, rate_limit_reset};
pub use target::{ImageRef, parse_image};

use crate::model::{Connection, EcrToken};
use crate::registry::{self, Credentials, RegistryKind};
use crate::secret::SecretValue;

/// Installs rustls's ring provider as the process default, once. Every
/// TLS client (reqwest here, kube elsewhere) needs one; with exactly one
/// compiled in this cannot fail, and a second call is a no-op.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The outcome class of a Test Connection: the model's, so a recorded
/// test keeps the same type from the probe to the vault and back.
pub use crate::model::TestOutcome as Outcome;

/// What one step checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Structure,
    EcrToken,
    HostReached,
    TlsVerified,
    Challenge,
    CredentialsAccepted,
    PullPermission,
}

impl StepKind {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Structure => "structure",
            StepKind::EcrToken => "ECR token",
            StepKind::HostReached => "host reached",
            StepKind::TlsVerified => "TLS verified",
            StepKind::Challenge => "challenge",
            StepKind::CredentialsAccepted => "credentials accepted",
            StepKind::PullPermission => "pull permission",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// Not applicable (plain http has no TLS; an open registry asks for no
    /// credentials; no image was given).
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub step: StepKind,
    pub status: StepStatus,
    /// What was found; never a secret.
    pub detail: String,
}

/// The ECR side of a test: what `GetAuthorizationToken` gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EcrGrant {
    pub account_id: String,
    pub proxy_endpoint: String,
    pub expires_at: Timestamp,
    /// The password half of `AWS:<token>`; kept in the vault, never printed.
    #[serde(skip)]
    pub token: SecretValue,
}

impl EcrGrant {
    #[must_use]
    pub fn to_record(&self) -> EcrToken {
        EcrToken {
            account_id: self.account_id.clone(),
            proxy_endpoint: self.proxy_endpoint.clone(),
            token: self.token.clone(),
            expires_at: self.expires_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeReport {
    pub steps: Vec<Step>,
    pub outcome: Outcome,
    /// One line the user can act on.
    pub hint: String,
    /// The registry base URL that was contacted, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecr: Option<EcrGrant>,
    pub elapsed_ms: u64,
    /// The remedy behind `hint`, face-neutral (the hint names CLI flags).
    #[serde(skip)]
    pub advice: Option<Advice>,
}

impl ProbeReport {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// Whether anything was sent over the network.
    #[must_use]
    pub fn contacted(&self) -> bool {
        self.steps.iter().any(|s| s.step != StepKind::Structure)
    }

    #[must_use]
    pub fn step(&self, kind: StepKind) -> Option<&Step> {
        self.steps.iter().find(|s| s.step == kind)
    }
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// `NAME[:TAG|@DIGEST]` to check pull permission on; `None`: login only.
    pub image: Option<String>,
    pub connect_timeout: Duration,
    /// The whole check, every request included.
    pub total_timeout: Duration,
    /// Replaces the registry's base URL (`http://127.0.0.1:5000`).
    pub endpoint: Option<String>,
    /// Replaces the ECR API endpoint.
    pub aws_endpoint: Option<String>,
    pub connection: Connection,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            image: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            endpoint: None,
            aws_endpoint: None,
            connection: Connection::default(),
        }
    }
}

fn env_secs(name: &str) -> Option<Duration> {
    let v = std::env::var(name).ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl ProbeOptions {
    /// Defaults plus the environment's overrides for `kind`.
    #[must_use]
    pub fn from_env(kind: RegistryKind) -> Self {
        let key = format!("REGVAULT_ENDPOINT_{}", kind.type_key().to_ascii_uppercase());
        Self {
            endpoint: env_nonempty(&key),
            aws_endpoint: env_nonempty("REGVAULT_AWS_ENDPOINT"),
            connect_timeout: env_secs("REGVAULT_PROBE_CONNECT_TIMEOUT")
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            total_timeout: env_secs("REGVAULT_PROBE_TIMEOUT").unwrap_or(DEFAULT_TOTAL_TIMEOUT),
            ..Self::default()
        }
    }
}

/// Collects steps as the check goes, so a timeout or a cancel still
/// reports how far it got.
#[derive(Default)]
pub(crate) struct Steps(Mutex<Vec<Step>>);

impl Steps {
    pub(crate) fn push(&self, step: StepKind, status: StepStatus, detail: impl Into<String>) {
        if let Ok(mut v) = self.0.lock() {
            v.push(Step {
                step,
                status,
                detail: detail.into(),
            });
        }
    }
    pub(crate) fn pass(&self, step: StepKind, detail: impl Into<String>) {
        self.push(step, StepStatus::Passed, detail);
    }
    pub(crate) fn fail(&self, step: StepKind, detail: impl Into<String>) {
        self.push(step, StepStatus::Failed, detail);
    }
    pub(crate) fn skip(&self, step: StepKind, detail: impl Into<String>) {
        self.push(step, StepStatus::Skipped, detail);
    }
    fn take(&self) -> Vec<Step> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// What the live part found when it succeeded.
pub(crate) struct Live {
    pub hint: String,
    pub advice: Option<Advice>,
}

/// Shared state the live part fills in as it learns things.
#[derive(Default)]
pub(crate) struct Found {
    pub endpoint: Mutex<Option<String>>,
    pub ecr: Mutex<Option<EcrGrant>>,
}

/// ECR only: trades the access keys for a fresh 12-hour token
/// (`GetAuthorizationToken`, SigV4-signed) — what `regvault apply`, `sync`
/// and `refresh` put in a pull secret. `opts.aws_endpoint` replaces the
/// API endpoint.
///
/// # Errors
/// The failure class and a hint (never a secret).
pub async fn ecr_token(
    credentials: &Credentials,
    opts: &ProbeOptions,
) -> Result<EcrGrant, Failure> {
    install_crypto_provider();
    let client = target::client(opts)?;
    let steps = Steps::default();
    tokio::time::timeout(
        opts.total_timeout,
        ecr::authorization_token(&client, credentials, opts, &steps),
    )
    .await
    .unwrap_or_else(|_| Err(classify::timeout_failure("the ECR API")))
}

/// Test Connection: structure first, then the live check, within
/// `opts.total_timeout`, stopped early when `cancel` completes.
pub async fn probe(
    kind: RegistryKind,
    credentials: &Credentials,
    opts: &ProbeOptions,
    cancel: impl Future<Output = ()>,
) -> ProbeReport {
    install_crypto_provider();
    let started = Instant::now();
    let steps = Steps::default();
    let found = Found::default();
    let image = opts.image.clone();
    let finish =
        |outcome: Outcome, hint: String, advice: Option<Advice>, steps: &Steps, found: &Found| {
            ProbeReport {
                steps: steps.take(),
                outcome,
                hint,
                advice,
                endpoint: found.endpoint.lock().ok().and_then(|e| e.clone()),
                image: image.clone(),
                ecr: found.ecr.lock().ok().and_then(|e| e.clone()),
                elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            }
        };

    // `registry.internal:5000` is https, as the vault would store it.
    let mut normalized = credentials.clone();
    registry::normalize::normalize(kind, &mut normalized);
    let credentials = &normalized;
    let findings = registry::validate_for(kind, credentials, opts.connection.insecure);
    if let Some(first) = findings.iter().find(|f| f.is_error()) {
        let errors = findings.iter().filter(|f| f.is_error()).count();
        steps.fail(
            StepKind::Structure,
            format!(
                "{}; nothing was sent",
                crate::model::plural(errors, "error", "errors")
            ),
        );
        return finish(Outcome::Invalid, first.to_string(), None, &steps, &found);
    }
    let warnings = findings.len();
    steps.pass(
        StepKind::Structure,
        if warnings == 0 {
            "all fields present and well-formed".to_owned()
        } else {
            format!(
                "well-formed, {}",
                crate::model::plural(warnings, "warning", "warnings")
            )
        },
    );
    if kind == RegistryKind::Public {
        return finish(
            Outcome::Ok,
            "public images need no credentials: there is nothing to log in to".into(),
            None,
            &steps,
            &found,
        );
    }

    let live = flow::run(kind, credentials, opts, &steps, &found);
    let result = tokio::select! {
        biased;
        () = cancel => Err(Failure::new(Outcome::Cancelled, "cancelled: the check was stopped before it finished")),
        r = tokio::time::timeout(opts.total_timeout, live) => r.unwrap_or_else(|_elapsed| {
            let host = found
                .endpoint
                .lock()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_else(|| "the registry".into());
            let mut f = classify::timeout_failure(&host);
            f.hint = format!(
                "no answer within {:.1} s — {}",
                opts.total_timeout.as_secs_f64(),
                f.hint
            );
            Err(f)
        }),
    };
    match result {
        Ok(Live { hint, advice }) => finish(Outcome::Ok, hint, advice, &steps, &found),
        Err(f) => finish(f.outcome, f.hint, f.advice, &steps, &found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_are_kebab_case_and_match_as_str() {
        for o in Outcome::ALL {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
        assert_eq!(Outcome::NotARegistry.as_str(), "not-a-registry");
        assert_eq!(Outcome::BadCredentials.as_str(), "bad-credentials");
    }

    #[test]
    fn an_invalid_registry_is_not_contacted() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let creds: Credentials = [("username", "u"), ("token", "not-a-pat")]
            .into_iter()
            .collect();
        let opts = ProbeOptions {
            endpoint: Some("http://127.0.0.1:9".into()),
            ..ProbeOptions::default()
        };
        let r = rt.block_on(probe(
            RegistryKind::Ghcr,
            &creds,
            &opts,
            std::future::pending(),
        ));
        assert_eq!(r.outcome, Outcome::Invalid);
        assert!(!r.contacted());
        assert!(r.hint.starts_with("token:"), "{}", r.hint);
        assert!(!format!("{r:?}").contains("not-a-pat"));
    }

    #[test]
    fn the_ecr_token_never_serialises() {
        let r = ProbeReport {
            steps: vec![],
            outcome: Outcome::Ok,
            hint: String::new(),
            endpoint: None,
            image: None,
            ecr: Some(EcrGrant {
                account_id: "123456789012".into(),
                proxy_endpoint: "https://x".into(),
                expires_at: Timestamp::UNIX_EPOCH,
                token: SecretValue::new("canary-token-value"),
            }),
            elapsed_ms: 0,
            advice: None,
        };
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("canary"), "{json}");
        assert!(json.contains("123456789012"));
        assert!(!format!("{r:?}").contains("canary"));
    }
}
