//! `regvault member list|add|remove`: the signing keys that may save a team
//! vault. A change is itself a save, signed by the member making it, so the
//! other members accept it; a change signed by anyone else is refused.

use crate::vault::audit::Action;
use anyhow::bail;
use clap::Subcommand;

use super::{Global, keys};
use crate::vault;

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// The members' signing keys, by fingerprint.
    List,
    /// Your own signing public key (created if you have none yet): give it
    /// to a member, who runs `regvault member add KEY`.
    Key,
    /// Let a teammate save the vault: their signing public key (ed25519:…,
    /// the "public key" line of their signing-key.txt, or their
    /// `ssh-ed25519 …` public key line). An unsigned vault
    /// becomes a team vault with you and them as members.
    Add { key: String },
    /// Stop a member's saves from being accepted (also re-key the vault so
    /// they cannot read new content).
    Remove { key: String },
}

pub fn run(g: &Global, cmd: MemberCmd) -> anyhow::Result<i32> {
    if let MemberCmd::Key = cmd {
        let path = vault::default_signing_key_path();
        println!("{}", vault::ensure_signing_key(&path)?);
        return Ok(0);
    }
    if let MemberCmd::List = cmd {
        let v = keys::open(g)?;
        if v.members().is_empty() {
            println!("{} is not signed: it has no members", v.path().display());
        }
        for m in v.members() {
            println!("{} {m}", vault::fingerprint(m));
        }
        return Ok(0);
    }
    let mut v = keys::open_locked(g)?;
    let mut members = v.members().to_vec();
    match cmd {
        MemberCmd::List | MemberCmd::Key => unreachable!("handled above"),
        MemberCmd::Add { key } => {
            let key = vault::check_member(&key)?;
            if members.is_empty() {
                members.push(vault::ensure_signing_key(
                    &vault::default_signing_key_path(),
                )?);
            }
            if members.contains(&key) {
                println!("{} is already a member", vault::fingerprint(&key));
                return Ok(0);
            }
            members.push(key.clone());
            v.set_members(members)?;
            let entry = super::log::entry(Action::Member)
                .map(|e| e.reason(format!("added member {}", vault::fingerprint(&key))));
            super::log::save_with(&mut v, entry.as_slice())?;
            println!("added member {}", vault::fingerprint(&key));
        }
        MemberCmd::Remove { key } => {
            let key = vault::check_member(&key)?;
            if !members.contains(&key) {
                bail!("{} is not a member", vault::fingerprint(&key));
            }
            members.retain(|m| *m != key);
            if members.is_empty() {
                bail!("a team vault keeps at least one member");
            }
            v.set_members(members)?;
            let entry = super::log::entry(Action::Member)
                .map(|e| e.reason(format!("removed member {}", vault::fingerprint(&key))));
            super::log::save_with(&mut v, entry.as_slice())?;
            println!(
                "removed member {} (their saves are refused from now on; re-key the vault so they cannot read new content)",
                vault::fingerprint(&key)
            );
        }
    }
    Ok(0)
}
