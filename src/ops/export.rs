//! Export: a docker `config.json` (`{"auths": …}`) for saved registries —
//! the one operation whose output is secret, on purpose. Written to a file
//! 0600 and atomically, or handed back for stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{OpsError, VaultStore};
use crate::registry::{self, AuthError, RegistryKind};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportRequest {
    /// Registries (id or name); empty: every one with credentials.
    pub registries: Vec<String>,
    /// Write here (0600, atomic) instead of handing the text back.
    pub output: Option<PathBuf>,
}

pub struct Export {
    /// The rendered config, when not written to a file.
    pub text: Option<Zeroizing<String>>,
    pub count: usize,
    /// Registries left out, and why (public, ECR without a token).
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("count", &self.count)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

/// Renders the chosen registries' logins.
///
/// # Errors
/// No such registry; an explicitly named registry without usable
/// credentials; nothing to export; the file cannot be written.
pub fn export(store: &dyn VaultStore, req: &ExportRequest) -> Result<Export, OpsError> {
    let result = export_run(store, req);
    let mut entry = super::entry_on(store, super::AuditAction::Export, None).place(
        req.output
            .as_ref()
            .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string()),
    );
    if let [one] = req.registries.as_slice() {
        entry = super::entry_on(store, super::AuditAction::Export, Some(one))
            .place(entry.place.clone().unwrap_or_default());
    }
    match &result {
        Ok(x) => {
            let names = if req.registries.is_empty() {
                "every registry".to_owned()
            } else {
                req.registries.join(", ")
            };
            let logins = crate::model::plural(x.count, "login", "logins");
            store.record(&entry.reason(format!("{logins}: {names}")));
        }
        Err(_) => super::record_err(store, entry, &result),
    }
    result
}

fn export_run(store: &dyn VaultStore, req: &ExportRequest) -> Result<Export, OpsError> {
    let data = store.read()?;
    let explicit = !req.registries.is_empty();
    let chosen: Vec<_> = if explicit {
        req.registries
            .iter()
            .map(|w| data.find_registry(w))
            .collect::<Result<_, _>>()?
    } else {
        data.registries
            .iter()
            .filter(|r| r.kind != RegistryKind::Public)
            .collect()
    };
    let mut logins = Vec::new();
    let mut notes = Vec::new();
    for r in chosen {
        match registry::docker_login(r.kind, &r.credentials, &r.name) {
            Ok(Some(login)) => logins.push(login),
            Ok(None) => {
                if explicit {
                    notes.push(format!("{} is public: it needs no credentials", r.name));
                }
            }
            Err(AuthError::NeedsTokenExchange) if !explicit => {
                notes.push(format!(
                    "skipped {} (ECR): {}",
                    r.name,
                    AuthError::NeedsTokenExchange
                ));
            }
            Err(e) => {
                return Err(OpsError::Input(format!("registry '{}': {e}", r.name)));
            }
        }
    }
    if logins.is_empty() {
        return Err(OpsError::Input(
            "nothing to export: no registry with credentials".into(),
        ));
    }
    let doc = registry::render_dockerconfigjson(&logins)?;
    let count = logins.len();
    match &req.output {
        None => Ok(Export {
            text: Some(doc),
            count,
            notes,
        }),
        Some(path) => {
            write_private(path, doc.as_bytes())?;
            Ok(Export {
                text: None,
                count,
                notes,
            })
        }
    }
}

/// Writes a secret file: 0600 from creation, temp + fsync + rename.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), OpsError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file_err = |source| OpsError::File {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| OpsError::Input("the output needs a file name".into()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|source| OpsError::File {
            path: tmp.clone(),
            source,
        })?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(file_err(e));
    }
    Ok(())
}
