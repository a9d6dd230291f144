//! `regvault rekey` (re-encrypt to a new recipient list, then remove the
//! backups made for the old one) and `regvault backups list|purge`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::{Global, keys, prompt};
use crate::cli::output::outln;
use crate::vault::{self, Encryption, KeySource};

#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// Add this recipient (age1…, ssh-ed25519 …, ssh-rsa …); repeatable.
    #[arg(long, value_name = "RECIPIENT")]
    add: Vec<String>,
    /// Remove this recipient (as listed by `rekey --list`); repeatable.
    #[arg(long, value_name = "RECIPIENT")]
    remove: Vec<String>,
    /// Replace the whole list with the recipients in this file (one per
    /// line, # comments); --add and --remove apply after it.
    #[arg(long, value_name = "FILE")]
    recipients_file: Option<PathBuf>,
    /// Switch to a passphrase (read from REGVAULT_PASSPHRASE_FILE or prompted).
    #[arg(long, conflicts_with_all = ["add", "remove", "recipients_file"])]
    passphrase: bool,
    /// Keep the backups (they stay encrypted to the old recipients).
    #[arg(long)]
    keep_backups: bool,
    /// Only print the current recipients.
    #[arg(long, conflicts_with_all = ["add", "remove", "recipients_file", "passphrase"])]
    list: bool,
}

#[derive(Debug, Subcommand)]
pub enum BackupsCmd {
    /// The backups kept beside the vault, newest first (`regvault restore`
    /// also shows what each holds).
    List,
    /// Delete the vault's backups (the vault must open first). They keep
    /// old credentials, encrypted to the recipients of their day.
    Purge {
        /// Also delete the backups of earlier vaults at this path.
        #[arg(long)]
        earlier: bool,
    },
}

/// A recipient's identity for comparison: its type and key, without the
/// SSH comment.
fn key_of(r: &str) -> String {
    r.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

pub fn rekey(g: &Global, args: &RekeyArgs) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    let sources = keys::key_sources(g, &path)?;
    let mut v = vault::Vault::open_locked(&path, &sources)
        .with_context(|| format!("opening {}", path.display()))?;
    if let Some(found) = v.newer_schema() {
        bail!(vault::VaultError::NewerSchema {
            found,
            supported: vault::SCHEMA_VERSION
        });
    }
    super::log::opened(&v);
    let path = v.path().to_owned();
    let old = match v.encryption() {
        Encryption::Recipients(list) => list.clone(),
        Encryption::Passphrase => Vec::new(),
    };
    if args.list {
        if old.is_empty() {
            outln!("{} is protected by a passphrase", path.display());
        }
        for r in &old {
            outln!("{r}");
        }
        return Ok(0);
    }
    let (new, summary) = if args.passphrase {
        let pass = prompt::passphrase(true)?;
        v.set_encryption(Encryption::Passphrase, Some(pass))?;
        (Vec::new(), "a passphrase".to_owned())
    } else {
        let mut list = match &args.recipients_file {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                vault::parse_recipients(&text)?
            }
            None => old.clone(),
        };
        for r in &args.remove {
            let before = list.len();
            list.retain(|x| key_of(x) != key_of(r));
            if list.len() == before {
                bail!(
                    "'{r}' is not a recipient of {}: `regvault rekey --list` shows them",
                    path.display()
                );
            }
        }
        for r in vault::parse_recipients(&args.add.join("\n"))? {
            if !list.iter().any(|x| key_of(x) == key_of(&r)) {
                list.push(r);
            }
        }
        if list.is_empty() {
            bail!(vault::VaultError::NoRecipients);
        }
        // Refuse to lock out the key doing it (a hand-over adds the new
        // key first; its holder removes the old one).
        let mine: Vec<String> = sources
            .iter()
            .filter_map(|k| match k {
                KeySource::IdentityFile(p) => vault::identity_recipients(p).ok(),
                KeySource::Passphrase(_) | KeySource::Agent(_) => None,
            })
            .flatten()
            .collect();
        if !mine.is_empty()
            && !list
                .iter()
                .any(|r| mine.iter().any(|m| key_of(m) == key_of(r)))
        {
            bail!(
                "the new list leaves out your own key ({}): you could no longer open the vault",
                mine.join(", ")
            );
        }
        let same = list.len() == old.len()
            && list
                .iter()
                .all(|r| old.iter().any(|o| key_of(o) == key_of(r)));
        if same && !old.is_empty() {
            bail!("the recipients are unchanged: nothing to re-encrypt");
        }
        let n = list.len();
        v.set_encryption(Encryption::Recipients(list.clone()), None)?;
        (
            list,
            format!("{n} recipient{}", if n == 1 { "" } else { "s" }),
        )
    };
    let entry = super::log::entry(crate::vault::audit::Action::Rekey)
        .map(|e| e.reason(format!("re-encrypted to {summary}")));
    super::log::save_with(&mut v, entry.as_slice())
        .with_context(|| format!("saving {}", path.display()))?;
    outln!("re-encrypted {} to {summary}", path.display());
    if keys::forget_in_agent(g) {
        outln!("the agent forgot its old key for this vault: `regvault unlock` again to use it");
    }
    for r in old
        .iter()
        .filter(|o| !new.iter().any(|n| key_of(n) == key_of(o)))
    {
        outln!("  removed {r}");
    }
    for r in new
        .iter()
        .filter(|n| !old.iter().any(|o| key_of(n) == key_of(o)))
    {
        outln!("  added   {r}");
    }
    if args.keep_backups {
        outln!(
            "kept the backups: they are still encrypted to the old recipients (`regvault backups purge` removes them)"
        );
    } else {
        let removed = v.purge_backups(false)?;
        outln!(
            "removed {} encrypted to the old recipients",
            crate::model::plural(removed, "backup", "backups")
        );
    }
    if !old.is_empty() {
        outln!(
            "a removed member may have kept copies of the vault or its credentials: rotate the credentials they could read"
        );
    }
    Ok(0)
}

pub fn backups(g: &Global, cmd: &BackupsCmd) -> anyhow::Result<i32> {
    match cmd {
        BackupsCmd::List => {
            let path = keys::vault_path(g);
            let list = vault::all_backups(&path);
            if list.is_empty() {
                outln!("no backups of {}", path.display());
            }
            for (i, b) in list.iter().enumerate() {
                let size = std::fs::metadata(&b.path).map_or(0, |m| m.len());
                outln!(
                    "{:>3}.  {}  {size:>9} bytes  {}{}",
                    i + 1,
                    b.time.as_deref().unwrap_or("unknown time"),
                    b.path.display(),
                    if b.earlier {
                        "  (an earlier vault at this path)"
                    } else {
                        ""
                    }
                );
            }
            Ok(0)
        }
        BackupsCmd::Purge { earlier } => {
            // Only once the vault opens: its backups may be all that is left.
            let v = keys::open_locked(g)?;
            let removed = v.purge_backups(*earlier)?;
            outln!(
                "removed {} of {}",
                crate::model::plural(removed, "backup", "backups"),
                v.path().display()
            );
            Ok(0)
        }
    }
}
