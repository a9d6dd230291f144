//! Whether a new vault passphrase is worth protecting credentials with: a
//! minimum length and zxcvbn's strength estimate (dictionary words, common
//! passwords, keyboard walks, dates, l33t substitutions). Nothing here
//! quotes the passphrase.

use age::secrecy::{ExposeSecret, SecretString};

/// Shorter passphrases are refused whatever their estimate.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// zxcvbn's score runs 0–4; 3 means "safely unguessable" (about 10^10
/// guesses) — scrypt then multiplies the cost of each guess.
pub const MIN_PASSPHRASE_SCORE: u8 = 3;
/// zxcvbn's matching grows faster than linearly: only this much is scored.
const SCORED_CHARS: usize = 100;

/// Why a new passphrase is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WeakPassphrase {
    #[error(
        "the passphrase is too short: at least {MIN_PASSPHRASE_CHARS} characters (it has {0}); \
         four or more random words make a good one"
    )]
    TooShort(usize),
    #[error(
        "the passphrase is too easy to guess (strength {score} of 4, {MIN_PASSPHRASE_SCORE} needed){hint}; \
         four or more random words make a good one"
    )]
    Guessable { score: u8, hint: String },
}

/// Checks a passphrase about to protect a new vault. `context` are words a
/// guesser would try first (the user name, the host).
pub fn check_new_passphrase(pass: &SecretString, context: &[&str]) -> Result<(), WeakPassphrase> {
    let text = pass.expose_secret();
    let chars = text.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(WeakPassphrase::TooShort(chars));
    }
    let end = text
        .char_indices()
        .nth(SCORED_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let estimate = zxcvbn::zxcvbn(&text[..end], context);
    let score = u8::from(estimate.score());
    if score < MIN_PASSPHRASE_SCORE {
        // zxcvbn's warnings are fixed sentences, never the input.
        let hint = estimate
            .feedback()
            .and_then(zxcvbn::feedback::Feedback::warning)
            .map(|w| {
                let w = w.to_string();
                format!(": {}", w.trim_end_matches('.').to_lowercase())
            })
            .unwrap_or_default();
        return Err(WeakPassphrase::Guessable { score, hint });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<(), WeakPassphrase> {
        check_new_passphrase(&SecretString::from(p.to_owned()), &["alice"])
    }

    #[test]
    fn weak_passphrases_are_refused_without_being_quoted() {
        assert_eq!(check("password1"), Err(WeakPassphrase::TooShort(9)));
        for p in [
            "password1234",
            "qwertyuiop123",
            "alicealice2024",
            "aaaaaaaaaaaaaaaa",
        ] {
            let err = check(p).unwrap_err().to_string();
            assert!(err.contains("too easy to guess"), "{p}: {err}");
            assert!(!err.contains(p), "{err}");
        }
    }

    #[test]
    fn good_passphrases_pass() {
        for p in [
            "correct horse battery staple",
            "umbrella-quartz-tundra-fjord",
            "a long enough test passphrase",
        ] {
            check(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }
}
