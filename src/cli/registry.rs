//! `regvault registry list|show|add|update|delete|test|types`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::json;
use zeroize::Zeroizing;

use super::output::{self, print_findings, print_json};
use super::{Global, keys, prompt};
use crate::import::{self, Format, ImportedRegistry};
use crate::model::{self, Connection, NewRegistry, RegistryUpdate};
use crate::ops::test::{self as ops, Live, OFFLINE_OK, Offline, TestOptions, TestReport, Tester};
use crate::probe::{ProbeReport, StepStatus};
use crate::registry::{self, Credentials, RegistryKind};

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
    /// new credentials apply at the next pull).
    Update(UpdateArgs),
    /// Delete a registry: only its creator may, and not while containers use it.
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

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Registry id (reg-…) or name; or check a file with --from-file instead.
    #[arg(required_unless_present = "from_file")]
    registry: Option<String>,
    /// Check a registry file (YAML, TOML or JSON; `-` for stdin) without saving it.
    #[arg(long, value_name = "FILE|-", conflicts_with = "registry")]
    from_file: Option<String>,
    /// Also check that these credentials may pull this image
    /// (NAME[:TAG] or NAME@DIGEST; the tag defaults to latest).
    #[arg(long, value_name = "NAME[:TAG]")]
    image: Option<String>,
    /// Only the structural check: nothing is sent anywhere.
    #[arg(long, conflicts_with = "image")]
    offline: bool,
    /// Give up on the whole check after this many seconds [default: 15].
    #[arg(long, value_name = "SECS", env = "REGVAULT_PROBE_TIMEOUT")]
    timeout: Option<f64>,
    /// Give up connecting after this many seconds [default: 5].
    #[arg(long, value_name = "SECS", env = "REGVAULT_PROBE_CONNECT_TIMEOUT")]
    connect_timeout: Option<f64>,
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

fn secs(flag: &str, v: Option<f64>) -> anyhow::Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => bail!("--{flag} takes a positive number of seconds, got {s}"),
    }
}

pub fn run(g: &Global, cmd: RegistryCmd) -> anyhow::Result<i32> {
    match cmd {
        RegistryCmd::List { json } => list(g, json),
        RegistryCmd::Show { registry, json } => show(g, &registry, json),
        RegistryCmd::Add(args) => add(g, &args),
        RegistryCmd::Update(args) => update(g, args),
        RegistryCmd::Delete { registry, json } => delete(g, &registry, json),
        RegistryCmd::Test(args) => test(g, &args),
        RegistryCmd::Types { json } => Ok(types(json)),
    }
}

fn list(g: &Global, json: bool) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let data = vault.data();
    if json {
        let items: Vec<_> = data
            .registries
            .iter()
            .map(|r| output::registry_json(r, data, false))
            .collect();
        print_json(&serde_json::Value::Array(items));
        return Ok(0);
    }
    let now = Timestamp::now();
    let mut rows = vec![
        [
            "ID",
            "NAME",
            "TYPE",
            "HOST",
            "CREATED BY",
            "LAST TEST",
            "USED BY",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &data.registries {
        let last = r.last_test.as_ref().map_or_else(
            || "never".to_owned(),
            |t| format!("{} {} ago", t.outcome, output::age(t.at, now)),
        );
        rows.push(vec![
            r.id.to_string(),
            r.name.clone(),
            r.kind.to_string(),
            registry::display_host(r.kind, &r.credentials),
            r.created_by.clone(),
            last,
            data.containers_using(&r.id).len().to_string(),
        ]);
    }
    if data.registries.is_empty() {
        println!("no registries yet: regvault registry add --help");
    } else {
        output::print_table(&rows);
    }
    Ok(0)
}

fn show(g: &Global, id: &str, json: bool) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let data = vault.data();
    let r = data.find_registry(id)?;
    if json {
        print_json(&output::registry_json(r, data, true));
        return Ok(0);
    }
    let now = Timestamp::now();
    println!("{} ({})", r.name, r.id);
    println!("  type          {} — {}", r.kind, r.kind.display_name());
    println!(
        "  host          {}",
        registry::display_host(r.kind, &r.credentials)
    );
    for (field, shown) in output::masked_credentials(r) {
        println!("  {field:<13} {shown}");
    }
    println!(
        "  created by    {} ({} ago)",
        r.created_by,
        output::age(r.created_at, now)
    );
    if let Some(at) = r.credentials_rotated_at {
        println!("  rotated       {} ago", output::age(at, now));
    }
    if let Some(pem) = &r.connection.ca_bundle {
        let n = pem.matches("-----BEGIN CERTIFICATE-----").count();
        println!("  CA bundle     {n} certificate(s) (only these are trusted for this registry)");
    }
    if r.connection.insecure {
        println!("  insecure      plain http allowed");
    }
    if let Some(t) = &r.ecr_token {
        println!("  ECR account   {}", t.account_id);
        println!("  ECR endpoint  {}", t.proxy_endpoint);
        println!("  ECR token     {}", ecr_expiry(t.expires_at, now));
    }
    match &r.last_test {
        Some(t) => println!(
            "  last test     {} {} ago — {}",
            t.outcome,
            output::age(t.at, now),
            t.summary
        ),
        None => println!("  last test     never"),
    }
    let users = data.containers_using(&r.id);
    println!("  used by       {} container(s)", users.len());
    for c in users {
        println!(
            "    {} {} ({}) {}",
            c.id,
            c.name,
            c.environment,
            c.image_ref()
        );
    }
    Ok(0)
}

