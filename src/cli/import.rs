//! `regvault import docker-config|containers-auth|kube-secret`: moving in
//! from where credentials live today. Every run prints the preview first
//! (added, already there, skipped and why — never a secret); `--dry-run`
//! stops there. The work is `ops::import`'s; this is its face.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::output::{self, errln, outln, print_findings, print_json, print_table};
use super::{Global, keys};
use crate::model;
use crate::ops::import::{self as imp, Action, AuthFile, Origin, Preview, read};

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// docker's config.json: `auths` entries (auth or username/password),
    /// and what its credsStore / credHelpers hold, asked through the
    /// helper protocol [default: $DOCKER_CONFIG/config.json, then
    /// ~/.docker/config.json].
    DockerConfig {
        path: Option<PathBuf>,
        /// Then route the imported hosts to the credential helper and
        /// remove their plaintext logins, as `regvault helper install
        /// --remove-plaintext` does (docker's config.json and the containers
        /// auth.json).
        #[arg(long, conflicts_with = "dry_run")]
        install_helper: bool,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// containers' auth.json (podman, skopeo, buildah) [default:
    /// $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, then
    /// ~/.config/containers/auth.json]. Keys with a repository path
    /// (host/ns/repo) count for their host.
    ContainersAuth {
        path: Option<PathBuf>,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// A Kubernetes pull Secret (kubernetes.io/dockerconfigjson, or the
    /// legacy kubernetes.io/dockercfg): NAME -n NS from the cluster, or
    /// --file with a Secret manifest (YAML/JSON) or a bare dockerconfigjson.
    KubeSecret(KubeSecretArgs),
}

#[derive(Debug, Args)]
pub struct KubeSecretArgs {
    /// The Secret's name.
    #[arg(required_unless_present = "file")]
    name: Option<String>,
    /// Its namespace.
    #[arg(short = 'n', long, requires = "name")]
    namespace: Option<String>,
    /// The kubeconfig context [default: the current one].
    #[arg(long, requires = "name")]
    context: Option<String>,
    /// The kubeconfig file [default: $KUBECONFIG, then ~/.kube/config].
    #[arg(long, value_name = "PATH", requires = "name")]
    kubeconfig: Option<PathBuf>,
    /// Read a Secret manifest or a dockerconfigjson file instead (`-` reads stdin).
    #[arg(long, value_name = "PATH|-", conflicts_with = "name")]
    file: Option<PathBuf>,
    #[command(flatten)]
    opts: ImportOpts,
}

#[derive(Debug, Args)]
pub struct ImportOpts {
    /// Show what would be added, what exists and what is skipped; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Name a registry other than its host: HOST=NAME, or the generated
    /// name (ghcr.io-2=NAME) when a host has more than one login.
    #[arg(long = "name", value_name = "HOST=NAME")]
    names: Vec<String>,
    /// How long one credential-helper call may take (seconds).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    helper_timeout: f64,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(g: &Global, cmd: ImportCmd) -> anyhow::Result<i32> {
    match cmd {
        ImportCmd::DockerConfig {
            path,
            install_helper,
            opts,
        } => {
            let path = path.unwrap_or_else(read::docker_config_path);
            let found = read::auth_file(&path, timeout(&opts)?)?;
            let config = Config {
                path: &path,
                install_helper,
            };
            finish(g, &opts, &path.display().to_string(), found, Some(config))
        }
        ImportCmd::ContainersAuth { path, opts } => {
            let path = match path {
                Some(p) => p,
                None => read::first_existing(&read::containers_auth_paths())?,
            };
            let found = read::auth_file(&path, timeout(&opts)?)?;
            finish(g, &opts, &path.display().to_string(), found, None)
        }
        ImportCmd::KubeSecret(args) => kube_secret(g, &args),
    }
}

fn timeout(opts: &ImportOpts) -> anyhow::Result<Duration> {
    if !(opts.helper_timeout.is_finite() && (0.1..=600.0).contains(&opts.helper_timeout)) {
        bail!("--helper-timeout takes seconds from 0.1 to 600");
    }
    Ok(Duration::from_secs_f64(opts.helper_timeout))
}

fn kube_secret(g: &Global, args: &KubeSecretArgs) -> anyhow::Result<i32> {
    if let Some(file) = &args.file {
        let (text, shown) = if file == Path::new("-") {
            let text = crate::import::read_bounded(std::io::stdin().lock())
                .map_err(|e| anyhow::anyhow!("reading stdin: {e}"))?;
            (text, "stdin".to_owned())
        } else {
            (read::read_file(file)?, file.display().to_string())
        };
        let found =
            imp::parse::secret_manifest(&text).with_context(|| format!("reading {shown}"))?;
        return finish(g, &args.opts, &shown, found, None);
    }
    let (Some(name), Some(ns)) = (&args.name, &args.namespace) else {
        bail!("give the Secret's namespace with -n NS (or --file PATH)");
    };
    let found = super::block_on(async |_| {
        read::kube_secret(
            name,
            ns,
            args.context.as_deref(),
            args.kubeconfig.as_deref(),
        )
        .await
    })??;
    finish(g, &args.opts, &format!("secret {ns}/{name}"), found, None)
}

fn renames(opts: &ImportOpts) -> anyhow::Result<Vec<(String, String)>> {
    opts.names
        .iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| anyhow::anyhow!("--name takes HOST=NAME, got no '='"))
        })
        .collect()
}

