//! Pure parsing of where credentials live today: docker's `config.json`,
//! containers' `auth.json` (the same `auths` shape; keys may carry a
//! repository path), a Kubernetes pull Secret's manifest
//! (`kubernetes.io/dockerconfigjson` or the legacy `kubernetes.io/dockercfg`)
//! and a credential helper's `list` / `get` answers. Text in, logins out.
//!
//! Errors and skip reasons never quote the input: it holds secrets (a
//! parser's message quotes offending values, so only positions are kept).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::import::{ImportError, MAX_IMPORT_BYTES, MAX_NESTING, nesting_depth};
use crate::registry::infer::{IDENTITY_TOKEN_USER, InferError, server_host};
use crate::secret::SecretValue;

/// Where a login was found: an `auths` entry (plaintext in the file), a
/// credential helper, or a Kubernetes Secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Auths,
    Helper(String),
    Secret,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Auths => f.write_str("auths"),
            Origin::Helper(h) => write!(f, "helper {h}"),
            Origin::Secret => f.write_str("secret"),
        }
    }
}

/// One stored login. `Debug` shows no secret (`SecretValue` is redacted).
#[derive(Clone, Debug)]
pub struct Login {
    /// The key as stored (an `auths` key, a helper's server URL).
    pub server: String,
    pub username: String,
    pub secret: SecretValue,
    pub origin: Origin,
}

/// An entry that cannot become a registry, and why (never a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub server: String,
    pub reason: String,
}

/// What a `config.json` / `auth.json` holds: its plaintext logins and
/// skips, and the helpers that hold the rest.
#[derive(Debug, Default)]
pub struct AuthFile {
    pub logins: Vec<Login>,
    pub skipped: Vec<Skipped>,
    /// `credsStore`: the helper for every server not in `cred_helpers`.
    pub creds_store: Option<String>,
    /// `credHelpers`: server → helper.
    pub cred_helpers: BTreeMap<String, String>,
}

/// Longest key or server shown in a preview: a key may be anything,
/// including a pasted secret, so it is cut and escaped.
const MAX_SHOWN: usize = 80;

/// A stored key as it may be shown: control characters escaped, cut to
/// `MAX_SHOWN` characters.
#[must_use]
pub fn shown(key: &str) -> String {
    let cut: String = key.chars().take(MAX_SHOWN).collect();
    let mut s = crate::model::escape(&cut).into_owned();
    if key.chars().count() > MAX_SHOWN {
        s.push('…');
    }
    s
}

/// A parsed document whose strings are overwritten when it is dropped:
/// they hold passwords.
struct Wiped(Value);

impl Drop for Wiped {
    fn drop(&mut self) {
        crate::import::wipe(std::mem::take(&mut self.0));
    }
}

fn bounded(text: &str) -> Result<&str, ImportError> {
    if text.len() as u64 > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    if nesting_depth(text) > MAX_NESTING {
        return Err(ImportError::TooDeep);
    }
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

/// JSON to a value; the error keeps the position only.
pub fn json(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(bounded(text)?).map_err(|e| ImportError::Syntax {
        format: "JSON",
        what: "a syntax error",
        line: e.line(),
        column: e.column(),
    })
}

/// YAML (or JSON, which YAML reads too) to a value; the error keeps the
/// position only.
pub fn yaml(text: &str) -> Result<Value, ImportError> {
    let text = bounded(text)?;
    if text.trim_start().starts_with('{') {
        return json(text);
    }
    serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
        Some(l) => ImportError::Syntax {
            format: "YAML",
            what: "a syntax error",
            line: l.line(),
            column: l.column(),
        },
        None => ImportError::Unplaced {
            format: "YAML",
            what: "not a mapping of plain values",
        },
    })
}

fn shape(what: &str) -> ImportError {
    ImportError::Shape(what.to_owned())
}

fn string_map(v: Option<&Value>, what: &str) -> Result<BTreeMap<String, String>, ImportError> {
    let Some(v) = v else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(m) = v else {
        return Err(shape(&format!("{what} is not a mapping")));
    };
    m.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(shape(&format!("{what}: a value is not a string"))),
        })
        .collect()
}

