//! `regvault log` (the audit log, filtered; newest last), `regvault log
//! verify`, and the CLI's side of recording: commands that change the
//! vault outside `ops` save through [`save`] (the entries of what changed
//! go into the same save; `save_imported` for imports), and a command
//! that fails after opening the vault leaves a `refused`/`failed` entry through [`outcome`].

use std::sync::Mutex;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::Global;
use super::keys;
use super::output::{errln, outln, print_json, print_table};
use crate::model::{RuleError, VaultData};
use crate::vault::Vault;
use crate::vault::audit::{self, Action, Entry, Log, Who};

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub cmd: Option<LogCmd>,
    /// Only entries about this registry (id or name, as logged).
    #[arg(long, value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Only entries by this member, fingerprint or OS user.
    #[arg(long, value_name = "WHO")]
    pub who: Option<String>,
    /// Only entries newer than this: 30m, 12h, 7d, 2w, or a time (RFC 3339).
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum LogCmd {
    /// Check the whole chain against the heads kept in the vault and in
    /// your state: exit 0 with the count, or 1 naming the first broken
    /// entry (segment and index).
    Verify {
        #[arg(long)]
        json: bool,
    },
}

/// The log of the vault this command opened, and who the user is in it:
/// for recording a failure without opening the vault again (a passphrase
/// would be asked twice).
static OPENED: Mutex<Option<(Log, Who)>> = Mutex::new(None);

/// The registries (id, name) of the vault as opened: a refusal names the
/// registry it was about by its id too.
static REGISTRIES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Called by `keys::open*` for every vault the command opens.
pub(super) fn opened(vault: &Vault) {
    if let (Some(log), Ok(mut slot)) = (vault.audit_log(), OPENED.lock()) {
        *slot = Some((log, vault.audit_who()));
    }
    if let Ok(mut list) = REGISTRIES.lock() {
        *list = vault
            .data()
            .registries
            .iter()
            .map(|r| (r.id.as_str().to_owned(), r.name.clone()))
            .collect();
    }
}

/// Saves `vault` with one entry per registry or container changed since
/// `before`, in the same save.
pub fn save(vault: &mut Vault, before: &VaultData) -> anyhow::Result<()> {
    let entries = audit::changes(before, vault.data(), &vault.audit_who());
    save_with(vault, &entries)
}

/// `save` for an import: the registries added are `import` entries, with
/// where they came from (the file, or the Secret).
pub fn save_imported(vault: &mut Vault, before: &VaultData, source: &str) -> anyhow::Result<()> {
    let mut entries = audit::changes(before, vault.data(), &vault.audit_who());
    audit::as_imports(&mut entries, source);
    save_with(vault, &entries)
}

/// Saves `vault` with `entries` in the same save.
pub fn save_with(vault: &mut Vault, entries: &[Entry]) -> anyhow::Result<()> {
    let (saved, problem) = vault.save_recording(entries);
    if let Some(p) = problem {
        errln!("audit log: {p}");
    }
    saved?;
    opened(vault);
    Ok(())
}

/// An entry by the user of the vault this command opened.
pub fn entry(action: Action) -> Option<Entry> {
    let who = OPENED.lock().ok()?.as_ref()?.1.clone();
    Some(Entry::new(who, action, audit::Outcome::Ok))
}

/// Passes `result` through; an error after the vault was opened leaves a
/// `refused` (a rule said no) or `failed` entry for `action` on `target`.
pub fn outcome(
    action: Action,
    target: Option<&str>,
    result: anyhow::Result<i32>,
) -> anyhow::Result<i32> {
    let Err(err) = &result else {
        return result;
    };
    let Some((log, who)) = OPENED.lock().ok().and_then(|s| s.clone()) else {
        return result;
    };
    let mut e = Entry::new(who, action, audit::Outcome::Ok);
    if let Some(t) = target {
        // The registry as the vault names it, when it does.
        let known = REGISTRIES
            .lock()
            .ok()
            .and_then(|list| list.iter().find(|(id, name)| id == t || name == t).cloned());
        e = match known {
            Some((id, name)) => e.registry(id, name),
            None => e.registry("", t),
        };
    }
    let line = super::output::error_line(err);
    e = if err.chain().any(<dyn std::error::Error>::is::<RuleError>) {
        e.refused(&line)
    } else {
        e.failed(&line)
    };
    if let Err(p) = log.append(&e) {
        errln!("audit log: {p}");
    }
    result
}

