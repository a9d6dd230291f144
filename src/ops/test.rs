//! Test Connection as one operation for both faces: the structural check,
//! then (live) the registry itself — login, TLS, challenge, credentials and,
//! with an image, pull permission — and, for a saved registry, the result
//! recorded in the vault together with the ECR token the check obtained
//! (so an ECR registry tested in the TUI can be applied, as in the CLI).

use std::time::Duration;

use futures_util::future::BoxFuture;
use jiff::Timestamp;

use super::{Cancel, OpsError, VaultStore};
use crate::model::{Connection, RegistryId, RuleError, TestRecord, VaultData};
use crate::probe::{self, Outcome, ProbeOptions, ProbeReport, Step, StepKind, StepStatus};
use crate::registry::{self, Credentials, Finding, RegistryKind};

/// How one check runs, beyond what the registry's record says.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// `NAME[:TAG|@DIGEST]`: also check pull permission on it.
    pub image: Option<String>,
    /// Overrides `REGVAULT_PROBE_TIMEOUT` (default 15 s).
    pub total_timeout: Option<Duration>,
    /// Overrides `REGVAULT_PROBE_CONNECT_TIMEOUT` (default 5 s).
    pub connect_timeout: Option<Duration>,
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestReport {
    /// Steps, the outcome class, the hint, what was contacted, the ECR
    /// grant (its token is never serialised or shown).
    pub probe: ProbeReport,
    /// The structural findings (errors and warnings), for an offline check.
    pub findings: Vec<Finding>,
}

impl TestReport {
    /// A report of `outcome` with one line for the user and no steps: what
    /// a face shows when it has nothing more detailed (and for tests).
    #[must_use]
    pub fn new(outcome: Outcome, hint: impl Into<String>) -> Self {
        Self {
            probe: ProbeReport {
                steps: Vec::new(),
                outcome,
                hint: hint.into(),
                endpoint: None,
                image: None,
                ecr: None,
                elapsed_ms: 0,
                advice: None,
            },
            findings: Vec::new(),
        }
    }

    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.probe.outcome
    }

    #[must_use]
    pub fn passed(&self) -> bool {
        self.probe.passed()
    }

    /// One line a user can act on; never a secret.
    #[must_use]
    pub fn summary(&self) -> &str {
        &self.probe.hint
    }

    /// Whether a registry was actually asked (the offline check never is).
    #[must_use]
    pub fn contacted(&self) -> bool {
        self.probe.contacted()
    }

    /// The record kept in the vault as the registry's last test.
    #[must_use]
    pub fn record(&self, at: Timestamp) -> TestRecord {
        TestRecord {
            at,
            outcome: self.probe.outcome,
            summary: self.probe.hint.clone(),
        }
    }
}

/// Runs a check: live (the real registry) or offline (structure only). The
/// seam between the faces and the network: the demo and the snapshots use
/// `Offline`, which never sends anything.
pub trait Tester: Send + Sync {
    fn test<'a>(
        &'a self,
        kind: RegistryKind,
        credentials: &'a Credentials,
        opts: &'a ProbeOptions,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, TestReport>;
}

/// The live check of `crate::probe`: structure first (nothing is sent when
/// it fails), then the registry, stopped early by the cancel token.
pub struct Live;

impl Tester for Live {
    fn test<'a>(
        &'a self,
        kind: RegistryKind,
        credentials: &'a Credentials,
        opts: &'a ProbeOptions,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, TestReport> {
        Box::pin(async move {
            let probe = probe::probe(kind, credentials, opts, cancel.cancelled()).await;
            TestReport {
                probe,
                findings: Vec::new(),
            }
        })
    }
}

/// The structural check only: `registry::validate`, nothing sent anywhere.
/// `ok_summary` says so in the face's words.
pub struct Offline {
    pub ok_summary: &'static str,
}

/// What the CLI's `--offline` says when the structure is fine.
pub const OFFLINE_OK: &str = "structure ok (offline check: the registry was not contacted)";

impl Tester for Offline {
    fn test<'a>(
        &'a self,
        kind: RegistryKind,
        credentials: &'a Credentials,
        opts: &'a ProbeOptions,
        _: &'a Cancel,
    ) -> BoxFuture<'a, TestReport> {
        let report = offline(kind, credentials, opts.connection.insecure, self.ok_summary);
        Box::pin(async move { report })
    }
}

fn offline(
    kind: RegistryKind,
    credentials: &Credentials,
    insecure: bool,
    ok_summary: &str,
) -> TestReport {
    let findings = registry::validate_for(kind, credentials, insecure);
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let (outcome, hint, step) = match findings.iter().find(|f| f.is_error()) {
        None => (
            Outcome::Ok,
            ok_summary.to_owned(),
            Step {
                step: StepKind::Structure,
                status: StepStatus::Passed,
                detail: format!(
                    "well-formed, {}",
                    crate::model::plural(findings.len(), "warning", "warnings")
                ),
            },
        ),
        Some(first) => (
            Outcome::Invalid,
            first.to_string(),
            Step {
                step: StepKind::Structure,
                status: StepStatus::Failed,
                detail: format!(
                    "{}; nothing was sent",
                    crate::model::plural(errors, "error", "errors")
                ),
            },
        ),
    };
    TestReport {
        probe: ProbeReport {
            steps: vec![step],
            outcome,
            hint,
            endpoint: None,
            image: None,
            ecr: None,
            elapsed_ms: 0,
            advice: None,
        },
        findings,
    }
}

