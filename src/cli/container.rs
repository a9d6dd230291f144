//! `regvault container list|add|update|delete`.

use super::log;
use crate::vault::audit::Action;
use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::json;

use super::output::{self, print_json};
use super::{Global, keys};
use crate::cli::exit;
use crate::cli::output::{errln, outln};
use crate::model::{self, ContainerSpec, RegistryId, RuleError, VaultData};

#[derive(Debug, Subcommand)]
pub enum ContainerCmd {
    /// List containers.
    List {
        /// Only this environment.
        #[arg(long)]
        environment: Option<String>,
        /// Only containers pulling from this registry (id or name).
        #[arg(long)]
        registry: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Add a container pulling `IMAGE:TAG` from a saved registry (or a public image).
    Add(AddArgs),
    /// Change a container; unset options keep their values.
    Update(UpdateArgs),
    /// Delete a container.
    Delete {
        container: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name, unique within its environment.
    #[arg(long)]
    name: String,
    /// e.g. production (it becomes the namespace env-production).
    #[arg(long)]
    environment: String,
    /// Image name, e.g. acme/web or ghcr.io/acme/web.
    #[arg(long)]
    image: String,
    #[arg(long, default_value = "latest")]
    tag: String,
    /// The saved registry (id or name) to pull with; omit for a public image.
    #[arg(long, conflicts_with = "public")]
    registry: Option<String>,
    /// A public image: no registry, even when the image names a host the
    /// vault has registries for (without it, that is asked).
    #[arg(long)]
    public: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Container id (ctr-…) or name.
    container: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    environment: Option<String>,
    #[arg(long)]
    image: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    /// Pull with this saved registry (id or name).
    #[arg(long, conflicts_with = "public")]
    registry: Option<String>,
    /// A public image: pull with no registry credentials.
    #[arg(long)]
    public: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(g: &Global, cmd: ContainerCmd) -> anyhow::Result<i32> {
    match cmd {
        ContainerCmd::List {
            environment,
            registry,
            json,
        } => list(g, environment.as_deref(), registry.as_deref(), json),
        ContainerCmd::Add(a) => log::outcome(Action::ContainerAdd, None, add(g, a)),
        ContainerCmd::Update(a) => log::outcome(Action::Update, None, update(g, a)),
        ContainerCmd::Delete { container, json } => {
            log::outcome(Action::ContainerDelete, None, delete(g, &container, json))
        }
    }
}

fn resolve_registry(data: &VaultData, id_or_name: &str) -> Result<RegistryId, RuleError> {
    data.find_registry(id_or_name).map(|r| r.id.clone())
}

fn list(
    g: &Global,
    environment: Option<&str>,
    registry: Option<&str>,
    json: bool,
) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let data = vault.data();
    let reg_filter = registry.map(|r| resolve_registry(data, r)).transpose()?;
    let shown: Vec<_> = data
        .containers
        .iter()
        .filter(|c| environment.is_none_or(|e| c.environment == e))
        .filter(|c| reg_filter.is_none() || c.registry_config.registry_id == reg_filter)
        .collect();
    if json {
        print_json(&serde_json::Value::Array(
            shown
                .iter()
                .map(|c| output::container_json(c, data))
                .collect(),
        ));
        return Ok(0);
    }
    if shown.is_empty() {
        outln!("no containers");
        return Ok(0);
    }
    let mut rows = vec![
        ["ID", "NAME", "ENVIRONMENT", "IMAGE", "REGISTRY"]
            .map(String::from)
            .to_vec(),
    ];
    for c in shown {
        let reg = match &c.registry_config.registry_id {
            Some(id) => data
                .registry(id.as_str())
                .map_or_else(|| format!("{id} (missing)"), |r| r.name.clone()),
            None => "public".to_owned(),
        };
        rows.push(vec![
            c.id.to_string(),
            c.name.clone(),
            c.environment.clone(),
            c.image_ref(),
            reg,
        ]);
    }
    output::print_table(&rows);
    Ok(0)
}

/// An image naming a host the vault has registries for, given with no
/// registry: which one is meant is asked (exit 2), not guessed — pulled
/// as public it would fail at the first private image.
fn ask_registry(data: &VaultData, image: &str) -> anyhow::Result<()> {
    let candidates = data.registries_for_image(image);
    if candidates.is_empty() {
        return Ok(());
    }
    let host = model::image_pull_host(image).unwrap_or_default();
    let ids: Vec<String> = candidates
        .iter()
        .map(|r| format!("{} ({})", r.id, model::escape(&r.name)))
        .collect();
    Err(exit::usage(format!(
        "image {} is on {host}, where the vault has {}: give `--registry ID` to pull with one, or `--public` if the image needs no login",
        model::escape(image),
        if ids.len() == 1 {
            format!("registry {}", ids[0])
        } else {
            format!("registries {}", ids.join(", "))
        }
    )))
}

/// Warns (stderr; the change is still made) when the registry does not log
/// in to the host the image is pulled from.
fn warn_mismatch(data: &VaultData, image: &str, registry: Option<&RegistryId>) {
    if let Some(r) = registry.and_then(|id| data.registry(id.as_str()))
        && let Some(w) = model::image_host_warning(image, r)
    {
        errln!("warning: {w}");
    }
}

fn add(g: &Global, a: AddArgs) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let registry_id = a
        .registry
        .as_deref()
        .map(|r| resolve_registry(vault.data(), r))
        .transpose()?;
    if registry_id.is_none() && !a.public {
        ask_registry(vault.data(), &a.image)?;
    }
    warn_mismatch(vault.data(), &a.image, registry_id.as_ref());
    let spec = ContainerSpec {
        name: a.name,
        environment: a.environment,
        registry_id,
        image_name: a.image,
        image_tag: a.tag,
    };
    let id = vault
        .data_mut()
        .add_container(spec, &model::current_user(), Timestamp::now())?;
    super::log::save(&mut vault, &before)?;
    let c = vault
        .data()
        .container(id.as_str())
        .context("container vanished")?;
    if a.json {
        print_json(&output::container_json(c, vault.data()));
    } else {
        outln!(
            "added {} {} ({}) {}",
            c.id,
            c.name,
            c.environment,
            c.image_ref()
        );
    }
    Ok(0)
}

fn update(g: &Global, a: UpdateArgs) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let data = vault.data();
    let cur = data.find_container(&a.container)?.clone();
    let registry_id = if a.public {
        None
    } else if let Some(r) = a.registry.as_deref() {
        Some(resolve_registry(data, r)?)
    } else {
        cur.registry_config.registry_id.clone()
    };
    if registry_id.is_none()
        && !a.public
        && let Some(image) = &a.image
    {
        ask_registry(data, image)?;
    }
    if a.image.is_some() || a.registry.is_some() {
        let image = a
            .image
            .as_deref()
            .unwrap_or(&cur.registry_config.image_name);
        warn_mismatch(data, image, registry_id.as_ref());
    }
    let spec = ContainerSpec {
        name: a.name.unwrap_or(cur.name),
        environment: a.environment.unwrap_or(cur.environment),
        registry_id,
        image_name: a.image.unwrap_or(cur.registry_config.image_name),
        image_tag: a.tag.unwrap_or(cur.registry_config.image_tag),
    };
    vault
        .data_mut()
        .update_container(cur.id.as_str(), spec, Timestamp::now())?;
    super::log::save(&mut vault, &before)?;
    let c = vault
        .data()
        .container(cur.id.as_str())
        .context("container vanished")?;
    if a.json {
        print_json(&output::container_json(c, vault.data()));
    } else {
        outln!(
            "updated {} {} ({}) {}",
            c.id,
            c.name,
            c.environment,
            c.image_ref()
        );
    }
    Ok(0)
}

fn delete(g: &Global, id: &str, json: bool) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let c = vault.data_mut().delete_container(id)?;
    super::log::save(&mut vault, &before)?;
    if json {
        print_json(&json!({"deleted": c.id, "name": c.name}));
    } else {
        outln!("deleted {} {}", c.id, model::escape(&c.name));
    }
    Ok(0)
}