/// A docker config.json import: where it was read, and whether to
/// install the helper over its plaintext logins afterwards.
#[derive(Clone, Copy)]
struct Config<'a> {
    path: &'a Path,
    install_helper: bool,
}

/// Preview, then (unless `--dry-run`) import, print, and offer the helper
/// when `config` is a docker config.json with plaintext logins (or, with
/// `--install-helper`, install it).
fn finish(
    g: &Global,
    opts: &ImportOpts,
    source: &str,
    found: AuthFile,
    config: Option<Config<'_>>,
) -> anyhow::Result<i32> {
    let renames = renames(opts)?;
    let mut vault = if opts.dry_run {
        keys::open(g)?
    } else {
        keys::open_locked(g)?
    };
    let mut preview = imp::preview(found.logins, found.skipped, vault.data(), &renames)?;
    if !opts.json {
        outln!("from {source}:");
        print_preview(&preview);
    }
    let mut added = Vec::new();
    if !opts.dry_run && preview.entries.iter().any(imp::Entry::is_add) {
        let user = vault.acting_user(&model::current_user());
        let before = vault.data().clone();
        added = imp::import(
            &mut preview,
            |_| true,
            vault.data_mut(),
            &user,
            Timestamp::now(),
        );
        if !added.is_empty() {
            // One `import` entry per registry, in the same save.
            super::log::save_imported(&mut vault, &before, source)?;
        }
    }
    let plaintext = config.is_some()
        && preview.entries.iter().any(|e| {
            e.origin == Some(Origin::Auths)
                && matches!(e.action, Action::Add | Action::Exists { .. })
        });
    // The registries whose plaintext login the vault now holds as is.
    let moved_in: Vec<String> = preview
        .entries
        .iter()
        .filter(|e| e.origin == Some(Origin::Auths))
        .filter_map(|e| match &e.action {
            Action::Exists { id, .. } => Some(id.clone()),
            Action::Add => added
                .iter()
                .find(|a| a.name == e.name)
                .map(|a| a.id.clone()),
            _ => None,
        })
        .collect();
    let installed = match config {
        Some(c) if c.install_helper && !moved_in.is_empty() => {
            Some(install_helper(vault.data(), c.path, &moved_in)?)
        }
        _ => None,
    };
    drop(vault);
    let next = config
        .filter(|c| plaintext && !opts.dry_run && !c.install_helper)
        .map(|c| {
            format!(
                "`{}` replaces the plaintext logins in {} with the credential helper (or import again with --install-helper)",
                imp::HELPER_INSTALL,
                c.path.display()
            )
        });
    if opts.json {
        let mut v = json!({
            "source": source,
            "dryRun": opts.dry_run,
            "entries": preview.entries.iter().map(entry_json).collect::<Vec<_>>(),
            "added": added.iter().map(|a| json!({
                "id": a.id, "name": a.name, "warnings": output::findings_json(&a.warnings),
            })).collect::<Vec<_>>(),
        });
        if let Some(n) = &next {
            v["next"] = Value::String(n.clone());
        }
        if let Some(i) = &installed {
            v["helper"] = i.json.clone();
        }
        print_json(&v);
        return Ok(0);
    }
    for a in &added {
        print_findings(&a.warnings);
        outln!("added {} {}", a.id, a.name);
    }
    let refused = preview
        .entries
        .iter()
        .filter(|e| matches!(&e.action, Action::Skip(r) if r.starts_with("refused")))
        .count();
    if refused > 0 {
        errln!("{refused} refused by the vault (see above)");
    }
    if opts.dry_run {
        let n = preview.entries.iter().filter(|e| e.is_add()).count();
        outln!("dry run: {n} would be added; nothing was changed");
    } else if added.is_empty() {
        outln!("nothing new to import");
    }
    if let Some(n) = next {
        outln!("next: {n}");
    }
    if let Some(i) = installed {
        for line in i.lines {
            outln!("{line}");
        }
        if !i.on_path {
            errln!(
                "warning: {} is not on PATH: docker cannot ask it until it is",
                crate::ops::helper::HELPER_PROGRAM
            );
        }
    }
    Ok(0)
}

