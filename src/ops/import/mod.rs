//! Moving in: logins found where credentials live today (docker's
//! `config.json` and its helpers, containers' `auth.json`, a Kubernetes
//! pull Secret) turned into a preview — what will be **added**, what
//! **already exists** (same host and user in the vault: the same
//! credentials, or different ones to `registry update`), what is
//! **skipped and why** — and then into registries, through the same
//! structural check as `registry add`.
//!
//! `parse` is pure (text in, logins out); `read` does the I/O (files,
//! helper processes, the cluster). The preview and the import are pure
//! functions of the logins and the vault data, so the CLI and the TUI
//! show and do the same thing.

pub mod parse;
pub mod read;

use jiff::Timestamp;

use crate::model::{Connection, NewRegistry, VaultData};
use crate::registry::infer::{self, JSON_KEY_USER, server_host};
use crate::registry::{Credentials, Finding, RegistryKind, docker_login, has_errors};
use crate::secret::SecretValue;
pub use parse::{AuthFile, Login, Origin, Skipped};

/// The command that replaces docker's plaintext `auths` entries with the
/// credential helper (issue #10's `helper install`).
pub const HELPER_INSTALL: &str = "regvault helper install --remove-plaintext";

/// What the import does with one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new registry.
    Add,
    /// The vault has this host and user with the same credentials.
    Exists { id: String, name: String },
    /// The vault has this host and user with other credentials.
    Differs { id: String, name: String },
    /// Cannot be kept; the reason never holds a secret.
    Skip(String),
}

/// One line of the preview. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key as stored, escaped and cut for display.
    pub server: String,
    pub host: Option<String>,
    pub kind: Option<RegistryKind>,
    pub username: String,
    pub origin: Option<Origin>,
    /// The registry's name when added (generated, or as renamed).
    pub name: String,
    pub action: Action,
    /// The registry to add (for `Add` only).
    new: Option<NewRegistry>,
}

impl Entry {
    #[must_use]
    pub fn is_add(&self) -> bool {
        self.action == Action::Add
    }
}

/// What an import would do, entry by entry, in the order found.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub entries: Vec<Entry>,
}

/// Why the preview could not be made: a `--name` that names no entry or
/// gives a bad name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PreviewError {
    #[error("--name {0}=…: no entry to add has that host or name")]
    NoSuchEntry(String),
    #[error("--name {key}={name}: {message}")]
    BadName {
        key: String,
        name: String,
        message: String,
    },
}

/// Host, the user that identifies the login (a service account's
/// `client_email` for a `_json_key`) and the secret docker would send.
fn identity(kind: RegistryKind, creds: &Credentials) -> Option<(String, String, SecretValue)> {
    let login = docker_login(kind, creds, "").ok()??;
    let host = server_host(&login.server)?;
    let mut user = login.username.clone();
    if user == JSON_KEY_USER {
        user = serde_json::from_str::<serde_json::Value>(login.password.expose())
            .ok()
            .and_then(|v| v.get("client_email")?.as_str().map(str::to_owned))
            .unwrap_or(user);
    }
    Some((host, user, login.password))
}

