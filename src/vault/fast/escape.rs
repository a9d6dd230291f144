//! TOML basic strings and `key = "value"` lines, both ways: escaping on the
//! way out, and reading back exactly what the writer produces (anything else
//! answers `None`).

use std::fmt::Write as _;

fn bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Bytes a basic string must escape: `"`, `\\`, control characters.
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
/// Runs of plain bytes are copied whole (the JSON keys are kilobytes long).
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            other => {
                let _ = write!(out, "\\u{other:04X}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

pub(super) fn push_kv(out: &mut String, key: &str, value: &str) {
    if bare_key(key) {
        out.push_str(key);
    } else {
        push_str(out, key);
    }
    out.push_str(" = ");
    push_str(out, value);
    out.push('\n');
}

/// Reads one basic string; returns it and what follows the closing quote.
/// `None` on anything our writer would not have written.
fn read_str(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let bytes = rest.as_bytes();
    let mut out = String::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !needs_escape(b) {
            i += 1;
            continue;
        }
        // All three cut points are ASCII, so the slices are on char bounds.
        out.push_str(&rest[start..i]);
        match b {
            b'"' => return Some((out, &rest[i + 1..])),
            b'\\' => {
                let esc = *bytes.get(i + 1)?;
                i += 2;
                match esc {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'n' => out.push('\n'),
                    b't' => out.push('\t'),
                    b'r' => out.push('\r'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'u' | b'U' => {
                        let n = if esc == b'u' { 4 } else { 8 };
                        let hex = rest.get(i..i + n)?;
                        if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                            return None;
                        }
                        out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                        i += n;
                    }
                    _ => return None,
                }
            }
            b'\t' => {
                out.push('\t');
                i += 1;
            }
            // TOML forbids other raw control characters in strings.
            _ => return None,
        }
        start = i;
    }
    None
}

/// `key = "value"` with nothing after the value.
pub(super) fn read_kv(line: &str) -> Option<(String, String)> {
    let (key, rest) = if line.starts_with('"') {
        read_str(line)?
    } else {
        let end = line.find(' ')?;
        let k = &line[..end];
        if !bare_key(k) {
            return None;
        }
        (k.to_owned(), &line[end..])
    };
    let (value, tail) = read_str(rest.strip_prefix(" = ")?)?;
    tail.is_empty().then_some((key, value))
}

/// `key = ["a", "b"]`: a bare key and an array of basic strings on one line.
pub(super) fn push_str_list(out: &mut String, key: &str, values: &[String]) {
    debug_assert!(bare_key(key));
    out.push_str(key);
    out.push_str(" = [");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_str(out, v);
    }
    out.push_str("]\n");
}

/// The values of a `push_str_list` line whose key is `key`; `None` when the
/// line is another key or not exactly what the writer writes.
pub(super) fn read_str_list(line: &str, key: &str) -> Option<Vec<String>> {
    let mut rest = line.strip_prefix(key)?.strip_prefix(" = [")?;
    let mut values = Vec::new();
    if let Some(tail) = rest.strip_prefix(']') {
        return tail.is_empty().then_some(values);
    }
    loop {
        let (v, tail) = read_str(rest)?;
        values.push(v);
        if let Some(tail) = tail.strip_prefix(", ") {
            rest = tail;
        } else {
            return (tail == "]").then_some(values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn key_value_lines_round_trip(key in "\\PC{1,12}", value in any::<String>()) {
            let mut line = String::new();
            push_kv(&mut line, &key, &value);
            let line = line.strip_suffix('\n').unwrap();
            prop_assert_eq!(read_kv(line), Some((key, value)));
        }

        #[test]
        fn string_lists_round_trip(values in proptest::collection::vec(any::<String>(), 0..4)) {
            let mut line = String::new();
            push_str_list(&mut line, "delegates", &values);
            let line = line.strip_suffix('\n').unwrap();
            prop_assert_eq!(read_str_list(line, "delegates"), Some(values));
        }
    }
}
