//! Importing registries in the platform seed's own shape — `name`, `type`,
//! `credentials {…}` — from YAML, TOML or JSON. Pure: text in, records out.
//!
//! Parse errors give a position and never echo the input: the input holds
//! secrets, and serde's messages quote offending values.
//!
//! Hostile input is bounded before any parser sees it: at most
//! `MAX_IMPORT_BYTES`, brackets nested at most `MAX_NESTING` deep (a
//! parser's time can grow with the square of the depth). A key given twice
//! in one mapping is an error in every format, never "the last one wins".

use std::fmt;
use std::io::Read;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

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

/// An import is a few KB; a file past this is refused before it is read.
pub const MAX_IMPORT_BYTES: u64 = 1024 * 1024;

/// The seed shape nests four deep; brackets past this depth are refused
/// before parsing.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("too large: an import is at most 1 MiB (a registry file is a few KB)")]
    TooLarge,
    #[error("not UTF-8 text (the text is not shown: it may hold secrets)")]
    NotUtf8,
    #[error(
        "brackets nested more than {MAX_NESTING} deep: not a registry file (the text is not shown: it may hold secrets)"
    )]
    TooDeep,
    #[error("not valid {format}: {what} (the text is not shown: it may hold secrets)")]
    Unplaced {
        format: &'static str,
        what: &'static str,
    },
    #[error("not valid {format}: {key} is given twice at line {line}, column {column}")]
    DuplicateKey {
        format: &'static str,
        /// `key 'name'` for a plain key, else `a key` (a key may be a secret).
        key: String,
        line: usize,
        column: usize,
    },
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

/// Reads an import from `reader` (a file, stdin), refusing more than
/// `MAX_IMPORT_BYTES` without reading past them.
pub fn read_bounded(reader: impl Read) -> Result<Zeroizing<String>, ReadError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(8192));
    reader
        .take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(ReadError::Import(ImportError::TooLarge));
    }
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(ReadError::Import(ImportError::NotUtf8))
        }
    }
}

/// Why an import could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(std::io::Error),
    #[error(transparent)]
    Import(ImportError),
}

/// The deepest run of unclosed `[` / `{`, counted without parsing (quotes
/// are not followed: balanced brackets in a value add nothing).
pub(crate) fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

pub fn parse(text: &str, format: Option<Format>) -> Result<Vec<ImportedRegistry>, ImportError> {
    if text.len() as u64 > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    // A byte-order mark is how some editors start UTF-8: not an error.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if nesting_depth(text) > MAX_NESTING {
        return Err(ImportError::TooDeep);
    }
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
    let name = format.name();
    // The message of an error raised by `Strict` itself, never by a parser
    // quoting the input.
    let classify = |message: String, what: &'static str, pos: Option<(usize, usize)>| {
        let err = match (duplicate_key(&message), pos) {
            (Some(key), Some((line, column))) => ImportError::DuplicateKey {
                format: name,
                key,
                line,
                column,
            },
            (Some(key), None) => ImportError::DuplicateKey {
                format: name,
                key,
                line: 0,
                column: 0,
            },
            (None, Some((line, column))) if line > 0 => ImportError::Syntax {
                format: name,
                what,
                line,
                column,
            },
            (None, _) => ImportError::Unplaced { format: name, what },
        };
        let mut message = message;
        message.zeroize();
        err
    };
    match format {
        Format::Json => serde_json::from_str::<Strict>(text)
            .map(|s| s.0)
            .map_err(|e| {
                let what = match e.classify() {
                    serde_json::error::Category::Eof => "unexpected end of input",
                    _ => "syntax error",
                };
                classify(e.to_string(), what, Some((e.line(), e.column())))
            }),
        Format::Toml => toml::from_str::<Strict>(text).map(|s| s.0).map_err(|e| {
            let pos = e.span().map(|s| line_col(text, s.start));
            let what = if e.message().contains("duplicate key") {
                "a key is given twice"
            } else {
                "syntax error"
            };
            classify(e.message().to_owned(), what, pos)
        }),
        Format::Yaml => serde_yaml_ng::from_str::<Strict>(text)
            .map(|s| s.0)
            .map_err(|e| {
                let message = e.to_string();
                let what = if message.contains("more than one document") {
                    "more than one YAML document (---): put the registries in one list"
                } else {
                    "syntax error or unsupported value"
                };
                classify(message, what, e.location().map(|l| (l.line(), l.column())))
            }),
    }
}

const DUPLICATE_KEY: &str = "regvault: duplicate key: ";

