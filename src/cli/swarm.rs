//! `regvault swarm apply|sync|check`: argument parsing and printing around
//! `ops::swarm` — a registry's containers as Docker Swarm services with
//! registry auth, through the engine API (`DOCKER_HOST` or `--host`). The
//! login is checked on the node (`POST /auth`) first; every service
//! reports its own outcome and the exit code is 1 when any failed (3 when
//! the registry refused the login). Ctrl-C
//! stops before the next service.

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::output::{print_json, print_table};
use super::{Global, block_on, keys};
use crate::cli::exit::{self, ExitClass};
use crate::cli::output::{errln, outln};
use crate::deploy::docker::LoginCheck;
use crate::ops::quiet;
use crate::ops::swarm::{self as ops, ServiceState, SwarmRequest};

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
    /// Allow plain tcp to an engine that is not on loopback (registry auth
    /// then crosses the network in cleartext); TLS (DOCKER_TLS_VERIFY) is
    /// the safe way.
    #[arg(long)]
    allow_plain_tcp: bool,
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
    let engine = match &cmd {
        SwarmCmd::Apply(a) => &a.engine,
        SwarmCmd::Sync(a) | SwarmCmd::Check(a) => a,
    };
    if engine.allow_plain_tcp {
        crate::deploy::docker::allow_plain_tcp(true);
    }
    match cmd {
        SwarmCmd::Apply(a) => apply(g, &a),
        SwarmCmd::Sync(a) => sync(g, &a),
        SwarmCmd::Check(a) => check(g, &a),
    }
}

fn refused(a: &EngineArgs, server: &str, detail: &str) -> i32 {
    if a.json {
        print_json(&json!({"registry": a.registry, "server": server,
            "login": {"outcome": "badCredentials", "detail": detail}}));
    } else {
        errln!(
            "error: {server} refused the credentials of '{}' (checked on the node): {detail}",
            a.registry
        );
    }
    // "Credentials refused": the exit class 3 (see `regvault --help`).
    crate::cli::exit::ExitClass::Refused.code()
}

fn check(g: &Global, a: &EngineArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let c =
        block_on(async |cancel| ops::check(&store, &a.registry, a.host.as_deref(), cancel).await)??;
    if let LoginCheck::BadCredentials { detail } = &c.login {
        return Ok(refused(a, &c.server, detail));
    }
    if a.json {
        print_json(&json!({"registry": c.registry, "server": c.server,
            "endpoint": c.endpoint, "login": {"outcome": "ok"}}));
    } else {
        outln!("{}: login ok on the node ({})", c.server, c.endpoint);
    }
    Ok(0)
}

fn apply(g: &Global, a: &ApplyArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let e = &a.engine;
    let req = SwarmRequest {
        registry: e.registry.clone(),
        environments: a.environment.clone().into_iter().collect(),
        host: e.host.clone(),
        networks: a.network.clone(),
    };
    let report = block_on(async |cancel| ops::apply(&store, &req, &quiet, cancel).await)??;
    if let LoginCheck::BadCredentials { detail } = &report.login {
        return Ok(refused(e, &report.server, detail));
    }
    let mut rows = vec![vec![
        "SERVICE".to_owned(),
        "IMAGE".to_owned(),
        "RESULT".to_owned(),
    ]];
    let mut results = Vec::new();
    for s in &report.services {
        let plan = &s.plan;
        let (result, v) = match &s.state {
            ServiceState::Done(o) => (
                format!("{:?}", o.action).to_lowercase(),
                json!({"service": o.service,
                "serviceId": o.service_id, "image": o.image, "container": plan.container_name,
                "environment": plan.environment, "result": o.action}),
            ),
            ServiceState::Failed(err) => (
                format!("error: {err}"),
                json!({"service": plan.service, "image": plan.image,
                "container": plan.container_name, "environment": plan.environment,
                "result": "error", "error": err.to_string()}),
            ),
            ServiceState::Cancelled => (
                "cancelled: not started".to_owned(),
                json!({"service": plan.service, "image": plan.image,
                "container": plan.container_name, "environment": plan.environment,
                "result": "cancelled"}),
            ),
        };
        rows.push(vec![plan.service.clone(), plan.image.clone(), result]);
        results.push(v);
    }
    if e.json {
        print_json(
            &json!({"registry": report.registry, "server": report.server, "endpoint": report.endpoint,
            "login": {"outcome": "ok"}, "services": Value::Array(results),
            "cancelled": report.cancelled}),
        );
    } else {
        outln!(
            "{}: login ok on the node ({})",
            report.server,
            report.endpoint
        );
        print_table(&rows);
    }
    // The highest class among the services (an engine lost midway: 4).
    let worst = ExitClass::worst(report.services.iter().map(|s| match &s.state {
        ServiceState::Done(_) => ExitClass::Ok,
        ServiceState::Failed(e) => exit::class_of_error(e),
        ServiceState::Cancelled => ExitClass::Failed,
    }));
    Ok(worst.code().max(i32::from(report.failed())))
}

fn sync(g: &Global, a: &EngineArgs) -> anyhow::Result<i32> {
    let store = keys::store(g)?;
    let report = block_on(async |cancel| {
        ops::sync(&store, &a.registry, a.host.as_deref(), &quiet, cancel).await
    })??;
    if let LoginCheck::BadCredentials { detail } = &report.login {
        return Ok(refused(a, &report.server, detail));
    }
    if a.json {
        print_json(
            &json!({"registry": report.registry, "server": report.server, "endpoint": report.endpoint,
            "services": report.services, "cancelled": report.cancelled}),
        );
    } else if report.services.is_empty() {
        outln!(
            "no services of '{}' on {}",
            report.registry,
            report.endpoint
        );
    } else {
        let mut rows = vec![vec![
            "SERVICE".to_owned(),
            "IMAGE".to_owned(),
            "RESULT".to_owned(),
        ]];
        rows.extend(report.services.iter().map(|o| {
            vec![
                o.service.clone(),
                o.image.clone(),
                "credentials updated".to_owned(),
            ]
        }));
        print_table(&rows);
    }
    Ok(i32::from(report.cancelled))
}
