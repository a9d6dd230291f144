//! `regvault init`: create the vault, and by default the identity that opens it.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use super::{Global, keys, prompt};
use crate::cli::output::outln;
use crate::model::VaultData;
use crate::vault::{self, Encryption, Vault};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Protect the vault with a passphrase (age scrypt) instead of an identity
    /// file; read from REGVAULT_PASSPHRASE_FILE or prompted.
    #[arg(long, conflicts_with_all = ["recipient", "recipients_file", "no_identity", "member"])]
    passphrase: bool,
    /// Also encrypt to this teammate's public key (age1…, ssh-ed25519 …,
    /// ssh-rsa …); repeatable.
    #[arg(long, value_name = "RECIPIENT")]
    recipient: Vec<String>,
    /// Also encrypt to every recipient in this file (one per line, # comments).
    #[arg(long, value_name = "FILE")]
    recipients_file: Option<PathBuf>,
    /// Create no local identity: encrypt only to the given recipients (e.g.
    /// your own SSH public key).
    #[arg(long)]
    no_identity: bool,
    /// A teammate's signing public key (ed25519:…, the "public key" line of
    /// their signing-key.txt, or their `ssh-ed25519 …` public key line):
    /// they may save the vault too; repeatable. Your own signing key
    /// (--signing-key) is always a member.
    #[arg(long, value_name = "KEY")]
    member: Vec<String>,
}

pub fn run(g: &Global, args: &InitArgs) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    if path.exists() {
        bail!(vault::VaultError::Exists(path));
    }
    // `Vault::create` sets the backups of a lost vault at this path aside.
    let earlier = vault::all_backups(&path).len();
    let note_earlier = || {
        if earlier > 0 {
            outln!(
                "kept {earlier} backup{} of an earlier vault at this path in {} (`regvault restore` lists them and brings one back)",
                if earlier == 1 { "" } else { "s" },
                vault::backups_dir(&path).display()
            );
        }
    };
    if args.passphrase {
        let pass = prompt::passphrase(true)?;
        Vault::create(
            &path,
            VaultData::default(),
            Encryption::Passphrase,
            Some(pass),
        )?;
        outln!("created vault {} (passphrase)", path.display());
        note_earlier();
        return Ok(0);
    }

    // A signing key that cannot be used (encrypted or RSA SSH key, open to
    // others) stops init before it creates anything.
    let sign_path = vault::default_signing_key_path();
    if sign_path.exists() {
        vault::ensure_signing_key(&sign_path)?;
    }
    let mut recipients = Vec::new();
    if !args.no_identity {
        let id_path = g
            .identity
            .clone()
            .unwrap_or_else(vault::default_identity_path);
        if id_path.exists() {
            vault::check_identity_file(&id_path)?;
            recipients.extend(vault::identity_recipients(&id_path)?);
            outln!("using identity {}", id_path.display());
        } else {
            recipients.push(vault::generate_identity(&id_path)?);
            outln!(
                "created identity {} (keep it safe: it opens the vault)",
                id_path.display()
            );
        }
    }
    if !args.recipient.is_empty() {
        recipients.extend(vault::parse_recipients(&args.recipient.join("\n"))?);
    }
    if let Some(file) = &args.recipients_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        recipients.extend(vault::parse_recipients(&text)?);
    }
    if recipients.is_empty() {
        bail!("no recipients: --no-identity needs --recipient or --recipients-file");
    }
    let mut seen = std::collections::BTreeSet::new();
    recipients.retain(|r| seen.insert(r.clone()));
    let n = recipients.len();
    // Every save is signed by its writer; the members may save.
    let had_key = sign_path.exists();
    let own = vault::ensure_signing_key(&sign_path)?;
    println!(
        "{} signing key {} (public key {own})",
        if had_key { "using" } else { "created" },
        sign_path.display()
    );
    let mut members = vec![own];
    for m in &args.member {
        members.push(vault::check_member(m)?);
    }
    let mut seen = std::collections::BTreeSet::new();
    members.retain(|m| seen.insert(m.clone()));
    Vault::create_team(
        &path,
        VaultData::default(),
        Encryption::Recipients(recipients),
        None,
        members,
    )?;
    outln!(
        "created vault {} (encrypted to {n} recipient{})",
        path.display(),
        if n == 1 { "" } else { "s" }
    );
    note_earlier();
    Ok(0)
}