/// A docker `config.json` or containers `auth.json`.
///
/// # Errors
/// Not JSON, or not the shape (`auths` not a mapping, …).
pub fn auth_file(text: &str) -> Result<AuthFile, ImportError> {
    let doc = Wiped(json(text)?);
    let Value::Object(top) = &doc.0 else {
        return Err(shape(
            "not a JSON object (a config.json is {\"auths\": {…}})",
        ));
    };
    let mut out = AuthFile {
        creds_store: match top.get("credsStore") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(shape("credsStore is not a string")),
        },
        cred_helpers: string_map(top.get("credHelpers"), "credHelpers")?,
        ..AuthFile::default()
    };
    match top.get("auths") {
        None | Some(Value::Null) => {}
        Some(Value::Object(auths)) => {
            let covered = |key: &str| {
                out.creds_store.is_some()
                    || out
                        .cred_helpers
                        .keys()
                        .any(|h| server_host(h) == server_host(key))
            };
            let mut logins = Vec::new();
            let mut skipped = Vec::new();
            for (key, entry) in auths {
                match auths_entry(key, entry, &Origin::Auths) {
                    Ok(Some(login)) => logins.push(login),
                    // An empty entry is docker's marker for a login kept
                    // by the store or a helper.
                    Ok(None) if covered(key) => {}
                    Ok(None) => skipped.push(Skipped {
                        server: shown(key),
                        reason: "no credentials in this entry".into(),
                    }),
                    Err(reason) => skipped.push(Skipped {
                        server: shown(key),
                        reason,
                    }),
                }
            }
            out.logins = logins;
            out.skipped = skipped;
        }
        Some(_) => return Err(shape("auths is not a mapping")),
    }
    Ok(out)
}

fn field<'a>(entry: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    entry
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// One `auths` (or legacy `.dockercfg`) entry: `Ok(None)` when it holds no
/// credentials, `Err(reason)` when it holds ones that cannot be kept.
fn auths_entry(key: &str, entry: &Value, origin: &Origin) -> Result<Option<Login>, String> {
    let Value::Object(entry) = entry else {
        return Err("the entry is not a mapping".into());
    };
    let host = server_host(key).unwrap_or_else(|| shown(key));
    if field(entry, "identitytoken").is_some() {
        return Err(InferError::IdentityToken { host }.to_string());
    }
    if field(entry, "registrytoken").is_some() {
        return Err(format!(
            "{host}: a registry (bearer) token is short-lived, not a login regvault can keep"
        ));
    }
    let (username, secret) = if let Some(auth) = field(entry, "auth") {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(auth.trim())
                .map_err(|_| "the auth value is not base64 (not shown: it is a secret)")?,
        );
        let text = std::str::from_utf8(&decoded)
            .map_err(|_| "the auth value is not UTF-8 user:password (not shown)")?;
        let (u, p) = text
            .split_once(':')
            .ok_or("the auth value has no ':' between user and password (not shown)")?;
        (u.to_owned(), SecretValue::new(p))
    } else {
        match (field(entry, "username"), field(entry, "password")) {
            (Some(u), Some(p)) => (u.to_owned(), SecretValue::new(p)),
            (None, None) => return Ok(None),
            _ => return Err("a username without a password, or the reverse".into()),
        }
    };
    if username == IDENTITY_TOKEN_USER {
        return Err(InferError::IdentityToken { host }.to_string());
    }
    if username.is_empty() || secret.is_empty() {
        return Err("an empty username or password".into());
    }
    Ok(Some(Login {
        server: key.to_owned(),
        username,
        secret,
        origin: origin.clone(),
    }))
}

/// The Kubernetes Secret types that hold registry logins.
const DOCKERCONFIGJSON: &str = "kubernetes.io/dockerconfigjson";
const DOCKERCFG: &str = "kubernetes.io/dockercfg";

/// A pull Secret's payload: its type and the one data key it carries.
pub struct SecretPayload {
    pub secret_type: String,
    pub data: Zeroizing<Vec<u8>>,
}

