//! A docker `config.json` or a containers `auth.json` held in memory: parsed
//! from the file's text, changed in place, rendered back tab-indented as
//! docker writes it. Shared by `compose login` (auths) and
//! `helper install` (credHelpers) so the two cannot read or write the file
//! differently.
//!
//! The document holds other credentials: its strings are wiped when it is
//! dropped, the rendered text lives in a zeroizing buffer sized up front
//! (a growing buffer leaves stray copies behind), and no error echoes the
//! text.

use std::fmt;
use std::io;

use serde::Serialize as _;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::wipe_value;

/// Why a file's text cannot be used; never holds any of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigDocError {
    /// Not JSON: where the parser stopped.
    BadJson {
        what: &'static str,
        line: usize,
        column: usize,
    },
    /// JSON of the wrong shape.
    BadShape(&'static str),
}

impl fmt::Display for ConfigDocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigDocError::BadJson { what, line, column } => write!(
                f,
                "not valid JSON ({what} error at line {line}, column {column}); it was left as it is"
            ),
            ConfigDocError::BadShape(why) => write!(f, "{why}; it was left as it is"),
        }
    }
}

impl std::error::Error for ConfigDocError {}

/// A parsed document (always a JSON object) that wipes its strings when
/// dropped.
pub struct ConfigDoc(Value);

impl Drop for ConfigDoc {
    fn drop(&mut self) {
        wipe_value(&mut self.0);
    }
}

impl fmt::Debug for ConfigDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfigDoc(<redacted>)")
    }
}

/// Counts bytes, so the output buffer can be sized before a secret is
/// written into it.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_pretty<W: io::Write>(out: W, value: &Value) -> serde_json::Result<()> {
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut ser)
}

impl ConfigDoc {
    /// Parses a file's text; `None` or blank text is an empty document (a
    /// missing file).
    ///
    /// # Errors
    /// Not JSON, or not an object at the top level.
    pub fn parse(text: Option<&str>) -> Result<Self, ConfigDocError> {
        let text = text.unwrap_or("");
        if text.trim().is_empty() {
            return Ok(ConfigDoc(Value::Object(Map::new())));
        }
        let doc = ConfigDoc(
            serde_json::from_str(text).map_err(|e| ConfigDocError::BadJson {
                what: match e.classify() {
                    serde_json::error::Category::Eof => "unexpected end",
                    serde_json::error::Category::Syntax => "syntax",
                    serde_json::error::Category::Data => "data",
                    serde_json::error::Category::Io => "read",
                },
                line: e.line(),
                column: e.column(),
            })?,
        );
        if doc.0.is_object() {
            Ok(doc)
        } else {
            Err(ConfigDocError::BadShape("the top level is not an object"))
        }
    }

    /// The whole document, to read.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// The top-level object.
    pub fn root_mut(&mut self) -> &mut Map<String, Value> {
        if !self.0.is_object() {
            self.0 = Value::Object(Map::new());
        }
        match &mut self.0 {
            Value::Object(m) => m,
            _ => unreachable!("made an object above"),
        }
    }

    /// The object under `key` (`auths`, `credHelpers`), created when
    /// missing or null.
    ///
    /// # Errors
    /// `key` holds something other than an object.
    pub fn object_mut(
        &mut self,
        key: &str,
        not_object: &'static str,
    ) -> Result<&mut Map<String, Value>, ConfigDocError> {
        let slot = self
            .root_mut()
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()));
        if slot.is_null() {
            *slot = Value::Object(Map::new());
        }
        slot.as_object_mut()
            .ok_or(ConfigDocError::BadShape(not_object))
    }

    /// The document as docker writes it (tab-indented), in a zeroizing
    /// buffer.
    ///
    /// # Errors
    /// Cannot happen for a parsed document; reported rather than panicking.
    pub fn render(&self) -> Result<Zeroizing<String>, ConfigDocError> {
        let failed = |_| ConfigDocError::BadShape("cannot be written");
        let mut counter = Counter(0);
        write_pretty(&mut counter, &self.0).map_err(failed)?;
        let mut buf = Zeroizing::new(Vec::with_capacity(counter.0));
        write_pretty(&mut *buf, &self.0).map_err(failed)?;
        let text = String::from_utf8(std::mem::take(&mut *buf))
            .map_err(|_| ConfigDocError::BadShape("cannot be written"))?;
        Ok(Zeroizing::new(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_unknown_keys_and_refuses_non_objects() {
        let doc = ConfigDoc::parse(Some(r#"{"x":{"y":[1,2]},"auths":{}}"#)).unwrap();
        let text = doc.render().unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, serde_json::json!({"x":{"y":[1,2]},"auths":{}}));
        assert!(text.contains("\n\t\""), "tab-indented: {}", text.as_str());
        assert_eq!(
            ConfigDoc::parse(Some("[1]")).unwrap_err(),
            ConfigDocError::BadShape("the top level is not an object")
        );
        let err = ConfigDoc::parse(Some("{\"auths\": {\"h\": \"s3cret")).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(ConfigDoc::parse(None).unwrap().value().is_object());
    }

    #[test]
    fn a_non_object_section_is_refused() {
        let mut doc = ConfigDoc::parse(Some(r#"{"credHelpers":"x"}"#)).unwrap();
        assert!(doc.object_mut("credHelpers", "not an object").is_err());
        let mut doc = ConfigDoc::parse(Some(r#"{"credHelpers":null}"#)).unwrap();
        assert!(doc.object_mut("credHelpers", "not an object").is_ok());
    }
}
