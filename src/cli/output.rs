//! What the CLI prints: tables for people, `--json` for scripts. Secret
//! fields are always masked here; only `export` prints them.

use serde_json::{Value, json};

use crate::model::{Container, Registry, VaultData, escape};
use crate::registry::{self, Finding};

/// `println!` for the CLI's text output: control and invisible formatting
/// characters in the line (a stored name, a server's message) are printed
/// escaped, so nothing the vault or a server holds can drive the terminal.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::out_line(&$crate::model::escape(&format!($($arg)*)))
    };
}
/// `eprintln!` with the same escaping as `outln!`.
macro_rules! errln {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::model::escape(&format!($($arg)*)))
    };
}
pub(crate) use {errln, outln};

/// Writes one line to stdout. A reader that went away (`regvault … | head
/// -1`) ends the process quietly, as SIGPIPE would for a C tool, instead of
/// a panic with a backtrace; everything the command had to save is saved
/// before it prints.
pub fn out_line(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}")
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(141);
    }
}

pub const MASK: &str = "********";

pub use crate::model::age;

/// The credential fields for display: non-secret values shown, secrets masked.
pub fn masked_credentials(r: &Registry) -> Vec<(String, String)> {
    r.kind
        .fields()
        .iter()
        .map(|spec| {
            let shown = match r.credentials.get(spec.name) {
                None | Some("") => "(not set)".to_owned(),
                Some(_) if spec.secret => MASK.to_owned(),
                Some(v) => v.to_owned(),
            };
            (spec.name.to_owned(), shown)
        })
        .collect()
}

pub fn registry_json(r: &Registry, data: &VaultData, with_credentials: bool) -> Value {
    let used_by: Vec<Value> = data
        .containers_using(&r.id)
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name, "environment": c.environment}))
        .collect();
    let mut v = json!({
        "id": r.id,
        "name": r.name,
        "type": r.kind,
        "host": registry::display_host(r.kind, &r.credentials),
        "createdBy": r.created_by,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
        "credentialsRotatedAt": r.credentials_rotated_at,
        "lastTest": r.last_test,
        "usedBy": used_by,
        "delegates": r.delegates,
        "hostDefault": r.host_default,
    });
    if !r.connection.is_default() {
        // The CA bundle is public material, but long: say that it is there.
        v["connection"] = json!({
            "caBundle": r.connection.ca_bundle.is_some(),
            "insecure": r.connection.insecure,
        });
    }
    if let Some(t) = &r.ecr_token {
        // Never the token itself.
        v["ecrToken"] = json!({
            "accountId": t.account_id,
            "proxyEndpoint": t.proxy_endpoint,
            "expiresAt": t.expires_at,
        });
    }
    if with_credentials {
        let creds: serde_json::Map<String, Value> = masked_credentials(r)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        v["credentials"] = Value::Object(creds);
    }
    v
}

pub fn container_json(c: &Container, data: &VaultData) -> Value {
    let registry_name = c
        .registry_config
        .registry_id
        .as_ref()
        .and_then(|id| data.registry(id.as_str()))
        .map(|r| r.name.clone());
    json!({
        "id": c.id,
        "name": c.name,
        "environment": c.environment,
        "sourceType": c.source_type,
        "registryConfig": c.registry_config,
        "registryName": registry_name,
        "createdBy": c.created_by,
        "createdAt": c.created_at,
        "updatedAt": c.updated_at,
    })
}

pub fn findings_json(findings: &[Finding]) -> Value {
    serde_json::to_value(findings).unwrap_or(Value::Null)
}

pub fn print_json(v: &Value) {
    out_line(&serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Prints rows as aligned columns; the header is the first row. Control
/// and invisible formatting characters in cells are printed escaped.
pub fn print_table(rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c).into_owned()).collect())
        .collect();
    let rows = rows.as_slice();
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == cols {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        outln!("{}", line.trim_end());
    }
}

/// Warnings go to stderr so `--json` stdout stays clean.
pub fn print_findings(findings: &[Finding]) {
    for f in findings {
        let label = if f.is_error() { "error" } else { "warning" };
        errln!("{label}: {f}");
    }
}

/// An error and its causes on one line, like `{err:#}`, but a cause whose
/// text its parent already quotes (`{context}: {source}`) is not repeated:
/// `writing x: No space left on device (os error 28)`, once.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod error_line_tests {
    use super::error_line;

    #[derive(Debug, thiserror::Error)]
    #[error("{context}: {source}")]
    struct Quoting {
        context: String,
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn an_os_error_is_printed_once() {
        let io = std::io::Error::from_raw_os_error(28);
        let err = anyhow::Error::new(Quoting {
            context: "writing vault.age".into(),
            source: io,
        })
        .context("saving the vault");
        let line = error_line(&err);
        assert_eq!(line.matches("os error 28").count(), 1, "{line}");
        assert!(
            line.starts_with("saving the vault: writing vault.age: "),
            "{line}"
        );
        // Causes that add something are kept, as `{:#}` keeps them.
        let err = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_line(&err), "outer: inner");
    }
}
