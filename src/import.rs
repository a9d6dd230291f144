//! Importing registries in the platform seed's own shape — `name`, `type`,
//! `credentials {…}` — from YAML, TOML or JSON. Pure: text in, records out.
//!
//! Parse errors give a position and never echo the input: the input holds
//! secrets, and serde's messages quote offending values.

use serde_json::{Map, Value};

use crate::registry::{Credentials, RegistryKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Toml,
}

impl Format {
    /// From a file name's extension, if it has a known one.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
        }
    }
}

/// One registry as read from a file; `name`/`type` may be missing (the CLI
/// takes them from flags or prompts).
#[derive(Debug, Clone, Default)]
pub struct ImportedRegistry {
    pub name: Option<String>,
    pub kind: Option<RegistryKind>,
    pub credentials: Credentials,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error(
        "not valid {format}: {what} at line {line}, column {column} (the text is not shown: it may hold secrets)"
    )]
    Syntax {
        format: &'static str,
        what: &'static str,
        line: usize,
        column: usize,
    },
    #[error("not valid JSON, YAML or TOML (the text is not shown: it may hold secrets)")]
    Unrecognised,
    #[error("{0}")]
    Shape(String),
}

/// The keys a seed export may carry besides the ones we read; they are
/// ignored rather than refused so an export round-trips.
const IGNORED_KEYS: &[&str] = &[
    "id",
    "createdBy",
    "createdAt",
    "updatedAt",
    "credentialsRotatedAt",
    "lastTest",
];

pub fn parse(text: &str, format: Option<Format>) -> Result<Vec<ImportedRegistry>, ImportError> {
    let value = match format {
        Some(f) => parse_as(text, f)?,
        None => sniff(text)?,
    };
    from_value(value)
}

fn sniff(text: &str) -> Result<Value, ImportError> {
    let first = text.trim_start().chars().next();
    if matches!(first, Some('{' | '[')) {
        // `[` also starts a TOML table header: JSON first, then TOML.
        return parse_as(text, Format::Json).or_else(|json_err| {
            if first == Some('[') {
                parse_as(text, Format::Toml).map_err(|_| json_err)
            } else {
                Err(json_err)
            }
        });
    }
    let looks_toml = text.lines().any(|l| {
        let l = l.trim();
        !l.starts_with('#') && l.split_once('=').is_some_and(|(k, _)| !k.contains(':'))
    });
    let order = if looks_toml {
        [Format::Toml, Format::Yaml]
    } else {
        [Format::Yaml, Format::Toml]
    };
    match parse_as(text, order[0]) {
        Ok(v) => Ok(v),
        Err(first_err) => parse_as(text, order[1]).map_err(|_| first_err),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    #[allow(
        clippy::naive_bytecount,
        reason = "one count on an error path: not worth the bytecount crate"
    )]
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

fn parse_as(text: &str, format: Format) -> Result<Value, ImportError> {
    let syntax = |what, (line, column)| ImportError::Syntax {
        format: format.name(),
        what,
        line,
        column,
    };
    match format {
        Format::Json => serde_json::from_str::<Value>(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "unexpected end of input",
                _ => "syntax error",
            };
            syntax(what, (e.line(), e.column()))
        }),
        Format::Toml => {
            let table: toml::Table = toml::from_str(text).map_err(|e| {
                let pos = e.span().map_or((0, 0), |s| line_col(text, s.start));
                syntax("syntax error", pos)
            })?;
            serde_json::to_value(table).map_err(|_| ImportError::Unrecognised)
        }
        Format::Yaml => serde_yaml_ng::from_str::<Value>(text).map_err(|e| {
            let pos = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            syntax("syntax error or unsupported value", pos)
        }),
    }
}

fn from_value(value: Value) -> Result<Vec<ImportedRegistry>, ImportError> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| one(v, &format!("item {}", i + 1)))
            .collect(),
        Value::Object(mut map) if map.contains_key("registries") && !map.contains_key("type") => {
            match map.remove("registries") {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| one(v, &format!("registries[{i}]")))
                    .collect(),
                _ => Err(ImportError::Shape("registries: must be a list".into())),
            }
        }
        v @ Value::Object(_) => one(v, "registry").map(|r| vec![r]),
        _ => Err(ImportError::Shape(
            "expected a registry object {name, type, credentials} or a list of them".into(),
        )),
    }
}

fn one(value: Value, at: &str) -> Result<ImportedRegistry, ImportError> {
    let Value::Object(map) = value else {
        return Err(ImportError::Shape(format!(
            "{at}: expected an object with name, type and credentials"
        )));
    };
    let mut out = ImportedRegistry::default();
    for (key, v) in map {
        match key.as_str() {
            "name" => out.name = Some(string_of(v, &format!("{at}: name"))?),
            "type" => {
                let t = string_of(v, &format!("{at}: type"))?;
                out.kind = Some(t.parse().map_err(|e: crate::registry::UnknownKind| {
                    ImportError::Shape(format!("{at}: {e}"))
                })?);
            }
            "credentials" => out.credentials = credentials_of(v, at)?,
            k if IGNORED_KEYS.contains(&k) => {}
            other => {
                return Err(ImportError::Shape(format!(
                    "{at}: unknown key '{other}' (expected name, type, credentials)"
                )));
            }
        }
    }
    Ok(out)
}

