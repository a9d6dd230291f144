//! `regvault swarm apply|sync|check`: a registry's containers as Docker
//! Swarm services with registry auth, through the engine API (`DOCKER_HOST`
//! or `--host`). The login is checked on the node (`POST /auth`) first;
//! every service reports its own outcome and the exit code is 1 when any
//! failed.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::output::{print_json, print_table};
use super::{Global, keys};
use crate::deploy::docker::{self, Engine, LoginCheck};
use crate::deploy::login_for;
use crate::deploy::swarm::service_plans;
use crate::model::Registry;
use crate::registry::DockerLogin;

#[derive(Debug, Subcommand)]
pub enum SwarmCmd {
    /// Create or update one service per container of the registry, with
    /// registry auth (`docker service create/update --with-registry-auth`).
    Apply(ApplyArgs),
    /// After a rotation: give the registry's services the new credentials
    /// (their spec is kept; running tasks are not restarted).
    Sync(EngineArgs),
    /// Check the registry's credentials on the node (the engine's `/auth`).
    Check(EngineArgs),
}

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// The registry (id or name).
    registry: String,
    /// The engine endpoint, e.g. unix:///var/run/docker.sock [default: DOCKER_HOST]
    #[arg(long, value_name = "ENDPOINT")]
    host: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Only the containers of this environment.
    #[arg(long, short = 'e', value_name = "ENV")]
    environment: Option<String>,
    /// Attach new services to this network (repeat) [default: no network
    /// and no published port; Swarm on dockerd 20.10 refuses `none`]
    #[arg(long, value_name = "NAME")]
    network: Vec<String>,
}

pub fn run(g: &Global, cmd: SwarmCmd) -> anyhow::Result<i32> {
    match cmd {
        SwarmCmd::Apply(a) => apply(g, a),
        SwarmCmd::Sync(a) => sync(g, &a),
        SwarmCmd::Check(a) => check(g, &a),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn login_of(r: &Registry) -> anyhow::Result<DockerLogin> {
    login_for(r, Timestamp::now())
        .with_context(|| format!("registry '{}'", r.name))?
        .ok_or_else(|| anyhow::anyhow!("registry '{}' is public: it needs no credentials", r.name))
}

/// Connects and checks the login on the node; a refused login ends here.
async fn checked(a: &EngineArgs, login: &DockerLogin) -> anyhow::Result<Result<Engine, String>> {
    let engine = docker::connect(a.host.as_deref()).await?;
    match engine.check_login(login).await? {
        LoginCheck::Ok => Ok(Ok(engine)),
        LoginCheck::BadCredentials { detail } => Ok(Err(detail)),
    }
}

fn refused(a: &EngineArgs, server: &str, detail: &str) -> i32 {
    if a.json {
        print_json(&json!({"registry": a.registry, "server": server,
            "login": {"outcome": "badCredentials", "detail": detail}}));
    } else {
        eprintln!(
            "error: {server} refused the credentials of '{}' (checked on the node): {detail}",
            a.registry
        );
    }
    1
}

fn check(g: &Global, a: &EngineArgs) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let r = vault.data().find_registry(&a.registry)?;
    let login = login_of(r)?;
    let rt = runtime()?;
    match rt.block_on(checked(a, &login))? {
        Err(detail) => Ok(refused(a, &login.server, &detail)),
        Ok(engine) => {
            if a.json {
                print_json(&json!({"registry": r.name, "server": login.server,
                    "endpoint": engine.endpoint, "login": {"outcome": "ok"}}));
            } else {
                println!(
                    "{}: login ok on the node ({})",
                    login.server, engine.endpoint
                );
            }
            Ok(0)
        }
    }
}

fn apply(g: &Global, a: ApplyArgs) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let data = vault.data();
    let e = &a.engine;
    let r = data.find_registry(&e.registry)?;
    let login = login_of(r)?;
    let plans = service_plans(data, r, a.environment.as_deref(), &login.server);
    if plans.is_empty() {
        bail!(
            "registry '{}' has no containers{}: add one with `regvault container add`",
            r.name,
            a.environment
                .as_deref()
                .map(|e| format!(" in environment '{e}'"))
                .unwrap_or_default()
        );
    }
    let rt = runtime()?;
    let engine = match rt.block_on(checked(e, &login))? {
        Ok(engine) => engine,
        Err(detail) => return Ok(refused(e, &login.server, &detail)),
    };
    let mut rows = vec![vec![
        "SERVICE".to_owned(),
        "IMAGE".to_owned(),
        "RESULT".to_owned(),
    ]];
    let mut results = Vec::new();
    let mut failed = false;
    for plan in &plans {
        let outcome = rt.block_on(engine.apply_service(plan, r, &login, &a.network));
        let (result, v) = match outcome {
            Ok(o) => (
                format!("{:?}", o.action).to_lowercase(),
                json!({"service": o.service,
                "serviceId": o.service_id, "image": o.image, "container": plan.container_name,
                "environment": plan.environment, "result": o.action}),
            ),
            Err(err) => {
                failed = true;
                (
                    format!("error: {err}"),
                    json!({"service": plan.service, "image": plan.image,
                    "container": plan.container_name, "environment": plan.environment,
                    "result": "error", "error": err.to_string()}),
                )
            }
        };
        rows.push(vec![plan.service.clone(), plan.image.clone(), result]);
        results.push(v);
    }
    if e.json {
        print_json(
            &json!({"registry": r.name, "server": login.server, "endpoint": engine.endpoint,
            "login": {"outcome": "ok"}, "services": Value::Array(results)}),
        );
    } else {
        println!(
            "{}: login ok on the node ({})",
            login.server, engine.endpoint
        );
        print_table(&rows);
    }
    Ok(i32::from(failed))
}

fn sync(g: &Global, a: &EngineArgs) -> anyhow::Result<i32> {
    let vault = keys::open(g)?;
    let r = vault.data().find_registry(&a.registry)?;
    let login = login_of(r)?;
    let rt = runtime()?;
    let engine = match rt.block_on(checked(a, &login))? {
        Ok(engine) => engine,
        Err(detail) => return Ok(refused(a, &login.server, &detail)),
    };
    let updated = rt.block_on(engine.sync_services(r, &login))?;
    if a.json {
        print_json(
            &json!({"registry": r.name, "server": login.server, "endpoint": engine.endpoint,
            "services": updated}),
        );
    } else if updated.is_empty() {
        println!("no services of '{}' on {}", r.name, engine.endpoint);
    } else {
        let mut rows = vec![vec![
            "SERVICE".to_owned(),
            "IMAGE".to_owned(),
            "RESULT".to_owned(),
        ]];
        rows.extend(updated.iter().map(|o| {
            vec![
                o.service.clone(),
                o.image.clone(),
                "credentials updated".to_owned(),
            ]
        }));
        print_table(&rows);
    }
    Ok(0)
}
