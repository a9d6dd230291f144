//! Exit codes by class, so a script can tell "fix your flags" from "the
//! registry said no" from "the network is down" from "unlock the vault"
//! without reading messages. Classified from typed errors (a downcast
//! walk of the error chain) and typed outcomes, never from message text.
//! The credential helper binary keeps docker's protocol codes.

use crate::deploy::docker::EngineError;
use crate::deploy::kube::Outcome as NamespaceOutcome;
use crate::deploy::swarm::SwarmError;
use crate::model::TestOutcome;
use crate::ops::OpsError;
use crate::vault::VaultError;

/// The table printed in `--help` and the README (keep them in step).
pub const HELP: &str = "\
Exit codes:
  0  ok
  1  the operation failed (anything not below)
  2  usage: a bad flag, argument or typed value
  3  credentials refused: the registry (or engine, or cluster) answered 401/403
  4  unreachable: DNS, connection refused, timeout, TLS not trusted
  5  vault locked or changed: needs a passphrase or `regvault unlock`,
     wrong passphrase, another writer holds it, changed on disk, or
     changed recipients/members awaiting `regvault trust`
A command with several results (many namespaces, clusters or services)
exits with the highest class among them.";

/// One class of outcome; the discriminant is the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitClass {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Refused = 3,
    Unreachable = 4,
    VaultLocked = 5,
}

impl ExitClass {
    #[must_use]
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The class of a probe (Test Connection) outcome.
    #[must_use]
    pub fn of_test(o: TestOutcome) -> Self {
        match o {
            TestOutcome::Ok => ExitClass::Ok,
            TestOutcome::BadCredentials | TestOutcome::NoPermission => ExitClass::Refused,
            TestOutcome::Dns
            | TestOutcome::Refused
            | TestOutcome::Timeout
            | TestOutcome::TlsUntrusted => ExitClass::Unreachable,
            TestOutcome::Invalid
            | TestOutcome::NotFound
            | TestOutcome::RateLimited
            | TestOutcome::NotARegistry
            | TestOutcome::Unsafe
            | TestOutcome::Cancelled
            | TestOutcome::Error => ExitClass::Failed,
        }
    }

    /// The class of one namespace's outcome (apply, sync).
    #[must_use]
    pub fn of_namespace(o: NamespaceOutcome) -> Self {
        match o {
            NamespaceOutcome::Applied | NamespaceOutcome::Unchanged => ExitClass::Ok,
            NamespaceOutcome::Forbidden => ExitClass::Refused,
            _ => ExitClass::Failed,
        }
    }

    /// The worst of several results: the highest class.
    #[must_use]
    pub fn worst(items: impl IntoIterator<Item = ExitClass>) -> Self {
        items.into_iter().max().unwrap_or(ExitClass::Ok)
    }
}

/// An error that carries its class: usage mistakes found after clap
/// parsed (a bad value, an ambiguous registry) and the few refusals that
/// have no domain error type.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Classed {
    pub class: ExitClass,
    pub message: String,
}

/// A usage error (exit 2) with this one-line message.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Classed {
        class: ExitClass::Usage,
        message: message.into(),
    })
}

/// The exit code for an error that ended a command: the first cause in
/// the chain with a known class decides; else 1.
#[must_use]
pub fn exit_class(err: &anyhow::Error) -> u8 {
    err.chain().find_map(class_of).unwrap_or(ExitClass::Failed) as u8
}

/// The class of one per-unit error in a report (a service that failed):
/// as `exit_class` walks it, 1 when nothing in it is known.
#[must_use]
pub fn class_of_error(e: &(dyn std::error::Error + 'static)) -> ExitClass {
    std::iter::successors(Some(e), |e| e.source())
        .find_map(class_of)
        .unwrap_or(ExitClass::Failed)
}

fn class_of(e: &(dyn std::error::Error + 'static)) -> Option<ExitClass> {
    if let Some(c) = e.downcast_ref::<Classed>() {
        return Some(c.class);
    }
    if let Some(v) = e.downcast_ref::<VaultError>() {
        return Some(of_vault(v));
    }
    if let Some(o) = e.downcast_ref::<OpsError>() {
        return of_ops(o);
    }
    if let Some(s) = e.downcast_ref::<SwarmError>() {
        return match s {
            SwarmError::Engine(en) => Some(of_engine(en)),
            _ => None,
        };
    }
    if let Some(en) = e.downcast_ref::<EngineError>() {
        return Some(of_engine(en));
    }
    if e.downcast_ref::<clap::Error>().is_some() {
        return Some(ExitClass::Usage);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return match io.kind() {
            std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::HostUnreachable
            | std::io::ErrorKind::NetworkUnreachable => Some(ExitClass::Unreachable),
            _ => None,
        };
    }
    None
}

fn of_vault(v: &VaultError) -> ExitClass {
    match v {
        VaultError::WrongKey
        | VaultError::AgentLocked
        | VaultError::NeedsPassphrase
        | VaultError::Locked { .. }
        | VaultError::ChangedOnDisk
        | VaultError::Untrusted { .. }
        | VaultError::BadSignature { .. } => ExitClass::VaultLocked,
        _ => ExitClass::Failed,
    }
}

fn of_engine(e: &EngineError) -> ExitClass {
    match e {
        EngineError::Unreachable { .. } | EngineError::Tls { .. } => ExitClass::Unreachable,
        EngineError::BadCredentials { .. } => ExitClass::Refused,
        EngineError::Engine(_) | EngineError::PlainTcpRefused { .. } => ExitClass::Failed,
    }
}

fn of_ops(o: &OpsError) -> Option<ExitClass> {
    match o {
        OpsError::Vault(v) => Some(of_vault(v)),
        OpsError::Engine(e) | OpsError::Swarm(SwarmError::Engine(e)) => Some(of_engine(e)),
        OpsError::EcrToken { outcome, .. } => Some(ExitClass::of_test(*outcome)),
        OpsError::NoEnvironmentsGiven => Some(ExitClass::Usage),
        // The walk goes on to its source (an io error may be a timeout).
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vault_error_under_context_is_class_5() {
        let e = anyhow::Error::new(VaultError::ChangedOnDisk).context("saving the vault");
        assert_eq!(exit_class(&e), 5);
        let e = anyhow::Error::new(OpsError::Vault(VaultError::WrongKey)).context("opening");
        assert_eq!(exit_class(&e), 5);
    }

    #[test]
    fn engine_and_probe_classes() {
        let e = anyhow::Error::new(OpsError::Engine(EngineError::BadCredentials {
            server: "h".into(),
            detail: "401".into(),
        }));
        assert_eq!(exit_class(&e), 3);
        assert_eq!(ExitClass::of_test(TestOutcome::Timeout).code(), 4);
        assert_eq!(ExitClass::of_test(TestOutcome::NoPermission).code(), 3);
    }

    #[test]
    fn untyped_errors_are_1_and_usage_is_2() {
        assert_eq!(exit_class(&anyhow::anyhow!("something broke")), 1);
        assert_eq!(exit_class(&usage("--wait takes seconds")), 2);
    }

    #[test]
    fn several_results_exit_with_the_highest_class() {
        let all = [ExitClass::Ok, ExitClass::Refused, ExitClass::Failed];
        assert_eq!(ExitClass::worst(all), ExitClass::Refused);
        assert_eq!(ExitClass::worst([]), ExitClass::Ok);
    }
}
