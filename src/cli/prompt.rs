//! Reading secrets from people and files: masked prompts on a terminal,
//! `REGVAULT_PASSPHRASE_FILE` for scripts. Never from argv.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::registry::FieldSpec;

pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Reads a file holding one secret, dropping one trailing newline (editors
/// and `echo` add it; a credential never ends in one).
pub fn read_secret_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(Zeroizing::new(trimmed.to_owned()))
}

/// The vault passphrase: `REGVAULT_PASSPHRASE_FILE`, else a masked prompt.
/// `confirm` is for a new passphrase: asked twice, and refused when weak.
pub fn passphrase(confirm: bool) -> anyhow::Result<SecretString> {
    let pass = read_passphrase(confirm)?;
    if confirm {
        let user = crate::model::current_user();
        let name = user.split('@').next().unwrap_or_default();
        crate::vault::check_new_passphrase(&pass, &[name, "regvault", "vault"])?;
    }
    Ok(pass)
}

/// A passphrase for something other than the vault (an encrypted key):
/// `REGVAULT_PASSPHRASE_FILE`, else a masked prompt showing `label`.
pub fn key_passphrase(label: &str) -> anyhow::Result<SecretString> {
    read_labelled(label, false)
}

fn read_passphrase(confirm: bool) -> anyhow::Result<SecretString> {
    read_labelled("Vault passphrase: ", confirm)
}

fn read_labelled(label: &str, confirm: bool) -> anyhow::Result<SecretString> {
    if let Some(path) = std::env::var_os("REGVAULT_PASSPHRASE_FILE") {
        let p = read_secret_file(Path::new(&path)).context("REGVAULT_PASSPHRASE_FILE")?;
        if p.is_empty() {
            bail!("REGVAULT_PASSPHRASE_FILE holds an empty passphrase");
        }
        return Ok(SecretString::from(p.to_string()));
    }
    if !interactive() {
        bail!(
            "this needs the vault passphrase: set REGVAULT_PASSPHRASE_FILE, or run on a terminal"
        );
    }
    let first = Zeroizing::new(rpassword::prompt_password(label)?);
    if first.is_empty() {
        bail!("the passphrase must not be empty");
    }
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password("Repeat passphrase: ")?);
        if *again != *first {
            bail!("the passphrases differ");
        }
    }
    Ok(SecretString::from(first.to_string()))
}

/// Asks for one credential field on the terminal: secrets without echo, the
/// multi-line JSON key as a path to its file.
pub fn field(spec: &FieldSpec) -> anyhow::Result<Zeroizing<String>> {
    if spec.multiline {
        let path = line(&format!(
            "{} ({}) — path to the file: ",
            spec.label, spec.name
        ))?;
        return read_secret_file(Path::new(path.trim()));
    }
    if spec.secret {
        let v = rpassword::prompt_password(format!("{} ({}): ", spec.label, spec.name))?;
        return Ok(Zeroizing::new(v));
    }
    line(&format!("{} ({}): ", spec.label, spec.name))
}

/// How many answers a prompt takes before it gives up (exit 2, usage).
pub const TRIES: u32 = 3;

/// Asks with `read` until `check` accepts the answer: a bad answer prints
/// its reason (a validation message, which never echoes the value) and
/// asks again; the third bad answer aborts as a usage error (exit 2), so
/// nothing typed before is lost to a typo and a script stuck at a prompt
/// still ends.
pub fn ask<T>(
    what: &str,
    mut read: impl FnMut() -> anyhow::Result<Zeroizing<String>>,
    mut check: impl FnMut(&str) -> Result<T, String>,
) -> anyhow::Result<T> {
    let mut last = String::new();
    for left in (0..TRIES).rev() {
        let answer = read()?;
        match check(&answer) {
            Ok(v) => return Ok(v),
            Err(why) if left > 0 => {
                let tries = if left == 1 { "try" } else { "tries" };
                crate::cli::output::errln!("{what}: {why} — try again ({left} {tries} left)");
                last = why;
            }
            Err(why) => last = why,
        }
    }
    Err(crate::cli::exit::usage(format!(
        "{what}: {last} ({TRIES} tries; nothing was saved)"
    )))
}

/// `field`, asked again while `kind`'s validation finds an error in it
/// (the multi-line JSON key: while its file cannot be read or is not
/// valid).
pub fn valid_field(
    kind: crate::registry::RegistryKind,
    spec: &FieldSpec,
) -> anyhow::Result<Zeroizing<String>> {
    let check = |value: &str| {
        crate::registry::validate_field(kind, spec.name, value)
            .into_iter()
            .find(crate::registry::Finding::is_error)
            .map_or(Ok(()), |f| Err(f.message))
    };
    if spec.multiline {
        let label = format!("{} ({}) — path to the file: ", spec.label, spec.name);
        return ask(
            spec.name,
            || line(&label),
            |path| {
                let text =
                    read_secret_file(Path::new(path.trim())).map_err(|e| format!("{e:#}"))?;
                check(&text)?;
                Ok(text)
            },
        );
    }
    let mut kept = Zeroizing::new(String::new());
    ask(
        spec.name,
        || field(spec),
        |value| {
            check(value)?;
            value.clone_into(&mut kept);
            Ok(())
        },
    )?;
    Ok(kept)
}

/// A plain (echoed) line from the terminal.
pub fn line(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut buf = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut buf)?;
    let trimmed = buf.trim_end_matches(['\n', '\r']).to_owned();
    Ok(Zeroizing::new(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(list: &[&str]) -> impl FnMut() -> anyhow::Result<Zeroizing<String>> {
        let mut left: Vec<String> = list.iter().rev().map(|s| (*s).to_owned()).collect();
        move || Ok(Zeroizing::new(left.pop().expect("asked too often")))
    }

    fn even(s: &str) -> Result<u32, String> {
        let n: u32 = s.parse().map_err(|_| "not a number".to_owned())?;
        if n.is_multiple_of(2) {
            Ok(n)
        } else {
            Err("odd".into())
        }
    }

    #[test]
    fn a_bad_answer_is_asked_again_until_a_good_one() {
        assert_eq!(ask("n", answers(&["x", "3", "4"]), even).unwrap(), 4);
    }

    #[test]
    fn the_third_bad_answer_is_a_usage_error_naming_the_last_reason() {
        let e = ask("n", answers(&["x", "3", "5", "6"]), even).unwrap_err();
        assert_eq!(crate::cli::exit::exit_class(&e), 2);
        assert_eq!(e.to_string(), "n: odd (3 tries; nothing was saved)");
    }
}