fn parse_since(s: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .ok()
        .filter(|_| !num.is_empty())
        .with_context(|| format!("--since {s}: give 30m, 12h, 7d, 2w or an RFC 3339 time"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => anyhow::bail!("--since {s}: give 30m, 12h, 7d, 2w or an RFC 3339 time"),
    };
    now.checked_sub(SignedDuration::from_secs(n.saturating_mul(secs)))
        .context("--since is too far back")
}

fn the_log(g: &Global) -> anyhow::Result<Option<Log>> {
    let vault = keys::open(g)?;
    Ok(vault.audit_log())
}

pub fn run(g: &Global, args: &LogArgs) -> anyhow::Result<i32> {
    if let Some(LogCmd::Verify { json }) = args.cmd {
        return verify(g, json);
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Timestamp::now()))
        .transpose()?;
    let Some(log) = the_log(g)? else {
        if args.json {
            print_json(&json!([]));
        } else {
            errln!("this vault has no audit log yet: it starts at its next save");
        }
        return Ok(0);
    };
    let walk = log.read()?;
    let keep = |e: &Entry| {
        since.is_none_or(|t| e.at >= t)
            && args.who.as_deref().is_none_or(|w| e.who.matches(w))
            && args.registry.as_deref().is_none_or(|r| {
                e.registry
                    .as_ref()
                    .is_some_and(|t| t.id == r || t.name == r)
            })
    };
    let records: Vec<_> = walk.records.iter().filter(|r| keep(&r.entry)).collect();
    if args.json {
        let v: Vec<_> = records
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(&r.entry).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("index".into(), json!(r.index));
                    o.insert("segment".into(), json!(r.segment));
                }
                v
            })
            .collect();
        print_json(&json!(v));
    } else {
        let mut rows = vec![
            ["#", "TIME", "WHO", "ACTION", "TARGET", "WHERE", "RESULT"]
                .map(str::to_owned)
                .to_vec(),
        ];
        for r in &records {
            let e = &r.entry;
            let target = e
                .registry
                .as_ref()
                .or(e.container.as_ref())
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let mut result = e.result.as_str().to_owned();
            if let Some(why) = &e.reason {
                result.push_str(": ");
                result.push_str(why);
            }
            rows.push(vec![
                r.index.to_string(),
                e.at.round(jiff::Unit::Second).unwrap_or(e.at).to_string(),
                format!("{} uid {} on {}", e.who.member, e.who.uid, e.who.host),
                e.action.to_string(),
                target,
                e.place.clone().unwrap_or_default(),
                result,
            ]);
        }
        print_table(&rows);
    }
    if let Some(b) = walk.broken {
        errln!(
            "the log is broken at {b}: entries after it are not shown; run `regvault log verify`"
        );
        return Ok(1);
    }
    Ok(0)
}

fn verify(g: &Global, as_json: bool) -> anyhow::Result<i32> {
    let Some(log) = the_log(g)? else {
        if as_json {
            print_json(&json!({"ok": true, "entries": 0}));
        } else {
            outln!("ok: no audit log yet (it starts at the vault's next save)");
        }
        return Ok(0);
    };
    match log.verify()? {
        Ok(count) => {
            if as_json {
                print_json(&json!({"ok": true, "entries": count}));
            } else {
                outln!("ok: {count} entries, chain intact");
            }
            Ok(0)
        }
        Err(b) => {
            if as_json {
                print_json(
                    &json!({"ok": false, "segment": b.segment, "index": b.index, "reason": b.reason}),
                );
            } else {
                outln!("BROKEN: {b}");
            }
            Ok(1)
        }
    }
}
