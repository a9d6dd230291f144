//! `registry list`, `registry show` and `registry types`: what is saved,
//! secrets masked.

use jiff::Timestamp;
use serde_json::json;

use crate::cli::output::outln;
use crate::cli::output::{self, print_json};
use crate::cli::{Global, keys};
use crate::model::escape;
use crate::registry::{self, RegistryKind};

pub(super) fn list(g: &Global, json: bool) -> anyhow::Result<i32> {
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
        outln!("no registries yet: regvault registry add --help");
    } else {
        output::print_table(&rows);
    }
    Ok(0)
}

pub(super) fn show(g: &Global, id: &str, json: bool) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let data = vault.data();
    let r = data.find_registry(id)?;
    if json {
        print_json(&output::registry_json(r, data, true));
        return Ok(0);
    }
    let now = Timestamp::now();
    outln!("{} ({})", escape(&r.name), r.id);
    outln!("  type          {} — {}", r.kind, r.kind.display_name());
    outln!(
        "  host          {}",
        registry::display_host(r.kind, &r.credentials)
    );
    for (field, shown) in output::masked_credentials(r) {
        outln!("  {field:<13} {}", escape(&shown));
    }
    outln!(
        "  created by    {} ({} ago)",
        escape(&r.created_by),
        output::age(r.created_at, now)
    );
    if let Some(at) = r.credentials_rotated_at {
        outln!("  rotated       {} ago", output::age(at, now));
    }
    if !r.delegates.is_empty() {
        // Who else may rotate and delete it (`registry delegate`).
        let named: Vec<_> = r.delegates.iter().map(|d| escape(d)).collect();
        outln!("  delegates     {}", named.join(", "));
    }
    if r.host_default {
        // `registry default`: what docker-credential-regvault serves.
        outln!("  host default  yes (the credential helper serves it for its host)");
    }
    if let Some(pem) = &r.connection.ca_bundle {
        let n = pem.matches("-----BEGIN CERTIFICATE-----").count();
        outln!(
            "  CA bundle     {} (only these are trusted for this registry)",
            crate::model::plural(n, "certificate", "certificates")
        );
    }
    if r.connection.insecure {
        outln!("  insecure      plain http allowed");
    }
    if let Some(t) = &r.ecr_token {
        outln!("  ECR account   {}", t.account_id);
        outln!("  ECR endpoint  {}", t.proxy_endpoint);
        outln!("  ECR token     {}", ecr_expiry(t.expires_at, now));
    }
    match &r.last_test {
        Some(t) => outln!(
            "  last test     {} {} ago — {}",
            t.outcome,
            output::age(t.at, now),
            escape(&t.summary)
        ),
        None => outln!("  last test     never"),
    }
    let users = data.containers_using(&r.id);
    outln!(
        "  used by       {}",
        crate::model::plural(users.len(), "container", "containers")
    );
    for c in users {
        outln!(
            "    {} {} ({}) {}",
            c.id,
            escape(&c.name),
            c.environment,
            escape(&c.image_ref())
        );
    }
    Ok(0)
}

pub(super) fn types(json: bool) -> i32 {
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
        outln!("{:<7} {:<27} {fields}", k.type_key(), k.display_name());
    }
    0
}

/// `expires 2026-11-27T15:53:00Z (in 11h)` or `… (expired 3h ago)`.
pub(super) fn ecr_expiry(at: Timestamp, now: Timestamp) -> String {
    if at > now {
        format!("expires {at} (in {})", output::age(now, at))
    } else {
        format!(
            "expired {at} ({} ago) — run registry test to renew",
            output::age(at, now)
        )
    }
}
