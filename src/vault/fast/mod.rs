//! The fast path for the vault's own records: writing `[[registries]]` and
//! `[[containers]]` as TOML by hand, and reading back exactly that subset.
//!
//! Why: the `toml` crate's serde path spends ~100 ms writing and ~110 ms
//! reading a 10,000-registry vault (7.6 MB) and builds a whole intermediate
//! tree to do it; this subset runs several times faster with no tree. What
//! it writes is ordinary TOML (a test reads it back with the `toml` crate and
//! compares), and anything it does not recognise when reading — a hand-edited
//! or migrated file, a comment, an inline table — makes it answer `None`, so
//! the caller falls back to the full `toml` parser. It never guesses.
//!
//! `escape` owns TOML basic strings and `key = "value"` lines, `time` the
//! RFC 3339 timestamps, `write` and `read` the record layout.

mod escape;
mod read;
mod time;
mod write;

#[cfg(test)]
mod tests;

pub(crate) use read::parse_records;
pub(crate) use write::{estimate, render_records};
