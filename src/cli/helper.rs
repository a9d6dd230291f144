//! `regvault helper install|uninstall|status`: send the vault's registry
//! hosts to `docker-credential-regvault` in docker's config.json and the
//! containers auth.json, and take the plaintext `auths` entries it replaces
//! off the host. A thin face over `ops::helper`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{print_json, print_table};
use super::{Global, keys, prompt};
use crate::cli::output::{errln, outln};
use crate::deploy::helper_config::{Flavor, HostRoute};
use crate::ops::VaultStore as _;
use crate::ops::helper::{self as ops, FileRoutes, HelperPaths};

#[derive(Debug, Subcommand)]
pub enum HelperCmd {
    /// Route the vault's registry hosts to docker-credential-regvault
    /// (credHelpers) in $DOCKER_CONFIG/config.json and the containers
    /// auth.json; offers to remove the plaintext credentials it replaces.
    Install(InstallArgs),
    /// Remove the credHelpers entries that name regvault (nothing else).
    Uninstall(FileArgs),
    /// Per registry host: do docker and podman/skopeo ask the helper, and
    /// is a plaintext credential for it still in their files?
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// docker's config directory [default: $DOCKER_CONFIG, else ~/.docker]
    #[arg(long, value_name = "DIR")]
    docker_config: Option<PathBuf>,
    /// The containers auth file [default: $REGISTRY_AUTH_FILE, else
    /// $XDG_CONFIG_HOME/containers/auth.json, else ~/.config/containers/auth.json]
    #[arg(long, value_name = "PATH")]
    containers_auth: Option<PathBuf>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

impl FileArgs {
    fn paths(&self) -> HelperPaths {
        HelperPaths::resolve(
            self.docker_config.as_deref(),
            self.containers_auth.as_deref(),
        )
    }
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    files: FileArgs,
    /// Remove the plaintext auths entries of the hosts now sent to the
    /// helper, without asking.
    #[arg(long)]
    remove_plaintext: bool,
    /// Only these registries (id or name) [default: every saved registry].
    #[arg(long = "registry", value_name = "ID", num_args = 1..)]
    registries: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    files: FileArgs,
}

pub fn run(g: &Global, cmd: HelperCmd) -> anyhow::Result<i32> {
    match cmd {
        HelperCmd::Install(a) => install(g, &a),
        HelperCmd::Uninstall(a) => uninstall(&a),
        HelperCmd::Status(a) => status(g, &a.files),
    }
}

/// "docker" or "podman/skopeo", as the user knows the file.
fn client(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Docker => "docker",
        Flavor::Containers => "podman/skopeo",
        Flavor::PodmanRuntime => "podman login's file",
    }
}