/// Reads `--from-file` (path or `-`).
fn read_import(spec: &str) -> anyhow::Result<Vec<ImportedRegistry>> {
    let (text, format) = if spec == "-" {
        let mut buf = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut buf)
            .context("reading stdin")?;
        (buf, None)
    } else {
        let text = std::fs::read_to_string(spec).with_context(|| format!("reading {spec}"))?;
        (Zeroizing::new(text), Format::from_path(spec))
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
            let v = prompt::field(spec)?;
            creds.set(spec.name, v.as_str());
        }
    }
    Ok(())
}

fn add(g: &Global, args: &AddArgs) -> anyhow::Result<i32> {
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
            None if !stdin_used && prompt::interactive() => prompt::line("Name: ")?.to_string(),
            None => bail!("name: required (--name or `name` in the file)"),
        };
        let kind = match args
            .kind
            .as_deref()
            .map(parse_kind)
            .transpose()?
            .or(item.kind)
        {
            Some(k) => k,
            None if !stdin_used && prompt::interactive() => parse_kind(&prompt::line(
                "Type (GHCR, Docker, ECR, ACR, GCR, GAR, Quay, Custom, Public): ",
            )?)?,
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

    let mut vault = keys::open_locked(g)?;
    let user = model::current_user();
    let now = Timestamp::now();
    let mut added = Vec::new();
    for new in news {
        let name = new.name.clone();
        let (id, warnings) = vault
            .data_mut()
            .add_registry(new, &user, now)
            .with_context(|| format!("registry '{name}' not added"))?;
        print_findings(&warnings);
        added.push((id, name, warnings));
    }
    vault.save()?;
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
            println!("added {id} {name}");
        }
    }
    Ok(0)
}

fn update(g: &Global, args: UpdateArgs) -> anyhow::Result<i32> {
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
    let warnings = vault
        .data_mut()
        .update_registry(current.id.as_str(), update, now)
        .with_context(|| format!("registry '{}' not updated", current.name))?;
    vault
        .data_mut()
        .set_connection(current.id.as_str(), connection, now)?;
    print_findings(&warnings);
    vault.save()?;
    let r = vault
        .data()
        .registry(current.id.as_str())
        .context("the registry vanished during the update")?;
    let rotated = r.credentials_rotated_at != current.credentials_rotated_at;
    if args.json {
        print_json(&json!({
            "id": r.id, "name": r.name, "rotated": rotated,
            "warnings": output::findings_json(&warnings),
        }));
    } else if rotated {
        println!(
            "updated {} {}: credentials rotated — they apply at the next pull; nothing was redeployed",
            r.id, r.name
        );
    } else {
        println!("updated {} {}", r.id, r.name);
    }
    Ok(0)
}

fn delete(g: &Global, id: &str, json: bool) -> anyhow::Result<i32> {
    let mut vault = keys::open_locked(g)?;
    let removed = vault
        .data_mut()
        .delete_registry(id, &model::current_user())?;
    vault.save()?;
    if json {
        print_json(&json!({"deleted": removed.id, "name": removed.name}));
    } else {
        println!("deleted {} {}", removed.id, removed.name);
        // The vault forgets it; clusters keep its pull secrets until pruned.
        println!(
            "its managed pull secrets stay where they were applied: `regvault prune {}` removes them from a cluster",
            removed.id
        );
    }
    Ok(0)
}