/// Logins from a pull Secret's payload (`.dockerconfigjson` or the legacy
/// `.dockercfg`, whose top level is the `auths` mapping itself).
///
/// # Errors
/// Another Secret type, or a payload that is not the shape.
pub fn secret_payload(p: &SecretPayload) -> Result<AuthFile, ImportError> {
    let text = std::str::from_utf8(&p.data).map_err(|_| ImportError::NotUtf8)?;
    match p.secret_type.as_str() {
        DOCKERCONFIGJSON => {
            let mut f = auth_file(text)?;
            for l in &mut f.logins {
                l.origin = Origin::Secret;
            }
            Ok(f)
        }
        DOCKERCFG => {
            let doc = Wiped(json(text)?);
            let Value::Object(top) = &doc.0 else {
                return Err(shape(".dockercfg is not a JSON object"));
            };
            let mut out = AuthFile::default();
            for (key, entry) in top {
                match auths_entry(key, entry, &Origin::Secret) {
                    Ok(Some(l)) => out.logins.push(l),
                    Ok(None) => out.skipped.push(Skipped {
                        server: shown(key),
                        reason: "no credentials in this entry".into(),
                    }),
                    Err(reason) => out.skipped.push(Skipped {
                        server: shown(key),
                        reason,
                    }),
                }
            }
            Ok(out)
        }
        other => Err(shape(&format!(
            "a Secret of type {} holds no registry logins (want {DOCKERCONFIGJSON} or {DOCKERCFG})",
            shown(other)
        ))),
    }
}

/// A Secret manifest (YAML or JSON, `data` base64 or `stringData`) or a
/// bare dockerconfigjson, as given with `import kube-secret --file`.
///
/// # Errors
/// Not YAML/JSON, not a pull Secret, or a payload that is not the shape.
pub fn secret_manifest(text: &str) -> Result<AuthFile, ImportError> {
    let doc = Wiped(yaml(text)?);
    let Value::Object(top) = &doc.0 else {
        return Err(shape(
            "not a mapping (want a Secret manifest or a dockerconfigjson)",
        ));
    };
    if top.get("kind").and_then(Value::as_str) != Some("Secret") {
        if top.contains_key("auths") {
            return auth_file(&Zeroizing::new(
                serde_json::to_string(top).unwrap_or_default(),
            ));
        }
        return Err(shape(
            "neither a Secret manifest (kind: Secret) nor a dockerconfigjson ({\"auths\": …})",
        ));
    }
    let secret_type = top
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Opaque")
        .to_owned();
    let key = match secret_type.as_str() {
        DOCKERCONFIGJSON => ".dockerconfigjson",
        DOCKERCFG => ".dockercfg",
        _ => {
            return secret_payload(&SecretPayload {
                secret_type,
                data: Zeroizing::new(Vec::new()),
            });
        }
    };
    let plain = top
        .get("stringData")
        .and_then(|d| d.get(key))
        .and_then(Value::as_str);
    let data = if let Some(s) = plain {
        Zeroizing::new(s.as_bytes().to_vec())
    } else {
        let b64 = top
            .get("data")
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .ok_or_else(|| shape(&format!("the Secret has no {key} in data or stringData")))?;
        Zeroizing::new(
            STANDARD
                .decode(b64.trim())
                .map_err(|_| shape(&format!("data.{key} is not base64 (not shown)")))?,
        )
    };
    secret_payload(&SecretPayload { secret_type, data })
}

/// A helper's `list` answer: server → username.
///
/// # Errors
/// Not a JSON mapping of strings.
pub fn helper_list(text: &str) -> Result<Vec<String>, ImportError> {
    let doc = Wiped(json(text)?);
    Ok(string_map(Some(&doc.0), "the helper's list")?
        .into_keys()
        .collect())
}