/// The file as the status table names it.
fn file_label(f: &FileRoutes) -> String {
    let name = f.path.file_name().map_or_else(
        || f.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    match f.flavor {
        Flavor::PodmanRuntime => format!("runtime {name}"),
        _ => name,
    }
}

/// Plaintext credentials a removal would take, per file.
fn plaintext_to_remove(files: &[&FileRoutes]) -> Vec<(PathBuf, Vec<String>)> {
    files
        .iter()
        .map(|f| {
            let keys: Vec<String> = f
                .routes
                .iter()
                .filter(|r| r.other_helper.is_none())
                .flat_map(|r| r.plaintext.iter().cloned())
                .collect();
            (f.path.clone(), keys)
        })
        .filter(|(_, k)| !k.is_empty())
        .collect()
}

fn install(g: &Global, a: &InstallArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let data = store.read()?;
    let (hosts, skipped) = ops::helper_hosts(&data, &a.registries)?;
    let names: Vec<String> = hosts.iter().map(|h| h.host.clone()).collect();
    let paths = a.files.paths();
    let mut remove = a.remove_plaintext;
    if !remove && !a.files.json && !names.is_empty() && prompt::interactive() {
        let before = ops::status(&paths, &names);
        let files: Vec<&FileRoutes> = before.files().collect();
        let found = plaintext_to_remove(&files);
        let count: usize = found.iter().map(|(_, k)| k.len()).sum();
        if count > 0 {
            for (path, keys) in &found {
                errln!("plaintext in {}: {}", path.display(), keys.join(", "));
            }
            let answer = prompt::line(&format!(
                "Remove these {}? The helper serves them from the vault. [y/N] ",
                crate::model::plural(count, "plaintext credential", "plaintext credentials")
            ))?;
            remove = matches!(answer.trim(), "y" | "Y" | "yes");
        }
    }
    let files = if names.is_empty() {
        Vec::new()
    } else {
        ops::install(&paths, &names, remove)?
    };
    let on_path = ops::helper_on_path();
    if a.files.json {
        print_json(&json!({
            "hosts": hosts,
            "skipped": skipped,
            "files": files,
            "helperOnPath": on_path,
        }));
        return Ok(0);
    }
    for s in &skipped {
        errln!("skipped '{}': {}", s.registry, s.reason);
    }
    if names.is_empty() {
        outln!("no registry host to install the helper for");
        return Ok(0);
    }
    let mut left = 0;
    for f in &files {
        let c = &f.change;
        let who = client(f.flavor);
        if c.added.is_empty() {
            outln!(
                "{who}: {} already sends every host to regvault",
                f.path.display()
            );
        } else {
            outln!(
                "{who}: {} now sends {} to regvault",
                f.path.display(),
                c.added.join(", ")
            );
        }
        for (key, helper) in &c.other_helper {
            errln!(
                "warning: {} sends {key} to the helper '{helper}': left as it is (remove that entry to use regvault)",
                f.path.display()
            );
        }
        if let Some((store, hosts)) = &c.creds_store {
            errln!(
                "note: {} sets credsStore '{store}', which answered for {} before; the credentials it holds for them stay in it (docker-credential-{store} erase)",
                f.path.display(),
                hosts.join(", ")
            );
        }
        if !c.removed_plaintext.is_empty() {
            outln!(
                "{who}: removed {} from {}: {}",
                crate::model::plural(
                    c.removed_plaintext.len(),
                    "plaintext credential",
                    "plaintext credentials"
                ),
                f.path.display(),
                c.removed_plaintext.join(", ")
            );
        }
        if !c.plaintext_left.is_empty() {
            left += c.plaintext_left.len();
            errln!(
                "{} left in {}: {}",
                crate::model::plural(
                    c.plaintext_left.len(),
                    "plaintext credential",
                    "plaintext credentials"
                ),
                f.path.display(),
                c.plaintext_left.join(", ")
            );
        }
    }
    if left > 0 {
        errln!("remove them with `regvault helper install --remove-plaintext`");
    }
    if !on_path {
        errln!(
            "warning: {} is not on PATH: docker, podman and skopeo fail for these hosts until it is",
            ops::HELPER_PROGRAM
        );
    }
    Ok(0)
}

fn uninstall(a: &FileArgs) -> anyhow::Result<i32> {
    let files = ops::uninstall(&a.paths())?;
    if a.json {
        print_json(&json!({ "files": files }));
        return Ok(0);
    }
    for f in &files {
        if f.removed.is_empty() {
            outln!(
                "{}: {} has no regvault entry",
                client(f.flavor),
                f.path.display()
            );
        } else {
            outln!(
                "{}: removed {} from {}",
                client(f.flavor),
                f.removed.join(", "),
                f.path.display()
            );
        }
    }
    Ok(0)
}

fn route_cell(f: &FileRoutes, r: Option<&HostRoute>) -> String {
    if f.error.is_some() {
        return "unreadable".to_owned();
    }
    match r {
        Some(r) if r.helper => "helper".to_owned(),
        Some(HostRoute {
            other_helper: Some(h),
            ..
        }) => format!("helper '{h}'"),
        Some(HostRoute {
            creds_store: Some(s),
            ..
        }) => format!("credsStore '{s}'"),
        _ => "no".to_owned(),
    }
}

fn status(g: &Global, a: &FileArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let data = store.read()?;
    let (hosts, skipped) = ops::helper_hosts(&data, &[])?;
    let names: Vec<String> = hosts.iter().map(|h| h.host.clone()).collect();
    let s = ops::status(&a.paths(), &names);
    if a.json {
        let rows: Vec<_> = hosts
            .iter()
            .map(|h| {
                let d = s.docker.route(&h.host);
                let c = s.containers.route(&h.host);
                json!({
                    "host": h.host,
                    "registries": h.registries,
                    "docker": d,
                    "containers": c,
                    "podmanRuntime": s.podman_runtime.as_ref().and_then(|f| f.route(&h.host)),
                })
            })
            .collect();
        print_json(&json!({
            "hosts": rows,
            "skipped": skipped,
            "docker": {"path": s.docker.path, "exists": s.docker.exists, "error": s.docker.error},
            "containers": {"path": s.containers.path, "exists": s.containers.exists, "error": s.containers.error},
            "podmanRuntime": s.podman_runtime.as_ref().map(|f| json!({"path": f.path, "exists": f.exists, "error": f.error})),
            "helperOnPath": ops::helper_on_path(),
        }));
        return Ok(0);
    }
    let mut rows = vec![vec![
        "HOST".to_owned(),
        "DOCKER".to_owned(),
        "PODMAN/SKOPEO".to_owned(),
        "PLAINTEXT LEFT".to_owned(),
        "REGISTRIES".to_owned(),
    ]];
    for h in &hosts {
        let d = s.docker.route(&h.host);
        let c = s.containers.route(&h.host);
        let mut plain: Vec<String> = Vec::new();
        for f in s.files() {
            if f.route(&h.host).is_some_and(|r| !r.plaintext.is_empty()) {
                plain.push(file_label(f));
            }
        }
        rows.push(vec![
            h.host.clone(),
            route_cell(&s.docker, d),
            route_cell(&s.containers, c),
            if plain.is_empty() {
                "none".to_owned()
            } else {
                plain.join(", ")
            },
            h.registries.join(", "),
        ]);
    }
    if hosts.is_empty() {
        outln!("no registry host in the vault");
    } else {
        print_table(&rows);
    }
    for f in s.files() {
        match &f.error {
            Some(e) => errln!("{}: {e}", client(f.flavor)),
            None if !f.exists => outln!("{}: {} (not there)", client(f.flavor), f.path.display()),
            None => outln!("{}: {}", client(f.flavor), f.path.display()),
        }
    }
    for sk in &skipped {
        outln!("skipped '{}': {}", sk.registry, sk.reason);
    }
    if !ops::helper_on_path() {
        errln!("warning: {} is not on PATH", ops::HELPER_PROGRAM);
    }
    Ok(0)
}