fn test(g: &Global, args: &TestArgs) -> anyhow::Result<i32> {
    let opts = TestOptions {
        image: args.image.clone(),
        total_timeout: secs("timeout", args.timeout)?,
        connect_timeout: secs("connect-timeout", args.connect_timeout)?,
    };
    let tester: &dyn Tester = if args.offline {
        &Offline {
            ok_summary: OFFLINE_OK,
        }
    } else {
        &Live
    };
    let (label, kind, report) = if let Some(spec) = &args.from_file {
        let mut items = read_import(spec)?;
        if items.len() != 1 {
            bail!(
                "test takes one registry from the file, found {}",
                items.len()
            );
        }
        let item = items.remove(0);
        let kind = item.kind.context("type: required in the file")?;
        let label = item.name.clone().unwrap_or_else(|| "(file)".into());
        let creds = item.credentials;
        let report = super::block_on(async |cancel| {
            ops::test_credentials(tester, kind, &creds, Connection::default(), &opts, cancel).await
        })?;
        (label, kind, report)
    } else {
        let id = args.registry.as_deref().unwrap_or_default();
        let store = keys::store(g)?;
        // Ctrl-C stops the check and still reports (and records) how far it got.
        let t = super::block_on(async |cancel| {
            ops::test_registry(&store, tester, id, &opts, cancel).await
        })??;
        let label = format!("{} ({})", t.name, t.id);
        if let Err(e) = &t.recorded {
            eprintln!("error: the result was not recorded: {e}");
        }
        (label, t.kind, t.report)
    };
    if args.offline {
        print_offline(args, &label, kind, &report);
    } else if args.json {
        let mut v = serde_json::to_value(&report.probe).unwrap_or_default();
        v["registry"] = json!(label);
        v["type"] = json!(kind);
        v["summary"] = json!(report.summary());
        print_json(&v);
    } else {
        print_report(&label, kind, &report.probe);
    }
    Ok(i32::from(!report.passed()))
}

fn print_report(label: &str, kind: RegistryKind, report: &ProbeReport) {
    match &report.endpoint {
        Some(e) => println!("{label} {kind} → {e}"),
        None => println!("{label} {kind}"),
    }
    for step in &report.steps {
        let tag = match step.status {
            StepStatus::Passed => "[ok]  ",
            StepStatus::Failed => "[FAIL]",
            StepStatus::Skipped => "[skip]",
        };
        println!("  {tag} {:<21} {}", step.step.label(), step.detail);
    }
    if let Some(ecr) = &report.ecr {
        println!(
            "  ECR token for account {}: {}",
            ecr.account_id,
            ecr_expiry(ecr.expires_at, Timestamp::now())
        );
    }
    println!("{}: {}", report.outcome, report.hint);
}

/// `--offline`: the structural check's findings.
fn print_offline(args: &TestArgs, label: &str, kind: RegistryKind, report: &TestReport) {
    let findings = &report.findings;
    let errors = findings.iter().filter(|f| f.is_error()).count();
    if args.json {
        print_json(&json!({
            "registry": label, "type": kind, "outcome": report.outcome(),
            "summary": report.summary(), "hint": report.summary(),
            "findings": output::findings_json(findings),
        }));
    } else {
        for f in findings {
            let tag = if f.is_error() { "error" } else { "warning" };
            println!("{tag}: {f}");
        }
        if report.passed() {
            println!("{label} {kind}: {}", report.summary());
        } else {
            println!("{label} {kind}: invalid — {errors} error(s)");
        }
    }
}

/// `expires 2026-11-27T15:53:00Z (in 11h)` or `… (expired 3h ago)`.
fn ecr_expiry(at: Timestamp, now: Timestamp) -> String {
    if at > now {
        format!("expires {at} (in {})", output::age(now, at))
    } else {
        format!(
            "expired {at} ({} ago) — run registry test to renew",
            output::age(at, now)
        )
    }
}

fn types(json: bool) -> i32 {
    if json {
        let v: Vec<_> = RegistryKind::ALL
            .iter()
            .map(|k| {
                let fields: Vec<_> = k
                    .fields()
                    .iter()
                    .map(|f| json!({"name": f.name, "label": f.label, "required": f.required, "secret": f.secret, "multiline": f.multiline, "hint": f.hint}))
                    .collect();
                json!({"type": k.type_key(), "name": k.display_name(), "fields": fields})
            })
            .collect();
        print_json(&serde_json::Value::Array(v));
        return 0;
    }
    for k in RegistryKind::ALL {
        let fields: Vec<String> = k
            .fields()
            .iter()
            .map(|f| {
                if f.secret {
                    format!("{} (secret)", f.name)
                } else {
                    f.name.to_owned()
                }
            })
            .collect();
        let fields = if fields.is_empty() {
            "no credentials".to_owned()
        } else {
            fields.join(", ")
        };
        println!("{:<7} {:<27} {fields}", k.type_key(), k.display_name());
    }
    0
}
