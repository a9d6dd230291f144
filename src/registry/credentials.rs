//! A registry's credential fields by their seed names: the values the
//! catalogue's field schemas (`FieldSpec`) describe, each kept as a
//! `SecretValue`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::SecretValue;

/// A registry's credential fields by their seed names (`username`, `token`,
/// `accessKeyId`, …). Every value is a `SecretValue`, even non-secret ones
/// such as `region`: the catalogue's `FieldSpec::secret` decides what the
/// screen may show.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Credentials(BTreeMap<String, SecretValue>);

impl Credentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(SecretValue::expose)
    }

    pub fn set(&mut self, field: impl Into<String>, value: impl Into<String>) {
        self.0.insert(field.into(), SecretValue::new(value));
    }

    pub fn remove(&mut self, field: &str) {
        self.0.remove(field);
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Credentials {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut c = Credentials::new();
        for (k, v) in iter {
            c.set(k, v);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let c: Credentials = [("username", "bob"), ("token", "ghp_canary")]
            .into_iter()
            .collect();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("ghp_canary"), "{dbg}");
        assert!(!dbg.contains("bob"), "{dbg}");
        assert!(dbg.contains("token"));
    }
}
