//! `regvault registry list|show|add|update|delegate|default|delete|test|types`, split by
//! responsibility: `input` (add and update: flags, files, prompts),
//! `delegate` (who may rotate and delete besides the creator),
//! `test` (Test Connection through `ops::test`, and its report) and
//! `show` (list, show, types).

mod delegate;
mod input;
mod show;
mod test;

use crate::cli::log;
use crate::vault::audit::Action;
use clap::Subcommand;
use serde_json::json;

use super::output::print_json;
use super::{Global, keys};
use crate::cli::output::outln;
use crate::model;
pub use delegate::DelegateArgs;
pub use input::{AddArgs, UpdateArgs};
pub use test::TestArgs;

#[derive(Debug, Subcommand)]
pub enum RegistryCmd {
    /// List saved registries.
    List {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show one registry by id or name (secrets masked).
    Show {
        registry: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Add a registry (from a file in the platform's shape, flags, or prompts).
    Add(AddArgs),
    /// Rename a registry or rotate its credentials (nothing is redeployed:
    /// the Secrets it was applied to are named as stale until `regvault
    /// sync` updates them).
    Update(UpdateArgs),
    /// Name the members who may rotate and delete a registry like its
    /// creator (--add / --remove; without them, show who is named). Only
    /// the creator may change them.
    Delegate(DelegateArgs),
    /// Mark the registry the credential helper (docker-credential-regvault)
    /// serves when several are saved for one host; marking one unmarks the
    /// others for that host. Only its creator (or a member the creator
    /// named) may.
    Default {
        registry: String,
        /// Remove the mark instead.
        #[arg(long)]
        unset: bool,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Delete a registry: only its creator (or a member the creator named)
    /// may, and not while containers use it.
    Delete {
        registry: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Test Connection: the structural check, then a live login against the
    /// registry (as `docker login` does) and, with --image, pull permission
    /// on that image. Exit 0 only when the outcome is `ok`.
    ///
    /// Outcomes: ok, invalid, bad-credentials, no-permission, not-found,
    /// rate-limited, tls-untrusted, dns, refused, timeout, not-a-registry,
    /// unsafe, cancelled, error. ECR tests store the 12-hour token and its
    /// expiry (see `registry show`).
    ///
    /// Environment: REGVAULT_ENDPOINT_<TYPE> (e.g.
    /// REGVAULT_ENDPOINT_GHCR=http://127.0.0.1:5000) replaces the registry's
    /// base URL; REGVAULT_AWS_ENDPOINT replaces the ECR API endpoint. Plain
    /// http is used only for loopback or a registry marked --insecure.
    Test(TestArgs),
    /// The nine registry types and their credential fields.
    Types {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &Global, cmd: RegistryCmd) -> anyhow::Result<i32> {
    match cmd {
        RegistryCmd::List { json } => show::list(g, json),
        RegistryCmd::Show { registry, json } => show::show(g, &registry, json),
        RegistryCmd::Add(args) => log::outcome(Action::Add, None, input::add(g, &args)),
        RegistryCmd::Update(args) => {
            let target = args.registry().to_owned();
            log::outcome(Action::Update, Some(&target), input::update(g, args))
        }
        RegistryCmd::Delegate(args) => log::outcome(
            Action::Update,
            Some(&args.registry),
            delegate::delegate(g, &args),
        ),
        RegistryCmd::Default {
            registry,
            unset,
            json,
        } => log::outcome(
            Action::Update,
            Some(&registry),
            host_default(g, &registry, !unset, json),
        ),
        RegistryCmd::Delete { registry, json } => {
            log::outcome(Action::Delete, Some(&registry), delete(g, &registry, json))
        }
        RegistryCmd::Test(args) => test::test(g, &args),
        RegistryCmd::Types { json } => Ok(show::types(json)),
    }
}

fn host_default(g: &Global, id: &str, on: bool, json: bool) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let user = vault.acting_user(&model::current_user());
    let changed = vault
        .data_mut()
        .set_host_default(id, on, &user, jiff::Timestamp::now())?;
    if changed {
        vault.save()?;
    }
    let r = vault.data().find_registry(id)?;
    let host = r.host_pattern().map(|p| p.describe()).unwrap_or_default();
    if json {
        print_json(
            &json!({"id": r.id, "name": r.name, "host": host, "hostDefault": r.host_default, "changed": changed}),
        );
    } else if r.host_default {
        outln!(
            "{} {}: the credential helper serves it for {host}",
            r.id,
            crate::model::escape(&r.name)
        );
    } else {
        outln!(
            "{} {}: not marked default for {host}",
            r.id,
            crate::model::escape(&r.name)
        );
    }
    Ok(0)
}

fn delete(g: &Global, id: &str, json: bool) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let user = vault.acting_user(&model::current_user());
    let removed = vault.data_mut().delete_registry(id, &user)?;
    crate::cli::log::save(&mut vault, &before)?;
    if json {
        print_json(&json!({"deleted": removed.id, "name": removed.name}));
    } else {
        outln!(
            "deleted {} {}",
            removed.id,
            crate::model::escape(&removed.name)
        );
        // The vault forgets it; clusters keep its pull secrets until pruned.
        outln!(
            "its managed pull secrets stay where they were applied: `regvault prune {}` removes them from a cluster",
            removed.id
        );
    }
    Ok(0)
}