/// The probe options for `kind`: the environment's overrides, the
/// registry's connection settings, then `opts`.
#[must_use]
pub fn probe_options(
    kind: RegistryKind,
    connection: Connection,
    opts: &TestOptions,
) -> ProbeOptions {
    let mut p = ProbeOptions::from_env(kind);
    p.image.clone_from(&opts.image);
    p.connection = connection;
    if let Some(t) = opts.total_timeout {
        p.total_timeout = t;
    }
    if let Some(t) = opts.connect_timeout {
        p.connect_timeout = t;
    }
    p
}

/// Checks credentials that are not (or not yet) saved: a form being
/// edited, a file. Nothing is recorded.
pub async fn test_credentials(
    tester: &dyn Tester,
    kind: RegistryKind,
    credentials: &Credentials,
    connection: Connection,
    opts: &TestOptions,
    cancel: &Cancel,
) -> TestReport {
    let p = probe_options(kind, connection, opts);
    tester.test(kind, credentials, &p, cancel).await
}

/// A saved registry's test, as recorded.
#[derive(Debug)]
pub struct RegistryTest {
    pub id: RegistryId,
    pub name: String,
    pub kind: RegistryKind,
    pub report: TestReport,
    /// Whether the result was recorded (`Ok(false)`: a cancelled check is
    /// not); the report stands either way.
    pub recorded: Result<bool, OpsError>,
}

/// Test-and-record: checks a saved registry with its own connection
/// settings, then records the result as its last test and keeps the ECR
/// token the check obtained. The vault is locked only to record, never
/// during the check.
///
/// # Errors
/// No such registry; the vault cannot be read or saved.
pub async fn test_registry(
    store: &dyn VaultStore,
    tester: &dyn Tester,
    registry: &str,
    opts: &TestOptions,
    cancel: &Cancel,
) -> Result<RegistryTest, OpsError> {
    let data = store.read()?;
    let r = data.find_registry(registry)?;
    let (id, name, kind) = (r.id.clone(), r.name.clone(), r.kind);
    let p = probe_options(kind, r.connection.clone(), opts);
    let report = tester.test(kind, &r.credentials, &p, cancel).await;
    drop(data);
    // A check stopped by the user says nothing about the registry: the
    // last real result stays.
    let mut entry = store
        .entry(super::AuditAction::Test)
        .registry(id.as_str(), name.as_str());
    entry = if report.passed() {
        entry.reason(report.summary())
    } else {
        entry.failed(&format_args!(
            "{}: {}",
            report.outcome().as_str(),
            report.summary()
        ))
    };
    if !report.contacted() {
        entry.place = Some("offline".into());
    }
    let recorded = if report.outcome() == Outcome::Cancelled {
        store.record(&entry.failed(&"cancelled"));
        Ok(false)
    } else {
        let now = Timestamp::now();
        // The entry goes into the same save as the result.
        store
            .update_recorded(&entry, &mut |data| {
                record_into(data, id.as_str(), &report, now)
            })
            .map(|_| true)
    };
    Ok(RegistryTest {
        id,
        name,
        kind,
        report,
        recorded,
    })
}

/// Records `report` as the registry's last test, with the ECR token it
/// obtained (if any). Shared by test-and-record and by the TUI's form,
/// which records a passing test of exactly the values it saves.
///
/// # Errors
/// No such registry.
pub fn record_into(
    data: &mut VaultData,
    registry: &str,
    report: &TestReport,
    at: Timestamp,
) -> Result<(), RuleError> {
    data.record_test(registry, report.record(at))?;
    if let Some(grant) = &report.probe.ecr {
        let (token, _) = super::kube::sane_ecr_token(grant, at);
        data.record_ecr_token(registry, token)?;
    }
    Ok(())
}

/// The saved connection settings for credentials being tested: the
/// registry with exactly these credentials, else the one of this kind that
/// logs in to the same host (an edit in progress).
#[must_use]
pub fn connection_for(data: &VaultData, kind: RegistryKind, creds: &Credentials) -> Connection {
    let regs = &data.registries;
    let host = registry::auths_key(kind, creds).ok().flatten();
    regs.iter()
        .find(|r| r.kind == kind && &r.credentials == creds)
        .or_else(|| {
            host.as_ref().and_then(|h| {
                regs.iter().find(|r| {
                    r.kind == kind
                        && registry::auths_key(r.kind, &r.credentials)
                            .ok()
                            .flatten()
                            .as_ref()
                            == Some(h)
                })
            })
        })
        .map(|r| r.connection.clone())
        .unwrap_or_default()
}
