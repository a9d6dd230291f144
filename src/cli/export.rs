//! `regvault export dockerconfig`: the one command that prints secrets, on
//! purpose — a `.dockerconfigjson` for `docker`, `kubectl` or CI.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Global, keys};
use crate::cli::output::errln;
use crate::ops::export::{ExportRequest, export};

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Render a docker config.json (`{"auths": …}`) for saved registries.
    Dockerconfig {
        /// Registries to include (id or name); default: all that have credentials.
        #[arg(long, value_name = "ID")]
        registry: Vec<String>,
        /// Write to this file (0600, atomically) instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(g: &Global, cmd: ExportCmd) -> anyhow::Result<i32> {
    let ExportCmd::Dockerconfig { registry, output } = cmd;
    let store = keys::store(g)?;
    let req = ExportRequest {
        registries: registry,
        output,
    };
    let done = export(&store, &req)?;
    for n in &done.notes {
        errln!("note: {n}");
    }
    match (&done.text, &req.output) {
        (Some(text), _) => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        (None, Some(path)) => {
            errln!("wrote {} ({} registries)", path.display(), done.count);
        }
        (None, None) => {}
    }
    Ok(0)
}