/// The key named by `Strict`'s duplicate-key error, as shown to the user.
fn duplicate_key(message: &str) -> Option<String> {
    let rest = &message[message.find(DUPLICATE_KEY)? + DUPLICATE_KEY.len()..];
    let key = rest.split('\u{1}').next().unwrap_or("");
    let plain = !key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    Some(if plain {
        format!("key '{key}'")
    } else {
        "a key".to_owned()
    })
}

/// A `serde_json::Value` that refuses a key given twice in one mapping
/// (`serde_json` and `serde_yaml_ng` keep the last one silently).
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                let err = de::Error::custom(format_args!("{DUPLICATE_KEY}{key}\u{1}"));
                wipe(Value::Object(map));
                return Err(err);
            }
            let Strict(v) = access.next_value()?;
            map.insert(key, v);
        }
        Ok(Value::Object(map))
    }
}

/// Overwrites every string in `value` before it is freed.
pub(crate) fn wipe(value: Value) {
    match value {
        Value::String(mut s) => s.zeroize(),
        Value::Array(items) => items.into_iter().for_each(wipe),
        Value::Object(map) => {
            for (mut k, v) in map {
                k.zeroize();
                wipe(v);
            }
        }
        _ => {}
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
            k if IGNORED_KEYS.contains(&k) => wipe(v),
            other => {
                wipe(v);
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
                let text = serde_json::to_string_pretty(&obj);
                wipe(obj);
                text.map_err(|_| ImportError::Unrecognised)?
            }
            other => {
                wipe(other);
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

    #[test]
    fn a_key_given_twice_is_refused_in_every_format() {
        let json = r#"{"name":"a","type":"GHCR","name":"b"}"#;
        let yaml = "name: a\ntype: GHCR\ncredentials:\n  token: SEKRET1\n  token: SEKRET2\n";
        let toml = "name = \"a\"\ntype = \"GHCR\"\nname = \"b\"\n";
        for (text, fmt) in [(json, None), (yaml, None), (toml, Some(Format::Toml))] {
            let err = parse(text, fmt).unwrap_err().to_string();
            assert!(err.contains("given twice"), "{err}");
            assert!(!err.contains("SEKRET"), "{err}");
        }
        let err = parse(json, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not valid JSON: key 'name' is given twice at line 1, column 32"
        );
        let err = parse(yaml, None).unwrap_err().to_string();
        assert!(err.contains("key 'token' is given twice at line "), "{err}");
        // A key that might itself be a secret is not quoted.
        let err = parse(r#"{"a b SEKRET":1,"a b SEKRET":2}"#, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a key is given twice"), "{err}");
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let text = "[".repeat(200 * 1024);
        for f in [
            None,
            Some(Format::Json),
            Some(Format::Toml),
            Some(Format::Yaml),
        ] {
            assert_eq!(parse(&text, f).unwrap_err(), ImportError::TooDeep);
        }
        // Balanced brackets inside values are fine.
        let ok = format!(
            r#"{{"name":"a","type":"GHCR","credentials":{{"token":"{}"}}}}"#,
            "[]".repeat(500)
        );
        parse(&ok, None).unwrap();
    }

    #[test]
    fn more_than_a_mebibyte_is_refused_unread() {
        let big = "a".repeat(usize::try_from(MAX_IMPORT_BYTES).unwrap() + 1);
        assert_eq!(parse(&big, None).unwrap_err(), ImportError::TooLarge);
        let err = read_bounded(std::io::repeat(b'a')).unwrap_err();
        assert!(
            matches!(err, ReadError::Import(ImportError::TooLarge)),
            "{err}"
        );
        let err = read_bounded(&b"name: \xff\xfe"[..]).unwrap_err();
        assert!(
            matches!(err, ReadError::Import(ImportError::NotUtf8)),
            "{err}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_multiple_documents_are_named() {
        let json = "\u{FEFF}{\"name\":\"a\",\"type\":\"GHCR\"}";
        let yaml = "\u{FEFF}name: a\ntype: GHCR\n";
        for text in [json, yaml] {
            assert_eq!(parse(text, None).unwrap()[0].name.as_deref(), Some("a"));
        }
        let multi = "name: a\ntype: GHCR\n---\nname: b\ntype: GHCR\n";
        let err = parse(multi, Some(Format::Yaml)).unwrap_err().to_string();
        assert_eq!(
            err,
            "not valid YAML: more than one YAML document (---): put the registries in one list \
             (the text is not shown: it may hold secrets)"
        );
        assert!(!err.contains("line 0"), "{err}");
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
