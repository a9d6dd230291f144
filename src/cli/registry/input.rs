//! `registry add` and `registry update`: the platform's shape from a file,
//! flags (`--set` for non-secret fields, `--field-file`), and masked
//! prompts for what is missing — secrets never from argv.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Args;
use jiff::Timestamp;
use serde_json::json;
use zeroize::Zeroizing;

use crate::cli::output::{self, print_findings, print_json};
use crate::cli::output::{errln, outln};
use crate::cli::{Global, keys, prompt};
use crate::import::{self, Format, ImportedRegistry};
use crate::model::{self, NewRegistry, RegistryUpdate};
use crate::registry::{Credentials, RegistryKind};

#[derive(Debug, Args, Default)]
pub struct CredentialInput {
    /// Read name, type and credentials from YAML, TOML or JSON in the
    /// platform's shape ({name, type, credentials}); `-` reads stdin.
    #[arg(long, value_name = "FILE|-")]
    from_file: Option<String>,
    /// Set a non-secret field, e.g. `--set region=eu-west-1`. Secret fields
    /// are refused here: use --field-file, --from-file or the prompt.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Read one field's value from a file, e.g.
    /// `--field-file serviceAccountKey=key.json` or `token=/run/secrets/ghcr`.
    #[arg(long, value_name = "FIELD=PATH")]
    field_file: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A unique name, e.g. ghcr-acme.
    #[arg(long)]
    name: Option<String>,
    /// GHCR, Docker, ECR, ACR, GCR, GAR, Quay, Custom or Public.
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    #[command(flatten)]
    input: CredentialInput,
    /// Trust this CA bundle (PEM) for the registry's TLS certificate — for
    /// self-signed registries. Only these roots are used for it.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<String>,
    /// Allow plain http to this registry although it is not on loopback
    /// (a Custom http:// url is refused without it).
    #[arg(long)]
    insecure: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Registry id (reg-…) or name.
    registry: String,
    /// New name.
    #[arg(long)]
    name: Option<String>,
    /// Change the type (only fields the new type shares are kept).
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    #[command(flatten)]
    input: CredentialInput,
    /// Trust this CA bundle (PEM) for the registry's TLS certificate — for
    /// self-signed registries. Only these roots are used for it.
    #[arg(long, value_name = "PEM", conflicts_with = "no_ca")]
    ca_file: Option<String>,
    /// Forget the CA bundle: trust the system roots again.
    #[arg(long)]
    no_ca: bool,
    /// Allow plain http to this registry although it is not on loopback.
    #[arg(long, conflicts_with = "no_insecure")]
    insecure: bool,
    /// Plain http only to loopback again (the default).
    #[arg(long)]
    no_insecure: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// Largest CA bundle read with --ca-file.
const MAX_CA_FILE: u64 = 1024 * 1024;

fn read_ca_file(path: &str) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {path}"))?;
    if meta.len() > MAX_CA_FILE {
        bail!("{path} is {} bytes; a CA bundle is a few KB", meta.len());
    }
    let pem = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap_or_default();
    if certs.is_empty() {
        bail!("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    Ok(pem)
}

/// Reads `--from-file` (path or `-`).
pub(super) fn read_import(spec: &str) -> anyhow::Result<Vec<ImportedRegistry>> {
    let shown = if spec == "-" { "stdin" } else { spec };
    // At most MAX_IMPORT_BYTES are read, from a file or a pipe alike.
    let read = |r: Result<Zeroizing<String>, import::ReadError>| {
        r.map_err(|e| match e {
            import::ReadError::Io(e) => anyhow::Error::new(e).context(format!("reading {shown}")),
            import::ReadError::Import(e) => {
                anyhow::Error::new(e).context(format!("reading {shown}"))
            }
        })
    };
    let (text, format) = if spec == "-" {
        (read(import::read_bounded(std::io::stdin().lock()))?, None)
    } else {
        let file = std::fs::File::open(spec).with_context(|| format!("reading {spec}"))?;
        (read(import::read_bounded(file))?, Format::from_path(spec))
    };
    import::parse(&text, format)
        .with_context(|| format!("reading {}", if spec == "-" { "stdin" } else { spec }))
}

fn parse_kind(s: &str) -> anyhow::Result<RegistryKind> {
    Ok(s.parse::<RegistryKind>()?)
}

fn split_assignment<'a>(arg: &'a str, flag: &str) -> anyhow::Result<(&'a str, &'a str)> {
    arg.split_once('=')
        .ok_or_else(|| anyhow::anyhow!("{flag} takes FIELD=…, got no '='"))
}

/// Applies `--set` and `--field-file` onto `creds`, checked against `kind`.
fn apply_flags(
    kind: RegistryKind,
    input: &CredentialInput,
    creds: &mut Credentials,
) -> anyhow::Result<()> {
    let spec_of = |field: &str| {
        kind.field(field).ok_or_else(|| {
            let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
            anyhow::anyhow!(
                "{kind} has no field '{field}' (its fields: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )
        })
    };
    for arg in &input.set {
        let (field, value) = split_assignment(arg, "--set")?;
        if spec_of(field)?.secret {
            bail!(
                "{field} is a secret: give it with --field-file {field}=PATH, --from-file or at the prompt — never on the command line"
            );
        }
        creds.set(field, value);
    }
    for arg in &input.field_file {
        let (field, path) = split_assignment(arg, "--field-file")?;
        spec_of(field)?;
        let value = prompt::read_secret_file(Path::new(path))?;
        creds.set(field, value.as_str());
    }
    Ok(())
}

/// On a terminal, asks for each required field that is still missing.
fn prompt_missing(
    kind: RegistryKind,
    creds: &mut Credentials,
    stdin_used: bool,
) -> anyhow::Result<()> {
    if stdin_used || !prompt::interactive() {
        return Ok(());
    }
    for spec in kind.fields() {
        if spec.required && creds.get(spec.name).is_none_or(str::is_empty) {
            // Asked again on a bad value, with the field's validation error.
            let v = prompt::valid_field(kind, spec)?;
            creds.set(spec.name, v.as_str());
        }
    }
    Ok(())
}

pub(super) fn add(g: &Global, args: &AddArgs) -> anyhow::Result<i32> {
    let stdin_used = args.input.from_file.as_deref() == Some("-");
    let mut items = match &args.input.from_file {
        Some(spec) => read_import(spec)?,
        None => vec![ImportedRegistry::default()],
    };
    if items.is_empty() {
        bail!("the file holds no registries");
    }
    if items.len() > 1
        && (args.name.is_some()
            || args.kind.is_some()
            || !args.input.set.is_empty()
            || !args.input.field_file.is_empty())
    {
        bail!(
            "the file holds {} registries: --name, --type, --set and --field-file apply to one",
            items.len()
        );
    }
    let mut news = Vec::new();
    for item in &mut items {
        let name = match args.name.clone().or_else(|| item.name.take()) {
            Some(n) => n,
            None if !stdin_used && prompt::interactive() => prompt::ask(
                "name",
                || prompt::line("Name: "),
                |n| {
                    model::check_name("name", n.trim()).map_err(|e| e.to_string())?;
                    Ok(n.trim().to_owned())
                },
            )?,
            None => bail!("name: required (--name or `name` in the file)"),
        };
        // Before anything quotes it: a name may be a megabyte of escapes.
        model::check_name("name", name.trim())?;
        let kind = match args
            .kind
            .as_deref()
            .map(parse_kind)
            .transpose()?
            .or(item.kind)
        {
            Some(k) => k,
            None if !stdin_used && prompt::interactive() => prompt::ask(
                "type",
                || prompt::line("Type (GHCR, Docker, ECR, ACR, GCR, GAR, Quay, Custom, Public): "),
                |t| parse_kind(t.trim()).map_err(|e| e.to_string()),
            )?,
            None => bail!("type: required (--type or `type` in the file)"),
        };
        let mut creds = std::mem::take(&mut item.credentials);
        apply_flags(kind, &args.input, &mut creds)?;
        prompt_missing(kind, &mut creds, stdin_used)?;
        news.push(NewRegistry {
            name,
            kind,
            credentials: creds,
        });
    }

    let connection = model::Connection {
        ca_bundle: args.ca_file.as_deref().map(read_ca_file).transpose()?,
        insecure: args.insecure,
    };
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let user = vault.acting_user(&model::current_user());
    let now = Timestamp::now();
    let mut added = Vec::new();
    for new in news {
        let name = new.name.clone();
        let (id, warnings) = vault
            .data_mut()
            .add_registry_with(new, connection.clone(), &user, now)
            .with_context(|| format!("registry '{name}' not added"))?;
        print_findings(&warnings);
        // Told at save, before export or the credential helper trips on it.
        if let Some(r) = vault.data().registry(id.as_str())
            && let Some(w) = vault.data().same_host_warning(r)
        {
            errln!("warning: {w}");
        }
        added.push((id, name, warnings));
    }
    crate::cli::log::save(&mut vault, &before)?;
    if args.json {
        let v: Vec<_> = added
            .iter()
            .map(|(id, name, w)| json!({"id": id, "name": name, "warnings": output::findings_json(w)}))
            .collect();
        print_json(&if v.len() == 1 {
            v[0].clone()
        } else {
            serde_json::Value::Array(v)
        });
    } else {
        for (id, name, _) in &added {
            outln!("added {id} {name}");
        }
    }
    Ok(0)
}

pub(super) fn update(g: &Global, args: UpdateArgs) -> anyhow::Result<i32> {
    let stdin_used = args.input.from_file.as_deref() == Some("-");
    let mut from_file = match &args.input.from_file {
        Some(spec) => {
            let mut items = read_import(spec)?;
            if items.len() != 1 {
                bail!(
                    "update takes one registry from the file, found {}",
                    items.len()
                );
            }
            items.pop()
        }
        None => None,
    };
    let mut vault = keys::open_locked(g)?;
    let before = vault.data().clone();
    let current = vault.data().find_registry(&args.registry)?.clone();
    let kind = match args.kind.as_deref() {
        Some(k) => Some(parse_kind(k)?),
        None => from_file.as_ref().and_then(|f| f.kind),
    };
    let target_kind = kind.unwrap_or(current.kind);
    let mut creds = from_file
        .as_mut()
        .map(|f| std::mem::take(&mut f.credentials))
        .unwrap_or_default();
    apply_flags(target_kind, &args.input, &mut creds)?;
    if target_kind != current.kind {
        // A type change needs the new type's fields; ask for what's missing.
        let mut merged = creds.clone();
        for spec in target_kind.fields() {
            if merged.get(spec.name).is_none()
                && let Some(v) = current.credentials.get(spec.name)
            {
                merged.set(spec.name, v);
            }
        }
        prompt_missing(target_kind, &mut merged, stdin_used)?;
        creds = merged;
    }
    let name = args.name.or_else(|| from_file.and_then(|f| f.name));
    let update = RegistryUpdate {
        name,
        kind,
        credentials: (!creds.is_empty()).then_some(creds),
    };
    let mut connection = current.connection.clone();
    if let Some(path) = &args.ca_file {
        connection.ca_bundle = Some(read_ca_file(path)?);
    }
    if args.no_ca {
        connection.ca_bundle = None;
    }
    if args.insecure {
        connection.insecure = true;
    }
    if args.no_insecure {
        connection.insecure = false;
    }
    let now = Timestamp::now();
    // The connection first: the update is validated against it (an
    // http:// url needs --insecure). Nothing is saved if the update fails.
    vault
        .data_mut()
        .set_connection(current.id.as_str(), connection, now)?;
    let user = vault.acting_user(&crate::model::current_user());
    let warnings = vault
        .data_mut()
        .update_registry(current.id.as_str(), update, &user, now)
        .with_context(|| format!("registry '{}' not updated", current.name))?;
    print_findings(&warnings);
    // Moved onto a host another registry has (a Custom url, an ACR login
    // server): said as `add` says it; a rotation on the same host is not.
    if let Some(r) = vault.data().registry(current.id.as_str())
        && r.host_pattern() != current.host_pattern()
        && let Some(w) = vault.data().same_host_warning(r)
    {
        errln!("warning: {w}");
    }
    crate::cli::log::save(&mut vault, &before)?;
    let r = vault
        .data()
        .registry(current.id.as_str())
        .context("the registry vanished during the update")?;
    let rotated = r.credentials_rotated_at != current.credentials_rotated_at;
    // Where the old credentials still are: the Secrets this vault recorded
    // applying (the same answer the TUI gives after a rotation).
    let mut stale = if rotated {
        crate::ops::stale::stale_targets(vault.data(), &r.id)
    } else {
        Vec::new()
    };
    crate::ops::stale::name_contexts(&mut stale, None);
    if !stale.is_empty() {
        errln!(
            "{}\n  they pull with the old credentials until synced: run `{}`",
            crate::ops::stale::summary(&stale),
            crate::ops::stale::sync_command(r.id.as_str(), &stale)
        );
    }
    if args.json {
        print_json(&json!({
            "id": r.id, "name": r.name, "rotated": rotated,
            "stale": stale,
            "warnings": output::findings_json(&warnings),
        }));
    } else if rotated && stale.is_empty() {
        outln!(
            "updated {} {}: credentials rotated — no Secret applied from this vault holds the old ones; nothing was redeployed",
            r.id,
            r.name
        );
    } else if rotated {
        outln!(
            "updated {} {}: credentials rotated — nothing was redeployed; the Secrets named below are stale until synced",
            r.id,
            r.name
        );
    } else {
        outln!("updated {} {}", r.id, r.name);
    }
    Ok(0)
}

impl UpdateArgs {
    /// The registry as given (id or name).
    pub fn registry(&self) -> &str {
        &self.registry
    }
}
