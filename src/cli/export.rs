//! `regvault export dockerconfig`: the one command that prints secrets, on
//! purpose — a `.dockerconfigjson` for `docker`, `kubectl` or CI.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;

use super::{Global, keys};
use crate::registry::{self, AuthError, RegistryKind};

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Render a docker config.json (`{"auths": …}`) for saved registries.
    Dockerconfig {
        /// Registries to include (id or name); default: all that have credentials.
        #[arg(long, value_name = "ID")]
        registry: Vec<String>,
        /// Write to this file (0600, atomically) instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(g: &Global, cmd: ExportCmd) -> anyhow::Result<i32> {
    let ExportCmd::Dockerconfig {
        registry: wanted,
        output,
    } = cmd;
    let vault = keys::open(g)?;
    let data = vault.data();
    let explicit = !wanted.is_empty();
    let chosen: Vec<_> = if explicit {
        wanted
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
    for r in chosen {
        match registry::docker_login(r.kind, &r.credentials, &r.name) {
            Ok(Some(login)) => logins.push(login),
            Ok(None) => {
                if explicit {
                    eprintln!("note: {} is public: it needs no credentials", r.name);
                }
            }
            Err(AuthError::NeedsTokenExchange) if !explicit => {
                eprintln!(
                    "note: skipped {} (ECR): {}",
                    r.name,
                    AuthError::NeedsTokenExchange
                );
            }
            Err(e) => return Err(e).with_context(|| format!("registry '{}'", r.name)),
        }
    }
    if logins.is_empty() {
        bail!("nothing to export: no registry with credentials");
    }
    let doc = registry::render_dockerconfigjson(&logins)?;
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(doc.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Some(path) => {
            write_private(&path, doc.as_bytes())?;
            eprintln!("wrote {} ({} registries)", path.display(), logins.len());
        }
    }
    Ok(0)
}

/// Writes a secret file: 0600 from creation, temp + fsync + rename.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().context("--output needs a file name")?;
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
        .with_context(|| format!("creating {}", tmp.display()))?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}
