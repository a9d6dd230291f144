//! `registry delegate`: the members a registry's creator names, who may
//! rotate and delete it like the creator. Only the creator changes the list.

use anyhow::bail;
use clap::Args;
use jiff::Timestamp;
use serde_json::json;

use crate::cli::output::{outln, print_json};
use crate::cli::{Global, keys};
use crate::model::{self, escape};
use crate::vault;

#[derive(Debug, Args)]
pub struct DelegateArgs {
    /// The registry, by id or name.
    pub(super) registry: String,
    /// Name a member who may rotate and delete it: their signing key
    /// (ed25519:…) or its fingerprint (sha256:…), as `regvault member list`
    /// prints them; in an unsigned vault, a user name.
    #[arg(long, value_name = "WHO", num_args = 1..)]
    add: Vec<String>,
    /// Stop naming a delegate (same forms as --add).
    #[arg(long, value_name = "WHO", num_args = 1..)]
    remove: Vec<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// The delegate entry for `who`: in a team vault (`members` not empty) a
/// member's signing key or its fingerprint, kept as the fingerprint
/// `sha256:…` (what `acting_user` shows and "only the creator" compares);
/// in an unsigned vault a user name.
fn resolve(who: &str, members: &[String]) -> anyhow::Result<String> {
    let who = who.trim();
    if members.is_empty() {
        if who.starts_with("ed25519:") || who.starts_with("sha256:") {
            bail!(
                "delegate: this vault is not signed (it has no members): name a user by name, or make it a team vault with `regvault member add`"
            );
        }
        model::check_name("delegate", who)?;
        return Ok(who.to_owned());
    }
    let found = if who.starts_with("sha256:") {
        members
            .iter()
            .map(|m| vault::fingerprint(m))
            .find(|f| f == who)
    } else if who.starts_with("ed25519:") {
        members
            .iter()
            .find(|m| m.as_str() == who)
            .map(|m| vault::fingerprint(m))
    } else {
        bail!(
            "delegate: in a team vault name a member by signing key (ed25519:…) or fingerprint (sha256:…), as `regvault member list` prints them"
        );
    };
    match found {
        Some(f) => Ok(f),
        None => bail!(
            "delegate: not a member of this vault (see `regvault member list`; a member adds them with `regvault member add`)"
        ),
    }
}

pub(super) fn delegate(g: &Global, args: &DelegateArgs) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let members = vault.members().to_vec();
    let add = args
        .add
        .iter()
        .map(|w| resolve(w, &members))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let remove = args
        .remove
        .iter()
        .map(|w| resolve(w, &members))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let user = vault.acting_user(&model::current_user());
    let changed =
        vault
            .data_mut()
            .set_delegates(&args.registry, &add, &remove, &user, Timestamp::now())?;
    if changed {
        crate::cli::log::save(&mut vault, &before)?;
    }
    let r = vault.data().find_registry(&args.registry)?;
    if args.json {
        print_json(&json!({
            "id": r.id,
            "name": r.name,
            "delegates": r.delegates,
            "changed": changed,
        }));
        return Ok(0);
    }
    if r.delegates.is_empty() {
        outln!(
            "{}: no delegates (only its creator may rotate or delete it)",
            escape(&r.name)
        );
    } else {
        outln!(
            "{}: may be rotated and deleted by its creator and {}",
            escape(&r.name),
            r.delegates
                .iter()
                .map(|d| escape(d))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(0)
}