fn string_of(v: Value, what: &str) -> Result<String, ImportError> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(ImportError::Shape(format!("{what}: must be a string"))),
    }
}

fn credentials_of(v: Value, at: &str) -> Result<Credentials, ImportError> {
    let map: Map<String, Value> = match v {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            return Err(ImportError::Shape(format!(
                "{at}: credentials must be a mapping of field names to values"
            )));
        }
    };
    let mut creds = Credentials::new();
    for (field, value) in map {
        let text = match value {
            Value::String(s) => s,
            // A service-account key pasted as a mapping instead of a string.
            obj @ Value::Object(_) if field == "serviceAccountKey" => {
                serde_json::to_string_pretty(&obj).map_err(|_| ImportError::Unrecognised)?
            }
            _ => {
                return Err(ImportError::Shape(format!(
                    "{at}: credentials.{field} must be a string"
                )));
            }
        };
        creds.set(field, text);
    }
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_shape_in_three_formats() {
        let json = r#"{"name":"ghcr","type":"GHCR","credentials":{"username":"bob","token":"t"}}"#;
        let yaml = "name: ghcr\ntype: GHCR\ncredentials:\n  username: bob\n  token: t\n";
        let toml =
            "name = \"ghcr\"\ntype = \"GHCR\"\n[credentials]\nusername = \"bob\"\ntoken = \"t\"\n";
        for text in [json, yaml, toml] {
            let r = parse(text, None).unwrap();
            assert_eq!(r.len(), 1);
            assert_eq!(r[0].name.as_deref(), Some("ghcr"));
            assert_eq!(r[0].kind, Some(RegistryKind::Ghcr));
            assert_eq!(r[0].credentials.get("token"), Some("t"));
        }
    }

    #[test]
    fn lists_and_registries_tables() {
        let yaml = "- name: a\n  type: Public\n- name: b\n  type: Quay\n  credentials: {username: x, token: y}\n";
        assert_eq!(parse(yaml, None).unwrap().len(), 2);
        let toml = "[[registries]]\nname = \"a\"\ntype = \"Public\"\n";
        assert_eq!(parse(toml, None).unwrap().len(), 1);
    }

    #[test]
    fn syntax_errors_never_echo_the_input() {
        let text = "{\"name\": \"x\", \"credentials\": {\"token\": \"SEKRET-VALUE-123\" ";
        let err = parse(text, None).unwrap_err().to_string();
        assert!(!err.contains("SEKRET"), "{err}");
        let text = "token = SEKRET-VALUE-123\n";
        let err = parse(text, Some(Format::Toml)).unwrap_err().to_string();
        assert!(!err.contains("SEKRET"), "{err}");
        let text = "credentials:\n  token: [SEKRET-VALUE-123\n";
        let err = parse(text, Some(Format::Yaml)).unwrap_err().to_string();
        assert!(!err.contains("SEKRET"), "{err}");
        let text = "{\"credentials\": {\"token\": 12345678901}}";
        let err = parse(text, None).unwrap_err().to_string();
        assert!(!err.contains("12345678901"), "{err}");
    }

    #[test]
    fn json_key_as_mapping_becomes_a_string() {
        let yaml = "type: GCR\ncredentials:\n  serviceAccountKey:\n    type: service_account\n    project_id: p\n";
        let r = parse(yaml, None).unwrap();
        let key = r[0].credentials.get("serviceAccountKey").unwrap();
        assert!(key.contains("\"project_id\": \"p\""), "{key}");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn parse_never_panics_on_any_text(text in "\\PC{0,300}") {
                let _ = parse(&text, None);
                for f in [Format::Json, Format::Yaml, Format::Toml] {
                    let _ = parse(&text, Some(f));
                }
            }

            #[test]
            fn values_round_trip_and_errors_never_echo_them(
                name in "[a-z][a-z0-9-]{0,12}",
                ty in "(GHCR|ECR|Quay|nope)",
                secret in "ZQX[A-Za-z0-9]{8,20}",
                garble in 0usize..60,
            ) {
                let doc = serde_json::json!({"name": name, "type": ty, "credentials": {"token": secret}}).to_string();
                match parse(&doc, None) {
                    Ok(r) => prop_assert_eq!(r[0].credentials.get("token"), Some(secret.as_str())),
                    Err(e) => prop_assert!(!e.to_string().contains(&secret)),
                }
                // Cut the document anywhere: an error, never the secret in it.
                let cut = &doc[..garble.min(doc.len())];
                if let Err(e) = parse(cut, None) {
                    prop_assert!(!e.to_string().contains(&secret));
                }
            }
        }
    }
}
