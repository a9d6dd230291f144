//! The runtime with a stand-in `Applier` (no cluster): plans, applies
//! namespace by namespace through the progress messages, and — the point —
//! `Effect::Cancel` reaches an operation running on its own thread through
//! its token, which an abort of the task could not.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::apply::{
    Applier, ApplyFinish, ApplyProgress, ApplyResult, ApplyTarget, ClusterPlan, KubeContexts,
    NoCluster, Store,
};
use super::effect::Effect;
use super::msg::Msg;
use super::runtime::{Runtime, VaultSlot, offline};
use super::test_support::ns_report;
use crate::deploy::kube::{Change, Outcome};
use crate::ops::Cancel;
use crate::ops::kube::ApplySettings;

/// Applies on its own thread, one namespace every 100 ms, checking its
/// token before each — as `ops::kube` does between namespaces. Plans each
/// context of the target; keeps every target it was given.
#[derive(Default)]
struct Threaded {
    seen: Arc<Mutex<Vec<ApplyTarget>>>,
}

impl Applier for Threaded {
    fn contexts(&self) -> KubeContexts {
        KubeContexts::default()
    }
    fn plan(&self, _: Store, t: ApplyTarget, _: Cancel) -> BoxFuture<'static, ApplyResult> {
        let plans = t
            .contexts
            .iter()
            .map(|c| ClusterPlan {
                context: c.clone(),
                planned: Ok(t
                    .environments
                    .iter()
                    .map(|e| ns_report(e, Change::Create, Outcome::Unchanged))
                    .collect()),
            })
            .collect();
        self.seen.lock().unwrap().push(t);
        Box::pin(async move { Ok(plans) })
    }
    fn apply(
        &self,
        _: Store,
        t: ApplyTarget,
        plans: Vec<ClusterPlan>,
        progress: ApplyProgress,
        cancel: Cancel,
    ) -> BoxFuture<'static, ApplyFinish> {
        self.seen.lock().unwrap().push(t);
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            for p in plans {
                for r in p.planned.unwrap_or_default() {
                    let outcome = if cancel.is_cancelled() {
                        Outcome::Cancelled
                    } else {
                        std::thread::sleep(Duration::from_millis(100));
                        Outcome::Applied
                    };
                    progress(
                        &p.context,
                        &ns_report(&r.environment, Change::Create, outcome),
                    );
                }
            }
            let _ = done.send(());
        });
        Box::pin(async move {
            let _ = finished.await;
            Ok(Vec::new())
        })
    }
}

fn runtime(applier: Arc<dyn Applier>) -> (Runtime, tokio::sync::mpsc::UnboundedReceiver<Msg>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let slot = VaultSlot::Missing {
        path: "/nonexistent/vault.age".into(),
        identity: "/nonexistent/identity.txt".into(),
    };
    (Runtime::new(tx, slot, offline(), applier), rx)
}

fn target(envs: &[&str]) -> ApplyTarget {
    ApplyTarget {
        registry: "reg-ghcr01".into(),
        contexts: vec!["kind-dev".into()],
        environments: envs.iter().map(|e| (*e).to_owned()).collect(),
        settings: ApplySettings::default(),
    }
}

