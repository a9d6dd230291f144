//! `regvault export dockerconfig`: the one command that prints secrets, on
//! purpose — a `.dockerconfigjson` for `docker`, `kubectl` or CI.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Global, keys};
use crate::cli::exit;
use crate::cli::output::errln;
use crate::ops::OpsError;
use crate::ops::export::{ExportRequest, export};
use crate::registry::AuthError;

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Render a docker config.json (`{"auths": …}`) for saved registries.
    Dockerconfig {
        /// Registries to include (id or name): `--registry a b` or
        /// `--registry a --registry b`; default: all that have credentials.
        #[arg(long, value_name = "ID", num_args = 1..)]
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
    let done = export(&store, &req).map_err(|e| match e {
        // Two registries for one host: name the flag that chooses (exit 2).
        OpsError::Auth(AuthError::DuplicateServer {
            server,
            first,
            second,
        }) => exit::usage(format!(
            "registries '{first}' and '{second}' both log in to {server}; export only one of them with `--registry ID` (it takes several: `--registry ID…`)"
        )),
        other => other.into(),
    })?;
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
