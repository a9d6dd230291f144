//! What the CLI prints: tables for people, `--json` for scripts. Secret
//! fields are always masked here; only `export` prints them.

use serde_json::{Value, json};

use crate::model::{Container, Registry, VaultData};
use crate::registry::{self, Finding};

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
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Prints rows as aligned columns; the header is the first row.
pub fn print_table(rows: &[Vec<String>]) {
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
        println!("{}", line.trim_end());
    }
}

/// Warnings go to stderr so `--json` stdout stays clean.
pub fn print_findings(findings: &[Finding]) {
    for f in findings {
        let label = if f.is_error() { "error" } else { "warning" };
        eprintln!("{label}: {f}");
    }
}