/// The preview of importing `logins` (and the source's own `skipped`) into
/// `data`. `renames`: `HOST=NAME` or `GENERATED=NAME`.
///
/// # Errors
/// A rename that matches no entry to add, or gives a name the vault
/// refuses.
pub fn preview(
    logins: Vec<Login>,
    skipped: Vec<Skipped>,
    data: &VaultData,
    renames: &[(String, String)],
) -> Result<Preview, PreviewError> {
    let existing: Vec<_> = data
        .registries
        .iter()
        .filter_map(|r| identity(r.kind, &r.credentials).map(|i| (r, i)))
        .collect();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: Vec<(String, String, SecretValue)> = Vec::new();
    for login in logins {
        let server = parse::shown(&login.server);
        let username = parse::shown(&login.username);
        let inferred = match infer::infer(&login.server, &login.username, login.secret.expose()) {
            Ok(i) => i,
            Err(e) => {
                let mut entry = skip_entry(server, username, Some(login.origin), e.to_string());
                entry.kind = entry.host.as_deref().map(infer::kind_of_host);
                entries.push(entry);
                continue;
            }
        };
        let mut entry = Entry {
            server,
            host: Some(inferred.host.clone()),
            kind: Some(inferred.kind),
            username,
            origin: Some(login.origin),
            name: inferred.name.clone(),
            action: Action::Add,
            new: None,
        };
        let findings = crate::registry::validate_for(inferred.kind, &inferred.credentials, false);
        if has_errors(&findings) {
            entry.action = Action::Skip(findings_text(&findings));
            entries.push(entry);
            continue;
        }
        let Some(ident) = identity(inferred.kind, &inferred.credentials) else {
            entry.action = Action::Skip("not a login docker could use".into());
            entries.push(entry);
            continue;
        };
        if seen.contains(&ident) {
            entry.action = Action::Skip("the same login is listed above".into());
            entries.push(entry);
            continue;
        }
        if let Some((r, (_, _, secret))) = existing
            .iter()
            .find(|(_, (h, u, _))| *h == ident.0 && *u == ident.1)
        {
            let (id, name) = (r.id.to_string(), r.name.clone());
            entry.action = if *secret == ident.2 {
                Action::Exists { id, name }
            } else {
                Action::Differs { id, name }
            };
            entries.push(entry);
            continue;
        }
        seen.push(ident);
        entry.new = Some(NewRegistry {
            name: String::new(),
            kind: inferred.kind,
            credentials: inferred.credentials,
        });
        entries.push(entry);
    }
    for s in skipped {
        entries.push(skip_entry(s.server, String::new(), None, s.reason));
    }
    name_entries(&mut entries, data, renames)?;
    Ok(Preview { entries })
}

fn findings_text(findings: &[Finding]) -> String {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.is_error())
        .map(ToString::to_string)
        .collect();
    format!("not valid: {}", errors.join("; "))
}

fn skip_entry(server: String, username: String, origin: Option<Origin>, reason: String) -> Entry {
    Entry {
        host: server_host(&server),
        server,
        kind: None,
        username,
        origin,
        name: String::new(),
        action: Action::Skip(reason),
        new: None,
    }
}

/// Names the entries to add: the host, `-2`, `-3`… past names the vault or
/// an earlier entry holds; then `renames` (matched on the generated name
/// first, then the host).
fn name_entries(
    entries: &mut [Entry],
    data: &VaultData,
    renames: &[(String, String)],
) -> Result<(), PreviewError> {
    let mut taken: Vec<String> = data.registries.iter().map(|r| r.name.clone()).collect();
    for e in entries.iter_mut().filter(|e| e.new.is_some()) {
        let base = e.name.clone();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.push(name.clone());
        e.name = name;
    }
    for (key, new_name) in renames {
        let new_name = new_name.trim();
        let pos = entries
            .iter()
            .position(|e| e.new.is_some() && e.name == *key)
            .or_else(|| {
                let host = server_host(key)?;
                entries
                    .iter()
                    .position(|e| e.new.is_some() && e.host.as_deref() == Some(host.as_str()))
            })
            .ok_or_else(|| PreviewError::NoSuchEntry(parse::shown(key)))?;
        let bad = |message: String| PreviewError::BadName {
            key: parse::shown(key),
            name: parse::shown(new_name),
            message,
        };
        crate::model::check_name("name", new_name).map_err(|e| bad(e.to_string()))?;
        let clash = data.registries.iter().any(|r| r.name == new_name)
            || entries
                .iter()
                .enumerate()
                .any(|(i, e)| i != pos && e.new.is_some() && e.name == new_name);
        if clash {
            return Err(bad("that name is already used".into()));
        }
        new_name.clone_into(&mut entries[pos].name);
    }
    Ok(())
}

/// One registry the import added.
#[derive(Debug)]
pub struct Added {
    pub id: String,
    pub name: String,
    pub origin: Option<Origin>,
    pub warnings: Vec<Finding>,
}

