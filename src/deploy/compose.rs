//! Docker Compose ("docker login before pulling"): the auths of the
//! registries a compose project uses, merged into a docker `config.json`.
//!
//! The merge keeps every other key and every other auths entry; only the
//! entries of the given servers are replaced. Where a credential helper
//! would answer for a server instead (`credHelpers`, `credsStore`), docker
//! ignores the auths entry: that is returned as a warning, never hidden.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::config_doc::{ConfigDoc, ConfigDocError};
use super::image::{ecr_host, image_host, normalize_host, registry_image_host, same_registry_host};
use super::wipe_value;
use crate::model::{Registry, RegistryId, VaultData};
use crate::registry::{AuthError, DockerLogin, RegistryKind};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ComposeError {
    /// Never echoes the text: the file holds other credentials.
    #[error(
        "config.json is not valid JSON ({what} error at line {line}, column {column}); it was left as it is"
    )]
    BadConfig {
        what: &'static str,
        line: usize,
        column: usize,
    },
    #[error("config.json: {0}; it was left as it is")]
    BadShape(&'static str),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("compose file: {0}")]
    BadCompose(String),
}

/// A merged `config.json` and what the user should know about it.
pub struct MergedConfig {
    /// The document to write (tab-indented, as docker writes it).
    pub text: Zeroizing<String>,
    pub warnings: Vec<String>,
}

impl fmt::Debug for MergedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergedConfig")
            .field(
                "text",
                &format_args!("<redacted {} bytes>", self.text.len()),
            )
            .field("warnings", &self.warnings)
            .finish()
    }
}

fn doc_error(e: ConfigDocError) -> ComposeError {
    match e {
        ConfigDocError::BadJson { what, line, column } => {
            ComposeError::BadConfig { what, line, column }
        }
        ConfigDocError::BadShape(why) => ComposeError::BadShape(why),
    }
}

/// What docker would consult instead of the auths entry for `server`.
fn helper_warnings(doc: &Value, logins: &[DockerLogin]) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut via_store = Vec::new();
    let store = doc["credsStore"].as_str().filter(|s| !s.is_empty());
    for login in logins {
        let helper = doc["credHelpers"].as_object().and_then(|helpers| {
            helpers
                .iter()
                .find(|(k, _)| same_registry_host(k, &login.server))
                .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        });
        if let Some((key, helper)) = helper {
            warnings.push(format!(
                "config.json sends {key} to the credential helper 'docker-credential-{helper}' (credHelpers): docker asks it, not the auths entry written for {}",
                login.server
            ));
        } else if store.is_some() {
            via_store.push(login.server.as_str());
        }
    }
    if let (Some(store), false) = (store, via_store.is_empty()) {
        warnings.push(format!(
            "config.json sets credsStore '{store}': docker asks 'docker-credential-{store}' for {} and ignores the auths entries written here; remove credsStore or use a separate DOCKER_CONFIG",
            via_store.join(", ")
        ));
    }
    warnings
}

/// `base64(username:password)`, as docker stores it.
fn auth_field(login: &DockerLogin) -> Zeroizing<String> {
    let user = login.username.as_bytes();
    let pass = login.password.expose().as_bytes();
    let mut pair = Zeroizing::new(Vec::with_capacity(user.len() + 1 + pass.len()));
    pair.extend_from_slice(user);
    pair.push(b':');
    pair.extend_from_slice(pass);
    let mut b64 = Zeroizing::new(String::with_capacity(
        base64::encoded_len(pair.len(), true).unwrap_or(0),
    ));
    STANDARD.encode_string(pair.as_slice(), &mut b64);
    b64
}

