//! `regvault compose login`: "docker login before pulling" for a compose
//! project — the auths of the registries its images use merged into
//! `$DOCKER_CONFIG/config.json` (other entries kept, 0600, atomic), then,
//! with `--pull`, its images pulled through the engine. A thin face over
//! `ops::compose`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::print_json;
use super::{Global, block_on, keys};
use crate::cli::output::{errln, outln};
use crate::ops::compose::{self as ops, ComposeRequest};

#[derive(Debug, Subcommand)]
pub enum ComposeCmd {
    /// Write the project's registry logins into $DOCKER_CONFIG/config.json
    /// [default: ~/.docker/config.json]; `--pull` then pulls its images.
    Login(LoginArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The compose project's directory.
    #[arg(long, default_value = ".", value_name = "DIR")]
    project_dir: PathBuf,
    /// The compose file (relative to the project directory)
    /// [default: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml]
    #[arg(long, short = 'f', value_name = "FILE")]
    file: Option<PathBuf>,
    /// Then pull, through the engine and with these logins, the project's
    /// images that a saved registry serves.
    #[arg(long)]
    pull: bool,
    /// The engine endpoint for `--pull` [default: DOCKER_HOST]
    #[arg(long, value_name = "ENDPOINT")]
    host: Option<String>,
    /// Allow plain tcp to an engine that is not on loopback for `--pull`
    /// (registry auth then crosses the network in cleartext).
    #[arg(long)]
    allow_plain_tcp: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(g: &Global, cmd: ComposeCmd) -> anyhow::Result<i32> {
    let ComposeCmd::Login(a) = cmd;
    if a.allow_plain_tcp {
        crate::deploy::docker::allow_plain_tcp(true);
    }
    let store = keys::store(g)?;
    let req = ComposeRequest {
        project_dir: a.project_dir,
        file: a.file,
        pull: a.pull,
        host: a.host,
    };
    let report = block_on(async |cancel| ops::login(&store, &req, cancel).await)??;
    let plan = &report.plan;
    let config = if report.written {
        plan.config.clone()
    } else {
        PathBuf::new()
    };
    if a.json {
        print_json(&json!({
            "composeFile": plan.compose_file,
            "config": config,
            "loggedIn": plan.logins.iter().map(|(r, s)| json!({"registry": r, "server": s})).collect::<Vec<_>>(),
            "pulled": report.pulled,
            "warnings": plan.warnings,
        }));
    } else {
        for w in &plan.warnings {
            errln!("warning: {w}");
        }
        for (r, s) in &plan.logins {
            outln!("{s}: login of '{r}' written to {}", config.display());
        }
        for i in &report.pulled {
            outln!("pulled {i}");
        }
    }
    Ok(0)
}
