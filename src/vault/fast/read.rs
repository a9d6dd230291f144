//! The record reader: `[[registries]]` and `[[containers]]` tables (then
//! `[kube]` and `[[kube.applied]]`) as the writer lays them out, back into `VaultData` — or `None` on anything else,
//! so the caller falls back to the full `toml` parser.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::escape::{read_kv, read_str_list};
use super::time::parse_ts;
use crate::model::{
    AppliedSecret, Connection, Container, ContainerId, EcrToken, Registry, RegistryConfig,
    RegistryId, SourceType, TestRecord, VaultData,
};
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Fields {
    /// A repeated key is invalid TOML: let the full parser say so.
    fn insert(&mut self, k: String, v: String) -> Option<()> {
        self.0.insert(k, v).is_none().then_some(())
    }
    fn take(&mut self, k: &str) -> Option<String> {
        self.0.remove(k)
    }
    fn ts(&mut self, k: &str) -> Option<Timestamp> {
        parse_ts(&self.take(k)?)
    }
    fn done(self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

#[derive(Default)]
struct RegistryParts {
    top: Fields,
    creds: Option<Credentials>,
    test: Option<Fields>,
    connection: Option<Fields>,
    /// `insecure = true|false` (the one non-string value) in `connection`.
    insecure: Option<bool>,
    ecr: Option<Fields>,
    /// `delegates = [...]` (the one array) in the registry's own table.
    delegates: Option<Vec<String>>,
    /// `hostDefault = true` (the one boolean) in the registry's own table.
    host_default: Option<bool>,
}

impl RegistryParts {
    fn build(mut self) -> Option<Registry> {
        let kind_key = self.top.take("type")?;
        let kind = RegistryKind::ALL
            .into_iter()
            .find(|k| k.type_key() == kind_key)?;
        let last_test = match self.test {
            Some(mut t) => {
                let rec = TestRecord {
                    at: t.ts("at")?,
                    // An outcome class of a newer regvault reads as `error`,
                    // as the serde fallback does.
                    outcome: t
                        .take("outcome")?
                        .parse()
                        .unwrap_or(crate::model::TestOutcome::Error),
                    summary: t.take("summary")?,
                };
                t.done()?;
                Some(rec)
            }
            None => None,
        };
        let connection = match self.connection {
            Some(mut c) => {
                let conn = Connection {
                    ca_bundle: c.take("caBundle"),
                    insecure: self.insecure.unwrap_or(false),
                };
                c.done()?;
                conn
            }
            None if self.insecure.is_none() => Connection::default(),
            None => return None,
        };
        let ecr_token = match self.ecr {
            Some(mut e) => {
                let token = EcrToken {
                    account_id: e.take("accountId")?,
                    proxy_endpoint: e.take("proxyEndpoint")?,
                    token: SecretValue::new(e.take("token")?),
                    expires_at: e.ts("expiresAt")?,
                };
                e.done()?;
                Some(token)
            }
            None => None,
        };
        let credentials_rotated_at = match self.top.take("credentialsRotatedAt") {
            Some(s) => Some(parse_ts(&s)?),
            None => None,
        };
        let r = Registry {
            id: RegistryId::parse(&self.top.take("id")?)?,
            name: self.top.take("name")?,
            kind,
            credentials: self.creds.unwrap_or_default(),
            created_by: self.top.take("createdBy")?,
            created_at: self.top.ts("createdAt")?,
            updated_at: self.top.ts("updatedAt")?,
            credentials_rotated_at,
            last_test,
            connection,
            ecr_token,
            // Written only when not empty.
            delegates: match self.delegates {
                Some(d) if d.is_empty() => return None,
                d => d.unwrap_or_default(),
            },
            // Written only when set.
            host_default: match self.host_default {
                Some(false) => return None,
                h => h.unwrap_or(false),
            },
        };
        self.top.done()?;
        Some(r)
    }
}

#[derive(Default)]
struct ContainerParts {
    top: Fields,
    config: Option<Fields>,
}

impl ContainerParts {
    fn build(mut self) -> Option<Container> {
        let mut cfg = self.config?;
        let registry_id = match cfg.take("registryId") {
            Some(s) => Some(RegistryId::parse(&s)?),
            None => None,
        };
        let registry_config = RegistryConfig {
            registry_id,
            image_name: cfg.take("imageName")?,
            image_tag: cfg.take("imageTag")?,
        };
        cfg.done()?;
        match self.top.take("sourceType").as_deref() {
            None | Some("registry") => {}
            Some(_) => return None,
        }
        let c = Container {
            id: ContainerId::parse(&self.top.take("id")?)?,
            name: self.top.take("name")?,
            environment: self.top.take("environment")?,
            source_type: SourceType::Registry,
            registry_config,
            created_by: self.top.take("createdBy")?,
            created_at: self.top.ts("createdAt")?,
            updated_at: self.top.ts("updatedAt")?,
        };
        self.top.done()?;
        Some(c)
    }
}

fn applied(mut f: Fields) -> Option<AppliedSecret> {
    let a = AppliedSecret {
        registry_id: RegistryId::parse(&f.take("registryId")?)?,
        server: f.take("server")?,
        namespace: f.take("namespace")?,
        name: f.take("name")?,
        uid: f.take("uid")?,
        applied_at: f.ts("appliedAt")?,
    };
    f.done()?;
    Some(a)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Registry,
    Credentials,
    LastTest,
    Connection,
    EcrToken,
    Container,
    RegistryConfig,
    Kube,
    KubeApplied,
}

/// Reads records written by `render_records`. `None`: not that subset (or
/// not valid) — use the full parser.
pub(crate) fn parse_records(body: &str) -> Option<VaultData> {
    let mut data = VaultData::default();
    let mut reg: Option<RegistryParts> = None;
    let mut ctr: Option<ContainerParts> = None;
    let mut section = None;
    // Arrays of tables must not interleave in our subset.
    let mut seen_containers = false;
    // `[kube]` and `[[kube.applied]]` come last.
    let mut kube: Option<Fields> = None;
    let mut app: Option<Fields> = None;
    let mut seen_kube = false;
    for line in body.split('\n') {
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            if line == "[kube]" || line == "[[kube.applied]]" {
                if let Some(r) = reg.take() {
                    data.registries.push(r.build()?);
                }
                if let Some(c) = ctr.take() {
                    data.containers.push(c.build()?);
                }
            } else if seen_kube {
                return None;
            }
            match line {
                "[[registries]]" if !seen_containers => {
                    if let Some(r) = reg.take() {
                        data.registries.push(r.build()?);
                    }
                    reg = Some(RegistryParts::default());
                    section = Some(Section::Registry);
                }
                "[registries.credentials]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.creds.is_some() {
                        return None;
                    }
                    r.creds = Some(Credentials::new());
                    section = Some(Section::Credentials);
                }
                "[registries.lastTest]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.test.is_some() {
                        return None;
                    }
                    r.test = Some(Fields::default());
                    section = Some(Section::LastTest);
                }
                "[registries.connection]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.connection.is_some() {
                        return None;
                    }
                    r.connection = Some(Fields::default());
                    section = Some(Section::Connection);
                }
                "[registries.ecrToken]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.ecr.is_some() {
                        return None;
                    }
                    r.ecr = Some(Fields::default());
                    section = Some(Section::EcrToken);
                }
                "[[containers]]" => {
                    if let Some(r) = reg.take() {
                        data.registries.push(r.build()?);
                    }
                    if let Some(c) = ctr.take() {
                        data.containers.push(c.build()?);
                    }
                    seen_containers = true;
                    ctr = Some(ContainerParts::default());
                    section = Some(Section::Container);
                }
                "[containers.registryConfig]" => {
                    let c = ctr.as_mut()?;
                    if c.config.is_some() {
                        return None;
                    }
                    c.config = Some(Fields::default());
                    section = Some(Section::RegistryConfig);
                }
                "[kube]" => {
                    // Written before any `[[kube.applied]]`.
                    if seen_kube {
                        return None;
                    }
                    seen_kube = true;
                    kube = Some(Fields::default());
                    section = Some(Section::Kube);
                }
                "[[kube.applied]]" => {
                    seen_kube = true;
                    if let Some(a) = app.take() {
                        data.kube.applied.push(applied(a)?);
                    }
                    app = Some(Fields::default());
                    section = Some(Section::KubeApplied);
                }
                _ => return None,
            }
            continue;
        }
        if section == Some(Section::Connection)
            && let Some(flag) = line.strip_prefix("insecure = ")
        {
            let r = reg.as_mut()?;
            if r.insecure.is_some() {
                return None;
            }
            r.insecure = Some(match flag {
                "true" => true,
                "false" => false,
                _ => return None,
            });
            continue;
        }
        if section == Some(Section::Registry)
            && let Some(flag) = line.strip_prefix("hostDefault = ")
        {
            let r = reg.as_mut()?;
            if r.host_default.is_some() {
                return None;
            }
            r.host_default = Some(match flag {
                "true" => true,
                "false" => false,
                _ => return None,
            });
            continue;
        }
        if section == Some(Section::Registry)
            && let Some(list) = read_str_list(line, "delegates")
        {
            let r = reg.as_mut()?;
            if r.delegates.is_some() {
                return None;
            }
            r.delegates = Some(list);
            continue;
        }
        let (k, v) = read_kv(line)?;
        match section? {
            Section::Registry => reg.as_mut()?.top.insert(k, v)?,
            Section::Credentials => {
                let creds = reg.as_mut()?.creds.as_mut()?;
                if creds.get(&k).is_some() {
                    return None;
                }
                creds.set(k, v);
            }
            Section::LastTest => reg.as_mut()?.test.as_mut()?.insert(k, v)?,
            Section::Connection => reg.as_mut()?.connection.as_mut()?.insert(k, v)?,
            Section::EcrToken => reg.as_mut()?.ecr.as_mut()?.insert(k, v)?,
            Section::Container => ctr.as_mut()?.top.insert(k, v)?,
            Section::RegistryConfig => ctr.as_mut()?.config.as_mut()?.insert(k, v)?,
            Section::Kube => kube.as_mut()?.insert(k, v)?,
            Section::KubeApplied => app.as_mut()?.insert(k, v)?,
        }
    }
    if let Some(r) = reg.take() {
        data.registries.push(r.build()?);
    }
    if let Some(c) = ctr.take() {
        data.containers.push(c.build()?);
    }
    if let Some(a) = app.take() {
        data.kube.applied.push(applied(a)?);
    }
    if let Some(mut k) = kube.take() {
        data.kube.credentials_hash_key = Some(SecretValue::new(k.take("credentialsHashKey")?));
        k.done()?;
    }
    Some(data)
}