/// Puts `logins` into a docker `config.json` (`existing`, or a new one):
/// each server's auths entry becomes `{"auth": base64(user:password)}`;
/// every other key and entry is kept as it was.
///
/// # Errors
/// `existing` is not a JSON object (or its `auths` is not an object); two
/// logins for one server.
pub fn merge_auths(
    existing: Option<&str>,
    logins: &[DockerLogin],
) -> Result<MergedConfig, ComposeError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for login in logins {
        if let Some(first) = seen.insert(&login.server, &login.source) {
            return Err(AuthError::DuplicateServer {
                server: login.server.clone(),
                first: first.to_owned(),
                second: login.source.clone(),
            }
            .into());
        }
    }
    let mut doc = ConfigDoc::parse(existing).map_err(doc_error)?;
    let warnings = helper_warnings(doc.value(), logins);
    let auths = doc
        .object_mut("auths", "`auths` is not an object")
        .map_err(doc_error)?;
    for login in logins {
        let mut b64 = auth_field(login);
        let mut entry = Map::new();
        entry.insert("auth".to_owned(), Value::String(std::mem::take(&mut *b64)));
        if let Some(mut old) = auths.insert(login.server.clone(), Value::Object(entry)) {
            wipe_value(&mut old);
        }
    }
    let text = doc.render().map_err(doc_error)?;
    Ok(MergedConfig { text, warnings })
}

/// One service's image in a compose file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComposeImage {
    pub service: String,
    pub image: String,
}

/// `services.*.image` of a compose file, in file order (YAML merge keys
/// applied; services that only `build:` have no image and are skipped).
///
/// # Errors
/// The text is not YAML, or `services` is not a mapping.
pub fn compose_images(yaml: &str) -> Result<Vec<ComposeImage>, ComposeError> {
    let mut doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(yaml).map_err(|e| ComposeError::BadCompose(e.to_string()))?;
    doc.apply_merge()
        .map_err(|e| ComposeError::BadCompose(e.to_string()))?;
    let services = match doc.get("services") {
        None | Some(serde_yaml_ng::Value::Null) => return Ok(Vec::new()),
        Some(serde_yaml_ng::Value::Mapping(m)) => m,
        Some(_) => {
            return Err(ComposeError::BadCompose(
                "`services` is not a mapping".to_owned(),
            ));
        }
    };
    Ok(services
        .iter()
        .filter_map(|(name, svc)| {
            let image = svc.get("image")?.as_str()?.trim();
            (!image.is_empty()).then(|| ComposeImage {
                service: name.as_str().unwrap_or("").to_owned(),
                image: image.to_owned(),
            })
        })
        .collect())
}

/// Which saved registries a compose project pulls from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ComposeSelection {
    /// Registry → the project's images it serves.
    pub matched: BTreeMap<RegistryId, Vec<String>>,
    /// Images no saved registry serves (public images, other registries).
    pub unmatched: Vec<String>,
    /// Images with `${…}`: compose fills them in at run time.
    pub unresolved: Vec<String>,
    /// Host → the saved registries that all serve it. Docker keeps one
    /// login per host, so the user picks one.
    pub ambiguous: BTreeMap<String, Vec<RegistryId>>,
}

/// Whether `r` serves images of `host` (normalised). An ECR registry
/// without a token matches any account's host in its region, so the
/// missing token is reported instead of the image going unmatched.
fn serves(r: &Registry, host: &str) -> bool {
    match r.kind {
        RegistryKind::Public => false,
        RegistryKind::Ecr => match r.ecr_token.as_ref().and_then(ecr_host) {
            Some(h) => h == host,
            None => crate::registry::infer::ecr_region(host)
                .is_some_and(|region| r.credentials.get("region").map(str::trim) == Some(region)),
        },
        _ => registry_image_host(r).is_some_and(|h| h == host),
    }
}

/// Matches each image's host (Docker Hub when it has none) to the saved
/// registries.
#[must_use]
pub fn select_registries(data: &VaultData, images: &[ComposeImage]) -> ComposeSelection {
    let mut sel = ComposeSelection::default();
    for img in images {
        let image = img.image.as_str();
        if image.contains('$') {
            sel.unresolved.push(image.to_owned());
            continue;
        }
        let host = normalize_host(image_host(image).unwrap_or("docker.io"));
        let found: Vec<&Registry> = data
            .registries
            .iter()
            .filter(|r| serves(r, &host))
            .collect();
        match found.as_slice() {
            [] => sel.unmatched.push(image.to_owned()),
            [r] => {
                let list = sel.matched.entry(r.id.clone()).or_default();
                if !list.iter().any(|i| i == image) {
                    list.push(image.to_owned());
                }
            }
            many => {
                sel.ambiguous
                    .insert(host, many.iter().map(|r| r.id.clone()).collect());
            }
        }
    }
    sel
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
