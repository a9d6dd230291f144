//! `regvault trust`: review how the vault differs from what this user last
//! saw of it (recipients added or removed, a rollback to an older save) and
//! accept it deliberately. Opening a vault refuses such a change until then.

use anyhow::{Context, bail};
use clap::Args;

use super::{Global, keys, prompt};
use crate::vault::Vault;

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Accept without asking (for scripts): only when the change is known to be deliberate.
    #[arg(long)]
    yes: bool,
}

pub fn run(g: &Global, args: &TrustArgs) -> anyhow::Result<i32> {
    let path = keys::vault_path(g);
    let sources = keys::key_sources(g, &path)?;
    let review =
        Vault::review(&path, &sources).with_context(|| format!("opening {}", path.display()))?;
    let change = review.change();
    if change.is_none() && !review.first_look() {
        println!(
            "{} is as you last saw it (save #{}): nothing to accept",
            path.display(),
            review.generation()
        );
        return Ok(0);
    }
    match &change {
        Some(change) => println!("{} changed since you last saw it: {change}", path.display()),
        None => println!(
            "{} has not been seen by you before (save #{})",
            path.display(),
            review.generation()
        ),
    }
    println!("it encrypts to:");
    for r in review.recipients() {
        println!("  {r}");
    }
    if !args.yes {
        let answer = prompt::line("Trust the vault as it is now? [y/N] ")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("not trusted: nothing was changed");
        }
    }
    review
        .accept()
        .with_context(|| format!("trusting {}", path.display()))?;
    println!(
        "trusted {} as it is now (save #{})",
        path.display(),
        review.generation()
    );
    Ok(0)
}
