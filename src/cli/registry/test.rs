//! `registry test`: Test Connection through `ops::test` (test-and-record
//! for a saved registry, a plain check for a file) and its printed report.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use jiff::Timestamp;
use serde_json::json;

use crate::cli::exit::ExitClass;
use crate::cli::output::{self, print_json};
use crate::cli::output::{errln, outln};
use crate::cli::{Global, keys};
use crate::model::Connection;
use crate::ops::test::{self as ops, Live, OFFLINE_OK, Offline, TestOptions, TestReport, Tester};
use crate::probe::{ProbeReport, StepStatus};
use crate::registry::RegistryKind;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Registry id (reg-…) or name; or check a file with --from-file instead.
    #[arg(required_unless_present = "from_file")]
    registry: Option<String>,
    /// Check a registry file (YAML, TOML or JSON; `-` for stdin) without saving it.
    #[arg(long, value_name = "FILE|-", conflicts_with = "registry")]
    from_file: Option<String>,
    /// Also check that these credentials may pull this image
    /// (NAME[:TAG] or NAME@DIGEST; the tag defaults to latest).
    #[arg(long, value_name = "NAME[:TAG]")]
    image: Option<String>,
    /// Only the structural check: nothing is sent anywhere.
    #[arg(long, conflicts_with = "image")]
    offline: bool,
    /// Give up on the whole check after this many seconds [default: 15].
    #[arg(long, value_name = "SECS", env = "REGVAULT_PROBE_TIMEOUT")]
    timeout: Option<f64>,
    /// Give up connecting after this many seconds [default: 5].
    #[arg(long, value_name = "SECS", env = "REGVAULT_PROBE_CONNECT_TIMEOUT")]
    connect_timeout: Option<f64>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

fn secs(flag: &str, v: Option<f64>) -> anyhow::Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(crate::cli::exit::usage(format!(
            "--{flag} takes a positive number of seconds, got {s}"
        ))),
    }
}

pub(super) fn test(g: &Global, args: &TestArgs) -> anyhow::Result<i32> {
    let opts = TestOptions {
        image: args.image.clone(),
        total_timeout: secs("timeout", args.timeout)?,
        connect_timeout: secs("connect-timeout", args.connect_timeout)?,
    };
    let tester: &dyn Tester = if args.offline {
        &Offline {
            ok_summary: OFFLINE_OK,
        }
    } else {
        &Live
    };
    let mut unrecorded = false;
    let (label, kind, report) = if let Some(spec) = &args.from_file {
        let mut items = super::input::read_import(spec)?;
        if items.len() != 1 {
            bail!(
                "test takes one registry from the file, found {}",
                items.len()
            );
        }
        let item = items.remove(0);
        let kind = item.kind.context("type: required in the file")?;
        let label = item.name.clone().unwrap_or_else(|| "(file)".into());
        let creds = item.credentials;
        let report = crate::cli::block_on(async |cancel| {
            ops::test_credentials(tester, kind, &creds, Connection::default(), &opts, cancel).await
        })?;
        (label, kind, report)
    } else {
        let id = args.registry.as_deref().unwrap_or_default();
        let store = keys::store(g)?;
        // Ctrl-C stops the check and still reports (and records) how far it got.
        let t = crate::cli::block_on(async |cancel| {
            ops::test_registry(&store, tester, id, &opts, cancel).await
        })??;
        let label = format!("{} ({})", t.name, t.id);
        if let Err(e) = &t.recorded {
            errln!("error: the result was not recorded: {e}");
            unrecorded = true;
        }
        (label, t.kind, t.report)
    };
    if args.offline {
        print_offline(args, &label, kind, &report);
    } else if args.json {
        let mut v = serde_json::to_value(&report.probe).unwrap_or_default();
        v["registry"] = json!(label);
        v["type"] = json!(kind);
        v["summary"] = json!(report.summary());
        print_json(&v);
    } else {
        print_report(&label, kind, &report.probe);
    }
    // By class: 3 refused, 4 unreachable, 1 anything else that failed.
    let class = if report.passed() {
        ExitClass::Ok
    } else if args.offline {
        ExitClass::Failed
    } else {
        ExitClass::of_test(report.probe.outcome)
    };
    let unrecorded = if unrecorded {
        ExitClass::Failed
    } else {
        ExitClass::Ok
    };
    Ok(ExitClass::worst([class, unrecorded]).code())
}

fn print_report(label: &str, kind: RegistryKind, report: &ProbeReport) {
    match &report.endpoint {
        Some(e) => outln!("{label} {kind} → {e}"),
        None => outln!("{label} {kind}"),
    }
    for step in &report.steps {
        let tag = match step.status {
            StepStatus::Passed => "[ok]  ",
            StepStatus::Failed => "[FAIL]",
            StepStatus::Skipped => "[skip]",
        };
        outln!("  {tag} {:<21} {}", step.step.label(), step.detail);
    }
    if let Some(ecr) = &report.ecr {
        outln!(
            "  ECR token for account {}: {}",
            ecr.account_id,
            super::show::ecr_expiry(ecr.expires_at, Timestamp::now())
        );
    }
    outln!("{}: {}", report.outcome, report.hint);
}

/// `--offline`: the structural check's findings.
fn print_offline(args: &TestArgs, label: &str, kind: RegistryKind, report: &TestReport) {
    let findings = &report.findings;
    let errors = findings.iter().filter(|f| f.is_error()).count();
    if args.json {
        print_json(&json!({
            "registry": label, "type": kind, "outcome": report.outcome(),
            "summary": report.summary(), "hint": report.summary(),
            "findings": output::findings_json(findings),
        }));
    } else {
        for f in findings {
            let tag = if f.is_error() { "error" } else { "warning" };
            outln!("{tag}: {f}");
        }
        if report.passed() {
            outln!("{label} {kind}: {}", report.summary());
        } else {
            let errors = crate::model::plural(errors, "error", "errors");
            outln!("{label} {kind}: invalid — {errors}");
        }
    }
}
