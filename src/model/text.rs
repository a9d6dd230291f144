//! Text a user typed that other users' terminals will show: the name rule
//! (bounded, printable) applied on input, and `escape` applied on output to
//! whatever is already stored (an older vault, a hand-edited one, a
//! `createdBy` taken from `$USER`).
//!
//! A name with `ESC ] 0 ; … BEL` in it retitles the terminal of whoever runs
//! `registry list`; one with U+202E (right-to-left override) shows a
//! different name than the one stored. Neither belongs in a name.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::RuleError;

/// Names are at most this many characters (a DNS label's length: long
/// enough for any real name, short enough for a table column).
pub const MAX_NAME_CHARS: usize = 63;

/// Characters that change how the text around them is shown without being
/// seen themselves: bidirectional embeddings, overrides and isolates, and
/// zero-width characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}'                  // Arabic letter mark
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // LRI, RLI, FSI, PDI
        | '\u{FEFF}'                // zero-width no-break space (BOM)
    )
}

/// A character that must not be printed raw to a terminal: a control
/// character or an invisible formatting one.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// The name rule for registries and containers: not empty, at most
/// `MAX_NAME_CHARS` characters, no control or invisible formatting
/// characters. `field` names the input in the message (`name`).
///
/// The length is checked first and by bytes before characters, so a
/// 10 MB name is refused without walking it.
pub fn check_name(field: &'static str, name: &str) -> Result<(), RuleError> {
    let bad = |message: String| RuleError::BadName { field, message };
    if name.trim().is_empty() {
        return Err(RuleError::EmptyName);
    }
    // A char is at most 4 bytes: past this many bytes it is surely too long.
    if name.len() > MAX_NAME_CHARS * 4 || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(format!(
            "at most {MAX_NAME_CHARS} characters (this one has {})",
            if name.len() > MAX_NAME_CHARS * 4 {
                format!("{} bytes", name.len())
            } else {
                name.chars().count().to_string()
            }
        )));
    }
    if let Some(c) = name.chars().find(|&c| is_unsafe(c)) {
        let kind = if c.is_control() {
            "a control character"
        } else {
            "an invisible formatting character"
        };
        return Err(bad(format!(
            "{kind} (U+{:04X}) is not allowed: use printable characters",
            u32::from(c)
        )));
    }
    Ok(())
}

/// `text` with every control or invisible formatting character written as a
/// visible escape (`\x1b`, `\u{202e}`); text without any is borrowed as is.
#[must_use]
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if u32::from(c) < 0x100 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for n in [
            "ghcr",
            "Prod ECR (eu-west-1)",
            "café-registry",
            "注册表",
            &"a".repeat(63),
        ] {
            check_name("name", n).unwrap();
        }
    }

    #[test]
    fn a_ten_megabyte_name_is_refused_without_walking_it() {
        let huge = "a".repeat(10 * 1024 * 1024);
        let start = std::time::Instant::now();
        let err = check_name("name", &huge).unwrap_err().to_string();
        assert!(err.contains("at most 63 characters"), "{err}");
        assert!(
            err.len() < 200,
            "the message quotes the name: {}",
            err.len()
        );
        // Not a benchmark: a loose bound that only a walk of the text misses.
        assert!(start.elapsed() < std::time::Duration::from_millis(50));
        let err = check_name("name", &"é".repeat(64)).unwrap_err().to_string();
        assert!(err.contains("this one has 64"), "{err}");
    }

    #[test]
    fn terminal_escapes_and_bidi_overrides_are_refused() {
        let err = check_name("name", "\x1b]0;pwned\x07")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "name: a control character (U+001B) is not allowed: use printable characters"
        );
        assert!(!err.contains('\x1b'));
        let err = check_name("name", "prod\u{202E}dorp")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invisible formatting character (U+202E)"),
            "{err}"
        );
        for n in [
            "a\tb",
            "a\nb",
            "a\u{7f}",
            "a\u{9b}31m",
            "a\u{200b}b",
            "\u{2066}x",
        ] {
            assert!(check_name("name", n).is_err(), "{n:?}");
        }
    }

    #[test]
    fn escape_makes_them_visible_and_leaves_the_rest() {
        assert!(matches!(escape("plain café"), Cow::Borrowed(_)));
        assert_eq!(escape("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
        assert_eq!(escape("a\u{202E}b\u{9b}"), "a\\u{202e}b\\x9b");
    }
}