/// A helper's `get` answer: `Ok(None)` when it holds nothing for the
/// server (Debian's 0.6 answers empty credentials and exit 0).
///
/// # Errors
/// Not the `{ServerURL, Username, Secret}` shape.
pub fn helper_get(server: &str, helper: &str, text: &str) -> Result<Option<Login>, ImportError> {
    let doc = Wiped(json(text)?);
    let Value::Object(m) = &doc.0 else {
        return Err(shape("the helper's answer is not a JSON object"));
    };
    let username = m.get("Username").and_then(Value::as_str).unwrap_or("");
    let secret = m.get("Secret").and_then(Value::as_str).unwrap_or("");
    if username.is_empty() && secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Login {
        server: server.to_owned(),
        username: username.to_owned(),
        secret: SecretValue::new(secret),
        origin: Origin::Helper(helper.to_owned()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        STANDARD.encode(s)
    }

    #[test]
    fn auths_entries_in_each_form() {
        let text = serde_json::json!({
            "auths": {
                "ghcr.io": {"auth": b64("octo:ghp_canary")},
                "quay.io": {"username": "bob", "password": "pw-canary"},
                "myreg.azurecr.io": {"identitytoken": "canary-id"},
                "https://index.docker.io/v1/": {},
                "bad.example": {"auth": "!!!canary"},
                "nocolon.example": {"auth": b64("canary")},
            },
            "credsStore": "",
        })
        .to_string();
        let f = auth_file(&text).unwrap();
        let names: Vec<_> = f.logins.iter().map(|l| l.server.as_str()).collect();
        assert_eq!(names, ["ghcr.io", "quay.io"]);
        assert_eq!(f.logins[0].username, "octo");
        assert_eq!(f.logins[0].secret.expose(), "ghp_canary");
        let reasons: Vec<_> = f.skipped.iter().map(|s| s.server.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "bad.example",
                "https://index.docker.io/v1/",
                "myreg.azurecr.io",
                "nocolon.example"
            ]
        );
        assert!(f.skipped[2].reason.contains("identity token"));
        assert!(!format!("{f:?}{:?}", f.skipped).contains("canary"));
    }

    #[test]
    fn empty_entries_covered_by_a_helper_are_not_skips() {
        let text = r#"{"auths":{"ghcr.io":{},"quay.io":{}},"credHelpers":{"ghcr.io":"pass"}}"#;
        let f = auth_file(text).unwrap();
        assert_eq!(f.skipped.len(), 1, "{:?}", f.skipped);
        assert_eq!(f.skipped[0].server, "quay.io");
        assert_eq!(f.cred_helpers["ghcr.io"], "pass");
    }

    #[test]
    fn errors_never_quote_the_text() {
        for text in [
            "{\"auths\": {\"x\": {\"auth\": \"canary\"}",
            "{\"auths\": \"canary\"}",
            "[\"canary\"]",
        ] {
            let e = auth_file(text).unwrap_err().to_string();
            assert!(!e.contains("canary"), "{e}");
        }
        let deep = "[".repeat(100);
        assert_eq!(auth_file(&deep).unwrap_err(), ImportError::TooDeep);
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(1024 * 1024 + 1));
        assert_eq!(auth_file(&big).unwrap_err(), ImportError::TooLarge);
        let e = secret_manifest("kind: Secret\ntype: [canary\n").unwrap_err();
        assert!(!e.to_string().contains("canary"), "{e}");
    }

    #[test]
    fn secret_manifests_both_types_and_forms() {
        let dcj = format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{}"}}}}}}"#, b64("u:p"));
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: x}}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(&dcj)
        );
        assert_eq!(secret_manifest(&yaml).unwrap().logins.len(), 1);
        let string_data = serde_json::json!({"kind": "Secret", "type": DOCKERCONFIGJSON,
            "stringData": {".dockerconfigjson": dcj}})
        .to_string();
        assert_eq!(secret_manifest(&string_data).unwrap().logins.len(), 1);
        let cfg = format!(
            r#"{{"quay.io":{{"auth":"{}","email":"a@b"}}}}"#,
            b64("bob:pw")
        );
        let legacy = serde_json::json!({"kind": "Secret", "type": DOCKERCFG,
            "data": {".dockercfg": b64(&cfg)}})
        .to_string();
        let f = secret_manifest(&legacy).unwrap();
        assert_eq!(f.logins[0].username, "bob");
        assert_eq!(f.logins[0].origin, Origin::Secret);
        assert_eq!(secret_manifest(&dcj).unwrap().logins.len(), 1);
        let opaque = "kind: Secret\ntype: Opaque\ndata: {a: b}\n";
        assert!(
            secret_manifest(opaque)
                .unwrap_err()
                .to_string()
                .contains("Opaque")
        );
    }

    #[test]
    fn helper_answers() {
        assert_eq!(
            helper_list(r#"{"https://index.docker.io/v1/":"me","ghcr.io":"octo"}"#).unwrap(),
            ["ghcr.io", "https://index.docker.io/v1/"]
        );
        let l = helper_get(
            "ghcr.io",
            "pass",
            r#"{"ServerURL":"ghcr.io","Username":"o","Secret":"s"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!((l.username.as_str(), l.secret.expose()), ("o", "s"));
        assert!(
            helper_get("x", "pass", r#"{"ServerURL":"","Username":"","Secret":""}"#)
                .unwrap()
                .is_none()
        );
    }
}
