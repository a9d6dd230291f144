//! The record writer: `VaultData` as `[[registries]]` and `[[containers]]`
//! tables (then `[kube]` and `[[kube.applied]]`), in the order and shape
//! serde + `toml` would write them.
//!
//! Every record is destructured with no `..`: a field added to `Registry`,
//! `Container` or their parts is a compile error here until the writer saves
//! it (and `read` reads it back).

use super::escape::{push_kv, push_str_list};
use super::time::push_ts;
use crate::model::{
    AppliedSecret, Connection, Container, EcrToken, KubeRecords, Registry, RegistryConfig,
    SourceType, TestRecord, VaultData,
};

/// A rough size of the rendered records, to size the (zeroizing) buffer once
/// so growth leaves no copies of secrets behind in freed memory.
pub(crate) fn estimate(data: &VaultData) -> usize {
    let regs: usize = data
        .registries
        .iter()
        .map(|r| {
            let creds: usize = r
                .credentials
                .iter()
                .map(|(k, v)| k.len() + v.expose().len() * 2 + 8)
                .sum();
            let test = r
                .last_test
                .as_ref()
                .map_or(0, |t| t.summary.len() + t.outcome.as_str().len() + 90);
            let conn = r
                .connection
                .ca_bundle
                .as_ref()
                .map_or(0, |pem| pem.len() + 60);
            let ecr = r.ecr_token.as_ref().map_or(0, |t| {
                t.token.expose().len() + t.proxy_endpoint.len() + t.account_id.len() + 120
            });
            let delegates: usize = r.delegates.iter().map(|d| d.len() * 2 + 4).sum();
            r.name.len() * 2 + r.created_by.len() * 2 + creds + test + conn + ecr + delegates + 260
        })
        .sum();
    let ctrs: usize = data
        .containers
        .iter()
        .map(|c| {
            (c.name.len()
                + c.environment.len()
                + c.created_by.len()
                + c.registry_config.image_name.len())
                * 2
                + c.registry_config.image_tag.len() * 2
                + 320
        })
        .sum();
    let kube: usize = data
        .kube
        .applied
        .iter()
        .map(|a| a.server.len() + a.namespace.len() + a.name.len() + a.uid.len() + 200)
        .sum();
    regs + ctrs + kube + 120
}

/// Appends the records, in the order and shape serde + `toml` would.
pub(crate) fn render_records(out: &mut String, data: &VaultData) {
    let VaultData {
        registries,
        containers,
        kube,
    } = data;
    for r in registries {
        render_registry(out, r);
    }
    for c in containers {
        render_container(out, c);
    }
    render_kube(out, kube);
}

/// `[kube]` (the hash key) and `[[kube.applied]]`, after every record.
fn render_kube(out: &mut String, kube: &KubeRecords) {
    let KubeRecords {
        credentials_hash_key,
        applied,
    } = kube;
    if let Some(key) = credentials_hash_key {
        out.push_str("\n[kube]\n");
        push_kv(out, "credentialsHashKey", key.expose());
    }
    for a in applied {
        let AppliedSecret {
            registry_id,
            server,
            namespace,
            name,
            uid,
            applied_at,
        } = a;
        out.push_str("\n[[kube.applied]]\n");
        push_kv(out, "registryId", registry_id.as_str());
        push_kv(out, "server", server);
        push_kv(out, "namespace", namespace);
        push_kv(out, "name", name);
        push_kv(out, "uid", uid);
        push_ts(out, "appliedAt", *applied_at);
    }
}

fn render_registry(out: &mut String, r: &Registry) {
    let Registry {
        id,
        name,
        kind,
        credentials,
        created_by,
        created_at,
        updated_at,
        credentials_rotated_at,
        last_test,
        connection,
        ecr_token,
        delegates,
        host_default,
    } = r;
    out.push_str("\n[[registries]]\n");
    push_kv(out, "id", id.as_str());
    push_kv(out, "name", name);
    push_kv(out, "type", kind.type_key());
    push_kv(out, "createdBy", created_by);
    push_ts(out, "createdAt", *created_at);
    push_ts(out, "updatedAt", *updated_at);
    if let Some(at) = credentials_rotated_at {
        push_ts(out, "credentialsRotatedAt", *at);
    }
    if !delegates.is_empty() {
        push_str_list(out, "delegates", delegates);
    }
    if *host_default {
        out.push_str("hostDefault = true\n");
    }
    out.push_str("\n[registries.credentials]\n");
    for (k, v) in credentials.iter() {
        push_kv(out, k, v.expose());
    }
    if let Some(TestRecord {
        at,
        outcome,
        summary,
    }) = last_test
    {
        out.push_str("\n[registries.lastTest]\n");
        push_ts(out, "at", *at);
        push_kv(out, "outcome", outcome.as_str());
        push_kv(out, "summary", summary);
    }
    if !connection.is_default() {
        let Connection {
            ca_bundle,
            insecure,
        } = connection;
        out.push_str("\n[registries.connection]\n");
        if let Some(pem) = ca_bundle {
            push_kv(out, "caBundle", pem);
        }
        if *insecure {
            out.push_str("insecure = true\n");
        }
    }
    if let Some(EcrToken {
        account_id,
        proxy_endpoint,
        token,
        expires_at,
    }) = ecr_token
    {
        out.push_str("\n[registries.ecrToken]\n");
        push_kv(out, "accountId", account_id);
        push_kv(out, "proxyEndpoint", proxy_endpoint);
        push_kv(out, "token", token.expose());
        push_ts(out, "expiresAt", *expires_at);
    }
}

fn render_container(out: &mut String, c: &Container) {
    let Container {
        id,
        name,
        environment,
        source_type,
        registry_config,
        created_by,
        created_at,
        updated_at,
    } = c;
    let RegistryConfig {
        registry_id,
        image_name,
        image_tag,
    } = registry_config;
    let source_type = match source_type {
        SourceType::Registry => "registry",
    };
    out.push_str("\n[[containers]]\n");
    push_kv(out, "id", id.as_str());
    push_kv(out, "name", name);
    push_kv(out, "environment", environment);
    push_kv(out, "sourceType", source_type);
    push_kv(out, "createdBy", created_by);
    push_ts(out, "createdAt", *created_at);
    push_ts(out, "updatedAt", *updated_at);
    out.push_str("\n[containers.registryConfig]\n");
    if let Some(id) = registry_id {
        push_kv(out, "registryId", id.as_str());
    }
    push_kv(out, "imageName", image_name);
    push_kv(out, "imageTag", image_tag);
}