/// Adds the `Add` entries `chosen` keeps (by index into the preview), as
/// `user`, through `add_registry_with` (the structural check of
/// `registry add`). An entry the vault refuses is turned into a skip with
/// the reason; the others are still added.
pub fn import(
    preview: &mut Preview,
    chosen: impl Fn(usize) -> bool,
    data: &mut VaultData,
    user: &str,
    now: Timestamp,
) -> Vec<Added> {
    let mut added = Vec::new();
    for (i, e) in preview.entries.iter_mut().enumerate() {
        if !chosen(i) {
            continue;
        }
        let Some(mut new) = e.new.take() else {
            continue;
        };
        new.name.clone_from(&e.name);
        match data.add_registry_with(new, Connection::default(), user, now) {
            Ok((id, warnings)) => added.push(Added {
                id: id.to_string(),
                name: e.name.clone(),
                origin: e.origin.clone(),
                warnings,
            }),
            Err(err) => e.action = Action::Skip(format!("refused: {err}")),
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VaultData;

    fn login(server: &str, user: &str, secret: &str) -> Login {
        Login {
            server: server.into(),
            username: user.into(),
            secret: SecretValue::new(secret),
            origin: Origin::Auths,
        }
    }

    /// A GitHub classic token's shape, with the canary inside.
    fn ghp(tag: &str) -> String {
        format!("ghp_canary{tag}{}", "a".repeat(30 - tag.len()))
    }

    fn actions(p: &Preview) -> Vec<(String, Action)> {
        p.entries
            .iter()
            .map(|e| (e.name.clone(), e.action.clone()))
            .collect()
    }

    #[test]
    fn adds_then_finds_them_existing_or_differing() {
        let mut data = VaultData::default();
        let logins = || {
            vec![
                login("ghcr.io", "octo", &ghp("")),
                login("https://index.docker.io/v1/", "me", "pw-canary"),
                login("docker.io", "me", "pw-canary"),
                login(
                    "123456789012.dkr.ecr.eu-west-2.amazonaws.com",
                    "AWS",
                    "tok-canary",
                ),
            ]
        };
        let mut p = preview(logins(), Vec::new(), &data, &[]).unwrap();
        let a = actions(&p);
        assert_eq!(a[0], ("ghcr.io".into(), Action::Add));
        assert_eq!(a[1], ("docker.io".into(), Action::Add));
        assert!(matches!(&a[2].1, Action::Skip(r) if r.contains("same login")));
        assert!(matches!(&a[3].1, Action::Skip(r) if r.contains("access key")));
        assert!(!format!("{p:?}").contains("canary"));
        let added = import(&mut p, |_| true, &mut data, "alice", Timestamp::now());
        assert_eq!(added.len(), 2);
        assert_eq!(data.registries[0].created_by, "alice");
        // A re-run adds nothing; a rotated password differs.
        let again = preview(logins(), Vec::new(), &data, &[]).unwrap();
        assert!(again.entries.iter().all(|e| !e.is_add()));
        assert!(matches!(again.entries[0].action, Action::Exists { .. }));
        let rotated = preview(
            vec![login("ghcr.io", "octo", &ghp("new"))],
            Vec::new(),
            &data,
            &[],
        )
        .unwrap();
        assert!(matches!(rotated.entries[0].action, Action::Differs { .. }));
    }

    #[test]
    fn names_are_hosts_with_suffixes_and_renames() {
        let data = VaultData::default();
        let logins = vec![
            login("ghcr.io/acme/app", "a", &ghp("1")),
            login("ghcr.io/other", "b", &ghp("2")),
            login("127.0.0.1:5000", "u", "p"),
        ];
        let renames = vec![("ghcr.io-2".to_owned(), "ghcr-other".to_owned())];
        let p = preview(logins.clone(), Vec::new(), &data, &renames).unwrap();
        let names: Vec<_> = p.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["ghcr.io", "ghcr-other", "127.0.0.1:5000"]);
        let bad = preview(
            logins.clone(),
            Vec::new(),
            &data,
            &[("nope.io".into(), "x".into())],
        );
        assert!(matches!(bad, Err(PreviewError::NoSuchEntry(_))));
        let clash = vec![("127.0.0.1:5000".to_owned(), "ghcr.io".to_owned())];
        assert!(matches!(
            preview(logins, Vec::new(), &data, &clash),
            Err(PreviewError::BadName { .. })
        ));
    }
}
