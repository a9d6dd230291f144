//! `credHelpers` entries that send a registry host to regvault's credential
//! helper (`docker-credential-regvault`), in a docker `config.json` or a
//! containers `auth.json`: what a document says for a host, adding the
//! entries, removing them, and removing the plaintext `auths` entries they
//! replace. Pure: the files are read and written by `ops::helper`.
//!
//! The key a client looks up differs: docker asks `credHelpers` for the
//! exact key it would use in `auths` (`https://index.docker.io/v1/` for
//! Docker Hub, `host[:port]` otherwise); the containers tools (podman,
//! skopeo, buildah) ask for the normalised registry (`docker.io`). Both
//! consult `credHelpers` before `auths`, so a plaintext entry left beside
//! a helper is never used — only kept on disk, which is why install offers
//! to remove it.
//!
//! A plaintext entry is removed whole, not left as docker's empty
//! `"auths":{"host":{}}`: docker writes that marker after a `docker login`
//! through a helper, but reads `credHelpers` first and never needs it
//! (the helper-install test pulls through dockerd without it).

use serde::Serialize;
use serde_json::{Map, Value};

use super::config_doc::{ConfigDoc, ConfigDocError};
use super::wipe_value;
use crate::registry::infer::server_host;

/// The helper's name in config files: `docker-credential-regvault`.
pub const HELPER_NAME: &str = "regvault";

/// docker's `auths`/`credHelpers` key for Docker Hub.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Fields of an `auths` entry that carry a credential.
const SECRET_FIELDS: [&str; 4] = ["auth", "password", "identitytoken", "registrytoken"];

/// Which client's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Flavor {
    /// docker's `config.json` (also read by crane, `BuildKit`, helm).
    Docker,
    /// The containers `auth.json` (podman, skopeo, buildah).
    Containers,
}

/// The `credHelpers` key the client looks `host` (as
/// `registry_image_host` gives it: `docker.io` for Hub) up with.
#[must_use]
pub fn helper_key(flavor: Flavor, host: &str) -> String {
    match (flavor, host) {
        (Flavor::Docker, "docker.io") => DOCKER_HUB_KEY.to_owned(),
        _ => host.to_owned(),
    }
}

/// What one document says for one host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRoute {
    pub host: String,
    /// `credHelpers[key]` is `regvault`.
    pub helper: bool,
    /// `credHelpers[key]` names another helper.
    pub other_helper: Option<String>,
    /// docker's `credsStore`, when it answers for the host (no
    /// `credHelpers` entry for it).
    pub creds_store: Option<String>,
    /// `auths` keys for this host that hold a credential.
    pub plaintext: Vec<String>,
}

fn helpers(doc: &Value) -> Option<&Map<String, Value>> {
    doc.get("credHelpers").and_then(Value::as_object)
}

fn has_credential(entry: &Value) -> bool {
    entry.as_object().is_some_and(|e| {
        SECRET_FIELDS.iter().any(|f| {
            e.get(*f)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        })
    })
}

