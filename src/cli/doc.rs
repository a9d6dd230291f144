//! `regvault completions SHELL` and `regvault man`: generated from the
//! clap command tree, so they cannot drift from the flags.

use clap::CommandFactory;

use super::Cli;
use super::output::out_line;

/// The shells `completions` writes for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

pub fn completions(shell: Shell) -> i32 {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let target = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(target, &mut cmd, "regvault", &mut out);
    // Our own generated text (tabs and newlines are meant): not escaped.
    out_line(String::from_utf8_lossy(&out).trim_end());
    0
}

pub fn man() -> anyhow::Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    let text = String::from_utf8_lossy(&out);
    // `.TH` first, as man pages begin (file(1), mandb and a reader's eye
    // look for it there); clap_mangen puts its quote-string definitions
    // before it, and they need only come before their first use.
    let (th, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with(".TH "));
    // Our own generated text (tabs and newlines are meant): not escaped.
    out_line(&th.into_iter().chain(rest).collect::<Vec<_>>().join("\n"));
    Ok(0)
}