/// What `--install-helper` did, for people and for `--json`.
struct Installed {
    lines: Vec<String>,
    json: Value,
    on_path: bool,
}

/// `regvault helper install --remove-plaintext` for the registries `ids`,
/// with docker's config directory the one the import read.
fn install_helper(
    data: &model::VaultData,
    config: &Path,
    ids: &[String],
) -> anyhow::Result<Installed> {
    use crate::ops::helper;
    let (hosts, skipped) = helper::helper_hosts(data, ids)?;
    let names: Vec<String> = hosts.iter().map(|h| h.host.clone()).collect();
    let paths = helper::HelperPaths::resolve(config.parent(), None);
    let files = helper::install(&paths, &names, true)?;
    let mut lines = Vec::new();
    for f in &files {
        let c = &f.change;
        if !c.added.is_empty() {
            lines.push(format!(
                "helper: {} now sends {} to regvault",
                f.path.display(),
                c.added.join(", ")
            ));
        }
        if !c.removed_plaintext.is_empty() {
            lines.push(format!(
                "helper: removed {} from {}: {}",
                crate::model::plural(
                    c.removed_plaintext.len(),
                    "plaintext credential",
                    "plaintext credentials"
                ),
                f.path.display(),
                c.removed_plaintext.join(", ")
            ));
        }
        for (key, h) in &c.other_helper {
            lines.push(format!(
                "helper: {} sends {key} to the helper '{h}': left as it is",
                f.path.display()
            ));
        }
    }
    for s in &skipped {
        lines.push(format!("helper: skipped '{}': {}", s.registry, s.reason));
    }
    Ok(Installed {
        lines,
        json: json!({"hosts": hosts, "skipped": skipped, "files": files}),
        on_path: helper::helper_on_path(),
    })
}

fn action_word(a: &Action) -> &'static str {
    match a {
        Action::Add => "add",
        Action::Exists { .. } => "exists",
        Action::Differs { .. } => "differs",
        Action::Skip(_) => "skip",
    }
}

fn note(a: &Action) -> String {
    match a {
        Action::Add => String::new(),
        Action::Exists { id, name } => format!("same credentials as '{name}' ({id}): skipped"),
        Action::Differs { id, name } => format!(
            "'{name}' ({id}) holds other credentials for this user: skipped; use `regvault registry update {id}`"
        ),
        Action::Skip(reason) => reason.clone(),
    }
}

fn print_preview(p: &Preview) {
    if p.entries.is_empty() {
        outln!("  (no logins found)");
        return;
    }
    let mut rows = vec![
        ["ACTION", "SERVER", "NAME", "TYPE", "USER", "FROM", "NOTE"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for e in &p.entries {
        rows.push(vec![
            action_word(&e.action).to_owned(),
            e.server.clone(),
            if e.is_add() {
                e.name.clone()
            } else {
                "-".into()
            },
            e.kind.map_or_else(|| "-".into(), |k| k.to_string()),
            if e.username.is_empty() {
                "-".into()
            } else {
                e.username.clone()
            },
            e.origin
                .as_ref()
                .map_or_else(|| "-".into(), ToString::to_string),
            note(&e.action),
        ]);
    }
    print_table(&rows);
}

fn entry_json(e: &imp::Entry) -> Value {
    let mut v = json!({
        "action": action_word(&e.action),
        "server": e.server,
        "host": e.host,
        "type": e.kind.map(|k| k.to_string()),
        "username": e.username,
        "from": e.origin.as_ref().map(ToString::to_string),
    });
    match &e.action {
        Action::Add => v["name"] = Value::String(e.name.clone()),
        Action::Exists { id, name } | Action::Differs { id, name } => {
            v["registry"] = json!({"id": id, "name": name});
        }
        Action::Skip(reason) => v["reason"] = Value::String(reason.clone()),
    }
    v
}