/// `auths` keys of `host` (any spelling: scheme, Hub's aliases, a
/// repository path as the containers tools allow) that hold a credential.
fn plaintext_keys(doc: &Value, host: &str) -> Vec<String> {
    doc.get("auths")
        .and_then(Value::as_object)
        .map(|auths| {
            auths
                .iter()
                .filter(|(k, v)| has_credential(v) && server_host(k).is_some_and(|h| h == host))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// What `doc` says for each of `hosts`.
#[must_use]
pub fn routes(doc: &Value, flavor: Flavor, hosts: &[String]) -> Vec<HostRoute> {
    let store = match flavor {
        Flavor::Docker => doc
            .get("credsStore")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
        // The containers tools do not read credsStore.
        Flavor::Containers => None,
    };
    hosts
        .iter()
        .map(|host| {
            let key = helper_key(flavor, host);
            let named = helpers(doc)
                .and_then(|h| h.get(&key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            HostRoute {
                host: host.clone(),
                helper: named == Some(HELPER_NAME),
                other_helper: named.filter(|n| *n != HELPER_NAME).map(str::to_owned),
                creds_store: named.is_none().then(|| store.map(str::to_owned)).flatten(),
                plaintext: plaintext_keys(doc, host),
            }
        })
        .collect()
}

/// What an install changed in one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallChange {
    /// `credHelpers` keys set to `regvault`.
    pub added: Vec<String>,
    /// Keys already set to `regvault`.
    pub already: Vec<String>,
    /// Keys that name another helper: left alone (key, helper).
    pub other_helper: Vec<(String, String)>,
    /// Hosts a `credsStore` answered for before (the store, hosts): its
    /// copies of those credentials are not touched.
    pub creds_store: Option<(String, Vec<String>)>,
    /// `auths` keys removed (their credential is the vault's now).
    pub removed_plaintext: Vec<String>,
    /// `auths` keys with a credential still in the file.
    pub plaintext_left: Vec<String>,
}

impl InstallChange {
    #[must_use]
    pub fn changed(&self) -> bool {
        !self.added.is_empty() || !self.removed_plaintext.is_empty()
    }
}

/// Sends each of `hosts` to regvault in `doc`'s `credHelpers` (every other
/// entry and key kept); with `remove_plaintext`, drops the `auths` entries
/// with a credential for the hosts now routed to regvault. A host whose
/// key names another helper is left to it, and its plaintext too.
///
/// # Errors
/// `credHelpers` or `auths` is not an object.
pub fn install(
    doc: &mut ConfigDoc,
    flavor: Flavor,
    hosts: &[String],
    remove_plaintext: bool,
) -> Result<InstallChange, ConfigDocError> {
    let before = routes(doc.value(), flavor, hosts);
    let mut change = InstallChange::default();
    let mut store_hosts = Vec::new();
    let mut store_name = None;
    let mut routed = Vec::new();
    for r in &before {
        let key = helper_key(flavor, &r.host);
        if let Some(other) = &r.other_helper {
            change.other_helper.push((key, other.clone()));
            change.plaintext_left.extend(r.plaintext.iter().cloned());
            continue;
        }
        if let Some(s) = &r.creds_store {
            store_name = Some(s.clone());
            store_hosts.push(r.host.clone());
        }
        if r.helper {
            change.already.push(key);
        } else {
            change.added.push(key);
        }
        routed.push(r);
    }
    change.creds_store = store_name.map(|s| (s, store_hosts));
    if !change.added.is_empty() {
        let helpers = doc.object_mut("credHelpers", "`credHelpers` is not an object")?;
        for key in &change.added {
            helpers.insert(key.clone(), Value::String(HELPER_NAME.to_owned()));
        }
    }
    let plaintext: Vec<String> = routed.iter().flat_map(|r| r.plaintext.clone()).collect();
    if remove_plaintext && !plaintext.is_empty() {
        let auths = doc.object_mut("auths", "`auths` is not an object")?;
        for key in plaintext {
            if let Some(mut old) = auths.remove(&key) {
                wipe_value(&mut old);
            }
            change.removed_plaintext.push(key);
        }
    } else {
        change.plaintext_left.extend(plaintext);
    }
    change.plaintext_left.sort();
    change.plaintext_left.dedup();
    Ok(change)
}

/// Removes every `credHelpers` entry that names `regvault` — nothing else
/// (an emptied `credHelpers` goes too, as docker omits an empty one).
/// Returns the keys removed.
#[must_use]
pub fn uninstall(doc: &mut ConfigDoc) -> Vec<String> {
    let root = doc.root_mut();
    let Some(Value::Object(helpers)) = root.get_mut("credHelpers") else {
        return Vec::new();
    };
    let ours: Vec<String> = helpers
        .iter()
        .filter(|(_, v)| v.as_str() == Some(HELPER_NAME))
        .map(|(k, _)| k.clone())
        .collect();
    for k in &ours {
        helpers.remove(k);
    }
    if !ours.is_empty() && helpers.is_empty() {
        root.remove("credHelpers");
    }
    ours
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(v: &Value) -> ConfigDoc {
        ConfigDoc::parse(Some(&v.to_string())).unwrap()
    }

    fn hosts(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    fn after(d: &ConfigDoc) -> Value {
        serde_json::from_str(&d.render().unwrap()).unwrap()
    }

    #[test]
    fn install_adds_the_clients_keys_and_keeps_everything_else() {
        let start = json!({
            "auths": {
                "https://index.docker.io/v1/": {"auth": "dXNlcjpodWI="},
                "other.example": {"auth": "b3RoZXI6cA=="},
                "ghcr.io": {}
            },
            "credHelpers": {"gcr.io": "gcloud"},
            "proxies": {"default": {"httpProxy": "http://p:3128"}},
            "psFormat": "table {{.ID}}"
        });
        let mut d = doc(&start);
        let c = install(
            &mut d,
            Flavor::Docker,
            &hosts(&["docker.io", "ghcr.io"]),
            false,
        )
        .unwrap();
        assert_eq!(c.added, ["https://index.docker.io/v1/", "ghcr.io"]);
        assert_eq!(c.plaintext_left, ["https://index.docker.io/v1/"]);
        assert!(c.removed_plaintext.is_empty());
        let mut want = start.clone();
        want["credHelpers"]["https://index.docker.io/v1/"] = json!("regvault");
        want["credHelpers"]["ghcr.io"] = json!("regvault");
        assert_eq!(after(&d), want);

        // The containers tools key Hub as docker.io.
        let mut d = doc(&json!({}));
        install(&mut d, Flavor::Containers, &hosts(&["docker.io"]), false).unwrap();
        assert_eq!(after(&d), json!({"credHelpers": {"docker.io": "regvault"}}));
    }

    #[test]
    fn remove_plaintext_drops_every_spelling_of_the_host_and_nothing_else() {
        let mut d = doc(&json!({
            "auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnA="},
                "registry-1.docker.io": {"password": "p", "username": "u"},
                "http://reg.example:5000/v2/": {"identitytoken": "t"},
                "reg.example:5000/team/app": {"auth": "eDp5"},
                "reg.example:5001": {"auth": "eDp5"},
                "quay.io": {"auth": "cTpw"}
            }
        }));
        let c = install(
            &mut d,
            Flavor::Containers,
            &hosts(&["docker.io", "reg.example:5000"]),
            true,
        )
        .unwrap();
        assert_eq!(c.removed_plaintext.len(), 4, "{c:?}");
        assert!(c.plaintext_left.is_empty());
        assert_eq!(
            after(&d),
            json!({
                "auths": {"reg.example:5001": {"auth": "eDp5"}, "quay.io": {"auth": "cTpw"}},
                "credHelpers": {"docker.io": "regvault", "reg.example:5000": "regvault"}
            })
        );
    }

    #[test]
    fn another_helper_keeps_its_host_and_creds_store_is_reported() {
        let mut d = doc(&json!({
            "credsStore": "desktop",
            "credHelpers": {"ghcr.io": "gh"},
            "auths": {"ghcr.io": {"auth": "Z2g6cA=="}}
        }));
        let c = install(
            &mut d,
            Flavor::Docker,
            &hosts(&["ghcr.io", "quay.io"]),
            true,
        )
        .unwrap();
        assert_eq!(c.other_helper, [("ghcr.io".to_owned(), "gh".to_owned())]);
        assert_eq!(c.added, ["quay.io"]);
        assert_eq!(
            c.creds_store,
            Some(("desktop".to_owned(), vec!["quay.io".to_owned()]))
        );
        assert_eq!(
            c.plaintext_left,
            ["ghcr.io"],
            "another helper's host is not ours to clean"
        );
        let v = after(&d);
        assert_eq!(v["credHelpers"]["ghcr.io"], "gh");
        assert_eq!(v["auths"]["ghcr.io"]["auth"], "Z2g6cA==");
        assert_eq!(v["credsStore"], "desktop");
    }

    #[test]
    fn install_twice_changes_nothing_the_second_time() {
        let mut d = doc(&json!({}));
        install(&mut d, Flavor::Docker, &hosts(&["ghcr.io"]), true).unwrap();
        let c = install(&mut d, Flavor::Docker, &hosts(&["ghcr.io"]), true).unwrap();
        assert!(!c.changed());
        assert_eq!(c.already, ["ghcr.io"]);
    }

    #[test]
    fn uninstall_removes_only_regvaults_entries() {
        let mut d = doc(&json!({
            "credHelpers": {"ghcr.io": "regvault", "gcr.io": "gcloud", "docker.io": "regvault"},
            "auths": {"quay.io": {"auth": "cTpw"}}
        }));
        let removed = uninstall(&mut d);
        assert_eq!(removed, ["docker.io", "ghcr.io"]);
        assert_eq!(
            after(&d),
            json!({"credHelpers": {"gcr.io": "gcloud"}, "auths": {"quay.io": {"auth": "cTpw"}}})
        );
        let mut d = doc(&json!({"credHelpers": {"ghcr.io": "regvault"}, "x": 1}));
        assert_eq!(uninstall(&mut d), ["ghcr.io"]);
        assert_eq!(after(&d), json!({"x": 1}));
        let mut d = doc(&json!({"credHelpers": {}}));
        assert!(uninstall(&mut d).is_empty());
        assert_eq!(
            after(&d),
            json!({"credHelpers": {}}),
            "nothing of ours: untouched"
        );
    }

    #[test]
    fn routes_say_what_each_client_uses() {
        let d = json!({
            "credsStore": "pass",
            "credHelpers": {"https://index.docker.io/v1/": "regvault", "docker.io": "x"},
            "auths": {"ghcr.io": {"auth": "Zzpw"}, "quay.io": {}}
        });
        let h = hosts(&["docker.io", "ghcr.io", "quay.io"]);
        let r = routes(&d, Flavor::Docker, &h);
        assert!(r[0].helper && r[0].creds_store.is_none());
        assert_eq!(r[1].creds_store.as_deref(), Some("pass"));
        assert_eq!(r[1].plaintext, ["ghcr.io"]);
        assert!(
            r[2].plaintext.is_empty(),
            "an empty entry holds no credential"
        );
        let r = routes(&d, Flavor::Containers, &h);
        assert_eq!(r[0].other_helper.as_deref(), Some("x"));
        assert!(r[1].creds_store.is_none(), "podman ignores credsStore");
    }
}
