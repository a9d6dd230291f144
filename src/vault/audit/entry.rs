//! One audit entry: when, who, what, on which registry or container, where,
//! and how it ended. Typed here; serialised as JSON only inside the AEAD
//! (see `seal`), so the file on disk shows nothing but sizes and times of
//! writes. No field ever holds a secret: callers pass ids, names, places
//! and one-line reasons that the rest of regvault already prints.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What was done. One variant per user-level operation, so `regvault log
/// --json` consumers can match on a closed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Init,
    Add,
    Update,
    Rotate,
    Delete,
    Test,
    Apply,
    Sync,
    Refresh,
    Prune,
    Swarm,
    Compose,
    Export,
    /// A secret shown in the TUI.
    Reveal,
    /// `docker-credential-regvault get`.
    HelperGet,
    Import,
    ContainerAdd,
    ContainerDelete,
    Member,
    Rekey,
    Restore,
    /// `regvault watch` put back a managed Secret deleted or edited by hand.
    Repair,
    /// Forward compatibility: an action a newer regvault logs.
    #[serde(other)]
    Other,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Init => "init",
            Action::Add => "add",
            Action::Update => "update",
            Action::Rotate => "rotate",
            Action::Delete => "delete",
            Action::Test => "test",
            Action::Apply => "apply",
            Action::Sync => "sync",
            Action::Refresh => "refresh",
            Action::Prune => "prune",
            Action::Swarm => "swarm",
            Action::Compose => "compose",
            Action::Export => "export",
            Action::Reveal => "reveal",
            Action::HelperGet => "helper-get",
            Action::Import => "import",
            Action::ContainerAdd => "container-add",
            Action::ContainerDelete => "container-delete",
            Action::Member => "member",
            Action::Rekey => "rekey",
            Action::Restore => "restore",
            Action::Repair => "repair",
            Action::Other => "other",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    /// A rule said no (not the creator, the registry is in use, …).
    Refused,
    /// It was tried and did not work (network, cluster, I/O).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// A registry or container: its id and its name at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: String,
    pub name: String,
}

/// Who acted. `member` is what the vault knows them as (in a team vault
/// `name (sha256:…)`, the fingerprint being of the key that signs their
/// saves); `uid`/`os_user` come from the process's effective uid, never
/// from `$USER`; `ssh_client` is `SSH_CONNECTION`'s first field as the
/// environment claims it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Who {
    pub member: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    pub uid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
}

impl Who {
    /// This process: `member` as the vault names the user (see
    /// `Vault::acting_user`), the rest from the OS.
    pub fn current(member: String) -> Who {
        let uid = super::super::my_uid();
        let fingerprint = member
            .rsplit_once(" (sha256:")
            .and_then(|(_, fp)| fp.strip_suffix(')'))
            .map(|fp| format!("sha256:{fp}"));
        Who {
            member,
            fingerprint,
            uid,
            os_user: user_name(uid),
            host: crate::model::escape(&gethostname::gethostname().to_string_lossy()).into_owned(),
            ssh_client: std::env::var("SSH_CONNECTION")
                .ok()
                .and_then(|c| c.split_whitespace().next().map(str::to_owned))
                .map(|c| crate::model::escape(&c).chars().take(64).collect()),
        }
    }

    /// Does `pattern` name this actor (member, fingerprint, OS user)?
    pub fn matches(&self, pattern: &str) -> bool {
        let p = pattern.to_lowercase();
        self.member.to_lowercase().contains(&p)
            || self.fingerprint.as_deref().is_some_and(|f| f.contains(&p))
            || self
                .os_user
                .as_deref()
                .is_some_and(|u| u.to_lowercase() == p)
    }
}

/// The login name of `uid` from `/etc/passwd` (no libc call: the file is
/// what `getpwuid` reads on the systems regvault targets).
fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let _ = f.next()?;
        (f.next()?.parse::<u32>().ok()? == uid).then(|| crate::model::escape(name).into_owned())
    })
}

/// One audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: Timestamp,
    pub who: Who,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Target>,
    /// Where: `context/namespace, …`, a Swarm endpoint, a compose project,
    /// an output file.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "where")]
    pub place: Option<String>,
    pub result: Outcome,
    /// One line: why it was refused or failed, or what it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Entry {
    /// A new entry stamped now.
    pub fn new(who: Who, action: Action, result: Outcome) -> Entry {
        Entry {
            at: Timestamp::now(),
            who,
            action,
            registry: None,
            container: None,
            place: None,
            result,
            reason: None,
        }
    }

    #[must_use]
    pub fn registry(mut self, id: impl Into<String>, name: impl Into<String>) -> Entry {
        self.registry = Some(Target {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    #[must_use]
    pub fn container(mut self, id: impl Into<String>, name: impl Into<String>) -> Entry {
        self.container = Some(Target {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    #[must_use]
    pub fn place(mut self, place: impl Into<String>) -> Entry {
        self.place = Some(one_line(&place.into()));
        self
    }

    /// The reason, cut to one line of at most 300 characters.
    #[must_use]
    pub fn reason(mut self, reason: impl AsRef<str>) -> Entry {
        self.reason = Some(one_line(reason.as_ref()));
        self
    }

    /// Marks it `failed`, with `why` as the reason.
    #[must_use]
    pub fn failed(mut self, why: &dyn fmt::Display) -> Entry {
        self.result = Outcome::Failed;
        self.reason(why.to_string())
    }

    /// Marks it `refused`, with `why` as the reason.
    #[must_use]
    pub fn refused(mut self, why: &dyn fmt::Display) -> Entry {
        self.result = Outcome::Refused;
        self.reason(why.to_string())
    }

    /// `result` and `reason` from how an operation ended: `refused` when
    /// `is_rule` says a rule said no, `failed` otherwise.
    #[must_use]
    pub fn ended<T, E: fmt::Display>(
        self,
        r: &Result<T, E>,
        is_rule: impl Fn(&E) -> bool,
    ) -> Entry {
        match r {
            Ok(_) => self,
            Err(e) if is_rule(e) => self.refused(e),
            Err(e) => self.failed(e),
        }
    }
}

fn one_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    crate::model::escape(first).chars().take(300).collect()
}
