//! Record ids: `reg-` / `ctr-` + 6 random lowercase letters or digits,
//! generated from the OS random source and checked when read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ID_LEN: usize = 6;

fn random_suffix() -> String {
    let mut bytes = [0u8; ID_LEN];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    // 252 = 7 * 36: reject above it to keep the alphabet uniform.
    let mut out = String::with_capacity(ID_LEN);
    let mut pool = bytes.to_vec();
    while out.len() < ID_LEN {
        if pool.is_empty() {
            let mut more = [0u8; 8];
            getrandom::fill(&mut more).expect("the OS random source failed");
            pool.extend_from_slice(&more);
        }
        let b = pool.remove(0);
        if b < 252 {
            out.push(ID_ALPHABET[(b % 36) as usize] as char);
        }
    }
    out
}

fn valid_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == ID_LEN
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

macro_rules! id_type {
    ($name:ident, $prefix:literal, $what:literal) => {
        #[doc = concat!("A ", $what, " id: `", $prefix, "` + 6 lowercase letters or digits.")]
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_suffix()))
            }

            pub fn parse(s: &str) -> Option<Self> {
                valid_id(s, $prefix).then(|| Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("'{}' is not a ", $what, " id (", $prefix, "xxxxxx)"),
                        s
                    ))
                })
            }
        }
    };
}

id_type!(RegistryId, "reg-", "registry");
id_type!(ContainerId, "ctr-", "container");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        for _ in 0..200 {
            let id = RegistryId::generate();
            assert!(RegistryId::parse(id.as_str()).is_some(), "{id}");
            assert_eq!(id.as_str().len(), 10);
        }
        assert!(RegistryId::parse("reg-ABC123").is_none());
        assert!(RegistryId::parse("reg-abc12").is_none());
        assert!(ContainerId::parse("ctr-abc123").is_some());
    }
}