#[tokio::test]
async fn the_runtime_plans_then_applies_namespace_by_namespace() {
    let (mut rt, mut rx) = runtime(Arc::new(Threaded::default()));
    rt.run(Effect::PlanApply {
        job: 1,
        target: target(&["production", "staging"]),
    });
    let Some(Msg::ApplyPlanned { job: 1, result }) = rx.recv().await else {
        panic!("no plan")
    };
    let plans = result.expect("plan");
    rt.run(Effect::Apply {
        job: 2,
        target: target(&["production", "staging"]),
        plans,
    });
    let mut outcomes = Vec::new();
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::ApplyProgress { job: 2, report, .. } => outcomes.push(report.outcome),
            Msg::ApplyFinished { job: 2, result } => {
                assert!(result.is_ok());
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(outcomes, [Outcome::Applied, Outcome::Applied]);
}

#[tokio::test]
async fn a_cancel_reaches_an_apply_on_its_own_thread_and_the_rest_is_not_started() {
    let (mut rt, mut rx) = runtime(Arc::new(Threaded::default()));
    let envs = ["a", "b", "c", "d"];
    let planned = envs
        .iter()
        .map(|e| ns_report(e, Change::Create, Outcome::Unchanged))
        .collect();
    let plans = vec![ClusterPlan {
        context: "kind-dev".into(),
        planned: Ok(planned),
    }];
    rt.run(Effect::Apply {
        job: 7,
        target: target(&envs),
        plans,
    });
    let Some(Msg::ApplyProgress { job: 7, report, .. }) = rx.recv().await else {
        panic!("no first namespace")
    };
    assert_eq!(report.outcome, Outcome::Applied);
    rt.run(Effect::Cancel { job: 7 });
    let mut outcomes = vec![report.outcome];
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::ApplyProgress { job: 7, report, .. } => outcomes.push(report.outcome),
            Msg::ApplyFinished { job: 7, .. } => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(outcomes.len(), 4, "every namespace reports: {outcomes:?}");
    let cancelled = outcomes
        .iter()
        .filter(|o| **o == Outcome::Cancelled)
        .count();
    assert!(
        (2..=3).contains(&cancelled),
        "after the cancel no further namespace is applied: {outcomes:?}"
    );
}

/// The dialog's choices — every context (`a`) and service accounts `all` —
/// reach the applier's plan and apply calls through the runtime, and each
/// cluster's namespaces come back under its context.
#[tokio::test]
async fn the_checked_contexts_and_the_service_accounts_reach_the_applier() {
    use crate::deploy::kube::ServiceAccounts;
    use crate::tui::test_support::{self as fixtures, key, select_registry, typ};
    use ratatui::crossterm::event::KeyCode;

    let applier = Arc::new(Threaded::default());
    let seen = Arc::clone(&applier.seen);
    let (mut rt, mut rx) = runtime(applier);
    let mut m = fixtures::full();
    m.kube = fixtures::kube();
    select_registry(&mut m, "ghcr-acme");
    key(&mut m, KeyCode::Char('A'));
    key(&mut m, KeyCode::Char('a'));
    // Two contexts, two environments, create namespaces, adopt: then
    // the ServiceAccount row, default → all.
    for _ in 0..6 {
        key(&mut m, KeyCode::Down);
    }
    key(&mut m, KeyCode::Char(' '));
    key(&mut m, KeyCode::Char(' '));
    let mut effects = key(&mut m, KeyCode::Enter);
    let mut done = Vec::new();
    loop {
        for e in effects.drain(..) {
            rt.run(e);
        }
        let Some(msg) = rx.recv().await else {
            panic!("the runtime stopped")
        };
        if let Msg::ApplyProgress {
            context, report, ..
        } = &msg
        {
            done.push((context.clone(), report.namespace.clone()));
        }
        let end = matches!(msg, Msg::ApplyFinished { .. });
        let planned = matches!(msg, Msg::ApplyPlanned { .. });
        effects = crate::tui::update::update(&mut m, msg);
        if planned {
            typ(&mut m, "kind-dev,prod-eu");
            effects.extend(key(&mut m, KeyCode::Enter));
        }
        if end {
            break;
        }
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one plan, one apply");
    for t in seen.iter() {
        assert_eq!(t.contexts, ["kind-dev", "prod-eu"]);
        assert_eq!(t.settings.service_accounts, ServiceAccounts::All);
    }
    done.sort();
    assert_eq!(
        done,
        [
            ("kind-dev".to_owned(), "env-production".to_owned()),
            ("kind-dev".to_owned(), "env-staging".to_owned()),
            ("prod-eu".to_owned(), "env-production".to_owned()),
            ("prod-eu".to_owned(), "env-staging".to_owned()),
        ]
    );
}

#[tokio::test]
async fn the_demo_applier_contacts_nothing_and_says_so() {
    let (mut rt, mut rx) = runtime(Arc::new(NoCluster));
    rt.run(Effect::Prune {
        job: 4,
        context: "kind-dev".into(),
        registry: "reg-ghcr01".into(),
    });
    let Some(Msg::PruneDone { job: 4, result }) = rx.recv().await else {
        panic!("no prune result")
    };
    let err = result.expect_err("the demo prunes nothing").to_string();
    assert!(err.contains("regvault prune reg-ghcr01"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_runtime_reads_an_import_file_and_a_missing_one_is_one_line() {
    let (mut rt, mut rx) = runtime(Arc::new(NoCluster));
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/config.json");
    rt.run(Effect::ReadImport {
        job: 5,
        source: crate::ops::import::read::Source::DockerConfig(Some(fixture)),
    });
    let Some(Msg::ImportRead { job: 5, result }) = rx.recv().await else {
        panic!("no read")
    };
    let found = result.expect("the fixture reads");
    assert_eq!(found.logins.len(), 5, "{:?}", found.logins);
    assert_eq!(found.skipped.len(), 1, "the identity token");
    rt.run(Effect::ReadImport {
        job: 6,
        source: crate::ops::import::read::Source::KubeFile("/nonexistent/secret.yaml".into()),
    });
    let Some(Msg::ImportRead { job: 6, result }) = rx.recv().await else {
        panic!("no read")
    };
    let err = result.expect_err("no such file");
    assert!(err.starts_with("/nonexistent/secret.yaml"), "{err}");
}

/// The TUI leaves the same audit entries as the CLI: a secret revealed in
/// a form and a save (here a rename) are in the log the History tab reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_and_a_save_leave_entries_the_history_tab_reads() {
    use crate::vault::{self, Encryption, KeySource, Vault};
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = dir.path().join("identity.txt");
    let recipient = vault::generate_identity(&identity).expect("identity");
    let path = dir.path().join("vault.age");
    Vault::create(
        &path,
        super::test_support::demo(),
        Encryption::Recipients(vec![recipient]),
        None,
    )
    .expect("create");
    let opened = Vault::open(&path, &[KeySource::IdentityFile(identity)]).expect("open");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut rt = Runtime::new(
        tx,
        VaultSlot::Open(Box::new(opened)),
        offline(),
        Arc::new(NoCluster),
    );
    let data = rt.data().expect("open");
    let id = data.registries[0].id.clone();
    rt.run(Effect::Reveal {
        registry: id.clone(),
        field: "token",
    });
    let mut renamed = (*data).clone();
    renamed.registries[0].name = "renamed-in-tui".into();
    rt.run(Effect::Save {
        job: 1,
        data: Arc::new(renamed),
        imported_from: None,
    });
    loop {
        match rx.recv().await.expect("message") {
            Msg::VaultSaved { job: 1 } => break,
            Msg::SaveFailed { error, .. } => panic!("{error}"),
            _ => {}
        }
    }
    // The reveal is appended on a blocking task of its own: read until
    // both entries are there (each read is a fresh look at the file).
    let mut actions = Vec::new();
    for job in 0..200 {
        rt.run(Effect::LoadHistory { job });
        let Some(Msg::HistoryLoaded { history, .. }) = rx.recv().await else {
            continue;
        };
        actions = history
            .rows()
            .iter()
            .map(|r| format!("{} {} {}", r.action, r.registry_id, r.result))
            .collect();
        if actions.len() >= 3 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions[0].starts_with("init "), "{actions:?}");
    let rest = &actions[1..];
    assert!(
        rest.contains(&format!("reveal {id} ok: field token shown in the TUI")),
        "{actions:?}"
    );
    assert!(
        rest.iter()
            .any(|a| a.starts_with(&format!("update {id} ok: renamed from "))),
        "{actions:?}"
    );
}
