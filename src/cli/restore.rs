//! `regvault restore`: list the vault's backups (time, registry count), or
//! put one back as the vault. The vault it replaces becomes a backup, so a
//! restore loses nothing.

use anyhow::{Context, bail};
use clap::Args;

use super::{Global, keys};
use crate::cli::output::outln;
use crate::vault::{self, Backup};

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to put back: its number in the list, or its file name.
    /// Without it, the backups are listed.
    #[arg(value_name = "N|NAME")]
    which: Option<String>,
}

fn label(b: &Backup) -> String {
    let dir = b
        .path
        .parent()
        .and_then(|d| d.file_name())
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = b
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if b.earlier {
        format!("{dir}/{name} (an earlier vault at this path)")
    } else {
        name
    }
}

fn pick<'a>(backups: &'a [Backup], which: &str) -> anyhow::Result<&'a Backup> {
    if let Ok(n) = which.parse::<usize>() {
        return n
            .checked_sub(1)
            .and_then(|i| backups.get(i))
            .with_context(|| format!("there is no backup {n}: `regvault restore` lists them"));
    }
    backups
        .iter()
        .find(|b| {
            b.path
                .file_name()
                .is_some_and(|f| f == which.trim_end_matches('/'))
                || b.path.ends_with(which)
        })
        .with_context(|| format!("no backup named '{which}': `regvault restore` lists them"))
}

pub fn run(g: &Global, args: &RestoreArgs) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    let backups = vault::all_backups(&path);
    let Some(newest) = backups.first() else {
        bail!(
            "no backups of {} in {}",
            path.display(),
            vault::backups_dir(&path).display()
        );
    };
    // The key is asked for (a passphrase prompted) once, as `open` does.
    let keys = keys::key_sources_for_file(g, &newest.path)?;
    match &args.which {
        None => {
            outln!("backups of {} (newest first):", path.display());
            for (i, b) in backups.iter().enumerate() {
                let content = match vault::read_backup(&b.path, &keys) {
                    Ok(data) => {
                        let n = data.registries.len();
                        format!("{n} registr{}", if n == 1 { "y" } else { "ies" })
                    }
                    Err(e) => format!("cannot open: {e}"),
                };
                outln!(
                    "{:>3}.  {}  {content}  {}",
                    i + 1,
                    b.time.as_deref().unwrap_or("unknown time"),
                    label(b)
                );
            }
            outln!("put one back with `regvault restore N`");
        }
        Some(which) => {
            let b = pick(&backups, which)?;
            let data = vault::restore_backup(&path, &b.path, &keys)
                .with_context(|| format!("restoring {}", b.path.display()))?;
            let n = data.registries.len();
            // The restored vault's log is the same log (same key): the
            // restore goes into it like any other change.
            if let Ok(v) = vault::Vault::open(&path, &keys) {
                crate::cli::log::opened(&v);
                if let (Some(log), Some(e)) = (
                    v.audit_log(),
                    crate::cli::log::entry(crate::vault::audit::Action::Restore),
                ) {
                    let e = e.reason(format!(
                        "put back the backup of {}",
                        b.time.as_deref().unwrap_or("unknown time")
                    ));
                    if let Err(p) = log.append(&e) {
                        crate::cli::output::errln!("audit log: {p}");
                    }
                }
            }
            outln!(
                "restored {} from the backup of {} ({n} registr{}); the vault it replaced, if any, is the newest backup now",
                path.display(),
                b.time.as_deref().unwrap_or("unknown time"),
                if n == 1 { "y" } else { "ies" }
            );
        }
    }
    Ok(0)
}
