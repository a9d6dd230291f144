//! `regvault compose login`: "docker login before pulling" for a compose
//! project — the auths of the registries its images use merged into
//! `$DOCKER_CONFIG/config.json` (other entries kept, 0600, atomic), then,
//! with `--pull`, its images pulled through the engine.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::json;

use super::output::print_json;
use super::{Global, keys};
use crate::deploy::compose_io::{self, ComposeLoginReport};
use crate::deploy::docker;

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
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(g: &Global, cmd: ComposeCmd) -> anyhow::Result<i32> {
    let ComposeCmd::Login(a) = cmd;
    let vault = keys::open(g)?;
    let compose_file = compose_io::find_compose_file(&a.project_dir, a.file.as_deref())?;
    let found = compose_io::compose_logins(vault.data(), &compose_file, Timestamp::now())?;
    let logins: Vec<_> = found.logins.iter().map(|(_, l)| l.clone()).collect();
    let mut report = ComposeLoginReport {
        compose_file,
        warnings: found.warnings.clone(),
        logged_in: found
            .logins
            .iter()
            .map(|(name, l)| (name.clone(), l.server.clone()))
            .collect(),
        ..ComposeLoginReport::default()
    };
    let dir = compose_io::docker_config_dir();
    if logins.is_empty() {
        report.warnings.push(
            "no saved registry serves this project's images: config.json was not changed"
                .to_owned(),
        );
    } else {
        let (path, warnings) = compose_io::write_config(&dir, &logins)?;
        report.config = path;
        report.warnings.extend(warnings);
    }
    if a.pull {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        report.pulled = rt.block_on(async {
            let engine = docker::connect(a.host.as_deref()).await?;
            anyhow::Ok(compose_io::pull_images(&engine, &found.images, &logins).await?)
        })?;
    }
    if a.json {
        print_json(&json!({
            "composeFile": report.compose_file,
            "config": report.config,
            "loggedIn": report.logged_in.iter().map(|(r, s)| json!({"registry": r, "server": s})).collect::<Vec<_>>(),
            "pulled": report.pulled,
            "warnings": report.warnings,
        }));
    } else {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
        for (r, s) in &report.logged_in {
            println!("{s}: login of '{r}' written to {}", report.config.display());
        }
        for i in &report.pulled {
            println!("pulled {i}");
        }
    }
    Ok(0)
}
